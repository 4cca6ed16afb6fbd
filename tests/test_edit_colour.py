"""Colour controls: temperature gains, HSL band selectivity, point curves against SciPy's
monotone cubic (an independent implementation of Fritsch & Carlson)."""

from __future__ import annotations

import colorsys

import numpy as np
import pytest
from scipy.interpolate import PchipInterpolator

from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.edit.colour import (
    curve_reference,
    curve_tables,
    hsl_reference,
    hsl_tables,
    temperature_gains,
)
from brightroom.edit.params import HSL, ToneCurve


def test_temperature_keeps_grey_luminance_and_warms():
    g = temperature_gains(40, 20)
    assert float(np.array([0.2126, 0.7152, 0.0722]) @ g) == pytest.approx(1, abs=1e-6)
    assert g[0] > 1 > g[2]
    assert np.allclose(temperature_gains(0, 0), 1)


def test_hsl_identity_and_hsv_definition():
    rng = np.random.default_rng(0)
    rgb = rng.random((16, 16, 3)).astype(np.float32)
    assert np.allclose(hsl_reference(rgb, hsl_tables(HSL())), rgb, atol=1e-6)
    # a hue shift of the red band by +100 (30 degrees): a pure red pixel becomes HSV hue 30
    red = np.array([[[0.8, 0.0, 0.0]]], np.float32)
    out = hsl_reference(red, hsl_tables(HSL(hue=(100, 0, 0, 0, 0, 0, 0, 0))))[0, 0]
    h, s, v = colorsys.rgb_to_hsv(*out.tolist())
    assert h * 360 == pytest.approx(30, abs=0.5) and s == pytest.approx(1) and v == pytest.approx(0.8)


def test_hsl_band_acts_on_its_colours_only():
    blue = np.array([[[0.0, 0.0, 0.8]]], np.float32)
    red = np.array([[[0.8, 0.05, 0.05]]], np.float32)
    t = hsl_tables(HSL(saturation=(0, 0, 0, 0, 0, -100, 0, 0)))
    b = hsl_reference(blue, t)[0, 0]
    assert np.ptp(b) < 1e-6                       # blue at -100: grey
    assert np.allclose(hsl_reference(red, t), red, atol=1e-6)  # red untouched
    grey = np.full((1, 1, 3), 0.3, np.float32)
    t2 = hsl_tables(HSL(luminance=(100,) * 8, hue=(50,) * 8))
    assert np.allclose(hsl_reference(grey, t2), grey)  # greys have no hue


def test_curve_against_scipy_pchip():
    pts = (0.0, 0.0, 0.25, 0.15, 0.5, 0.55, 0.75, 0.85, 1.0, 1.0)
    tables = curve_tables(ToneCurve(rgb=pts))
    enc = np.linspace(0, 1, 101, dtype=np.float32)
    lin = srgb_decode(enc)
    img = np.repeat(lin[None, :, None], 3, axis=2)
    got = srgb_encode(curve_reference(img, tables))[0, :, 1]
    want = PchipInterpolator(pts[0::2], pts[1::2])(enc)
    assert np.max(np.abs(got - want)) < 2e-3
    same = curve_reference(img, curve_tables(ToneCurve()))
    assert np.max(np.abs(same - img)) < 1e-4
