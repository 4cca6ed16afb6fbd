"""Finding the patches of a grey step chart (OECF / dynamic-range chart) in a photograph.

The frame's luminance is rendered perceptually (sRGB-encoded 8-bit, lightly blurred) and cut
along its Canny edges; the connected regions between edges that are nearly rectangular, of
similar size and not touching the frame border are the candidate patches. The largest group of
patches of one size (within a factor ``size_tolerance`` of area) lying on common rows or
columns is the chart. The patches are returned ordered from the brightest to the darkest (the
order of increasing density), each as an inner box (a margin inside its detected outline).

Space: any linear single-channel or RGB frame (RGB is reduced to Rec. 709 luminance).

References
----------
ISO 14524:2009, Photography - Electronic still-picture cameras - Methods for measuring
opto-electronic conversion functions (OECFs) (step-chart layouts).
ISO 15739:2013, Photography - Electronic still-picture imaging - Noise measurements.
Canny, J. (1986). A computational approach to edge detection. IEEE TPAMI 8(6), 679-698.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from brightroom.charts.find_edge import _luminance, canny_auto, encoded_gray8
from brightroom.errors import ChartNotFoundError, ParameterError

__all__ = ["StepsDetection", "find_gray_steps"]


@dataclass(frozen=True, eq=False)
class StepsDetection:
    """A found step chart.

    Attributes
    ----------
    boxes
        ``(n, 4)`` int ``y0, x0, y1, x1`` (end exclusive) inside each patch, brightest first.
    outlines
        ``(n, 4)`` int ``y0, x0, y1, x1`` bounding boxes of the detected patch regions.
    layout
        ``"row"``, ``"column"`` or ``"grid"`` (several rows of patches).
    inferred
        ``(n,)`` bool: patches not seen but filled in from the regular spacing of the others
        (a step as bright as the chart's surround has no visible outline).
    """

    boxes: np.ndarray
    outlines: np.ndarray
    layout: str
    inferred: np.ndarray


def _groups(vals: np.ndarray, tol: float) -> np.ndarray:
    """Labels of 1-D values clustered with gaps larger than ``tol``."""
    order = np.argsort(vals)
    lab = np.empty(vals.size, np.int64)
    k = 0
    for i, j in enumerate(order):
        if i and vals[j] - vals[order[i - 1]] > tol:
            k += 1
        lab[j] = k
    return lab


def find_gray_steps(
    image: Any,
    *,
    roi: tuple[int, int, int, int] | None = None,
    min_steps: int = 4,
    min_size: int = 8,
    margin: float = 0.2,
    size_tolerance: float = 1.6,
    chroma_tolerance: float = 0.06,
    max_search_side: int = 2000,
) -> StepsDetection:
    """The patches of a grey step chart in a linear frame.

    Parameters
    ----------
    image
        ``H x W`` or ``H x W x 3`` linear frame (or an Image whose data is linear).
    roi
        Optional ``(y0, y1, x0, x1)`` region to search (boxes stay in frame coordinates).
    min_steps
        Fewest patches accepted.
    min_size
        Smallest patch side in pixels.
    margin
        Fraction of each side trimmed from a patch outline to get its measuring box.
    size_tolerance
        Patches belong together when their areas are within this factor of the group's median.
    chroma_tolerance
        For RGB frames: the steps of a grey chart share one chromaticity (that of the light);
        patches whose ``r, b`` chromaticity lies farther than this from the most common one
        are dropped (this keeps the neutral row of a colour chart, for example).
    max_search_side
        Frames with a longer side are searched after block-averaging by the smallest integer
        factor that brings them under it; boxes are returned in full-size coordinates.

    Returns
    -------
    StepsDetection

    Raises
    ------
    ChartNotFoundError
        Fewer than ``min_steps`` patches of one size, or patches spanning less than one stop.

    References
    ----------
    ISO 14524:2009; Canny (1986).
    """
    if min_steps < 2:
        raise ParameterError(f"min_steps must be >= 2, got {min_steps}")
    if not 0 <= margin < 0.5:
        raise ParameterError(f"margin must be in [0, 0.5), got {margin}")
    g = _luminance(image)
    rgb = np.asarray(getattr(image, "data", image))
    rgb = rgb if rgb.ndim == 3 else None
    oy = ox = 0
    if roi is not None:
        y0, y1, x0, x1 = (int(v) for v in roi)
        if not (0 <= y0 < y1 <= g.shape[0] and 0 <= x0 < x1 <= g.shape[1]):
            raise ParameterError(f"roi {roi!r} is outside the {g.shape[0]} x {g.shape[1]} frame")
        g = g[y0:y1, x0:x1]
        rgb = rgb[y0:y1, x0:x1] if rgb is not None else None
        oy, ox = y0, x0
    # large frames: search a block-averaged copy, scale the boxes back
    f = max(1, math.ceil(max(g.shape) / max_search_side))
    if f > 1:
        hh, ww = g.shape[0] // f * f, g.shape[1] // f * f
        g = g[:hh, :ww].reshape(hh // f, f, ww // f, f).mean(axis=(1, 3))
        if rgb is not None:
            rgb = rgb[:hh, :ww].astype(np.float32).reshape(hh // f, f, ww // f, f, 3) \
                .mean(axis=(1, 3))
    h, w = g.shape
    v8 = encoded_gray8(g, blur_sigma=1.5)
    edges = canny_auto(v8, factor=4.0, floor=6.0)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats((edges == 0).astype(np.uint8), 4)
    cand = []
    for k in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[k])
        if bw < min_size or bh < min_size or max(bw, bh) > 4 * min(bw, bh):
            continue
        if x == 0 or y == 0 or x + bw >= w or y + bh >= h:
            continue
        if area < 0.8 * bw * bh:
            continue
        # the region grew by the dilation's 1 px on each side of the edge
        cand.append((y - 1, x - 1, y + bh + 1, x + bw + 1))
    if len(cand) < min_steps:
        raise ChartNotFoundError(f"no grey step chart found: {len(cand)} rectangular patches, "
                                 f"need {min_steps}")
    boxes = np.array(cand, dtype=np.int64)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]).astype(np.float64)
    # the largest set of similar-size patches
    la = np.log(areas)
    counts = [(np.abs(la - v) <= np.log(size_tolerance)).sum() for v in la]
    ref = la[int(np.argmax(counts))]
    keep = np.abs(la - ref) <= np.log(size_tolerance)
    boxes = boxes[keep]
    side = float(np.median(np.sqrt(areas[keep])))
    if rgb is not None and len(boxes) >= min_steps:
        boxes = _same_chromaticity(rgb, boxes, chroma_tolerance)
    boxes = _best_cluster(boxes, g, side)
    cy = (boxes[:, 0] + boxes[:, 2]) / 2.0
    cx = (boxes[:, 1] + boxes[:, 3]) / 2.0
    rows = _groups(cy, 0.35 * side)
    cols = _groups(cx, 0.35 * side)
    nr = np.bincount(rows)
    nc = np.bincount(cols)
    # patches on a row (or column) holding at least two patches
    on_grid = (nr[rows] >= 2) | (nc[cols] >= 2)
    boxes, rows, cols = boxes[on_grid], rows[on_grid], cols[on_grid]
    if len(boxes) < min_steps:
        raise ChartNotFoundError(f"no grey step chart found: {len(boxes)} aligned patches of "
                                 f"one size, need {min_steps}")
    nrow, ncol = np.unique(rows).size, np.unique(cols).size
    layout = "row" if nrow == 1 else "column" if ncol == 1 else "grid"
    boxes, inferred = _fill_gaps(boxes, rows if layout != "column" else cols,
                                 horizontal=layout != "column")
    if layout == "grid":
        boxes, inferred = _complete_grid(boxes, inferred, side)
    bh = boxes[:, 2] - boxes[:, 0]
    bw = boxes[:, 3] - boxes[:, 1]
    my = np.ceil(margin * bh).astype(np.int64)
    mx = np.ceil(margin * bw).astype(np.int64)
    inner = np.stack([boxes[:, 0] + my, boxes[:, 1] + mx, boxes[:, 2] - my, boxes[:, 3] - mx], 1)
    means = np.array([g[a:c, b:d].mean() for a, b, c, d in inner])
    order = np.argsort(-means)
    pos = means[means > 0]
    if pos.size < 2 or pos.max() < 2.0 * pos.min():
        raise ChartNotFoundError("no grey step chart found: the patches found span less than "
                                 "one stop")
    off = np.array([oy, ox, oy, ox], dtype=np.int64)
    return StepsDetection(boxes=inner[order] * f + off, outlines=boxes[order] * f + off,
                          layout=layout, inferred=inferred[order])


def _distinct_levels(means: np.ndarray, ratio: float = 1.1) -> int:
    """How many of ``means`` differ from the next brighter kept one by ``ratio`` or more."""
    n, last = 0, np.inf
    for m in np.sort(means[means > 0])[::-1]:
        if m * ratio <= last:
            n, last = n + 1, m
    return n


def _best_cluster(boxes: np.ndarray, g: np.ndarray, side: float) -> np.ndarray:
    """The spatial cluster of patches (neighbours within 4.5 patch sides) holding the most
    distinct grey levels: a step chart rather than a row of equal white-balance patches."""
    if len(boxes) < 2:
        return boxes
    c = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2.0, (boxes[:, 1] + boxes[:, 3]) / 2.0], 1)
    near = np.linalg.norm(c[:, None] - c[None], axis=2) <= 4.5 * side
    lab = -np.ones(len(boxes), np.int64)
    k = 0
    for i in range(len(boxes)):
        if lab[i] >= 0:
            continue
        stack = [i]
        lab[i] = k
        while stack:
            j = stack.pop()
            for n in np.nonzero(near[j] & (lab < 0))[0]:
                lab[n] = k
                stack.append(int(n))
        k += 1
    means = np.array([g[a:c_, b:d].mean() for a, b, c_, d in boxes])
    score = [(_distinct_levels(means[lab == q]), int((lab == q).sum())) for q in range(k)]
    best = max(range(k), key=lambda q: score[q])
    return boxes[lab == best]


def _same_chromaticity(rgb: np.ndarray, boxes: np.ndarray, tol: float) -> np.ndarray:
    """The boxes sharing the most common ``r, b`` chromaticity (within ``tol``)."""
    chroma = []
    for y0, x0, y1, x1 in boxes:
        dy, dx = (y1 - y0) // 4, (x1 - x0) // 4
        m = rgb[y0 + dy:y1 - dy, x0 + dx:x1 - dx].reshape(-1, 3).astype(np.float64).mean(0)
        t = m.sum()
        chroma.append(m[[0, 2]] / t if t > 0 else np.array([np.nan, np.nan]))
    c = np.array(chroma)
    d = np.linalg.norm(c[:, None, :] - c[None, :, :], axis=2)
    near = np.nan_to_num(d, nan=np.inf) <= tol
    best = int(np.argmax(near.sum(axis=1)))
    return boxes[near[best]]


def _complete_grid(boxes: np.ndarray, inferred: np.ndarray, side: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Fill the empty cells of a grid of patches (rows x columns seen elsewhere)."""
    cy = (boxes[:, 0] + boxes[:, 2]) / 2.0
    cx = (boxes[:, 1] + boxes[:, 3]) / 2.0
    rows, cols = _groups(cy, 0.35 * side), _groups(cx, 0.35 * side)
    ry = np.array([cy[rows == r].mean() for r in range(rows.max() + 1)])
    cxs = np.array([cx[cols == c].mean() for c in range(cols.max() + 1)])
    hh = int(round(np.median(boxes[:, 2] - boxes[:, 0]) / 2))
    hw = int(round(np.median(boxes[:, 3] - boxes[:, 1]) / 2))
    have = set(zip(rows.tolist(), cols.tolist(), strict=True))
    out, inf = list(boxes), list(inferred)
    for r, y in enumerate(ry):
        for c, x in enumerate(cxs):
            if (r, c) not in have:
                yi, xi = int(round(y)), int(round(x))
                out.append(np.array([yi - hh, xi - hw, yi + hh, xi + hw], np.int64))
                inf.append(True)
    return np.array(out, dtype=np.int64), np.array(inf, dtype=bool)


def _fill_gaps(boxes: np.ndarray, lines: np.ndarray, *, horizontal: bool
               ) -> tuple[np.ndarray, np.ndarray]:
    """Insert the patches missing from regularly spaced lines of patches."""
    out, inferred = [b for b in boxes], [False] * len(boxes)
    a = 1 if horizontal else 0  # coordinate along the line (x for rows)
    for lab in np.unique(lines):
        grp = boxes[lines == lab]
        if len(grp) < 3:
            continue
        grp = grp[np.argsort(grp[:, a])]
        pos = (grp[:, a] + grp[:, a + 2]) / 2.0
        d = np.diff(pos)
        pitch = float(np.min(d))
        if pitch <= 0:
            continue
        for i, gap in enumerate(d):
            k = int(round(gap / pitch))
            if k < 2 or abs(gap - k * pitch) > 0.15 * pitch:
                continue
            for j in range(1, k):
                b = grp[i].copy()
                shift = int(round(j * gap / k))
                b[a] += shift
                b[a + 2] += shift
                out.append(b)
                inferred.append(True)
    return np.array(out, dtype=np.int64), np.array(inferred, dtype=bool)
