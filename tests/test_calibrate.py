"""Tests of brightroom.looks.calibrate: camera profiles from ColorChecker patches.

Truth: a synthetic camera that is an exact linear transform of XYZ (the fit must recover it),
the lab's spectral camera model with held-out reflectances (RAW to ACES training spectra), the
DNG definition of ColorMatrix / ForwardMatrix, and the real Canon DNG from ../shared/data.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from brightroom.charts.colorchecker import colorchecker, colorchecker_reference_lab, colorchecker_spectra
from brightroom.charts.scene import WAVELENGTHS, spectra_xyz
from brightroom.color.lut import apply_lut, read_cube
from brightroom.color.spaces import D50_XYZ, D65_XYZ, bradford_adaptation, srgb_decode, srgb_encode
from brightroom.errors import ParameterError
from brightroom.lab.metrics.colour import delta_e_2000
from brightroom.looks.calibrate import (
    CALIBRATION_METHODS,
    CameraProfile,
    _lab_to_xyz,
    _xyz_to_lab,
    calibrate,
    calibrate_file,
    grid_boxes,
    root_polynomial_terms,
    uncalibrated_lab,
)
from conftest import shared_file

warnings.filterwarnings("ignore", module="colour")


def _lab_d65(spectra: np.ndarray) -> np.ndarray:
    xyz = spectra_xyz(spectra, "D65") @ bradford_adaptation(D65_XYZ, D50_XYZ).T
    return _xyz_to_lab(xyz)


def test_lab_conversion_matches_colour_science() -> None:
    import colour

    xyz = np.array([[0.2, 0.3, 0.1], [0.9, 1.0, 0.8], [0.001, 0.002, 0.003]])
    ref = colour.XYZ_to_Lab(xyz, colour.XYZ_to_xy(D50_XYZ))
    np.testing.assert_allclose(_xyz_to_lab(xyz), ref, atol=1e-6)
    np.testing.assert_allclose(_lab_to_xyz(ref), xyz, atol=1e-10)


def test_recovers_an_exact_linear_camera() -> None:
    lab = colorchecker_reference_lab().copy()
    lab[18:, 1:] = 0  # exactly neutral greys, so white balance on them is exact
    xyz = _lab_to_xyz(lab)
    m_true = np.array([[0.7, 0.2, 0.06], [0.25, 0.8, -0.05], [0.02, -0.1, 0.9]])
    m_true = m_true * (D50_XYZ / m_true.sum(axis=1))[:, None]  # white-preserving
    cam_wb = xyz @ np.linalg.inv(m_true).T
    cam = cam_wb / np.array([2.0, 1.0, 1.6]) * 0.37  # unbalanced and under-exposed
    res = calibrate(cam, lab, method="matrix")
    assert res.de_after.max() < 0.05
    assert res.de_before.mean() > 2
    np.testing.assert_allclose(res.profile.wb_gains, [2.0, 1.0, 1.6], rtol=1e-6)
    np.testing.assert_allclose(res.profile.forward_matrix(), m_true, atol=1e-3)
    assert res.profile.exposure == pytest.approx(1 / 0.37, rel=1e-3)


def test_root_polynomial_terms_exposure_invariant(rng: np.random.Generator) -> None:
    x = rng.random((10, 3))
    for degree, n in ((1, 3), (2, 6), (3, 13)):
        t = root_polynomial_terms(x, degree)
        assert t.shape == (10, n)
        np.testing.assert_allclose(root_polynomial_terms(3.7 * x, degree), 3.7 * t, rtol=1e-12)
    np.testing.assert_allclose(root_polynomial_terms(x, 2)[:, 3], np.sqrt(x[:, 0] * x[:, 1]))


@pytest.mark.parametrize("method", ["matrix", pytest.param("root-polynomial", marks=pytest.mark.slow)])
def test_virtual_camera_held_out_reflectances(method: str) -> None:
    from colour import SpectralShape
    from colour.characterisation import read_training_data_rawtoaces_v1

    from brightroom.lab.camera.presets import get_preset
    from brightroom.lab.camera.spectral import illuminant, response_spectra

    sens, light = get_preset("flagship-2022").qe(), illuminant("D65")
    spectra = colorchecker_spectra()
    cam = response_spectra(sens, light, spectra)
    res = calibrate(cam / cam.max(), _lab_d65(spectra), method=method)
    shape = SpectralShape(float(WAVELENGTHS[0]), float(WAVELENGTHS[-1]), 5.0)
    held = np.clip(read_training_data_rawtoaces_v1().copy().align(shape).values.T, 0, 1)
    cam_h = response_spectra(sens, light, held) / cam.max()
    lab_h = _lab_d65(held)
    after = np.asarray(delta_e_2000(res.profile.to_lab(cam_h), lab_h))
    before = np.asarray(delta_e_2000(uncalibrated_lab(cam_h, res.profile.wb_gains,
                                                      res.extra["exposure_before"]), lab_h))
    assert after.mean() <= 2.0 and before.mean() >= 4.0
    assert res.de_after.mean() < res.de_before.mean() / 4


def _profile() -> CameraProfile:
    lab = colorchecker_reference_lab()
    m = np.array([[0.6, 0.3, 0.1], [0.3, 0.7, 0.0], [0.0, 0.1, 0.8]])
    cam = _lab_to_xyz(lab) @ np.linalg.inv(m).T / np.array([1.8, 1.0, 1.4])
    return calibrate(cam, lab).profile


def test_dng_matrices_follow_the_spec() -> None:
    from brightroom.color.profile import light_source_xy, xy_to_xyz

    prof = _profile()
    fm = prof.forward_matrix()
    np.testing.assert_allclose(fm @ np.ones(3), D50_XYZ, rtol=1e-9)
    cm = prof.color_matrix()
    white = xy_to_xyz(light_source_xy(21))
    neutral = cm @ white  # the camera's response to the illuminant's white
    np.testing.assert_allclose(neutral / neutral[1], (1 / prof.wb_gains) / (1 / prof.wb_gains[1]),
                               rtol=1e-6)
    assert neutral.max() == pytest.approx(1.0)
    info = prof.camera_info()
    assert info.illuminant1 == 21 and info.color_matrix1 is not None
    again = CameraProfile.from_json(json.loads(json.dumps(prof.to_json())))
    np.testing.assert_allclose(again.matrix, prof.matrix)


def test_camera_info_drives_the_develop_colour_matrices() -> None:
    # brightroom.color.profile (used by the develop colour stage) builds camera -> sRGB from the
    # CameraInfo we export; it must reproduce the profile's own colours.
    from brightroom.color.profile import camera_to_rgb_matrix

    lab = colorchecker_reference_lab()
    m = np.array([[0.6, 0.3, 0.1], [0.3, 0.7, 0.0], [0.0, 0.1, 0.8]])
    cam = _lab_to_xyz(lab) @ np.linalg.inv(m).T / np.array([1.8, 1.0, 1.4])
    prof = calibrate(cam, lab).profile
    info = prof.camera_info()
    neutral = 1 / prof.wb_gains
    to_rgb = camera_to_rgb_matrix(info, neutral, "sRGB") / (neutral.max() / neutral[1])
    ours = prof.to_rgb(cam)
    theirs = (cam * prof.wb_gains * prof.exposure) @ to_rgb.T
    np.testing.assert_allclose(theirs, ours, atol=2e-4)


def test_lut_export_matches_profile(rng: np.random.Generator) -> None:
    prof = _profile()
    lut = prof.to_lut(33)
    bal = rng.random((200, 3)) * 0.6 + 0.05
    out = apply_lut(srgb_encode(bal.astype(np.float32)), lut)
    ref = np.clip(prof.to_rgb(bal, balanced=True), 0, 1)
    inside = np.all((ref > 0) & (ref < 1), axis=1)
    np.testing.assert_allclose(srgb_decode(out)[inside], ref[inside], atol=0.01)


def test_bad_inputs() -> None:
    with pytest.raises(ParameterError):
        calibrate(np.ones((23, 3)))
    with pytest.raises(ParameterError):
        calibrate(np.ones((24, 3)), method="neural")
    with pytest.raises(ParameterError):
        grid_boxes([(0, 0), (0, 1)])


def test_method_aliases_and_case() -> None:
    # "root-polynomial" (the key of earlier versions and of the CLI) is Finlayson et al. 2015
    assert CALIBRATION_METHODS["Root Polynomial"] is CALIBRATION_METHODS["finlayson2015"]
    cam = _lab_to_xyz(colorchecker_reference_lab()) * np.array([0.5, 1.0, 0.7])
    a = calibrate(cam, method="root-polynomial")
    b = calibrate(cam, method="FINLAYSON2015")
    assert a.profile.method == b.profile.method == "finlayson2015"  # recorded by canonical key
    np.testing.assert_array_equal(a.profile.matrix, b.profile.matrix)
    assert calibrate(cam, method="Matrix").profile.method == "matrix"
    with pytest.raises(ParameterError, match="unknown calibration method 'neural'; known: matrix, "
                                             "finlayson2015 \\(aliases: root-polynomial -> "
                                             "finlayson2015\\)$"):
        calibrate(cam, method="neural")


def test_grid_boxes_follow_the_chart() -> None:
    chart = colorchecker(patch_size=24)  # 30 px spacing
    c, gt = chart.ground_truth["centers"], chart.ground_truth["boxes"]
    boxes = grid_boxes([c[0], c[5], c[18]])
    ctr = np.stack([(boxes[:, 0] + boxes[:, 2] - 1) / 2, (boxes[:, 1] + boxes[:, 3] - 1) / 2], 1)
    np.testing.assert_allclose(ctr, c, atol=1e-9)
    assert np.all(boxes[:, :2] >= gt[:, :2]) and np.all(boxes[:, 2:] <= gt[:, 2:])
    # default: half the spacing (15 px) around centres on pixel centres: 16 pixels inclusive
    assert np.all(boxes[:, 2:] - boxes[:, :2] == 16)
    small = grid_boxes([c[0], c[5], c[18]], 10)
    assert np.all(small[:, 2:] - small[:, :2] == 10)
    # a rotated chart (centres given by rotating the grid 30 degrees): boxes shrink to fit
    t = np.radians(30)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    turned = (np.asarray([c[0], c[5], c[18]]) - c[0]) @ rot.T + 200
    turned_boxes = grid_boxes(turned)
    side = turned_boxes[:, 2] - turned_boxes[:, 0]
    assert np.all(side < 16) and np.all(side >= 10)
    with pytest.raises(ParameterError, match="larger than the printed patch"):
        grid_boxes([c[0], c[5], c[18]], 30)
    with pytest.raises(ParameterError, match="collinear"):
        grid_boxes([(0, 0), (0, 150), (0, 300)])


@pytest.mark.slow
def test_calibrate_virtual_dng_file_and_cli(tmp_path: Path) -> None:
    from brightroom.charts.colorchecker import colorchecker
    from brightroom.cli.main import main
    from brightroom.io import write_dng
    from brightroom.lab.camera import simulate

    chart = colorchecker(patch_size=24)
    raw = simulate(chart, "flagship-2022", lux=400.0, cct="D65", seed=2)
    dng = write_dng(raw, tmp_path / "chart.dng")
    boxes = chart.ground_truth["boxes"]
    rep = calibrate_file(dng, tmp_path / "cam.cube", boxes=boxes)
    assert rep["de00_after"]["mean"] < 1.5 < rep["de00_before"]["mean"]
    assert read_cube(tmp_path / "cam.cube").size == 33
    assert json.loads((tmp_path / "cam.json").read_text())["method"] == "matrix"
    c = chart.ground_truth["centers"]
    arg = ";".join(f"{c[k][0]},{c[k][1]}" for k in (0, 5, 18))
    assert main(["calibrate", str(dng), "-o", str(tmp_path / "cli.cube"), "--patches", arg,
                 "--json"]) == 0
    assert main(["calibrate", str(dng), "-o", str(tmp_path / "cli.cube"), "--patches", arg]) == 1


@pytest.mark.realdata
def test_real_canon_dng() -> None:
    path = shared_file("colorchecker-canon.dng")
    # patch centres located by eye on the image (no chart detector yet): dark skin, bluish
    # green and white, in mosaic pixels
    boxes = grid_boxes([(624, 714), (624, 1250), (926, 714)])
    from brightroom.io import read_raw
    from brightroom.looks.calibrate import raw_patch_means

    res = calibrate(raw_patch_means(read_raw(path), boxes))
    assert res.de_before.mean() > 5
    assert res.de_after.mean() < 3.5


@pytest.mark.realdata
@pytest.mark.slow
def test_real_canon_dng_with_chart_detector(tmp_path: Path) -> None:
    path = shared_file("colorchecker-canon.dng")
    rep = calibrate_file(path, tmp_path / "canon.cube")
    assert rep["de00_before"]["mean"] > 5 and rep["de00_after"]["mean"] < 3.5
