"""Fast path of :mod:`.malvar2004`: the same filters, fused into one parallel numba pass.

The NumPy reference pads the mosaic by reflection and evaluates each filter on strided views.
Here the mosaic is read in place: interior pixels take their 5 x 5 neighbourhood directly, in
four branch-free loops per row pair (one per pixel class, stride 2), and the two-pixel border
reads through the same reflection the reference pads with, so both agree to float32 rounding
everywhere. Rows are spread over the threads with ``prange``; compiled code is cached.

References
----------
.. [1] Malvar, H. S., He, L.-W., Cutler, R. (2004). High-quality linear interpolation for
   demosaicing of Bayer-patterned color images. ICASSP 2004, vol. 3, 485-488.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

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
def _run_rb(a, out, y, x0, x1, ci, co):  # noqa: ANN001
    # Red (ci=0) or blue (ci=2) pixels x0, x0 + 2, ... < x1 of interior row y.
    for x in range(x0, x1, 2):
        c = a[y, x]
        cross1 = a[y - 1, x] + a[y + 1, x] + a[y, x - 1] + a[y, x + 1]
        cross2 = a[y - 2, x] + a[y + 2, x] + a[y, x - 2] + a[y, x + 2]
        diag = a[y - 1, x - 1] + a[y - 1, x + 1] + a[y + 1, x - 1] + a[y + 1, x + 1]
        out[y, x, ci] = c
        out[y, x, 1] = (np.float32(4) * c + np.float32(2) * cross1 - cross2) * np.float32(0.125)
        out[y, x, co] = (np.float32(6) * c + np.float32(2) * diag - np.float32(1.5) * cross2) \
            * np.float32(0.125)


@njit(cache=True, inline="always")
def _run_g(a, out, y, x0, x1, ch, cv):  # noqa: ANN001
    # Green pixels x0, x0 + 2, ... < x1 of interior row y; channel ch lies along the row,
    # channel cv along the column.
    for x in range(x0, x1, 2):
        c = a[y, x]
        w1e1 = a[y, x - 1] + a[y, x + 1]
        n1s1 = a[y - 1, x] + a[y + 1, x]
        w2e2 = a[y, x - 2] + a[y, x + 2]
        n2s2 = a[y - 2, x] + a[y + 2, x]
        diag = a[y - 1, x - 1] + a[y - 1, x + 1] + a[y + 1, x - 1] + a[y + 1, x + 1]
        c5 = np.float32(5) * c - diag
        out[y, x, ch] = (c5 + np.float32(4) * w1e1 - w2e2 + np.float32(0.5) * n2s2) \
            * np.float32(0.125)
        out[y, x, 1] = c
        out[y, x, cv] = (c5 + np.float32(4) * n1s1 - n2s2 + np.float32(0.5) * w2e2) \
            * np.float32(0.125)


@njit(cache=True, parallel=True)
def _malvar_kernel(a, oy, ox, out):  # noqa: ANN001
    h, w = a.shape
    for y in prange(h):
        if y < 2 or y >= h - 2 or w < 5:
            for x in range(w):
                _pixel_border(a, y, x, oy, ox, out)
            continue
        for x in (0, 1, w - 2, w - 1):
            _pixel_border(a, y, x, oy, ox, out)
        # Interior columns 2 .. w - 3; the first one of each class:
        xa = 2 + ((2 + ox) & 1)       # class column 0 (R on a red row, Gb on a blue row)
        xb = 2 + ((3 + ox) & 1)       # class column 1 (Gr on a red row, B on a blue row)
        if (y + oy) & 1 == 0:
            _run_rb(a, out, y, xa, w - 2, 0, 2)
            _run_g(a, out, y, xb, w - 2, 0, 2)
        else:
            _run_g(a, out, y, xa, w - 2, 2, 0)
            _run_rb(a, out, y, xb, w - 2, 2, 0)


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
