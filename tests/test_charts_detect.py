"""Tests of brightroom.charts.detect: ColorChecker detection on simulated and real photos."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom import charts
from brightroom.charts.detect import colorchecker_boxes, detect_colorchecker
from brightroom.errors import ChartNotFoundError
from brightroom.lab.camera import simulate
from conftest import shared_file


@pytest.mark.parametrize("cct", ["D65", "A"])
def test_detects_simulated_colorchecker_inside_true_patches(cct):
    s = charts.colorchecker(40)
    raw = simulate(s, lux=500, cct=cct, seed=1)
    boxes = colorchecker_boxes(raw)
    gt = s.ground_truth["boxes"]
    assert boxes.shape == (24, 4)
    assert np.all(boxes[:, :2] >= gt[:, :2]) and np.all(boxes[:, 2:] <= gt[:, 2:])
    assert np.all(boxes[:, 2:] - boxes[:, :2] >= 8)


def test_detects_on_linear_rgb_truth():
    s = charts.colorchecker(32)
    d = detect_colorchecker(charts.scene_truth_rgb(s))
    gt = s.ground_truth["boxes"]
    assert np.all(d.boxes[:, :2] >= gt[:, :2]) and np.all(d.boxes[:, 2:] <= gt[:, 2:])
    # the sample boxes of brightroom.charts.colorchecker: the central half of each printed patch
    # (0.5 * 0.84 * the 40 px pitch = 16.8 px)
    assert np.all(np.abs(d.boxes[:, 2:] - d.boxes[:, :2] - 16.8) <= 1.5)


def test_no_chart_raises():
    with pytest.raises(ChartNotFoundError):
        detect_colorchecker(charts.flat(128, 0.3).rgb)


@pytest.mark.realdata
def test_real_canon_dng():
    path = shared_file("colorchecker-canon.dng")
    from brightroom.io import read

    raw = read(path)
    boxes = colorchecker_boxes(raw)
    idx = raw.pattern.channel_index(*raw.shape)
    g = [raw.cfa[y0:y1, x0:x1][idx[y0:y1, x0:x1] == 1].mean() for y0, x0, y1, x1 in boxes]
    neutrals = np.array(g[18:24])
    # white ... black: strictly darker along the neutral row, white ~ 7x the neutral 3.5
    assert np.all(np.diff(neutrals) < 0)
    assert neutrals[0] / neutrals[4] > 4
