"""Tests of brightroom.develop.tone (exposure, filmic curve, local tone mapping)."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.data

from brightroom.develop.pipeline import Stage
from brightroom.develop.tone import (
    TONE_METHODS,
    ToneParams,
    auto_exposure,
    filmic_curve,
    tone_map,
)
from brightroom.develop.tone.filmic import filmic_ratio_lut, hable
from brightroom.errors import ParameterError
from brightroom.types import Image


def linear_photo(size: int = 256) -> np.ndarray:
    img = skimage.data.astronaut()[:size, :size].astype(np.float64) / 255
    return np.where(img <= 0.04045, img / 12.92, ((img + 0.055) / 1.055) ** 2.4).astype(
        np.float32)


def test_hable_matches_published_formula():
    # Hable (2010), GDC slides: ((x*(A*x+C*B)+D*E)/(x*(A*x+B)+D*F))-E/F with his constants
    A, B, C, D, E, F = 0.15, 0.50, 0.10, 0.20, 0.02, 0.30
    for x in (0.0, 0.05, 0.36, 1.0, 11.2):
        ref = ((x * (A * x + C * B) + D * E) / (x * (A * x + B) + D * F)) - E / F
        assert hable(x) == pytest.approx(ref, abs=1e-12)
    assert hable(0.0) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("white_ev", [3.0, 4.0, 6.0, 8.0])
@pytest.mark.parametrize("contrast", [1.0, 1.4])
def test_filmic_curve_grey_white_and_monotone(white_ev, contrast):
    y = filmic_curve(np.array([0.18]), white_ev=white_ev, contrast=contrast)
    assert y[0] == pytest.approx(0.18, abs=1e-6)
    w = 0.18 * 2**white_ev
    assert filmic_curve(np.array([w, 2 * w]), white_ev=white_ev, contrast=contrast) == (
        pytest.approx([1.0, 1.0]))
    x = np.geomspace(1e-5, 4 * w, 2000)
    y = filmic_curve(x, white_ev=white_ev, contrast=contrast)
    assert np.all(np.diff(y) >= 0)
    assert y[0] >= 0 and y[-1] <= 1
    # a shoulder: the local slope (in log-log) falls below 1 above grey
    i = np.searchsorted(x, 0.5 * w)
    slope = np.log(y[i + 1] / y[i]) / np.log(x[i + 1] / x[i])
    assert slope < 0.8


def test_ratio_table_matches_curve():
    lut, w = filmic_ratio_lut(4.0, 1.3)
    u = np.linspace(0.01, 1, 50)
    x = w * u * u
    idx = u * (len(lut) - 1)
    approx = np.interp(idx, np.arange(len(lut)), lut) * x
    np.testing.assert_allclose(approx, filmic_curve(x, white_ev=4.0, contrast=1.3), atol=1e-4)


def test_none_is_identity_and_exposure_exact():
    img = linear_photo(64)
    assert tone_map(img, method="none") is img
    np.testing.assert_allclose(tone_map(img, method="none", exposure=1.0), 2 * img, rtol=1e-6)


@pytest.mark.parametrize("method", ["filmic", "local"])
def test_fast_matches_numpy_reference(method):
    img = linear_photo(200) * 3  # with highlights beyond the white point
    before = img.copy()
    for contrast in (1.0, 1.3):
        a = tone_map(img, method=method, exposure=0.3, contrast=contrast, saturation=1.2,
                     fast=True)
        b = tone_map(img, method=method, exposure=0.3, contrast=contrast, saturation=1.2,
                     fast=False)
        np.testing.assert_allclose(a, b, atol=2e-4)
    np.testing.assert_array_equal(img, before)


@pytest.mark.parametrize("method", ["filmic", "local"])
def test_gray_stays_gray_and_grey_on_grey(method):
    ramp = np.geomspace(1e-3, 8.0, 256, dtype=np.float32)
    img = np.repeat(np.repeat(ramp[None, :, None], 16, axis=0), 3, axis=2)
    out = tone_map(img, method=method, strength=0.0) if method == "local" else tone_map(
        img, method=method)
    np.testing.assert_allclose(out[..., 0], out[..., 1], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(out[..., 2], out[..., 1], rtol=1e-5, atol=1e-7)
    flat = np.full((32, 32, 3), 0.18, np.float32)
    assert tone_map(flat, method=method)[16, 16, 1] == pytest.approx(0.18, rel=2e-3)
    assert np.all(out <= 1.0 + 1e-6)


def test_local_monotone_on_ramp():
    ramp = np.geomspace(1e-3, 6.0, 512, dtype=np.float32)
    img = np.repeat(np.repeat(ramp[None, :, None], 64, axis=0), 3, axis=2).copy()
    out = tone_map(img, method="local", shadows=0.6, highlights=0.5)
    assert np.all(np.diff(out[32, :, 1]) >= -1e-6)


@pytest.mark.parametrize("edge", [128, 131])  # on and off the 8-pixel grid of the small image
def test_local_no_halo_at_step_edge(edge):
    img = np.full((256, 256, 3), 0.01, np.float32)
    img[:, edge:] = 1.5  # dark | bright, 7.2 stops
    for fast in (True, False):
        out = tone_map(img, method="local", shadows=0.6, highlights=0.6, fast=fast)[..., 1]
        dark, bright = out[:, :edge], out[:, edge:]
        dark_level = np.median(dark[:, :32])
        bright_level = np.median(bright[:, -32:])
        step = bright_level - dark_level
        # overshoot or undershoot anywhere on either side, relative to the step
        assert np.abs(dark - dark_level).max() / step < 0.03
        assert np.abs(bright - bright_level).max() / step < 0.03
        # and relative to each side's own level (a dark-side dip is what the eye sees)
        assert np.abs(dark - dark_level).max() / dark_level < 0.1


def test_local_lifts_shadows_and_holds_highlights():
    img = np.full((256, 256, 3), 0.01, np.float32)
    img[:, 128:] = 3.0
    glob = tone_map(img, method="filmic")[..., 1]
    loc = tone_map(img, method="local", shadows=0.5, highlights=0.5)[..., 1]
    assert loc[:, :100].mean() > 1.5 * glob[:, :100].mean()
    assert loc[:, 160:].mean() < glob[:, 160:].mean()


def test_auto_exposure_hits_target():
    img = linear_photo(128) * 0.1
    ev = auto_exposure(img, target=0.18)
    lum = img @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    logavg = np.mean(np.log2(np.maximum(lum, 1e-5)))
    # measured on the 1/8-size image, whose area averages raise the log-average a little
    assert ev == pytest.approx(np.log2(0.18) - logavg, abs=0.35)
    brighter = auto_exposure(img * 4, target=0.18)
    assert ev - brighter == pytest.approx(2.0, abs=1e-3)  # exactly -2 EV for 4x the light
    assert auto_exposure(np.zeros((16, 16, 3), np.float32)) == 6.0  # clipped to the limit


def test_bad_parameters_raise():
    img = linear_photo(32)
    with pytest.raises(ParameterError):
        tone_map(img, method="reinhard")
    with pytest.raises(ParameterError):
        tone_map(img, method="filmic", white_ev=1.5)
    with pytest.raises(ParameterError):
        tone_map(img, method="local", shadows=2.0)
    with pytest.raises(ParameterError):
        ToneParams(exposure=20.0)
    with pytest.raises(ParameterError):
        ToneParams(method="filmic", white_ev=2.0, contrast=1.0)
    assert set(TONE_METHODS) == {"none", "hable2010", "local"}


def test_method_aliases_and_case():
    img = linear_photo(32)
    assert TONE_METHODS["Filmic"] is TONE_METHODS["hable2010"] is TONE_METHODS["Hable 2010"]
    np.testing.assert_array_equal(tone_map(img, method="FILMIC"), tone_map(img, method="hable2010"))
    assert ToneParams(method="Filmic") == ToneParams(method="hable2010")
    # the stage compares canonical keys ("none", "local"): other spellings are normalised first
    assert ToneParams(method="LOCAL").method == "local" and ToneParams(method="None").method == "none"
    frame = Image(img)
    np.testing.assert_array_equal(Stage.build("tone", {"method": "Local"})(frame).data,
                                  Stage.build("tone", {"method": "local"})(frame).data)
    with pytest.raises(ParameterError, match="unknown tone method 'reinhard'; known: none, "
                                             "hable2010, local \\(aliases: filmic -> hable2010\\)"):
        tone_map(img, method="reinhard")


def test_stage():
    img = Image(linear_photo(64))
    out = Stage.build("tone", {"method": "local", "exposure": 0.5})(img)
    assert out.space == "linear_rgb" and out.data.shape == img.data.shape
    assert out.data is not img.data
    assert Stage.build("tone", {"method": "none"})(img) is img
    auto = Stage.build("tone", {"method": "none", "auto_exposure": True})(
        img.replace(data=img.data * 0.05))
    assert auto.data.mean() > img.data.mean() * 0.05 * 2


def test_local_strength_zero_is_the_global_curve():
    img = linear_photo(128) * 2
    np.testing.assert_allclose(tone_map(img, method="local", strength=0.0),
                               tone_map(img, method="filmic"), atol=1e-6)


def test_local_detail_raises_local_contrast():
    rng = np.random.default_rng(0)
    base = np.full((256, 256), 0.18, np.float32)
    blobs = cv2_blur(rng.standard_normal((256, 256)).astype(np.float32), 12)
    img = np.repeat((base * np.exp2(blobs / blobs.std()))[..., None], 3, axis=2)
    flat = tone_map(img, method="local", detail=1.0, shadows=0.0, highlights=0.0)
    punchy = tone_map(img, method="local", detail=2.0, shadows=0.0, highlights=0.0)
    assert np.log2(punchy[..., 1]).std() > 1.1 * np.log2(flat[..., 1]).std()


def cv2_blur(x: np.ndarray, sigma: float) -> np.ndarray:
    import cv2

    return cv2.GaussianBlur(x, (0, 0), sigma)
