"""Depth for portrait rendering: a phone's map, stereo, or layers made from segmentation.

* :func:`align_depth` brings a phone depth map (low resolution, e.g. 768x576 for a 12 MP photo)
  to a working size and snaps its edges to the photo's with a guided filter on disparity
  (He et al. 2013), so that the blur boundary follows the subject's outline.
* :func:`layered_depth` makes depth from a matte alone: the subject on one plane, the rest on a
  smooth ground plane that recedes from the bottom of the frame to a horizon, and beyond it a
  far background (a pinhole camera at height ``camera_height`` over flat ground).
* :func:`auto_focus` picks the distance to focus on: the subject's median depth when a matte is
  given; else the near layer where a camera's centre-weighted autofocus would find it: the depth
  map's disparities are split into three classes by Otsu's thresholds, the nearest class (or, when
  its best point is far from the centre, the two nearest: a near object at the frame's edge does
  not hide the subject in the middle) cleaned of specks, and the focus is the median depth of
  that layer around its point closest to the frame's centre of interest (the centre, a little
  above) that lies well inside the layer (at least 5 % of the frame from its edge, where depths
  are blended); without a near layer (a flat or
  receding scene), the nearest large region (the 5th percentile after a max filter 2.5 % of the
  frame wide).

References
----------
He, K., Sun, J., Tang, X. (2013). Guided image filtering. IEEE TPAMI 35(6), 1397-1409.

Otsu, N. (1979). A threshold selection method from gray-level histograms. IEEE Trans. SMC 9(1),
62-66.

Hartley, R., Zisserman, A. (2004). Multiple View Geometry in Computer Vision, 2nd ed., ch. 8
(the ground-plane homography: depth of a ground point seen at image row ``y`` is
``z = f_px * h / (y - y_horizon)``).
"""

from __future__ import annotations

import cv2
import numpy as np

from brightroom.errors import ParameterError
from brightroom.portrait.he2013 import guided_filter_fast

__all__ = ["align_depth", "layered_depth", "auto_focus"]


def align_depth(depth: np.ndarray, guide: np.ndarray, *, radius: int = 8, eps: float = 1e-3
                ) -> np.ndarray:
    """Resize ``depth`` to ``guide``'s size and refine its edges on ``guide`` (in disparity).

    Parameters
    ----------
    depth
        float32 ``h x w`` metres (``nan``/``inf`` = far).
    guide
        ``H x W x 3`` display-encoded picture (or ``H x W`` grey) at the target size.
    radius, eps
        Guided filter window (pixels at the target size) and regularisation.
    """
    d = np.asarray(depth, np.float32)
    if d.ndim != 2:
        raise ParameterError(f"depth must be 2-D, got shape {d.shape}")
    g = np.asarray(guide, np.float32)
    if g.ndim == 3:
        g = cv2.cvtColor(g, cv2.COLOR_RGB2GRAY)
    h, w = g.shape
    ah, aw = d.shape
    if abs(ah / aw - h / w) > 0.02:
        raise ParameterError(f"depth map aspect {aw}x{ah} does not match the picture {w}x{h}")
    disp = np.where(np.isfinite(d) & (d > 0), 1.0 / np.maximum(d, 1e-6), 0).astype(np.float32)
    radius = max(radius, int(np.ceil(w / aw)))  # at least the upsampling ramp's width
    disp = cv2.resize(disp, (w, h), interpolation=cv2.INTER_LINEAR)
    s = max(1, min(radius // 2, w // 1000))
    disp = guided_filter_fast(g, disp, radius, eps,
                              subsample=s)
    with np.errstate(divide="ignore"):
        return np.where(disp > 1e-6, 1.0 / np.maximum(disp, 1e-6), np.inf).astype(np.float32)


def layered_depth(alpha: np.ndarray, *, subject_distance: float = 2.0,
                  background_distance: float = 12.0, horizon: float = 0.45,
                  camera_height: float = 1.5, vertical_fov: float = 45.0) -> np.ndarray:
    """Depth from a subject matte: subject plane + ground plane + far background.

    Parameters
    ----------
    alpha
        ``H x W`` subject matte in [0, 1].
    subject_distance, background_distance
        Metres; the ground recedes from where it meets the frame bottom to
        ``background_distance`` at most.
    horizon
        Horizon height as a fraction of the frame from the top (0..1).
    camera_height
        Metres above the ground.
    vertical_fov
        Degrees (for the focal length in pixels).

    Returns
    -------
    numpy.ndarray
        float32 ``H x W`` metres; the subject (``alpha >= 0.5``) at ``subject_distance``, never
        nearer than the ground behind it.
    """
    a = np.asarray(alpha, np.float32)
    if a.ndim != 2:
        raise ParameterError(f"alpha must be 2-D, got shape {a.shape}")
    if not 0 < subject_distance < background_distance:
        raise ParameterError(f"need 0 < subject_distance < background_distance, got "
                             f"{subject_distance}, {background_distance}")
    h, w = a.shape
    f_px = 0.5 * h / np.tan(np.radians(vertical_fov) / 2)
    y = np.arange(h, dtype=np.float32) - horizon * h
    with np.errstate(divide="ignore"):
        ground = np.where(y > 0, f_px * camera_height / np.maximum(y, 1e-3), np.inf)
    row = np.clip(ground, subject_distance * 1.05, background_distance).astype(np.float32)
    # the subject stands on the ground: keep the background behind it at least a bit farther
    bg = np.broadcast_to(row[:, None], (h, w)).copy()
    return np.where(a >= 0.5, np.float32(subject_distance), bg).astype(np.float32)


def _otsu3(x: np.ndarray, bins: int = 64) -> tuple[float, float]:
    """The two thresholds splitting ``x`` into three classes of maximal between-class variance
    (Otsu 1979, multi-level form), low to high."""
    lo, hi = float(x.min()), float(x.max())
    if not hi > lo:
        return hi, hi
    hist, edges = np.histogram(x, bins=bins, range=(lo, hi))
    p = hist.astype(np.float64) / max(hist.sum(), 1)
    c = (edges[:-1] + edges[1:]) / 2
    w = np.concatenate([[0], np.cumsum(p)])
    m = np.concatenate([[0], np.cumsum(p * c)])
    best, arg = -1.0, (1, 2)
    for i in range(1, bins - 1):
        for j in range(i + 1, bins):
            ws = (w[i], w[j] - w[i], 1 - w[j])
            ms = (m[i], m[j] - m[i], m[-1] - m[j])
            if min(ws) <= 0:
                continue
            between = sum(mk * mk / wk for mk, wk in zip(ms, ws))
            if between > best:
                best, arg = between, (i, j)
    return float(edges[arg[0]]), float(edges[arg[1]])


def auto_focus(depth: np.ndarray, matte: np.ndarray | None = None) -> float:
    """Focus distance: the subject's median depth, else the near layer at the centre of interest
    (see the module notes), else the nearest large region."""
    d = np.asarray(depth, np.float32)
    ok = np.isfinite(d) & (d > 0)
    if not ok.any():
        raise ParameterError("depth map has no valid (finite, positive) value")
    if matte is not None:
        m = np.asarray(matte, np.float32)
        if m.shape != d.shape:
            m = cv2.resize(m, (d.shape[1], d.shape[0]), interpolation=cv2.INTER_AREA)
        sel = ok & (m >= 0.5)
        if sel.sum() >= 16:
            return float(np.median(d[sel]))
    h, w = d.shape
    k = max(3, int(0.025 * min(h, w)) | 1)
    disp = np.where(ok, 1.0 / np.maximum(d, 1e-6), 0).astype(np.float32)
    v = disp[ok]
    lo, hi = np.percentile(v, [1, 99])
    if hi > 1.15 * lo:  # a real depth range (15 % in disparity)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        centre = np.exp(-(((xx / w - 0.5) ** 2) + ((yy / h - 0.45) ** 2)) / (2 * 0.25 ** 2))
        ry, rx = max(2, int(0.05 * h)), max(2, int(0.05 * w))
        best = None
        # the nearest class, then the two nearest of three (Otsu): a near object at the frame's
        # edge does not hide the subject in the middle
        for t in _otsu3(np.clip(v, lo, hi))[::-1]:
            near = ok & (disp > t)
            near = cv2.morphologyEx(near.astype(np.uint8), cv2.MORPH_OPEN,
                                    np.ones((k, k), np.uint8)).astype(bool)
            if not 0.01 <= near.mean() <= 0.7:
                continue
            # centre-weighted, and away from the layer's edge (where depth is blended)
            inside = cv2.distanceTransform(near.astype(np.uint8), cv2.DIST_L2, 3)
            wgt = centre * np.minimum(1.0, inside / max(ry, rx))
            i = int(np.argmax(wgt))
            if best is None or wgt.flat[i] > 1.25 * best[0]:
                best = (float(wgt.flat[i]), near, i)
        if best is not None:
            _, near, i = best
            cy, cx = np.unravel_index(i, (h, w))
            win = (slice(max(0, cy - ry), cy + ry + 1), slice(max(0, cx - rx), cx + rx + 1))
            vals = d[win][near[win]]
            if vals.size:
                return float(np.median(vals))
    # nearest large region: a max filter on depth (erosion of nearness) removes near blobs
    # smaller than the window (and the near frame border), then the 5th percentile
    filled = np.where(ok, d, np.float32(np.nanmax(np.where(ok, d, np.nan))))
    nearest = cv2.dilate(filled, np.ones((k, k), np.uint8))
    return float(np.percentile(nearest[ok], 5))
