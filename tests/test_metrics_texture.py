"""Tests of brightroom.lab.metrics.texture on a seeded synthetic dead-leaves chart."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from brightroom.errors import InputError, ParameterError
from brightroom.lab.metrics.texture import dead_leaves_mtf, radial_psd


def dead_leaves(n: int = 384, seed: int = 0, rmin: float = 2.0, rmax: float = 150.0,
                count: int = 8000) -> np.ndarray:
    """Dead leaves (Matheron / Cao et al. 2010): discs of radius density ~ r^-3 on [rmin, rmax]
    with uniform grey levels in [0.1, 0.9], each new disc falling on top of the earlier ones."""
    rng = np.random.default_rng(seed)
    img = np.full((n, n), 0.5)
    u = rng.random(count)
    r = (rmin ** -2 - u * (rmin ** -2 - rmax ** -2)) ** -0.5
    cx = rng.uniform(-rmax / 4, n + rmax / 4, count)
    cy = rng.uniform(-rmax / 4, n + rmax / 4, count)
    val = rng.uniform(0.1, 0.9, count)
    for x0, y0, rad, v in zip(cx, cy, r, val, strict=True):
        x1, x2 = max(int(x0 - rad), 0), min(int(x0 + rad) + 2, n)
        y1, y2 = max(int(y0 - rad), 0), min(int(y0 + rad) + 2, n)
        if x1 >= x2 or y1 >= y2:
            continue
        yy, xx = np.ogrid[y1:y2, x1:x2]
        m = (xx - x0) ** 2 + (yy - y0) ** 2 <= rad * rad
        img[y1:y2, x1:x2][m] = v
    return img


@pytest.fixture(scope="module")
def chart():
    return dead_leaves()


def gauss_mtf(f, sigma):
    return np.exp(-2 * math.pi ** 2 * sigma ** 2 * np.asarray(f) ** 2)


def test_radial_psd_of_white_noise_is_its_variance():
    rng = np.random.default_rng(0)
    f, p = radial_psd(rng.normal(0, 0.1, (256, 256)))
    assert np.nanmean(p[5:]) == pytest.approx(0.01, rel=0.03)
    f2, p2 = radial_psd(rng.normal(0, 0.1, (64, 96)))
    assert np.nanmean(p2[3:]) == pytest.approx(0.01, rel=0.08)


@pytest.mark.parametrize("sigma", [1.0, 1.6])
def test_recovers_gaussian_mtf(chart, sigma):
    blurred = gaussian_filter(chart, sigma, mode="reflect").astype(np.float32)
    r = dead_leaves_mtf(blurred, reference=chart.astype(np.float32))
    truth = gauss_mtf(r.freqs, sigma)
    band = (r.freqs > 0.02) & (truth > 0.2)       # up to mid frequencies
    err = np.abs(r.mtf[band] - truth[band])
    assert np.max(err) < 0.05, np.max(err)
    assert r.mtf50 == pytest.approx(math.sqrt(math.log(2) / (2 * math.pi ** 2 * sigma ** 2)),
                                    rel=0.05)
    assert r.ideal == "reference"


def test_noise_compensation_removes_bias(chart):
    sigma, noise = 1.3, 0.03
    rng = np.random.default_rng(5)
    blurred = gaussian_filter(chart, sigma, mode="reflect")
    noisy = (blurred + rng.normal(0, noise, chart.shape)).astype(np.float32)
    flat = (0.5 + rng.normal(0, noise, (200, 200))).astype(np.float32)
    r = dead_leaves_mtf(noisy, reference=chart, noise_patch=flat)
    truth = gauss_mtf(r.freqs, sigma)
    band = (r.freqs > 0.02) & (truth > 0.2)
    err_c = np.max(np.abs(r.mtf[band] - truth[band]))
    err_u = np.max(np.abs(r.mtf_uncorrected[band] - truth[band]))
    assert err_c < 0.06, err_c
    assert err_u > 2 * err_c           # the uncorrected curve is biased upwards by noise
    hi = r.freqs > 0.3
    assert np.nanmean(r.mtf_uncorrected[hi]) > np.nanmean(truth[hi]) + 0.1
    # acutance: noise would inflate it without compensation
    clean = dead_leaves_mtf(blurred.astype(np.float32), reference=chart)
    r_unc = dead_leaves_mtf(noisy, reference=chart)
    assert abs(r.texture_acutance - clean.texture_acutance) < abs(
        r_unc.texture_acutance - clean.texture_acutance)


def test_power_law_ideal_cancels(chart):
    """With the analytic ideal, the model constant cancels in a blurred / unblurred ratio."""
    sigma = 1.2
    blurred = gaussian_filter(chart, sigma, mode="reflect")
    r_b = dead_leaves_mtf(blurred, alpha=2.0)
    r_0 = dead_leaves_mtf(chart, alpha=2.0)
    assert r_b.ideal == "power_law"
    ratio = r_b.mtf / r_0.mtf
    truth = gauss_mtf(r_b.freqs, sigma)
    band = (r_b.freqs > 0.02) & (truth > 0.2)
    assert np.max(np.abs(ratio[band] - truth[band])) < 0.05
    lo = (r_0.freqs >= 0.01) & (r_0.freqs <= 0.04)
    assert np.mean(r_0.mtf[lo] ** 2) == pytest.approx(1.0, rel=1e-6)


def test_colour_input_and_errors(chart):
    rgb = np.repeat(chart[..., None], 3, axis=2).astype(np.float32)
    r = dead_leaves_mtf(rgb, reference=rgb)
    np.testing.assert_allclose(r.mtf[1:], 1.0, atol=1e-9)
    assert r.texture_acutance == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(InputError):
        dead_leaves_mtf(rgb, reference=rgb[:100])
    with pytest.raises(ParameterError):
        dead_leaves_mtf(rgb, alpha=-1)
    with pytest.raises(InputError):
        dead_leaves_mtf(np.zeros((8, 8), np.float32))


def test_result_is_strict_json(chart):
    import json
    rng = np.random.default_rng(9)
    noisy = chart + rng.normal(0, 0.05, chart.shape)
    r = dead_leaves_mtf(noisy.astype(np.float32), reference=chart,
                        noise_patch=(0.5 + rng.normal(0, 0.08, (64, 64))).astype(np.float32))
    d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert len(d["mtf"]) == len(d["freqs"])
