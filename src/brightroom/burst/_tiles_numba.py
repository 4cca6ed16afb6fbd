"""Fast paths of :mod:`brightroom.burst.tiles` and of the grey image of :mod:`.align`.

:func:`padded_planes_gray` reads a mosaic once and writes both the reflect-padded CFA planes
(:func:`~brightroom.burst.tiles.split_planes` then
:func:`~brightroom.burst.tiles.padded_planes`) and the padded grey image
(:func:`~brightroom.burst.align.cfa_gray` then :func:`~brightroom.burst.align.pad_for_grid`),
with the same float32 arithmetic in the same order, parallel over rows. :func:`join_planes2`
is :func:`~brightroom.burst.tiles.join_planes` for Bayer (period 2). Tested against the NumPy
functions.

References
----------
Hasinoff et al. (2016). Burst photography for high dynamic range and low-light imaging on
mobile cameras. ACM TOG 35(6), 192 (sections 4-5).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["padded_planes_gray", "reflect_index", "join_planes2", "finite_range"]


def reflect_index(n_out: int, pad: int, n: int) -> np.ndarray:
    """Source index of each padded position for ``np.pad(mode="reflect")`` (needs pad < n)."""
    k = np.arange(n_out) - pad
    k = np.where(k < 0, -k, k)
    k = np.where(k > n - 1, 2 * (n - 1) - k, k)
    return k.astype(np.int64)


@njit(cache=True, parallel=True)
def _planes_gray(cfa, period, ys, xs, gain, clip, use_clip, planes, gray):  # noqa: ANN001, ANN202
    ph = ys.shape[0]
    pw = xs.shape[0]
    g = np.float32(gain)
    quarter = np.float32(1.0 / (period * period))
    c = np.float32(clip)
    for i in prange(ph):
        y = ys[i] * period
        for j in range(pw):
            x = xs[j] * period
            acc = np.float32(0.0)
            for a in range(period):
                for b in range(period):
                    v = cfa[y + a, x + b]
                    acc += v
                    planes[a * period + b, i, j] = v * g if gain != 1.0 else v
            acc *= quarter
            if gain != 1.0:
                acc = acc * g
            if use_clip:
                acc = min(acc, c)
            gray[i, j] = acc


@njit(cache=True, parallel=True)
def _planes_gray2(cfa, ys, xs, pad, w, gain, clip, use_clip, planes, gray):  # noqa: ANN001, ANN202
    """Bayer-period (2) specialisation of :func:`_planes_gray`: direct indexing inside."""
    ph = ys.shape[0]
    pw = xs.shape[0]
    g = np.float32(gain)
    quarter = np.float32(0.25)
    c = np.float32(clip)
    scaled = gain != 1.0
    for i in prange(ph):
        y = ys[i] * 2
        r0 = cfa[y]
        r1 = cfa[y + 1]
        p0 = planes[0, i]
        p1 = planes[1, i]
        p2 = planes[2, i]
        p3 = planes[3, i]
        gr = gray[i]
        for j in range(pw):
            if pad <= j < pad + w:
                x = 2 * (j - pad)
            else:
                x = 2 * xs[j]
            v0 = r0[x]
            v1 = r0[x + 1]
            v2 = r1[x]
            v3 = r1[x + 1]
            acc = np.float32(0.0) + v0
            acc += v1
            acc += v2
            acc += v3
            acc *= quarter
            if scaled:
                p0[j] = v0 * g
                p1[j] = v1 * g
                p2[j] = v2 * g
                p3[j] = v3 * g
                acc = acc * g
            else:
                p0[j] = v0
                p1[j] = v1
                p2[j] = v2
                p3[j] = v3
            if use_clip:
                acc = min(acc, c)
            gr[j] = acc


def padded_planes_gray(cfa: np.ndarray, period: int, shape: tuple[int, int], pad: int,
                       padded_shape: tuple[int, int], gain: float = 1.0,
                       clip: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Padded planes ``(P, Hp, Wp)`` (times ``gain``) and padded grey ``(Hp, Wp)`` of a mosaic.

    The grey image is the cell mean, times ``gain``, clipped at ``clip`` when given. ``shape``
    is the plane shape ``(H // p, W // p)``; reflect padding by ``pad`` at the top and left.
    """
    h, w = shape
    ph, pw = padded_shape
    ys = reflect_index(ph, pad, h)
    xs = reflect_index(pw, pad, w)
    planes = np.empty((period * period, ph, pw), np.float32)
    gray = np.empty((ph, pw), np.float32)
    a = np.ascontiguousarray(cfa, dtype=np.float32)
    cl = 0.0 if clip is None else float(clip)
    if period == 2:
        _planes_gray2(a, ys, xs, int(pad), int(w), float(gain), cl, clip is not None, planes, gray)
    else:
        _planes_gray(a, int(period), ys, xs, float(gain), cl, clip is not None, planes, gray)
    return planes, gray


@njit(cache=True, parallel=True)
def join_planes2(planes, out):  # noqa: ANN001, ANN201
    """``out[2y + a, 2x + b] = planes[2a + b, y, x]`` in place (period-2 :func:`join_planes`)."""
    _, hh, ww = planes.shape
    for y in prange(hh):
        for a in range(2):
            row = out[2 * y + a]
            p0 = planes[2 * a, y]
            p1 = planes[2 * a + 1, y]
            for x in range(ww):
                row[2 * x] = p0[x]
                row[2 * x + 1] = p1[x]


@njit(cache=True, parallel=True)
def _finite_range(a, bad, lo, hi):  # noqa: ANN001, ANN202
    h, w = a.shape
    for y in prange(h):
        n = 0
        mn = np.float32(np.inf)
        mx = np.float32(-np.inf)
        for x in range(w):
            v = a[y, x]
            if np.isfinite(v):
                mn = min(mn, v)
                mx = max(mx, v)
            else:
                n += 1
        bad[y] = n
        lo[y] = mn
        hi[y] = mx


def finite_range(a: np.ndarray) -> tuple[int, float, float]:
    """``(number of non-finite values, min, max of the finite ones)`` of a 2-D float32 array,
    in one parallel pass."""
    h = a.shape[0]
    bad = np.zeros(h, np.int64)
    lo = np.empty(h, np.float32)
    hi = np.empty(h, np.float32)
    _finite_range(np.ascontiguousarray(a, dtype=np.float32), bad, lo, hi)
    return int(bad.sum()), float(lo.min()), float(hi.max())
