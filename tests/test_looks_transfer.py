"""Tests of brightroom.looks.transfer (Reinhard et al. 2001 colour transfer)."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.color.lut import LUT3D, apply_lut
from brightroom.errors import ParameterError
from brightroom.looks.transfer import (
    TRANSFER_METHODS,
    colour_transfer,
    image_stats,
    lalphabeta_to_rgb,
    lut_from_pair,
    rgb_to_lalphabeta,
    transfer_lut,
)
from brightroom.types import Image


def _img(name: str) -> np.ndarray:
    import skimage.data

    return np.ascontiguousarray(getattr(skimage.data, name)()[::4, ::4]).astype(np.float32) / 255


def test_lalphabeta_round_trip_and_neutral_axis(rng: np.random.Generator) -> None:
    x = rng.random((100, 3)) * 0.9 + 0.05
    np.testing.assert_allclose(lalphabeta_to_rgb(rgb_to_lalphabeta(x)), x, rtol=1e-9)
    # Reinhard et al.: an achromatic LMS (L = M = S) has alpha = beta = 0
    lms_grey = np.linalg.solve(np.array([[0.3811, 0.5783, 0.0402], [0.1967, 0.7244, 0.0782],
                                         [0.0241, 0.1288, 0.8444]]), np.full(3, 0.5))
    lab = rgb_to_lalphabeta(lms_grey)
    np.testing.assert_allclose(lab[1:], 0, atol=1e-12)
    assert lab[0] == pytest.approx(np.sqrt(3) * np.log10(0.5))


def test_transfer_matches_reference_statistics() -> None:
    src, ref = _img("astronaut"), _img("coffee")
    out = colour_transfer(Image(src, space="linear_rgb", transfer="linear"),
                          Image(ref, space="linear_rgb", transfer="linear"))
    s_out = image_stats(out)
    s_ref = image_stats(Image(ref, space="linear_rgb", transfer="linear"))
    np.testing.assert_allclose(s_out.mean, s_ref.mean, atol=1e-6)
    np.testing.assert_allclose(s_out.std, s_ref.std, rtol=1e-5)


def test_self_transfer_is_identity_and_strength_zero() -> None:
    a = _img("chelsea")
    np.testing.assert_allclose(colour_transfer(a, a), a, atol=1e-5)
    np.testing.assert_allclose(colour_transfer(a, _img("coffee"), strength=0.0), a, atol=1e-5)
    with pytest.raises(ParameterError, match="unknown transfer method 'histogram'; known: "
                                             "reinhard2001$"):
        colour_transfer(a, a, method="histogram")


def test_method_name_ignores_case() -> None:
    assert TRANSFER_METHODS["Reinhard 2001"] is TRANSFER_METHODS["reinhard2001"]
    a, b = _img("chelsea")[:32, :32], _img("coffee")[:32, :32]
    np.testing.assert_array_equal(colour_transfer(a, b, method="REINHARD2001"),
                                  colour_transfer(a, b, method="reinhard2001"))
    np.testing.assert_array_equal(transfer_lut(a, b, size=5, method="Reinhard-2001").table,
                                  transfer_lut(a, b, size=5).table)
    with pytest.raises(ParameterError, match="unknown transfer method"):
        transfer_lut(a, b, method="histogram")


def test_lut_bakes_the_transfer() -> None:
    src, ref = _img("astronaut"), _img("coffee")
    lut = transfer_lut(src, ref, size=33)
    direct = colour_transfer(src, ref)
    baked = apply_lut(src, lut)
    assert np.abs(baked - direct).mean() < 0.004


# --------------------------------------------------------------------------------------------
# lut_from_pair (lattice regression, Garcia & Gupta 2009)

_MIX = np.array([[0.85, 0.12, 0.03], [0.05, 0.90, 0.05], [0.02, 0.10, 0.88]])


def _edit(x: np.ndarray) -> np.ndarray:
    """A known global edit on display values: gamma 0.8, a channel mix, saturation x1.25."""
    y = np.asarray(x, dtype=np.float64) ** 0.8 @ _MIX.T
    luma = (y @ np.array([0.2126, 0.7152, 0.0722]))[..., None]
    return np.clip(luma + 1.25 * (y - luma), 0, 1).astype(np.float32)


@pytest.mark.slow
def test_pair_recovers_a_known_global_edit() -> None:
    before = _img("astronaut")  # 128 x 128
    keep = before.copy()
    after = _edit(before)
    lut = lut_from_pair(before, after, size=17)
    np.testing.assert_array_equal(before, keep)  # inputs untouched
    assert lut.size == 17 and lut.table.dtype == np.float32
    # the LUT reproduces the edit on the training photo (analytic truth: _edit)...
    assert np.abs(apply_lut(before, lut) - after).mean() * 255 < 0.5
    # ...and on photos it has never seen
    for name in ("chelsea", "coffee"):
        other = _img(name)
        err = np.abs(apply_lut(other, lut) - _edit(other))
        assert err.mean() * 255 < 0.5, name
        assert np.percentile(err, 99) * 255 < 4, name
    # doing nothing is far worse: the test can fail
    assert np.abs(before - after).mean() * 255 > 10


@pytest.mark.slow
def test_pair_coarse_to_fine_matches_direct_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    import brightroom.looks.transfer as transfer

    before = _img("coffee")[::2, ::2]
    after = _edit(before)
    monkeypatch.setattr(transfer, "_DIRECT_MAX", 8)
    iterative = lut_from_pair(before, after, size=15)  # CG started from the size-8 solution
    monkeypatch.setattr(transfer, "_DIRECT_MAX", 64)
    direct = lut_from_pair(before, after, size=15)  # sparse LU
    # CG stops at a relative residual of 1e-6: nodes far from any data converge last
    np.testing.assert_allclose(iterative.table, direct.table, atol=1e-3)
    assert np.abs(iterative.table - direct.table).mean() < 5e-5


@pytest.mark.slow
def test_pair_identity_and_noise_give_identity(rng: np.random.Generator) -> None:
    before = _img("chelsea")
    ident = LUT3D.identity(17).table
    np.testing.assert_allclose(lut_from_pair(before, before, size=17).table, ident, atol=1e-6)
    # zero-mean noise (1/255 rms) on the after image averages out
    noisy = (before + rng.normal(0, 1 / 255, before.shape)).astype(np.float32)
    lut = lut_from_pair(before, noisy, size=17)
    assert np.abs(lut.table - ident).max() < 0.01
    assert np.abs(apply_lut(before, lut) - before).mean() < 0.25 / 255


@pytest.mark.slow
def test_pair_far_from_data_falls_back_to_identity(rng: np.random.Generator) -> None:
    before = (rng.random((64, 64, 3)) * 0.3).astype(np.float32)  # only dark colours
    lut = lut_from_pair(before, before + 0.05, size=17)
    dev = lut.table - LUT3D.identity(17).table
    np.testing.assert_allclose(dev[:5, :5, :5], 0.05, atol=1e-3)  # where the data are
    np.testing.assert_allclose(dev[-1, -1, -1], 0.0, atol=1e-3)  # white: no data -> identity
    assert np.abs(dev[-4:, -4:, -4:]).max() < 0.01


def test_pair_inputs_images_and_integers() -> None:
    before = _img("astronaut")[::2, ::2]
    after = _edit(before)
    ref = lut_from_pair(before, after, size=9)
    as_images = lut_from_pair(Image(before, space="display", transfer="sRGB"),
                              Image(after, space="display", transfer="sRGB"), size=9)
    np.testing.assert_allclose(as_images.table, ref.table, atol=1e-6)
    # uint8 codes are scaled by 255
    b8, a8 = np.round(before * 255).astype(np.uint8), np.round(after * 255).astype(np.uint8)
    as_codes = lut_from_pair(b8, a8, size=9)
    assert np.abs(as_codes.table - ref.table).mean() < 1e-3
    np.testing.assert_allclose(as_codes.table, ref.table, atol=0.01)
    # resize=True: an after image at twice the size is averaged back down
    big = np.repeat(np.repeat(after, 2, axis=0), 2, axis=1)
    np.testing.assert_allclose(lut_from_pair(before, big, size=9, resize=True).table, ref.table,
                               atol=1e-5)


def test_pair_errors() -> None:
    before = _img("astronaut")  # 128 x 128
    with pytest.raises(ParameterError, match=r"128x128.*128x64"):
        lut_from_pair(before, before[:64], size=9)
    with pytest.raises(ParameterError, match="size"):
        lut_from_pair(before, before, size=1)
    with pytest.raises(ParameterError, match="smoothness"):
        lut_from_pair(before, before, smoothness=0)
    with pytest.raises(ParameterError, match="H x W x 3"):
        lut_from_pair(before[..., :2], before[..., :2])
    with pytest.raises(ParameterError, match="camera"):
        lut_from_pair(Image(before, space="camera_rgb", primaries="camera"), before)
    with pytest.raises(ParameterError, match="NaN"):
        lut_from_pair(before, np.full_like(before, np.nan))
