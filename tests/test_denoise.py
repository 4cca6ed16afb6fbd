"""Tests of brightroom.develop.denoise (raw-domain denoising)."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.data

from brightroom.color.metrics import psnr
from brightroom.develop.denoise import (
    DENOISE_METHODS,
    DenoiseParams,
    anscombe_forward,
    anscombe_inverse,
    denoise_raw,
    estimate_noise_profile,
)
from brightroom.develop.pipeline import Stage
from brightroom.errors import ParameterError
from brightroom.types import CameraInfo, CFAPattern, NoiseProfile, RawImage
from conftest import shared_file

RGGB = CFAPattern("RGGB")


def clean_mosaic(name: str = "astronaut", size: int = 256) -> np.ndarray:
    """A noise-free RGGB mosaic from a scikit-image photo (sRGB decoded to linear)."""
    img = getattr(skimage.data, name)()[..., :3].astype(np.float64) / 255
    img = img[:size, :size]
    lin = np.where(img <= 0.04045, img / 12.92, ((img + 0.055) / 1.055) ** 2.4) * 0.8
    cfa = np.empty(lin.shape[:2])
    cfa[0::2, 0::2] = lin[0::2, 0::2, 0]
    cfa[0::2, 1::2] = lin[0::2, 1::2, 1]
    cfa[1::2, 0::2] = lin[1::2, 0::2, 1]
    cfa[1::2, 1::2] = lin[1::2, 1::2, 2]
    return cfa.astype(np.float32)


def iso_profile(iso: float) -> NoiseProfile:
    """A phone-like sensor: shot noise 1e-4 per unit at ISO 100, read noise growing with gain."""
    g = iso / 100
    return NoiseProfile((1e-4 * g,) * 3, (4e-8 * g * g + 1e-7,) * 3)


def add_noise(clean: np.ndarray, prof: NoiseProfile, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a, b = prof.scale[0], prof.offset[0]
    x = rng.poisson(np.maximum(clean, 0) / a) * a + rng.normal(0, np.sqrt(b), clean.shape)
    return x.astype(np.float32)


def test_anscombe_stabilises_variance():
    rng = np.random.default_rng(1)
    a, b = 1e-3, 1e-5
    for level in (0.01, 0.1, 0.5):
        x = rng.poisson(level / a, 200_000) * a + rng.normal(0, np.sqrt(b), 200_000)
        z = anscombe_forward(x.astype(np.float32), a, b)
        assert z.std() == pytest.approx(1.0, abs=0.03)
        # bias-corrected inverse of the mean recovers the level (Makitalo & Foi 2013)
        back = anscombe_inverse(np.float32(z.mean()), a, b, residual=0.0)
        assert float(back) == pytest.approx(level, rel=0.01)


def test_anscombe_inverse_exact_when_unfiltered():
    x = np.linspace(0.0, 1.0, 101, dtype=np.float32)
    z = anscombe_forward(x, 1e-3, 1e-6)
    np.testing.assert_allclose(anscombe_inverse(z, 1e-3, 1e-6, residual=1.0), x, atol=2e-6)


def test_strength_zero_is_identity_and_input_untouched():
    n = add_noise(clean_mosaic(), iso_profile(800))
    before = n.copy()
    out = denoise_raw(n, RGGB, noise_profile=iso_profile(800), strength=0)
    np.testing.assert_array_equal(out, n)
    assert out is not n
    denoise_raw(n, RGGB, noise_profile=iso_profile(800))
    np.testing.assert_array_equal(n, before)


@pytest.mark.parametrize("method", sorted(DENOISE_METHODS))
def test_flat_patch_noise_drops_and_mean_kept(method):
    prof = iso_profile(3200)
    flat = np.full((128, 128), 0.2, np.float32)
    n = add_noise(flat, prof, seed=3)
    out = denoise_raw(n, RGGB, noise_profile=prof, method=method)
    # a 3x3 guided filter leaves ~1/3 of the noise sigma on flat areas; NLM less
    assert out.std() < 0.45 * n.std()
    # the bias-corrected inverse Anscombe keeps the mean (within 0.5 %)
    assert out.mean() == pytest.approx(0.2, rel=0.005)


def test_numba_matches_numpy_reference():
    prof = iso_profile(1600)
    n = add_noise(clean_mosaic(size=130), prof)[:, :126]  # odd sizes in planes
    n = np.vstack([n, n[:3]])  # 133 rows: an odd leftover row
    for pat in ("RGGB", "GBRG"):
        p = CFAPattern(pat)
        fast = denoise_raw(n, p, noise_profile=prof, fast=True, saturation=(0.9, 0.9, 0.9))
        ref = denoise_raw(n, p, noise_profile=prof, fast=False, saturation=(0.9, 0.9, 0.9))
        np.testing.assert_allclose(fast, ref, atol=2e-5)


@pytest.mark.parametrize("iso,min_gain", [(800, 1.0), (3200, 2.0), (6400, 2.5)])
def test_psnr_gain_at_high_iso(iso, min_gain):
    clean = clean_mosaic("astronaut")
    prof = iso_profile(iso)
    n = add_noise(clean, prof)
    out = denoise_raw(n, RGGB, noise_profile=prof)
    assert psnr(out, clean) - psnr(n, clean) > min_gain


def test_iso100_detail_not_smeared():
    for name in ("astronaut", "coffee"):
        clean = clean_mosaic(name)
        prof = iso_profile(100)
        n = add_noise(clean, prof)
        out = denoise_raw(n, RGGB, noise_profile=prof)
        assert psnr(out, clean) - psnr(n, clean) > -0.2


def test_nlm_gain():
    clean = clean_mosaic("astronaut", 128)
    prof = iso_profile(6400)
    n = add_noise(clean, prof)
    out = denoise_raw(n, RGGB, noise_profile=prof, method="nlm")
    assert psnr(out, clean) - psnr(n, clean) > 3.0


def test_noise_estimation_on_smooth_ramp():
    # a smooth ramp: every level present, no texture -> the fit recovers the profile
    prof = NoiseProfile((2e-3, 2e-3, 2e-3), (1e-5, 1e-5, 1e-5))
    ramp = np.tile(np.linspace(0.02, 0.9, 512, dtype=np.float32), (512, 1))
    n = add_noise(ramp, prof, seed=5)
    est = estimate_noise_profile(n, RGGB)
    for c in range(3):
        assert est.scale[c] == pytest.approx(2e-3, rel=0.15)
        assert est.variance(0.5, c) == pytest.approx(prof.variance(0.5, c), rel=0.1)


def test_estimated_profile_still_denoises():
    clean = clean_mosaic("astronaut")
    n = add_noise(clean, iso_profile(3200))
    out = denoise_raw(n, RGGB, noise_profile=None)
    assert psnr(out, clean) - psnr(n, clean) > 2.0


def test_clipped_pixels_kept():
    prof = iso_profile(800)
    n = add_noise(clean_mosaic(), prof)
    n[10:20, 10:20] = 1.0
    out = denoise_raw(n, RGGB, noise_profile=prof, saturation=(1.0, 1.0, 1.0))
    np.testing.assert_array_equal(out[10:20, 10:20], 1.0)


def test_quad_bayer_uses_reference_and_keeps_shape():
    prof = iso_profile(3200)
    clean = np.full((64, 64), 0.3, np.float32)
    n = add_noise(clean, prof)
    out = denoise_raw(n, CFAPattern("RGGB", 2), noise_profile=prof)
    assert out.shape == n.shape and out.dtype == np.float32
    assert out.std() < 0.5 * n.std()


def test_bad_parameters_raise():
    n = np.zeros((8, 8), np.float32)
    with pytest.raises(ParameterError):
        denoise_raw(n, RGGB, noise_profile=iso_profile(100), method="bm3d-pro")
    with pytest.raises(ParameterError):
        denoise_raw(n, RGGB, noise_profile=iso_profile(100), strength=-1)
    with pytest.raises(ParameterError):
        DenoiseParams(strength=10.0)
    with pytest.raises(ParameterError, match="DenoiseParams.method: unknown denoise method "
                                             "'wiener'; known: he2013, buades2005"):
        DenoiseParams(method="wiener")


def test_method_aliases_and_case():
    # "guided" (He, Sun, Tang 2013) and "nlm" (Buades 2005) were the keys of earlier versions
    assert DENOISE_METHODS["Guided"] is DENOISE_METHODS["he2013"] is DENOISE_METHODS["HE2013"]
    assert DenoiseParams(method="guided") == DenoiseParams() == DenoiseParams(method="He 2013")
    assert DenoiseParams(method="NLM").method == "buades2005"
    prof = iso_profile(1600)
    n = add_noise(clean_mosaic(size=32), prof)
    np.testing.assert_array_equal(denoise_raw(n, RGGB, noise_profile=prof, method="NLM"),
                                  denoise_raw(n, RGGB, noise_profile=prof, method="buades2005"))


def test_stage_uses_profile_and_white_balance():
    prof = iso_profile(3200)
    clean = clean_mosaic()
    n = add_noise(clean, prof)
    raw = RawImage(n, RGGB, camera=CameraInfo(noise_profile=prof))
    st = Stage.build("denoise_raw", {"strength": 1.0})
    out = st(raw)
    assert isinstance(out, RawImage) and out.cfa is not raw.cfa
    assert psnr(out.cfa, clean) > psnr(n, clean) + 2
    off = Stage.build("denoise_raw", {"strength": 0.0})(raw)
    assert off.cfa is raw.cfa and off.state.denoised
    # gains already applied: the model scales with them and the result scales too
    g = (2.0, 1.0, 1.5)
    gains = np.array([[g[0], g[1]], [g[1], g[2]]], np.float32)
    wb = np.tile(gains, (n.shape[0] // 2, n.shape[1] // 2))
    from brightroom.types import FrameState, WhiteBalance

    state = FrameState(white_balance=WhiteBalance((1 / g[0], 1.0, 1 / g[2])))
    out_wb = st(raw.replace(cfa=(n * wb).astype(np.float32), state=state, saturation=g))
    np.testing.assert_allclose(out_wb.cfa / wb, out.cfa, atol=2e-3)


def test_quad_bayer_fast_path_denoises_each_sub_mosaic():
    from brightroom.develop.denoise import denoise_raw
    from brightroom.types import CFAPattern, NoiseProfile

    rng = np.random.default_rng(5)
    prof = NoiseProfile((2e-4,) * 3, (1e-5,) * 3)
    clean = np.full((64, 96), 0.3, np.float32)
    noisy = (clean + rng.normal(0, np.sqrt(2e-4 * 0.3 + 1e-5), clean.shape)).astype(np.float32)
    quad = CFAPattern("RGGB", 2)
    out = denoise_raw(noisy, quad, noise_profile=prof)
    assert np.std(out - clean) < 0.6 * np.std(noisy - clean)
    # by construction: each stride-2 sub-mosaic is the Bayer result on that sub-mosaic
    sub = np.ascontiguousarray(noisy[1::2, 0::2])
    np.testing.assert_allclose(out[1::2, 0::2],
                               denoise_raw(sub, CFAPattern("RGGB"), noise_profile=prof), atol=1e-6)


@pytest.mark.realdata
def test_real_10bit_crop_with_estimated_noise():
    from PIL import Image as PILImage

    path = shared_file("bayer-crop-10bit.png")

    counts = np.asarray(PILImage.open(path)).astype(np.float32)
    cfa = ((counts - 25) / (1023 - 25)).astype(np.float32)  # README: black 25, white 1023
    pat = CFAPattern("GRBG")
    prof = estimate_noise_profile(cfa, pat)
    assert all(s >= 0 for s in prof.scale) and max(prof.offset) > 0
    fast = denoise_raw(cfa, pat, noise_profile=prof)
    ref = denoise_raw(cfa, pat, noise_profile=prof, fast=False)
    assert np.isfinite(fast).all()
    # near white the stabilised values reach ~600, where float32 local variances differ in
    # the last bits between the two summation orders
    np.testing.assert_allclose(fast, ref, atol=5e-4)
    assert np.abs(fast - cfa).mean() < 0.002  # noise-sized changes only
