"""Tests of brightroom.burst.upscale: DCCI (Zhou et al. 2012) against Lanczos, grids, errors."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from brightroom.burst.upscale import UPSCALE_METHODS, dcci2x, upscale
from brightroom.color.metrics import psnr
from brightroom.errors import ParameterError


def _edges(n: int = 256) -> np.ndarray:
    """Sharp slanted bars and a disc (edge-dominated content, where DCCI should help)."""
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float64) / n
    bars = (np.sin(2 * np.pi * 9 * (xx + 0.3 * yy)) > 0).astype(np.float64)
    disc = ((xx - 0.6) ** 2 + (yy - 0.4) ** 2 < 0.05).astype(np.float64)
    img = 0.2 + 0.5 * np.maximum(bars * (yy < 0.5), disc)
    img = cv2.GaussianBlur(img, (0, 0), 1.2)
    return np.repeat(img[:, :, None], 3, axis=2).astype(np.float32)


def test_dcci_keeps_the_originals_on_even_positions() -> None:
    img = np.random.default_rng(0).uniform(0, 1, (20, 24, 3)).astype(np.float32)
    big = dcci2x(img)
    assert big.shape == (40, 48, 3)
    np.testing.assert_array_equal(big[::2, ::2], img)
    assert dcci2x(img[..., 0]).shape == (40, 48)


def test_dcci_is_exact_on_a_linear_ramp() -> None:
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float32)
    img = (0.1 + 0.01 * xx + 0.005 * yy)[:, :, None]
    big = dcci2x(img)[:, :, 0]
    y2, x2 = np.mgrid[0:64, 0:64].astype(np.float32) / 2
    np.testing.assert_allclose(big[4:-4, 4:-4], (0.1 + 0.01 * x2 + 0.005 * y2)[4:-4, 4:-4],
                               atol=1e-4)


def test_zhou2012_beats_bilinear_and_is_close_to_lanczos_on_edges() -> None:
    hi = _edges(256)
    lo = cv2.resize(hi, (128, 128), interpolation=cv2.INTER_AREA)
    c = 8
    scores = {m: psnr(upscale(lo, 2, method=m)[c:-c, c:-c], hi[c:-c, c:-c])
              for m in ("zhou2012", "lanczos", "bicubic")}
    lin = psnr(cv2.resize(lo, (256, 256), interpolation=cv2.INTER_LINEAR)[c:-c, c:-c],
               hi[c:-c, c:-c])
    assert scores["zhou2012"] > lin
    assert scores["zhou2012"] > scores["lanczos"] - 1.0, scores


@pytest.mark.parametrize("scale", [1.5, 2.0, 3.0])
def test_shapes_and_grid(scale: float) -> None:
    yy, xx = np.mgrid[0:40, 0:50].astype(np.float32)
    img = np.stack([0.01 * xx, 0.01 * yy, 0.005 * (xx + yy)], -1)
    for m in sorted(UPSCALE_METHODS):
        out = upscale(img, scale, method=m)
        assert out.shape == (round(40 * scale), round(50 * scale), 3) and out.dtype == np.float32
        # centre-aligned grid: output pixel k sits at input (k + 0.5) / s - 0.5
        k = np.arange(out.shape[1])
        want = 0.01 * ((k + 0.5) / scale - 0.5)
        np.testing.assert_allclose(out[20, 6:-6, 0], want[6:-6], atol=2e-3)


def test_bad_input() -> None:
    img = np.zeros((16, 16, 3), np.float32)
    with pytest.raises(ParameterError, match="out of range"):
        upscale(img, 9)
    with pytest.raises(ParameterError, match="out of range"):
        upscale(img, 0.5)
    with pytest.raises(ParameterError, match="at least"):
        upscale(np.zeros((2, 2), np.float32), 2)
    with pytest.raises(ParameterError, match="upscaling"):
        upscale(img, 2, method="nope")
