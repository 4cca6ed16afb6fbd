"""Uniform flat field (for noise, PRNU/DSNU and lens-shading measurements).

References
----------
EMVA Standard 1288, Release 4.0 (2021), Standard for characterization of image sensors and
cameras (uniform illumination for photon transfer and non-uniformity).
"""

from __future__ import annotations

import numpy as np

from brightroom.charts.scene import Scene, _gray, _size

__all__ = ["flat"]


def flat(size: int | tuple[int, int] = 128, reflectance: float | tuple[float, float, float] = 0.18
         ) -> Scene:
    """A uniform scene of ``reflectance`` (one neutral value or linear sRGB coordinates).

    Returns
    -------
    Scene
        ``ground_truth``: ``reflectance`` (rgb triple).
    """
    h, w = _size(size)
    v = _gray(reflectance)
    rgb = np.empty((h, w, 3), dtype=np.float32)
    rgb[...] = v
    return Scene(rgb=rgb, name="flat", ground_truth={"chart": "flat",
                                                      "reflectance": tuple(float(a) for a in v)})
