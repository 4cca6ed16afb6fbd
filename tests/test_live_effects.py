"""Live effects: masked blur (no halo, against a naive blur and the true blurred background),
replacement, skin mask, beauty (blemish contrast and edge energy), the look table.

Colour differences are CIEDE2000 by scikit-image (a peer implementation)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage.color import deltaE_ciede2000, rgb2lab

from brightroom.errors import ParameterError
from brightroom.live.effects import (
    LookTable,
    beauty,
    masked_blur,
    naive_blur,
    replace_background,
    skin_mask,
)
from brightroom.looks import apply_look_array, load_look


def _disc_scene(h=180, w=320, r=50):
    yy, xx = np.mgrid[0:h, 0:w]
    alpha = (((xx - w / 2) ** 2 + (yy - h / 2) ** 2) <= r * r).astype(np.float32)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 1.0)
    bg = np.stack([0.45 + 0.1 * np.sin(xx / 13), np.full((h, w), 0.5),
                   0.5 + 0.1 * np.cos(yy / 11)], -1).astype(np.float32)
    red = np.array([0.95, 0.05, 0.05], np.float32)
    frame = (alpha[..., None] * red + (1 - alpha[..., None]) * bg).astype(np.float32)
    ring = (((xx - w / 2) ** 2 + (yy - h / 2) ** 2) > (r + 3) ** 2) & \
        (((xx - w / 2) ** 2 + (yy - h / 2) ** 2) <= (r + 15) ** 2)
    return frame, alpha, bg, ring


def test_masked_blur_has_no_halo_next_to_a_saturated_subject():
    frame, alpha, bg, ring = _disc_scene()
    sigma = 12.0
    truth = cv2.GaussianBlur(bg, (0, 0), sigma)  # the background with no subject, blurred
    ours = masked_blur(frame, alpha, sigma, scale=1)
    naive = naive_blur(frame, alpha, sigma, scale=1)
    de_ours = deltaE_ciede2000(rgb2lab(ours), rgb2lab(truth))[ring].mean()
    de_naive = deltaE_ciede2000(rgb2lab(naive), rgb2lab(truth))[ring].mean()
    assert de_naive > 8  # the halo the naive blur leaves
    assert de_ours < 2.0
    # the subject itself stays sharp
    assert np.abs(ours - frame)[alpha > 0.9999].max() < 1e-4


def test_masked_blur_reduced_scale_stays_close():
    frame, alpha, bg, ring = _disc_scene()
    truth = cv2.GaussianBlur(bg, (0, 0), 12.0)
    de = deltaE_ciede2000(rgb2lab(masked_blur(frame, alpha, 12.0, scale=4)), rgb2lab(truth))
    assert de[ring].mean() < 3.0


def test_replace_background_is_the_composite():
    frame, alpha, _, _ = _disc_scene()
    bg = np.zeros((90, 160, 3), np.float32)
    bg[..., 1] = 1
    out = replace_background(frame, alpha, bg)
    assert out.shape == frame.shape
    assert np.allclose(out[alpha > 0.9999], frame[alpha > 0.9999], atol=1e-4)
    assert np.allclose(out[alpha < 1e-4], [0, 1, 0], atol=1e-3)


def test_skin_mask_chai_ngan_box():
    img = np.zeros((40, 80, 3), np.float32)
    img[:, :40] = [0.87, 0.66, 0.55]  # a light skin tone
    img[:, 40:] = [0.1, 0.2, 0.75]  # blue shirt
    m = skin_mask(img, soften=0.5)
    assert m[:, :30].min() > 0.95
    assert m[:, 50:].max() < 0.05
    assert skin_mask(img, np.zeros((40, 80), np.float32)).max() == 0


def _face_with_blemishes(rng, h=200, w=200):
    skin = np.array([0.85, 0.64, 0.52], np.float32)
    img = np.ones((h, w, 3), np.float32) * skin
    img += rng.normal(0, 0.012, (h, w, 1)).astype(np.float32)  # skin texture
    yy, xx = np.mgrid[0:h, 0:w]
    spots = [(60, 60), (90, 130), (130, 80), (140, 140)]
    blem = np.zeros((h, w), bool)
    for y, x in spots:
        d = (yy - y) ** 2 + (xx - x) ** 2 <= 9
        img[d] *= np.float32(0.8)  # darker, redder spot
        blem |= d
    # a hard-edged non-skin object: a dark blue bar with a white stripe
    img[:, 170:] = [0.1, 0.15, 0.6]
    img[::20, 170:] = 1.0
    return np.clip(img, 0, 1), blem, spots


def test_beauty_reduces_blemishes_and_keeps_edges_outside_skin(rng):
    img, blem, spots = _face_with_blemishes(rng)
    skin = skin_mask(img)
    out = beauty(img, 1.0, skin)
    grey_in, grey_out = img.mean(-1), out.mean(-1)
    yy, xx = np.mgrid[0:img.shape[0], 0:img.shape[1]]

    def contrast(g):
        ring = np.zeros_like(blem)
        for y, x in spots:
            d2 = (yy - y) ** 2 + (xx - x) ** 2
            ring |= (d2 > 36) & (d2 <= 100)
        return g[ring].mean() - g[blem].mean()

    assert contrast(grey_out) <= 0.5 * contrast(grey_in)
    outside = skin < 0.01
    gy_in, gx_in = np.gradient(grey_in)
    gy_out, gx_out = np.gradient(grey_out)
    e_in = (gx_in ** 2 + gy_in ** 2)[outside].sum()
    e_out = (gx_out ** 2 + gy_out ** 2)[outside].sum()
    assert e_out >= 0.95 * e_in


def test_beauty_strength_zero_is_identity_and_bad_strength_raises(rng):
    img, _, _ = _face_with_blemishes(rng, 60, 60)
    assert np.array_equal(beauty(img, 0.0, skin_mask(img)), img)
    with pytest.raises(ParameterError, match="strength"):
        beauty(img, 1.5, skin_mask(img))


def test_look_table_matches_the_look(rng):
    u8 = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    ref = np.clip(apply_look_array(u8.astype(np.float32) / 255, load_look("vibrant")), 0, 1)
    out = LookTable("vibrant")(u8)
    err = np.abs(out.astype(np.float32) - ref * 255)
    assert out.dtype == np.uint8 and out.shape == u8.shape
    assert err.mean() < 1.5 and err.max() < 6


def test_fused_composite_matches_the_numpy_reference(rng):
    from brightroom.live.effects import ColourTable, composite

    f = rng.random((90, 160, 3), dtype=np.float32)
    a = np.clip(rng.random((90, 160), dtype=np.float32) * 1.4 - 0.2, 0, 1)
    table = LookTable("vibrant")
    for bg in (rng.random((23, 40, 3), dtype=np.float32), rng.random((90, 160, 3),
                                                                    dtype=np.float32)):
        for t in (None, table):
            ref = composite(f, a, bg, t, method="numpy").astype(int)
            ours = composite(f, a, bg, t, method="numba").astype(int)
            # float rounding flips a code at a quantisation boundary, and that may flip the
            # table's nearest node (4 codes apart)
            assert (ref != ours).mean() < 0.005
            assert np.abs(ref - ours).max() <= (1 if t is None else 12)
    identity = ColourTable(lambda x: x)
    u8 = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    assert np.array_equal(table(u8, method="numba"), table(u8, method="numpy"))
    assert np.abs(identity(u8).astype(int) - u8).max() <= 2
    with pytest.raises(ParameterError, match="method"):
        composite(f, a, f, method="halide")


def test_skin_mask_at_half_resolution_matches_full(rng):
    img = np.zeros((360, 640, 3), np.float32)
    img[:, :320] = [0.87, 0.66, 0.55]
    img[:, 320:] = [0.1, 0.2, 0.75]
    half, full = skin_mask(img), skin_mask(img, scale=1)
    assert np.abs(half - full).mean() < 0.01


def test_exposure_smoother_cancels_pumping_and_follows_a_new_light():
    from brightroom.live.effects import ExposureSmoother

    base = np.full((72, 128, 3), 120, np.uint8)
    sm = ExposureSmoother(30, tau=0.5)
    means = []
    for i in range(60):  # the webcam pumps +-12 % every few frames
        f = np.clip(base.astype(np.float32) * (1.12 if (i // 3) % 2 else 0.88), 0, 255)
        f = f.astype(np.uint8)
        means.append(float((f * sm.gains(f)).mean()))
    raw = [120 * 1.12, 120 * 0.88]
    assert np.ptp(means[10:]) < 0.4 * (raw[0] - raw[1])
    # a lasting change of light is followed: after 3 s at half brightness, the gain is ~1 again
    dark = (base // 2).astype(np.uint8)
    for _ in range(90):
        g = sm.gains(dark)
    assert np.abs(g - 1).max() < 0.05
    with pytest.raises(ParameterError):
        ExposureSmoother(0)
