"""Fast path of :mod:`brightroom.looks.vignette`: gain, sRGB decode, scale and encode in one
parallel numba pass.

The same arithmetic as :func:`brightroom.looks.vignette.vignette` (smoothstep gain on the
normalised radius, gain applied to linear light), with the sRGB curves read from the same
65 536-entry tables by linear interpolation. Only for values in [0, 1] (the caller sends other
images to the NumPy reference); table offsets are unsigned so that numba emits no
negative-index handling. Tested against the NumPy reference.

References
----------
.. [1] Ray, S. F. (2002). Applied Photographic Optics, 3rd ed., Focal Press, ch. 36.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["vignette_numba"]


@njit(nogil=True, parallel=True, cache=True)
def _vignette(a, amount, midpoint, dec, enc, out):  # noqa: ANN001, ANN202 - numba kernel
    h, w = a.shape[0], a.shape[1]
    one = np.float32(1.0)
    zero = np.float32(0.0)
    span = one - midpoint
    n = np.float32(dec.shape[0] - 1)
    nm = np.int32(dec.shape[0] - 2)
    u1 = np.uint32(1)
    for y in prange(h):
        yy = (np.float32(y) + np.float32(0.5)) / np.float32(h) * np.float32(2) - one
        for x in range(w):
            xx = (np.float32(x) + np.float32(0.5)) / np.float32(w) * np.float32(2) - one
            r = np.sqrt((xx * xx + yy * yy) * np.float32(0.5))
            t = (r - midpoint) / span
            t = t if t > zero else zero
            t = t if t < one else one
            g = one - amount * (np.float32(3) * t * t - np.float32(2) * t * t * t)
            for c in range(3):
                s = a[y, x, c] * n
                i = np.int32(s)
                i = i if i < nm else nm
                k = np.uint32(i)
                lin = dec[k] + (s - np.float32(i)) * (dec[k + u1] - dec[k])
                s = lin * g * n
                i = np.int32(s)
                i = i if i < nm else nm
                k = np.uint32(i)
                out[y, x, c] = enc[k] + (s - np.float32(i)) * (enc[k + u1] - enc[k])


def vignette_numba(rgb: np.ndarray, amount: float, midpoint: float, dec: np.ndarray,
                   enc: np.ndarray) -> np.ndarray:
    """Vignette of sRGB-encoded ``H x W x 3`` float32 ``rgb`` with values in [0, 1] and
    ``amount`` >= 0 (tables: the decode / encode curves sampled uniformly on [0, 1])."""
    a = np.ascontiguousarray(rgb, dtype=np.float32)
    out = np.empty_like(a)
    _vignette(a, np.float32(amount), np.float32(midpoint), np.ascontiguousarray(dec),
              np.ascontiguousarray(enc), out)
    return out
