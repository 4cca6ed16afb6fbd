"""Fast path of :mod:`.malvar2004`: the same filters, fused into one parallel numba pass.

The NumPy reference pads the mosaic by reflection and evaluates each filter on strided views.
Here the mosaic is read in place: interior pixels take their 5 x 5 neighbourhood directly, in
one branch-free loop per row that LLVM vectorises (all filters evaluated, the right one
selected by column parity, written to planar row buffers, then interleaved), and the
two-pixel border reads through the same reflection the reference pads with, so both agree to
float32 rounding everywhere. Bands of rows are spread over the threads with ``prange``;
compiled code is cached.

References
----------
.. [1] Malvar, H. S., He, L.-W., Cutler, R. (2004). High-quality linear interpolation for
   demosaicing of Bayer-patterned color images. ICASSP 2004, vol. 3, 485-488.
"""

from __future__ import annotations

import numpy as np

from brightroom._jit import njit, prange
from brightroom.develop.demosaic._cfa import rggb_offsets
from brightroom.types import CFAPattern

__all__ = ["malvar2004_numba"]


@njit(cache=True, inline="always")
def _refl(i: int, n: int) -> int:
    # numpy.pad(mode="reflect") index mapping: -1 -> 1, n -> n - 2 (repeated for tiny n).
    while i < 0 or i >= n:
        if i < 0:
            i = -i
        if i >= n:
            i = 2 * n - 2 - i
    return i


@njit(cache=True, inline="always")
def _pixel_border(a, y, x, oy, ox, out):  # noqa: ANN001 - numba kernel
    h, w = a.shape
    yn1, ys1 = _refl(y - 1, h), _refl(y + 1, h)
    yn2, ys2 = _refl(y - 2, h), _refl(y + 2, h)
    xw1, xe1 = _refl(x - 1, w), _refl(x + 1, w)
    xw2, xe2 = _refl(x - 2, w), _refl(x + 2, w)
    c = a[y, x]
    n1, s1, w1, e1 = a[yn1, x], a[ys1, x], a[y, xw1], a[y, xe1]
    n2, s2, w2, e2 = a[yn2, x], a[ys2, x], a[y, xw2], a[y, xe2]
    diag = a[yn1, xw1] + a[yn1, xe1] + a[ys1, xw1] + a[ys1, xe1]
    k = ((y + oy) & 1) * 2 + ((x + ox) & 1)
    if k == 0 or k == 3:
        g = (np.float32(4) * c + np.float32(2) * (n1 + s1 + w1 + e1) - (n2 + s2 + w2 + e2)) \
            * np.float32(0.125)
        o = (np.float32(6) * c + np.float32(2) * diag - np.float32(1.5) * (n2 + s2 + w2 + e2)) \
            * np.float32(0.125)
        if k == 0:
            out[y, x, 0], out[y, x, 1], out[y, x, 2] = c, g, o
        else:
            out[y, x, 0], out[y, x, 1], out[y, x, 2] = o, g, c
    else:
        hz = (np.float32(5) * c + np.float32(4) * (w1 + e1) - (w2 + e2) - diag
              + np.float32(0.5) * (n2 + s2)) * np.float32(0.125)
        vt = (np.float32(5) * c + np.float32(4) * (n1 + s1) - (n2 + s2) - diag
              + np.float32(0.5) * (w2 + e2)) * np.float32(0.125)
        if k == 1:
            out[y, x, 0], out[y, x, 1], out[y, x, 2] = hz, c, vt
        else:
            out[y, x, 0], out[y, x, 1], out[y, x, 2] = vt, c, hz


@njit(cache=True, inline="always")
def _interior_row(a, out, y, oy, ox, rbuf, gbuf, bbuf):  # noqa: ANN001
    # Pixels 2 .. w - 3 of interior row y. Every filter of Fig. 2 is evaluated at every
    # pixel and the right ones are selected by column parity: branch-free, unit-stride code
    # that LLVM vectorises, into three planar row buffers; then one pass interleaves them.
    m2, m1, c0, p1, p2 = a[y - 2], a[y - 1], a[y], a[y + 1], a[y + 2]
    w = c0.shape[0]
    eighth = np.float32(0.125)
    red_row = ((y + oy) & 1) == 0
    for x in range(2, w - 2):
        c = c0[x]
        w1, e1, w2, e2 = c0[x - 1], c0[x + 1], c0[x - 2], c0[x + 2]
        n1, s1, n2, s2 = m1[x], p1[x], m2[x], p2[x]
        diag = m1[x - 1] + m1[x + 1] + p1[x - 1] + p1[x + 1]
        cross2 = n2 + s2 + w2 + e2
        g_rb = (np.float32(4) * c + np.float32(2) * (n1 + s1 + w1 + e1) - cross2) * eighth
        o_br = (np.float32(6) * c + np.float32(2) * diag - np.float32(1.5) * cross2) * eighth
        c5 = np.float32(5) * c - diag
        hz = (c5 + np.float32(4) * (w1 + e1) - (w2 + e2) + np.float32(0.5) * (n2 + s2)) * eighth
        vt = (c5 + np.float32(4) * (n1 + s1) - (n2 + s2) + np.float32(0.5) * (w2 + e2)) * eighth
        first = ((x + ox) & 1) == 0           # R on a red row, green on a blue row
        if red_row:
            rbuf[x] = c if first else hz
            gbuf[x] = g_rb if first else c
            bbuf[x] = o_br if first else vt
        else:
            rbuf[x] = vt if first else o_br
            gbuf[x] = c if first else g_rb
            bbuf[x] = hz if first else c
    for x in range(2, w - 2):
        out[y, x, 0] = rbuf[x]
        out[y, x, 1] = gbuf[x]
        out[y, x, 2] = bbuf[x]


@njit(nogil=True, cache=True)
def _malvar_rows(a, oy, ox, out, y0, y1):  # noqa: ANN001
    # Rows y0 .. y1 - 1, with one set of row buffers for the band.
    h, w = a.shape
    rbuf = np.empty(w, np.float32)
    gbuf = np.empty(w, np.float32)
    bbuf = np.empty(w, np.float32)
    for y in range(y0, y1):
        if y < 2 or y >= h - 2 or w < 5:
            for x in range(w):
                _pixel_border(a, y, x, oy, ox, out)
        else:
            for x in (0, 1, w - 2, w - 1):
                _pixel_border(a, y, x, oy, ox, out)
            _interior_row(a, out, y, oy, ox, rbuf, gbuf, bbuf)


@njit(nogil=True, cache=True, parallel=True)
def _malvar_kernel(a, oy, ox, out):  # noqa: ANN001
    h = a.shape[0]
    n_chunks = min(h, 64)
    for k in prange(n_chunks):
        _malvar_rows(a, oy, ox, out, k * h // n_chunks, (k + 1) * h // n_chunks)


def malvar2004_numba(cfa: np.ndarray, pattern: CFAPattern) -> np.ndarray:
    """Malvar et al. (2004) demosaicing of a checked Bayer mosaic (numba fast path).

    Parameters
    ----------
    cfa
        ``H x W`` float32 Bayer mosaic, already validated. Not modified.
    pattern
        Its Bayer phase.

    Returns
    -------
    numpy.ndarray
        ``H x W x 3`` float32, equal to
        :func:`~brightroom.develop.demosaic.malvar2004.demosaic_malvar2004_numpy` to float32
        rounding.

    References
    ----------
    Malvar, He, Cutler (2004), ICASSP, vol. 3, 485-488.
    """
    oy, ox = rggb_offsets(pattern)
    a = np.ascontiguousarray(cfa)
    out = np.empty((a.shape[0], a.shape[1], 3), dtype=np.float32)
    _malvar_kernel(a, oy, ox, out)
    return out
