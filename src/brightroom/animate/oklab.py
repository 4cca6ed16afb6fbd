"""Oklab, the perceptual space the GIF palettes and colour decisions are made in.

:func:`srgb8_to_oklab` is the NumPy reference (8-bit sRGB -> Oklab, float32);
:func:`oklab_to_srgb8` goes back (rounded, clipped); :func:`srgb8_to_oklab_fast` is the numba
schedule of the same function, tested against it (a 256-entry decode table, the two matrices and
a cube root per pixel).

References
----------
Ottosson, B. (2020). A perceptual color space for image processing.
https://bottosson.github.io/posts/oklab/ (the M1 and M2 matrices below are from there).
IEC 61966-2-1:1999, the sRGB transfer function.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["M1", "M2", "srgb8_to_oklab", "srgb8_to_oklab_fast", "oklab_to_srgb8", "SRGB_DECODE",
           "COLOUR_SPACES", "SRGB_SCALE", "to_space", "from_space"]

M1 = np.array([[0.4122214708, 0.5363325363, 0.0514459929],
               [0.2119034982, 0.6806995451, 0.1073969566],
               [0.0883024619, 0.2817188376, 0.6299787005]], np.float64)
"""Linear sRGB -> LMS (Ottosson 2020)."""
M2 = np.array([[0.2104542553, 0.7936177850, -0.0040720468],
               [1.9779984951, -2.4285922050, 0.4505937099],
               [0.0259040371, 0.7827717662, -0.8086757660]], np.float64)
"""Cube-rooted LMS -> Lab (Ottosson 2020)."""


def _decode(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, np.float64)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def _encode(x: np.ndarray) -> np.ndarray:
    x = np.clip(np.asarray(x, np.float64), 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)


SRGB_DECODE = _decode(np.arange(256) / 255.0)
"""Linear value of each 8-bit sRGB code."""


def srgb8_to_oklab(rgb: np.ndarray) -> np.ndarray:
    """8-bit sRGB (``... x 3`` uint8) to Oklab (float32 ``... x 3``; L in [0, 1])."""
    lin = SRGB_DECODE[np.asarray(rgb, np.uint8)]
    lms = np.cbrt(lin @ M1.T)
    return (lms @ M2.T).astype(np.float32)


def oklab_to_srgb8(lab: np.ndarray) -> np.ndarray:
    """Oklab (``... x 3``) to 8-bit sRGB, rounded and clipped to the gamut cube."""
    lms = np.asarray(lab, np.float64) @ np.linalg.inv(M2).T
    lin = (lms ** 3) @ np.linalg.inv(M1).T
    return np.clip(np.round(_encode(lin) * 255.0), 0, 255).astype(np.uint8)


@numba.njit(cache=True, inline="always")
def _cbrt(x):  # pragma: no cover - compiled
    """Cube root of x >= 0: a power-of-two first guess and two Halley steps (relative error
    below 1e-9)."""
    if x <= 0.0:
        return 0.0
    m, e = math.frexp(x)
    # x = m * 2**e, m in [0.5, 1): cbrt(m) ~ linear, 2**(e/3) split into an integer power and
    # a remainder
    q = e // 3
    rem = e - 3 * q
    y = (0.5 + 0.5 * m) * math.ldexp(1.0, q)
    if rem == 1:
        y *= 1.2599210498948732
    elif rem == 2:
        y *= 1.5874010519681994
    for _ in range(2):
        y3 = y * y * y
        y = y * (y3 + 2.0 * x) / (2.0 * y3 + x)
    return y


@numba.njit(cache=True, parallel=True)
def _to_oklab_rows(rgb, table, m1, m2, out):  # pragma: no cover - compiled
    h, w = rgb.shape[0], rgb.shape[1]
    for y in numba.prange(h):
        for x in range(w):
            r = table[rgb[y, x, 0]]
            g = table[rgb[y, x, 1]]
            b = table[rgb[y, x, 2]]
            l_ = _cbrt(m1[0, 0] * r + m1[0, 1] * g + m1[0, 2] * b)
            m_ = _cbrt(m1[1, 0] * r + m1[1, 1] * g + m1[1, 2] * b)
            s_ = _cbrt(m1[2, 0] * r + m1[2, 1] * g + m1[2, 2] * b)
            out[y, x, 0] = m2[0, 0] * l_ + m2[0, 1] * m_ + m2[0, 2] * s_
            out[y, x, 1] = m2[1, 0] * l_ + m2[1, 1] * m_ + m2[1, 2] * s_
            out[y, x, 2] = m2[2, 0] * l_ + m2[2, 1] * m_ + m2[2, 2] * s_


def srgb8_to_oklab_fast(rgb: np.ndarray) -> np.ndarray:
    """:func:`srgb8_to_oklab` of an ``H x W x 3`` uint8 image, compiled and parallel over rows."""
    rgb = np.ascontiguousarray(rgb, np.uint8)
    out = np.empty(rgb.shape, np.float32)
    _to_oklab_rows(rgb, SRGB_DECODE, M1, M2, out)
    return out


COLOUR_SPACES = ("oklab", "srgb")
"""Spaces the GIF encoder can decide colours in: ``"oklab"`` (perceptual, Ottosson 2020) or
``"srgb"`` (the 8-bit sRGB code values themselves, scaled by :data:`SRGB_SCALE`; what PSNR
measures)."""
SRGB_SCALE = 0.6 / 255.0
"""sRGB codes -> working units: one grey step is about as far as in Oklab (0.004 vs 0.003-0.004),
so the encoder's thresholds mean about the same in both spaces."""


def to_space(rgb: np.ndarray, space: str) -> np.ndarray:
    """8-bit sRGB ``H x W x 3`` in a working space of :data:`COLOUR_SPACES` (float32)."""
    if space == "oklab":
        return srgb8_to_oklab_fast(rgb)
    if space == "srgb":
        return np.multiply(rgb, np.float32(SRGB_SCALE), dtype=np.float32)
    raise ValueError(f"unknown colour space {space!r}; known: {', '.join(COLOUR_SPACES)}")


def from_space(values: np.ndarray, space: str) -> np.ndarray:
    """Working-space values back to 8-bit sRGB (rounded, clipped)."""
    if space == "oklab":
        return oklab_to_srgb8(values)
    if space == "srgb":
        return np.clip(np.round(np.asarray(values, np.float64) / SRGB_SCALE), 0, 255).astype(np.uint8)
    raise ValueError(f"unknown colour space {space!r}; known: {', '.join(COLOUR_SPACES)}")
