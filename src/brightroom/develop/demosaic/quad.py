"""Quad-Bayer (and nona / hexadeca) mosaics: binning and remosaicing to Bayer.

High-resolution phone sensors (Sony "Quad Bayer", Samsung "Tetracell", 48-200 MP) cover each
``block x block`` group of pixels with one colour filter, the groups forming a Bayer pattern.
There are two ways to develop them, both here:

* :func:`bin_cfa`, the low-light / fast mode: average each group into one pixel, giving a
  Bayer mosaic of half (third, quarter) the size with ``block`` times less noise amplitude
  per pixel (on-sensor "binning" / "Tetracell" 4-in-1 mode).
* :func:`remosaic`, the full-resolution mode: rebuild a full-resolution Bayer mosaic from
  the quad one, so that any Bayer demosaicing method can follow. The quad samples are first
  interpolated to a full green plane with a gradient-weighted directional rule (each
  non-green pixel has a green neighbour on each side in its row and column, ``1 .. block``
  pixels away; the horizontal and vertical linear estimates are blended with weights inverse
  to their gradients, so that edges are followed), then red and blue are recovered from the
  colour differences ``R - G`` and ``B - G``, interpolated linearly (separably, between the
  nearest samples) from the red and blue samples. Each output pixel takes the colour the
  Bayer pattern asks for; where it equals the quad colour, the sample is copied unchanged.
  :func:`remosaic_numpy` is the readable reference; :func:`remosaic` runs the numba fast
  path of :mod:`._quad_numba`, tested against it.

References
----------
.. [1] Sony Semiconductor Solutions, "Quad Bayer Coding" / IMX586 product brief (2018):
   a 2 x 2 same-colour array read binned in low light and "array conversion" (remosaic)
   to a Bayer array for full resolution in bright light.
.. [2] Samsung Semiconductor, "ISOCELL Tetracell" technology brief (2017-2019): 4-in-1
   pixel binning and remosaicing of the Tetracell colour filter array.
.. [3] Kim, I., Song, S., Chang, S., Lim, S., Guo, K. (2019). Deep image demosaicing for
   submicron image sensors. Journal of Imaging Science and Technology, 63(6), 060410
   (Quad Bayer: binning to a quarter-resolution Bayer mosaic vs. full-resolution
   demosaicing of the non-uniformly sampled array).
.. [4] Hamilton, J. F., Adams, J. E. (1997). Adaptive color plan interpolation in single
   sensor color electronic camera. US Patent 5,629,734 (gradient-directed green
   interpolation, colour-difference interpolation of red and blue).
"""

from __future__ import annotations

import numpy as np

from brightroom.develop.demosaic._cfa import check_mosaic
from brightroom.develop.demosaic._quad_numba import remosaic_numba
from brightroom.errors import ParameterError
from brightroom.types import CFAPattern

__all__ = ["bin_cfa", "remosaic", "remosaic_numpy", "block_reflect_index"]


def _check_quad(cfa: object, pattern: object, where: str) -> CFAPattern:
    pattern = check_mosaic(cfa, pattern, bayer_only=False, where=where)
    if pattern.block == 1:
        raise ParameterError(f"{where}: {pattern.name} is already a Bayer pattern; expected a "
                             f"quad / nona / hexadeca pattern (block > 1)")
    return pattern


def bin_cfa(cfa: np.ndarray, pattern: CFAPattern | str) -> tuple[np.ndarray, CFAPattern]:
    """Average each ``block x block`` same-colour group: the binned (low-light) Bayer mosaic.

    Parameters
    ----------
    cfa
        ``H x W`` float32 quad-Bayer mosaic. Not modified.
    pattern
        Its pattern, ``block`` 2, 3 or 4.

    Returns
    -------
    cfa_binned, bayer_pattern
        ``ceil(H / block) x ceil(W / block)`` float32 Bayer mosaic (a group cut by the
        bottom or right edge is the mean of the pixels it has) and its Bayer pattern
        (``pattern.binned()``).

    References
    ----------
    Sony "Quad Bayer" / Samsung "Tetracell" 4-in-1 binning (see the module references).
    """
    pattern = _check_quad(cfa, pattern, "bin_cfa")
    b = pattern.block
    h, w = cfa.shape
    hb, wb = -(-h // b), -(-w // b)
    if h % b == 0 and w % b == 0:
        out = np.zeros((hb, wb), np.float32)
        for i in range(b):             # b * b strided slices: much faster than a 4-D mean
            for j in range(b):
                out += cfa[i::b, j::b]
        out *= np.float32(1 / (b * b))
    else:
        s = np.zeros((hb * b, wb * b), dtype=np.float32)
        s[:h, :w] = cfa
        n = np.zeros((hb * b, wb * b), dtype=np.float32)
        n[:h, :w] = 1
        out = s.reshape(hb, b, wb, b).sum(axis=(1, 3)) / n.reshape(hb, b, wb, b).sum(axis=(1, 3))
    return np.ascontiguousarray(out, dtype=np.float32), pattern.binned()


def block_reflect_index(n: int, before: int, after: int, block: int) -> np.ndarray:
    """Indices that extend an axis of ``n`` pixels by ``before`` / ``after`` pixels while
    keeping the colour of a ``block``-sized Bayer pattern.

    Padding is a reflection about the centre of the first (last complete) block, which maps
    block ``-k`` onto block ``k`` (of the same colour); for ``block = 1`` this is
    ``numpy.pad(mode="reflect")``.
    """
    y = np.arange(-before, n + after)
    last = n // block - 1                      # last complete block
    lo2, hi2 = block - 1, 2 * last * block + block - 1   # twice the reflection centres
    for _ in range(8):
        y = np.where(y < 0, lo2 - y, y)
        y = np.where(y >= n, hi2 - y, y)
    return np.clip(y, 0, n - 1)


def _linear_weights(samples: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every position ``0 .. n - 1``: the indices (into ``samples``) of the nearest sample
    at or before it and at or after it, and the weight of the latter for linear
    interpolation (clamped beyond the first and last samples)."""
    x = np.arange(n)
    i1 = np.clip(np.searchsorted(samples, x, side="left"), 0, len(samples) - 1)
    i0 = np.clip(np.where(samples[i1] > x, i1 - 1, i1), 0, len(samples) - 1)
    span = (samples[i1] - samples[i0]).astype(np.float32)
    w1 = np.where(span > 0, (x - samples[i0]) / np.where(span > 0, span, 1), 0)
    return i0, i1, np.clip(w1, 0, 1).astype(np.float32)


def _prepare(cfa: np.ndarray, pattern: CFAPattern) -> tuple[np.ndarray, int, dict]:
    """Pad a quad mosaic colour-consistently by one tile and build, for red and blue, the
    padded indices of the lattice samples around every column and row with their weights."""
    b = pattern.block
    h, w = cfa.shape
    pad = 2 * b                                # a whole tile: the padded phase is unchanged
    iy = block_reflect_index(h, pad, pad, b)
    ix = block_reflect_index(w, pad, pad, b)
    a = np.take(np.take(cfa, iy, axis=0), ix, axis=1)
    hp, wp = a.shape
    axes = {}
    for c, ch in ((0, "R"), (2, "B")):
        cy, cx = pattern.offset(ch)
        rows = np.flatnonzero((np.arange(hp) // b) % 2 == cy)
        cols = np.flatnonzero((np.arange(wp) // b) % 2 == cx)
        x0, x1, wx = _linear_weights(cols, wp)
        y0, y1, wy = _linear_weights(rows, hp)
        axes[c] = (cols[x0], cols[x1], wx, rows[y0], rows[y1], wy)
    return a, pad, axes


def remosaic_numpy(cfa: np.ndarray, pattern: CFAPattern | str) -> tuple[np.ndarray, CFAPattern]:
    """NumPy reference of :func:`remosaic` (same contract and result)."""
    pattern = _check_quad(cfa, pattern, "remosaic")
    b = pattern.block
    h, w = cfa.shape
    a, pad, axes = _prepare(cfa, pattern)
    hp, wp = a.shape
    quad_idx = pattern.channel_index(hp, wp)
    is_g = quad_idx == 1
    f = np.float32

    # Green: linear estimates between the nearest greens left / right and above / below.
    ox = np.arange(wp) % b
    oy = np.arange(hp) % b
    xl, xr = np.clip(np.arange(wp) - ox - 1, 0, wp - 1), np.clip(np.arange(wp) - ox + b, 0, wp - 1)
    yu, yd = np.clip(np.arange(hp) - oy - 1, 0, hp - 1), np.clip(np.arange(hp) - oy + b, 0, hp - 1)
    dl, dr = (ox + 1).astype(np.float32), (b - ox).astype(np.float32)
    du, dd = (oy + 1).astype(np.float32)[:, None], (b - oy).astype(np.float32)[:, None]
    gl, gr = a[:, xl], a[:, xr]
    gu, gd = a[yu, :], a[yd, :]
    g_h = (gl * dr + gr * dl) / (dl + dr)
    g_v = (gu * dd + gd * du) / (du + dd)
    # Gradients: the green step across the block plus the variation inside it.
    xs, xe = np.arange(wp) - ox, np.clip(np.arange(wp) - ox + b - 1, 0, wp - 1)
    ys, ye = np.arange(hp) - oy, np.clip(np.arange(hp) - oy + b - 1, 0, hp - 1)
    grad_h = np.abs(gl - gr) + np.abs(a[:, xs] - a[:, xe])
    grad_v = np.abs(gu - gd) + np.abs(a[ys, :] - a[ye, :])
    total = grad_h + grad_v
    flat = total <= f(1e-12)
    w_h = np.where(flat, f(0.5), grad_v / np.where(flat, f(1), total))
    g = np.where(is_g, a, w_h * g_h + (f(1) - w_h) * g_v)

    # Red and blue: the colour differences R - G, B - G live on a product lattice (the rows
    # and columns of the red / blue blocks); interpolate them linearly between the nearest
    # samples along x, then along y (exact for linear colour differences).
    planes = [g, g, g]
    diff_all = a - g
    for c in (0, 2):
        x0, x1, wx, y0, y1, wy = axes[c]
        dx = diff_all[:, x0] * (f(1) - wx) + diff_all[:, x1] * wx
        diff = dx[y0] * (f(1) - wy)[:, None] + dx[y1] * wy[:, None]
        planes[c] = g + diff

    bayer = pattern.binned()
    bayer_idx = bayer.channel_index(hp, wp)
    out = np.choose(bayer_idx, planes)
    out = np.where(bayer_idx == quad_idx, a, out)
    return np.ascontiguousarray(out[pad:pad + h, pad:pad + w], dtype=np.float32), bayer


def remosaic(cfa: np.ndarray, pattern: CFAPattern | str) -> tuple[np.ndarray, CFAPattern]:
    """Rearrange a quad (nona, hexadeca) mosaic into a full-resolution Bayer mosaic.

    Parameters
    ----------
    cfa
        ``H x W`` float32 quad-Bayer mosaic (not clipped). Not modified.
    pattern
        Its pattern, ``block`` 2, 3 or 4.

    Returns
    -------
    cfa_bayer, bayer_pattern
        ``H x W`` float32 Bayer mosaic in ``pattern.binned()`` (the same phase letters,
        one pixel per colour): where a pixel's Bayer colour equals its quad colour the
        sample is copied, elsewhere it is interpolated (see the module description).
        Computed by the numba fast path; :func:`remosaic_numpy` is the reference.

    References
    ----------
    Sony "Quad Bayer" array conversion, Samsung "Tetracell" remosaic; Hamilton and Adams
    (1997) gradient-directed green and colour-difference interpolation (module references).
    """
    pattern = _check_quad(cfa, pattern, "remosaic")
    a, pad, axes = _prepare(cfa, pattern)
    return remosaic_numba(a, pattern, pad, cfa.shape[0], cfa.shape[1], axes), pattern.binned()
