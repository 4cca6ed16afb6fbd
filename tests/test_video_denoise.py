"""brightroom.video.denoise: the robust temporal merge, its numba schedule, the noise fit."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.color.metrics import psnr
from brightroom.color.spaces import srgb_encode
from brightroom.errors import ParameterError
from brightroom.io.video import read_frames_uint8, write_video
from brightroom.lab.video_scenes import add_sensor_noise, render_clip, shake
from brightroom.video.denoise import (
    LINEAR_LUT,
    DenoiseParams,
    denoise_video,
    estimate_noise,
    merge_frames,
    merge_reference,
    wiener_reference,
)


def test_numba_merge_matches_the_reference():
    rng = np.random.default_rng(1)
    ref = rng.integers(0, 256, (24, 40, 3), dtype=np.uint8)
    neigh = np.clip(ref[None].astype(int) + rng.integers(-12, 13, (4, 24, 40, 3)), 0,
                    255).astype(np.uint8)
    neigh[1, :10] = 255 - neigh[1, :10]  # a "moving" region: rejected
    maps = np.array([[[1.0, 0, 0], [0, 1.0, 0]]] * 4)
    maps[2, 0, 2] = -5.0  # neighbour 2 does not cover the first five columns
    maps[3, :, :2] = [[0.999, 0.01], [-0.01, 0.999]]
    ref_lin, vf = merge_reference(ref, neigh, maps, 0.004, 1e-4, 3.0)
    want = np.floor(np.clip(srgb_encode(np.clip(ref_lin, 0, 1)) * 255 + 0.5, 0, 255))
    got = merge_frames(ref, neigh, maps, 0.004, 1e-4, 3.0, spatial=0.0).astype(float)
    assert np.abs(got - want).max() <= 1.0
    assert vf.min() >= 1 / 5 - 1e-6 and vf.max() <= 1.0  # 1 / (frames merged) .. 1
    assert vf[:10].mean() > vf[10:].mean()  # fewer frames where neighbour 1 was rejected
    # with the spatial stage (Lee's filter in the opponent space)
    sp = wiener_reference(ref_lin, vf, 0.004, 1e-4, 0.7, 3)
    want = np.floor(np.clip(srgb_encode(np.clip(sp, 0, 1)) * 255 + 0.5, 0, 255))
    got = merge_frames(ref, neigh, maps, 0.004, 1e-4, 3.0, spatial=0.7, box=3).astype(float)
    assert np.abs(got - want).max() <= 1.0 and np.abs(got - want).mean() < 0.05


def test_spatial_stage_smooths_flat_noise_and_keeps_edges():
    rng = np.random.default_rng(5)
    clean = np.full((40, 60, 3), 0.2, np.float32)
    clean[:, 30:] = 0.6  # a strong edge
    a, b = 0.002, 1e-4
    noisy = clean + np.sqrt(a * clean + b) * rng.standard_normal(clean.shape).astype(np.float32)
    vf = np.ones(clean.shape[:2], np.float32)
    out = wiener_reference(noisy, vf, a, b, 1.0, 3)
    flat = np.s_[5:35, 5:25]
    assert out[flat].std() < 0.6 * noisy[flat].std()
    # the edge stays sharp: the columns beside it keep their levels
    assert abs(out[5:35, 28].mean() - 0.2) < 0.03 and abs(out[5:35, 31].mean() - 0.6) < 0.03
    np.testing.assert_allclose(wiener_reference(clean, vf, a, b, 0.0, 3), clean, atol=1e-5)


def test_noise_fit_recovers_a_poisson_gaussian_level():
    rng = np.random.default_rng(2)
    x = np.tile(np.linspace(0.02, 0.8, 400, dtype=np.float32), (300, 1))[..., None].repeat(3, 2)
    a, b = 0.004, 2e-4

    def noisy():
        v = x + np.sqrt(a * x + b) * rng.standard_normal(x.shape).astype(np.float32)
        return (np.clip(srgb_encode(np.clip(v, 0, 1)), 0, 1) * 255 + 0.5).astype(np.uint8)

    ea, eb = estimate_noise(noisy(), noisy())
    assert ea == pytest.approx(a, rel=0.25)
    assert eb == pytest.approx(b, rel=0.6, abs=1e-4)


def test_lut_is_the_srgb_decode():
    assert LINEAR_LUT[0] == 0 and LINEAR_LUT[255] == pytest.approx(1.0)
    assert LINEAR_LUT[128] == pytest.approx(((128 / 255 + 0.055) / 1.055) ** 2.4, rel=1e-5)


@pytest.mark.slow
def test_denoise_clip_gains_and_does_not_ghost(tmp_path):
    n = 12
    true = shake(n, amp_px=2.0, roll_deg=0.2, seed=4)
    clip = render_clip(true, (320, 180), objects=1)
    noisy = add_sensor_noise(clip.frames, 6400, seed=3)
    src = write_video(noisy, tmp_path / "noisy.mkv", fps=30, codec="ffv1", crf=None,
                      preset=None, pix_fmt="bgr0")
    res = denoise_video(src, tmp_path / "clean.mkv", codec="ffv1", crf=None, preset=None)
    assert res.frames == n and res.noise[0] > 0
    got = np.array(list(read_frames_uint8(res.output)[0]))
    p_in = np.mean([psnr(noisy[i] / 255.0, clip.frames[i] / 255.0) for i in range(n)])
    p_out = np.mean([psnr(got[i] / 255.0, clip.frames[i] / 255.0) for i in range(n)])
    assert p_out > p_in + 3.0
    m = clip.moving
    mse_in = np.mean([((noisy[i] / 255.0 - clip.frames[i] / 255.0)[m[i]] ** 2).mean()
                      for i in range(n)])
    mse_out = np.mean([((got[i] / 255.0 - clip.frames[i] / 255.0)[m[i]] ** 2).mean()
                       for i in range(n)])
    assert mse_out <= mse_in * 1.05  # no ghost on the moving disc


def test_bad_params():
    with pytest.raises(ParameterError, match="radius"):
        DenoiseParams(radius=0)
    with pytest.raises(ParameterError, match="strength"):
        DenoiseParams(strength=-1)
    with pytest.raises(ParameterError, match="box"):
        DenoiseParams(box=4)
    with pytest.raises(ParameterError, match="spatial"):
        DenoiseParams(spatial=-1)


def test_declip_undoes_the_bias_of_clipped_noise():
    from brightroom.video.denoise import declip_reference, declip_table

    rng = np.random.default_rng(7)
    a, b = 0.003, 4e-4
    mu = np.array([0.0, 0.005, 0.02, 0.05, 0.3], np.float32)
    sd = np.sqrt(a * mu + b)
    samples = np.maximum(mu[:, None] + sd[:, None] * rng.standard_normal((5, 200000)), 0)
    m = samples.mean(axis=1).astype(np.float32)
    assert m[0] > 0.005  # the clipped mean of black is well above it
    got = declip_reference(m, a, b)
    np.testing.assert_allclose(got, mu, atol=1.5e-3)
    tab, top = declip_table(a, b)
    assert np.all(np.diff(tab) >= 0) and tab[-1] == pytest.approx(top)
    assert declip_reference(np.array([0.5], np.float32), a, b)[0] == pytest.approx(0.5)
    # the numba schedule applies the same table
    ref = np.full((8, 8, 3), 3, np.uint8)
    neigh = np.full((2, 8, 8, 3), 3, np.uint8)
    maps = np.array([[[1.0, 0, 0], [0, 1.0, 0]]] * 2)
    lin, _ = merge_reference(ref, neigh, maps, a, b, 3.0)
    want = np.floor(np.clip(srgb_encode(declip_reference(lin, a, b)) * 255 + 0.5, 0, 255))
    got8 = merge_frames(ref, neigh, maps, a, b, 3.0, declip=True).astype(float)
    assert np.abs(got8 - want).max() <= 1.0 and got8.mean() < 3


def test_noise_at_black_from_the_clipped_fraction():
    from brightroom.video.denoise import estimate_black_noise

    rng = np.random.default_rng(11)
    a, b = 0.006, 1.2e-4
    # a dark gradient from black (where clipping acts) and a bright, strongly textured half
    # (which a frame-difference fit would feel through misalignment; this estimate must not)
    x = np.tile(np.linspace(0.0, 0.05, 320, dtype=np.float32), (240, 1))
    tex = 0.5 + 0.4 * np.sign(np.sin(np.arange(320) / 1.7))[None, :] * np.ones((240, 1))
    clean = np.concatenate([x, tex.astype(np.float32)], axis=1)[..., None].repeat(3, 2)

    def frame():
        v = clean + np.sqrt(a * clean + b) * rng.standard_normal(clean.shape).astype(np.float32)
        return (np.clip(srgb_encode(np.clip(v, 0, 1)), 0, 1) * 255 + 0.5).astype(np.uint8)

    got = estimate_black_noise([frame(), frame()], a)
    assert got == pytest.approx(b, rel=0.15)
    # a frame with nothing near black: no estimate
    bright = np.full((240, 320, 3), 180, np.uint8)
    assert estimate_black_noise([bright], a) is None
