"""Colour controls on linear RGB: temperature/tint shift, HSL per band, the tone curve.

* **temperature / tint** on a finished photo: a von Kries gain along the blue-amber axis
  (``+100``: red x 2**0.5, blue x 2**-0.5) and the green-magenta axis (``+150``: green x
  2**-0.35), normalised so that grey keeps its luminance. (On raw input the temperature is a
  white balance in kelvin, set on the recipe's ``white_balance`` stage.)
* **HSL**: per-pixel hue ``H``, saturation ``S`` and value ``V`` (HSV of linear RGB); the band
  values are interpolated piecewise-linearly around the hue circle between Lightroom's band
  centres (red 0, orange 30, yellow 60, green 120, aqua 180, blue 240, purple 270, magenta 300
  degrees) into 360-entry tables of hue shift (100 = 30 degrees), saturation factor
  (``1 + s/100``, multiplying ``S``) and luminance (100 = +1 EV, in proportion to ``S``), so
  greys are untouched.
* **tone curve**: points on sRGB-encoded values, a monotone cubic (Fritsch & Carlson 1980,
  SciPy's PCHIP) through them, the master curve then each channel's, applied to linear light
  through 4096-entry tables indexed by the square root of the value.

References
----------
Fritsch, F. N., Carlson, R. E. (1980). Monotone piecewise cubic interpolation. SIAM J. Numer.
Anal. 17(2), 238-246.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import PchipInterpolator

from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.edit.params import HSL, ToneCurve

__all__ = ["BAND_CENTRES", "temperature_gains", "hsl_tables", "hsl_reference", "curve_tables",
           "curve_reference", "CURVE_SIZE"]

BAND_CENTRES = np.array([0.0, 30.0, 60.0, 120.0, 180.0, 240.0, 270.0, 300.0])
"""Hue (degrees) of the centre of each of :data:`~brightroom.edit.params.BANDS`."""
CURVE_SIZE = 4096
_LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)


def temperature_gains(temperature: float, tint: float) -> np.ndarray:
    """Per-channel gains of a relative temperature (-100..100) and tint (-150..150) shift."""
    t = temperature / 100 * 0.5
    m = tint / 150 * 0.35
    g = np.array([2.0 ** t, 2.0 ** -m, 2.0 ** -t], np.float64)
    return (g / float(_LUMA.astype(np.float64) @ g)).astype(np.float32)


def _circular(values: np.ndarray) -> np.ndarray:
    """``values`` at the band centres interpolated over 0..359 degrees, wrapping around."""
    xs = np.concatenate([BAND_CENTRES, [360.0]])
    ys = np.concatenate([values, values[:1]])
    return np.interp(np.arange(360.0), xs, ys)


def hsl_tables(hsl: HSL) -> np.ndarray:
    """``(3, 360)`` float32: hue shift (degrees), saturation factor, luminance (EV) per hue."""
    hue = _circular(np.asarray(hsl.hue) / 100 * 30)
    sat = _circular(1 + np.asarray(hsl.saturation) / 100)
    lum = _circular(np.asarray(hsl.luminance) / 100)
    return np.stack([hue, sat, lum]).astype(np.float32)


def _lookup(table: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Linear interpolation of a 360-entry circular table at hue ``h`` (degrees)."""
    k = np.floor(h).astype(np.int64) % 360
    f = (h - np.floor(h)).astype(np.float32)
    return table[k] + f * (table[(k + 1) % 360] - table[k])


def hsl_reference(rgb: np.ndarray, tables: np.ndarray) -> np.ndarray:
    """Apply HSL tables (:func:`hsl_tables`) to linear ``rgb`` through HSV (NumPy reference)."""
    a = np.maximum(np.asarray(rgb, np.float32), np.float32(0))
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    v = a.max(axis=-1)
    c = v - a.min(axis=-1)
    s = np.where(v > 0, c / np.maximum(v, np.float32(1e-20)), np.float32(0))
    cc = np.maximum(c, np.float32(1e-20))
    h = np.where(v == r, ((g - b) / cc) % 6, np.where(v == g, (b - r) / cc + 2, (r - g) / cc + 4))
    h = np.where(c > 0, h * 60, 0).astype(np.float32)
    dh = _lookup(tables[0], h)
    fs = _lookup(tables[1], h)
    ev = _lookup(tables[2], h)
    h2 = (h + dh) % 360
    s2 = np.clip(s * fs, 0, 1)
    v2 = v * np.exp2(ev * s)
    out = np.empty_like(a)
    for ch, n in enumerate((5.0, 3.0, 1.0)):
        k = (n + h2 / 60) % 6
        out[..., ch] = v2 - v2 * s2 * np.clip(np.minimum(k, 4 - k), 0, 1)
    return out.astype(np.float32)


def _curve(points: tuple[float, ...]) -> np.ndarray:
    x = np.linspace(0.0, 1.0, CURVE_SIZE)
    if not points:
        return x
    px, py = np.asarray(points[0::2]), np.asarray(points[1::2])
    y = PchipInterpolator(px, py, extrapolate=False)(np.clip(x, px[0], px[-1]))
    return np.clip(y, 0, 1)


def curve_tables(curve: ToneCurve) -> np.ndarray:
    """``(3, CURVE_SIZE)`` float32 tables of linear light at ``u**2``, ``u`` on [0, 1]: the
    curves act on sRGB-encoded values (master, then each channel's), the tables carry the
    encoding and decoding, and the square-root spacing keeps them accurate in the shadows."""
    u = np.linspace(0.0, 1.0, CURVE_SIZE)
    enc = srgb_encode(u.astype(np.float32) ** 2).astype(np.float64)
    grid = np.linspace(0, 1, CURVE_SIZE)
    master = np.interp(enc, grid, _curve(curve.rgb))
    out = []
    for pts in (curve.red, curve.green, curve.blue):
        out.append(srgb_decode(np.interp(master, grid, _curve(pts)).astype(np.float32)))
    return np.stack(out).astype(np.float32)


def curve_reference(rgb: np.ndarray, tables: np.ndarray) -> np.ndarray:
    """Apply curve tables (:func:`curve_tables`) to linear ``rgb`` (clipped to [0, 1])."""
    u = np.sqrt(np.clip(np.asarray(rgb, np.float32), 0, 1))
    n = tables.shape[1] - 1
    t = u * np.float32(n)
    k = np.minimum(t.astype(np.int64), n - 1)
    f = (t - k).astype(np.float32)
    out = np.empty_like(u)
    for c in range(3):
        tab = tables[c]
        out[..., c] = tab[k[..., c]] + f[..., c] * (tab[k[..., c] + 1] - tab[k[..., c]])
    return out
