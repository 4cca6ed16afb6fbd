"""numba fast paths of the per-pixel statistics AWB needs (NumPy references in the methods).

Each kernel makes one pass over an ``H x W x 3`` float32 image; the NumPy expressions they
replace reduce over a length-3 last axis, which NumPy does slowly. Tested against the references
in ``tests/test_white_balance.py``.
"""

from __future__ import annotations

import numpy as np

from brightroom._jit import njit

__all__ = ["valid_mask_fast", "masked_power_mean_fast", "masked_max_fast"]


@njit(nogil=True, cache=True)
def _valid_mask(rgb, lim, dark):  # pragma: no cover - compiled
    h, w, _ = rgb.shape
    ok = np.empty((h, w), np.bool_)
    mx = np.empty((h, w), np.float32)
    top = np.float32(0.0)
    for i in range(h):
        for j in range(w):
            r = rgb[i, j, 0]
            g = rgb[i, j, 1]
            b = rgb[i, j, 2]
            m = max(r, max(g, b))
            mx[i, j] = m
            good = r < lim[0] and g < lim[1] and b < lim[2] and min(r, min(g, b)) > 0
            ok[i, j] = good
            if good and m > top:
                top = m
    thr = dark * top
    for i in range(h):
        for j in range(w):
            if ok[i, j] and not mx[i, j] > thr:
                ok[i, j] = False
    return ok


def valid_mask_fast(rgb: np.ndarray, lim: np.ndarray, dark: float) -> np.ndarray:
    """Same as :func:`brightroom.develop.white_balance.valid_mask` given per-channel limits."""
    return _valid_mask(np.ascontiguousarray(rgb, dtype=np.float32),
                       np.asarray(lim, dtype=np.float32), np.float32(dark))


@njit(nogil=True, cache=True)
def _masked_power_mean(rgb, mask, p, scale):  # pragma: no cover - compiled
    h, w, _ = rgb.shape
    acc = np.zeros(3)
    n = 0
    inv = 1.0 / scale
    ip = int(p)
    integer = ip == p and 1 <= ip <= 16
    for i in range(h):
        for j in range(w):
            if mask[i, j]:
                n += 1
                for c in range(3):
                    v = abs(rgb[i, j, c] * inv)
                    if integer:
                        t = v
                        for _ in range(ip - 1):
                            t *= v
                        acc[c] += t
                    else:
                        acc[c] += v**p
    return acc / max(n, 1)


def masked_power_mean_fast(rgb: np.ndarray, mask: np.ndarray, p: float,
                           scale: float = 1.0) -> np.ndarray:
    """``mean((rgb[mask] / scale) ** p, axis=0)`` (``p = 1``: the plain mean), float64."""
    return _masked_power_mean(np.ascontiguousarray(rgb, dtype=np.float32),
                              np.ascontiguousarray(mask), float(p), float(scale))


@njit(nogil=True, cache=True)
def _masked_max(rgb, mask):  # pragma: no cover - compiled
    h, w, _ = rgb.shape
    out = np.full(3, -np.inf)
    for i in range(h):
        for j in range(w):
            if mask[i, j]:
                for c in range(3):
                    v = rgb[i, j, c]
                    if v > out[c]:
                        out[c] = v
    return out


def masked_max_fast(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``rgb[mask].max(axis=0)`` as float64."""
    return _masked_max(np.ascontiguousarray(rgb, dtype=np.float32), np.ascontiguousarray(mask))
