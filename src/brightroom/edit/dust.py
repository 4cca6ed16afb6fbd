"""Automatic dust-spot detection on flat areas (sky, walls, studio backdrops).

Space: linear RGB (any float32 ``H x W x 3``).

A speck of dust on the sensor (or its cover glass) is out of focus: it multiplies the light by
a smooth, roughly round attenuation ``alpha(x) <= 1`` (Zhou & Lin 2007's model,
``I = alpha J``), a few to a few tens of pixels wide, darkening by a few to some tens of
percent. It is visible, and worth removing, where the scene is flat. The detector works on the
log luminance ``L`` (where the attenuation is an additive dip) at a working size of
:data:`WORK_SIDE` pixels on the long side:

1. the **black top-hat** ``D = close(L) - L`` (a grey-level closing with a disk of the largest
   spot's radius, Soille 2003, 4.4) is the depth of every dark feature smaller than the disk;
2. the **local texture** ``sigma`` is the root mean square of ``L`` minus its Gaussian blur
   (at half a spot radius) in a window of eight spot radii around the candidate, the
   candidate itself (grown by half a radius) left out, so a spot does not hide its own
   flat surround;
3. a candidate (a connected region of ``D`` above three times the noise, which is measured
   where the photo is flattest: the 10th percentile of the local RMS of ``L`` minus its blur
   at one pixel) is a dust spot when its peak depth
   is at least :data:`MIN_DEPTH` (in natural log units: 3 %), at least ``contrast`` times the
   local texture, it is round (filling at least half of its bounding circle), its radius is
   within ``[min_radius, max_radius]``, and it does not touch the border.

The spots found are returned in the input's pixels with the radius doubled (plus a pixel) to
cover the speck's soft edge, ready for :func:`brightroom.edit.heal.heal_spot`; the edit list
stores them as heal spots, so the result is data like every other edit. ``contrast`` (6) trades
recall for false reports: on the benchmark's real photos with planted specks 6 finds half of
them with 2 other reports in 5 photos, 4 finds 25 of 32 with 25 other reports
(``benchmarks/bench_edit.py``).

References
----------
Zhou, C., Lin, S. (2007). Removal of image artifacts due to sensor dust. CVPR 2007.
Soille, P. (2003). Morphological Image Analysis, 2nd ed. Springer.
"""

from __future__ import annotations

import cv2
import numpy as np

from brightroom.errors import ParameterError

__all__ = ["detect_dust", "WORK_SIDE", "MIN_DEPTH"]

WORK_SIDE = 1600
"""Long side (pixels) of the working copy the detector looks at."""
MIN_DEPTH = 0.03
"""The shallowest dip (natural log of the luminance, about 3 % darker) counted as dust."""
_LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)


def detect_dust(rgb: np.ndarray, *, max_radius: float = 0.01, min_radius: float = 1.5,
                contrast: float = 6.0) -> list[tuple[float, float, float]]:
    """Dust spots on the flat areas of ``rgb`` as ``(x, y, radius)`` in its pixels.

    Parameters
    ----------
    rgb
        ``H x W x 3`` linear RGB, not modified.
    max_radius
        The largest spot, as a fraction of the long side (0.01: 40 px at 4000 px).
    min_radius
        The smallest spot, in working-size pixels (:data:`WORK_SIDE`).
    contrast
        How many times deeper than the local texture's standard deviation a dip must be.

    Returns
    -------
    list of (float, float, float)
        Centres and heal radii, sorted by depth (deepest first).
    """
    a = np.asarray(rgb, np.float32)
    if a.ndim != 3 or a.shape[2] != 3:
        raise ParameterError(f"dust detection takes H x W x 3 images, got shape {a.shape}")
    if not 0 < max_radius <= 0.05:
        raise ParameterError(f"dust max_radius must be in (0, 0.05] of the long side, got "
                             f"{max_radius:g}")
    if not contrast > 0:
        raise ParameterError(f"dust contrast must be > 0, got {contrast:g}")
    h, w = a.shape[:2]
    scale = min(1.0, WORK_SIDE / max(h, w))
    y = np.ascontiguousarray(np.maximum(a @ _LUMA, 0))
    if scale < 1:
        y = cv2.resize(y, (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA)
    side = max(y.shape)
    rmax = max(2, int(np.ceil(max_radius * side)))
    if min(y.shape) < 4 * rmax + 2:
        return []
    raw = np.log(y + np.float32(1e-4))
    # noise of the log luminance where the photo is flattest (the 10th percentile of the
    # finest high-pass's local RMS: texture elsewhere must not raise it); the top-hat is taken
    # on a copy smoothed at one pixel, whose noise it would otherwise lift everywhere
    fine = raw - cv2.GaussianBlur(raw, (0, 0), 1.0)
    local = np.sqrt(np.maximum(cv2.boxFilter(fine * fine, -1, (15, 15)), 0))
    noise = float(np.percentile(local, 10)) + 1e-6
    lum = cv2.GaussianBlur(raw, (0, 0), 1.0)
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rmax + 3, 2 * rmax + 3))
    depth = cv2.morphologyEx(lum, cv2.MORPH_CLOSE, disk, borderType=cv2.BORDER_REFLECT) - lum
    cand = depth > max(MIN_DEPTH / 2, 3 * noise)
    hp = lum - cv2.GaussianBlur(lum, (0, 0), max(1.0, rmax / 2))
    grow = np.ones((3, 3), np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(cand.astype(np.uint8), 8)
    found = []
    hh, ww = y.shape
    for k in range(1, n):
        x0, y0, bw, bh, area = stats[k]
        if x0 == 0 or y0 == 0 or x0 + bw >= ww or y0 + bh >= hh:
            continue
        radius = max(bw, bh) / 2
        if not min_radius <= radius <= rmax + 1:   # + the blur at one pixel
            continue
        if area < 0.5 * np.pi * radius ** 2:
            continue
        sl = (slice(y0, y0 + bh), slice(x0, x0 + bw))
        m = labels[sl] == k
        dd = depth[sl][m]
        peak = float(dd.max())
        if peak < MIN_DEPTH:
            continue
        # the texture around the spot: its window less the spot (grown by half a radius)
        cx0, cy0 = x0 + bw // 2, y0 + bh // 2
        wy = slice(max(0, cy0 - 4 * rmax), cy0 + 4 * rmax + 1)
        wx = slice(max(0, cx0 - 4 * rmax), cx0 + 4 * rmax + 1)
        own = cv2.dilate((labels[wy, wx] == k).astype(np.uint8), grow,
                         iterations=max(1, rmax // 2)).astype(bool)
        around = hp[wy, wx][~own]
        if around.size < 0.6 * own.size:
            continue
        tex = float(np.sqrt(np.mean(around * around)))
        if peak < contrast * tex:
            continue
        yy, xx = np.nonzero(m)
        wgt = dd
        cx = float((xx * wgt).sum() / wgt.sum()) + x0
        cy = float((yy * wgt).sum() / wgt.sum()) + y0
        # back to the input's pixels; the heal covers the soft edge (twice the core, + 1 px)
        found.append((peak, (cx + 0.5) / scale - 0.5, (cy + 0.5) / scale - 0.5,
                      (2 * radius + 1) / scale))
    found.sort(key=lambda f: -f[0])
    return [(float(x), float(y_), float(r)) for _, x, y_, r in found]
