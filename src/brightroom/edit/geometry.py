"""Geometry: crop, flips, quarter turns, free rotation and auto-straighten.

Order (:func:`apply_geometry`): crop (in the input's pixels), flip, quarter turns (clockwise),
free rotation (clockwise, as Lightroom's straighten angle, keeping the largest centred
rectangle of the same aspect inside the rotated picture). Crop, flips and quarter turns move
whole pixels and are exact; the free rotation resamples (bicubic).

**Auto-straighten** (:func:`straighten_angle`) finds the horizon and the verticals as straight
lines: the LSD line segment detector (von Gioi et al. 2012, OpenCV's) on the sRGB-encoded
luminance; segments of at least 1/25 of the long side within 12 degrees of horizontal or
vertical vote with their length for their tilt; the mode of the votes (a Gaussian kernel
density, 0.25 degrees wide) wins and the length-weighted mean of the votes within 0.5 degrees
of it is the correction. Photos with fewer than three agreeing segments, or less than half a
long side of them, have no usable lines and get ``None``.

References
----------
von Gioi, R. G., Jakubowicz, J., Morel, J.-M., Randall, G. (2012). LSD: a line segment
detector. Image Processing On Line 2, 35-55.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from brightroom.color.spaces import srgb_encode
from brightroom.edit.params import Geometry
from brightroom.errors import ParameterError

__all__ = ["crop_box", "crop", "flip", "rotate90", "rotate_free", "inscribed_scale",
           "apply_geometry", "straighten_angle", "geometry_size"]


def crop_box(shape: tuple[int, ...], box: tuple[float, float, float, float]) -> tuple[int, int,
                                                                                      int, int]:
    """The pixel box ``(x0, y0, x1, y1)`` of a relative crop ``(x, y, w, h)``."""
    h, w = shape[:2]
    x, y, cw, ch = box
    x0, y0 = round(x * w), round(y * h)
    x1, y1 = min(w, round((x + cw) * w)), min(h, round((y + ch) * h))
    if x1 <= x0 or y1 <= y0:
        raise ParameterError(f"crop {list(box)} is empty on a {w} x {h} image")
    return x0, y0, x1, y1


def crop(rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """``rgb`` cropped to the relative box ``(x, y, w, h)``."""
    x0, y0, x1, y1 = crop_box(rgb.shape, box)
    return np.ascontiguousarray(rgb[y0:y1, x0:x1])


def flip(rgb: np.ndarray, how: str) -> np.ndarray:
    """Mirror: ``"h"`` left-right, ``"v"`` top-bottom, ``"hv"`` both, ``""`` none."""
    out = rgb
    if "h" in how:
        out = out[:, ::-1]
    if "v" in how:
        out = out[::-1]
    return np.ascontiguousarray(out)


def rotate90(rgb: np.ndarray, degrees: int) -> np.ndarray:
    """Rotate clockwise by 0, 90, 180 or 270 degrees."""
    if degrees % 90 or not 0 <= degrees < 360:
        raise ParameterError(f"quarter turns are 0, 90, 180 or 270 degrees, got {degrees}")
    return np.ascontiguousarray(np.rot90(rgb, -(degrees // 90)))


def inscribed_scale(w: int, h: int, angle: float) -> float:
    """The largest ``s`` such that an ``s w x s h`` upright rectangle fits the ``w x h``
    rectangle rotated by ``angle`` degrees (both centred)."""
    c, s = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
    return min(w / (w * c + h * s), h / (w * s + h * c))


def rotate_free(rgb: np.ndarray, angle: float) -> np.ndarray:
    """Rotate clockwise by ``angle`` degrees and keep the largest centred rectangle of the
    input's aspect (bicubic resampling, in linear light)."""
    if angle == 0:
        return rgb
    h, w = rgb.shape[:2]
    s = inscribed_scale(w, h, angle)
    ow, oh = max(1, int(w * s)), max(1, int(h * s))
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), -angle, 1.0)  # OpenCV: ccw
    m[0, 2] += (ow - w) / 2
    m[1, 2] += (oh - h) / 2
    return cv2.warpAffine(np.ascontiguousarray(rgb, np.float32), m, (ow, oh),
                          flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


def geometry_size(shape: tuple[int, ...], g: Geometry) -> tuple[int, int]:
    """``(height, width)`` after :func:`apply_geometry`."""
    h, w = shape[:2]
    if g.crop is not None:
        x0, y0, x1, y1 = crop_box(shape, g.crop)
        h, w = y1 - y0, x1 - x0
    if g.rotate in (90, 270):
        h, w = w, h
    if g.angle:
        s = inscribed_scale(w, h, g.angle)
        h, w = max(1, int(h * s)), max(1, int(w * s))
    return h, w


def apply_geometry(rgb: np.ndarray, g: Geometry) -> np.ndarray:
    """Crop, flip, quarter turns, free rotation (see the module docstring)."""
    out = rgb
    if g.crop is not None:
        out = crop(out, g.crop)
    if g.flip:
        out = flip(out, g.flip)
    if g.rotate:
        out = rotate90(out, g.rotate)
    if g.angle:
        out = rotate_free(out, g.angle)
    return out


def straighten_angle(rgb: np.ndarray, *, max_tilt: float = 12.0) -> float | None:
    """The free-rotation angle (degrees, clockwise) that levels ``rgb``'s horizon and
    verticals, or ``None`` when the photo has no usable lines (see the module docstring)."""
    a = np.asarray(rgb, np.float32)
    h, w = a.shape[:2]
    scale = min(1.0, 1200 / max(h, w))
    y = srgb_encode(np.clip(a @ np.array([0.2126, 0.7152, 0.0722], np.float32), 0, 1))
    g = (y * 255 + 0.5).astype(np.uint8)
    if scale < 1:
        g = cv2.resize(g, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    side = max(g.shape)
    found = cv2.createLineSegmentDetector().detect(g)[0]
    if found is None:
        return None
    seg = found.reshape(-1, 4).astype(np.float64)
    dx, dy = seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1]
    length = np.hypot(dx, dy)
    ang = (np.degrees(np.arctan2(dy, dx)) + 90) % 180 - 90      # (-90, 90]
    tilt = np.where(np.abs(ang) <= 45, ang, ang - np.copysign(90, ang))
    keep = (length >= side / 25) & (np.abs(tilt) <= max_tilt)
    t, wt = tilt[keep], length[keep]
    if len(t) < 3:
        return None
    grid = np.arange(-max_tilt, max_tilt + 1e-9, 0.05)
    density = (wt[None, :] * np.exp(-0.5 * ((grid[:, None] - t[None, :]) / 0.25) ** 2)).sum(1)
    mode = float(grid[int(np.argmax(density))])
    near = np.abs(t - mode) <= 0.5
    if near.sum() < 3 or wt[near].sum() < side / 2:
        return None
    # y points down: the lines are turned clockwise by the tilt as seen, so the correction is a
    # clockwise rotation by minus the tilt (the length-weighted mean of the agreeing votes)
    return -float(np.average(t[near], weights=wt[near]))
