"""Tests of brightroom.lab.metrics.sfr against analytic truth.

Edges are rendered exactly: a step blurred by a Gaussian PSF of known sigma and integrated over
the square pixel area (closed form via the second antiderivative of the normal CDF). The analytic
MTF along the edge normal is therefore ``exp(-2 pi^2 sigma^2 f^2) * sinc(f cos t) * sinc(f sin t)``
(Gaussian times the pixel aperture projected on the normal).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import ndtr

from brightroom.errors import InputError, ParameterError
from brightroom.lab.metrics.sfr import acutance, esf_profile, sfr


def _h2(u: np.ndarray, s: float) -> np.ndarray:
    """Second antiderivative of Phi(u / s)."""
    z = u / s
    phi = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return 0.5 * ((u * u + s * s) * ndtr(z) + u * s * phi)


def render_edge(h: int, w: int, angle_deg: float, sigma: float, *, lo: float = 0.2,
                hi: float = 0.8, noise: float = 0.0, seed: int = 0,
                offset: float = 0.3) -> np.ndarray:
    """A Gaussian-blurred step, area-integrated over square pixels, edge ``angle_deg`` from
    vertical (dark on the left), plus white Gaussian noise of std ``noise``."""
    t = math.radians(angle_deg)
    p, q = math.cos(t), abs(math.sin(t))
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    u0 = (x - (w - 1) / 2 - offset) * math.cos(t) - (y - (h - 1) / 2) * math.sin(t)
    if q < 1e-9:
        def g1(u):
            z = u / sigma
            return u * ndtr(z) + sigma * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
        v = (g1(u0 + p / 2) - g1(u0 - p / 2)) / p
    else:
        v = (_h2(u0 + p / 2 + q / 2, sigma) - _h2(u0 + p / 2 - q / 2, sigma)
             - _h2(u0 - p / 2 + q / 2, sigma) + _h2(u0 - p / 2 - q / 2, sigma)) / (p * q)
    img = lo + (hi - lo) * v
    if noise:
        img = img + np.random.default_rng(seed).normal(0.0, noise, img.shape)
    return img.astype(np.float32)


def analytic_mtf(f: np.ndarray | float, sigma: float, angle_deg: float) -> np.ndarray:
    t = math.radians(angle_deg)
    f = np.asarray(f, dtype=np.float64)
    return (np.exp(-2 * math.pi ** 2 * sigma ** 2 * f ** 2)
            * np.sinc(f * math.cos(t)) * np.sinc(f * math.sin(t)))


def analytic_mtf50(sigma: float, angle_deg: float) -> float:
    return brentq(lambda f: float(analytic_mtf(f, sigma, angle_deg)) - 0.5, 1e-6, 1.0)


def test_gaussian_only_formula():
    # The textbook value, for the record: MTF50 = sqrt(ln 2 / (2 pi^2 sigma^2)).
    s = 1.0
    f50 = math.sqrt(math.log(2) / (2 * math.pi ** 2 * s ** 2))
    assert math.exp(-2 * math.pi ** 2 * s ** 2 * f50 ** 2) == pytest.approx(0.5)
    # the pixel aperture lowers it
    assert analytic_mtf50(s, 5.0) < f50


@pytest.mark.parametrize("sigma", [0.6, 1.0, 1.5, 2.0])
def test_mtf50_bar_noisy(sigma):
    """BAR: median MTF50 within 2 % of analytic over angles 5-10 deg and seeds, SNR = 30."""
    errs = []
    for angle in (5.0, 6.5, 8.0, 10.0):
        truth = analytic_mtf50(sigma, angle)
        for seed in range(3):
            img = render_edge(100, 64, angle, sigma, noise=0.6 / 30, seed=seed)
            r = sfr(img)
            errs.append(r.mtf50 / truth - 1.0)
    assert abs(float(np.median(errs))) < 0.02, errs


@pytest.mark.parametrize("angle", [5.0, 8.0])
def test_mtf_curve_noise_free(angle):
    sigma = 1.0
    r = sfr(render_edge(120, 64, angle, sigma))
    band = r.freqs <= 0.5
    truth = analytic_mtf(r.freqs[band], sigma, angle)
    # bin averaging (sinc(f/4)) is the only systematic difference: < 1.5 % below Nyquist
    assert np.max(np.abs(r.mtf[band] - truth)) < 0.015
    assert r.angle_deg == pytest.approx(angle, abs=0.05)
    assert r.orientation == "vertical" and r.polarity == "dark_to_bright"


def test_orientations_and_polarity_agree():
    sigma, angle = 1.2, 6.0
    base = render_edge(100, 64, angle, sigma)
    r0 = sfr(base)
    variants = {
        "flip": base[:, ::-1],                  # bright to dark, angle -6
        "transpose": base.T,                    # near-horizontal
        "transpose_flip": base.T[::-1, :],
    }
    for name, img in variants.items():
        r = sfr(np.ascontiguousarray(img))
        assert r.mtf50 == pytest.approx(r0.mtf50, rel=0.01), name
        assert abs(r.angle_deg) == pytest.approx(angle, abs=0.1), name
    assert sfr(np.ascontiguousarray(base[:, ::-1])).polarity == "bright_to_dark"
    assert sfr(np.ascontiguousarray(base.T)).orientation == "horizontal"


def test_colour_image_luminance_and_channel():
    sigma, angle = 1.0, 5.0
    g = render_edge(100, 64, angle, sigma)
    rgb = np.stack([g * 0.9, g, g * 0.5], axis=-1).astype(np.float32)
    rgb_in = rgb.copy()
    r_lum = sfr(rgb)
    r_b = sfr(rgb, channel="B")
    truth = analytic_mtf50(sigma, angle)
    assert r_lum.mtf50 == pytest.approx(truth, rel=0.02)
    assert r_b.mtf50 == pytest.approx(truth, rel=0.02)
    np.testing.assert_array_equal(rgb, rgb_in)  # input untouched


def test_roi_and_sharpened_mtf50p():
    sigma, angle = 1.5, 5.0
    img = render_edge(100, 64, angle, sigma).astype(np.float64)
    from scipy.ndimage import gaussian_filter
    sharp = img + 1.5 * (img - gaussian_filter(img, 2.0))
    big = np.pad(sharp, 20, mode="edge").astype(np.float32)
    r = sfr(big, roi=(20, 120, 20, 84))
    assert r.mtf.max() > 1.05
    assert r.mtf50p < r.mtf50 or math.isnan(r.mtf50)
    # MTF50P is the half-peak crossing
    i = np.searchsorted(r.freqs, r.mtf50p)
    assert r.mtf[i - 1] / r.mtf[r.freqs <= 0.5].max() >= 0.5 >= r.mtf[i] / r.mtf[
        r.freqs <= 0.5].max()


def test_acutance_bounds_and_order():
    ideal = acutance(np.array([0.0, 1.0]), np.array([1.0, 1.0]))
    assert ideal == pytest.approx(1.0)
    a1 = sfr(render_edge(100, 64, 5, 0.8)).edge_acutance
    a2 = sfr(render_edge(100, 64, 5, 2.0)).edge_acutance
    assert 0 < a2 < a1 < 1.0
    # analytic acutance of the Gaussian*sinc curve
    f = np.linspace(0, 1, 400)
    want = acutance(f, analytic_mtf(f, 2.0, 5.0))
    assert a2 == pytest.approx(want, abs=0.02)


def test_esf_profile_levels():
    prof = esf_profile(render_edge(100, 64, 7, 1.0, lo=0.1, hi=0.7))
    assert prof.esf[:8].mean() == pytest.approx(0.1, abs=1e-3)
    assert prof.esf[-8:].mean() == pytest.approx(0.7, abs=1e-3)
    assert np.all(np.diff(prof.positions) > 0)


def test_to_dict_json():
    import json
    r = sfr(render_edge(64, 48, 5, 1.0))
    d = json.loads(json.dumps(r.to_dict()))
    assert set(d) >= {"freqs", "mtf", "mtf50", "mtf50p", "angle_deg", "edge_acutance"}


def test_errors():
    with pytest.raises(InputError):
        sfr(np.full((40, 40), 0.5, np.float32))
    with pytest.raises(InputError):
        sfr(np.zeros((4, 4), np.float32))
    with pytest.raises(ParameterError):
        sfr(render_edge(64, 48, 5, 1.0), roi=(0, 100, 0, 10))
    with pytest.raises(ParameterError):
        sfr(render_edge(64, 48, 5, 1.0), oversample=0)
    with pytest.raises(ParameterError):
        sfr(np.zeros((64, 48, 3), np.float32), channel="Q")


def test_encoded_input_is_linearised():
    from brightroom.color.spaces import srgb_encode
    sigma, angle = 1.0, 6.0
    lin = render_edge(100, 64, angle, sigma)
    enc = srgb_encode(lin)
    truth = analytic_mtf50(sigma, angle)
    good = sfr(enc, transfer="sRGB").mtf50 / truth - 1
    assert abs(good) < 0.01
    # measuring encoded data as if linear gives a different (wrong) answer
    assert abs(sfr(enc).mtf50 / truth - 1) > max(0.01, 3 * abs(good))


def test_point_sampled_edge_matches_pure_gaussian():
    """Without pixel-area integration the truth is the Gaussian alone (no sinc factor)."""
    sigma, angle = 1.0, 5.0
    t = math.radians(angle)
    y, x = np.mgrid[0:100, 0:64].astype(np.float64)
    u = (x - 31.8) * math.cos(t) - (y - 49.5) * math.sin(t)
    img = (0.2 + 0.6 * ndtr(u / sigma)).astype(np.float32)
    gauss50 = math.sqrt(math.log(2) / (2 * math.pi ** 2 * sigma ** 2))
    got = sfr(img).mtf50
    assert got == pytest.approx(gauss50, rel=0.01)
    assert abs(got / analytic_mtf50(sigma, angle) - 1) > 0.02   # the sinc matters
