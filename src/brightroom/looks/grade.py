"""Colour grading operations: lift / gamma / gain, split toning, saturation and vibrance.

All take and return float32 ``(..., 3)`` arrays (display-encoded values in [0, 1] as a rule) and
never modify their input.

* :func:`lift_gamma_gain`: per channel ``y = (lift + (gain - lift) * x) ** (1 / gamma)``, which is
  the ASC CDL slope/offset/power with ``slope = gain - lift``, ``offset = lift``,
  ``power = 1 / gamma``: lift moves black, gain moves white, gamma bends the mid-tones.
* :func:`split_tone`: adds a colour to the shadows and another to the highlights, weighted by
  ``(1 - L)^2`` and ``L^2`` of Rec. 709 luma ``L`` (the "colour balance" of shadows and
  highlights; mid-tones take a little of both).
* :func:`saturation`: ``y = L + s (x - L)`` around luma; vibrance raises the saturation of the
  least saturated pixels most (``s_pixel = s (1 + v (1 - c))``, ``c = max - min``), sparing
  already vivid colours.

References
----------
.. [1] American Society of Cinematographers (2009). ASC Color Decision List (ASC CDL)
   Transfer Functions and Interchange Syntax, version 1.2.
.. [2] ITU-R BT.709-6 (2015). Parameter values for the HDTV standards (luma coefficients).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from brightroom.errors import ParameterError

__all__ = ["LUMA_709", "luma", "lift_gamma_gain", "split_tone", "saturation"]

LUMA_709 = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


def _rgb3(v: float | Sequence[float], name: str) -> np.ndarray:
    a = np.array(v, dtype=np.float32).reshape(-1)
    if a.size == 1:
        a = np.repeat(a, 3)
    if a.shape != (3,) or not np.all(np.isfinite(a)):
        raise ParameterError(f"{name} must be one number or 3 (R, G, B), got {v!r}")
    return a


def luma(rgb: np.ndarray) -> np.ndarray:
    """Rec. 709 luma of ``(..., 3)`` values (float32, shape ``(...)``)."""
    return np.asarray(rgb, dtype=np.float32) @ LUMA_709


def lift_gamma_gain(rgb: np.ndarray, lift: float | Sequence[float] = 0.0,
                    gamma: float | Sequence[float] = 1.0,
                    gain: float | Sequence[float] = 1.0) -> np.ndarray:
    """Lift / gamma / gain per channel (ASC CDL slope-offset-power form).

    Parameters
    ----------
    rgb
        ``(..., 3)`` float32.
    lift, gamma, gain
        One value or three (R, G, B). ``lift`` is the output at input 0, ``gain`` at input 1,
        ``gamma`` > 0 bends the mid-tones (> 1 brightens).

    Returns
    -------
    numpy.ndarray
        float32, same shape. Negative intermediate values are clamped to 0 before the power
        (as the ASC CDL does).

    References
    ----------
    .. [1] ASC CDL Transfer Functions and Interchange Syntax, v1.2 (2009).
    """
    lo, g, hi = _rgb3(lift, "lift"), _rgb3(gamma, "gamma"), _rgb3(gain, "gain")
    if np.any(g <= 0):
        raise ParameterError(f"gamma must be > 0, got {gamma!r}")
    a = np.asarray(rgb, dtype=np.float32)
    v = np.maximum(lo + (hi - lo) * a, np.float32(0))
    if np.all(g == 1):
        return v.astype(np.float32)
    return np.power(v, (1 / g).astype(np.float32)).astype(np.float32)


def split_tone(rgb: np.ndarray, shadows: float | Sequence[float] = 0.0,
               highlights: float | Sequence[float] = 0.0) -> np.ndarray:
    """Tint shadows and highlights: ``y = x + shadows (1 - L)^2 + highlights L^2``.

    Parameters
    ----------
    rgb
        ``(..., 3)`` float32.
    shadows, highlights
        RGB offsets (e.g. ``[0.02, 0, -0.02]`` warms), one value or three.

    Returns
    -------
    numpy.ndarray
        float32, same shape.
    """
    s, h = _rgb3(shadows, "shadows"), _rgb3(highlights, "highlights")
    a = np.asarray(rgb, dtype=np.float32)
    L = np.clip(luma(a), 0, 1)[..., None]
    return (a + s * (1 - L) ** 2 + h * L ** 2).astype(np.float32)


def saturation(rgb: np.ndarray, saturation: float = 1.0, vibrance: float = 0.0) -> np.ndarray:
    """Scale colourfulness around Rec. 709 luma, with vibrance favouring muted colours.

    Parameters
    ----------
    rgb
        ``(..., 3)`` float32.
    saturation
        Global factor, >= 0 (0 = grey, 1 = unchanged).
    vibrance
        Extra factor ``1 + vibrance (1 - c)`` per pixel, ``c = max - min`` of the pixel's RGB
        (clipped to [0, 1]); -1..1.

    Returns
    -------
    numpy.ndarray
        float32, same shape.

    References
    ----------
    .. [1] ITU-R BT.709-6 (2015), luma coefficients.
    """
    if not (np.isfinite(saturation) and saturation >= 0):
        raise ParameterError(f"saturation must be >= 0, got {saturation!r}")
    if not (np.isfinite(vibrance) and -1 <= vibrance <= 1):
        raise ParameterError(f"vibrance must be in [-1, 1], got {vibrance!r}")
    a = np.asarray(rgb, dtype=np.float32)
    L = luma(a)[..., None]
    k = np.float32(saturation)
    if vibrance:
        r, g, b = a[..., 0], a[..., 1], a[..., 2]
        c = np.clip(np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b), 0, 1)
        c = c[..., None]
        k = k * (1 + np.float32(vibrance) * (1 - c))
    return (L + k * (a - L)).astype(np.float32)
