"""Webcam-like ColorChecker frames: size and type, the truth boxes on uniform patches, the
chart where it was asked to be, a warm light left warm by the partial white balance, and bad
options refused."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.errors import ParameterError
from brightroom.lab.webcam_scenes import WEBCAM_LIGHTS, webcam_chart_frame


def test_frame_and_truth_boxes():
    fr = webcam_chart_frame("D65", size=(640, 360), seed=3, position=(0.4, 0.5), width=0.4)
    assert fr.image.shape == (360, 640, 3) and fr.image.dtype == np.uint8
    assert fr.boxes.shape == (24, 4) and fr.reference_lab.shape == (24, 3)
    for y0, x0, y1, x1 in fr.boxes:
        patch = fr.image[y0:y1, x0:x1].reshape(-1, 3).astype(float)
        assert patch.shape[0] >= 16 and patch.std(0).max() < 4  # inside one patch: noise only
    cx = (fr.boxes[:, 1] + fr.boxes[:, 3]).mean() / 2
    assert abs(cx - 0.4 * 640) < 15
    white = fr.image[fr.boxes[18, 0]:fr.boxes[18, 2], fr.boxes[18, 1]:fr.boxes[18, 3]].mean()
    black = fr.image[fr.boxes[23, 0]:fr.boxes[23, 2], fr.boxes[23, 1]:fr.boxes[23, 3]].mean()
    assert white > 150 > 60 > black


def test_tungsten_stays_warm_and_seeds_differ():
    d65, a = (webcam_chart_frame(WEBCAM_LIGHTS[k], size=(320, 180), seed=1)
              for k in ("daylight D65", "tungsten A"))
    grey = slice(19, 22)

    def rb(fr):
        m = np.array([fr.image[y0:y1, x0:x1].reshape(-1, 3).mean(0)
                      for y0, x0, y1, x1 in fr.boxes[grey]])
        return float((m[:, 0] / m[:, 2]).mean())

    assert rb(a) > 1.1 * rb(d65)
    other = webcam_chart_frame("D65", size=(320, 180), seed=2)
    assert not np.array_equal(other.image, d65.image)


def test_bad_options():
    with pytest.raises(ParameterError, match="160x120"):
        webcam_chart_frame(size=(100, 100))
    with pytest.raises(ParameterError, match="width"):
        webcam_chart_frame(width=0.05)
