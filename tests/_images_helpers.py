"""Images and helpers shared by the tests of brightroom.io.images and its codec modules."""

from __future__ import annotations

import numpy as np

from brightroom.color.metrics import psnr  # noqa: F401 - re-exported for the tests
from brightroom.types import CameraInfo, Image

RECIPE = 'name = "portrait – douce"\nversion = 1\n\n[tone]\ncontrast = 0.2\n'
CAMERA = CameraInfo(make="FUJIFILM", model="X-T5", iso=800, exposure_time=1 / 125, f_number=2.8,
                    focal_length=33.0, orientation=6, exif={"datetime": "2026:03:04 05:06:07"})


def smooth(h=96, w=128, seed=0):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.stack([xx / w, yy / h, 0.5 + 0.3 * np.sin(xx / 9) * np.cos(yy / 11)], -1)
    return np.clip(d, 0, 1).astype(np.float32)


def display(data, primaries="sRGB", camera=CAMERA, **meta):
    return Image(data, space="display", primaries=primaries, transfer="sRGB", camera=camera,
                 metadata={"recipe": RECIPE, **meta})

