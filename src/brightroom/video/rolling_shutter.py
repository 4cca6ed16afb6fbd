"""Rolling-shutter correction: each row resampled at the camera pose of its own exposure time.

A rolling-shutter sensor reads its rows one after the other: row ``y`` of frame ``t`` is exposed
at ``t + delta(y)`` frames, ``delta(y) = rho (y - (H - 1) / 2) / H`` with ``rho`` the readout
time in frames (readout seconds times the frame rate); the middle row is taken as the frame's
time (it is what a similarity fitted over the whole frame measures). A camera that moves during
the readout skews, stretches and wobbles the picture ("jello").

Within a frame the camera's motion is taken as constant: its generator ``D_t`` (a 3 x 3 matrix
on homogeneous pixel coordinates, last row zero) is the mean of the forward motion ``A_t - I``
(frame ``t -> t+1``) and the backward one ``I - A_{t-1}^{-1}``. A content point seen at ``x``
by a global shutter at frame time ``t`` is seen at ``x + delta D_t x`` at time ``t + delta``,
so the rolling-shutter frame shows it at

    x_rs = x + delta(y_rs) D_t x,    y_rs ~ y   (solved by one fixed-point step)

and the corrected (global-shutter) frame samples the rolling-shutter frame there.

The frame-to-frame motion itself is measured on rolling-shutter frames, where a similarity
fitted to the tracks takes part of the skew and stretch for rotation and zoom (which a
stabiliser would then "correct", and a viewer see as wobble). :func:`refit_pairs` moves the
tracked points of both frames to their global-shutter positions with the velocity of the
first fit (``x = x_rs - delta(y_rs) D_t x_rs``), fits the similarity again, and repeats. Stabilisation
composes this with its own warp: the output pixel ``u`` maps to ``x = W_t u``, then to ``x_rs``
(:func:`rs_maps`); one resampling (:func:`cv2.remap`) does both.

References
----------
Liang, C.-K., Chang, L.-W., Chen, H. H. (2008). Analysis and compensation of rolling shutter
effect. IEEE TIP 17(8), 1323-1330.

Karpenko, A., Jacobs, D., Baek, J., Levoy, M. (2011). Digital video stabilization and rolling
shutter correction using gyroscopes. Stanford CSTR 2011-03.

Umeyama, S. (1991). Least-squares estimation of transformation parameters between two point
patterns. IEEE TPAMI 13(4), 376-380.
"""

from __future__ import annotations

import cv2
import numpy as np

from brightroom.errors import ParameterError

__all__ = ["frame_velocity", "rs_maps", "warp_rs", "correct_frame", "readout_frames",
           "refit_pairs", "fit_similarity"]


def readout_frames(readout_ms: float, fps: float) -> float:
    """The readout time in frames (``readout_ms`` milliseconds at ``fps``); refuses a readout
    longer than a frame."""
    if not 0 <= readout_ms <= 100:
        raise ParameterError(f"rolling-shutter readout must be in [0, 100] ms, got {readout_ms}")
    rho = readout_ms * 1e-3 * fps
    if rho > 1.0:
        raise ParameterError(f"a readout of {readout_ms:g} ms is longer than a frame at "
                             f"{fps:g} fps")
    return float(rho)


def frame_velocity(pairs: np.ndarray) -> np.ndarray:
    """``N x 3 x 3`` motion generators ``D_t`` (pixels per frame, homogeneous pixel
    coordinates) from ``N-1 x 2 x 3`` pair maps (frame ``t-1`` pixel -> frame ``t`` pixel)."""
    p = np.asarray(pairs, np.float64).reshape(-1, 2, 3)
    n = p.shape[0] + 1
    a = np.zeros((max(n - 1, 0), 3, 3))
    a[:, :2] = p
    a[:, 2, 2] = 1.0
    eye = np.eye(3)
    fwd = a - eye  # t -> t+1, for t = 0..n-2
    bwd = eye - np.linalg.inv(a) if len(a) else a  # t -> t-1 reversed, for t = 1..n-1
    d = np.zeros((n, 3, 3))
    if n == 1:
        return d
    d[:-1] += fwd
    d[1:] += bwd
    d[1:-1] *= 0.5
    d[:, 2] = 0.0
    return d


def rs_maps(warp: np.ndarray, d: np.ndarray, rho: float, width: int, height: int,
            xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sampling positions (float32) in the rolling-shutter frame for output pixels at ``xs``,
    ``ys`` (broadcastable arrays, output pixel coordinates of the full-resolution frame):
    ``warp`` (2 x 3, output -> global-shutter frame), then the row's own exposure time."""
    m = np.asarray(warp, np.float64)
    gx = (m[0, 0] * xs + m[0, 1] * ys + m[0, 2]).astype(np.float32)
    gy = (m[1, 0] * xs + m[1, 1] * ys + m[1, 2]).astype(np.float32)
    vx = (d[0, 0] * gx + d[0, 1] * gy + d[0, 2]).astype(np.float32)
    vy = (d[1, 0] * gx + d[1, 1] * gy + d[1, 2]).astype(np.float32)
    k = np.float32(rho / height)
    c = np.float32((height - 1) / 2.0)
    # one fixed-point step on the row: y_rs = gy + delta(y_rs) vy
    dl = (gy - c) * k
    dl = (gy + dl * vy - c) * k
    return gx + dl * vx, gy + dl * vy


_GRID: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}


def _grid(w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    g = _GRID.get((w, h))
    if g is None:
        g = (np.arange(w, dtype=np.float32)[None, :], np.arange(h, dtype=np.float32)[:, None])
        _GRID[(w, h)] = g
    return g


def warp_rs(frame: np.ndarray, warp: np.ndarray, d: np.ndarray, rho: float, width: int,
            height: int, *, border: int = cv2.BORDER_REPLICATE) -> np.ndarray:
    """Warp a frame (RGB or grey ``H x W[ x 3]``, or ``3H/2 x W`` yuv420p planes) by ``warp``
    (output pixel -> global-shutter pixel) with the per-row rolling-shutter correction."""
    w, h = width, height
    xs, ys = _grid(w, h)
    mx, my = rs_maps(warp, d, rho, w, h, xs, ys)
    if frame.ndim == 3 or frame.shape[0] == h:
        return cv2.remap(frame, mx, my, cv2.INTER_LINEAR, borderMode=border)
    out = np.empty_like(frame)
    out[:h] = cv2.remap(frame[:h], mx, my, cv2.INTER_LINEAR, borderMode=border)
    # chroma pixel (xc, yc) sits at luma (2 xc + 0.5, 2 yc + 0.5); luma x -> chroma x / 2 - 0.25
    cxs, cys = _grid(w // 2, h // 2)
    cx, cy = rs_maps(warp, d, rho, w, h, 2 * cxs + np.float32(0.5), 2 * cys + np.float32(0.5))
    cx = cx * np.float32(0.5) - np.float32(0.25)
    cy = cy * np.float32(0.5) - np.float32(0.25)
    q = h // 4
    for i in range(2):
        plane = frame[h + i * q:h + (i + 1) * q].reshape(h // 2, w // 2)
        res = cv2.remap(plane, cx, cy, cv2.INTER_LINEAR, borderMode=border)
        out[h + i * q:h + (i + 1) * q] = res.reshape(q, w)
    return out


def correct_frame(frame: np.ndarray, d: np.ndarray, rho: float) -> np.ndarray:
    """The global-shutter frame (at the middle row's time) of a rolling-shutter frame whose
    camera moved by the generator ``d`` (3 x 3) per frame, with a readout of ``rho`` frames."""
    h, w = frame.shape[:2]
    ident = np.array([[1.0, 0, 0], [0, 1.0, 0]])
    return warp_rs(frame, ident, d, rho, w, h)


def fit_similarity(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The least-squares similarity (2 x 3) taking points ``p`` to ``q`` (``K x 2``; closed
    form, Umeyama 1991)."""
    pm, qm = p.mean(axis=0), q.mean(axis=0)
    a, b = p - pm, q - qm
    den = float((a * a).sum())
    if den <= 0:
        return np.array([[1.0, 0, qm[0] - pm[0]], [0, 1.0, qm[1] - pm[1]]])
    c = float((a[:, 0] * b[:, 0] + a[:, 1] * b[:, 1]).sum()) / den
    s = float((a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]).sum()) / den
    r = np.array([[c, -s], [s, c]])
    return np.hstack([r, (qm - r @ pm)[:, None]])


def _to_global(x: np.ndarray, d: np.ndarray, rho: float, height: int) -> np.ndarray:
    dl = rho * (x[:, 1] - (height - 1) / 2.0) / height
    v = x @ d[:2, :2].T + d[:2, 2]
    return x - dl[:, None] * v


def refit_pairs(points, pairs: np.ndarray, rho: float, height: int,
                iterations: int = 3) -> np.ndarray:
    """Pair maps (``N-1 x 2 x 3``) refitted on tracks moved to their global-shutter positions
    (``points``: per pair the inlier tracks of :class:`~brightroom.video.motion.MotionTrack`);
    lost pairs keep their map."""
    out = np.asarray(pairs, np.float64).copy()
    if rho <= 0 or len(points) != len(out):
        return out
    for _ in range(iterations):
        d = frame_velocity(out)
        new = out.copy()
        for k, (p0, p1) in enumerate(points):
            if len(p0) < 3:
                continue
            new[k] = fit_similarity(_to_global(p0, d[k], rho, height),
                                    _to_global(p1, d[k + 1], rho, height))
        out = new
    return out
