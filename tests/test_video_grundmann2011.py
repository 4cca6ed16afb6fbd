"""brightroom.video.grundmann2011: the L1-optimal path, its crop constraint, windows."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from brightroom.errors import ParameterError
from brightroom.video.grundmann2011 import (
    PathParams,
    output_warps,
    similarity_matrix,
    similarity_params,
    solve_path,
)

W, H = 320, 180


def _shake(n, amp=4.0, roll=0.01, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 30
    cam = np.zeros((n, 4))
    for ax, a in ((0, amp), (1, amp), (2, roll)):
        for f in (2.3, 5.1, 8.7):
            cam[:, ax] += a / 3 * np.sin(2 * np.pi * f * t + rng.uniform(0, 6))
    return cam


def _corners_inside(path, w=W, h=H, tol=0.6):
    warps = path.warps(w, h)
    pts = np.array([[0, 0, 1], [w - 1, 0, 1], [w - 1, h - 1, 1], [0, h - 1, 1]], float).T
    for m in warps:
        q = m @ pts
        assert q[0].min() >= -0.5 - tol and q[0].max() <= w - 0.5 + tol
        assert q[1].min() >= -0.5 - tol and q[1].max() <= h - 0.5 + tol


def test_similarity_matches_opencv():
    # cv2.getRotationMatrix2D about the origin: angle in degrees counter-clockwise on screen
    # (a clockwise rotation in y-down maths), scale
    m = cv2.getRotationMatrix2D((0, 0), -10.0, 1.2)
    p = similarity_params(m)
    assert p[2] == pytest.approx(np.deg2rad(10.0)) and np.exp(p[3]) == pytest.approx(1.2)
    np.testing.assert_allclose(similarity_matrix(p)[:2], m, atol=1e-12)


def test_shake_on_a_still_camera_is_removed_within_the_crop():
    cam = _shake(90)
    path = solve_path(cam, W, H, fps=30)
    assert 0.85 <= path.crop ** 2 <= 1.0
    # the stabilised path barely moves; the camera moves about 1 px a frame
    assert np.abs(np.diff(path.params[:, :2], axis=0)).mean() < 0.05 * np.abs(
        np.diff(cam[:, :2], axis=0)).mean()
    _corners_inside(path)


def test_constant_pan_is_kept():
    n = 60
    cam = np.zeros((n, 4))
    cam[:, 0] = 3.0 * np.arange(n)
    cam[:, 3] = 0.002 * np.arange(n)  # a slow zoom
    path = solve_path(cam, W, H, fps=30, crop=0.9)
    # at a fixed crop a straight line costs nothing: the path is the camera's up to a constant
    d = path.params - cam
    assert np.ptp(d[:, 0]) < 0.05 and np.ptp(d[:, 3]) < 1e-4


def test_fixed_crop_and_horizon_lock():
    cam = _shake(60, roll=0.004)
    path = solve_path(cam, W, H, fps=30, crop=0.9, params=PathParams(horizon_lock=True))
    assert path.crop == 0.9
    np.testing.assert_allclose(path.params[:, 2], 0.0, atol=1e-9)
    _corners_inside(path)


def test_windows_join_without_a_jump():
    cam = _shake(160, seed=3)
    cam[:, 0] += 1.5 * np.arange(160)
    one = solve_path(cam, W, H, fps=30, crop=0.9)
    win = solve_path(cam, W, H, fps=30, crop=0.9, params=PathParams(window=60, overlap=20))
    assert np.abs(np.diff(win.params[:, :2], 2, axis=0)).max() < 1.0
    assert np.abs(win.params[:, :2] - one.params[:, :2]).max() < 8.0
    _corners_inside(win)


def test_output_warps_identity_without_motion():
    cam = np.zeros((2, 4))
    m = output_warps(cam, cam, 1.0, W, H)
    np.testing.assert_allclose(m[0], [[1, 0, 0], [0, 1, 0]], atol=1e-12)


def test_bad_input():
    with pytest.raises(ParameterError, match="N x 4"):
        solve_path(np.zeros((5, 3)), W, H)
    with pytest.raises(ParameterError, match="crop"):
        solve_path(np.zeros((5, 4)), W, H, crop=1.5)
    with pytest.raises(ParameterError, match="min_crop"):
        PathParams(min_crop=0.1)


def test_local_quadratic_keeps_parabolas_and_removes_shake():
    from brightroom.video.grundmann2011 import intended_motion, local_quadratic

    t = np.arange(90, dtype=np.float64)
    par = np.stack([3 + 0.5 * t - 0.02 * t ** 2, -t], axis=1)
    np.testing.assert_allclose(local_quadratic(par, 8.0), par, atol=1e-6)
    wob = 4 * np.sin(2 * np.pi * 5.0 * t / 30)  # 5 Hz at 30 fps
    assert np.abs(local_quadratic(wob, 8.0)[20:-20]).max() < 0.05
    with pytest.raises(ParameterError, match="intent"):
        intended_motion(par, 8.0, "median")
    with pytest.raises(ParameterError, match="intent"):
        PathParams(intent="box")


def test_eased_pans_and_zooms_are_kept_within_2px():
    # the bar on exact paths: the lab's eased pan and zoom with hand shake; the output's
    # low-frequency motion (composed exactly with the true camera) follows the intended path
    from brightroom.lab.video_scenes import (
        intended_path,
        output_points,
        path_error,
        residual_shake,
        shake,
    )

    w, h = 1280, 720
    for kind, amp, roll, seed in (("pan", 8.0, 1.0, 2), ("zoom", 6.0, 0.3, 3)):
        it = intended_path(kind, 120)
        true = it + shake(120, amp_px=amp, roll_deg=roll, seed=seed)
        path = solve_path(true - true[0], w, h, fps=30)
        ex = output_points(true, path.warps(w, h), w, h)
        assert path_error(ex, it, path.crop, w, h) < 2.0
        assert residual_shake(ex) < 0.1 and path.crop ** 2 >= 0.85
        v1 = solve_path(true - true[0], w, h, fps=30,
                        params=PathParams(w0=1.0, intent_sigma_s=0.0))  # version 1's pull
        ex1 = output_points(true, v1.warps(w, h), w, h)
        assert path_error(ex1, it, v1.crop, w, h) > 3.0
