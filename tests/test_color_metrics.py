"""Tests of brightroom.color.metrics against hand-computed values, the textbook one-LSB PSNR
figures and colour-science's CIEDE2000 (an independent implementation)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from brightroom.color.metrics import (
    delta_e_image,
    exposure_fitted_psnr,
    exposure_scale,
    mse,
    psnr,
)
from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.errors import ParameterError
from brightroom.lab import metrics as lab_metrics


def test_the_lab_reexports_the_one_implementation():
    for f in (mse, psnr, exposure_scale, exposure_fitted_psnr, delta_e_image):
        assert getattr(lab_metrics, f.__name__) is f


def test_mse_by_hand():
    a = np.zeros((2, 2), np.float32)
    b = np.array([[0.1, 0.2], [0.3, 0.4]], np.float32)
    # (0.01 + 0.04 + 0.09 + 0.16) / 4, from the float32 inputs
    assert mse(a, b) == pytest.approx(0.075, rel=1e-6)
    assert mse(b, a) == mse(a, b)


def test_integer_inputs_do_not_wrap():
    a = np.zeros((4, 4), np.uint8)
    b = np.full((4, 4), 255, np.uint8)
    assert mse(a, b) == 255.0**2  # uint8 arithmetic would give 1


def test_psnr_textbook_values():
    img = np.random.default_rng(0).integers(1, 255, (16, 16, 3)).astype(np.uint8)
    # an error of one level everywhere: 20 log10(255) = 48.13 dB (8-bit), 60.20 dB (10-bit)
    assert psnr(img, img + np.uint8(1), peak=255) == pytest.approx(48.1308036, abs=1e-6)
    ten = img.astype(np.uint16) * 4
    assert psnr(ten, ten + 1, peak=1023) == pytest.approx(60.1975127, abs=1e-6)
    # a constant 0.1 error on normalised data: 10 log10(1 / 0.01) = 20 dB
    x = np.full((8, 8, 3), 0.5)
    assert psnr(x + 0.1, x) == pytest.approx(20.0, abs=1e-9)
    assert psnr(x, x) == math.inf


def test_border_and_mask():
    ref = np.full((10, 12, 3), 0.5, np.float32)
    img = ref.copy()
    img[:2] += 0.25  # error only within a 2-pixel border
    assert psnr(img, ref, border=2) == math.inf
    assert psnr(img, ref, border=1) < 30
    # error in half the pixels: mse = 0.5 * 0.1^2 -> 10 log10(200) dB
    img = ref.copy()
    img[:, :6] += np.float32(0.1)
    mask = np.zeros(ref.shape[:2], bool)
    mask[:, 4:8] = True  # 2 columns of 4 carry the error
    assert psnr(img, ref, mask=mask) == pytest.approx(10 * math.log10(200), abs=1e-4)
    assert psnr(img, ref, mask=~mask) == pytest.approx(10 * math.log10(200), abs=1e-4)
    # the mask is given for the whole image and cropped with the border
    assert mse(img, ref, mask=mask, border=1) == pytest.approx(0.005, rel=1e-5)
    assert psnr(img, ref, mask=np.broadcast_to(mask[..., None], img.shape)) == pytest.approx(
        psnr(img, ref, mask=mask))


def test_bad_inputs():
    a = np.zeros((8, 8, 3))
    with pytest.raises(ParameterError, match="same shape"):
        psnr(a, np.zeros((8, 9, 3)))
    with pytest.raises(ParameterError, match="no pixel"):
        psnr(a, a, mask=np.zeros((8, 8), bool))
    with pytest.raises(ParameterError, match="no pixel"):
        mse(a, a, mask=np.pad(np.zeros((6, 6), bool), 1, constant_values=True), border=1)
    with pytest.raises(ParameterError, match="boolean"):
        mse(a, a, mask=np.ones((8, 8)))
    with pytest.raises(ParameterError, match="does not match"):
        mse(a, a, mask=np.ones((8, 7), bool))
    with pytest.raises(ParameterError, match="border"):
        mse(a, a, border=4)
    with pytest.raises(ParameterError, match="border"):
        mse(a, a, border=-1)
    with pytest.raises(ParameterError, match="peak"):
        psnr(a, a, peak=0)
    with pytest.raises(ParameterError, match="empty"):
        mse(np.zeros((0, 3)), np.zeros((0, 3)))


def test_inputs_are_not_written():
    a = np.full((6, 6, 3), 0.2, np.float32)
    b = a + np.float32(0.1)
    a0, b0 = a.copy(), b.copy()
    psnr(a, b, border=1, mask=np.ones((6, 6), bool))
    exposure_fitted_psnr(a, b)
    delta_e_image(a, b)
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(b, b0)


def test_exposure_fitted_psnr_analytic():
    rng = np.random.default_rng(0)
    truth = rng.uniform(0.05, 0.8, (48, 64, 3)).astype(np.float32)
    # an exact exposure scale costs nothing: PSNR is capped at 120 dB
    p, k = exposure_fitted_psnr(2.5 * truth, truth, border=8)
    assert k == pytest.approx(2.5, rel=1e-6) and p > 100
    assert exposure_scale(2.5 * truth, truth) == pytest.approx(2.5, rel=1e-6)
    assert exposure_fitted_psnr(truth, truth) == (120.0, pytest.approx(1.0))
    # a known error of +-0.01 in the sRGB-encoded domain: PSNR = -10 log10(1e-4) = 40 dB
    enc = srgb_encode(truth)
    noisy = enc.astype(np.float64) + 0.01 * np.where(rng.random(enc.shape) < 0.5, -1, 1)
    lin = srgb_decode(np.clip(noisy, 0, 1).astype(np.float32))
    p, _ = exposure_fitted_psnr(lin, truth, k=1.0, border=8)
    assert p == pytest.approx(40.0, abs=0.3)
    # the mask (given for the whole frame) restricts the error to a region
    mask = np.zeros(truth.shape[:2], bool)
    mask[20:30, 20:30] = True
    bad = lin.copy()
    bad[~mask] = 0
    assert exposure_fitted_psnr(bad, truth, mask=mask, k=1.0, border=8)[0] == pytest.approx(
        p, abs=1.0)
    # clipped pixels (>= 0.98) and black reference pixels do not enter the fit
    over = 2.0 * truth
    over[:10] = 1.0
    assert exposure_scale(over, truth) == pytest.approx(2.0, rel=1e-6)
    assert exposure_scale(np.zeros_like(truth), np.zeros_like(truth)) == 1.0
    with pytest.raises(ParameterError):
        exposure_fitted_psnr(truth, truth, k=0.0)


def _colour_science_de00(rgb_a: np.ndarray, rgb_b: np.ndarray, space: str) -> np.ndarray:
    """Linear RGB -> XYZ -> Bradford to D50 -> Lab -> CIEDE2000, all with colour-science."""
    import colour
    d50 = colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]["D50"]

    def lab(rgb: np.ndarray) -> np.ndarray:
        xyz = colour.RGB_to_XYZ(rgb, space, illuminant=d50, chromatic_adaptation_transform="Bradford")
        return colour.XYZ_to_Lab(xyz, d50)

    return colour.delta_E(lab(rgb_a), lab(rgb_b), method="CIE 2000")


@pytest.mark.parametrize("space", ["sRGB", "Display P3"])
def test_delta_e_image_matches_colour_science(space):
    rng = np.random.default_rng(3)
    a = rng.uniform(0.01, 1.0, (12, 9, 3))
    b = np.clip(a + rng.normal(0, 0.03, a.shape), 0.001, 1.0)
    got = delta_e_image(a, b, space=space, encoded=False)
    assert got.shape == (12, 9) and got.dtype == np.float64
    np.testing.assert_allclose(got, _colour_science_de00(a, b, space), atol=5e-3)
    # encoded input: the same after decoding with the sRGB curve (Display P3 uses it too)
    enc = delta_e_image(srgb_encode(a.astype(np.float32)), srgb_encode(b.astype(np.float32)),
                        space=space)
    np.testing.assert_allclose(enc, got, atol=2e-3)


def test_delta_e_image_by_hand():
    white = np.ones((2, 3, 3), np.float32)
    black = np.zeros((2, 3, 3), np.float32)
    # L* 100 against L* 0, neutral: S_L = 1 at mean L' = 50, so dE00 = 100
    np.testing.assert_allclose(delta_e_image(white, black), 100.0, atol=1e-2)
    np.testing.assert_allclose(delta_e_image(white, white), 0.0, atol=1e-12)
    # encoded values are display values: clipped to [0, 1]
    np.testing.assert_allclose(delta_e_image(white * 1.5, white), 0.0, atol=1e-12)
    with pytest.raises(ParameterError, match="same shape"):
        delta_e_image(white, black[:, :2])
    with pytest.raises(ParameterError, match="same shape"):
        delta_e_image(white[..., :2], black[..., :2])
    with pytest.raises(ParameterError, match="transfer"):
        delta_e_image(white, black, space="ProPhoto RGB")
    assert delta_e_image(white, black, space="ProPhoto RGB", encoded=False).shape == (2, 3)
