"""Tests of brightroom.develop.demosaic.kiku2014 (MLRI residual interpolation).

colour-demosaicing has no residual-interpolation method, so the references are analytic
(flat colours, linear ramps, smooth scenes mosaiced here), a brute-force float64 evaluation
of the MLRI guided filter's definition, and the published ranking (residual interpolation
ahead of DDFAPD, Menon 2007, on natural photographs).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from brightroom.color.metrics import psnr
from brightroom.develop.demosaic import DEMOSAIC_METHODS, demosaic
from brightroom.develop.demosaic.kiku2014 import (
    KIKU2014_MARGIN,
    _mlri_filter,
    demosaic_kiku2014,
    demosaic_kiku2014_numpy,
)
from brightroom.errors import ParameterError
from brightroom.types import BAYER_PATTERNS, CFAPattern


def mosaic(img: np.ndarray, pattern: CFAPattern) -> np.ndarray:
    """Sample an H x W x 3 image through the CFA (the forward model)."""
    idx = pattern.channel_index(*img.shape[:2]).astype(np.intp)
    return np.take_along_axis(img, idx[..., None], axis=2)[..., 0].astype(np.float32)


def smooth_scene(h: int = 90, w: int = 97) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    lum = 0.5 + 0.25 * np.sin(x / 7.0 + y / 11.0) + 0.1 * np.cos(y / 5.0 - x / 13.0)
    chroma = np.stack([1.0 + 0.3 * np.sin(x / 31.0), np.ones_like(x),
                       0.8 + 0.3 * np.cos(y / 29.0)], axis=-1)
    return (lum[..., None] * chroma).astype(np.float32)


def test_registered() -> None:
    assert DEMOSAIC_METHODS["kiku2014"] is demosaic_kiku2014


@pytest.mark.parametrize("name", BAYER_PATTERNS)
@pytest.mark.parametrize("shape", [(2, 2), (3, 5), (17, 22), (40, 41)])
def test_flat_colour_exact(name: str, shape: tuple[int, int]) -> None:
    """A flat colour (white-balanced values below 0 and above 1 included) is reproduced."""
    colour = np.array([-0.02, 1.37, 2.5], dtype=np.float32)
    img = np.broadcast_to(colour, shape + (3,))
    pat = CFAPattern(name)
    out = demosaic(mosaic(img, pat), pat, method="kiku2014")
    assert out.shape == img.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, img, rtol=0, atol=2e-6)


@pytest.mark.parametrize("name", BAYER_PATTERNS)
def test_linear_ramp_exact_in_interior(name: str) -> None:
    """Residuals of linear channels are linear and their Laplacians vanish: exact result
    away from the reflected border."""
    h, w = 60, 64
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.stack([0.1 + 0.011 * x + 0.007 * y, 0.3 - 0.004 * x + 0.013 * y,
                    -0.05 + 0.02 * x - 0.01 * y], axis=-1).astype(np.float32)
    pat = CFAPattern(name)
    out = demosaic_kiku2014_numpy(mosaic(img, pat), pat)
    m = 18
    np.testing.assert_allclose(out[m:-m, m:-m], img[m:-m, m:-m], rtol=0, atol=2e-6)
    # ... and the test can fail: the border region is not exact.
    assert np.abs(out - img).max() > 1e-3


@pytest.mark.parametrize("name", BAYER_PATTERNS)
def test_smooth_scene_high_psnr(name: str) -> None:
    scene = smooth_scene()
    pat = CFAPattern(name)
    out = demosaic(mosaic(scene, pat), pat, method="kiku2014")
    assert psnr(out, scene, border=4) > 45.0


@pytest.mark.parametrize("dy, dx", [(0, 1), (1, 0), (1, 1), (2, 3)])
def test_phase_equivariance(dy: int, dx: int) -> None:
    """Cropping the scene changes the phase; away from the borders the result is the same."""
    scene = smooth_scene()
    pat = CFAPattern("RGGB")
    full = demosaic_kiku2014_numpy(mosaic(scene, pat), pat)
    pat2 = pat.shifted(dy, dx)
    part = demosaic_kiku2014_numpy(mosaic(scene[dy:, dx:], pat2), pat2)
    m = KIKU2014_MARGIN + 2
    np.testing.assert_allclose(part[m:-m, m:-m], full[dy + m:-m, dx + m:-m], rtol=0, atol=1e-6)


def test_samples_kept_input_untouched_float32() -> None:
    rng = np.random.default_rng(3)
    cfa = rng.uniform(-0.1, 1.3, (33, 38)).astype(np.float32)
    before = cfa.copy()
    pat = CFAPattern("GBRG")
    out = demosaic_kiku2014_numpy(cfa, pat)
    np.testing.assert_array_equal(cfa, before)
    assert out.dtype == np.float32 and out.shape == (33, 38, 3)
    idx = pat.channel_index(33, 38).astype(np.intp)
    np.testing.assert_array_equal(np.take_along_axis(out, idx[..., None], 2)[..., 0], cfa)


def test_dispatcher_and_gamma_domain() -> None:
    scene = smooth_scene(40, 44)
    pat = CFAPattern("GRBG")
    cfa = mosaic(scene, pat)
    np.testing.assert_array_equal(demosaic(cfa, pat, method="kiku2014"),
                                  demosaic_kiku2014_numpy(cfa, pat))
    out = demosaic(cfa, pat, method="kiku2014", domain="gamma")
    assert out.dtype == np.float32 and psnr(out, scene, border=4) > 40.0


def test_mlri_filter_matches_brute_force() -> None:
    """The vectorised guided filter equals a direct evaluation of the MLRI definition of
    Kiku et al. (2014) (slope from the Laplacians over the masked window pixels, offset from
    the masked means) followed by the window averaging of He et al. (2013)."""
    rng = np.random.default_rng(0)
    h, w, ry, rx, eps = 14, 17, 2, 3, 1e-6
    guide = rng.uniform(0, 1, (h, w)).astype(np.float32)
    mask = (rng.uniform(size=(h, w)) < 0.4).astype(np.float32)
    samples = (rng.uniform(0, 1, (h, w)) * mask).astype(np.float32)
    lg = (rng.normal(size=(h, w)) * mask).astype(np.float32)
    ls = (rng.normal(size=(h, w)) * mask).astype(np.float32)
    got = _mlri_filter(guide, samples, mask, lg, ls, ry, rx, eps)

    def win(a: np.ndarray, y: int, x: int) -> np.ndarray:   # reflect-101 borders
        ys = np.abs(np.arange(y - ry, y + ry + 1))
        ys = np.where(ys >= h, 2 * h - 2 - ys, ys)
        xs = np.abs(np.arange(x - rx, x + rx + 1))
        xs = np.where(xs >= w, 2 * w - 2 - xs, xs)
        return a.astype(np.float64)[np.ix_(ys, xs)]

    a = np.zeros((h, w))
    b = np.zeros((h, w))
    for y in range(h):
        for x in range(w):
            mk = win(mask, y, x) > 0
            n = max(mk.sum(), 1)
            a[y, x] = (win(lg, y, x)[mk] * win(ls, y, x)[mk]).sum() / (
                (win(lg, y, x)[mk] ** 2).sum() + eps * n + 1e-30)
            b[y, x] = win(samples, y, x)[mk].sum() / n - a[y, x] * win(guide, y, x)[mk].sum() / n
    want = np.array([[win(a, y, x).mean() * guide[y, x] + win(b, y, x).mean()
                      for x in range(w)] for y in range(h)])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def _photo() -> np.ndarray:
    import skimage.data as skd
    import skimage.io as io

    path = os.path.join(os.path.dirname(skd.__file__), "motorcycle_left.png")
    if not os.path.exists(path):
        pytest.skip(f"scikit-image sample {path} not installed")
    return (io.imread(path)[100:356, 200:456, :3].astype(np.float32) / 255.0)


@pytest.mark.parametrize("name", ["RGGB", "GBRG"])
def test_beats_other_methods_on_a_photo(name: str) -> None:
    """Kiku et al. (2013, 2014) report residual interpolation ahead of gradient-based
    colour-difference methods such as DDFAPD on natural images; a fortiori of Malvar (2004)
    and bilinear (sRGB-encoded values, as in their experiments)."""
    img = _photo()
    pat = CFAPattern(name)
    cfa = mosaic(img, pat)
    q = {m: psnr(demosaic(cfa, pat, method=m), img, border=8)
         for m in ("bilinear", "malvar2004", "menon2007", "kiku2014")}
    assert q["kiku2014"] > q["bilinear"] + 5
    assert q["kiku2014"] > q["malvar2004"] + 1
    assert q["kiku2014"] > q["menon2007"] + 0.2


@pytest.mark.parametrize("kwargs", [dict(rb_radius=1), dict(green_radius=0),
                                    dict(green_radius=2.5), dict(eps=-1.0),
                                    dict(sigma=0.0), dict(eps=float("nan"))])
def test_bad_parameters_raise(kwargs: dict) -> None:
    cfa = np.zeros((8, 8), np.float32)
    with pytest.raises(ParameterError, match="demosaic_kiku2014"):
        demosaic_kiku2014_numpy(cfa, "RGGB", **kwargs)


def test_bad_inputs_raise() -> None:
    with pytest.raises(ParameterError, match="float32"):
        demosaic_kiku2014_numpy(np.zeros((8, 8)), "RGGB")
    with pytest.raises(ParameterError, match="Bayer"):
        demosaic_kiku2014_numpy(np.zeros((8, 8), np.float32), "quad-RGGB")
