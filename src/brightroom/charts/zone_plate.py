"""Circular zone plate ``0.5 (1 + m cos(k r^2))`` for aliasing and false-colour tests.

The local spatial frequency at radius ``r`` is ``k r / pi`` cycles per pixel, so a plate whose
frequency reaches ``f_max`` at radius ``r_max`` has ``k = pi f_max / r_max``.

References
----------
ISO 12233:2017, Annex on aliasing (zone-plate / hyperbolic wedge targets).
Mahy, M. et al. (1990s) and earlier television practice: the circular zone plate as a
multi-frequency test signal (Drewery, J. O. (1979). The zone plate as a television test
pattern. BBC Research Department Report 1979/23).
"""

from __future__ import annotations

import numpy as np

from brightroom.charts.scene import Scene, _size
from brightroom.errors import ParameterError

__all__ = ["zone_plate"]


def zone_plate(
    size: int | tuple[int, int] = 256,
    *,
    f_max: float = 0.5,
    mean: float = 0.4,
    modulation: float = 0.9,
    supersample: int = 4,
) -> Scene:
    """A neutral circular zone plate centred in the image.

    Parameters
    ----------
    size
        ``(height, width)`` or one int.
    f_max
        Local frequency (cycles/pixel) reached at ``r_max``, half the smaller side.
        0.5 is the Nyquist frequency of a monochrome sensor (and twice that of a Bayer red
        or blue plane).
    mean, modulation
        Reflectance ``mean * (1 + modulation * cos(k r^2))``.
    supersample
        Sub-samples per pixel side (area averaging, 1 = point samples at pixel centres).

    Returns
    -------
    Scene
        ``ground_truth``: ``k`` (rad/px^2), ``f_max``, ``r_max``, ``center`` ``(x, y)``,
        ``mean``, ``modulation``, ``frequency`` = "k * r / pi cycles/pixel".
    """
    h, w = _size(size)
    if not 0 < f_max <= 2:
        raise ParameterError(f"zone plate f_max {f_max} must be in (0, 2] cycles/pixel")
    if not 0 <= modulation <= 1 or mean <= 0:
        raise ParameterError(f"zone plate needs mean > 0 and 0 <= modulation <= 1, got "
                             f"{mean}, {modulation}")
    s = int(supersample)
    if not 1 <= s <= 16:
        raise ParameterError(f"supersample {supersample} must be 1..16")
    cx, cy = (w - 1) / 2, (h - 1) / 2
    r_max = min(h, w) / 2
    k = np.pi * f_max / r_max
    off = (np.arange(s) + 0.5) / s - 0.5
    acc = np.zeros((h, w), dtype=np.float64)
    y = np.arange(h, dtype=np.float64)[:, None] - cy
    x = np.arange(w, dtype=np.float64)[None, :] - cx
    for dy in off:
        for dx in off:
            acc += np.cos(k * ((x + dx) ** 2 + (y + dy) ** 2))
    img = mean * (1 + modulation * acc / (s * s))
    rgb = np.repeat(img[:, :, None], 3, axis=2).astype(np.float32)
    truth = {
        "chart": "zone-plate",
        "k": float(k),
        "f_max": float(f_max),
        "r_max": float(r_max),
        "center": (cx, cy),
        "mean": float(mean),
        "modulation": float(modulation),
        "frequency": "k * r / pi cycles/pixel",
    }
    return Scene(rgb=rgb, name="zone-plate", ground_truth=truth)
