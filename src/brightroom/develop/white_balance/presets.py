"""White-balance presets: named light sources as EXIF LightSource codes.

The preset's white point is the code's chromaticity (:func:`brightroom.color.profile.light_source_xy`):
CIE standard illuminants where the code names one, else the daylight or Planckian locus.

References
----------
JEITA CP-3451 (Exif 2.3), tag LightSource; CIE 015:2018, Colorimetry.
"""

from __future__ import annotations

import numpy as np

from brightroom.color.profile import light_source_xy, xy_to_cct, xy_to_neutral
from brightroom.errors import ParameterError
from brightroom.types import CameraInfo

__all__ = ["PRESETS", "preset_xy", "preset_neutral"]

PRESETS: dict[str, int] = {
    "daylight": 9,  # fine weather, 5500 K on the daylight locus
    "cloudy": 10,  # 6500 K, daylight locus
    "shade": 11,  # 7500 K, daylight locus
    "tungsten": 17,  # CIE illuminant A, 2856 K
    "fluorescent": 14,  # cool white fluorescent, CIE FL2 (about 4230 K)
    "flash": 4,  # 5500 K, daylight locus
}
"""Preset name -> EXIF LightSource code."""


def preset_xy(name: str) -> np.ndarray:
    """CIE xy white point of preset ``name``."""
    try:
        code = PRESETS[name]
    except KeyError:
        raise ParameterError(
            f"unknown white-balance preset {name!r}; known: {', '.join(PRESETS)}"
        ) from None
    return light_source_xy(code)


def preset_neutral(camera: CameraInfo, name: str) -> tuple[np.ndarray, float]:
    """Camera neutral (green = 1) and colour temperature of preset ``name`` for ``camera``."""
    xy = preset_xy(name)
    return xy_to_neutral(camera, xy), float(xy_to_cct(xy))
