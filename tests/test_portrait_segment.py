"""brightroom.portrait.segment: the MediaPipe selfie model through OpenCV DNN."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.errors import ParameterError
from brightroom.lab.portrait_scenes import portrait_scene
from brightroom.portrait.segment import (
    SEGMENT_METHODS,
    ModelNotFoundError,
    NoSubjectError,
    SegmentParams,
    model_path,
    segment,
)
from brightroom.types import Image
from conftest import segmentation_model as _model_or_skip


def test_model_is_found_inside_the_package():
    p = _model_or_skip()
    assert p.name == "selfie_segmentation.tflite" and p.stat().st_size > 100_000


def test_missing_model_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("BRIGHTROOM_SEGMENT_MODEL", str(tmp_path / "missing.tflite"))
    with pytest.raises(ModelNotFoundError, match="no such file"):
        segment(np.zeros((32, 32, 3), np.float32))
    monkeypatch.delenv("BRIGHTROOM_SEGMENT_MODEL")
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelNotFoundError, match="mediapipe"):
        model_path()


def test_person_iou_on_lab_scene():
    _model_or_skip()
    sc = portrait_scene(size=512)
    s = segment(sc.display)
    m1, m2 = s.alpha >= 0.5, sc.matte >= 0.5
    iou = (m1 & m2).sum() / (m1 | m2).sum()
    assert s.found and s.confidence > 0.9
    assert iou >= 0.95
    assert s.alpha.dtype == np.float32 and s.alpha.shape == (512, 512)


def test_linear_image_input():
    _model_or_skip()
    sc = portrait_scene(size=256, hedge=False)
    s = segment(Image(sc.image, space="linear_rgb"))
    assert s.found


def test_no_person():
    _model_or_skip()
    flat = np.full((120, 160, 3), 0.5, np.float32)
    s = segment(flat)
    assert not s.found
    with pytest.raises(NoSubjectError, match="no person"):
        segment(flat, require=True)


def test_bad_params():
    with pytest.raises(ParameterError):
        SegmentParams(model="huge")
    with pytest.raises(ParameterError):
        SegmentParams(threshold=1.5)
    with pytest.raises(ParameterError):
        segment(np.zeros((10, 10), np.float32))
    with pytest.raises(ParameterError, match="unknown segmentation method 'sam'; known: "
                                             "mediapipe_selfie$"):
        segment(np.zeros((10, 10, 3), np.float32), method="sam")


def test_method_name_ignores_case():
    assert SEGMENT_METHODS["MediaPipe Selfie"] is SEGMENT_METHODS["mediapipe_selfie"]
    _model_or_skip()
    sc = portrait_scene(size=128, hedge=False)
    a = segment(sc.display, method="MEDIAPIPE_SELFIE")
    b = segment(sc.display)
    np.testing.assert_array_equal(a.alpha, b.alpha)
    assert a.method == "mediapipe_selfie"


def test_face_check_separates_people_from_salient_things():
    """The selfie model fires on a cat's face filling the frame (found before the face check);
    the face detector tells the astronaut and the cameraman (in profile) from it."""
    from skimage import data

    from brightroom.portrait.segment import detect_faces, face_model_path

    _model_or_skip()
    fp = face_model_path()
    assert fp is not None and fp.name == "face_detection_short_range.tflite"
    ast = data.astronaut().astype(np.float32) / 255
    score, (x, y) = detect_faces(ast, fp)
    assert score > 0.85 and 0.35 < x < 0.55 and 0.15 < y < 0.35  # her face
    cat = segment(data.chelsea().astype(np.float32) / 255)
    assert not cat.found and cat.coverage > 0.85 and "mask area" in cat.reason
    cam = segment(np.repeat(data.camera()[..., None], 3, axis=2).astype(np.float32) / 255)
    assert cam.found and cam.face is not None and cam.face >= 0.75
    coins = segment(np.repeat(data.coins()[..., None], 3, axis=2).astype(np.float32) / 255)
    assert not coins.found
    with pytest.raises(ParameterError):
        SegmentParams(max_area=0.001)
