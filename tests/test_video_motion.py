"""brightroom.video.motion: KLT similarity between frames against known warps."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import skimage.data

from brightroom.video.grundmann2011 import similarity_params
from brightroom.video.motion import KLTTracker, TrackParams, camera_path


def _pair(angle_deg=0.8, shift=(3.3, -2.1), scale=1.01):
    img = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2GRAY)
    a = img[100:460, 40:500]  # 460 x 360
    h, w = a.shape
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle_deg, scale)
    m[:, 2] += shift
    b = cv2.warpAffine(a, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    return a, b, m


def test_recovers_a_known_similarity():
    a, b, m = _pair()
    h, w = a.shape
    tr = KLTTracker((w, h), (w, h), TrackParams(width=w))
    tr.add(a)
    tr.add(b)
    got = tr.result()
    assert got.lost == 0 and got.inliers[0] > 50
    d = np.abs(similarity_params(got.pairs[0]) - similarity_params(m))
    assert d[0] < 0.1 and d[1] < 0.1 and d[2] < 2e-4 and d[3] < 2e-4, d


def test_moving_object_is_rejected():
    a, b, m = _pair(angle_deg=0.0, shift=(2.0, 1.0), scale=1.0)
    b = b.copy()
    b[120:220, 150:300] = np.roll(a[120:220, 150:300], 12, axis=1)  # a patch moving differently
    h, w = a.shape
    tr = KLTTracker((w, h), (w, h), TrackParams(width=w))
    tr.add(a)
    tr.add(b)
    p = similarity_params(tr.result().pairs[0])
    assert p[:2] == pytest.approx([2.0, 1.0], abs=0.15)


def test_featureless_pair_is_lost():
    flat = np.full((120, 160), 90, np.uint8)
    tr = KLTTracker((160, 120), (160, 120))
    tr.add(flat)
    tr.add(flat)
    res = tr.result()
    assert res.lost == 1
    np.testing.assert_allclose(res.pairs[0], [[1, 0, 0], [0, 1, 0]])


def test_camera_path_accumulates_inverse_motion():
    # content moving right by 2 px a frame = the camera panning left by 2 px a frame
    pairs = np.array([[[1.0, 0, 2.0], [0, 1.0, 0]]] * 4)
    path = camera_path(pairs, 100, 80)
    np.testing.assert_allclose(path[:, 0], [0, -2, -4, -6, -8], atol=1e-12)
