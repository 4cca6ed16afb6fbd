"""Integration tests for raws beyond Bayer: input + recipe -> stored expected image, ΔE00 bound.

Inputs (``tests/data/raw``, see ``tests/make_goldens_formats.py``): a lab X-Trans DNG, a DNG
without colour matrices as PiDNG writes them, a monochrome LinearRaw DNG, a LinearRaw DNG with
FixVignetteRadial and WarpRectilinear opcodes, and the real Adobe lossy linear DNG (Canon EOS
6D, ``../shared/data``, skipped when absent). Thresholds as ``tests/test_golden.py``.
"""

from __future__ import annotations

import warnings

import pytest

import brightroom
from conftest import shared_file
from make_goldens import SHIPPED, read_png16, small
from make_goldens_formats import CANON6D_CROP, GOLDEN, INPUTS, RAW
from test_golden import assert_close_de


@pytest.mark.slow
@pytest.mark.parametrize("recipe", SHIPPED)
@pytest.mark.parametrize("name", INPUTS)
def test_formats_render_as_golden(name: str, recipe: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the matrix-less input warns (tested elsewhere)
        out = brightroom.develop(RAW / f"{name}.dng", recipe=recipe).data
    assert_close_de(out, read_png16(GOLDEN / f"{name}-{recipe}.png"), f"{name}, {recipe}")


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("recipe", SHIPPED)
def test_real_linear_dng_renders_as_golden(recipe: str) -> None:
    out = brightroom.develop(shared_file("linear-dng-canon6d.dng"), recipe=recipe).data
    assert out.shape == (816, 1224, 3)
    assert_close_de(small(out), read_png16(GOLDEN / f"canon6d-linear-{recipe}-small.png"),
                    f"canon 6D linear DNG, {recipe} (1/4 size)")
    assert_close_de(out[CANON6D_CROP], read_png16(GOLDEN / f"canon6d-linear-{recipe}-crop.png"),
                    f"canon 6D linear DNG, {recipe} (crop)")


def test_format_goldens_differ() -> None:
    """The comparison can fail: different inputs' goldens are far apart."""
    a = read_png16(GOLDEN / "lab-xtrans-default.png")
    b = read_png16(GOLDEN / "lab-xtrans-neutral.png")
    with pytest.raises(AssertionError):
        assert_close_de(a, b, "default vs neutral")
