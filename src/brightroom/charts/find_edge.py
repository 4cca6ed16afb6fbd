"""Finding slanted edges (ISO 12233 e-SFR targets) in photographs.

A slanted edge is a straight boundary between two flat areas, tilted a few degrees from the
vertical or horizontal axis. The search runs on a perceptually encoded 8-bit rendering of the
luminance: Canny edges (thresholds set from the median gradient, i.e. from the noise of the
mostly flat frame), then the probabilistic Hough transform for straight segments. Every segment
tilted ``min_angle_deg``..``max_angle_deg`` from its nearest axis becomes a candidate region
of interest: a band along the segment, as wide across the edge as possible while no *other*
edge enters it and both sides stay flat. Candidates are returned best first (long, clean,
high-contrast edges first); the SFR itself is measured by :func:`brightroom.lab.metrics.sfr`.

Space: any linear single-channel or RGB frame (RGB is reduced to Rec. 709 luminance).

References
----------
ISO 12233:2017, Photography - Electronic still picture imaging - Resolution and spatial
frequency responses (clause 6: the slanted-edge target, 2-20 degrees off axis; ROI selection).
Canny, J. (1986). A computational approach to edge detection. IEEE TPAMI 8(6), 679-698.
Matas, J., Galambos, C., Kittler, J. (2000). Robust detection of lines using the progressive
probabilistic Hough transform. CVIU 78(1), 119-137 (OpenCV's ``HoughLinesP``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from brightroom.color.spaces import srgb_encode
from brightroom.errors import InputError, ParameterError

__all__ = ["EdgeCandidate", "find_slanted_edges", "encoded_gray8"]

_Y = np.array([0.2126729, 0.7151522, 0.0721750])


@dataclass(frozen=True)
class EdgeCandidate:
    """A slanted edge found in a frame.

    Attributes
    ----------
    roi
        ``(y0, y1, x0, x1)`` (end exclusive) band around the edge, in frame coordinates, in the
        convention of :func:`brightroom.lab.metrics.sfr`.
    line
        ``(x1, y1, x2, y2)`` end points of the detected segment.
    angle_deg
        Tilt from the nearest axis, degrees (signed: positive when the edge's x grows with y
        for a near-vertical edge, or y grows with x for a near-horizontal one).
    orientation
        ``"vertical"`` or ``"horizontal"``.
    length
        Segment length in pixels.
    half_width
        Pixels kept on each side of the edge.
    contrast
        Ratio of the bright to the dark plateau (linear signal).
    score
        Ranking score (higher is better).
    """

    roi: tuple[int, int, int, int]
    line: tuple[float, float, float, float]
    angle_deg: float
    orientation: str
    length: float
    half_width: int
    contrast: float
    score: float


def _luminance(image: Any) -> np.ndarray:
    a = np.asarray(getattr(image, "data", image), dtype=np.float32)
    if a.ndim == 3 and a.shape[2] == 3:
        return (a @ _Y.astype(np.float32)).astype(np.float64)
    if a.ndim == 2:
        return a.astype(np.float64)
    raise InputError(f"edge search needs an H x W or H x W x 3 image, got shape {a.shape}")


def encoded_gray8(gray: np.ndarray, *, blur_sigma: float = 1.0) -> np.ndarray:
    """8-bit sRGB-encoded rendering of a linear plane (white at its 99.5th percentile)."""
    g = np.maximum(gray, 0.0)
    top = float(np.percentile(g, 99.5)) if g.size else 0.0
    v = srgb_encode(np.clip(g / max(top, 1e-12), 0, 1).astype(np.float32))
    v8 = (v * 255.0 + 0.5).astype(np.uint8)
    if blur_sigma > 0:
        v8 = cv2.GaussianBlur(v8, (0, 0), blur_sigma)
    return v8


def canny_auto(v8: np.ndarray, *, factor: float = 6.0, floor: float = 12.0) -> np.ndarray:
    """Canny edges with thresholds from the median Sobel gradient (the flat-area noise)."""
    gx = cv2.Sobel(v8, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(v8, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.hypot(gx, gy)
    high = max(factor * float(np.median(mag)), floor, 0.1 * float(np.percentile(mag, 99.9)))
    return cv2.Canny(v8, 0.5 * high, high, L2gradient=True)


def _axis_angle(x1: float, y1: float, x2: float, y2: float) -> tuple[str, float]:
    dx, dy = x2 - x1, y2 - y1
    if abs(dy) >= abs(dx):  # near vertical: angle of x against y
        if dy < 0:
            dx, dy = -dx, -dy
        return "vertical", math.degrees(math.atan2(dx, dy))
    if dx < 0:
        dx, dy = -dx, -dy
    return "horizontal", math.degrees(math.atan2(dy, dx))


def _band(orientation: str, x1: float, y1: float, x2: float, y2: float, trim: float,
          hw: int, shape: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """ROI ``(y0, y1, x0, x1)`` along the trimmed segment, ``hw`` px each side of the edge."""
    h, w = shape
    if orientation == "vertical":
        if y1 > y2:
            x1, y1, x2, y2 = x2, y2, x1, y1
        ya, yb = y1 + trim * (y2 - y1), y2 - trim * (y2 - y1)
        xa = x1 + (ya - y1) / max(y2 - y1, 1e-9) * (x2 - x1)
        xb = x1 + (yb - y1) / max(y2 - y1, 1e-9) * (x2 - x1)
        r0, r1 = int(math.ceil(ya)), int(math.floor(yb)) + 1
        c0, c1 = int(math.floor(min(xa, xb))) - hw, int(math.ceil(max(xa, xb))) + hw + 1
    else:
        if x1 > x2:
            x1, y1, x2, y2 = x2, y2, x1, y1
        xa, xb = x1 + trim * (x2 - x1), x2 - trim * (x2 - x1)
        ya = y1 + (xa - x1) / max(x2 - x1, 1e-9) * (y2 - y1)
        yb = y1 + (xb - x1) / max(x2 - x1, 1e-9) * (y2 - y1)
        c0, c1 = int(math.ceil(xa)), int(math.floor(xb)) + 1
        r0, r1 = int(math.floor(min(ya, yb))) - hw, int(math.ceil(max(ya, yb))) + hw + 1
    r0, c0 = max(r0, 0), max(c0, 0)
    r1, c1 = min(r1, h), min(c1, w)
    if r1 - r0 < 8 or c1 - c0 < 8:
        return None
    return r0, r1, c0, c1


def _extend(g: np.ndarray, orientation: str, x1: float, y1: float, x2: float, y2: float,
            hw: int = 8, keep: float = 0.5) -> tuple[float, float, float, float]:
    """Grow a segment along its line while the step across it stays (same sign, at least
    ``keep`` of its contrast on the segment; judged on 5-line running means)."""
    if orientation == "horizontal":  # work on the transposed frame
        a, b, c, d = _extend(g.T, "vertical", y1, x1, y2, x2, hw, keep)
        return b, a, d, c
    if y1 > y2:
        x1, y1, x2, y2 = x2, y2, x1, y1
    h, w = g.shape
    slope = (x2 - x1) / max(y2 - y1, 1e-9)
    ys = np.arange(h)
    xs = x1 + (ys - y1) * slope
    xi = np.round(xs).astype(np.int64)
    ok = (xi - hw >= 0) & (xi + hw < w)
    step = np.full(h, np.nan)
    off = np.arange(3, hw + 1)
    rows = np.nonzero(ok)[0]
    if rows.size:
        right = g[rows[:, None], xi[rows, None] + off[None, :]].mean(axis=1)
        left = g[rows[:, None], xi[rows, None] - off[None, :]].mean(axis=1)
        step[rows] = right - left
    sm = np.convolve(np.nan_to_num(step), np.ones(5) / 5, mode="same")
    sm[~ok] = np.nan
    r0, r1 = int(math.ceil(y1)), int(math.floor(y2))
    seg = sm[r0:r1 + 1]
    ref = float(np.nanmedian(seg)) if seg.size and np.isfinite(seg).any() else float("nan")
    if not math.isfinite(ref) or ref == 0:
        return x1, y1, x2, y2

    def good(y: int) -> bool:
        v = sm[y]
        return bool(np.isfinite(v) and v * ref > 0 and abs(v) >= keep * abs(ref))

    while r0 - 1 >= 2 and good(r0 - 1):
        r0 -= 1
    while r1 + 1 < h - 2 and good(r1 + 1):
        r1 += 1
    return float(xs[r0]), float(r0), float(xs[r1]), float(r1)


def _signed_distance(x1: float, y1: float, x2: float, y2: float,
                     roi: tuple[int, int, int, int]) -> np.ndarray:
    r0, r1, c0, c1 = roi
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    dx, dy = x2 - x1, y2 - y1
    n = math.hypot(dx, dy)
    return ((xx - x1) * dy - (yy - y1) * dx) / n


def _search(g: np.ndarray, sigma: float, ox: int, oy: int, min_angle_deg: float,
            max_angle_deg: float, min_length: int, max_half_width: int,
            min_half_width: int, min_contrast: float) -> list[EdgeCandidate]:
    """Candidates found at one blur scale (unsorted)."""
    v8 = encoded_gray8(g, blur_sigma=sigma)
    edges = canny_auto(v8)
    thr = max(10, min_length // 2)
    segs = cv2.HoughLinesP(edges, 1, np.pi / 720, thr, minLineLength=min_length, maxLineGap=6)
    if segs is None:
        return []
    found: list[EdgeCandidate] = []
    for x1, y1, x2, y2 in segs.reshape(-1, 4).astype(np.float64):
        orient, ang = _axis_angle(x1, y1, x2, y2)
        if not min_angle_deg <= abs(ang) <= max_angle_deg:
            continue
        length = math.hypot(x2 - x1, y2 - y1)
        # skip segments lying on an edge already accepted
        dup = False
        mx, my = 0.5 * (x1 + x2), 0.5 * (y1 + y2)
        for c in found:
            a1, b1, a2, b2 = (c.line[0] - ox, c.line[1] - oy, c.line[2] - ox, c.line[3] - oy)
            n = math.hypot(a2 - a1, b2 - b1)
            d = abs((mx - a1) * (b2 - b1) - (my - b1) * (a2 - a1)) / n
            if d < 4 and abs(c.angle_deg - ang) < 2 and c.orientation == orient:
                dup = True
                break
        if dup:
            continue
        x1, y1, x2, y2 = _extend(g, orient, x1, y1, x2, y2)
        length = math.hypot(x2 - x1, y2 - y1)
        best = None
        hw = max_half_width
        while hw >= min_half_width:
            band = _band(orient, x1, y1, x2, y2, 0.08, hw, g.shape)
            if band is None:
                break
            r0, r1, c0, c1 = band
            dist = _signed_distance(x1, y1, x2, y2, band)
            e = edges[r0:r1, c0:c1] > 0
            stray = e & (np.abs(dist) > 3.5)
            along = (r1 - r0) if orient == "vertical" else (c1 - c0)
            side = (np.abs(dist) > 3) & (np.abs(dist) <= hw)
            a_side = g[r0:r1, c0:c1][side & (dist > 0)]
            b_side = g[r0:r1, c0:c1][side & (dist < 0)]
            if stray.sum() <= 0.02 * along and a_side.size > 16 and b_side.size > 16:
                ma, mb = float(a_side.mean()), float(b_side.mean())
                lo, hi = min(ma, mb), max(ma, mb)
                # ROI must cover the edge across its whole length (edge within the band)
                if lo > 0 and hi / lo >= min_contrast:
                    best = (band, hw, hi / lo)
                    break
                if lo <= 0 < hi:
                    best = (band, hw, float("inf"))
                    break
            hw = int(hw * 0.75)
        if best is None:
            continue
        band, hw_ok, contrast = best
        r0, r1, c0, c1 = band
        along = (r1 - r0) if orient == "vertical" else (c1 - c0)
        score = min(along, 256) * min(hw_ok, 32) * min(math.log2(min(contrast, 64.0)), 4.0)
        found.append(EdgeCandidate(
            roi=(r0 + oy, r1 + oy, c0 + ox, c1 + ox),
            line=(float(x1 + ox), float(y1 + oy), float(x2 + ox), float(y2 + oy)),
            angle_deg=float(ang), orientation=orient, length=float(length),
            half_width=int(hw_ok), contrast=float(contrast), score=float(score)))
    return found


def find_slanted_edges(
    image: Any,
    *,
    roi: tuple[int, int, int, int] | None = None,
    min_angle_deg: float = 2.0,
    max_angle_deg: float = 20.0,
    min_length: int = 40,
    max_half_width: int = 32,
    min_half_width: int = 10,
    min_contrast: float = 1.5,
    max_edges: int = 8,
    max_search_side: int = 2000,
) -> list[EdgeCandidate]:
    """Slanted edges in a frame, best first.

    Parameters
    ----------
    image
        ``H x W`` or ``H x W x 3`` linear frame (or an :class:`~brightroom.types.Image` whose
        ``data`` is linear).
    roi
        Optional ``(y0, y1, x0, x1)`` region to search (results stay in frame coordinates).
    min_angle_deg, max_angle_deg
        Accepted tilt from the nearest axis (ISO 12233: a few degrees; 2-20 here).
    min_length
        Shortest accepted edge, pixels (along the edge).
    max_half_width, min_half_width
        Width of the band kept on each side of the edge: the largest up to ``max_half_width``
        that no other edge enters; candidates narrower than ``min_half_width`` are dropped.
    min_contrast
        Smallest accepted ratio of the bright to the dark side (linear).
    max_edges
        At most this many candidates are returned.
    max_search_side
        Frames with a longer side are searched after block-averaging by the smallest integer
        factor that brings them under it (lengths and widths scale back up).

    Returns
    -------
    list of EdgeCandidate
        Possibly empty.

    References
    ----------
    ISO 12233:2017 clause 6; Canny (1986); Matas, Galambos, Kittler (2000).
    """
    if not 0 <= min_angle_deg < max_angle_deg <= 45:
        raise ParameterError(f"edge angles must satisfy 0 <= min < max <= 45, got "
                             f"{min_angle_deg}, {max_angle_deg}")
    g_full = _luminance(image)
    oy = ox = 0
    if roi is not None:
        y0, y1, x0, x1 = (int(v) for v in roi)
        if not (0 <= y0 < y1 <= g_full.shape[0] and 0 <= x0 < x1 <= g_full.shape[1]):
            raise ParameterError(f"roi {roi!r} is outside the {g_full.shape[0]} x "
                                 f"{g_full.shape[1]} frame")
        g_full = g_full[y0:y1, x0:x1]
        oy, ox = y0, x0
    g = g_full
    if min(g.shape) < 16:
        return []
    # large frames are searched on a reduced copy; the regions are mapped back (and widened
    # by the same factor, so that the full-size band holds the same part of the scene)
    f = max(1, math.ceil(max(g.shape) / max_search_side))
    if f > 1:
        h, w = g.shape[0] // f * f, g.shape[1] // f * f
        g = g[:h, :w].reshape(h // f, f, w // f, f).mean(axis=(1, 3))
    found: list[EdgeCandidate] = []
    # coarser scales for noisy frames: the first scale that yields an edge wins
    for sigma in (1.0, 2.5, 5.0):
        found = _search(g, sigma, 0, 0, min_angle_deg, max_angle_deg,
                        max(20, min_length // f), max_half_width, min_half_width, min_contrast)
        if found:
            break
    found.sort(key=lambda c: -c.score)
    out = []
    for c in found[:max_edges]:
        r0, r1, c0, c1 = c.roi
        x1, y1, x2, y2 = c.line
        out.append(EdgeCandidate(
            roi=(r0 * f + oy, min(r1 * f, g_full.shape[0]) + oy,
                 c0 * f + ox, min(c1 * f, g_full.shape[1]) + ox),
            line=((x1 + 0.5) * f - 0.5 + ox, (y1 + 0.5) * f - 0.5 + oy,
                  (x2 + 0.5) * f - 0.5 + ox, (y2 + 0.5) * f - 0.5 + oy),
            angle_deg=c.angle_deg, orientation=c.orientation, length=c.length * f,
            half_width=c.half_width * f, contrast=c.contrast, score=c.score))
    return out
