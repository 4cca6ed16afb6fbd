"""Vignette: a smooth darkening (or lightening) towards the corners.

With ``r`` the distance from the image centre normalised so that the corners are at 1 (an
ellipse following the frame's aspect ratio), the gain is

``g(r) = 1 - amount * s((r - midpoint) / (1 - midpoint))``,  ``s(t) = 3 t^2 - 2 t^3`` on [0, 1]

(smoothstep): 1 inside ``midpoint``, ``1 - amount`` in the corners, with a C1 transition.
The gain multiplies linear light (the values are decoded from sRGB, scaled and encoded again),
as natural lens fall-off does.

References
----------
.. [1] Ray, S. F. (2002). Applied Photographic Optics, 3rd ed., Focal Press, ch. 36
   (natural vignetting and illumination fall-off across the field).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from brightroom.color.lut import LUT1D, apply_lut
from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.errors import ParameterError
from brightroom.looks._vignette_numba import vignette_numba

__all__ = ["vignette_gain", "vignette"]


def vignette_gain(height: int, width: int, amount: float = 0.2, midpoint: float = 0.5) -> np.ndarray:
    """The ``height x width`` float32 gain map of :func:`vignette`."""
    if not -1 <= amount <= 1:
        raise ParameterError(f"vignette amount must be in [-1, 1], got {amount!r}")
    if not 0 <= midpoint < 1:
        raise ParameterError(f"vignette midpoint must be in [0, 1), got {midpoint!r}")
    y = (np.arange(height, dtype=np.float32) + 0.5) / height * 2 - 1
    x = (np.arange(width, dtype=np.float32) + 0.5) / width * 2 - 1
    r = np.sqrt((x[None, :] ** 2 + y[:, None] ** 2) / 2)
    t = np.clip((r - midpoint) / (1 - midpoint), 0, 1)
    return (1 - np.float32(amount) * (3 * t * t - 2 * t * t * t)).astype(np.float32)


def vignette(rgb: np.ndarray, amount: float = 0.2, midpoint: float = 0.5, *,
             encoded: bool = True, fast: bool = True) -> np.ndarray:
    """Darken ``H x W x 3`` ``rgb`` towards the corners by up to ``amount`` (linear light).

    Parameters
    ----------
    rgb
        ``H x W x 3`` float32.
    amount
        Fraction of light removed in the corners (negative brightens), -1..1.
    midpoint
        Normalised radius where the fall-off starts, 0..1.
    encoded
        ``rgb`` is sRGB-encoded (decoded, scaled, encoded again); ``False`` for linear input.
    fast
        Use the one-pass numba kernel (:mod:`brightroom.looks._vignette_numba`) for encoded
        images of 65 536 pixels or more with values in [0, 1] and ``amount`` >= 0.

    Returns
    -------
    numpy.ndarray
        float32, same shape.
    """
    a = np.asarray(rgb, dtype=np.float32)
    if a.ndim != 3 or a.shape[2] != 3:
        raise ParameterError(f"vignette needs an H x W x 3 image, got shape {a.shape}")
    if (encoded and fast and amount >= 0 and a.shape[0] * a.shape[1] >= 65536
            and float(a.min()) >= 0 and float(a.max()) <= 1):

        vignette_gain(2, 2, amount, midpoint)  # validates the parameters
        return vignette_numba(a, amount, midpoint, _curve_lut("decode").table[:, 0],
                              _curve_lut("encode").table[:, 0])
    g = vignette_gain(a.shape[0], a.shape[1], amount, midpoint)[..., None]
    if not encoded:
        return (a * g).astype(np.float32)
    sign = np.sign(a)
    lin = _curve_fast(np.abs(a), "decode") * g
    return (sign * _curve_fast(lin, "encode")).astype(np.float32)


@cache
def _curve_lut(which: str) -> LUT1D:
    x = np.linspace(0.0, 1.0, 65536, dtype=np.float32)
    y = srgb_decode(x) if which == "decode" else srgb_encode(x)
    return LUT1D(np.repeat(y[:, None], 3, axis=1))


def _curve_fast(x: np.ndarray, which: str) -> np.ndarray:
    """The sRGB curve through a 65 536-entry table (error < 1e-6), exact outside [0, 1]."""
    out = apply_lut(x, _curve_lut(which))
    outside = x > 1
    if outside.any():
        fn = srgb_decode if which == "decode" else srgb_encode
        out[outside] = fn(x[outside])
    return out
