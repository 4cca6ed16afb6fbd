"""The row machine: one compiled kernel that runs any chain of pointwise row operations.

Pointwise stages (colour, sharpen's detail, tone, output, and any stage written from the same
operations) do not get a kernel each. Their plans return *row operations*
(:mod:`brightroom.develop.rowops`), packed into a few flat arrays, and this kernel applies them
row by row, in parallel over rows. Run with one stage's operations it is that stage's kernel
(the ``reference`` schedule, one stage after another); run with the operations of several
neighbouring stages it is their fusion (the ``fused`` schedule, one pass over memory). The
arithmetic is the same code either way, so the two schedules agree to float rounding.

Packed form (written by :class:`brightroom.develop.rowops.Packer`):

* ``kinds[k]``: the operation code of operation ``k`` (:data:`MATRIX`, ...);
* ``fp[k, :]``: its scalar constants;
* ``refs[k, :]``: indices of its arrays in ``planes`` (2-D float32), ``vecs`` (1-D float32)
  and ``ints`` (1-D int64), fixed-size tuples padded with a dummy array, so that one compiled
  signature serves every chain (compiled once, cached on disk).

The per-row dispatch costs one branch per operation per row; each operation's inner loop over
the row is branch-free and vectorises. Each row is worked in place in its output row, which
stays in the core's cache while the operations run.

Adding an operation code means a row function here and a packing rule in
:mod:`brightroom.develop.rowops`; adding a *stage* made of existing operations touches neither.
"""

from __future__ import annotations

import numpy as np

from brightroom._jit import njit, prange
from brightroom.develop.kernels.tone_row import FASTMATH, tone_row

__all__ = ["MATRIX", "ADD_LUMA", "TONE", "ENCODE", "CURVES", "CHROMA", "N_PLANES", "N_VECS", "N_INTS",
           "N_FLOATS", "N_REFS", "run_rows", "run_rows_luma"]

MATRIX = 1
"""``rgb <- M rgb``: ``fp[k, 0:9]`` row-major."""
ADD_LUMA = 2
"""``rgb <- rgb + d[i, j]`` on all channels: ``planes[refs[k, 0]]`` is ``d`` (``H x W``)."""
TONE = 3
"""The tone stage's row function (:func:`.tone_row.tone_row`); see ``Tone`` in rowops."""
ENCODE = 4
"""Clip to [0, 1] (NaN to 0) and read a transfer-curve table with linear interpolation:
``vecs[refs[k, 0]]``."""
CURVES = 5
"""Per-channel curves on [0, 1] (clipped), tables of equal size with linear interpolation:
``vecs[refs[k, 0:3]]`` for R, G, B."""

CHROMA = 6
"""Shadow chroma noise reduction (``ShadowChroma`` in :mod:`brightroom.develop.tone.chroma`):
the chroma ratios ``r / Y`` and ``b / Y`` blended, below a luminance, toward smooth ratio planes
``planes[refs[k, 0:2]]`` (upsampled along x, ``h_small x W``; rows ``ints[refs[k, 2:4]]``,
weights ``vecs[refs[k, 4]]``); ``vecs[refs[k, 5]]`` the luminance weights; ``fp[k, 0:4]`` the
upper and lower luminance of the ramp, the desaturation at full weight and the strength."""

N_PLANES = 6
N_VECS = 12
N_INTS = 6
N_FLOATS = 16
N_REFS = 12


@njit(cache=True, inline="always", fastmath=FASTMATH, error_model="numpy")
def _matrix_row(a, f):  # pragma: no cover - compiled
    m00, m01, m02 = f[0], f[1], f[2]
    m10, m11, m12 = f[3], f[4], f[5]
    m20, m21, m22 = f[6], f[7], f[8]
    for j in range(a.shape[0]):
        r, g, b = a[j, 0], a[j, 1], a[j, 2]
        a[j, 0] = m00 * r + m01 * g + m02 * b
        a[j, 1] = m10 * r + m11 * g + m12 * b
        a[j, 2] = m20 * r + m21 * g + m22 * b


@njit(cache=True, inline="always", fastmath=FASTMATH, error_model="numpy")
def _add_row(a, d):  # pragma: no cover - compiled
    for j in range(a.shape[0]):
        v = d[j]
        a[j, 0] += v
        a[j, 1] += v
        a[j, 2] += v


@njit(cache=True, inline="always", fastmath=FASTMATH, error_model="numpy")
def _encode_row(a, lut):  # pragma: no cover - compiled
    # clip and table read without branches, so that the loop vectorises
    size = lut.shape[0] - 1
    zero = np.float32(0.0)
    one = np.float32(1.0)
    for j in range(a.shape[0]):
        for c in range(3):
            v = a[j, c]
            v = v if v == v else zero  # NaN -> 0
            t = min(max(v, zero), one) * np.float32(size)
            k = min(np.int32(t), size - 1)
            f = t - np.float32(k)
            a[j, c] = lut[k] + f * (lut[k + 1] - lut[k])


@njit(cache=True, inline="always", fastmath=FASTMATH, error_model="numpy")
def _curve_channel(a, c, lut):  # pragma: no cover - compiled
    size = lut.shape[0] - 1
    zero = np.float32(0.0)
    one = np.float32(1.0)
    for j in range(a.shape[0]):
        v = a[j, c]
        v = v if v == v else zero
        t = min(max(v, zero), one) * np.float32(size)
        k = min(np.int32(t), size - 1)
        f = t - np.float32(k)
        a[j, c] = lut[k] + f * (lut[k + 1] - lut[k])


@njit(cache=True, inline="always", fastmath=FASTMATH, error_model="numpy")
def _chroma_row(a, pr0, pr1, pb0, pb1, fy, wts, y_hi, y_lo, desat, strength):  # pragma: no cover
    # rgb <- (1 - t) rgb + t Y s, with s the smooth ratios (w . s = 1, so Y is kept): the ratio
    # blend Y ((1 - t) rgb / Y + t s) written without a division, continuous through Y = 0.
    # Planar row buffers first (contiguous loops that vectorise), then one strided write.
    w = a.shape[0]
    w0, w1, w2 = wts[0], wts[1], wts[2]
    zero = np.float32(0.0)
    one = np.float32(1.0)
    inv_span = one / (y_hi - y_lo)
    inv_w1 = one / w1
    tb = np.empty(w, np.float32)
    yb = np.empty(w, np.float32)
    for j in range(w):
        yb[j] = w0 * a[j, 0] + w1 * a[j, 1] + w2 * a[j, 2]
    ymin = y_hi
    for j in range(w):
        ymin = min(ymin, yb[j])  # a NaN pixel does not count
    if not ymin < y_hi:
        return  # no pixel of the row in the shadows: nothing to do
    for j in range(w):
        t = min(max((y_hi - yb[j]) * inv_span, zero), one)
        tb[j] = t * t * (np.float32(3.0) - np.float32(2.0) * t) * strength
    sr = np.empty(w, np.float32)
    sb = np.empty(w, np.float32)
    for j in range(w):
        t = tb[j]
        d = t * desat  # the smooth ratios pulled toward neutral (1) in the deepest shadows
        r = pr0[j] + (pr1[j] - pr0[j]) * fy
        b = pb0[j] + (pb1[j] - pb0[j]) * fy
        sr[j] = r + (one - r) * d
        sb[j] = b + (one - b) * d
        yb[j] = t * yb[j]
    for j in range(w):
        t = tb[j]
        u = one - t
        ty = yb[j]
        r, b = sr[j], sb[j]
        a[j, 0] = u * a[j, 0] + ty * r
        a[j, 1] = u * a[j, 1] + ty * ((one - w0 * r - w2 * b) * inv_w1)
        a[j, 2] = u * a[j, 2] + ty * b


@njit(cache=True, inline="always", fastmath=FASTMATH, error_model="numpy")
def _row_ops(a, i, kinds, refs, fp, planes, vecs, ints):  # pragma: no cover - compiled
    """Apply every operation, in place, to row ``i`` held in ``a`` (``W x 3``)."""
    for k in range(kinds.shape[0]):
        kind = kinds[k]
        r = refs[k]
        f = fp[k]
        if kind == MATRIX:
            _matrix_row(a, f)
        elif kind == ADD_LUMA:
            _add_row(a, planes[r[0]][i])
        elif kind == TONE:  # reads each pixel before writing it: safe in place
            tone_row(a, a, i, vecs[r[0]], f[0], f[1] > 0, planes[r[1]], planes[r[2]],
                     ints[r[3]], ints[r[4]], vecs[r[5]], f[2], f[3], f[4], f[5], f[6],
                     vecs[r[6]], vecs[r[7]], f[7] > 0, vecs[r[8]], vecs[r[9]], f[8], f[9])
        elif kind == ENCODE:
            _encode_row(a, vecs[r[0]])
        elif kind == CHROMA:
            c0 = ints[r[2]][i]
            c1 = ints[r[3]][i]
            pr = planes[r[0]]
            pb = planes[r[1]]
            _chroma_row(a, pr[c0], pr[c1], pb[c0], pb[c1], vecs[r[4]][i], vecs[r[5]],
                        f[0], f[1], f[2], f[3])
        elif kind == CURVES:
            _curve_channel(a, 0, vecs[r[0]])
            _curve_channel(a, 1, vecs[r[1]])
            _curve_channel(a, 2, vecs[r[2]])


@njit(cache=True, inline="always")
def _load_row(a, si):  # pragma: no cover - compiled
    for j in range(si.shape[0]):
        a[j, 0] = si[j, 0]
        a[j, 1] = si[j, 1]
        a[j, 2] = si[j, 2]


@njit(nogil=True, cache=True, parallel=True, fastmath=FASTMATH, error_model="numpy")
def run_rows(src, out, kinds, refs, fp, planes, vecs, ints):  # pragma: no cover - compiled
    """Apply the packed operations to every row of ``src`` (``H x W x 3``) into ``out``."""
    h, w, _ = src.shape
    for i in prange(h):
        a = out[i]  # worked in place in the output row
        _load_row(a, src[i])
        _row_ops(a, i, kinds, refs, fp, planes, vecs, ints)


@njit(nogil=True, cache=True, parallel=True, fastmath=FASTMATH, error_model="numpy")
def run_rows_luma(src, out, wts, kinds, refs, fp, planes, vecs, ints):  # pragma: no cover
    """Like :func:`run_rows`, but write only the luminance ``wts . rgb`` (``H x W``)."""
    h, w, _ = src.shape
    w0, w1, w2 = wts[0], wts[1], wts[2]
    for i in prange(h):
        a = np.empty((w, 3), np.float32)
        _load_row(a, src[i])
        _row_ops(a, i, kinds, refs, fp, planes, vecs, ints)
        oi = out[i]
        for j in range(w):
            oi[j] = w0 * a[j, 0] + w1 * a[j, 1] + w2 * a[j, 2]
