"""Tests of brightroom.lab.metrics.artefacts: false colour and moire on a grey zone plate
(demosaiced perfectly and by a tiny bilinear demosaic written here), and the overshoot of an
unsharp-masked edge against its analytic ESF."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.ndimage import convolve, gaussian_filter
from scipy.special import ndtr

from brightroom.errors import InputError, ParameterError
from brightroom.lab.metrics.artefacts import edge_ringing, false_colour, moire
from brightroom.lab.metrics.sfr import esf_profile


def zone_plate(n: int = 256, f_corner: float = 0.5) -> np.ndarray:
    """Grey zone plate 0.5 + 0.4 cos(pi k r^2): local frequency k r, f_corner at the corners."""
    y, x = np.mgrid[0:n, 0:n] - (n - 1) / 2
    r2 = x * x + y * y
    k = f_corner / math.sqrt(2 * ((n - 1) / 2) ** 2)
    return 0.5 + 0.4 * np.cos(math.pi * k * r2)


def bilinear_demosaic_rggb(mosaic: np.ndarray) -> np.ndarray:
    h, w = mosaic.shape
    yy, xx = np.mgrid[0:h, 0:w]
    mr = (yy % 2 == 0) & (xx % 2 == 0)
    mb = (yy % 2 == 1) & (xx % 2 == 1)
    mg = ~(mr | mb)
    k_rb = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 4.0
    k_g = np.array([[0, 1, 0], [1, 4, 1], [0, 1, 0]]) / 4.0
    r = convolve(mosaic * mr, k_rb, mode="mirror")
    g = convolve(mosaic * mg, k_g, mode="mirror")
    b = convolve(mosaic * mb, k_rb, mode="mirror")
    return np.stack([r, g, b], axis=-1)


@pytest.fixture(scope="module")
def zp():
    return zone_plate()


def test_false_colour_perfect_vs_bilinear(zp):
    perfect = np.repeat(zp[..., None], 3, axis=2).astype(np.float32)
    fc0 = false_colour(perfect)
    assert fc0.mean_chroma < 0.01 and fc0.max_chroma < 0.05
    assert fc0.false_colour_fraction == 0.0
    demo = bilinear_demosaic_rggb(zp).astype(np.float32)   # mosaic of grey = grey itself
    fc1 = false_colour(demo)
    assert fc1.mean_chroma > 3.0
    assert fc1.mean_delta_e > 1.0
    assert fc1.false_colour_fraction > 0.3
    # the low-frequency centre of the plate has little false colour, the outside a lot
    c = false_colour(demo, roi=(96, 160, 96, 160))
    assert c.mean_chroma < fc1.mean_chroma / 3


def test_false_colour_mask_and_errors(zp):
    demo = bilinear_demosaic_rggb(zp).astype(np.float32)
    m = np.zeros(zp.shape, bool)
    m[:10, :10] = True
    assert false_colour(demo, mask=m).mean_chroma > 0
    with pytest.raises(InputError):
        false_colour(zp.astype(np.float32))
    with pytest.raises(InputError):
        false_colour(demo, mask=np.zeros(zp.shape, bool))
    with pytest.raises(ParameterError):
        false_colour(demo, roi=(0, 999, 0, 10))


def test_moire_perfect_blurred_bilinear(zp):
    perfect = np.repeat(zp[..., None], 3, axis=2).astype(np.float32)
    assert moire(perfect, zp).moire_index < 1e-3   # float32 rounding only
    # a linear, isotropic blur is a response, not aliasing
    blurred = gaussian_filter(zp, 1.0, mode="reflect")
    mb = moire(blurred, zp)
    assert mb.moire_index < 3.0
    f = mb.freqs
    ok = np.isfinite(mb.response) & (f > 0.05) & (f < 0.3)
    np.testing.assert_allclose(mb.response[ok], np.exp(-2 * math.pi ** 2 * f[ok] ** 2), atol=0.05)
    # bilinear demosaicing aliases: far more unexplained energy
    demo = bilinear_demosaic_rggb(zp).astype(np.float32)
    md = moire(demo, zp)
    assert md.moire_index > 3 * mb.moire_index and md.moire_index > 5.0
    assert np.sum(md.aliasing) == pytest.approx((md.moire_index / 100) ** 2, rel=1e-9)
    with pytest.raises(InputError):
        moire(demo, zp[:100])


def _usm_esf(u, sb, su, amount):
    s2 = math.sqrt(sb * sb + su * su)
    return ndtr(u / sb) + amount * (ndtr(u / sb) - ndtr(u / s2))


@pytest.mark.parametrize("amount", [0.5, 1.0])
def test_unsharp_mask_overshoot(amount):
    """An edge blurred by sigma_b and unsharp-masked (radius sigma_u, amount A) has the
    analytic ESF Phi(u/sb) + A (Phi(u/sb) - Phi(u/sqrt(sb^2 + su^2)))."""
    sb, su, ang = 1.0, 2.0, 5.0
    uu = np.linspace(-30, 30, 200001)
    f = _usm_esf(uu, sb, su, amount)
    want_over = 100 * (f.max() - 1)
    want_under = 100 * (0 - f.min())
    t = math.radians(ang)
    y, x = np.mgrid[0:120, 0:96].astype(np.float64)
    u = (x - 47.8) * math.cos(t) - (y - 59.5) * math.sin(t)
    img = (0.2 + 0.5 * _usm_esf(u, sb, su, amount)).astype(np.float32)
    r = edge_ringing(img)
    assert r.overshoot_pct == pytest.approx(want_over, abs=0.3)
    assert r.undershoot_pct == pytest.approx(want_under, abs=0.3)
    assert r.ringing_pct < 1.0             # a Gaussian USM overshoots but does not ring
    assert r.dark_level == pytest.approx(0.2, abs=2e-3)
    assert r.bright_level == pytest.approx(0.7, abs=2e-3)
    # same result from a precomputed ESF
    r2 = edge_ringing(esf_profile(img))
    assert r2.overshoot_pct == pytest.approx(r.overshoot_pct)


def test_plain_blur_has_no_overshoot_and_rise_distance():
    sb = 1.5
    t = math.radians(6)
    y, x = np.mgrid[0:100, 0:80].astype(np.float64)
    u = (x - 39.7) * math.cos(t) - (y - 49.5) * math.sin(t)
    img = (0.1 + 0.6 * ndtr(u / sb)).astype(np.float32)
    r = edge_ringing(img)
    assert r.overshoot_pct < 0.1 and r.undershoot_pct < 0.1
    assert r.rise_10_90_px == pytest.approx(2 * 1.2815516 * sb, rel=0.03)


def test_ringing_of_sinc_like_edge():
    # Lanczos-like ringing: ESF of an ideal low-pass (Si function) rings at 9 % (Gibbs)
    from scipy.special import sici
    t = math.radians(5)
    y, x = np.mgrid[0:120, 0:96].astype(np.float64)
    u = (x - 47.6) * math.cos(t) - (y - 59.5) * math.sin(t)
    fc = 0.25
    esf = 0.5 + sici(2 * math.pi * fc * u)[0] / math.pi
    r = edge_ringing((0.2 + 0.5 * esf).astype(np.float32))
    assert r.overshoot_pct == pytest.approx(8.95, abs=0.5)
    assert r.ringing_pct > 2.0


def test_results_are_strict_json(zp):
    import json

    from brightroom.lab.metrics import METRICS
    demo = bilinear_demosaic_rggb(zp).astype(np.float32)
    for res in (false_colour(demo), moire(demo, zp), edge_ringing(_slanted())):
        json.dumps(res.to_dict(), allow_nan=False)
    assert {"sfr", "false_colour", "moire", "edge_ringing", "dead_leaves_mtf", "snr",
            "visual_noise", "delta_e_2000", "colorchecker", "wb_angular_error",
            "exposure_error", "dynamic_range"} <= set(METRICS)


def _slanted():
    t = math.radians(5)
    y, x = np.mgrid[0:80, 0:64].astype(np.float64)
    u = (x - 31.6) * math.cos(t) - (y - 39.5) * math.sin(t)
    return (0.2 + 0.5 * ndtr(u / 1.2)).astype(np.float32)


def test_smoothing_reduces_noise_bias_of_overshoot():
    sb, su, amount, ang = 1.0, 2.0, 0.5, 5.0
    uu = np.linspace(-30, 30, 200001)
    want = 100 * (_usm_esf(uu, sb, su, amount).max() - 1)
    t = math.radians(ang)
    y, x = np.mgrid[0:120, 0:96].astype(np.float64)
    u = (x - 47.8) * math.cos(t) - (y - 59.5) * math.sin(t)
    clean = 0.2 + 0.5 * _usm_esf(u, sb, su, amount)
    raw, smooth = [], []
    for seed in range(8):
        img = (clean + np.random.default_rng(seed).normal(0, 0.5 / 30, clean.shape))
        raw.append(edge_ringing(img.astype(np.float32)).overshoot_pct - want)
        smooth.append(edge_ringing(img.astype(np.float32), smooth_px=0.25).overshoot_pct - want)
    assert np.median(raw) > 0.3                     # noise inflates the raw maximum
    assert abs(np.median(smooth)) < np.median(raw) / 2
    with pytest.raises(ParameterError):
        edge_ringing(clean.astype(np.float32), smooth_px=-1)
