"""Guided filter against OpenCV-contrib's independent implementation (ximgproc.guidedFilter)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from brightroom.errors import ParameterError
from brightroom.portrait.he2013 import box_mean, guided_filter, guided_filter_fast


@pytest.fixture
def pair(rng):
    g = rng.random((80, 96)).astype(np.float32)
    g = cv2.GaussianBlur(g, (0, 0), 2)
    g[:, 48:] += 0.5
    p = (g > 0.75).astype(np.float32) + 0.1 * rng.random((80, 96)).astype(np.float32)
    return g, p


def test_box_mean_matches_opencv(pair):
    g, _ = pair
    ref = cv2.blur(g, (7, 7), borderType=cv2.BORDER_CONSTANT)  # interior identical
    np.testing.assert_allclose(box_mean(g, 3)[3:-3, 3:-3], ref[3:-3, 3:-3], atol=1e-5)


def test_reference_matches_ximgproc(pair):
    g, p = pair
    ours = guided_filter(g, p, 4, 1e-3)
    ref = cv2.ximgproc.guidedFilter(g, p, 4, 1e-3)
    np.testing.assert_allclose(ours[10:-10, 10:-10], ref[10:-10, 10:-10], atol=2e-3)


def test_fast_matches_reference(pair):
    g, p = pair
    a = guided_filter(g, p, 4, 1e-3)
    b = guided_filter_fast(g, p, 4, 1e-3)
    np.testing.assert_allclose(a[10:-10, 10:-10], b[10:-10, 10:-10], atol=1e-4)
    c = guided_filter_fast(g, p, 8, 1e-3, subsample=2)
    assert np.abs(c - guided_filter(g, p, 8, 1e-3))[16:-16, 16:-16].mean() < 0.02


def test_edge_preserved(pair):
    g, _ = pair
    step = (g > g.mean()).astype(np.float32)
    out = guided_filter(g, step, 4, 1e-4)
    assert out.dtype == np.float32 and out.shape == g.shape
    np.testing.assert_array_equal(g, pair[0])  # input untouched


def test_bad_args(pair):
    g, p = pair
    with pytest.raises(ParameterError):
        guided_filter(g, p[:10], 2, 1e-3)
    with pytest.raises(ParameterError):
        guided_filter_fast(g, p, 0, 1e-3)
