"""Tests of brightroom.lab.metrics.exposure on synthetic patches with known signal and noise."""

from __future__ import annotations

import math

import numpy as np
import pytest

from brightroom.color.spaces import srgb_encode
from brightroom.errors import InputError, ParameterError
from brightroom.lab.metrics.exposure import dynamic_range, exposure_error, patch_stats


def test_exposure_error_linear_and_encoded():
    assert exposure_error(np.full((20, 20), 0.18, np.float32)).ev_error == pytest.approx(0, abs=1e-6)
    assert exposure_error(np.full((20, 20), 0.09, np.float32)).ev_error == pytest.approx(-1, abs=1e-6)
    rgb = np.full((10, 10, 3), 0.36, np.float32)
    assert exposure_error(rgb).ev_error == pytest.approx(1.0, abs=1e-6)
    enc = srgb_encode(np.full((10, 10, 3), 0.18 * 2 ** -0.5, np.float32))
    r = exposure_error(enc, transfer="sRGB")
    assert r.ev_error == pytest.approx(-0.5, abs=1e-4)
    # reading encoded data as linear is badly wrong: the parameter matters
    assert abs(exposure_error(enc).ev_error + 0.5) > 0.5
    with pytest.raises(InputError):
        exposure_error(np.zeros((4, 4), np.float32))
    with pytest.raises(ParameterError):
        exposure_error(np.ones((4, 4), np.float32), target=0)


def test_patch_stats_detrend_removes_gradient():
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:64, 0:64]
    p = 0.5 + 0.002 * x + rng.normal(0, 0.01, (64, 64))
    m, sd = patch_stats(p)
    assert sd == pytest.approx(0.01, rel=0.05)
    _, sd_raw = patch_stats(p, detrend=False)
    assert sd_raw > 0.03


A, B = 1e-4, 1e-7          # sigma^2 = a s + b


def _steps(seed: int = 0, n: int = 64, clip_black: bool = True):
    """Step chart: one clipped step above white, then 0.95 * 2^(-i/2), noise a s + b, clipped
    at 1 (and at 0 if ``clip_black``) like a real sensor."""
    rng = np.random.default_rng(seed)
    levels = [1.3] + [0.95 * 2 ** (-i / 2) for i in range(28)]
    patches = []
    for s in levels:
        p = s + rng.normal(0, math.sqrt(A * s + B), (n, n))
        p = np.clip(p, 0 if clip_black else -np.inf, 1)
        patches.append(p.astype(np.float32))
    return levels, patches


def _analytic_signal(k: float) -> float:
    return 0.5 * (k * k * A + math.sqrt(k ** 4 * A * A + 4 * k * k * B))


def test_dynamic_range_model_matches_analytic():
    levels, patches = _steps()
    r = dynamic_range(patches)
    dr1 = math.log2(0.95 / _analytic_signal(1))
    dr10 = math.log2(0.95 / _analytic_signal(10))
    assert r.clipped_high[0] and not r.valid[0]
    assert r.clipped_low[-1]               # the darkest steps hit the black clip
    assert r.max_signal == pytest.approx(0.95, rel=1e-3)
    assert r.dr_snr1 == pytest.approx(dr1, abs=0.1)
    assert r.dr_snr10 == pytest.approx(dr10, abs=0.1)
    assert r.noise_a == pytest.approx(A, rel=0.05)
    assert r.noise_b == pytest.approx(B, rel=0.2)
    assert 10 < r.dr_snr1 < 12 and 6 < r.dr_snr10 < 7


def test_dynamic_range_interpolate_matches_analytic():
    # unclipped black (raw data keeping negative noise): the steps reach SNR < 1
    _, patches = _steps(seed=1, clip_black=False)
    r = dynamic_range(patches, method="interpolate")
    assert not r.clipped_low.any() and not r.extrapolated
    assert r.dr_snr10 == pytest.approx(math.log2(0.95 / _analytic_signal(10)), abs=0.1)
    assert r.dr_snr1 == pytest.approx(math.log2(0.95 / _analytic_signal(1)), abs=0.1)
    rm = dynamic_range(patches)
    assert rm.dr_snr1 == pytest.approx(math.log2(0.95 / _analytic_signal(1)), abs=0.1)


def test_floor_clipping_detected():
    _, patches = _steps(seed=2)
    r = dynamic_range(patches, method="interpolate")
    assert r.clipped_low.sum() >= 4
    assert r.extrapolated      # SNR = 1 lies below the darkest unclipped step
    # ignoring the pile-up at black (clip_fraction ~ 1) lets clipped steps in: their noise is
    # under-measured, so the SNR = 1 point moves away from the truth
    bad = dynamic_range(patches, method="interpolate", clip_fraction=0.99)
    truth = math.log2(0.95 / _analytic_signal(1))
    assert abs(bad.dr_snr1 - truth) > abs(dynamic_range(patches).dr_snr1 - truth)


def test_dynamic_range_rgb_and_errors():
    _, patches = _steps(seed=3, n=32)
    rgb = [np.repeat(p[..., None], 3, axis=2) for p in patches]
    r = dynamic_range(rgb)
    assert r.dr_snr1 == pytest.approx(math.log2(0.95 / _analytic_signal(1)), abs=0.15)
    with pytest.raises(InputError):
        dynamic_range(patches[:2])
    with pytest.raises(ParameterError):
        dynamic_range(patches, method="nope")
    import json
    json.dumps(r.to_dict())
