"""Tests of brightroom.lab.camera.burst: ground-truth warps, moving subject, noise."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from brightroom import charts
from brightroom.errors import ParameterError
from brightroom.lab.camera.burst import SubjectMotion, shake_warps, simulate_burst


def _quarter(raw):
    """Sum of each 2x2 Bayer cell: a half-resolution luminance-like image."""
    c = raw.cfa.astype(np.float64)
    return (c[0::2, 0::2] + c[0::2, 1::2] + c[1::2, 0::2] + c[1::2, 1::2]).astype(np.float32)


def test_burst_translations_match_measured_shifts():
    scene = charts.dead_leaves(192, rmin=3, seed=4, supersample=2)
    frames = simulate_burst(scene, 4, shake_px=3.0, rotation_deg=0.0, lux=1000, seed=3,
                            noise=False, optics=False)
    ref = _quarter(frames[0])
    win = cv2.createHanningWindow(ref.shape[::-1], cv2.CV_32F)
    for f in frames[1:]:
        (sx, sy), _ = cv2.phaseCorrelate(ref, _quarter(f), win)
        dx, dy = f.metadata["lab"]["burst"]["translation"]
        # frame(x) = scene(x + d): content moves by -d; half resolution
        assert sx == pytest.approx(-dx / 2, abs=0.1)
        assert sy == pytest.approx(-dy / 2, abs=0.1)


def test_frames_share_exposure_and_have_independent_noise():
    scene = charts.flat(64, 0.3)
    frames = simulate_burst(scene, 3, shake_px=0.0, rotation_deg=0.0, seed=1, optics=False)
    assert len({(f.camera.iso, f.camera.exposure_time) for f in frames}) == 1
    d = frames[1].cfa.astype(np.float64) - frames[2].cfa
    prof = frames[0].camera.noise_profile
    x = frames[1].cfa[frames[1].pattern.channel_index(64, 64) == 1].mean()
    assert np.var(d[frames[1].pattern.channel_index(64, 64) == 1]) / 2 == pytest.approx(
        prof.variance(x, 1), rel=0.15)
    again = simulate_burst(scene, 3, shake_px=0.0, rotation_deg=0.0, seed=1, optics=False)
    np.testing.assert_array_equal(frames[2].cfa, again[2].cfa)


def test_moving_subject_mask_follows_velocity():
    scene = charts.flat(96, 0.2)
    subj = SubjectMotion((30, 20, 50, 40), velocity=(1.0, 5.0))
    frames = simulate_burst(scene, 4, shake_px=0.0, rotation_deg=0.0,
                            moving_subject=subj, noise=False, optics=False)
    for k, f in enumerate(frames):
        m = f.metadata["lab"]["burst"]["subject_mask"]
        ys, xs = np.nonzero(m)
        assert ys.mean() == pytest.approx(39.5 + k * 1.0, abs=0.3)
        assert xs.mean() == pytest.approx(29.5 + k * 5.0, abs=0.3)


def test_shake_warps_reference_is_identity_and_rotation_is_rigid():
    ws = shake_warps(5, (100, 200), shake_px=2, rotation_deg=0.5, seed=9)
    np.testing.assert_allclose(ws[0]["warp"], [[1, 0, 0], [0, 1, 0]])
    for w in ws[1:]:
        lin = w["warp"][:, :2]
        np.testing.assert_allclose(lin @ lin.T, np.eye(2), atol=1e-12)
        # the centre moves by the translation only
        c = np.array([99.5, 49.5, 1.0])
        np.testing.assert_allclose(w["warp"] @ c - c[:2], w["translation"], atol=1e-9)
    with pytest.raises(ParameterError):
        shake_warps(0, (10, 10))
