"""Tests of brightroom.lab.metrics.noise against synthetic Gaussian noise of known sigma."""

from __future__ import annotations

import math

import numpy as np
import pytest

from brightroom.errors import InputError
from brightroom.lab.metrics._common import (
    VIEWING_CONDITIONS,
    csf_blue_yellow,
    csf_luminance,
    csf_red_green,
)
from brightroom.lab.metrics.noise import snr, visual_noise


def test_snr_known_sigma():
    rng = np.random.default_rng(0)
    p = (0.5 + rng.normal(0, 0.01, (128, 128))).astype(np.float32)
    r = snr(p)
    assert r.channels == ("Y",)
    assert r.std[0] == pytest.approx(0.01, rel=0.02)
    assert r.snr[0] == pytest.approx(50.0, rel=0.02)
    assert r.snr_db[0] == pytest.approx(20 * math.log10(50), abs=0.2)


def test_snr_rgb_per_channel_and_luminance():
    rng = np.random.default_rng(1)
    sig = np.array([0.02, 0.01, 0.04])
    p = (np.array([0.4, 0.5, 0.3]) + rng.normal(0, 1, (200, 200, 3)) * sig).astype(np.float32)
    p_in = p.copy()
    r = snr(p)
    assert r.channels == ("R", "G", "B", "Y")
    np.testing.assert_allclose(r.std[:3], sig, rtol=0.02)
    w = np.array([0.2126729, 0.7151522, 0.0721750])
    assert r.std[3] == pytest.approx(math.sqrt(np.sum((w * sig) ** 2)), rel=0.02)
    assert r["G"][2] == pytest.approx(50, rel=0.02)
    np.testing.assert_array_equal(p, p_in)


def test_snr_detrend():
    rng = np.random.default_rng(2)
    y, x = np.mgrid[0:100, 0:100]
    p = 0.5 + 0.001 * x + 0.0005 * y + rng.normal(0, 0.005, (100, 100))
    assert snr(p, detrend=True).std[0] == pytest.approx(0.005, rel=0.03)
    assert snr(p).std[0] > 0.02


def _analytic_vn(grey: float, sigma: float, shape, viewing):
    """Linearised prediction: achromatic white noise through XYZ -> opponent -> CSF -> XYZ ->
    CIELUV, variance by Parseval over the DFT grid (colour-science for the colorimetry)."""
    import colour
    m = np.asarray(colour.RGB_COLOURSPACES["sRGB"].matrix_RGB_to_XYZ)
    white = m @ np.ones(3)
    O = np.array([[0.279, 0.720, -0.107], [-0.449, 0.290, -0.077], [0.086, -0.590, 0.501]])
    xyz0 = m @ np.full(3, grey)
    wxy = colour.XYZ_to_xy(white)

    def luv(x):
        return colour.XYZ_to_Luv(x / white[1], wxy)

    J = np.empty((3, 3))
    for k in range(3):
        d = np.zeros(3)
        d[k] = 1e-6
        J[:, k] = (luv(xyz0 + d) - luv(xyz0 - d)) / 2e-6
    vc = VIEWING_CONDITIONS[viewing]
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.fftfreq(shape[1])[None, :]
    nu = np.hypot(fx, fy) * vc.pixels_per_degree
    lum = csf_luminance(nu) / csf_luminance(4.0)
    H = [lum, csf_red_green(nu), csf_blue_yellow(nu)]
    src = O @ m @ np.ones(3)                  # opponent response to unit achromatic noise
    G = J @ np.linalg.inv(O)                  # opponent -> Luv
    var = np.zeros(3)
    for k in range(3):
        g = sum(G[k, c] * H[c] * src[c] for c in range(3))
        g = g.copy()
        g[0, 0] = 0.0                         # mean removed
        var[k] = sigma ** 2 * np.mean(np.abs(g) ** 2)
    s = np.sqrt(var)
    return s, s[0] + 0.852 * s[1] + 0.323 * s[2]


@pytest.mark.parametrize("viewing", ["monitor_100", "phone_100"])
def test_visual_noise_matches_linearised_analytic(viewing):
    rng = np.random.default_rng(3)
    shape, grey, sigma = (128, 128), 0.18, 0.004
    n = rng.normal(0, sigma, shape)
    p = (grey + n[..., None] * np.ones(3)).astype(np.float32)
    r = visual_noise(p, viewing=viewing, detrend=False)
    s, vn = _analytic_vn(grey, sigma, shape, viewing)
    assert r.sigma_l == pytest.approx(s[0], rel=0.05)
    assert r.visual_noise == pytest.approx(vn, rel=0.05)
    assert r.mean_luv[0] == pytest.approx(116 * grey ** (1 / 3) - 16, abs=0.05)


def test_visual_noise_properties():
    rng = np.random.default_rng(4)
    flat = np.full((64, 64, 3), 0.3, np.float32)
    assert visual_noise(flat).visual_noise == pytest.approx(0.0, abs=1e-9)
    n = rng.normal(0, 1, (64, 64, 3))
    v1 = visual_noise((0.3 + 0.002 * n).astype(np.float32)).visual_noise
    v2 = visual_noise((0.3 + 0.004 * n).astype(np.float32)).visual_noise
    assert v2 == pytest.approx(2 * v1, rel=0.03)
    # the same noise seen from further away (more pixels per degree) is less visible
    far = visual_noise((0.3 + 0.004 * n).astype(np.float32), viewing="phone_100").visual_noise
    assert far < v2
    # sRGB-encoded input is decoded first
    from brightroom.color.spaces import srgb_encode
    enc = srgb_encode((0.3 + 0.004 * n).astype(np.float32))
    assert visual_noise(enc, transfer="sRGB").visual_noise == pytest.approx(v2, rel=0.02)
    with pytest.raises(InputError):
        visual_noise(np.full((8, 8, 3), 0.3, np.float32))


def test_results_are_strict_json():
    import json
    rng = np.random.default_rng(6)
    p = (0.3 + 0.01 * rng.normal(size=(32, 32, 3))).astype(np.float32)
    json.dumps(snr(p).to_dict(), allow_nan=False)
    json.dumps(snr(np.full((8, 8), 0.5, np.float32)).to_dict(), allow_nan=False)  # inf SNR
    json.dumps(visual_noise(p).to_dict(), allow_nan=False)
