"""brightroom.video.rolling_shutter: per-row correction against clips rendered row by row."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from brightroom.errors import ParameterError
from brightroom.lab.video_scenes import render_clip
from brightroom.video.grundmann2011 import similarity_matrix
from brightroom.video.rolling_shutter import (
    correct_frame,
    frame_velocity,
    readout_frames,
    rs_maps,
    warp_rs,
)
from brightroom.video.stabilize import warp_yuv420p

W, H = 320, 180


def _pairs(path, w=W, h=H):
    c = np.array([[1, 0, (w - 1) / 2], [0, 1, (h - 1) / 2], [0, 0, 1.0]])
    m = similarity_matrix(path)
    return (c @ np.linalg.inv(m[1:]) @ m[:-1] @ np.linalg.inv(c))[:, :2]


def _psnr(a, b, m=12):
    d = a[m:-m, m:-m].astype(np.float64) - b[m:-m, m:-m]
    return 10 * np.log10(255 ** 2 / np.mean(d ** 2))


def test_readout_frames():
    assert readout_frames(20.0, 30.0) == pytest.approx(0.6)
    with pytest.raises(ParameterError, match="longer than a frame"):
        readout_frames(40.0, 30.0)
    with pytest.raises(ParameterError, match=r"\[0, 100\]"):
        readout_frames(-1.0, 30.0)


def test_frame_velocity_of_a_constant_pan():
    pairs = np.tile(np.array([[1.0, 0, 3.0], [0, 1.0, -2.0]]), (4, 1, 1))
    d = frame_velocity(pairs)
    assert d.shape == (5, 3, 3)
    np.testing.assert_allclose(d[:, :2, 2], np.tile([3.0, -2.0], (5, 1)), atol=1e-12)
    np.testing.assert_allclose(d[:, :2, :2], 0, atol=1e-12)
    np.testing.assert_allclose(d[:, 2], 0)


def test_no_readout_is_the_plain_warp():
    rng = np.random.default_rng(0)
    planes = rng.integers(0, 255, (H * 3 // 2, W), dtype=np.uint8)
    warp = cv2.getRotationMatrix2D((100, 80), 1.5, 1.02)
    d = np.zeros((3, 3))
    d[0, 2] = 5.0
    a = warp_rs(planes, warp, d, 0.0, W, H)
    b = warp_yuv420p(planes, warp, W, H)
    assert np.abs(a.astype(int) - b).max() <= 1
    xs, ys = np.meshgrid(np.arange(W, dtype=np.float32), np.arange(H, dtype=np.float32))
    mx, my = rs_maps(warp, d, 0.5, W, H, xs, ys)
    # the middle row is at the frame's time; the last row half a readout later
    gx = warp[0, 0] * xs + warp[0, 1] * ys + warp[0, 2]
    gy = warp[1, 0] * xs + warp[1, 1] * ys + warp[1, 2]
    dl = 0.5 * (gy - (H - 1) / 2) / H
    np.testing.assert_allclose(mx - gx, 5.0 * dl, atol=1e-3)
    np.testing.assert_allclose(my, gy, atol=1e-3)


@pytest.mark.parametrize("readout", [0.5, 0.9])
def test_correction_restores_the_global_shutter_frame(readout):
    n = 4
    path = np.zeros((n, 4))
    path[:, 0] = 9.0 * np.arange(n)
    path[:, 1] = -4.0 * np.arange(n)
    path[:, 2] = 0.006 * np.arange(n)
    gs = render_clip(path, (W, H), objects=0).frames
    rs = render_clip(path, (W, H), objects=0, readout=readout).frames
    d = frame_velocity(_pairs(path))
    for t in (1, 2):
        before = _psnr(rs[t], gs[t])
        after = _psnr(correct_frame(rs[t], d[t], readout), gs[t])
        assert after > before + 12 and after > 36


def test_refit_undoes_the_skew_the_first_fit_took_for_rotation():
    from brightroom.video.rolling_shutter import fit_similarity, refit_pairs

    rng = np.random.default_rng(3)
    h, rho = 720, 0.8
    # a camera panning at a changing speed: pairs t -> t+1 of pure translation
    vel = np.array([[8.0, -3.0], [14.0, 2.0], [4.0, 6.0], [10.0, -5.0]])
    true = np.array([[[1.0, 0, vx], [0, 1.0, vy]] for vx, vy in vel])
    d = frame_velocity(true)
    pts, raw = [], []
    for k in range(len(true)):
        g0 = rng.uniform([0, 0], [1280, h], (150, 2))
        g1 = g0 + vel[k]

        def rs(x, dk):  # where a rolling shutter records a global-shutter point
            dl = rho * (x[:, 1] - (h - 1) / 2) / h
            return x + dl[:, None] * (x @ dk[:2, :2].T + dk[:2, 2])

        p0, p1 = rs(g0, d[k]), rs(g1, d[k + 1])
        pts.append((p0, p1))
        raw.append(fit_similarity(p0, p1))
    raw = np.asarray(raw)
    fixed = refit_pairs(pts, raw, rho, h)
    err_raw = np.abs(raw - true).max()
    err_fixed = np.abs(fixed - true).max()
    assert err_raw > 1e-3 and err_fixed < 0.1 * err_raw
    np.testing.assert_allclose(fit_similarity(pts[0][0], pts[0][0] + 2.0)[:, 2], 2.0)
