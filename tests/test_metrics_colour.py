"""Tests of brightroom.lab.metrics.colour: CIEDE2000 against Sharma et al. (2005), the 24-patch
accuracy against a perfect rendering built with colour-science, and exact angular errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from brightroom.errors import InputError
from brightroom.lab.metrics.colour import (
    colorchecker_accuracy,
    delta_e_2000,
    lab_to_xyz,
    wb_angular_error,
    xyz_to_lab,
)

# Sharma, Wu, Dalal (2005), Table 1: the 34 CIEDE2000 test pairs (L1 a1 b1, L2 a2 b2, dE00).
SHARMA_2005 = np.array([
    [50.0000, 2.6772, -79.7751, 50.0000, 0.0000, -82.7485, 2.0425],
    [50.0000, 3.1571, -77.2803, 50.0000, 0.0000, -82.7485, 2.8615],
    [50.0000, 2.8361, -74.0200, 50.0000, 0.0000, -82.7485, 3.4412],
    [50.0000, -1.3802, -84.2814, 50.0000, 0.0000, -82.7485, 1.0000],
    [50.0000, -1.1848, -84.8006, 50.0000, 0.0000, -82.7485, 1.0000],
    [50.0000, -0.9009, -85.5211, 50.0000, 0.0000, -82.7485, 1.0000],
    [50.0000, 0.0000, 0.0000, 50.0000, -1.0000, 2.0000, 2.3669],
    [50.0000, -1.0000, 2.0000, 50.0000, 0.0000, 0.0000, 2.3669],
    [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0009, 7.1792],
    [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0010, 7.1792],
    [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0011, 7.2195],
    [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0012, 7.2195],
    [50.0000, -0.0010, 2.4900, 50.0000, 0.0009, -2.4900, 4.8045],
    [50.0000, -0.0010, 2.4900, 50.0000, 0.0010, -2.4900, 4.8045],
    [50.0000, -0.0010, 2.4900, 50.0000, 0.0011, -2.4900, 4.7461],
    [50.0000, 2.5000, 0.0000, 50.0000, 0.0000, -2.5000, 4.3065],
    [50.0000, 2.5000, 0.0000, 73.0000, 25.0000, -18.0000, 27.1492],
    [50.0000, 2.5000, 0.0000, 61.0000, -5.0000, 29.0000, 22.8977],
    [50.0000, 2.5000, 0.0000, 56.0000, -27.0000, -3.0000, 31.9030],
    [50.0000, 2.5000, 0.0000, 58.0000, 24.0000, 15.0000, 19.4535],
    [50.0000, 2.5000, 0.0000, 50.0000, 3.1736, 0.5854, 1.0000],
    [50.0000, 2.5000, 0.0000, 50.0000, 3.2972, 0.0000, 1.0000],
    [50.0000, 2.5000, 0.0000, 50.0000, 1.8634, 0.5757, 1.0000],
    [50.0000, 2.5000, 0.0000, 50.0000, 3.2592, 0.3350, 1.0000],
    [60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644],
    [63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.2630],
    [61.2901, 3.7196, -5.3901, 61.4292, 2.2480, -4.9620, 1.8731],
    [35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645],
    [22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373],
    [36.4612, 47.8580, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146],
    [90.8027, -2.0831, 1.4410, 91.1528, -1.6435, 0.0447, 1.4441],
    [90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381],
    [6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377],
    [2.0776, 0.0795, -1.1350, 0.9033, -0.0636, -0.5514, 0.9082],
])


def test_sharma_2005_table():
    lab1, lab2, want = SHARMA_2005[:, :3], SHARMA_2005[:, 3:6], SHARMA_2005[:, 6]
    got = delta_e_2000(lab1, lab2)
    assert got.shape == (34,)
    np.testing.assert_allclose(np.round(got, 4), want, atol=1e-4)
    # symmetric in its arguments (Sharma et al. note it, to the 4 published decimals)
    np.testing.assert_allclose(delta_e_2000(lab2, lab1), got, atol=1e-4)


def test_against_colour_science_random():
    import colour
    rng = np.random.default_rng(1)
    lab1 = np.column_stack([rng.uniform(0, 100, 2000), rng.uniform(-100, 100, 2000),
                            rng.uniform(-100, 100, 2000)])
    lab2 = lab1 + rng.normal(0, 8, lab1.shape)
    ref = colour.delta_E(lab1, lab2, method="CIE 2000")
    np.testing.assert_allclose(delta_e_2000(lab1, lab2), ref, atol=1e-8)


def test_scalar_and_broadcast():
    d = delta_e_2000([50, 0, 0], [[50, 0, 0], [60, 0, 0]])
    assert d.shape == (2,) and d[0] == 0.0
    assert np.ndim(delta_e_2000([50, 1, 1], [50, 1, 2])) == 0


def test_chroma_only_ignores_lightness():
    a = np.array([50.0, 20.0, 10.0])
    assert delta_e_2000(a, a + [10, 0, 0], lightness=False) == pytest.approx(0.0, abs=1e-12)
    assert delta_e_2000(a, a + [0, 3, 0], lightness=False) > 0.5


def test_lab_roundtrip_matches_colour_science():
    import colour
    rng = np.random.default_rng(2)
    xyz = rng.uniform(0.001, 1.0, (500, 3))
    d50 = colour.xy_to_XYZ(colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]["D50"])
    ours = xyz_to_lab(xyz, d50)
    ref = colour.XYZ_to_Lab(xyz, colour.XYZ_to_xy(d50))
    np.testing.assert_allclose(ours, ref, atol=1e-9)
    np.testing.assert_allclose(lab_to_xyz(ours, d50), xyz, atol=1e-12)


def _reference_checker():
    import colour
    cc = colour.CCS_COLOURCHECKERS["ColorChecker24 - After November 2014"]
    xyY = np.array(list(cc.data.values()))
    xyz = colour.xyY_to_XYZ(xyY)
    lab = colour.XYZ_to_Lab(xyz, cc.illuminant)
    rgb = colour.XYZ_to_RGB(xyz, "sRGB", illuminant=cc.illuminant,
                            chromatic_adaptation_transform="Bradford")
    return lab, rgb


def test_perfect_colorchecker_bar():
    """BAR: reference Lab -> XYZ -> linear sRGB (colour-science) -> measure: mean dE00 <= 0.5."""
    lab, rgb = _reference_checker()
    r = colorchecker_accuracy(rgb.astype(np.float32), lab, "sRGB")
    assert r.mean <= 0.5 and r.max <= 0.5, r.delta_e
    assert r.exposure_scale == pytest.approx(1.0, abs=2e-3)
    # exposure normalisation undoes a global gain
    r2 = colorchecker_accuracy(rgb * 0.5, lab)
    assert r2.mean <= 0.5
    r3 = colorchecker_accuracy(rgb * 0.5, lab, normalise_exposure=False)
    assert r3.mean > 5
    assert r3.mean_c < 0.5 * r3.mean  # chroma-only cares much less about exposure
    r4 = colorchecker_accuracy(rgb * 0.5, lab, normalise_exposure=False, chroma_only=True)
    assert r4.chroma_only and r4.mean == pytest.approx(r3.mean_c)


def test_colorchecker_detects_error():
    lab, rgb = _reference_checker()
    bad = rgb.copy()
    bad[:, 0] *= 1.15  # red gain error
    r = colorchecker_accuracy(bad, lab)
    assert r.mean > 1.5
    assert r.delta_e.shape == (24,)
    assert r.max == pytest.approx(r.delta_e.max())


@pytest.mark.parametrize("deg", [0.0, 0.01, 0.1, 1.0, 5.0, 33.0, 90.0, 179.0])
def test_wb_angular_error_exact(deg):
    """BAR: exact to 0.05 deg on vectors constructed at a known angle from (1, 1, 1)."""
    t = np.ones(3) / math.sqrt(3)
    perp = np.array([1.0, -1.0, 0.0]) / math.sqrt(2)
    v = 0.37 * (math.cos(math.radians(deg)) * t + math.sin(math.radians(deg)) * perp)
    got = wb_angular_error(v)
    assert abs(got - deg) < 0.05
    assert abs(got - deg) < 1e-6  # in fact far better


def test_wb_angular_error_vectorised_and_errors():
    v = np.array([[1, 1, 1], [2, 2, 2], [1, 0, 0]], dtype=np.float32)
    got = wb_angular_error(v)
    np.testing.assert_allclose(got[:2], 0.0, atol=1e-6)
    assert got[2] == pytest.approx(math.degrees(math.acos(1 / math.sqrt(3))), abs=1e-9)
    with pytest.raises(InputError):
        wb_angular_error([0, 0, 0])
    with pytest.raises(InputError):
        colorchecker_accuracy(np.zeros((23, 3)), np.zeros((24, 3)))


def test_perfect_colorchecker_other_space():
    import colour
    cc = colour.CCS_COLOURCHECKERS["ColorChecker24 - After November 2014"]
    xyz = colour.xyY_to_XYZ(np.array(list(cc.data.values())))
    lab = colour.XYZ_to_Lab(xyz, cc.illuminant)
    p3 = colour.XYZ_to_RGB(xyz, "Display P3", illuminant=cc.illuminant,
                           chromatic_adaptation_transform="Bradford")
    assert colorchecker_accuracy(p3, lab, "Display P3").mean <= 0.5
    # the same numbers read as sRGB are wrong
    assert colorchecker_accuracy(p3, lab, "sRGB").mean > 1.5
