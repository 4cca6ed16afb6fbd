"""True colour: a webcam profile fitted from the ColorChecker in webcam-like renders
(:mod:`brightroom.lab.webcam_scenes`), its dE00 on a fresh frame, JSON round trip, bad profiles,
and calibration on a live stream (the engine switches to the profile once fitted).

Reference: X-Rite's L*a*b* D50 of the chart (brightroom.charts.colorchecker); colour
differences by scikit-image's CIEDE2000 (a peer implementation)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from skimage.color import deltaE_ciede2000, xyz2lab

from brightroom.color.spaces import D50_XYZ, bradford_adaptation, get_space, srgb_decode
from brightroom.errors import ChartNotFoundError, InputError
from brightroom.lab.webcam_scenes import webcam_chart_frame
from brightroom.live.engine import LiveParams, LiveSession, array_source
from brightroom.live.truecolour import (
    ChartCalibrator,
    calibrate_frames,
    calibrate_patches,
    chart_patches,
    load_profile,
)


def _means(frame):
    return np.array([frame.image[y0:y1, x0:x1].reshape(-1, 3).mean(0) / 255
                     for y0, x0, y1, x1 in frame.boxes])


def _de00(display, ref_lab):
    """Mean CIEDE2000 of display sRGB patch values against a D50 reference (scikit-image)."""
    sp = get_space("sRGB")
    xyz = srgb_decode(np.asarray(display, np.float32)).astype(float) @ (
        bradford_adaptation(sp.white, D50_XYZ) @ sp.to_xyz).T
    lab = xyz2lab(xyz[None], illuminant="D50", observer="2")[0]
    return float(deltaE_ciede2000(lab, ref_lab).mean())


def test_detected_patches_are_the_rendered_ones():
    fr = webcam_chart_frame("D65", size=(640, 360), seed=1)
    assert np.abs(chart_patches(fr.image) - _means(fr)).max() < 0.01


@pytest.mark.parametrize("light", ["A", 4000.0])
def test_profile_brings_a_fresh_frame_within_3_de00(light):
    cal = webcam_chart_frame(light, size=(640, 360), seed=1)
    prof = calibrate_patches(chart_patches(cal.image), method="finlayson2015")
    fresh = webcam_chart_frame(light, size=(640, 360), seed=2, position=(0.45, 0.55),
                               width=0.4)
    v = _means(fresh)
    before, after = _de00(v, fresh.reference_lab), _de00(prof(v), fresh.reference_lab)
    assert before > 8  # the webcam's own colour under this light is far off
    assert after <= 3.0
    assert prof.report()["de00_after_mean"] < prof.report()["de00_before_mean"]


def test_profile_json_round_trip_and_bad_files(tmp_path):
    fr = webcam_chart_frame("D65", size=(640, 360))
    prof = calibrate_frames([fr.image], need=1)
    path = tmp_path / "cam.json"
    prof.save(path)
    back = load_profile(path)
    v = np.random.default_rng(0).random((50, 3)).astype(np.float32)
    assert np.allclose(back(v), prof(v), atol=1e-6)
    (tmp_path / "x.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(InputError, match="not a true-colour profile"):
        load_profile(tmp_path / "x.json")
    with pytest.raises(InputError, match="cannot read"):
        load_profile(tmp_path / "missing.json")


def test_no_chart_is_a_clear_error():
    grey = np.full((360, 640, 3), 128, np.uint8)
    with pytest.raises(ChartNotFoundError, match="no ColorChecker"):
        calibrate_frames([grey, grey], need=1)
    cal = ChartCalibrator(need=2)
    assert cal.offer(grey) is None and cal.tried == 1 and cal.found == 0


def test_calibration_on_a_stream_switches_the_colours():
    frames = [webcam_chart_frame("A", size=(640, 360), seed=s).image for s in range(4)]
    src = array_source(frames, 30, repeat=6)
    session = LiveSession(src, LiveParams(effect="none", calibrate=True,
                                          true_colour="unused.json"))
    out = list(session)
    assert session.profile is not None
    cal = session.stats.calibration
    assert cal["charts_found"] == 3 and cal["de00_after_mean"] < 3 < cal["de00_before_mean"]
    assert np.array_equal(out[0], frames[0])  # before the fit: the webcam's own colours
    fr = webcam_chart_frame("A", size=(640, 360), seed=3)
    last = out[-1]  # frames[3] after the switch
    v = np.array([last[y0:y1, x0:x1].reshape(-1, 3).mean(0) / 255
                  for y0, x0, y1, x1 in fr.boxes])
    assert _de00(v, fr.reference_lab) <= 3.0
