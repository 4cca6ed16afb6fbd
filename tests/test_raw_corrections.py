"""Tests of brightroom.develop.raw_corrections (bad pixels, lens shading)."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.develop.pipeline import Stage
from brightroom.develop.raw_corrections import (
    BadPixelParams,
    LensShadingParams,
    correct_bad_pixels,
    correct_lens_shading,
    find_bad_pixels,
    gain_map_gains,
    lens_shading_gain,
)
from brightroom.errors import ParameterError
from brightroom.types import CameraInfo, CFAPattern, GainMap, NoiseProfile, RawImage

RGGB = CFAPattern("RGGB")
PROFILE = NoiseProfile((1e-4,) * 3, (1e-6,) * 3)


def noisy_scene(seed: int = 0, shape=(96, 128)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    clean = 0.1 + 0.3 * (xx / shape[1]) + 0.1 * (yy > shape[0] // 2)
    sigma = np.sqrt(PROFILE.scale[0] * clean + PROFILE.offset[0])
    return (clean + sigma * rng.standard_normal(shape)).astype(np.float32)


def test_hot_and_dead_pixels_found_and_replaced():
    cfa = noisy_scene()
    bad = [(10, 10), (31, 40), (50, 77), (0, 0), (95, 127), (2, 126)]
    damaged = cfa.copy()
    for k, (i, j) in enumerate(bad):
        damaged[i, j] = 1.0 if k % 2 == 0 else 0.0
    before = damaged.copy()
    mask = find_bad_pixels(damaged, RGGB, noise_profile=PROFILE)
    assert set(zip(*np.nonzero(mask), strict=True)) == set(bad)
    for fast in (True, False):
        out = correct_bad_pixels(damaged, RGGB, noise_profile=PROFILE, fast=fast)
        np.testing.assert_array_equal(damaged, before)  # input untouched
        for i, j in bad:
            assert abs(out[i, j] - cfa[i, j]) < 0.03
        good = ~mask
        np.testing.assert_array_equal(out[good], damaged[good])


def test_numba_matches_numpy_with_and_without_profile():
    cfa = noisy_scene(3)
    rng = np.random.default_rng(4)
    idx = rng.integers(0, cfa.size, 40)
    cfa.flat[idx] = rng.choice([0.0, 1.0, 5.0], 40)
    for pat in (RGGB, CFAPattern("GBRG", 2)):
        for prof in (PROFILE, None):
            a = correct_bad_pixels(cfa, pat, noise_profile=prof, fast=True)
            b = correct_bad_pixels(cfa, pat, noise_profile=prof, fast=False)
            np.testing.assert_allclose(a, b, atol=1e-6)


def test_clean_image_and_thin_line_untouched():
    cfa = noisy_scene(1)
    cfa[40, :] = 0.9  # a one-pixel bright line: its same-colour neighbours along it agree
    out = correct_bad_pixels(cfa, RGGB, noise_profile=PROFILE)
    np.testing.assert_array_equal(out, cfa)
    flat = np.full((32, 32), 0.25, np.float32)
    np.testing.assert_array_equal(correct_bad_pixels(flat, RGGB), flat)


def test_robust_sigma_without_profile_finds_hot_pixel():
    cfa = noisy_scene(2)
    cfa[20, 30] += 0.2
    mask = find_bad_pixels(cfa, RGGB)
    assert mask[20, 30] and mask.sum() == 1


def test_bad_pixel_stage_and_params():
    cfa = noisy_scene()
    cfa[10, 10] = 1.0
    raw = RawImage(cfa, RGGB, camera=CameraInfo(noise_profile=PROFILE))
    out = Stage.build("bad_pixels")(raw)
    assert out.cfa[10, 10] < 0.5 and raw.cfa[10, 10] == 1.0
    assert Stage.build("bad_pixels", {"enabled": False})(raw) is raw
    with pytest.raises(ParameterError):
        BadPixelParams(threshold=0.0)
    with pytest.raises(ParameterError):
        correct_bad_pixels(cfa, RGGB, threshold=-1)


def test_gain_map_corner_aligned_bilinear():
    # a 2 x 2 map per plane: gains 1 at the top, 3 at the bottom -> linear in rows
    gm = np.ones((2, 2, 4), np.float32)
    gm[1] = 3.0
    h, w = 9, 8
    g = lens_shading_gain((h, w), RGGB, gm)
    np.testing.assert_allclose(g[:, 0], 1 + 2 * np.arange(h) / (h - 1), rtol=1e-6)
    # per-plane maps reach the right pixels
    gm2 = np.ones((3, 3, 4), np.float32) * np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    g2 = lens_shading_gain((6, 6), RGGB, gm2)
    np.testing.assert_allclose(g2[0::2, 0::2], 1.0)
    np.testing.assert_allclose(g2[1::2, 1::2], 4.0)


def test_lens_shading_numba_matches_numpy_and_flattens():
    rng = np.random.default_rng(0)
    gm = (1 + rng.random((5, 7, 4))).astype(np.float32)
    for pat in (RGGB, CFAPattern("GRBG", 2)):
        h, w = 48, 64
        gain = lens_shading_gain((h, w), pat, gm, vignetting=0.6)
        shaded = (0.4 / gain).astype(np.float32)  # a flat scene seen through the lens
        a = correct_lens_shading(shaded, pat, gm, vignetting=0.6, fast=True)
        b = correct_lens_shading(shaded, pat, gm, vignetting=0.6, fast=False)
        np.testing.assert_allclose(a, b, rtol=1e-5)
        np.testing.assert_allclose(a, 0.4, rtol=1e-5)


def test_vignetting_is_inverse_cos4():
    h, w = 101, 101
    g = lens_shading_gain((h, w), RGGB, None, vignetting=0.5)
    assert g[50, 50] == pytest.approx(1.0)
    theta = np.arctan(0.5)  # at the corners r = 1
    assert g[0, 0] == pytest.approx(1 / np.cos(theta) ** 4, rel=1e-5)


def test_lens_shading_stage_saturation_and_noop():
    gm = np.ones((3, 3, 4), np.float32)
    gm[..., 0] = 1.5  # R position (RGGB) needs 1.5 .. 2
    gm[0, 0, 0] = 2.0
    cfa = np.full((16, 16), 0.5, np.float32)
    raw = RawImage(cfa, RGGB, gain_map=gm)
    out = Stage.build("lens_shading")(raw)
    assert out.gain_map is None
    assert out.saturation == pytest.approx((1.5, 1.0, 1.0))
    assert out.cfa[8, 8] == pytest.approx(0.75)  # an R pixel away from the 2.0 corner
    assert out.cfa[9, 9] == pytest.approx(0.5)  # B
    np.testing.assert_array_equal(gain_map_gains(gm, RGGB), [1.5, 1.0, 1.0])
    bare = RawImage(cfa, RGGB)
    done = Stage.build("lens_shading")(bare)
    assert done.cfa is bare.cfa and done.state.lens_shading
    with pytest.raises(ParameterError):
        LensShadingParams(vignetting=-0.1)
    with pytest.raises(ParameterError):
        correct_lens_shading(cfa, RGGB, np.ones((3, 3), np.float32))


def test_gain_map_dng_geometry():
    # DNG GainMap placement: map point i at relative row origin + i * spacing of the area.
    # A 2-point map with origin 0.25 and spacing 0.5 over rows 0..100 puts its points on rows
    # 25 and 75; gains 1 and 2 there, clamped outside.
    gm = np.ones((2, 1, 4), np.float32)
    gm[1] = 2.0
    gm = GainMap(gm, area=(0, 0, 100, 8), origin=(0.25, 0.0), spacing=(0.5, 1.0))
    g = lens_shading_gain((100, 8), RGGB, gm)
    assert g[25, 0] == pytest.approx(1.0)
    assert g[50, 0] == pytest.approx(1.5)
    assert g[75, 0] == pytest.approx(2.0)
    assert g[0, 0] == pytest.approx(1.0) and g[99, 0] == pytest.approx(2.0)
    cfa = np.full((100, 8), 0.5, np.float32)
    fast = correct_lens_shading(cfa, RGGB, gm)
    np.testing.assert_allclose(fast, cfa * g, rtol=1e-6)
    raw = RawImage(cfa, RGGB, gain_map=gm)
    np.testing.assert_allclose(Stage.build("lens_shading")(raw).cfa, cfa * g, rtol=1e-6)
