"""Geometry: crop, flips and quarter turns pixel-exact (against NumPy's own operations), the
inscribed rectangle of a rotation, auto-straighten on scikit-image's cameraman, and the
perspective warp and upright on a synthetic facade photographed by a tilted / panned camera
(the distortion made with the homography of a known camera rotation, independently of the
detector)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from skimage import data

from brightroom.color.spaces import srgb_decode
from brightroom.edit.geometry import (
    FOCAL,
    apply_geometry,
    crop,
    flip,
    geometry_size,
    inscribed_scale,
    perspective_frame,
    rotate90,
    rotate_free,
    straighten_angle,
    upright,
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


def _facade(h: int = 360, w: int = 540) -> np.ndarray:
    """Window columns and floors: vertical and horizontal lines, slight noise."""
    img = np.full((h, w, 3), 0.6, np.float32)
    for x in range(25, w, 45):
        img[:, x:x + 4] = 0.1
    for y in range(20, h, 40):
        img[y:y + 3, :] = 0.15
    return img + np.random.default_rng(0).normal(0, 0.01, img.shape).astype(np.float32)


def _camera(img: np.ndarray, pitch: float = 0.0, roll: float = 0.0, pan: float = 0.0
            ) -> np.ndarray:
    """``img`` seen by the camera turned by ``R_y(pan) R_z(roll) R_x(pitch)`` (degrees): the
    homography ``K R K^-1`` with ``K`` of focal length FOCAL x the long side, centred."""
    h, w = img.shape[:2]
    f = FOCAL * max(w, h)
    t = np.radians([pitch, roll, pan])
    rx = np.array([[1, 0, 0], [0, np.cos(t[0]), -np.sin(t[0])], [0, np.sin(t[0]), np.cos(t[0])]])
    rz = np.array([[np.cos(t[1]), -np.sin(t[1]), 0], [np.sin(t[1]), np.cos(t[1]), 0], [0, 0, 1]])
    ry = np.array([[np.cos(t[2]), 0, np.sin(t[2])], [0, 1, 0], [-np.sin(t[2]), 0, np.cos(t[2])]])
    k = np.array([[f, 0, (w - 1) / 2], [0, f, (h - 1) / 2], [0, 0, 1]])
    m = k @ ry @ rz @ rx @ np.linalg.inv(k)
    return cv2.warpPerspective(img, m, (w, h), flags=cv2.INTER_CUBIC,
                               borderMode=cv2.BORDER_REFLECT)


def test_perspective_frame_stays_inside_the_photo_and_matches_rotation():
    # roll alone: the same inscribed rectangle as the free rotation
    _, ow, oh = perspective_frame(160, 100, 5.0, 0.0, 0.0)
    s = inscribed_scale(160, 100, 5)
    assert (ow, oh) == (int(160 * s), int(100 * s))
    for v, hz in ((12.0, 0.0), (-8.0, 6.0), (0.0, -15.0)):
        m, ow, oh = perspective_frame(600, 400, 1.0, v, hz)
        assert ow <= 600 and oh <= 400 and abs(ow / oh - 1.5) < 0.01
        corners = np.array([[-0.5, -0.5, 1], [ow - 0.5, -0.5, 1], [ow - 0.5, oh - 0.5, 1],
                            [-0.5, oh - 0.5, 1]]) @ m.T
        xy = corners[:, :2] / corners[:, 2:]
        assert (xy >= -0.5 - 1e-6).all() and (xy[:, 0] <= 599.5 + 1e-6).all() and \
            (xy[:, 1] <= 399.5 + 1e-6).all()
    g = Geometry(crop=(0.1, 0.0, 0.8, 1.0), vertical=10.0, horizontal=-5.0, angle=2.0)
    img = np.zeros((120, 200, 3), np.float32)
    assert apply_geometry(img, g).shape[:2] == geometry_size(img.shape, g)


def test_perspective_widens_the_top_for_positive_vertical():
    img = _facade()
    out = apply_geometry(img, Geometry(vertical=10.0))
    # the window columns are spread further apart at the top than at the bottom
    def spacing(row: np.ndarray) -> float:
        dark = np.nonzero(row.mean(-1) < 0.3)[0]
        runs = dark[np.r_[True, np.diff(dark) > 1]]
        return float(np.median(np.diff(runs)))
    assert spacing(out[5]) > 1.05 * spacing(out[-5])


def test_upright_vertical_and_full_recover_known_camera_turns():
    img = _facade()
    a, v, hz = upright(_camera(img, pitch=-8.0), "vertical")
    assert v == pytest.approx(8.0, abs=0.2) and a == pytest.approx(0.0, abs=0.1) and hz == 0
    a, v, hz = upright(_camera(img, pitch=6.0, roll=2.0), "vertical")
    # undoing R_z(2) R_x(6) is R_x(-6) R_z(-2): roll and tilt within a few hundredths
    assert v == pytest.approx(-6.0, abs=0.3) and a == pytest.approx(-2.0, abs=0.2)
    a, v, hz = upright(_camera(img, pan=10.0), "full")
    assert hz == pytest.approx(-10.0, abs=0.3) and abs(v) < 0.2 and abs(a) < 0.1
    # corrected, the verticals are parallel and upright: a second pass finds nothing to do
    fixed = apply_geometry(_camera(img, pitch=-8.0, pan=6.0), Geometry(
        **dict(zip(("angle", "vertical", "horizontal"), upright(
            _camera(img, pitch=-8.0, pan=6.0), "full")))))
    again = upright(fixed, "full")
    assert max(abs(x) for x in again) < 0.3, again


def test_perspective_and_upright_bad_input():
    with pytest.raises(ParameterError, match=r"vertical = 50.0 is outside \[-40.0, 40.0\]"):
        Geometry(vertical=50.0)
    with pytest.raises(ParameterError, match="upright 'diagonal'"):
        upright(_facade(), "diagonal")
    rng = np.random.default_rng(1)
    noise = rng.random((200, 300, 3)).astype(np.float32) * 0.2
    assert upright(noise, "vertical") is None and upright(noise, "full") is None
