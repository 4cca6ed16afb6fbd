"""Integration tests, darktable style: real input + recipe -> stored expected image, ΔE00 bound.

The goldens were rendered before the pipeline was restructured (see ``tests/make_goldens.py``,
which remakes them after an intended change). Inputs: the real ColorChecker DNG from
``../shared/data`` (skipped when absent) and a lab-simulated raw kept in ``tests/data/golden``.
Recipes: the shipped ones by name and every shipped version as Brightroom embedded it in its
outputs (``tests/data/recipes``), so an old photo's recipe keeps rendering as it did.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import brightroom
from brightroom.color.metrics import delta_e_image
from conftest import shared_file
from make_goldens import (
    CANON_CROP,
    GOLDEN,
    HEIC_LOOKS,
    LAB_DNG,
    RECIPES,
    SHIPPED,
    read_png16,
    small,
)

MEAN_DE = 0.3  # ΔE00: mean over the image
P99_DE = 1.5  # ΔE00: 99th percentile


def assert_close_de(got: np.ndarray, want: np.ndarray, what: str) -> None:
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    de = delta_e_image(got, want)  # sRGB-encoded, clipped to [0, 1]
    mean, p99 = float(np.mean(de)), float(np.percentile(de, 99))
    assert mean <= MEAN_DE and p99 <= P99_DE, (
        f"{what}: ΔE00 mean {mean:.3f} (max {MEAN_DE}), p99 {p99:.3f} (max {P99_DE})")


@pytest.mark.realdata
@pytest.mark.parametrize("recipe", SHIPPED)
@pytest.mark.slow
def test_real_dng_renders_as_golden(recipe: str) -> None:
    raw = brightroom.read_raw(shared_file("colorchecker-canon.dng"))
    out = brightroom.develop(raw, recipe=recipe).data
    assert_close_de(small(out), read_png16(GOLDEN / f"canon-{recipe}-small.png"),
                    f"canon {recipe} (1/4 size)")
    assert_close_de(out[CANON_CROP], read_png16(GOLDEN / f"canon-{recipe}-crop.png"),
                    f"canon {recipe} (crop)")


RECIPE_FILES = sorted(RECIPES.glob("*.toml"))


@pytest.mark.parametrize("path", RECIPE_FILES, ids=[p.stem for p in RECIPE_FILES])
def test_every_shipped_recipe_version_renders_as_it_did(path: Path) -> None:
    raw = brightroom.read_raw(LAB_DNG)
    out = brightroom.develop(raw, recipe=path).data
    assert_close_de(out, read_png16(GOLDEN / f"lab-{path.stem}.png"), f"lab input, {path.name}")


def test_goldens_are_not_all_alike() -> None:
    """The test can fail: recipes render differently, so a wrong recipe would be caught."""
    a = read_png16(GOLDEN / "lab-default-2026-11-25c.png")
    b = read_png16(GOLDEN / "lab-neutral-2026-11-25d.png")
    with pytest.raises(AssertionError):
        assert_close_de(a, b, "default vs neutral")


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("look", HEIC_LOOKS)
def test_real_heic_with_a_look_renders_as_golden(look: str) -> None:
    photo = brightroom.read_image(shared_file("iphone-portrait-depth.heic"))
    out = brightroom.look_apply(photo, look).data
    assert_close_de(small(out, 16), read_png16(GOLDEN / f"heic-{look}-small.png"),
                    f"iPhone HEIC, look {look} (1/16 size)")
