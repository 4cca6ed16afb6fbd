"""Tests of brightroom.develop.sharpen (noise-aware, halo-limited unsharp mask)."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.data

from brightroom.develop.pipeline import Stage
from brightroom.develop.sharpen import SharpenParams, sharpen
from brightroom.errors import ParameterError
from brightroom.types import Image


def photo(size: int = 128) -> np.ndarray:
    img = skimage.data.camera()[:size, :size].astype(np.float32) / 255
    return np.repeat(img[..., None] ** 2.2, 3, axis=2).astype(np.float32)


def blurred_edge(n: int = 64) -> np.ndarray:
    x = np.arange(n, dtype=np.float32)
    prof = 0.1 + 0.5 / (1 + np.exp(-(x - n / 2) / 1.5))  # a soft edge from 0.1 to 0.6
    return np.repeat(np.repeat(prof[None, :, None], 16, axis=0), 3, axis=2).astype(np.float32)


def test_amount_zero_is_identity_and_flat_unchanged():
    img = photo(64)
    assert sharpen(img, amount=0.0) is img
    flat = np.full((40, 40, 3), 0.3, np.float32)
    np.testing.assert_allclose(sharpen(flat, amount=2.0), flat, atol=1e-7)


def test_gray_stays_gray_and_input_untouched():
    img = photo()
    before = img.copy()
    out = sharpen(img, amount=1.5)
    np.testing.assert_array_equal(img, before)
    np.testing.assert_allclose(out[..., 0], out[..., 1], atol=1e-7)
    np.testing.assert_allclose(out[..., 2], out[..., 1], atol=1e-7)


def test_edge_gets_steeper_without_overshoot_when_halo_zero():
    edge = blurred_edge()
    out = sharpen(edge, amount=2.0, radius=1.5, threshold=0.0, halo=0.0)
    g_in = np.abs(np.diff(edge[8, :, 1])).max()
    g_out = np.abs(np.diff(out[8, :, 1])).max()
    assert g_out > 1.3 * g_in
    assert out.max() <= edge.max() + 1e-6
    assert out.min() >= edge.min() - 1e-6


def test_halo_limit_bounds_the_overshoot():
    edge = blurred_edge()
    span = edge.max() - edge.min()
    free = sharpen(edge, amount=3.0, radius=2.0, threshold=0.0, halo=2.0)
    tight = sharpen(edge, amount=3.0, radius=2.0, threshold=0.0, halo=0.05)
    over = lambda o: max(o.max() - edge.max(), edge.min() - o.min()) / span  # noqa: E731
    assert over(free) > 0.05
    assert over(tight) < over(free) / 2


def test_noise_below_threshold_is_not_sharpened():
    rng = np.random.default_rng(0)
    flat = 0.25 + 0.002 * rng.standard_normal((128, 128)).astype(np.float32)
    img = np.repeat(flat[..., None], 3, axis=2).astype(np.float32)
    # in sqrt(Y) units the noise is 0.002 / (2 sqrt(0.25)) = 0.002
    cored = sharpen(img, amount=1.0, threshold=0.006)
    plain = sharpen(img, amount=1.0, threshold=0.0)
    assert cored.std() < 1.05 * img.std()
    assert plain.std() > 1.3 * img.std()


def test_numba_matches_numpy():
    img = photo(100)[:, :90] * np.array([1.0, 0.8, 0.6], np.float32)
    for kw in ({}, {"amount": 2.0, "halo": 0.0}, {"radius": 2.5, "threshold": 0.0}):
        a = sharpen(img, fast=True, **kw)
        b = sharpen(img, fast=False, **kw)
        np.testing.assert_allclose(a, b, atol=2e-6)


def test_bad_parameters_and_stage():
    img = photo(32)
    with pytest.raises(ParameterError):
        sharpen(img, radius=0.0)
    with pytest.raises(ParameterError):
        sharpen(img, amount=-1.0)
    with pytest.raises(ParameterError):
        SharpenParams(halo=5.0)
    frame = Image(img)
    out = Stage.build("sharpen", {"amount": 1.0})(frame)
    assert out.data is not frame.data and out.data.shape == frame.data.shape
    assert Stage.build("sharpen", {"amount": 0.0})(frame) is frame
