"""Fast path of :mod:`brightroom.color.lut`: LUT application in one parallel numba pass.

The same arithmetic as the NumPy references :func:`~brightroom.color.lut.lut3d_tetrahedral`,
:func:`~brightroom.color.lut.lut3d_trilinear` and :func:`~brightroom.color.lut.lut1d_linear`,
in float32, pixel by pixel, with the table flattened (``[r, g, b, channel]``, C order) so that a
tetrahedron's four corners are found by adding fixed strides. Pixels are spread over the threads
with ``prange``; compiled code is cached.

References
----------
.. [1] Kasson, J. M., Nin, S. I., Plouffe, W., Hafner, J. L. (1995). Performing color space
   conversions with three-dimensional linear interpolation. J. Electronic Imaging 4(3), 226-250.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

__all__ = ["apply_lut3d_numba", "apply_lut1d_numba"]


@njit(cache=True, inline="always")
def _coord(v, lo, scale, nm1, n):  # noqa: ANN001, ANN202 - numba kernel
    # unsigned index: numba then emits no negative-index wraparound on the table reads
    t = (v - lo) * scale
    if not t > 0.0:  # also NaN
        return np.uint32(0), np.float32(0.0)
    if t >= nm1:
        return np.uint32(n - 2), np.float32(1.0)
    i = np.uint32(t)
    return i, t - np.float32(i)


_BLOCK = 512  # pixels per inner block: coordinates first (vectorised), then the table reads


@njit(nogil=True, parallel=True, cache=True, error_model="numpy", fastmath={"contract"})
def _tetrahedral(x, table, lo, scale, n, out):  # noqa: ANN001, ANN202 - numba kernel
    # Table offsets are unsigned: numba then emits no negative-index wraparound code on the
    # 12 table reads of every pixel (about 25 % faster).
    nm1 = np.float32(n - 1)
    n2 = np.int32(n - 2)
    zero = np.float32(0.0)
    one = np.float32(1.0)
    sr = np.uint32(n * n * 3)
    sg = np.uint32(n * 3)
    sb = np.uint32(3)
    d3 = sr + sg + sb
    u1 = np.uint32(1)
    u2 = np.uint32(2)
    lr, lg, lb = lo[0], lo[1], lo[2]
    kr, kg, kb = scale[0], scale[1], scale[2]
    npx = x.shape[0]
    for blk in prange((npx + _BLOCK - 1) // _BLOCK):
        s = blk * _BLOCK
        m = min(s + _BLOCK, npx) - s
        base = np.empty(_BLOCK, np.uint32)
        frac = np.empty((3, _BLOCK), np.float32)
        for q in range(m):
            p = s + q
            tr = (x[p, 0] - lr) * kr
            tg = (x[p, 1] - lg) * kg
            tb = (x[p, 2] - lb) * kb
            tr = tr if tr > zero else zero  # also NaN -> 0
            tg = tg if tg > zero else zero
            tb = tb if tb > zero else zero
            tr = tr if tr < nm1 else nm1
            tg = tg if tg < nm1 else nm1
            tb = tb if tb < nm1 else nm1
            ir = np.int32(tr)
            ig = np.int32(tg)
            ib = np.int32(tb)
            ir = ir if ir < n2 else n2
            ig = ig if ig < n2 else n2
            ib = ib if ib < n2 else n2
            frac[0, q] = tr - np.float32(ir)
            frac[1, q] = tg - np.float32(ig)
            frac[2, q] = tb - np.float32(ib)
            base[q] = np.uint32(ir) * sr + np.uint32(ig) * sg + np.uint32(ib) * sb
        for q in range(m):
            p = s + q
            fr = frac[0, q]
            fg = frac[1, q]
            fb = frac[2, q]
            # a >= b >= c: sorted fractions; d1 / d2: offsets of the 2nd and 3rd corners
            if fr >= fg:
                if fg >= fb:
                    a, b, c, d1, d2 = fr, fg, fb, sr, sr + sg
                elif fr >= fb:
                    a, b, c, d1, d2 = fr, fb, fg, sr, sr + sb
                else:
                    a, b, c, d1, d2 = fb, fr, fg, sb, sb + sr
            else:
                if fr >= fb:
                    a, b, c, d1, d2 = fg, fr, fb, sg, sg + sr
                elif fg >= fb:
                    a, b, c, d1, d2 = fg, fb, fr, sg, sg + sb
                else:
                    a, b, c, d1, d2 = fb, fg, fr, sb, sb + sg
            w0 = one - a
            w1 = a - b
            w2 = b - c
            k0 = base[q]
            k1 = k0 + d1
            k2 = k0 + d2
            k3 = k0 + d3
            out[p, 0] = w0 * table[k0] + w1 * table[k1] + w2 * table[k2] + c * table[k3]
            out[p, 1] = (w0 * table[k0 + u1] + w1 * table[k1 + u1] + w2 * table[k2 + u1]
                         + c * table[k3 + u1])
            out[p, 2] = (w0 * table[k0 + u2] + w1 * table[k1 + u2] + w2 * table[k2 + u2]
                         + c * table[k3 + u2])


@njit(nogil=True, parallel=True, cache=True)
def _trilinear(x, table, lo, scale, n, out):  # noqa: ANN001, ANN202 - numba kernel
    nm1 = np.float32(n - 1)
    sr = np.uint32(n * n * 3)
    sg = np.uint32(n * 3)
    sb = np.uint32(3)
    one = np.float32(1.0)
    for p in prange(x.shape[0]):
        ir, fr = _coord(x[p, 0], lo[0], scale[0], nm1, n)
        ig, fg = _coord(x[p, 1], lo[1], scale[1], nm1, n)
        ib, fb = _coord(x[p, 2], lo[2], scale[2], nm1, n)
        base = ir * sr + ig * sg + ib * sb
        for ch in range(3):
            k = base + np.uint32(ch)
            c00 = table[k] * (one - fb) + table[k + sb] * fb
            c01 = table[k + sg] * (one - fb) + table[k + sg + sb] * fb
            c10 = table[k + sr] * (one - fb) + table[k + sr + sb] * fb
            c11 = table[k + sr + sg] * (one - fb) + table[k + sr + sg + sb] * fb
            c0 = c00 * (one - fg) + c01 * fg
            c1 = c10 * (one - fg) + c11 * fg
            out[p, ch] = c0 * (one - fr) + c1 * fr


@njit(nogil=True, parallel=True, cache=True)
def _linear1d(x, table, lo, scale, n, out):  # noqa: ANN001, ANN202 - numba kernel
    nm1 = np.float32(n - 1)
    one = np.float32(1.0)
    for p in prange(x.shape[0]):
        for ch in range(3):
            i, f = _coord(x[p, ch], lo[ch], scale[ch], nm1, n)
            out[p, ch] = table[i, ch] * (one - f) + table[i + np.uint32(1), ch] * f


def _prepare(a: np.ndarray, lut: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.ascontiguousarray(a, dtype=np.float32).reshape(-1, 3)
    lo = lut.domain_min.astype(np.float32)
    scale = ((lut.size - 1) / (lut.domain_max - lut.domain_min)).astype(np.float32)
    return x, lo, scale


_KERNELS = {"tetrahedral": _tetrahedral, "trilinear": _trilinear}
"""The parallel kernel of each :data:`~brightroom.color.lut.LUT_METHODS` key."""


def apply_lut3d_numba(a: np.ndarray, lut: Any, *, method: str = "tetrahedral") -> np.ndarray:
    """Apply a 3D LUT (a :class:`~brightroom.color.lut.LUT3D`) to ``(..., 3)`` values in parallel.

    ``method`` is a canonical :data:`~brightroom.color.lut.LUT_METHODS` key (the caller resolves
    aliases); each has its kernel here, the fast path of the NumPy reference registered there.
    Returns float32 values of the input's shape.
    """
    kernel = _KERNELS[method]
    x, lo, scale = _prepare(a, lut)
    out = np.empty_like(x)
    table = np.ascontiguousarray(lut.table).reshape(-1)
    kernel(x, table, lo, scale, lut.size, out)
    return out.reshape(np.shape(a)[:-1] + (3,))


def apply_lut1d_numba(a: np.ndarray, lut: Any) -> np.ndarray:
    """Apply a 1D LUT (a :class:`~brightroom.color.lut.LUT1D`) to ``(..., 3)`` values in parallel."""
    x, lo, scale = _prepare(a, lut)
    out = np.empty_like(x)
    _linear1d(x, np.ascontiguousarray(lut.table), lo, scale, lut.size, out)
    return out.reshape(np.shape(a)[:-1] + (3,))
