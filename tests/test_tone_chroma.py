"""Shadow chroma noise reduction: the row function against its NumPy reference, and its effect."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.develop.rowops import area_downsample, run_ops
from brightroom.develop.tone import luminance_weights
from brightroom.develop.tone.chroma import Y_HI, Y_LO, ShadowChroma, shadow_chroma
from brightroom.errors import ParameterError

W = luminance_weights("sRGB")


def _noisy(level: float, h: int = 96, w: int = 128, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    clean = np.empty((h, w, 3), np.float32)
    clean[:] = (level * 1.2, level, level * 0.8)  # a warm grey
    # chroma noise: opposite in R and B (green/magenta), with a low-frequency part
    n = rng.normal(0, 0.25 * level, (h, w)).astype(np.float32)
    n += np.repeat(np.repeat(rng.normal(0, 0.2 * level, (h // 16, w // 16)), 16, 0), 16, 1)
    noisy = clean.copy()
    noisy[..., 0] += n
    noisy[..., 2] -= n
    return clean, noisy


def test_row_function_matches_the_reference():
    rng = np.random.default_rng(0)
    a = (rng.random((70, 90, 3)) ** 3 * 0.3 - 0.01).astype(np.float32)  # some negatives too
    op = shadow_chroma(area_downsample(a, 8), a.shape[:2], W, strength=0.8)
    ref, fast = op.reference(a), run_ops(a, (op,))
    assert float(np.abs(ref - fast).max()) <= 1e-6


def test_luminance_is_kept_and_bright_pixels_untouched():
    _, noisy = _noisy(0.01)
    noisy[:, :40] *= 20  # a bright part, above Y_HI
    op = shadow_chroma(area_downsample(noisy, 8), noisy.shape[:2], W)
    out = run_ops(noisy, (op,))
    assert out @ W == pytest.approx(noisy @ W, abs=1e-6)
    bright = (noisy @ W) > Y_HI
    assert np.abs(out[bright] - noisy[bright]).max() <= 1e-6


def test_chroma_noise_in_the_deep_shadows_drops():
    clean, noisy = _noisy(Y_LO / 2)
    op = shadow_chroma(area_downsample(noisy, 8), noisy.shape[:2], W)
    out = run_ops(noisy, (op,))

    def chroma_sd(x):
        y = x @ W
        return float(np.std(x[..., 0] / y) + np.std(x[..., 2] / y))

    assert chroma_sd(out) < 0.35 * chroma_sd(noisy)
    # the mean colour is kept half way (desaturation 0.5 at full weight): r/g stays above 1
    assert 1.0 < float(out[..., 0].mean() / out[..., 1].mean()) < 1.2


def test_bad_thresholds():
    z = np.ones((2, 2), np.float32)
    with pytest.raises(ParameterError):
        ShadowChroma(W, z, z, (4, 4), 0.01, 0.1, 1.0)
    with pytest.raises(ParameterError):
        ShadowChroma(W, z, z, (4, 4), 0.1, 0.01, 1.5)


def test_bright_rows_are_skipped_and_nan_stays_put():
    _, noisy = _noisy(0.01, h=32, w=48)
    noisy[:8] = 0.5  # bright rows: passed through untouched
    noisy[20, 0] = np.nan
    op = shadow_chroma(area_downsample(np.nan_to_num(noisy), 8), noisy.shape[:2], W)
    fast, ref = run_ops(noisy, (op,)), op.reference(noisy)
    assert np.array_equal(fast[:8], noisy[:8])
    ok = np.isfinite(ref)
    assert np.isnan(fast[20, 0]).all() and float(np.abs(fast[ok] - ref[ok]).max()) <= 1e-6
