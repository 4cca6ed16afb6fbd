"""Palettes and mapping: the compiled nearest search against brute force, k-means, dither."""

from __future__ import annotations

import numpy as np

from brightroom.animate.oklab import srgb8_to_oklab
from brightroom.animate.quantize import changed_mask, kmeans_palette, map_frame, nearest_reference


def test_nearest_equals_brute_force(rng):
    rgb = rng.integers(0, 256, (40, 50, 3)).astype(np.uint8)
    lab = srgb8_to_oklab(rgb)
    pal_rgb, pal_lab = kmeans_palette(lab.reshape(-1, 3), 37)
    assert np.all(np.diff(pal_lab[:, 0]) >= 0)  # sorted by lightness
    idx = map_frame(lab, lab, np.ones((40, 50), bool), (0, 0, 50, 40), pal_lab, dither=0.0,
                    keep_margin=0.0, transparent=255, first=True)
    ref = nearest_reference(lab, pal_lab)
    d_ours = ((lab - pal_lab[idx]) ** 2).sum(-1)
    d_ref = ((lab - pal_lab[ref]) ** 2).sum(-1)
    assert np.allclose(d_ours, d_ref, atol=1e-9)  # same distance (ties may pick either)


def test_kmeans_finds_well_separated_clusters(rng):
    centres = np.array([[0.2, 0.0, 0.0], [0.5, 0.1, -0.1], [0.8, -0.1, 0.05]], np.float32)
    pts = np.concatenate([c + rng.normal(0, 0.002, (300, 3)) for c in centres]).astype(np.float32)
    _, lab = kmeans_palette(pts, 3, iters=10)
    for c in centres:
        assert np.min(np.linalg.norm(lab - c, axis=1)) < 0.01


def test_dither_is_fixed_in_screen_space_and_absent_on_palette_colours():
    pal_rgb = np.array([[0, 0, 0], [128, 128, 128], [255, 255, 255]], np.uint8)
    pal_lab = srgb8_to_oklab(pal_rgb)
    grey = np.full((32, 32, 3), 64, np.uint8)  # between black and mid grey
    lab = srgb8_to_oklab(grey)
    ones = np.ones((32, 32), bool)
    a = map_frame(lab, lab, ones, (0, 0, 32, 32), pal_lab, dither=1.0, keep_margin=0,
                  transparent=3, first=True)
    b = map_frame(lab, lab, ones, (0, 0, 32, 32), pal_lab, dither=1.0, keep_margin=0,
                  transparent=3, first=True)
    assert np.array_equal(a, b) and len(np.unique(a)) == 2  # a stable two-colour mix
    flat = srgb8_to_oklab(np.full((32, 32, 3), 128, np.uint8))
    c = map_frame(flat, flat, ones, (0, 0, 32, 32), pal_lab, dither=1.0, keep_margin=0,
                  transparent=3, first=True)
    assert np.all(c == 1)  # on a palette colour: no dither


def test_changed_mask_threshold():
    a = np.zeros((4, 4, 3), np.float32)
    b = a.copy()
    b[1, 2, 0] = 0.02
    m = changed_mask(b, a, 0.01)
    assert m.sum() == 1 and m[1, 2]


def test_dead_centres_move_to_the_worst_served_samples():
    # three colours, every seed on one of them: two centres die at once and must move to the
    # two other colours (the error sort runs only on such iterations)
    cols = np.array([[0.2, 0.0, 0.0], [0.5, 0.05, -0.05], [0.8, -0.05, 0.1]], np.float32)
    pts = np.repeat(cols, 40, axis=0)
    init = np.repeat(cols[:1], 3, axis=0)
    rgb, lab = kmeans_palette(pts, 3, init=init, iters=3)
    assert len(rgb) == 3
    assert np.abs(np.sort(lab[:, 0]) - cols[:, 0]).max() < 0.01


def test_nearest_errors_equal_brute_force(rng):
    from brightroom.animate.quantize import nearest_errors

    pts = rng.random((500, 3)).astype(np.float32)
    pal = rng.random((40, 3)).astype(np.float32)
    pal = pal[np.argsort(pal[:, 0])]
    ref = ((pts[:, None, :].astype(np.float64) - pal[None]) ** 2).sum(-1).min(1)
    assert np.allclose(nearest_errors(pts, pal), ref, atol=1e-6)


def test_refresh_moves_colours_to_a_cluster_the_seed_palette_misses(rng):
    # the seed palette lies all in cluster A; a tenth of the samples form a far cluster B.
    # Refined only, the seeded palette keeps one or two colours near B; refreshed, more
    # colours move there and the quantisation error falls
    from brightroom.animate.quantize import nearest_errors

    a = np.float32([0.3, 0.0, 0.0]) + rng.normal(0, 0.02, (2700, 3)).astype(np.float32)
    b = np.float32([0.8, 0.1, -0.1]) + rng.normal(0, 0.02, (300, 3)).astype(np.float32)
    pts = np.concatenate([a, b])
    seed = np.float32([0.3, 0.0, 0.0]) + rng.normal(0, 0.02, (32, 3)).astype(np.float32)
    err = {}
    for r in (0, 8):
        _, lab = kmeans_palette(pts, 32, init=seed, iters=3, refresh=r, space="oklab")
        err[r] = float(nearest_errors(pts, lab).mean())
        near_b = int((np.linalg.norm(lab - [0.8, 0.1, -0.1], axis=1) < 0.08).sum())
        if r:
            assert near_b >= 3, near_b
    assert err[8] < 0.9 * err[0], err
