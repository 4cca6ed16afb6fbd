"""Tests of brightroom.lab.camera.spectral: illuminants, responses, DNG calibration."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from brightroom.charts import WAVELENGTHS, basis
from brightroom.errors import ParameterError
from brightroom.lab.camera import spectral as sp

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import colour

NIKON = sp.measured_sensitivities()


def _sd(values):
    return colour.SpectralDistribution(np.asarray(values), WAVELENGTHS)


@pytest.mark.parametrize("spec", ["D65", "A", "FL2", 3200.0, 5000.0])
def test_illuminant_is_scaled_to_lux(spec):
    ill = sp.illuminant(spec, 250.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert colour.luminous_flux(_sd(ill.spd)) == pytest.approx(250.0, rel=1e-4)


def test_cct_illuminants_match_cie_chromaticities():
    ccs = colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xy_a = colour.XYZ_to_xy(colour.sd_to_XYZ(_sd(sp.illuminant(2856.0).spd)))
        xy_d = colour.XYZ_to_xy(colour.sd_to_XYZ(_sd(sp.illuminant(6504.0).spd)))
    np.testing.assert_allclose(xy_a, ccs["A"], atol=2e-4)
    np.testing.assert_allclose(xy_d, ccs["D65"], atol=3e-4)


def test_response_matrix_equals_explicit_spectral_rendering():
    ill = sp.illuminant("A", 100.0)
    m = sp.response_matrix(NIKON, ill)
    rgb = np.array([0.2, 0.5, 0.1])
    refl = basis() @ rgb
    h, c = 6.62607015e-34, 2.99792458e8
    photons = ill.spd * refl * WAVELENGTHS * 1e-9 / (h * c) * 5.0  # photons s^-1 m^-2 per bin
    explicit = photons @ NIKON.qe
    np.testing.assert_allclose(m @ rgb, explicit, rtol=1e-10)


@pytest.mark.parametrize("name", ["A", "D65"])
def test_color_matrix_maps_white_to_neutral_and_basis_exactly(name):
    cal = sp.dng_calibration(NIKON, name)
    ill = sp.illuminant(name)
    white = ill.white_xyz
    cam_white = cal.color_matrix @ white
    assert cam_white.max() == pytest.approx(1.0)
    n = np.asarray(cal.neutral)
    cos = cam_white @ n / np.linalg.norm(cam_white) / np.linalg.norm(n)
    assert np.rad2deg(np.arccos(min(cos, 1.0))) < 0.05
    # basis colours: XYZ -> camera is linear, the fitted matrix reproduces it
    cam = sp.response_matrix(NIKON, ill)
    xyz = (basis().T @ (colour_cmfs() * ill.spd[:, None])) / (ill.spd @ colour_cmfs()[:, 1])
    pred = (cal.color_matrix @ xyz.T)
    scale = (pred * cam).sum() / (cam * cam).sum()  # one common scale
    np.testing.assert_allclose(pred / scale, cam, atol=2e-3 * np.abs(cam).max())
    # forward matrix maps the white-balanced white to D50
    np.testing.assert_allclose(cal.forward_matrix @ np.ones(3), [0.96422, 1.0, 0.82521],
                               atol=1e-9)
    assert cal.exif_code == {"A": 17, "D65": 21}[name]


def colour_cmfs():
    from brightroom.charts import cmfs

    return cmfs()


def test_gaussian_sensitivities_shape_and_peaks():
    s = sp.gaussian_sensitivities((((600, 30, 1.0),), ((540, 40, 1.0),), ((460, 30, 1.0),)),
                                  (0.5, 0.6, 0.4))
    np.testing.assert_allclose(s.qe.max(axis=0), [0.5, 0.6, 0.4])
    assert s.qe[WAVELENGTHS > 700].max() < 0.01  # IR cut
    r, g, b = s.centroids_nm
    assert b < g < r


def test_bad_illuminants():
    with pytest.raises(ParameterError):
        sp.illuminant("D65", -1.0)
    with pytest.raises(ParameterError):
        sp.illuminant(500.0)


@pytest.mark.parametrize("name", ["A", "D65"])
def test_forward_matrix_maps_white_balanced_basis_to_d50(name):
    cal = sp.dng_calibration(NIKON, name)
    ill = sp.illuminant(name)
    cam = sp.response_matrix(NIKON, ill)  # columns: basis colours
    white = sp.response_spectra(NIKON, ill, np.ones(WAVELENGTHS.size))
    wb = cam / white[:, None]
    xyz = (basis().T @ (colour_cmfs() * ill.spd[:, None])) / (ill.spd @ colour_cmfs()[:, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cat = colour.adaptation.matrix_chromatic_adaptation_VonKries(
            ill.white_xyz, np.array([0.96422, 1.0, 0.82521]), transform="Bradford")
    np.testing.assert_allclose(cal.forward_matrix @ wb, cat @ xyz.T, atol=3e-3)


def test_color_matrix_gives_small_colorchecker_error():
    """Camera -> XYZ through the fitted matrix: a good but non-Luther camera (dE00 ~ 1-2)."""
    from brightroom.charts import colorchecker_spectra

    ill = sp.illuminant("D65")
    cal = sp.dng_calibration(NIKON, "D65")
    cam = sp.response_spectra(NIKON, ill, colorchecker_spectra())
    white = sp.response_spectra(NIKON, ill, np.ones(WAVELENGTHS.size))
    scale = (cal.color_matrix @ ill.white_xyz).max() / white.max()
    xyz_cam = (cam * scale) @ np.linalg.inv(cal.color_matrix).T
    xyz_ref = colorchecker_spectra() @ (colour_cmfs() * ill.spd[:, None]) / (
        ill.spd @ colour_cmfs()[:, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wp = colour.XYZ_to_xy(ill.white_xyz)
        de = colour.delta_E(colour.XYZ_to_Lab(xyz_cam, wp), colour.XYZ_to_Lab(xyz_ref, wp),
                            method="CIE 2000")
    assert de.mean() < 2.0 and de.max() < 6.0
