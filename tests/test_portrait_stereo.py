"""brightroom.portrait.stereo against the Middlebury motorcycle ground truth (scikit-image)."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.errors import InputError, ParameterError
from brightroom.portrait.photo import stereo_depth
from brightroom.portrait.stereo import (
    StereoParams,
    depth_from_disparity,
    disparity,
    disparity_errors,
    fill_invalid,
)
from conftest import shared_file


@pytest.fixture(scope="module")
def moto():
    from skimage import data

    return data.stereo_motorcycle()


def test_middlebury_bad2(moto):
    left, right, truth = moto
    d = disparity(left, right)
    e = disparity_errors(d, truth)
    assert e["bad"] < 20.0 and e["mae"] < 2.0 and e["coverage"] > 85.0
    raw = disparity_errors(disparity(left, right, params=StereoParams(wls=False)), truth)
    assert raw["coverage"] < e["coverage"]


def test_size_mismatch(moto):
    left, right, _ = moto
    with pytest.raises(InputError, match="differ in size"):
        disparity(left, right[:, :-4])


def test_depth_from_disparity_middlebury_calibration():
    # Middlebury 2014 motorcycle calib: f = 3979.911 px, baseline 193.001 mm, doffs 124.343
    z = depth_from_disparity(np.array([[100.0, -200.0]]), 3979.911, 0.193001, 124.343)
    assert z[0, 0] == pytest.approx(3979.911 * 0.193001 / 224.343, rel=1e-6)
    assert np.isnan(z[0, 1])
    with pytest.raises(ParameterError):
        depth_from_disparity(np.ones((2, 2)), 0, 1)


def test_fill_invalid_takes_far_side():
    d = np.array([[np.nan, 5.0, np.nan, np.nan, 2.0, np.nan]], np.float32)
    np.testing.assert_array_equal(fill_invalid(d), [[5.0, 5.0, 2.0, 2.0, 2.0, 2.0]])


def test_disparity_errors_by_hand():
    t = np.array([[10.0, 20.0, np.inf, 5.0]], np.float32)
    e = np.array([[11.0, 23.0, 4.0, np.nan]], np.float32)
    r = disparity_errors(e, t)
    assert r["bad"] == pytest.approx(200 / 3) and r["mae"] == pytest.approx(2.0)
    assert r["coverage"] == pytest.approx(200 / 3)


@pytest.mark.slow
@pytest.mark.realdata
def test_iphone_spatial_photo():
    from brightroom.io.depth import read_stereo_pair

    left, right = read_stereo_pair(shared_file("iphone-spatial-stereo.heic"))
    z = stereo_depth(left[::2, ::2], right[::2, ::2])
    assert z.shape == (1280, 1280) and np.isfinite(z).mean() > 0.99
    # the potted plant in the lower middle is nearer than the house wall at the top
    assert np.median(z[900:1100, 450:650]) < np.median(z[50:250, 300:700])
