"""Geometry: crop, flips and quarter turns pixel-exact (against NumPy's own operations), the
inscribed rectangle of a rotation, and auto-straighten on scikit-image's cameraman."""

from __future__ import annotations

import math

import numpy as np
import pytest
from skimage import data

from brightroom.color.spaces import srgb_decode
from brightroom.edit.geometry import (
    apply_geometry,
    crop,
    flip,
    geometry_size,
    inscribed_scale,
    rotate90,
    rotate_free,
    straighten_angle,
)
from brightroom.edit.params import Geometry
from brightroom.errors import ParameterError


@pytest.fixture(scope="module")
def img() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.random((30, 50, 3)).astype(np.float32)


def test_crop_flip_and_quarter_turns_are_exact(img):
    assert np.array_equal(crop(img, (10 / 50, 5 / 30, 20 / 50, 12 / 30)), img[5:17, 10:30])
    assert np.array_equal(flip(img, "h"), img[:, ::-1])
    assert np.array_equal(flip(img, "hv"), img[::-1, ::-1])
    assert np.array_equal(rotate90(img, 90), np.rot90(img, -1))
    assert np.array_equal(rotate90(img, 270), np.rot90(img, 1))
    # one clockwise turn: the top-left pixel goes to the top-right
    assert np.array_equal(rotate90(img, 90)[0, -1], img[0, 0])
    g = Geometry(crop=(0.2, 0.1, 0.5, 0.5), flip="v", rotate=180)
    want = np.rot90(img[3:18, 10:35][::-1], 2)
    assert np.array_equal(apply_geometry(img, g), want)
    assert geometry_size(img.shape, g) == want.shape[:2]
    with pytest.raises(ParameterError):
        rotate90(img, 45)


def test_inscribed_rectangle():
    assert inscribed_scale(100, 100, 45) == pytest.approx(1 / math.sqrt(2))
    assert inscribed_scale(100, 50, 0) == 1
    out = rotate_free(np.ones((100, 160, 3), np.float32), 5)
    s = inscribed_scale(160, 100, 5)
    assert out.shape[:2] == (int(100 * s), int(160 * s))
    assert np.allclose(out, 1, atol=1e-5)  # no border from outside the picture


@pytest.mark.slow
def test_auto_straighten_cameraman():
    cam = srgb_decode(np.repeat(data.camera()[..., None], 3, axis=2).astype(np.float32) / 255)
    for angle in (2.0, -4.0):
        found = straighten_angle(rotate_free(cam, angle))
        assert found == pytest.approx(-angle, abs=0.2)


def test_straighten_refuses_photos_without_lines():
    rng = np.random.default_rng(1)
    assert straighten_angle(rng.random((200, 300, 3)).astype(np.float32) * 0.2) is None
