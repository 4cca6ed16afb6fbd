"""The exposure stage: metering, highlight protection, bias, BaselineExposure, faces."""

from __future__ import annotations

import math

import numpy as np
import pytest

import brightroom
from brightroom.develop.exposure import (
    ExposureParams,
    camera_bias_ev,
    centre_weights,
    meter,
)
from brightroom.develop.faces import find_faces
from brightroom.develop.recipe import load_recipe
from brightroom.errors import ParameterError
from brightroom.lab.measure import measure_colorchecker
from brightroom.types import CameraInfo, Image
from conftest import shared_file


def test_a_uniform_grey_scene_is_put_on_the_target():
    # independent reference: a flat scene of luminance L needs log2(0.18 / L) EV (ISO 2720)
    for lum in (0.01, 0.05, 0.4):
        m = meter(np.full((30, 40), lum, np.float32), ExposureParams(highlights=0))
        assert m.ev == pytest.approx(math.log2(0.18 / lum), abs=1e-4)


def test_the_meter_is_the_geometric_mean_of_a_two_tone_scene():
    y = np.full((20, 40), 0.02, np.float32)
    y[:, 20:] = 0.32  # 4 EV apart: the log average is their geometric mean (0.08)
    m = meter(y, ExposureParams(centre=0, highlights=0))
    assert m.ev == pytest.approx(math.log2(0.18 / 0.08), abs=1e-3)


def test_centre_weighting_favours_the_middle():
    y = np.full((60, 60), 0.02, np.float32)
    y[20:40, 20:40] = 0.18  # a subject in the middle, on a dark background
    flat = meter(y, ExposureParams(centre=0, highlights=0)).ev
    centred = meter(y, ExposureParams(centre=0.15, highlights=0)).ev
    assert flat > centred + 1.0 and centred < 1.6  # flat: 2.8 EV (8/9 of the frame dark)
    w = centre_weights((5, 7), 0.3)
    assert w[2, 3] == w.max() and w[0, 0] == w.min()


def test_dark_borders_and_light_sources_are_trimmed():
    y = np.full((40, 40), 0.09, np.float32)
    y[:4] = 1e-7  # a black border (noise floor), 10 % of the frame
    y[-4:] = 50.0  # a light source, 10 %
    trimmed = meter(y, ExposureParams(centre=0, highlights=0)).ev
    # the interquartile mean ignores both: the 0.09 scene needs exactly +1 EV (a plain log
    # average would be pulled by (log2(1e-7 / 0.09) + log2(50 / 0.09)) / 10 = -1.1 EV)
    assert trimmed == pytest.approx(1.0, abs=1e-4)


def test_highlights_are_protected_up_to_max_pull():
    y = np.full((50, 50), 0.045, np.float32)  # 2 EV under
    y[:5] = 0.9  # 10 % of the frame bright: at +2 EV it would clip at white = 1
    free = meter(y, ExposureParams(centre=0, highlights=0))
    kept = meter(y, ExposureParams(centre=0, highlights=1.0, max_pull=8))
    capped = meter(y, ExposureParams(centre=0, highlights=1.0, max_pull=0.5))
    assert kept.ev == pytest.approx(kept.ev_hi, abs=1e-6)  # brightest 1 % on white exactly
    assert kept.ev_hi == pytest.approx(math.log2(1 / 0.9), abs=1e-4)
    assert capped.ev == pytest.approx(free.ev - 0.5, abs=1e-6)


def test_faces_take_their_share_of_the_weight():
    y = np.full((40, 40), 0.18, np.float32)
    y[:10, :10] = 0.045  # a dark (backlit) face in a corner
    face = [(0.0, 0.0, 0.25, 0.25)]
    m0 = meter(y, ExposureParams(highlights=0))
    m1 = meter(y, ExposureParams(highlights=0, face_weight=0.5), face)
    assert m1.faces == 1 and m1.ev > m0.ev + 0.8  # half the weight 2 EV under: about +1 EV


def test_bad_inputs():
    with pytest.raises(ParameterError):
        meter(np.zeros((0, 3), np.float32))
    with pytest.raises(ParameterError):
        ExposureParams(target=2.0)
    assert meter(np.full((4, 4), np.nan, np.float32)).ev == ExposureParams().max_ev


def test_camera_bias_reading():
    assert camera_bias_ev({"exposure_bias": -0.667}) == pytest.approx(-0.667)
    assert camera_bias_ev({}) == 0.0 and camera_bias_ev({"exposure_bias": "x"}) == 0.0


def _image(level: float, exif=None) -> Image:
    cam = CameraInfo(baseline_exposure=0.0, exif=exif or {})
    data = np.full((64, 96, 3), level, np.float32)
    data[::7, ::5] *= 1.5  # some texture
    return Image(data, space="linear_rgb", primaries="sRGB", camera=cam)


def _exposure_only(**kw):
    from brightroom.develop.pipeline import Pipeline, Stage, get_stage

    return Pipeline((Stage(get_stage("exposure"), ExposureParams(**kw)),), "exposure-only")


def test_stage_scales_records_and_respects_bias():
    img = _image(0.02)
    out = _exposure_only(highlights=0)(img)
    rec = out.metadata["exposure"]
    assert out.state.exposure_ev == pytest.approx(rec["ev"])
    assert np.exp2(rec["ev"]) * img.data == pytest.approx(out.data, rel=1e-5)
    biased = _exposure_only(highlights=0, bias=-1.0)(img)
    assert biased.metadata["exposure"]["ev"] == pytest.approx(rec["ev"] - 1.0)
    cam = _exposure_only(highlights=0)(_image(0.02, {"exposure_bias": 0.7}))
    assert cam.metadata["exposure"]["ev"] == pytest.approx(rec["ev"] + 0.7)
    ignore = _exposure_only(highlights=0, camera_bias=False)(_image(0.02, {"exposure_bias": 0.7}))
    assert ignore.metadata["exposure"]["ev"] == pytest.approx(rec["ev"])
    fixed = _exposure_only(auto=False, bias=0.5)(img)
    assert fixed.state.exposure_ev == pytest.approx(0.5)


@pytest.mark.slow
def test_baseline_exposure_is_the_starting_point():
    """With auto off only BaselineExposure applies; with it on the total puts the scene on
    target whatever BaselineExposure said (the meter measures after it)."""
    from brightroom.io import read_raw
    from make_goldens import LAB_DNG  # the lab raw with BaselineExposure +1
    raw = read_raw(LAB_DNG)
    assert raw.camera.baseline_exposure == 1.0
    fixed = load_recipe("neutral").with_params("exposure", auto=False)
    assert brightroom.develop(raw, recipe=fixed).state.exposure_ev == pytest.approx(1.0)
    auto = brightroom.develop(raw, recipe="neutral")
    no_be = brightroom.develop(raw, recipe=load_recipe("neutral").with_params(
        "colour", baseline_exposure=False))
    assert auto.state.exposure_ev == pytest.approx(no_be.state.exposure_ev, abs=0.02)


def test_faces_found_on_a_real_photo_and_not_on_a_cat():
    from skimage import data

    ast = find_faces(data.astronaut().astype(np.float32) / 255)
    assert len(ast) == 1
    x0, y0, x1, y1 = ast[0].box  # Eileen Collins' face: around (0.44, 0.25) of the frame
    assert x0 < 0.44 < x1 and y0 < 0.25 < y1 and ast[0].score > 0.85
    assert find_faces(data.chelsea().astype(np.float32) / 255) == []


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("recipe", ["default", "neutral"])
def test_real_colorchecker_middle_grey_within_a_third_of_a_stop(recipe):
    from brightroom.color.spaces import decode

    raw = brightroom.read_raw(shared_file("colorchecker-canon.dng"))
    out = brightroom.develop(raw, recipe=recipe).data
    m = measure_colorchecker(decode(np.clip(out, 0, 1), "sRGB"))
    # neutral 5 against its reference luminance (X-Rite data): the bar of issue 20
    assert abs(m["exposure_ev"]) <= 1 / 3, m["exposure_ev"]
    if recipe == "default":
        y = np.asarray(m["patches"][23]["rgb_linear"]) @ [0.2126, 0.7152, 0.0722]
        assert 116 * np.cbrt(y) - 16 <= 25  # black stays black (CIE 1976 L*)


@pytest.mark.slow
def test_a_backlit_face_is_exposed_up():
    """scikit-image's astronaut, linear, her face 3 EV darker than a bright background: with
    face weighting the meter gives the face half its weight and raises the exposure."""
    import cv2
    from skimage import data

    from brightroom.color.spaces import decode

    lin = decode(data.astronaut().astype(np.float32) / 255, "sRGB").astype(np.float32)
    lin = cv2.resize(lin, (2048, 2048), interpolation=cv2.INTER_CUBIC)  # a 4 MP frame
    lit = np.clip(lin, 0, None) * 0.25
    background = np.ones(lin.shape[:2], bool)
    background[240:800, 640:1200] = False  # around the face
    lit[background] *= 8
    img = Image(lit, space="linear_rgb", primaries="sRGB", camera=CameraInfo())
    with_faces = _exposure_only(highlights=0)(img).metadata["exposure"]
    without = _exposure_only(highlights=0, faces=False)(img).metadata["exposure"]
    assert with_faces["faces"] == 1 and without["faces"] == 0
    assert with_faces["ev"] > without["ev"] + 0.8
