"""Finding test charts in photographs: the ColorChecker Classic (24 patches).

Detection runs OpenCV's Macbeth ColorChecker detector (``cv2.mcc``, opencv_contrib) on an 8-bit
sRGB rendering of the frame (a raw mosaic is quickly developed at half resolution with its
as-shot white balance for this purpose only). Patch quadrilaterals come back in the standard
order (row-major, "dark skin" first), in the input's own pixel coordinates (mosaic coordinates
for a raw image). The chart's homography is fitted to their centres and every patch gets an
axis-aligned box safely inside it (the central half of the patch side,
:func:`brightroom.charts.colorchecker.colorchecker_patch_boxes`: the same boxes the lab's
measurement samples).

References
----------
Marrero Fernandez, P. D., Guerrero-Pena, F. A., Ren, T. I., Cunha, A. (2019). Fast and robust
multiple ColorChecker detection using deep convolutional neural networks. Image and Vision
Computing 81, 15-24 (the basis of OpenCV contrib's ``mcc`` module, used here without its
optional network).
McCamy, C. S., Marcus, H., Davidson, J. G. (1976). A color-rendition chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from brightroom.charts.colorchecker import colorchecker_grid_homography, colorchecker_patch_boxes
from brightroom.color.spaces import srgb_encode
from brightroom.errors import ChartNotFoundError, InputError
from brightroom.types import Image, RawImage

__all__ = ["ColorCheckerDetection", "detect_colorchecker", "colorchecker_boxes"]


@dataclass(frozen=True, eq=False)
class ColorCheckerDetection:
    """A found ColorChecker.

    Attributes
    ----------
    boxes
        ``(24, 4)`` int ``y0, x0, y1, x1`` (end exclusive) inside each patch, row-major from
        "dark skin", in the input's pixel coordinates: the central
        :data:`~brightroom.charts.colorchecker.COLORCHECKER_SAMPLE_FRACTION` of the patch side.
    quads
        ``(24, 4, 2)`` float ``x, y`` corners of the detector's patch regions.
    corners
        ``(4, 2)`` float ``x, y`` corners of the chart.
    cost
        The detector's fit cost (lower is better).
    """

    boxes: np.ndarray
    quads: np.ndarray
    corners: np.ndarray
    cost: float


def _to_display8(frame: Any) -> tuple[np.ndarray, float, float]:
    """8-bit sRGB (RGB order) of ``frame`` and the affine map ``x_in = a * x + b``."""
    if isinstance(frame, RawImage):
        c = frame.cfa.astype(np.float32)
        h, w = (c.shape[0] // 2) * 2, (c.shape[1] // 2) * 2
        idx = frame.pattern.channel_index(h, w)
        rgb = np.zeros((h // 2, w // 2, 3), np.float32)
        cnt = np.zeros((h // 2, w // 2, 3), np.float32)
        for dy in (0, 1):
            for dx in (0, 1):
                ch = idx[dy::2, dx::2]
                v = c[dy:h:2, dx:w:2]
                for k in range(3):
                    m = ch == k
                    rgb[..., k] += np.where(m, v, 0)
                    cnt[..., k] += m
        rgb /= np.maximum(cnt, 1)
        n = frame.camera.as_shot_neutral or (1.0, 1.0, 1.0)
        rgb /= np.asarray(n, np.float32)
        lin, a, b = rgb, 2.0, 0.5
    elif isinstance(frame, Image):
        if frame.space == "display":
            return (np.clip(frame.data, 0, 1) * 255 + 0.5).astype(np.uint8), 1.0, 0.0
        lin, a, b = frame.data, 1.0, 0.0
    else:
        arr = np.asarray(frame)
        if arr.ndim != 3 or arr.shape[2] != 3:
            raise InputError(f"chart detection needs an H x W x 3 image, got shape {arr.shape}")
        if arr.dtype == np.uint8:
            return arr, 1.0, 0.0
        lin, a, b = arr.astype(np.float32), 1.0, 0.0
    lin = np.maximum(lin, 0)
    scale = np.float32(0.9 / max(float(np.percentile(lin, 99.5)), 1e-6))
    disp = srgb_encode(np.clip(lin * scale, 0, 1))
    return (disp * 255 + 0.5).astype(np.uint8), a, b


def _shape(frame: Any) -> tuple[int, int]:
    """``(height, width)`` of ``frame`` in its own pixel coordinates."""
    data = frame.cfa if isinstance(frame, RawImage) else getattr(frame, "data", frame)
    h, w = np.shape(data)[:2]
    return int(h), int(w)


def detect_colorchecker(frame: Any) -> ColorCheckerDetection:
    """Find a ColorChecker Classic in ``frame``.

    Parameters
    ----------
    frame
        A :class:`~brightroom.types.RawImage`, an :class:`~brightroom.types.Image`, a linear
        float ``H x W x 3`` array or an 8-bit sRGB ``H x W x 3`` array.

    Returns
    -------
    ColorCheckerDetection

    Raises
    ------
    ChartNotFoundError
        No 24-patch chart was found, or its patches do not fit a plane or leave the frame.
    """
    img8, a, b = _to_display8(frame)
    bgr = cv2.cvtColor(np.ascontiguousarray(img8), cv2.COLOR_RGB2BGR)
    det = cv2.mcc.CCheckerDetector_create()
    det.setColorChartType(cv2.mcc.MCC24)
    if not det.process(bgr):
        raise ChartNotFoundError(f"no ColorChecker found in the {img8.shape[1]}x{img8.shape[0]} "
                                 "frame (cv2.mcc)")
    best = det.getBestColorChecker()
    quads = np.asarray(best.getColorCharts(), dtype=np.float64).reshape(-1, 4, 2)
    if quads.shape[0] != 24:
        raise ChartNotFoundError(f"the detected chart has {quads.shape[0]} patches, expected 24")
    quads = quads * a + b
    corners = np.asarray(best.getBox(), dtype=np.float64).reshape(4, 2) * a + b
    boxes = colorchecker_patch_boxes(colorchecker_grid_homography(quads=quads), _shape(frame))
    return ColorCheckerDetection(boxes=boxes, quads=quads, corners=corners,
                                 cost=float(best.getCost()))


def colorchecker_boxes(frame: Any) -> np.ndarray:
    """``(24, 4)`` patch boxes ``y0, x0, y1, x1`` of the ColorChecker in ``frame``.

    Shortcut for ``detect_colorchecker(frame).boxes`` (used by :mod:`brightroom.looks.calibrate`).
    """
    return detect_colorchecker(frame).boxes
