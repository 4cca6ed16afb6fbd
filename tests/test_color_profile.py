"""Tests of brightroom.color.profile against colour-science, the DNG spec and hand computation."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from brightroom.color import profile as pf
from brightroom.color.spaces import D50_XYZ, bradford_adaptation, get_space
from brightroom.errors import InputError, ParameterError
from brightroom.types import CameraInfo
from conftest import shared_file

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import colour

OBS = colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]

# A plausible camera: XYZ -> camera for illuminant A and D65 (Canon-like numbers).
CM_D65 = np.array([[0.6461, -0.1164, -0.0857], [-0.3825, 1.1597, 0.2534], [-0.0416, 0.1540, 0.6039]])
CM_A = np.array([[0.7000, -0.1300, -0.0600], [-0.3600, 1.1200, 0.2700], [-0.0600, 0.1900, 0.7300]])
CAM2 = CameraInfo(make="Test", model="two", color_matrix1=CM_A, illuminant1=17,
                  color_matrix2=CM_D65, illuminant2=21)
CAM1 = CameraInfo(make="Test", model="one", color_matrix1=CM_D65, illuminant1=21)


def _planck_xy(t: float) -> np.ndarray:
    """xy of a black body by integrating Planck's law with the CIE 1931 CMFs (colour-science)."""
    shape = colour.SpectralShape(360, 830, 1)
    sd = colour.sd_blackbody(t, shape)
    cmfs = colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"].copy().align(shape)
    return colour.XYZ_to_xy(colour.sd_to_XYZ(sd, cmfs, method="Integration"))


# --------------------------------------------------------------------------- CCT and xy


@pytest.mark.parametrize("t", [1500.0, 2000.0, 2856.0, 4000.0, 6504.0, 10000.0])
def test_planckian_xy_matches_planck_law(t):
    assert np.allclose(pf.cct_to_xy(t), _planck_xy(t), atol=6e-4)


def test_illuminant_a_and_daylight_points():
    assert np.allclose(pf.cct_to_xy(2856.0), OBS["A"], atol=3e-4)
    assert np.allclose(pf.cct_to_xy(6504.0, locus="daylight"), OBS["D65"], atol=2e-4)
    assert np.allclose(pf.cct_to_xy(5003.0, locus="daylight"), OBS["D50"], atol=2e-4)
    ref = colour.temperature.CCT_to_xy_CIE_D(np.array([4500.0, 7500.0]))
    assert np.allclose(pf.cct_to_xy(np.array([4500.0, 7500.0]), locus="daylight"), ref, atol=1e-6)


def test_illuminant_locus_is_planck_then_daylight():
    assert np.allclose(pf.cct_to_xy(3000.0, locus="illuminant"), pf.cct_to_xy(3000.0))
    assert np.allclose(pf.cct_to_xy(5500.0, locus="illuminant"),
                       pf.cct_to_xy(5500.0, locus="daylight"))
    # halfway in mired between 3500 K (Planck) and 4000 K (daylight): a linear blend
    t = 1e6 / (0.5 * (1e6 / 3500 + 1e6 / 4000))
    mid = pf.cct_to_xy(t, locus="illuminant")
    # (the daylight locus starts at 4000 K, so its end point stands in below)
    ref = 0.5 * pf.cct_to_xy(t) + 0.5 * colour.temperature.CCT_to_xy_CIE_D(4000.0)
    assert np.allclose(mid, ref, atol=1e-9)


@pytest.mark.parametrize("name, cct", [("A", 2856.0), ("D50", 5003.0), ("D65", 6504.0)])
def test_xy_to_cct_against_ohno(name, cct):
    xy = np.asarray(OBS[name])
    ours = float(pf.xy_to_cct(xy))
    ohno = float(colour.temperature.uv_to_CCT_Ohno2013(colour.xy_to_UCS_uv(xy))[0])
    assert abs(ours - ohno) / ohno < 2e-3
    assert abs(ours - cct) < 0.005 * cct


def test_tint_moves_along_isotherm():
    xy0 = pf.cct_to_xy(5000.0)
    xy1 = pf.cct_to_xy(5000.0, tint=0.5)
    uv = colour.xy_to_UCS_uv(xy1)
    cct, duv = colour.temperature.uv_to_CCT_Ohno2013(uv)
    assert abs(cct - 5000) < 15
    assert abs(duv - 0.025) < 5e-4  # Adobe: tint +150 = Duv +0.05 (greener light)
    assert xy1[1] > xy0[1]  # green = above the locus
    t, tint = pf.xy_to_cct(xy1, with_tint=True)
    assert abs(t - 5000) < 2 and abs(tint - 0.5) < 1e-3
    assert pf.xy_to_cct(pf.cct_to_xy(3000.0, tint=-0.3), with_tint=True)[1] == pytest.approx(-0.3)


def test_light_sources():
    assert pf.light_source_cct(17) == 2856.0
    assert pf.light_source_cct(24) == 3200.0
    assert pf.light_source_cct(10) == 6500.0
    assert pf.light_source_cct(11) == 7500.0
    assert np.allclose(pf.light_source_xy(21), OBS["D65"])
    assert np.allclose(pf.light_source_xy(17), OBS["A"])
    assert np.allclose(pf.light_source_xy(14), OBS["FL2"])
    assert abs(float(pf.xy_to_cct(pf.light_source_xy(9))) - 5500) < 5
    with pytest.raises(ParameterError, match="LightSource"):
        pf.light_source_cct(99)


def test_cct_range_checked():
    with pytest.raises(ParameterError):
        pf.cct_to_xy(500.0)
    with pytest.raises(ParameterError):
        pf.cct_to_xy(3000.0, locus="daylight")
    with pytest.raises(ParameterError):
        pf.cct_to_xy(5000.0, locus="sunset")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- interpolation


def test_interpolate_matrix_by_hand():
    cct = 4000.0
    g = (1 / 4000 - 1 / 6504) / (1 / 2856 - 1 / 6504)
    cm, fm = pf.interpolate_matrix(CAM2, cct)
    assert fm is None
    assert np.allclose(cm, g * CM_A + (1 - g) * CM_D65, atol=1e-12)
    assert np.allclose(pf.interpolate_matrix(CAM2, 2000.0)[0], CM_A)  # clamped
    assert np.allclose(pf.interpolate_matrix(CAM2, 12000.0)[0], CM_D65)
    assert np.allclose(pf.interpolate_matrix(CAM1, 3000.0)[0], CM_D65)


def test_forward_matrix_interpolated_and_normalised():
    fm1 = np.array([[0.7, 0.2, 0.05], [0.3, 0.8, -0.1], [0.0, -0.2, 1.0]])
    fm2 = np.array([[0.6, 0.3, 0.06], [0.25, 0.85, -0.1], [0.02, -0.1, 0.9]])
    cam = CAM2.replace(forward_matrix1=fm1, forward_matrix2=fm2)
    g = (1 / 4000 - 1 / 6504) / (1 / 2856 - 1 / 6504)
    _, fm = pf.interpolate_matrix(cam, 4000.0)
    raw = g * fm1 + (1 - g) * fm2
    assert np.allclose(fm @ np.ones(3), D50_XYZ, atol=1e-12)
    assert np.allclose(fm, (D50_XYZ / raw.sum(1))[:, None] * raw)


# --------------------------------------------------------------------------- neutrals


@pytest.mark.parametrize("t", [2200.0, 2856.0, 4000.0, 5500.0, 6504.0, 9000.0])
def test_kelvin_white_balance_makes_a_white_grey(t):
    # A white surface under a black body at t, seen by the camera: XYZ -> camera.
    xy = _planck_xy(t)
    cct = float(colour.temperature.uv_to_CCT_Ohno2013(colour.xy_to_UCS_uv(xy))[0])
    cm, _ = pf.interpolate_matrix(CAM2, cct)
    white_cam = cm @ colour.xy_to_XYZ(xy)
    n = pf.cct_to_neutral(CAM2, t)
    balanced = white_cam * (n[1] / n)
    assert np.allclose(balanced / balanced[1], 1.0, atol=3e-3)
    assert n[1] == 1.0


@pytest.mark.parametrize("t", [2000.0, 3000.0, 4500.0, 6504.0, 11000.0])
def test_neutral_to_xy_inverts_xy_to_neutral(t):
    xy = pf.cct_to_xy(t, 0.1)
    n = pf.xy_to_neutral(CAM2, xy) * 3.7  # scale does not matter
    assert np.allclose(pf.neutral_to_xy(CAM2, n), xy, atol=1e-6)
    assert abs(pf.neutral_to_cct(CAM2, n) - t) < 1e-3 * t


def test_camera_locus_matches_kelvin_neutrals():
    ts = np.array([2500.0, 3000.0, 5000.0, 7500.0])
    loc = pf.camera_locus(CAM2, ts)
    ref = np.stack([pf.cct_to_neutral(CAM2, t, locus="illuminant") for t in ts])
    assert loc.shape == (4, 3)
    assert np.allclose(loc, ref, atol=1e-9)
    assert np.all(np.diff(loc[:, 2]) > 0)  # bluer with temperature


def test_bad_neutral_and_missing_matrix():
    with pytest.raises(ParameterError):
        pf.neutral_to_xy(CAM2, (1.0, -1.0, 1.0))
    with pytest.raises(InputError, match="ColorMatrix1"):
        pf.cct_to_neutral(CameraInfo(), 5000.0)


# --------------------------------------------------------------------------- output matrices

# A camera that *is* linear sRGB: its ColorMatrix is XYZ -> sRGB, calibrated under D65.
SRGB_CM = np.linalg.inv(get_space("sRGB").to_xyz)
SRGB_CAM = CameraInfo(color_matrix1=SRGB_CM, illuminant1=21)


def test_srgb_camera_maps_to_identity():
    n = SRGB_CM @ get_space("sRGB").white  # D65 white seen by the sRGB camera = (1, 1, 1)
    m = pf.camera_to_rgb_matrix(SRGB_CAM, n, "sRGB")
    assert np.allclose(m, np.eye(3), atol=2e-4)
    ref = colour.matrix_RGB_to_RGB(colour.RGB_COLOURSPACES["sRGB"],
                                   colour.RGB_COLOURSPACES["Display P3"], None)
    assert np.allclose(pf.camera_to_rgb_matrix(SRGB_CAM, n, "Display P3"), ref, atol=5e-4)


def test_camera_to_xyz_d50_without_forward_matrix():
    n = np.array([0.8, 1.0, 0.6])
    m = pf.camera_to_xyz_d50(CAM2, n)
    assert np.allclose(m @ np.ones(3), D50_XYZ * n.max(), atol=1e-12)
    # by hand: CA(white -> D50) inv(CM) diag(n), white at Y = 1
    xy = pf.neutral_to_xy(CAM2, n)
    cm, _ = pf.interpolate_matrix(CAM2, float(pf.xy_to_cct(xy)))
    c2x = np.linalg.inv(cm) @ np.diag(n)
    w = c2x @ np.ones(3)
    ref = bradford_adaptation(w / w[1], D50_XYZ) @ c2x / w[1]
    assert np.allclose(m, ref, atol=1e-6)


def test_camera_to_xyz_d50_with_forward_matrix():
    fm = np.array([[0.7, 0.2, 0.05], [0.3, 0.8, -0.1], [0.0, -0.2, 1.0]])
    cam = CAM1.replace(forward_matrix1=fm)
    m = pf.camera_to_xyz_d50(cam, (0.5, 1.0, 0.7))
    assert np.allclose(m, (D50_XYZ / fm.sum(1))[:, None] * fm)


@pytest.mark.parametrize("space", ["sRGB", "Display P3"])
@pytest.mark.parametrize("n", [(0.45, 1.0, 0.7), (1.0, 1.0, 1.0), (0.9, 1.0, 0.3)])
def test_neutral_gives_exact_grey(space, n):
    for cam in (CAM1, CAM2, CAM2.replace(forward_matrix1=np.eye(3), forward_matrix2=np.eye(3))):
        m = pf.camera_to_rgb_matrix(cam, n, space)
        out = m @ np.ones(3)
        assert out[0] == out[1] == out[2]
        assert np.isclose(out[0], max(n) / n[1], rtol=1e-6)
        out32 = np.ones((4, 3), np.float32) @ m.astype(np.float32).T
        assert np.all(out32 == out32[0, 0])


def test_fit_color_matrix_recovers_a_known_matrix():
    rng = np.random.default_rng(0)
    xyz = rng.uniform(0.02, 1.0, (24, 3))
    cm = CM_D65 * 1.7
    m = pf.fit_color_matrix(xyz @ cm.T, xyz)
    assert np.isclose((m @ D50_XYZ).max(), 1.0)
    assert np.allclose(m, cm / (cm @ D50_XYZ).max(), atol=1e-10)
    with pytest.raises(ParameterError):
        pf.fit_color_matrix(np.ones((2, 3)), np.ones((2, 3)))


def test_angular_error():
    assert pf.angular_error([1, 0, 0], [0, 1, 0]) == pytest.approx(90.0)
    assert pf.angular_error([1, 2, 3], [2, 4, 6]) == pytest.approx(0.0, abs=1e-6)
    assert pf.angular_error([1, 1, 0], [1, 0, 0]) == pytest.approx(45.0)
    e = pf.angular_error(np.array([[1, 0, 0], [0, 0, 1]]), np.array([1, 0, 0]))
    assert e.shape == (2,) and e[1] == pytest.approx(90.0)
    with pytest.raises(ParameterError):
        pf.angular_error([0, 0, 0], [1, 1, 1])


# --------------------------------------------------------------------------- real DNG


def _dng_camera(path: Path) -> CameraInfo:
    import tifffile
    with tifffile.TiffFile(path) as tf:
        tags = {t.code: t.value for t in tf.pages[0].tags.values()}

    def rat(v):
        v = np.asarray(v, dtype=np.float64)
        return v[0::2] / v[1::2]

    assert 50721 in tags and 50728 in tags, f"{path.name}: no ColorMatrix1 / AsShotNeutral"
    cm = rat(tags[50721]).reshape(3, 3)
    return CameraInfo(color_matrix1=cm, illuminant1=int(tags.get(50778, 21)) or 21,
                      as_shot_neutral=tuple(rat(tags[50728])))


@pytest.mark.realdata
def test_real_dng_as_shot_cct():
    cam = _dng_camera(shared_file("colorchecker-canon.dng"))
    cct, tint = pf.neutral_to_temperature(cam, cam.as_shot_neutral)
    assert 3500 < cct < 7000  # mixed indoor / window light
    assert abs(tint) < 0.5
    m = pf.camera_to_rgb_matrix(cam, cam.as_shot_neutral)
    assert np.allclose(m @ np.ones(3), (m @ np.ones(3))[0])


def _colour_science():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour
    return colour


def test_robertson_isotherms_match_colour_science():
    """Our Robertson (1968) both ways against colour-science's (an independent implementation
    of the same published table), over the range the table covers and off the locus."""
    from colour.temperature import CCT_to_uv_Robertson1968, uv_to_CCT_Robertson1968

    _colour_science()
    rng = np.random.default_rng(1)
    cct, duv = rng.uniform(1667, 25000, 500), rng.uniform(-0.05, 0.05, 500)
    ref = CCT_to_uv_Robertson1968(np.stack([cct, duv], axis=-1))
    np.testing.assert_allclose(pf._robertson_to_uv(cct, duv), ref, rtol=0, atol=1e-12)
    uv = np.concatenate([ref, rng.uniform([0.15, 0.2], [0.4, 0.4], (500, 2))])
    np.testing.assert_allclose(pf._robertson_from_uv(uv), uv_to_CCT_Robertson1968(uv),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pf._robertson_from_uv(uv[0]), uv_to_CCT_Robertson1968(uv[0]),
                               rtol=1e-12)


def test_illuminant_chromaticities_match_colour_science():
    table = _colour_science().CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]
    for name, xy in pf._ILLUMINANT_XY.items():
        np.testing.assert_allclose(xy, table[name], rtol=0, atol=1e-12, err_msg=name)
