"""Raw denoising with a fast guided filter on Anscombe-stabilised luma/chroma planes.

The mosaic is split into its four cell-position planes, each plane is variance-stabilised with
its channel's generalised Anscombe transform (noise becomes unit Gaussian), and the planes are
rotated into one luma and three chroma channels (:data:`~.planes.YC_MATRIX`). Each channel is
then filtered by a self-guided filter (He, Sun, Tang 2013): in every window the output is the
linear model ``a * I + b`` with ``a = var / (var + eps)``, so flat areas are averaged and edges,
whose variance dwarfs ``eps``, are kept. ``eps`` follows the (unit) noise variance, times
``strength**2``, and times ``chroma**2`` for the chroma channels. The windows are 3 x 3 plane
pixels (6 x 6 mosaic pixels): on simulated raws at ISO 100-6400 this small radius with
``eps = 2.5 sigma**2`` gave the best PSNR of the radii and ``eps`` tried (larger windows and
the 2x-subsampled Fast Guided Filter of He & Sun 2015 blurred fine detail more than they removed
noise). Note that on the half-resolution planes the "chroma" channels also carry luma detail
(the four positions are offset by one pixel), which is why ``chroma`` defaults close to 1.
The inverse rotation and a bias-corrected inverse Anscombe transform (:mod:`.vst`) return to
the mosaic.

References
----------
K. He, J. Sun, X. Tang (2013), Guided image filtering, IEEE Transactions on Pattern Analysis
and Machine Intelligence 35(6), 1397-1409.

M. Makitalo, A. Foi (2013), Optimal inversion of the generalized Anscombe transformation for
Poisson-Gaussian noise, IEEE Transactions on Image Processing 22(1), 91-103.
"""

from __future__ import annotations

import cv2
import numpy as np

from brightroom.types import CFAPattern

from .planes import merge_planes, position_matrix, split_planes, usable_shape

__all__ = ["guided_denoise", "guided_coefficients", "EPS_FACTOR", "RADIUS"]

EPS_FACTOR = 2.5
"""``eps`` of the guided filter in units of the (stabilised, unit) noise variance."""

RADIUS = 1
"""Box radius of the guided filter, in plane pixels."""


def _box(x: np.ndarray, radius: int) -> np.ndarray:
    k = 2 * radius + 1
    return cv2.boxFilter(x, -1, (k, k), normalize=True, borderType=cv2.BORDER_REFLECT)


def guided_coefficients(guide: np.ndarray, eps: float, radius: int = RADIUS
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Box-averaged coefficients of the self-guided filter of one ``h x w`` channel.

    Parameters
    ----------
    guide
        float32 ``h x w``; guide and input at once.
    eps
        Regularisation (noise variance times the edge threshold).
    radius
        Box radius in pixels.

    Returns
    -------
    tuple of numpy.ndarray
        ``(mean_a, mean_b)``: the filtered channel is ``mean_a * guide + mean_b``.

    References
    ----------
    He, Sun, Tang (2013), algorithm 1 with ``I = p``.
    """
    g = np.ascontiguousarray(guide, dtype=np.float32)
    m = _box(g, radius)
    var = np.maximum(_box(g * g, radius) - m * m, 0)
    a = (var / (var + np.float32(eps))).astype(np.float32)
    b = (m - a * m).astype(np.float32)
    return _box(a, radius), _box(b, radius)


def guided_denoise(
    cfa: np.ndarray,
    pattern: CFAPattern,
    scale: np.ndarray,
    offset: np.ndarray,
    *,
    strength: float = 1.0,
    chroma: float = 1.0,
    clip: np.ndarray | None = None,
) -> np.ndarray:
    """Denoise a normalised mosaic (NumPy reference of the guided filter method).

    Parameters
    ----------
    cfa
        ``H x W`` float32 normalised mosaic.
    pattern
        Its colour filter layout.
    scale, offset
        Noise model per raster cell position (4 values each): variance ``scale*x + offset``.
    strength
        Multiplies the noise sigma the filter assumes (0 returns a copy).
    chroma
        Extra factor on sigma for the three chroma channels.
    clip
        Clip level per raster cell position: input pixels at or above it are kept as they are,
        so highlight recovery still finds them. ``None`` keeps nothing.

    Returns
    -------
    numpy.ndarray
        Denoised float32 mosaic of the same shape; rows and columns beyond the last whole
        colour tile are copied unchanged.

    References
    ----------
    He, Sun, Tang (2013); Makitalo & Foi (2013). See the module docstring.
    """
    out = np.array(cfa, dtype=np.float32, copy=True)
    if strength <= 0:
        return out
    h, w = usable_shape(cfa.shape, pattern)
    planes = split_planes(out[:h, :w], pattern)  # (S, 4, hh, ww)
    sc = np.asarray(scale, np.float32).reshape(1, 4, 1, 1)
    s2 = (np.asarray(offset, np.float32).reshape(1, 4, 1, 1) / (sc * sc)).astype(np.float32)
    z = 2.0 * np.sqrt(np.maximum(planes / sc + (0.375 + s2), 0.0))
    m = position_matrix(pattern)
    t = np.einsum("kp,spij->skij", m, z).astype(np.float32)
    eps = EPS_FACTOR * strength**2 * np.array([1.0, chroma**2, chroma**2, chroma**2])
    q = np.empty_like(t)
    a2 = np.empty_like(t)
    for s in range(t.shape[0]):
        for k in range(4):
            ma, mb = guided_coefficients(t[s, k], float(eps[k]))
            q[s, k] = ma * t[s, k] + mb
            a2[s, k] = ma * ma
    zq = np.einsum("kp,skij->spij", m, q)
    resid = np.einsum("kp,skij->spij", m * m, a2)  # noise variance left, per position
    y = 0.25 * zq * zq - (0.375 + s2) + 0.25 * (1.0 - resid)
    res = (y * sc).astype(np.float32)
    if clip is not None:
        c = np.asarray(clip, np.float32).reshape(1, 4, 1, 1)
        res = np.where(planes >= c, planes, res)
    out[:h, :w] = merge_planes(res, pattern)
    return out
