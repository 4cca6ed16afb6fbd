"""Tests of brightroom.charts.colorchecker's reference data and chart geometry.

Geometry references are hand-computed: an axis-aligned chart of 100 px cells, the simulated
chart's own ground-truth boxes, and rotated / perspective charts built from known maps.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from brightroom import charts
from brightroom.charts.colorchecker import (
    COLORCHECKER_GREY18,
    COLORCHECKER_GRID_CORNERS,
    COLORCHECKER_MID_GREYS,
    COLORCHECKER_NAMES,
    COLORCHECKER_NEUTRALS,
    COLORCHECKER_PATCH_FRACTION,
    COLORCHECKER_WB_NEUTRALS,
    colorchecker_grid_centres,
    colorchecker_grid_homography,
    colorchecker_grid_to_image,
    colorchecker_patch_boxes,
    colorchecker_reference_lab,
)
from brightroom.errors import ChartNotFoundError, ParameterError

# an axis-aligned chart: grid corner at (10, 20), 100 px cells
CORNERS = [(10.0, 20.0), (610.0, 20.0), (610.0, 420.0), (10.0, 420.0)]


def test_neutral_indices_name_the_neutral_row():
    assert [COLORCHECKER_NAMES[k].split()[0] for k in COLORCHECKER_NEUTRALS] == \
        ["white", "neutral", "neutral", "neutral", "neutral", "black"]
    assert COLORCHECKER_WB_NEUTRALS == COLORCHECKER_NEUTRALS[1:5]
    assert [COLORCHECKER_NAMES[k] for k in COLORCHECKER_MID_GREYS] == \
        ["neutral 6.5 (.44 D)", "neutral 5 (.70 D)"]
    assert COLORCHECKER_NAMES[COLORCHECKER_GREY18] == "neutral 5 (.70 D)"
    lab = colorchecker_reference_lab()[list(COLORCHECKER_NEUTRALS)]
    # X-Rite (2014): the neutrals are near-achromatic and darker along the row; neutral 5 L* 50.76
    assert np.all(np.diff(lab[:, 0]) < 0) and np.all(np.abs(lab[1:, 1:]) < 1.0)
    assert lab[3, 0] == pytest.approx(50.76, abs=0.01)


def test_grid_centres():
    c = colorchecker_grid_centres()
    assert c.shape == (24, 2)
    np.testing.assert_array_equal(c[0], [0.5, 0.5])
    np.testing.assert_array_equal(c[5], [5.5, 0.5])
    np.testing.assert_array_equal(c[23], [5.5, 3.5])


def test_homography_from_corners_by_hand():
    h = colorchecker_grid_homography(corners=CORNERS)
    np.testing.assert_allclose(colorchecker_grid_to_image(h, COLORCHECKER_GRID_CORNERS), CORNERS,
                               atol=1e-4)
    k = np.arange(24)
    expect = np.stack([10 + 100 * (k % 6 + 0.5), 20 + 100 * (k // 6 + 0.5)], axis=1)
    np.testing.assert_allclose(colorchecker_grid_to_image(h, colorchecker_grid_centres()), expect,
                               atol=1e-4)


def test_patch_boxes_by_hand():
    h = colorchecker_grid_homography(corners=CORNERS)
    boxes = colorchecker_patch_boxes(h, (440, 620))
    # patch 1: centre (x, y) = (60, 70); half side 0.5 * 0.5 * 0.84 * 100 = 21 px; pixels whose
    # centres lie in [c - 21, c + 21]
    np.testing.assert_array_equal(boxes[0], [49, 39, 92, 82])
    assert boxes.dtype == np.int64 and np.all(boxes[:, 2:] - boxes[:, :2] == 43)
    big = colorchecker_patch_boxes(h, fraction=1.0)  # the whole printed patch: 84 px
    np.testing.assert_array_equal(big[0], [28, 18, 113, 103])


def test_centres_give_the_same_grid_as_corners():
    h = colorchecker_grid_homography(corners=CORNERS)
    centres = colorchecker_grid_to_image(h, colorchecker_grid_centres()[[0, 5, 18]])
    np.testing.assert_allclose(colorchecker_grid_homography(centres=centres), h, atol=1e-9)


def test_simulated_chart_boxes_are_centred_inside_its_patches():
    s = charts.colorchecker(32)
    gt, centres = s.ground_truth["boxes"], s.ground_truth["centers"]  # (y, x), pixel centres
    # the grid's outer corners: half a pitch (40 px) outside the first and last patch centres
    c0, c23 = centres[0][::-1] - 20, centres[23][::-1] + 20
    corners = [(c0[0], c0[1]), (c23[0], c0[1]), (c23[0], c23[1]), (c0[0], c23[1])]
    boxes = colorchecker_patch_boxes(colorchecker_grid_homography(corners=corners), s.rgb.shape[:2])
    assert np.all(boxes[:, :2] >= gt[:, :2]) and np.all(boxes[:, 2:] <= gt[:, 2:])
    ctr = np.stack([(boxes[:, 0] + boxes[:, 2] - 1) / 2, (boxes[:, 1] + boxes[:, 3] - 1) / 2], 1)
    np.testing.assert_allclose(ctr, centres, atol=0.5)
    # the central half of the printed patch: 0.5 * 0.84 * 40 = 16.8 px
    assert np.all(np.abs(boxes[:, 2:] - boxes[:, :2] - 16.8) <= 1)


@pytest.mark.parametrize("angle", [0.0, 17.0, 45.0, 90.0, 135.0])
def test_boxes_stay_inside_rotated_patches(angle):
    t = math.radians(angle)
    rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    grid = np.array(COLORCHECKER_GRID_CORNERS)
    corners = (grid - [3, 2]) @ rot.T * 60 + [400, 400]
    h = colorchecker_grid_homography(corners=corners)
    boxes = colorchecker_patch_boxes(h, (800, 800))
    inv = np.linalg.inv(h)
    half = 0.5 * COLORCHECKER_PATCH_FRACTION
    for k, (y0, x0, y1, x1) in enumerate(boxes):
        # pixel-centre corners of the box, back in grid units: inside the printed patch
        pts = np.array([[x0, y0], [x1 - 1, y0], [x1 - 1, y1 - 1], [x0, y1 - 1]], np.float64)
        uv = cv2.perspectiveTransform(pts.reshape(-1, 1, 2), inv).reshape(4, 2)
        assert np.all(np.abs(uv - colorchecker_grid_centres()[k]) <= half * 0.5 + 1e-6), (k, uv)
        assert x1 - x0 >= 10


def test_quads_fit_a_perspective_chart():
    true = cv2.getPerspectiveTransform(np.array(COLORCHECKER_GRID_CORNERS, np.float32),
                                       np.array([[50, 40], [700, 90], [660, 520], [80, 430]],
                                                np.float32))
    c = colorchecker_grid_centres()
    sq = np.array([[-0.2, -0.2], [0.2, -0.2], [0.2, 0.2], [-0.2, 0.2]])
    quads = colorchecker_grid_to_image(true, c[:, None, :] + sq[None])
    fitted = colorchecker_grid_homography(quads=quads)
    # the quads' centroids are not the projected centres under perspective, but close
    np.testing.assert_allclose(colorchecker_grid_to_image(fitted, c),
                               colorchecker_grid_to_image(true, c), atol=0.5)


def test_bad_placements():
    with pytest.raises(ParameterError, match="exactly one"):
        colorchecker_grid_homography()
    with pytest.raises(ParameterError, match="exactly one"):
        colorchecker_grid_homography(corners=CORNERS, centres=CORNERS[:3])
    with pytest.raises(ParameterError, match="4"):
        colorchecker_grid_homography(corners=CORNERS[:3])
    with pytest.raises(ParameterError, match="enclose"):
        colorchecker_grid_homography(corners=[(0, 0), (6, 0), (6, 4), (0, 4)])
    with pytest.raises(ParameterError, match="24 x 4 x 2"):
        colorchecker_grid_homography(quads=np.zeros((23, 4, 2)))
    with pytest.raises(ParameterError, match="collinear"):
        colorchecker_grid_homography(centres=[(0, 0), (10, 10), (20, 20)])
    h = colorchecker_grid_homography(corners=CORNERS)
    for f in (0.0, 1.5):
        with pytest.raises(ParameterError, match="fraction"):
            colorchecker_patch_boxes(h, fraction=f)
    with pytest.raises(ChartNotFoundError, match="outside"):
        colorchecker_patch_boxes(h, (300, 620))
