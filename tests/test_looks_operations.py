"""Tests of the look operations: curves (Fritsch-Carlson), grading, grain, vignette.

References: Fritsch & Carlson (1980) by hand on small examples and the paper's monotonicity
property on its RPN 14 data; the ASC CDL formula; BT.709 luma; analytic vignette values.
"""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.errors import ParameterError
from brightroom.looks.curves import MonotoneCurve, fritsch_carlson_tangents, tone_curve
from brightroom.looks.grade import lift_gamma_gain, luma, saturation, split_tone
from brightroom.looks.grain import film_grain
from brightroom.looks.vignette import vignette, vignette_gain


def test_curve_hand_computed_value() -> None:
    # points (0,0) (1,1) (2,1): secants 1, 0 -> tangents 1, 0, 0; at x = 0.5 the Hermite form
    # gives h10(0.5) * 1 + h01(0.5) * 1 = 0.125 + 0.5.
    c = MonotoneCurve([[0, 0], [1, 1], [2, 1]])
    np.testing.assert_allclose(c.m, [1, 0, 0])
    assert c(0.5) == pytest.approx(0.625)
    assert c(1.5) == pytest.approx(1.0)


def test_curve_interpolates_and_reproduces_lines() -> None:
    pts = [[0, 0.1], [0.3, 0.4], [0.6, 0.7], [1, 1.1]]
    c = MonotoneCurve(pts)
    np.testing.assert_allclose(c(np.array(pts)[:, 0]), np.array(pts)[:, 1], atol=1e-12)
    x = np.linspace(-0.5, 1.5, 101)
    np.testing.assert_allclose(c(x), x + 0.1, atol=1e-12)  # a line, extended linearly


def test_curve_monotone_on_fritsch_carlson_rpn14_data() -> None:
    # The paper's RPN 14 data, where an ordinary cubic spline overshoots.
    x = np.array([7.99, 8.09, 8.19, 8.7, 9.2, 10, 12, 15, 20])
    y = np.array([0, 2.76429e-5, 4.37498e-2, 0.169183, 0.469428, 0.943740, 0.998636, 0.999919,
                  0.999994])
    m = fritsch_carlson_tangents(x, y)
    d = np.diff(y) / np.diff(x)
    a, b = m[:-1] / d, m[1:] / d
    assert np.all(a * a + b * b <= 9 + 1e-9)  # inside the monotonicity region
    c = MonotoneCurve(np.stack([x, y], 1))
    v = c(np.linspace(7.99, 20, 5001))
    assert np.all(np.diff(v) >= -1e-15)
    assert v.max() <= 0.999994 + 1e-12


def test_fast_table_evaluation_matches_hermite(rng: np.random.Generator) -> None:
    c = MonotoneCurve([[0, 0.05], [0.2, 0.2], [0.5, 0.53], [0.8, 0.83], [1, 0.95]])
    v = (rng.random(20000) * 1.4 - 0.2).astype(np.float32)
    np.testing.assert_allclose(c.fast(v), c(v.astype(np.float64)), atol=1e-6)


def test_curve_rejects_bad_points() -> None:
    for pts in ([[0, 0]], [[0, 0], [0, 1]], [[0, 1], [1, 0]], [[0, np.nan], [1, 1]]):
        with pytest.raises(ParameterError):
            MonotoneCurve(pts)
    with pytest.raises(ParameterError):
        tone_curve(np.zeros((1, 3), np.float32), [[0, 0], [1, 1]], mode="hsv")


def test_tone_curve_luma_keeps_chromaticity(rng: np.random.Generator) -> None:
    x = rng.random((50, 3)).astype(np.float32) * 0.8 + 0.1
    y = tone_curve(x, [[0, 0], [0.5, 0.6], [1, 1]], mode="luma")
    ratio = y / x
    np.testing.assert_allclose(ratio, ratio[:, :1].repeat(3, 1), rtol=1e-5)
    assert y.dtype == np.float32


def test_lift_gamma_gain_is_asc_cdl() -> None:
    x = np.linspace(0, 1, 11, dtype=np.float32)[:, None].repeat(3, 1)
    lift, gamma, gain = np.array([0.05, 0, -0.02]), np.array([1.2, 1, 0.8]), np.array([0.9, 1, 1.1])
    slope, offset, power = gain - lift, lift, 1 / gamma  # ASC CDL v1.2 SOP
    ref = np.clip(x * slope + offset, 0, None) ** power
    np.testing.assert_allclose(lift_gamma_gain(x, lift, gamma, gain), ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(lift_gamma_gain(x), x)
    with pytest.raises(ParameterError):
        lift_gamma_gain(x, gamma=0)


def test_saturation_and_vibrance() -> None:
    x = np.array([[0.8, 0.4, 0.2], [0.5, 0.45, 0.4], [0.3, 0.3, 0.3]], np.float32)
    y709 = x @ np.array([0.2126, 0.7152, 0.0722])
    grey = saturation(x, 0.0)
    np.testing.assert_allclose(grey, y709[:, None].repeat(3, 1), atol=1e-6)
    np.testing.assert_allclose(saturation(x, 1.0), x, atol=1e-7)
    np.testing.assert_allclose(luma(saturation(x, 1.7)), y709, atol=1e-6)  # luma kept
    v = saturation(x, 1.0, 0.5)
    gain = (v - y709[:, None]) / np.where(x == y709[:, None], 1, x - y709[:, None])
    assert gain[1, 0] > gain[0, 0] > 1  # the muted colour gains more than the vivid one
    np.testing.assert_allclose(v[2], x[2], atol=1e-7)  # greys stay grey
    with pytest.raises(ParameterError):
        saturation(x, -1)


def test_split_tone_weights() -> None:
    black, white = np.zeros((1, 3), np.float32), np.ones((1, 3), np.float32)
    s, h = [0.1, 0, -0.1], [0, 0.05, 0.02]
    np.testing.assert_allclose(split_tone(black, s, h), [s], atol=1e-7)
    np.testing.assert_allclose(split_tone(white, s, h), 1 + np.array([h]), atol=1e-6)


def test_grain_seeded_luminance_dependent() -> None:
    levels = np.array([0.0, 0.5, 1.0], np.float32)
    img = np.repeat(levels, 200)[None, :].repeat(300, 0)[..., None].repeat(3, 2).copy()
    before = img.copy()
    a = film_grain(img, amount=0.04, size=1.0, seed=3)
    np.testing.assert_array_equal(img, before)
    np.testing.assert_array_equal(a, film_grain(img, amount=0.04, size=1.0, seed=3))
    assert not np.array_equal(a, film_grain(img, amount=0.04, size=1.0, seed=4))
    d = a - img
    mid = d[:, 200:400, 1]
    assert abs(mid.std() - 0.04) < 0.004 and abs(mid.mean()) < 0.004
    assert np.abs(d[:, :200]).max() < 1e-6 and np.abs(d[:, 400:]).max() < 1e-6
    np.testing.assert_allclose(d[..., 0], d[..., 2], atol=1e-7)  # monochrome grain
    with pytest.raises(ParameterError):
        film_grain(img, amount=1.0)


def test_vignette_analytic() -> None:
    g = vignette_gain(101, 151, amount=0.3, midpoint=0.5)
    assert g[50, 75] == pytest.approx(1.0)
    assert g[0, 0] == pytest.approx(0.7, abs=0.02)  # the corner pixel centre is at r ~ 0.99
    img = np.full((101, 151, 3), 0.6, np.float32)
    out = vignette(img, 0.3, 0.5)
    lin = srgb_decode(out[0, 0])
    np.testing.assert_allclose(lin, srgb_decode(np.float32(0.6)) * g[0, 0], rtol=1e-5)
    np.testing.assert_allclose(out[50, 75], img[50, 75], atol=1e-6)
    np.testing.assert_allclose(srgb_encode(srgb_decode(out)), out, atol=1e-6)
    with pytest.raises(ParameterError):
        vignette_gain(4, 4, amount=2)


def test_vignette_fast_path_matches_reference(rng: np.random.Generator) -> None:
    img = rng.random((240, 300, 3)).astype(np.float32)
    img[0, 0] = [0.0, 1.0, np.float32(0.04045)]
    for amount, mid in ((0.3, 0.5), (0.9, 0.0), (0.0, 0.5)):
        ref = vignette(img, amount, mid, fast=False)
        fast = vignette(img, amount, mid, fast=True)
        np.testing.assert_allclose(fast, ref, atol=2e-6)
