"""Geometry: crop, flips, quarter turns, free rotation, perspective and auto-straighten / upright.

Order (:func:`apply_geometry`): crop (in the input's pixels), flip, quarter turns (clockwise),
free rotation (clockwise, as Lightroom's straighten angle, keeping the largest centred
rectangle of the same aspect inside the rotated picture). Crop, flips and quarter turns move
whole pixels and are exact; the free rotation resamples (bicubic).

**Perspective** (keystone) correction is a rotation of a virtual pinhole camera about its
centre, which maps the photo by the homography ``H = K R K^-1`` (Hartley & Zisserman 2004,
8.4.2), ``K`` a camera of focal length :data:`FOCAL` times the long side looking at the
image centre and ``R = R_y(horizontal) R_z(angle) R_x(vertical)``: first the tilt
(``vertical``, + widens the top), then the roll (``angle``, clockwise), then the pan
(``horizontal``, + widens the right side). With a perspective the roll is part of the same
single warp (bicubic), and the output is the largest upright rectangle of the input's aspect
inside the warped picture (a small linear programme over its centre and scale), scaled to at
most the input's size.

**Upright** (:func:`upright`, Lightroom's names): ``"level"`` is auto-straighten below;
``"vertical"`` finds the vanishing point of the near-vertical segments (RANSAC over pairs of
segments, then the least-squares point of the inliers' lines, in camera-normalised
coordinates, where the homogeneous vanishing point *is* the 3-D direction ``d`` of the
verticals) and turns the virtual camera so that ``d`` becomes the image's vertical: tilt
``atan2(-d_z, d_y)``, roll ``asin(d_x)`` (verticals parallel and upright, Lee et al. 2014's
first constraint); ``"full"`` then also pans so that the vanishing point of the (corrected)
near-horizontal segments goes to infinity (horizontals parallel), when at least one and a half
long sides of segments agree on it (else no pan).

**Auto-straighten** (:func:`straighten_angle`) finds the horizon and the verticals as straight
lines: the LSD line segment detector (von Gioi et al. 2012, OpenCV's) on the sRGB-encoded
luminance; segments of at least 1/25 of the long side within 12 degrees of horizontal or
vertical vote with their length for their tilt; the mode of the votes (a Gaussian kernel
density, 0.25 degrees wide) wins and the length-weighted mean of the votes within 0.5 degrees
of it is the correction. Photos with fewer than three agreeing segments, or less than half a
long side of them, have no usable lines and get ``None``. When the photo's verticals converge
(a vanishing point found as for upright below, with ``|d_z| >`` :data:`CONVERGING`), their
tilts differ across the frame and a crop changes their mean, so the angle is instead the one
that puts their vanishing point straight above or below the centre, ``atan2(d_x, d_y)``.

References
----------
Hartley, R., Zisserman, A. (2004). Multiple View Geometry in Computer Vision, 2nd ed.
Cambridge University Press.
Lee, H., Shechtman, E., Wang, J., Lee, S. (2014). Automatic upright adjustment of photographs
with robust camera calibration. IEEE TPAMI 36(5), 833-844.
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
           "apply_geometry", "straighten_angle", "geometry_size", "FOCAL", "UPRIGHT_MODES",
           "perspective_homography", "perspective_frame", "warp_perspective", "upright",
           "line_segments", "vanishing_direction"]

FOCAL = 0.8
"""The virtual camera's focal length as a fraction of the image's long side (a 29 mm lens on
a 36 mm frame). Any value makes detected verticals parallel; it sets how much the far side is
stretched."""
UPRIGHT_MODES = ("level", "vertical", "full")
CONVERGING = 0.12
"""Verticals whose 3-D direction leaves the image plane by more than this (``|d_z|``, a
vanishing point closer than about 8 focal lengths to the centre) converge: auto-straighten then
levels the vanishing point's direction rather than the segments' mean tilt."""


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


def _rx(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _ry(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def _rz(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def _rotation(angle: float, vertical: float, horizontal: float) -> np.ndarray:
    return _ry(math.radians(horizontal)) @ _rz(math.radians(angle)) @ _rx(math.radians(vertical))


def perspective_homography(w: int, h: int, angle: float, vertical: float,
                           horizontal: float) -> np.ndarray:
    """``K R K^-1`` (see the module docstring) on coordinates centred on the image centre."""
    f = FOCAL * max(w, h)
    k = np.diag([f, f, 1.0])
    return k @ _rotation(angle, vertical, horizontal) @ np.diag([1 / f, 1 / f, 1.0])


def _largest_rectangle(quad: np.ndarray, w: int, h: int) -> tuple[float, float, float]:
    """Centre ``(cx, cy)`` and scale ``s`` of the largest ``s w x s h`` upright rectangle
    inside the convex quadrilateral ``quad`` (4 x 2, in order)."""
    from scipy.optimize import linprog  # lazy: start-up cost, scipy.optimize takes ~0.5-1.5 s
    area = 0.5 * sum(quad[i, 0] * quad[(i + 1) % 4, 1] - quad[(i + 1) % 4, 0] * quad[i, 1]
                     for i in range(4))
    rows, rhs = [], []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        e = b - a
        n = np.array([e[1], -e[0]]) if area > 0 else np.array([-e[1], e[0]])  # outward
        rows.append([n[0], n[1], abs(n[0]) * w / 2 + abs(n[1]) * h / 2])
        rhs.append(float(n @ a))
    res = linprog([0, 0, -1], A_ub=np.array(rows), b_ub=np.array(rhs),
                  bounds=[(None, None), (None, None), (0, None)], method="highs")
    if res.status != 0 or res.x[2] <= 0:
        raise ParameterError("the perspective correction leaves no picture; use smaller "
                             "vertical / horizontal angles")
    return float(res.x[0]), float(res.x[1]), float(res.x[2])


def perspective_frame(w: int, h: int, angle: float, vertical: float, horizontal: float
                      ) -> tuple[np.ndarray, int, int]:
    """The map from output pixels to input pixels (3 x 3, pixel centres at integers) of the
    perspective warp of a ``w x h`` image, and the output's width and height."""
    hm = perspective_homography(w, h, angle, vertical, horizontal)
    corners = np.array([[-w / 2, -h / 2, 1], [w / 2, -h / 2, 1], [w / 2, h / 2, 1],
                        [-w / 2, h / 2, 1]])
    q = corners @ hm.T
    if (q[:, 2] <= 1e-6).any():
        raise ParameterError(f"perspective vertical {vertical:g} / horizontal {horizontal:g} "
                             "degrees turns part of the photo behind the camera")
    cx, cy, s = _largest_rectangle(q[:, :2] / q[:, 2:], w, h)
    k = min(s, 1.0)
    ow, oh = max(1, int(w * k)), max(1, int(h * k))
    kx, ky = s * w / ow, s * h / oh
    # output pixel (u, v) -> canvas (x0 + (u + 0.5) kx, ...) -> input (centred) -> input pixel
    out_to_canvas = np.array([[kx, 0, cx - s * w / 2 + 0.5 * kx],
                              [0, ky, cy - s * h / 2 + 0.5 * ky], [0, 0, 1]])
    centred_to_pixel = np.array([[1, 0, w / 2 - 0.5], [0, 1, h / 2 - 0.5], [0, 0, 1]])
    return centred_to_pixel @ np.linalg.inv(hm) @ out_to_canvas, ow, oh


def warp_perspective(rgb: np.ndarray, angle: float, vertical: float, horizontal: float
                     ) -> np.ndarray:
    """The virtual-camera rotation of ``rgb`` (see the module docstring; bicubic, linear
    light)."""
    h, w = rgb.shape[:2]
    m, ow, oh = perspective_frame(w, h, angle, vertical, horizontal)
    return cv2.warpPerspective(np.ascontiguousarray(rgb, np.float32), m, (ow, oh),
                               flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REFLECT)


def geometry_size(shape: tuple[int, ...], g: Geometry) -> tuple[int, int]:
    """``(height, width)`` after :func:`apply_geometry`."""
    h, w = shape[:2]
    if g.crop is not None:
        x0, y0, x1, y1 = crop_box(shape, g.crop)
        h, w = y1 - y0, x1 - x0
    if g.rotate in (90, 270):
        h, w = w, h
    if g.vertical or g.horizontal:
        _, w, h = perspective_frame(w, h, g.angle, g.vertical, g.horizontal)
    elif g.angle:
        s = inscribed_scale(w, h, g.angle)
        h, w = max(1, int(h * s)), max(1, int(w * s))
    return h, w


def apply_geometry(rgb: np.ndarray, g: Geometry) -> np.ndarray:
    """Crop, flip, quarter turns, free rotation / perspective (see the module docstring)."""
    out = rgb
    if g.crop is not None:
        out = crop(out, g.crop)
    if g.flip:
        out = flip(out, g.flip)
    if g.rotate:
        out = rotate90(out, g.rotate)
    if g.vertical or g.horizontal:
        out = warp_perspective(out, g.angle, g.vertical, g.horizontal)
    elif g.angle:
        out = rotate_free(out, g.angle)
    return out


def line_segments(rgb: np.ndarray) -> tuple[np.ndarray, int]:
    """LSD segments ``(x0, y0, x1, y1)`` (N x 4, float64, in ``rgb``'s pixels) of the
    sRGB-encoded luminance (at most 1200 pixels on the long side), and that side."""
    a = np.asarray(rgb, np.float32)
    if a.ndim != 3 or a.shape[2] != 3:
        raise ParameterError(f"line detection takes H x W x 3 images, got shape {a.shape}")
    h, w = a.shape[:2]
    scale = min(1.0, 1200 / max(h, w))
    y = srgb_encode(np.clip(a @ np.array([0.2126, 0.7152, 0.0722], np.float32), 0, 1))
    g = (y * 255 + 0.5).astype(np.uint8)
    if scale < 1:
        g = cv2.resize(g, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    side = max(g.shape)
    found = cv2.createLineSegmentDetector().detect(g)[0]
    if found is None:
        return np.zeros((0, 4)), side
    seg = found.reshape(-1, 4).astype(np.float64)
    if scale < 1:
        sx, sy = w / g.shape[1], h / g.shape[0]
        seg = (seg + 0.5) * np.array([sx, sy, sx, sy]) - 0.5
        side = max(h, w)
    return seg, side


def _lines(seg: np.ndarray, w: int, h: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segments in camera-normalised coordinates: unit-normal lines (N x 3), midpoints
    (N x 3, homogeneous) and lengths (normalised)."""
    f = FOCAL * max(w, h)
    p = (seg.reshape(-1, 2, 2) - np.array([(w - 1) / 2, (h - 1) / 2])) / f
    e1 = np.concatenate([p[:, 0], np.ones((len(p), 1))], 1)
    e2 = np.concatenate([p[:, 1], np.ones((len(p), 1))], 1)
    ln = np.cross(e1, e2)
    ln /= np.hypot(ln[:, 0], ln[:, 1])[:, None]
    return ln, (e1 + e2) / 2, np.hypot(*(p[:, 1] - p[:, 0]).T)


def _deviation(ln: np.ndarray, mid: np.ndarray, length: np.ndarray, d: np.ndarray
               ) -> np.ndarray:
    """Angle (radians, C x N) between each segment and the line from its midpoint to each
    candidate vanishing direction ``d`` (C x 3)."""
    to = np.cross(mid[None, :, :], d[:, None, :])           # lines midpoint - vanishing point
    to /= np.maximum(np.hypot(to[..., 0], to[..., 1]), 1e-12)[..., None]
    # the sine of the angle between two unit-normal lines is the cross of their normals
    return np.arcsin(np.clip(np.abs(to[..., 0] * ln[None, :, 1] - to[..., 1] * ln[None, :, 0]),
                             0, 1))


def vanishing_direction(seg: np.ndarray, w: int, h: int, *, vertical: bool,
                        max_tilt: float = 30.0, tol: float = 0.75,
                        min_length: float = 1 / 25, support: float = 0.5) -> np.ndarray | None:
    """The 3-D direction (unit, camera-normalised coordinates) shared by the near-vertical
    (or near-horizontal) segments ``seg`` of a ``w x h`` image, or ``None`` when fewer than
    three segments or less than ``support`` long sides of them agree within ``tol`` degrees.

    RANSAC over pairs of the longest segments (deterministic), then two rounds of weighted
    least squares (the smallest right singular vector of the inliers' unit-normal lines,
    weighted by length)."""
    if len(seg) == 0:
        return None
    dx, dy = seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1]
    ang = np.degrees(np.arctan2(dy, dx)) % 180            # [0, 180)
    off = np.abs(ang - 90) if vertical else np.minimum(ang, 180 - ang)
    side = max(w, h)
    keep = (np.hypot(dx, dy) >= side * min_length) & (off <= max_tilt)
    if keep.sum() < 3:
        return None
    ln, mid, length = _lines(seg[keep], w, h)
    order = np.argsort(-length)[:60]
    i, j = np.triu_indices(len(order), 1)
    cand = np.cross(ln[order[i]], ln[order[j]])
    base = np.array([[0.0, 1.0, 0.0]]) if vertical else np.array([[1.0, 0.0, 0.0]])
    cand = np.concatenate([base, cand])
    norm = np.linalg.norm(cand, axis=1)
    cand = cand[norm > 1e-12] / norm[norm > 1e-12, None]
    t = np.radians(tol)
    best = None
    for chunk in range(0, len(cand), 256):
        c = cand[chunk:chunk + 256]
        score = ((_deviation(ln, mid, length, c) <= t) * length[None, :]).sum(1)
        k = int(np.argmax(score))
        if best is None or score[k] > best[0]:
            best = (score[k], c[k])
    d = best[1]
    for _ in range(3):
        inl = _deviation(ln, mid, length, d[None])[0] <= t
        if inl.sum() < 3:
            return None
        _, _, vt = np.linalg.svd(ln[inl] * np.sqrt(length[inl])[:, None], full_matrices=False)
        d = vt[-1]
    inl = _deviation(ln, mid, length, d[None])[0] <= t
    if inl.sum() < 3 or length[inl].sum() < support / FOCAL:   # long sides, normalised
        return None
    axis = 1 if vertical else 0
    return d if d[axis] >= 0 else -d


def upright(rgb: np.ndarray, mode: str) -> tuple[float, float, float] | None:
    """``(angle, vertical, horizontal)`` in degrees that level (``"level"``), make the verticals
    parallel and upright (``"vertical"``) or both verticals and horizontals parallel
    (``"full"``), or ``None`` when the photo has not the lines for it (see the module
    docstring)."""
    if mode not in UPRIGHT_MODES:
        raise ParameterError(f"upright {mode!r}: expected one of {', '.join(UPRIGHT_MODES)}")
    if mode == "level":
        a = straighten_angle(rgb)
        return None if a is None else (a, 0.0, 0.0)
    seg, _ = line_segments(rgb)
    h, w = np.asarray(rgb).shape[:2]
    d = vanishing_direction(seg, w, h, vertical=True)
    if d is None:
        return None
    vertical = math.degrees(math.atan2(-d[2], d[1]))
    angle = math.degrees(math.asin(float(np.clip(d[0], -1, 1))))
    horizontal = 0.0
    if mode == "full":
        # the segments as the tilted and rolled camera sees them: lines map by R^-T = R
        r = _rz(math.radians(angle)) @ _rx(math.radians(vertical))
        f = FOCAL * max(w, h)
        pts = (seg.reshape(-1, 2, 2) - np.array([(w - 1) / 2, (h - 1) / 2])) / f
        hom = np.concatenate([pts, np.ones((len(pts), 2, 1))], 2) @ r.T
        if (hom[..., 2] > 1e-6).all():
            back = hom[..., :2] / hom[..., 2:] * f + np.array([(w - 1) / 2, (h - 1) / 2])
            # a pan needs strong evidence: one and a half long sides of agreeing horizontals
            # (a few converging edges of an object are not a facade)
            e = vanishing_direction(back.reshape(-1, 4), w, h, vertical=False, support=1.5)
            if e is not None:
                horizontal = math.degrees(math.atan2(e[2], e[0]))
    if max(abs(vertical), abs(horizontal)) > 40 or abs(angle) > 45:
        return None
    return angle, vertical, horizontal


def straighten_angle(rgb: np.ndarray, *, max_tilt: float = 12.0) -> float | None:
    """The free-rotation angle (degrees, clockwise) that levels ``rgb``'s horizon and
    verticals, or ``None`` when the photo has no usable lines (see the module docstring)."""
    seg, side = line_segments(rgb)
    if len(seg) == 0:
        return None
    h, w = np.asarray(rgb).shape[:2]
    d = vanishing_direction(seg, w, h, vertical=True, max_tilt=20.0)
    if d is not None and abs(d[2]) > CONVERGING:
        # converging verticals: their tilts differ across the photo; level the direction
        # from the centre to their vanishing point instead
        return math.degrees(math.atan2(d[0], d[1]))
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
