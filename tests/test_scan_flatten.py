"""Aspect ratio from a projected rectangle of known shape (pinhole geometry, Zhang and He 2007)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from brightroom.scan.flatten import page_aspect, rectify


def _project(w, h, tilt_deg, f, size=(3000, 4000), axis=(1.0, 0.3, 0.0)):
    c = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]])
    ax = np.array(axis) / np.linalg.norm(axis)
    R = cv2.Rodrigues(ax * np.radians(tilt_deg))[0]
    X = c @ R.T + np.array([0, 0, 2.2 * f * max(w, h) / min(size)])
    return f * X[:, :2] / X[:, 2:3] + np.array([size[1] / 2, size[0] / 2])


@pytest.mark.parametrize("tilt", [15, 30, 40])
def test_true_aspect_of_a_tilted_rectangle(tilt):
    q = _project(1000, 1600, tilt, f=3000)  # ratio 1.6 (no standard paper)
    ratio, paper = page_aspect(q, (3000, 4000))
    assert paper is None
    assert ratio == pytest.approx(1.6, rel=0.01)
    # the naive mean of side lengths is visibly wrong at this tilt
    naive = np.hypot(*(q[3] - q[0])) / np.hypot(*(q[1] - q[0]))
    assert abs(naive / 1.6 - 1) > 0.01 or tilt < 20


def test_snaps_to_a4():
    q = _project(210, 297, 25, f=3000)
    ratio, paper = page_aspect(q, (3000, 4000))
    assert paper == "A4" and ratio == pytest.approx(2 ** 0.5)


def test_rectify_maps_the_quad_to_the_page():
    img = np.zeros((300, 400, 3), np.uint8)
    q = np.array([[100, 50], [300, 60], [310, 250], [90, 240]], float)
    cv2.fillConvexPoly(img, q.astype(np.int32), (255, 255, 255))
    page, _ = rectify(img, q)
    inner = page[5:-5, 5:-5]
    assert inner.min() == 255  # all paper, no background pulled in
