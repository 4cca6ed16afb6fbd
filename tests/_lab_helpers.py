"""A small reference pipeline for the lab tests (bilinear demosaic + DNG colour matrices).

It needs no other part of the develop pipeline, so lab tests run while recipes evolve.
"""

from __future__ import annotations

import numpy as np

from brightroom.color.profile import camera_to_rgb_matrix
from brightroom.color.spaces import srgb_encode
from brightroom.develop.demosaic import demosaic
from brightroom.lab.pipelines import LabPipeline
from brightroom.types import Image, RawImage


def _develop(raw: RawImage, *, gain: float = 2.0, sharpen: float = 0.0) -> Image:
    n = np.asarray(raw.camera.as_shot_neutral, dtype=np.float64)
    rgb = demosaic(raw.cfa, raw.pattern, method="bilinear") * (n[1] / n).astype(np.float32)
    m = camera_to_rgb_matrix(raw.camera, n, "sRGB").astype(np.float32)
    lin = rgb @ m.T * np.float32(gain)
    if sharpen:
        import cv2

        blur = cv2.GaussianBlur(lin, (0, 0), 1.5)
        lin = lin + np.float32(sharpen) * (lin - blur)
    return Image(np.clip(srgb_encode(lin), 0, 1).astype(np.float32), space="display",
                 transfer="sRGB", camera=raw.camera)


REFERENCE = LabPipeline("test:bilinear", _develop, "bilinear demosaic + DNG matrices (tests)")
DARK = LabPipeline("test:dark", lambda raw: _develop(raw, gain=0.5), "1 EV under, 2 EV below REFERENCE")
SHARP = LabPipeline("test:sharp", lambda raw: _develop(raw, sharpen=2.0), "strong unsharp mask")


def _oracle(raw: RawImage) -> Image:
    """What a perfect camera and pipeline would show: the wall's colorimetric truth.

    Rebuilds the chart wall the raw was simulated from (its name says which condition), and
    returns the scene's exact colours under the light, white balanced (Bradford) to sRGB,
    with no noise, blur or aliasing. Only the tiny plan is known to it.
    """
    from brightroom.charts import scene_truth_rgb
    from brightroom.lab.conditions import TINY_PLAN, chart_wall

    lab = raw.metadata["lab"]
    name = lab["scene"].removeprefix("chart-wall-")
    cond = next(c for c in TINY_PLAN.conditions if c.name == name)
    wall = chart_wall(cond, TINY_PLAN.sizes)
    truth = scene_truth_rgb(wall.scene, "sRGB", cond.cct)
    return Image(np.clip(srgb_encode(truth), 0, 1).astype(np.float32), space="display",
                 transfer="sRGB", camera=raw.camera)


ORACLE = LabPipeline("test:oracle", _oracle, "the scene's colorimetric truth (a perfect camera)")


def _curved(raw: RawImage) -> Image:
    """REFERENCE followed by a global tone curve (linear ``x -> x ** 0.6``): same detail."""
    from brightroom.color.spaces import srgb_decode

    img = _develop(raw)
    lin = srgb_decode(img.data) ** np.float32(0.6)
    return img.replace(data=np.clip(srgb_encode(lin), 0, 1).astype(np.float32))


CURVED = LabPipeline("test:curved", _curved, "REFERENCE with a global x^0.6 tone curve")
