"""brightroom.portrait.depth and the render_portrait entry point."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.errors import ParameterError
from brightroom.portrait.bokeh import BokehParams
from brightroom.portrait.depth import align_depth, auto_focus, layered_depth
from brightroom.portrait.photo import NoSubjectError, render_portrait
from conftest import segmentation_model as _need_model
from conftest import shared_file


def test_layered_depth_ground_plane():
    a = np.zeros((100, 80), np.float32)
    a[30:90, 30:50] = 1
    z = layered_depth(a, subject_distance=2.0, background_distance=10.0, horizon=0.4,
                      camera_height=1.5, vertical_fov=45.0)
    assert np.all(z[30:90, 30:50] == 2.0)
    assert np.all(z[:40, 0] == 10.0)  # above the horizon: far background
    col = z[45:, 0]
    assert np.all(np.diff(col) <= 0)  # the ground comes nearer towards the frame bottom
    f_px = 50 / np.tan(np.radians(22.5))
    assert z[99, 0] == pytest.approx(max(f_px * 1.5 / (99 - 40), 2.1), rel=1e-4)


def test_auto_focus():
    z = np.full((60, 60), 5.0, np.float32)
    z[10:50, 10:50] = 2.0
    z[0:2, 0:2] = 0.5  # a small near speck is not "large"
    assert auto_focus(z) == pytest.approx(2.0)
    m = np.zeros((60, 60), np.float32)
    m[50:, :] = 1
    assert auto_focus(z, m) == pytest.approx(5.0)
    with pytest.raises(ParameterError):
        auto_focus(np.full((4, 4), np.nan, np.float32))


def test_align_depth_snaps_to_edges():
    guide = np.zeros((80, 80, 3), np.float32)
    guide[:, 40:] = 1.0
    z = np.full((10, 10), 5.0, np.float32)
    z[:, 5:] = 1.0
    out = align_depth(z, guide, radius=4)
    assert out.shape == (80, 80)
    assert out[40, 36] > 3.0 and out[40, 44] < 1.3
    assert out[40, 39] - out[40, 40] > 1.5  # the depth edge sits on the picture edge
    with pytest.raises(ParameterError):
        align_depth(np.ones((10, 20), np.float32), guide)


def test_no_person_no_depth_raises():
    _need_model()
    flat = np.full((64, 64, 3), 0.5, np.float32)
    with pytest.raises(NoSubjectError, match="no person"):
        render_portrait(flat)


def test_depth_only_falls_back(rng):
    _need_model()
    img = rng.random((64, 64, 3)).astype(np.float32)
    z = np.full((64, 64), 4.0, np.float32)
    z[:, :32] = 1.0
    r = render_portrait(img, depth=z, params=BokehParams(noise=False))
    assert r.depth_source == "file" and r.person_found is False
    assert any("no person" in n for n in r.notes)
    assert r.focus_distance == pytest.approx(1.0, rel=0.05)


def test_focus_point(rng):
    img = rng.random((64, 64, 3)).astype(np.float32)
    z = np.full((64, 64), 4.0, np.float32)
    z[:, :32] = 1.0
    r = render_portrait(img, depth=z, focus=(51, 32), use_segmentation=False)  # pixels
    assert r.focus_distance == pytest.approx(4.0, rel=0.05) and r.focus_source == "point"
    r = render_portrait(img, depth=z, focus="20%, 50%", use_segmentation=False)
    assert r.focus_distance == pytest.approx(1.0, rel=0.05)
    with pytest.raises(ParameterError, match="outside the 64x64 picture"):
        render_portrait(img, depth=z, focus=(70, 10), use_segmentation=False)
    with pytest.raises(ParameterError):
        render_portrait(img, depth=z, focus="middle", use_segmentation=False)
    with pytest.raises(ParameterError):
        render_portrait(img, depth=z, right=img)


def test_segmentation_only_portrait():
    from brightroom.lab.portrait_scenes import portrait_scene

    _need_model()
    sc = portrait_scene(size=256)
    r = render_portrait(sc.display, params=BokehParams(noise=False))
    assert r.depth_source == "layered" and r.person_found
    face = (slice(60, 100), slice(95, 130))
    assert np.abs(r.image[face] - sc.display[face]).mean() < 0.01  # the person stays sharp


@pytest.mark.slow
@pytest.mark.realdata
def test_iphone_heic_uses_its_depth():
    from brightroom.io import read_image
    from brightroom.io.depth import read_depth

    path = shared_file("iphone-portrait-depth.heic")
    img = read_image(path)
    small = img.replace(data=np.ascontiguousarray(img.data[::4, ::4]))
    r = render_portrait(small, depth=read_depth(path), focus="45%,75%",
                        params=BokehParams(noise=False))
    assert r.depth_source == "file" and r.image.data.shape == small.data.shape
    # the wall behind the pug is blurred: less high-frequency energy than the input
    wall = (slice(50, 250), slice(500, 900))
    hf = lambda a: np.abs(np.diff(a[wall].mean(axis=2), axis=1)).mean()  # noqa: E731
    assert hf(r.image.data) < 0.8 * hf(small.data)


def test_auto_focus_centre_weighted_near_layer():
    """No matte: the near layer's point nearest the centre of interest, not the nearest thing.
    A near object at the frame's corner (a bed's edge, a branch) does not take the focus from a
    subject in the middle; without a depth range the nearest large region is used."""
    z = np.full((120, 160), 6.0, np.float32)
    z[40:100, 60:100] = 2.0  # the subject, central
    z[90:, 130:] = 0.8  # nearer, but in the corner
    assert auto_focus(z) == pytest.approx(2.0, rel=0.02)
    ramp = np.repeat(np.linspace(5.0, 1.0, 120, dtype=np.float32)[:, None], 160, axis=1)
    assert 1.0 < auto_focus(ramp) < 3.0  # a receding ground: its near part, towards the centre
    flat = np.full((50, 50), 3.0, np.float32)
    flat[:2, :2] = 1.0
    assert auto_focus(flat) == pytest.approx(3.0)  # no depth range: the nearest large region
