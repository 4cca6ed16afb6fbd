"""brightroom.portrait.grain: noise measured in flat regions and synthesised with its spectrum.

Reference values are the noise the tests themselves add (known deviation, spectrum, level
dependence and channel correlation); the measurements of the synthesised grain are plain NumPy
statistics written here.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from brightroom.errors import ParameterError
from brightroom.portrait.bokeh import BokehParams, composite_full, render_bokeh
from brightroom.portrait.grain import estimate_grain, flat_blocks, grain_tile


def _scene(rng: np.random.Generator, n: int = 384) -> np.ndarray:
    """A picture with flat areas (a smooth ramp) and strong texture (random discs) in half."""
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32)
    img = np.repeat((0.3 + 0.3 * xx / n)[..., None], 3, axis=2)
    for _ in range(120):
        c = (int(rng.integers(0, n // 2)), int(rng.integers(0, n)))
        cv2.circle(img, c, int(rng.integers(3, 12)), [float(v) for v in rng.random(3)], -1)
    return img


def _correlated(rng: np.random.Generator, shape: tuple[int, int], sigma: float,
                blur: float) -> np.ndarray:
    n = cv2.GaussianBlur(rng.standard_normal(shape).astype(np.float32), (0, 0), blur)
    return (n / n.std() * sigma).astype(np.float32)


def _lag1(x: np.ndarray) -> float:
    """Correlation of horizontally neighbouring values (NumPy)."""
    a, b = x[:, :-1].ravel(), x[:, 1:].ravel()
    return float(np.corrcoef(a, b)[0, 1])


def test_white_noise_deviation_and_flat_spectrum(rng):
    img = _scene(rng) + rng.normal(0, 0.01, (384, 384, 1)).astype(np.float32)
    m = estimate_grain(img)
    assert m.blocks > 50 and not m.empty
    assert m.sigma == pytest.approx(0.01, rel=0.1)
    assert np.all(np.abs(m.levels[:, 3:5] - 0.01) < 0.0015)  # the ramp's levels (0.3-0.6)
    # white: as much power at the highest frequencies as at the lowest (DC removed)
    f = np.fft.fftshift(m.psd)
    c = f.shape[0] // 2
    low = f[c - 2:c + 3, c - 2:c + 3].sum() - f[c, c]
    high = f[:2, :].sum() + f[-2:, :].sum()
    assert high / 40 > 0.5 * low / 24
    np.testing.assert_allclose(m.colour, 1.0, atol=0.02)  # the same noise in every channel


def test_texture_is_not_noise(rng):
    clean = _scene(rng)
    m0 = estimate_grain(clean + rng.normal(0, 0.004, clean.shape[:2] + (1,)).astype(np.float32))
    # texture alone has about 0.2 deviation; the flat half decides
    assert m0.sigma == pytest.approx(0.004, rel=0.15)


def _ramp(n: int = 384) -> np.ndarray:
    xx = np.mgrid[0:n, 0:n][1].astype(np.float32)
    return np.repeat((0.3 + 0.3 * xx / n)[..., None], 3, axis=2)


def test_correlated_noise_and_its_grain(rng):
    n = _correlated(rng, (384, 384), 0.006, 1.5)
    # the deviation, where half the picture is texture
    assert estimate_grain(_scene(rng) + n[..., None]).sigma == pytest.approx(0.006, rel=0.2)
    m = estimate_grain(_ramp() + n[..., None])
    assert m.sigma == pytest.approx(0.006, rel=0.15)
    tile = grain_tile(m, size=256, seed=3)
    assert tile.shape == (256, 256, 3) and tile.dtype == np.float32
    np.testing.assert_allclose(tile.std(axis=(0, 1)), 1.0, rtol=1e-3)
    # the grain has the noise's correlation: a Gaussian blur of 1.5 px correlates neighbours by
    # exp(-1 / (4 * 1.5^2)) = 0.895 (the measurement on 16 px tiles minus their plane sees a
    # little less)
    assert _lag1(tile[..., 0]) == pytest.approx(_lag1(n), abs=0.1)
    white = estimate_grain(_ramp() + rng.normal(0, 0.006, (384, 384, 1)).astype(np.float32))
    assert abs(_lag1(grain_tile(white, size=256)[..., 0])) < 0.1


def test_level_dependent_noise(rng):
    n = 512
    v = np.repeat(np.linspace(0.05, 0.95, n, dtype=np.float32)[None, :], n, axis=0)
    sig = 0.002 + 0.012 * (1 - v)  # shadows noisier, as after a display transfer
    img = np.repeat(v[..., None], 3, axis=2) + (rng.standard_normal((n, n)) * sig)[..., None]
    m = estimate_grain(img.astype(np.float32))
    centres = (np.arange(8) + 0.5) / 8
    expect = 0.002 + 0.012 * (1 - centres)
    np.testing.assert_allclose(m.levels[1, 1:7], expect[1:7], rtol=0.15)


def test_channel_correlation(rng):
    base = _scene(rng)
    ind = base + rng.normal(0, 0.01, base.shape).astype(np.float32)
    m = estimate_grain(ind)
    assert np.all(np.abs(m.colour - np.eye(3)) < 0.15)
    t = grain_tile(m, size=128)
    c = np.corrcoef(t.reshape(-1, 3).T)
    assert np.all(np.abs(c - np.eye(3)) < 0.1)


def test_small_and_bad_inputs(rng):
    assert estimate_grain(np.full((6, 6, 3), 0.5, np.float32)).empty
    with pytest.raises(ParameterError):
        estimate_grain(np.zeros((64, 64, 3), np.float32), block=10)
    with pytest.raises(ParameterError):
        estimate_grain(np.zeros((64, 64, 3), np.float32), flat_fraction=0)
    with pytest.raises(ParameterError):
        grain_tile(estimate_grain(_scene(rng)), size=4)
    # clipped areas hold no noise and are never chosen
    img = np.zeros((128, 128), np.float32)
    img[:, 64:] = 0.5
    corners = flat_blocks(img, 16, 1.0, 1)
    assert len(corners) and np.all(corners[:, 1] >= 64)


def test_composite_adds_grain_at_the_photos_level(rng):
    """Blurred, the noisy flat picture has the grain back at the input's deviation, as the
    NumPy reference and the numba pass agree."""
    img = np.full((96, 128, 3), 0.5, np.float32)
    img[:, :40] = 0.2
    img += rng.normal(0, 0.01, (96, 128, 1)).astype(np.float32)
    depth = np.full((96, 128), 10.0, np.float32)
    depth[:, :64] = 1.0
    out = render_bokeh(img, depth, focus_distance=1.0, params=BokehParams(highlight_gain=0))
    quiet = render_bokeh(img, depth, focus_distance=1.0,
                         params=BokehParams(highlight_gain=0, noise=False))
    grain = (out - quiet)[:, 80:].mean(axis=2)
    assert grain.std() == pytest.approx(0.01, rel=0.25)
    assert np.abs((out - quiet)[:, 5:30]).max() < 1e-5  # in focus: untouched
    # reference vs fast, with per-channel LUTs and a colour tile
    h, w = 24, 32
    r_w = np.linspace(-3, 3, w // 2, dtype=np.float32)[None, :].repeat(h // 2, 0)
    b = rng.random((h // 2, w // 2, 3)).astype(np.float32)
    na = np.zeros((h // 2, w // 2), np.float32)
    lut = np.array([[0.01, 0.02, 0.03], [0.0, 0.01, 0.0], [0.02, 0.02, 0.02]], np.float32)
    tile = rng.standard_normal((7, 5, 3)).astype(np.float32)
    pic = rng.random((h, w, 3)).astype(np.float32)
    a = composite_full(pic, None, r_w, b, b, b, na, tile, lut, fast=False)
    f = composite_full(pic, None, r_w, b, b, b, na, tile, lut, fast=True)
    np.testing.assert_allclose(a, f, atol=2e-5)
    with pytest.raises(ParameterError):
        composite_full(pic, None, r_w, b, b, b, na, tile, np.ones((2, 3)), fast=False)
