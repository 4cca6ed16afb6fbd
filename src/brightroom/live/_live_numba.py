"""Fused full-resolution passes of the live render (numba), tested against the NumPy versions.

* :func:`composite_table_numba`: bilinear upsampling of the reduced background (OpenCV's
  ``INTER_LINEAR`` pixel-centre mapping), the ``over`` composite with the matte, 8-bit
  quantisation and, optionally, the colour table (:class:`brightroom.live.effects.ColourTable`)
  in one pass: the NumPy schedule is ``cv2.resize``, ``cv2.blendLinear``, a clip and a cast,
  then the table's gather, five passes over the frame.
* :func:`table_numba`: the colour table alone on a uint8 frame.

Serial on purpose, and without the GIL: the live engine runs its stages in threads of its own.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _axis(n_full, n_small):  # pragma: no cover - compiled
    i0 = np.empty(n_full, np.int64)
    i1 = np.empty(n_full, np.int64)
    fr = np.empty(n_full, np.float32)
    for i in range(n_full):
        f = (i + 0.5) * n_small / n_full - 0.5
        if f < 0.0:
            f = 0.0
        a = int(f)
        if a > n_small - 1:
            a = n_small - 1
        i0[i] = a
        i1[i] = a + 1 if a + 1 < n_small else n_small - 1
        fr[i] = f - a
    return i0, i1, fr


@njit(cache=True, inline="always")
def _q(s):  # pragma: no cover - compiled
    q = int(s * 255.0 + 0.5)
    return 0 if q < 0 else (255 if q > 255 else q)


@njit(cache=True, fastmath=True, nogil=True)
def composite_table_numba(fg, alpha, bg, packed, ir, ig, ib, use_table, out):  # pragma: no cover
    """``out`` (uint8 ``H x W x 3``) = table(quantise(alpha fg + (1 - alpha) up(bg)))."""
    h, w = fg.shape[0], fg.shape[1]
    hs, ws = bg.shape[0], bg.shape[1]
    y0, y1, fy = _axis(h, hs)
    x0, x1, fx = _axis(w, ws)
    for y in range(h):
        ya, yb, wy = y0[y], y1[y], fy[y]
        for x in range(w):
            xa, xb, wx = x0[x], x1[x], fx[x]
            a = alpha[y, x]
            na = 1.0 - a
            c00, c01 = bg[ya, xa], bg[ya, xb]
            c10, c11 = bg[yb, xa], bg[yb, xb]
            t0 = c00[0] + wx * (c01[0] - c00[0])
            r = _q(a * fg[y, x, 0] + na * (t0 + wy * (c10[0] + wx * (c11[0] - c10[0]) - t0)))
            t1 = c00[1] + wx * (c01[1] - c00[1])
            g = _q(a * fg[y, x, 1] + na * (t1 + wy * (c10[1] + wx * (c11[1] - c10[1]) - t1)))
            t2 = c00[2] + wx * (c01[2] - c00[2])
            b = _q(a * fg[y, x, 2] + na * (t2 + wy * (c10[2] + wx * (c11[2] - c10[2]) - t2)))
            if use_table:
                p = packed[ir[r] + ig[g] + ib[b]]
                out[y, x, 0] = p & 255
                out[y, x, 1] = (p >> 8) & 255
                out[y, x, 2] = (p >> 16) & 255
            else:
                out[y, x, 0] = r
                out[y, x, 1] = g
                out[y, x, 2] = b


@njit(cache=True, nogil=True)
def table_numba(frame, packed, ir, ig, ib, out):  # pragma: no cover - compiled
    """``out`` = the colour table applied to the uint8 ``frame``."""
    h, w = frame.shape[0], frame.shape[1]
    for y in range(h):
        for x in range(w):
            p = packed[ir[frame[y, x, 0]] + ig[frame[y, x, 1]] + ib[frame[y, x, 2]]]
            out[y, x, 0] = p & 255
            out[y, x, 1] = (p >> 8) & 255
            out[y, x, 2] = (p >> 16) & 255
