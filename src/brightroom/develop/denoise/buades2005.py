"""Raw denoising with non-local means on Anscombe-stabilised luma/chroma planes.

The stronger, slower alternative to :mod:`.he2013`: the same stabilised luma/chroma planes
(unit Gaussian noise) are filtered with OpenCV's fast non-local means (Buades, Coll, Morel
2005; Froment's patch-distance speed-ups), on 16-bit data with the L1 patch distance. The
filter strength ``h`` is ``0.8 * strength`` noise sigmas for luma and ``chroma`` times that
for chroma, which gave the best PSNR on simulated raws at ISO 800-6400. The inverse uses the
Makitalo-Foi bias correction of a fully smoothed value.

References
----------
A. Buades, B. Coll, J.-M. Morel (2005), A non-local algorithm for image denoising, CVPR 2005,
60-65.

M. Makitalo, A. Foi (2013), Optimal inversion of the generalized Anscombe transformation for
Poisson-Gaussian noise, IEEE Transactions on Image Processing 22(1), 91-103.
"""

from __future__ import annotations

import cv2
import numpy as np

from brightroom.types import CFAPattern

from .planes import merge_planes, position_matrix, split_planes, usable_shape

__all__ = ["nlm_denoise", "H_FACTOR"]

H_FACTOR = 0.8
"""Non-local means ``h`` in noise sigmas at strength 1."""


def _nlm_channel(t: np.ndarray, h: float, template: int, search: int) -> np.ndarray:
    lo, hi = float(t.min()), float(t.max())
    s = min(64.0, 60000.0 / max(hi - lo, 1e-6))  # >= 64 levels per sigma while range allows
    u = np.clip(np.rint((t - lo) * s), 0, 65535).astype(np.uint16)
    d = cv2.fastNlMeansDenoising(u, [h * s], None, template, search, cv2.NORM_L1)
    return (d.astype(np.float32) / np.float32(s) + np.float32(lo)).astype(np.float32)


def nlm_denoise(
    cfa: np.ndarray,
    pattern: CFAPattern,
    scale: np.ndarray,
    offset: np.ndarray,
    *,
    strength: float = 1.0,
    chroma: float = 1.0,
    clip: np.ndarray | None = None,
    template: int = 5,
    search: int = 15,
) -> np.ndarray:
    """Denoise a normalised mosaic with non-local means on its stabilised planes.

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
        Extra factor on ``h`` for the three chroma channels.
    clip
        Clip level per raster cell position; pixels at or above it are kept unchanged.
    template, search
        Patch and search window sizes in plane pixels (odd).

    Returns
    -------
    numpy.ndarray
        Denoised float32 mosaic of the same shape.

    References
    ----------
    Buades, Coll, Morel (2005); Makitalo & Foi (2013). See the module docstring.
    """
    out = np.array(cfa, dtype=np.float32, copy=True)
    if strength <= 0:
        return out
    h, w = usable_shape(cfa.shape, pattern)
    planes = split_planes(out[:h, :w], pattern)
    sc = np.asarray(scale, np.float32).reshape(1, 4, 1, 1)
    s2 = (np.asarray(offset, np.float32).reshape(1, 4, 1, 1) / (sc * sc)).astype(np.float32)
    z = 2.0 * np.sqrt(np.maximum(planes / sc + (0.375 + s2), 0.0))
    m = position_matrix(pattern)
    t = np.einsum("kp,spij->skij", m, z).astype(np.float32)
    hs = H_FACTOR * strength * np.array([1.0, chroma, chroma, chroma])
    q = np.empty_like(t)
    for s in range(t.shape[0]):
        for k in range(4):
            q[s, k] = _nlm_channel(t[s, k], float(hs[k]), template, search)
    zq = np.einsum("kp,skij->spij", m, q)
    y = 0.25 * zq * zq - (0.375 + s2) + 0.25
    res = (y * sc).astype(np.float32)
    if clip is not None:
        c = np.asarray(clip, np.float32).reshape(1, 4, 1, 1)
        res = np.where(planes >= c, planes, res)
    out[:h, :w] = merge_planes(res, pattern)
    return out
