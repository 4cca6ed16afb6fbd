"""Fast path of :mod:`.gamma`: the encode and the decode-and-restore passes in parallel numba
loops, with the same float32 arithmetic as :func:`.gamma.gamma_encode` /
:func:`.gamma.gamma_decode`, tested against them.

References
----------
See :mod:`.gamma`.
"""

from __future__ import annotations

import numpy as np

from brightroom._jit import njit, prange

__all__ = ["gamma_encode_numba", "gamma_decode_restore_numba"]

_TOE = np.float32(0.0031308)
_ROOT = np.float32(np.sqrt(np.float32(0.0031308)))


@njit(cache=True, inline="always")
def _enc(x):  # noqa: ANN001
    m = abs(x)
    if m < _TOE:
        return x / _ROOT
    r = np.sqrt(m)
    return -r if x < 0 else r


@njit(cache=True, inline="always")
def _dec(v):  # noqa: ANN001
    if abs(v) < _ROOT:
        return v * _ROOT
    s = v * v
    return -s if v < 0 else s


@njit(nogil=True, cache=True, parallel=True)
def _encode(a, out):  # noqa: ANN001
    h, w = a.shape
    for y in prange(h):
        for x in range(w):
            out[y, x] = _enc(a[y, x])


@njit(nogil=True, cache=True, parallel=True)
def _decode_restore(rgb, cfa, cell, out):  # noqa: ANN001
    h, w = cfa.shape
    for y in prange(h):
        for x in range(w):
            k = cell[y & 1, x & 1]
            for c in range(3):
                out[y, x, c] = cfa[y, x] if c == k else _dec(rgb[y, x, c])


def gamma_encode_numba(cfa: np.ndarray) -> np.ndarray:
    """Encode a mosaic (new float32 array); see :func:`.gamma.gamma_encode`."""
    out = np.empty(cfa.shape, np.float32)
    _encode(np.ascontiguousarray(cfa), out)
    return out


def gamma_decode_restore_numba(rgb: np.ndarray, cfa: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """Decode a demosaiced ``H x W x 3`` image and put back the Bayer samples of ``cfa``
    (``cell`` is the 2 x 2 channel-index cell of its pattern)."""
    out = np.empty(rgb.shape, np.float32)
    _decode_restore(np.ascontiguousarray(rgb), np.ascontiguousarray(cfa),
                    np.ascontiguousarray(cell, dtype=np.int64), out)
    return out
