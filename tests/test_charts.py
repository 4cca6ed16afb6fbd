"""Tests of brightroom.charts: the spectral basis, the charts and their ground truth."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from brightroom import charts
from brightroom.charts.scene import WAVELENGTHS, Scene, basis, scene_truth_rgb, scene_xyz
from brightroom.color.spaces import get_space, srgb_decode
from brightroom.errors import ParameterError

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import colour

CMFS = colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"]
D65 = colour.SDS_ILLUMINANTS["D65"]


def _xyz_colour(reflectance: np.ndarray, illuminant=D65) -> np.ndarray:
    """XYZ (white Y = 1) computed by colour-science, independently of our integration."""
    sd = colour.SpectralDistribution(reflectance, WAVELENGTHS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return colour.sd_to_XYZ(sd, CMFS, illuminant, method="Integration") / 100


def test_basis_reproduces_srgb_under_d65():
    rng = np.random.default_rng(3)
    rgb = np.concatenate([rng.uniform(0, 1, (12, 3)), np.eye(3), [[1, 1, 1], [0.18] * 3]])
    m = get_space("sRGB").to_xyz
    for c in rgb:
        xyz = _xyz_colour(basis() @ c)
        np.testing.assert_allclose(xyz, m @ c, atol=2e-4)


def test_basis_is_flat_for_neutrals_and_smooth():
    b = basis()
    assert b.shape == (WAVELENGTHS.size, 3)
    np.testing.assert_allclose(b.sum(axis=1), 1.0, atol=1e-3)
    # smooth (like real reflectances): no 5 nm step above 0.1
    assert np.abs(np.diff(b, axis=0)).max() < 0.1


def test_scene_truth_is_rgb_under_d65_and_grey_stays_grey_under_a():
    rng = np.random.default_rng(0)
    rgb = rng.uniform(0, 1, (8, 8, 3)).astype(np.float32)
    s = Scene(rgb=rgb)
    np.testing.assert_allclose(scene_truth_rgb(s, "sRGB", "D65"), rgb, atol=1e-5)
    grey = Scene(rgb=np.full((4, 4, 3), 0.3, np.float32))
    out = scene_truth_rgb(grey, "sRGB", "A")
    np.testing.assert_allclose(out, 0.3, atol=1e-3)


def test_colorchecker_xyz_matches_colour_science():
    sds = colour.SDS_COLOURCHECKERS["ColorChecker N Ohta"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = np.array([colour.sd_to_XYZ(sds[k], CMFS, D65) / 100 for k in sds])
    ours = charts.spectra_xyz(charts.colorchecker_spectra(), "D65")
    np.testing.assert_allclose(ours, ref, atol=3e-4)


def test_colorchecker_spectra_agree_with_xrite_2014_reference():
    x50 = charts.spectra_xyz(charts.colorchecker_spectra(), "D50")
    white = charts.spectra_xyz(np.ones(WAVELENGTHS.size), "D50")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lab = colour.XYZ_to_Lab(x50, colour.XYZ_to_xy(white))
        de = colour.delta_E(lab, charts.colorchecker_reference_lab(), method="CIE 2000")
    # two different measurements of the same chart: close, not identical
    assert de.mean() < 2.0 and de.max() < 3.0


def test_colorchecker_layout_and_truth():
    s = charts.colorchecker(16, gap=4, border=8)
    gt = s.ground_truth
    assert s.shape == (2 * 8 + 4 * 16 + 3 * 4, 2 * 8 + 6 * 16 + 5 * 4)
    assert gt["boxes"].shape == (24, 4) and gt["lab_d50_reference"].shape == (24, 3)
    for k, (y0, x0, y1, x1) in enumerate(gt["boxes"]):
        assert np.all(s.labels[y0:y1, x0:x1] == k)
        assert s.labels[y0 - 1, x0] == -1
    # labelled pixels show their spectrum under D65
    xyz = scene_xyz(s, "D65")
    cy, cx = gt["centers"][18].astype(int)
    np.testing.assert_allclose(xyz[cy, cx], gt["xyz_d65"][18], rtol=1e-5)


@pytest.mark.parametrize("angle", [5.0, 8.0, -6.5])
@pytest.mark.parametrize("orientation", ["vertical", "horizontal"])
def test_slanted_edge_angle_measured_from_image(angle, orientation):
    s = charts.slanted_edge((160, 120), angle_deg=angle, orientation=orientation)
    img = s.rgb[..., 1].astype(np.float64)
    if orientation == "horizontal":
        img = img.T
    d = np.diff(img, axis=1)
    x = np.arange(d.shape[1]) + 0.5
    cent = (d * x).sum(axis=1) / d.sum(axis=1)
    y = np.arange(img.shape[0])
    slope = np.polyfit(y, cent, 1)[0]
    assert abs(np.rad2deg(np.arctan(slope)) - angle) < 0.05
    gt = s.ground_truth
    assert gt["angle_deg"] == angle
    assert gt["high"] / gt["low"] == pytest.approx(4.0)


def test_slanted_edge_area_coverage_is_exact():
    # a line through the centre splits the rectangle into equal areas (point symmetry)
    s = charts.slanted_edge((64, 96), angle_deg=7.0, high=1.0, contrast=1e9)
    assert s.rgb[..., 0].astype(np.float64).mean() == pytest.approx(0.5, abs=1e-6)
    # a vertical edge on a pixel boundary: exact 0/1
    s0 = charts.slanted_edge((8, 8), angle_deg=0.0, high=1.0, contrast=1e9, center=(3.5, 3.5))
    assert np.all(s0.rgb[:, :4, 0] < 1e-6) and np.all(s0.rgb[:, 4:, 0] == 1.0)


def test_dead_leaves_radius_statistics_and_coverage():
    s = charts.dead_leaves(96, rmin=2.0, rmax=30.0, seed=5)
    gt = s.ground_truth
    r = gt["discs"][:, 2]
    assert r.min() >= 2.0 and r.max() <= 30.0

    def cdf(x):
        return (2.0**-2 - np.asarray(x) ** -2.0) / (2.0**-2 - 30.0**-2)

    assert stats.kstest(r, cdf).pvalue > 0.01
    assert s.rgb.min() >= 0.05 - 1e-6 and s.rgb.max() <= 0.75 + 1e-6
    again = charts.dead_leaves(96, rmin=2.0, rmax=30.0, seed=5)
    np.testing.assert_array_equal(s.rgb, again.rgb)
    other = charts.dead_leaves(96, rmin=2.0, rmax=30.0, seed=6)
    assert not np.array_equal(s.rgb, other.rgb)


def test_zone_plate_frequency():
    s = charts.zone_plate(257, f_max=0.5, supersample=1, mean=0.5, modulation=1.0)
    gt = s.ground_truth
    row = s.rgb[128, :, 0].astype(np.float64)
    x = np.arange(257) - 128.0
    np.testing.assert_allclose(row, 0.5 * (1 + np.cos(gt["k"] * x * x)), atol=1e-6)
    # local frequency from zero crossings at radius ~ 60 px: k r / pi cycles/px
    v = row[128:] - 0.5
    zc = np.where(np.sign(v[:-1]) != np.sign(v[1:]))[0]
    zc = zc + v[zc] / (v[zc] - v[zc + 1])  # sub-pixel crossings
    near = zc[(zc > 50) & (zc < 70)]
    f_meas = 1 / (2 * np.diff(near).mean())
    assert f_meas == pytest.approx(gt["k"] * near.mean() / np.pi, rel=0.03)
    assert gt["k"] * gt["r_max"] / np.pi == pytest.approx(0.5)


def test_gray_steps_and_dynamic_range_steps():
    s = charts.gray_steps(20, density_step=0.1, d_min=0.05, patch_size=8, columns=5, gap=2)
    gt = s.ground_truth
    for k, (y0, x0, y1, x1) in enumerate(gt["boxes"]):
        assert s.rgb[y0:y1, x0:x1].mean() == pytest.approx(10 ** -(0.05 + 0.1 * k), rel=1e-6)
    d = charts.dynamic_range_steps(20, patch_size=8)
    np.testing.assert_allclose(np.diff(d.ground_truth["stops"]), -1.0)
    assert d.ground_truth["reflectances"][-1] == pytest.approx(2.0**-19)


def test_flat_and_natural():
    f = charts.flat(16, (0.2, 0.3, 0.4))
    np.testing.assert_array_equal(f.rgb[5, 5], np.float32([0.2, 0.3, 0.4]))
    import skimage.data

    n = charts.natural("coffee")
    src = skimage.data.coffee()
    np.testing.assert_allclose(n.rgb, srgb_decode(src / np.float32(255)), atol=1e-6)
    big = charts.natural("coffee", megapixels=0.5)
    assert abs(big.rgb.size / 3 - 0.5e6) < 0.01e6 and big.rgb.min() >= 0


def test_natural_resampling_names():
    a = charts.natural("coffee", size=(40, 60), method="Area")
    b = charts.natural("coffee", size=(40, 60), method="area")
    np.testing.assert_array_equal(a.rgb, b.rgb)
    assert a.ground_truth["method"] == "area"
    with pytest.raises(ParameterError, match="unknown resampling method 'cubic'; known: nearest, "
                                             "linear, bicubic, lanczos, area$"):
        charts.natural("coffee", size=(40, 60), method="cubic")


def test_bad_parameters_raise():
    with pytest.raises(ParameterError):
        charts.slanted_edge(64, angle_deg=60)
    with pytest.raises(ParameterError):
        charts.dead_leaves(64, rmin=5, rmax=2)
    with pytest.raises(ParameterError):
        charts.natural("nope")
    with pytest.raises(ParameterError):
        Scene(rgb=np.zeros((4, 4, 3)))  # float64
    with pytest.raises(ParameterError):
        charts.illuminant_sd("XYZ")


def test_dead_leaves_numba_matches_numpy():
    a = charts.dead_leaves(80, rmin=1.5, rmax=20, seed=2, supersample=2, method="numpy")
    b = charts.dead_leaves(80, rmin=1.5, rmax=20, seed=2, supersample=2, method="numba")
    np.testing.assert_array_equal(a.rgb, b.rgb)
    assert a.ground_truth["n_discs"] == b.ground_truth["n_discs"]
    c = charts.dead_leaves(64, seed=1, color=True, method="numba")
    assert np.any(c.rgb[..., 0] != c.rgb[..., 1])


def test_motorcycle_has_metric_depth_from_disparity():
    import skimage.data

    s = charts.natural("motorcycle")
    _, _, disp = skimage.data.stereo_motorcycle()
    assert s.depth is not None and s.depth.shape == s.shape
    y, x = np.argwhere(np.isfinite(disp))[1000]
    # Middlebury: Z = f * B / (d + doffs), calibration of the 4x down-sampled images
    assert s.depth[y, x] == pytest.approx(994.978 * 0.193001 / (disp[y, x] + 31.086), rel=1e-5)
    assert np.nanmin(s.depth) > 0.5 and np.nanmax(s.depth) < 10
    big = charts.natural("motorcycle", size=(250, 370))
    assert big.depth.shape == (250, 370)
