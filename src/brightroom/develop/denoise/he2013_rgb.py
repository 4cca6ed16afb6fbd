"""The guided-filter raw denoiser (He, Sun, Tang 2013) for frames that are not Bayer mosaics.

:mod:`.he2013` splits a Bayer mosaic into its four cell-position planes. Two kinds of raw
frame have no such planes, and get the same filter in another form:

* **Linear raws** (:class:`~brightroom.types.LinearRawImage`: linear DNGs, monochrome
  sensors), ``H x W x 3`` (or ``x 1``) camera RGB at full resolution. Each channel is
  variance-stabilised with its generalised Anscombe transform (:mod:`.vst`), the three are
  rotated by the orthonormal luma/chroma matrix :data:`YCC3` (unit noise stays unit noise), each
  rotated channel is filtered by the self-guided filter with ``eps = 2.5 * strength**2`` (times
  ``chroma**2`` for the two chroma channels) in 5 x 5 windows (the area of :mod:`.he2013`'s
  3 x 3 plane windows at full resolution), and the rotation and the transform are inverted
  (with the Makitalo-Foi bias term weighted by the variance left).
* **X-Trans mosaics** (6 x 6 layout): a colour's sites do not form a rectangular lattice, so
  the filter runs on the stabilised mosaic per colour as *normalised convolution* (Knutsson &
  Westin 1993): every box statistic (mean, mean of squares, the averaged coefficients) is a
  box sum over the colour's sites divided by their count. Green (20 of 36 sites) uses 5 x 5
  windows, red and blue (8 of 36) 7 x 7, so that each window holds about a dozen samples
  (larger windows removed less noise on scikit-image's photos: they take in more detail).
  Colours are never mixed, and there is no luma/chroma rotation, so the filter is milder than
  the Bayer one: on a smooth test scene it divides the noise sigma by 1.36, he2013 on the same
  scene as a Bayer mosaic by 1.69 (``tests/test_develop_linear.py``).

References
----------
K. He, J. Sun, X. Tang (2013), Guided image filtering, IEEE TPAMI 35(6), 1397-1409.

H. Knutsson, C.-F. Westin (1993), Normalized and differential convolution, CVPR 1993, 515-523.

M. Makitalo, A. Foi (2013), Optimal inversion of the generalized Anscombe transformation for
Poisson-Gaussian noise, IEEE TIP 22(1), 91-103.
"""

from __future__ import annotations

import cv2
import numpy as np

from brightroom.types import CFAPattern, NoiseProfile

from .he2013 import EPS_FACTOR, guided_coefficients
from .noise_estimation import estimate_plane_noise

__all__ = ["YCC3", "RADIUS_RGB", "guided_denoise_rgb", "guided_denoise_sparse",
           "estimate_noise_rgb", "estimate_noise_sparse"]

_S2, _S3, _S6 = np.sqrt(2.0), np.sqrt(3.0), np.sqrt(6.0)
YCC3 = np.array([[1 / _S3, 1 / _S3, 1 / _S3],
                 [1 / _S2, 0.0, -1 / _S2],
                 [1 / _S6, -2 / _S6, 1 / _S6]], dtype=np.float32)
"""Orthonormal rotation of (R, G, B) into one luma and two chroma channels."""

RADIUS_RGB = 2
"""Box radius (pixels) of the guided filter on full-resolution RGB."""


def _vst(x: np.ndarray, sc: np.ndarray, s2: np.ndarray) -> np.ndarray:
    return (2.0 * np.sqrt(np.maximum(x / sc + (0.375 + s2), 0.0))).astype(np.float32)


def _inverse_vst(z: np.ndarray, sc: np.ndarray, s2: np.ndarray, resid: np.ndarray
                 ) -> np.ndarray:
    y = 0.25 * z * z - (0.375 + s2) + 0.25 * (1.0 - resid)
    return (y * sc).astype(np.float32)


def _per_pixel(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``m @ x[i, j]`` for every pixel of ``H x W x n`` float32 ``x`` (``m`` is ``n x n``):
    OpenCV's ``transform`` (about 30x faster than NumPy's ``(N, 3) @ (3, 3)``, the same within
    float32 rounding)."""
    if x.shape[2] == 1:
        return (x * np.float32(m[0, 0])).astype(np.float32)
    return cv2.transform(np.ascontiguousarray(x, np.float32), np.asarray(m, np.float64))


def guided_denoise_rgb(
    data: np.ndarray,
    scale: np.ndarray,
    offset: np.ndarray,
    *,
    strength: float = 1.0,
    chroma: float = 1.0,
    clip: np.ndarray | None = None,
) -> np.ndarray:
    """Denoise a linear raw (``H x W x n``, n = 1 or 3), the RGB form of :mod:`.he2013`.

    Parameters
    ----------
    data
        float32 normalised camera RGB (not modified).
    scale, offset
        Noise model per channel (``n`` values each): variance ``scale * x + offset``.
    strength, chroma
        As in :func:`.he2013.guided_denoise`.
    clip
        Per-channel clip level: pixels at or above it are kept as they are.

    Returns
    -------
    numpy.ndarray
        Denoised float32 of the same shape.
    """
    a = np.asarray(data, dtype=np.float32)
    if strength <= 0:
        return a.copy()
    n = a.shape[2]
    sc = np.asarray(scale, np.float32).reshape(1, 1, n)
    s2 = (np.asarray(offset, np.float32).reshape(1, 1, n) / (sc * sc)).astype(np.float32)
    z = _vst(a, sc, s2)
    m = YCC3 if n == 3 else np.ones((1, 1), np.float32)
    t = _per_pixel(z, m)
    eps = EPS_FACTOR * strength**2 * np.array([1.0] + [chroma**2] * (n - 1))
    q = np.empty_like(t)
    a2 = np.empty_like(t)
    for k in range(n):
        ma, mb = guided_coefficients(t[:, :, k], float(eps[k]), RADIUS_RGB)
        q[:, :, k] = ma * t[:, :, k] + mb
        a2[:, :, k] = ma * ma
    zq = _per_pixel(q, m.T)
    resid = _per_pixel(a2, (m * m).T)  # unit variance left, per channel
    out = _inverse_vst(zq, sc, s2, resid)
    if clip is not None:
        c = np.asarray(clip, np.float32).reshape(1, 1, -1)[:, :, :n]
        out = np.where(a >= c, a, out)
    return out


def _box_sum(x: np.ndarray, radius: int) -> np.ndarray:
    k = 2 * radius + 1
    return cv2.boxFilter(x, -1, (k, k), normalize=False, borderType=cv2.BORDER_REFLECT)


def guided_denoise_sparse(
    cfa: np.ndarray,
    pattern: CFAPattern,
    scale: np.ndarray,
    offset: np.ndarray,
    *,
    strength: float = 1.0,
    clip: np.ndarray | None = None,
) -> np.ndarray:
    """Denoise a mosaic of any layout (X-Trans) per colour by normalised convolution.

    Parameters
    ----------
    cfa
        ``H x W`` float32 normalised mosaic (not modified).
    pattern
        Its layout.
    scale, offset
        Noise model per channel (R, G, B).
    strength
        Multiplies the noise sigma the filter assumes (0 returns a copy).
    clip
        Per-channel clip level (R, G, B): sites at or above it are kept as they are.

    Returns
    -------
    numpy.ndarray
        Denoised float32 mosaic.
    """
    x = np.asarray(cfa, dtype=np.float32)
    if strength <= 0:
        return x.copy()
    idx = pattern.channel_index(*x.shape)
    sc = np.asarray(scale, np.float32)[idx]
    s2 = (np.asarray(offset, np.float32)[idx] / (sc * sc)).astype(np.float32)
    z = _vst(x, sc, s2)
    eps = np.float32(EPS_FACTOR * strength**2)
    counts = np.bincount(pattern.tile.ravel(), minlength=3)
    out_z = np.empty_like(z)
    resid = np.empty_like(z)
    for c in range(3):
        mask = (idx == c).astype(np.float32)
        r = 2 if counts[c] * 2 > pattern.tile.size else 3
        cnt = np.maximum(_box_sum(mask, r), 1e-6)
        zm = z * mask
        mean = _box_sum(zm, r) / cnt
        var = np.maximum(_box_sum(zm * z, r) / cnt - mean * mean, 0.0)
        a = var / (var + eps)
        b = mean * (1.0 - a)
        ma = _box_sum(a * mask, r) / cnt
        mb = _box_sum(b * mask, r) / cnt
        sel = idx == c
        out_z[sel] = (ma * z + mb)[sel]
        resid[sel] = (ma * ma)[sel]
    out = _inverse_vst(out_z, sc, s2, resid)
    if clip is not None:
        cl = np.asarray(clip, np.float32)[idx]
        out = np.where(x >= cl, x, out)
    return out.astype(np.float32)


def estimate_noise_rgb(data: np.ndarray) -> NoiseProfile:
    """A per-channel :class:`NoiseProfile` of a linear raw (Foi et al. 2008 per channel).

    Demosaiced data have spatially correlated noise, which this underestimates; linear DNGs
    usually carry their NoiseProfile, which the stage then uses instead.
    """
    fits = [estimate_plane_noise(np.ascontiguousarray(data[:, :, c]))
            for c in range(data.shape[2])]
    if len(fits) == 1:
        fits = fits * 3
    return NoiseProfile(tuple(f[0] for f in fits), tuple(f[1] for f in fits))


def _green_blocks(pattern: CFAPattern) -> tuple[int, int] | None:
    """Row and column offset ``(dy, dx)`` at which rows and columns ``{d, d+1, d+3, d+4}``
    (mod 6) of an X-Trans tile are all green (its four 2 x 2 green blocks), or None."""
    tile = pattern.tile
    for dy in range(3):
        for dx in range(3):
            rows = [(dy + k) % 6 for k in (0, 1, 3, 4)]
            cols = [(dx + k) % 6 for k in (0, 1, 3, 4)]
            if np.all(tile[np.ix_(rows, cols)] == 1):
                return dy, dx
    return None


def estimate_noise_sparse(cfa: np.ndarray, pattern: CFAPattern) -> NoiseProfile:
    """A per-channel :class:`NoiseProfile` of an X-Trans (or any) mosaic.

    Each tile position's plane (every ``period``-th row and column) is fitted with
    :func:`.noise_estimation.estimate_plane_noise` and the fits averaged per colour. At 1/6
    resolution those planes hold much more scene detail than a Bayer plane, which the fit
    counts as noise; so for X-Trans green is fitted instead on the image of its 2 x 2 green
    blocks (rows and columns ``{0, 1, 3, 4}`` mod 6: neighbours one pixel apart), and red and
    blue are scaled down by the ratio of the two green fits at the mosaic's mean level (an
    approximation: it assumes red and blue planes carry detail as green's do).
    """
    p = pattern.period
    tile = pattern.tile
    fits: list[list[tuple[float, float]]] = [[], [], []]
    for i in range(p):
        for j in range(p):
            plane = np.ascontiguousarray(cfa[i::p, j::p])
            if min(plane.shape) >= 8:
                fits[int(tile[i, j])].append(estimate_plane_noise(plane))
    scale = [float(np.mean([f[0] for f in fc])) if fc else 0.0 for fc in fits]
    offset = [float(np.mean([f[1] for f in fc])) if fc else 1e-6 for fc in fits]
    blocks = _green_blocks(pattern) if pattern.is_xtrans else None
    h, w = cfa.shape
    if blocks is not None and h >= 24 and w >= 24:
        dy, dx = blocks
        rows = np.array([y for y in range(h) if (y - dy) % 6 in (0, 1, 3, 4)])
        cols = np.array([x for x in range(w) if (x - dx) % 6 in (0, 1, 3, 4)])
        gs, go = estimate_plane_noise(np.ascontiguousarray(cfa[np.ix_(rows, cols)]))
        level = max(float(np.mean(cfa)), 1e-6)
        lattice = scale[1] * level + offset[1]
        ratio = min(1.0, (gs * level + go) / lattice) if lattice > 0 else 1.0
        scale = [scale[0] * ratio, gs, scale[2] * ratio]
        offset = [offset[0] * ratio, go, offset[2] * ratio]
    return NoiseProfile(tuple(scale), tuple(max(o, 0.0) for o in offset))
