"""Tests of brightroom.lab.camera.burst: ground-truth warps, moving subject, noise."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom import charts
from brightroom.errors import ParameterError
from brightroom.lab.camera.burst import SubjectMotion, shake_warps, simulate_burst


def _quarter(raw):
    """Sum of each 2x2 Bayer cell: a half-resolution luminance-like image."""
    c = raw.cfa.astype(np.float64)
    return (c[0::2, 0::2] + c[0::2, 1::2] + c[1::2, 0::2] + c[1::2, 1::2]).astype(np.float32)


def _blob_scene(n=128, sigma=5.0):
    y, x = np.mgrid[0:n, 0:n].astype(np.float64)
    g = 0.05 + 0.8 * np.exp(-((x - n / 2) ** 2 + (y - n / 2) ** 2) / (2 * sigma**2))
    return charts.Scene(rgb=np.repeat(g[:, :, None], 3, axis=2).astype(np.float32))


def test_burst_translations_match_measured_shifts():
    scene = _blob_scene()
    frames = simulate_burst(scene, 5, shake_px=3.0, rotation_deg=0.0, lux=1000, seed=3,
                            noise=False, optics=False)

    def centroid(raw):
        q = _quarter(raw).astype(np.float64)
        q -= np.median(q)
        yy, xx = np.mgrid[0:q.shape[0], 0:q.shape[1]]
        return (q * xx).sum() / q.sum(), (q * yy).sum() / q.sum()

    cx0, cy0 = centroid(frames[0])
    for f in frames[1:]:
        cx, cy = centroid(f)
        dx, dy = f.metadata["lab"]["burst"]["translation"]
        # frame(x) = scene(x + d): content moves by -d; the quarter image is half resolution
        assert cx - cx0 == pytest.approx(-dx / 2, abs=0.02)
        assert cy - cy0 == pytest.approx(-dy / 2, abs=0.02)


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
