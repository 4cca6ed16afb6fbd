"""Fused numba fast path of :func:`~.he2013.guided_denoise` for Bayer (``block == 1``) mosaics.

Same algorithm as the NumPy reference, scheduled differently (the Halide habit): the image is
processed in strips of plane rows; each strip computes its stabilised luma/chroma planes, the
guided-filter coefficients and the output in small thread-local buffers, so the mosaic is read
once and written once.

References
----------
K. He, J. Sun, X. Tang (2013), Guided image filtering, IEEE TPAMI 35(6), 1397-1409.
"""

from __future__ import annotations

import numpy as np

from brightroom._jit import njit, prange

__all__ = ["guided_denoise_bayer"]


@njit(cache=True, inline="always")
def _reflect(i: int, n: int) -> int:
    if i < 0:
        return -i - 1
    if i >= n:
        return 2 * n - i - 1
    return i


@njit(nogil=True, cache=True, parallel=True, fastmath=True, error_model="numpy")
def guided_denoise_bayer(cfa, out, m, sc, s2, eps, clip, strip):  # pragma: no cover - compiled
    """Fused guided-filter denoise of the whole-tile part of a Bayer mosaic.

    ``m`` is the 4 x 4 position-to-luma/chroma matrix, ``sc``/``s2`` the per-position noise
    scale and stabilised read-noise variance, ``eps`` the per-channel regularisation, ``clip``
    the per-position level at or above which input pixels are kept unchanged.
    Writes into ``out`` (allocated by the caller: NumPy puts large arrays on huge pages, an
    allocation inside numba pays a page fault every 4 KiB); rows/columns beyond the last whole
    2 x 2 cell are copied.
    """
    H, W = cfa.shape
    hh, ww = H // 2, W // 2
    for i in range(2 * hh, H):
        for j in range(W):
            out[i, j] = cfa[i, j]
    if W > 2 * ww:
        for i in range(2 * hh):
            out[i, W - 1] = cfa[i, W - 1]
    nstrip = (hh + strip - 1) // strip
    for s in prange(nstrip):
        r0 = s * strip
        r1 = min(r0 + strip, hh)
        n = r1 - r0
        T = np.empty((4, n + 4, ww), np.float32)
        h375 = np.float32(0.375)
        two = np.float32(2.0)
        zero = np.float32(0.0)
        for li in range(n + 4):
            i = _reflect(r0 - 2 + li, hh)
            for j in range(ww):
                z0 = two * np.sqrt(max(cfa[2 * i, 2 * j] / sc[0] + h375 + s2[0], zero))
                z1 = two * np.sqrt(max(cfa[2 * i, 2 * j + 1] / sc[1] + h375 + s2[1], zero))
                z2 = two * np.sqrt(max(cfa[2 * i + 1, 2 * j] / sc[2] + h375 + s2[2], zero))
                z3 = two * np.sqrt(max(cfa[2 * i + 1, 2 * j + 1] / sc[3] + h375 + s2[3], zero))
                for k in range(4):
                    T[k, li, j] = m[k, 0] * z0 + m[k, 1] * z1 + m[k, 2] * z2 + m[k, 3] * z3
        # coefficients a, b for plane rows r0-1 .. r1 (reflected at the image borders)
        A = np.empty((4, n + 2, ww), np.float32)
        B = np.empty((4, n + 2, ww), np.float32)
        # column sums, padded by one reflected column at each end
        c1 = np.empty(ww + 2, np.float32)
        c2 = np.empty(ww + 2, np.float32)
        ninth = np.float32(1.0 / 9.0)
        for k in range(4):
            e = eps[k]
            for la in range(n + 2):
                for j in range(ww):
                    t0 = T[k, la, j]
                    t1 = T[k, la + 1, j]
                    t2 = T[k, la + 2, j]
                    c1[j + 1] = t0 + t1 + t2
                    c2[j + 1] = t0 * t0 + t1 * t1 + t2 * t2
                c1[0] = c1[1]
                c2[0] = c2[1]
                c1[ww + 1] = c1[ww]
                c2[ww + 1] = c2[ww]
                for j in range(ww):
                    mu = (c1[j] + c1[j + 1] + c1[j + 2]) * ninth
                    var = (c2[j] + c2[j + 1] + c2[j + 2]) * ninth - mu * mu
                    var = max(var, np.float32(0.0))
                    a = var / (var + e)
                    A[k, la, j] = a
                    B[k, la, j] = mu - a * mu
        ca = np.empty((4, ww + 2), np.float32)
        cb = np.empty((4, ww + 2), np.float32)
        m2 = m * m
        quarter = np.float32(0.25)
        one = np.float32(1.0)
        for li in range(n):
            i = r0 + li
            for k in range(4):
                for j in range(ww):
                    ca[k, j + 1] = A[k, li, j] + A[k, li + 1, j] + A[k, li + 2, j]
                    cb[k, j + 1] = B[k, li, j] + B[k, li + 1, j] + B[k, li + 2, j]
                ca[k, 0] = ca[k, 1]
                cb[k, 0] = cb[k, 1]
                ca[k, ww + 1] = ca[k, ww]
                cb[k, ww + 1] = cb[k, ww]
            for j in range(ww):
                ma0 = (ca[0, j] + ca[0, j + 1] + ca[0, j + 2]) * ninth
                ma1 = (ca[1, j] + ca[1, j + 1] + ca[1, j + 2]) * ninth
                ma2 = (ca[2, j] + ca[2, j + 1] + ca[2, j + 2]) * ninth
                ma3 = (ca[3, j] + ca[3, j + 1] + ca[3, j + 2]) * ninth
                q0 = ma0 * T[0, li + 2, j] + (cb[0, j] + cb[0, j + 1] + cb[0, j + 2]) * ninth
                q1 = ma1 * T[1, li + 2, j] + (cb[1, j] + cb[1, j + 1] + cb[1, j + 2]) * ninth
                q2 = ma2 * T[2, li + 2, j] + (cb[2, j] + cb[2, j + 1] + cb[2, j + 2]) * ninth
                q3 = ma3 * T[3, li + 2, j] + (cb[3, j] + cb[3, j + 1] + cb[3, j + 2]) * ninth
                a0, a1, a2, a3 = ma0 * ma0, ma1 * ma1, ma2 * ma2, ma3 * ma3
                zz0 = m[0, 0] * q0 + m[1, 0] * q1 + m[2, 0] * q2 + m[3, 0] * q3
                zz1 = m[0, 1] * q0 + m[1, 1] * q1 + m[2, 1] * q2 + m[3, 1] * q3
                zz2 = m[0, 2] * q0 + m[1, 2] * q1 + m[2, 2] * q2 + m[3, 2] * q3
                zz3 = m[0, 3] * q0 + m[1, 3] * q1 + m[2, 3] * q2 + m[3, 3] * q3
                r0_ = m2[0, 0] * a0 + m2[1, 0] * a1 + m2[2, 0] * a2 + m2[3, 0] * a3
                r1_ = m2[0, 1] * a0 + m2[1, 1] * a1 + m2[2, 1] * a2 + m2[3, 1] * a3
                r2_ = m2[0, 2] * a0 + m2[1, 2] * a1 + m2[2, 2] * a2 + m2[3, 2] * a3
                r3_ = m2[0, 3] * a0 + m2[1, 3] * a1 + m2[2, 3] * a2 + m2[3, 3] * a3
                v = cfa[2 * i, 2 * j]
                if v >= clip[0]:
                    out[2 * i, 2 * j] = v
                else:
                    out[2 * i, 2 * j] = (quarter * zz0 * zz0 - (h375 + s2[0])
                                     + quarter * (one - r0_)) * sc[0]
                v = cfa[2 * i, 2 * j + 1]
                if v >= clip[1]:
                    out[2 * i, 2 * j + 1] = v
                else:
                    out[2 * i, 2 * j + 1] = (quarter * zz1 * zz1 - (h375 + s2[1])
                                     + quarter * (one - r1_)) * sc[1]
                v = cfa[2 * i + 1, 2 * j]
                if v >= clip[2]:
                    out[2 * i + 1, 2 * j] = v
                else:
                    out[2 * i + 1, 2 * j] = (quarter * zz2 * zz2 - (h375 + s2[2])
                                     + quarter * (one - r2_)) * sc[2]
                v = cfa[2 * i + 1, 2 * j + 1]
                if v >= clip[3]:
                    out[2 * i + 1, 2 * j + 1] = v
                else:
                    out[2 * i + 1, 2 * j + 1] = (quarter * zz3 * zz3 - (h375 + s2[3])
                                     + quarter * (one - r3_)) * sc[3]
    return out
