"""Frame-to-frame camera motion from KLT feature tracks with a robust similarity fit.

Corners (Shi & Tomasi 1994, kept at a minimum distance so that they spread over the picture)
are found on each frame, tracked into the next frame with the pyramidal Lucas-Kanade tracker
(Bouguet 2000), checked forward-backward, and
a similarity (translation, rotation, uniform scale) is fitted with RANSAC (Fischler & Bolles
1981): the points on moving objects are the outliers. The result is a 2 x 3 map from the
previous frame's pixel coordinates to the current frame's, in full-resolution pixels (the
tracking itself runs on a reduced grey picture).

A pair with too few inliers gets the identity and is counted (:attr:`MotionTrack.lost`); a clip
where most pairs are lost is "too featureless" and the caller passes it through.

References
----------
Shi, J., Tomasi, C. (1994). Good features to track. CVPR 1994, 593-600.

Bouguet, J.-Y. (2000). Pyramidal implementation of the Lucas Kanade feature tracker. Intel.

Fischler, M. A., Bolles, R. C. (1981). Random sample consensus. CACM 24(6), 381-395.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from brightroom.video.grundmann2011 import similarity_matrix, similarity_params

__all__ = ["TrackParams", "MotionTrack", "KLTTracker", "camera_path", "track_width"]


@dataclass(frozen=True)
class TrackParams:
    """Settings of the KLT tracker.

    Attributes
    ----------
    width
        Width (pixels) of the grey picture tracked on (the height follows the aspect).
    corners
        Corners sought per frame.
    min_distance
        Least distance between corners (tracked pixels).
    quality
        Shi-Tomasi quality level (relative to the strongest corner of the cell).
    win
        Lucas-Kanade window (pixels of the tracked picture).
    levels
        Pyramid levels.
    fb_px
        Forward-backward error above which a track is dropped (tracked pixels).
    ransac_px
        RANSAC inlier threshold (tracked pixels).
    min_inliers
        Fewer inliers: the pair is lost (identity).
    """

    VERSION = 1
    width: int = 480
    corners: int = 200
    min_distance: int = 12
    quality: float = 0.01
    win: int = 15
    levels: int = 3
    fb_px: float = 0.7
    ransac_px: float = 0.6
    min_inliers: int = 12


def track_width(width: int, params: TrackParams) -> int:
    """The width the tracker works at for frames ``width`` wide (never upscaled, even)."""
    return int(min(width, params.width)) // 2 * 2


@dataclass(frozen=True)
class MotionTrack:
    """Motion of one clip.

    Attributes
    ----------
    pairs
        ``N-1 x 2 x 3`` maps from frame ``t-1`` pixels to frame ``t`` pixels (full resolution).
    inliers
        ``N-1`` RANSAC inlier counts.
    lost
        Pairs given the identity for want of inliers.
    points
        Per pair, the inlier tracks ``(K x 2 in frame t-1, K x 2 in frame t)`` (full-resolution
        pixels; empty for a lost pair), kept for a refit (rolling shutter).
    """

    pairs: np.ndarray
    inliers: np.ndarray
    lost: int
    points: tuple[tuple[np.ndarray, np.ndarray], ...] = ()


class KLTTracker:
    """Feed grey frames one by one (:meth:`add`); :meth:`result` gives the :class:`MotionTrack`.

    Parameters
    ----------
    full_size
        ``(width, height)`` of the video's frames (the maps are in these pixels).
    small_size
        ``(width, height)`` of the grey frames fed.
    params
        Tracker settings.
    """

    def __init__(self, full_size: tuple[int, int], small_size: tuple[int, int],
                 params: TrackParams | None = None) -> None:
        self.p = params or TrackParams()
        self.fw, self.fh = full_size
        self.sw, self.sh = small_size
        self.f = self.fw / self.sw
        self._prev: np.ndarray | None = None
        self._pairs: list[np.ndarray] = []
        self._inl: list[int] = []
        self._pts: list[tuple[np.ndarray, np.ndarray]] = []
        self.lost = 0
        self._lk = dict(winSize=(self.p.win, self.p.win), maxLevel=self.p.levels,
                        criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03))

    def _corners(self, gray: np.ndarray) -> np.ndarray | None:
        c = cv2.goodFeaturesToTrack(gray, self.p.corners, self.p.quality,
                                    self.p.min_distance, blockSize=5)
        return None if c is None else c.astype(np.float32)

    def add(self, gray: np.ndarray) -> None:
        """Track the next grey frame (``small_size``, uint8)."""
        if self._prev is None:
            self._prev = gray
            return
        self._pairs.append(self._pair(self._prev, gray))
        self._prev = gray

    def _pair(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ident = np.array([[1.0, 0, 0], [0, 1.0, 0]])
        p0 = self._corners(a)
        if p0 is None or len(p0) < self.p.min_inliers:
            return self._lose(ident)
        p1, st, _ = cv2.calcOpticalFlowPyrLK(a, b, p0, None, **self._lk)
        pb, st2, _ = cv2.calcOpticalFlowPyrLK(b, a, p1, None, **self._lk)
        ok = (st[:, 0] == 1) & (st2[:, 0] == 1) & \
            (np.linalg.norm((pb - p0)[:, 0], axis=1) < self.p.fb_px)
        if ok.sum() < self.p.min_inliers:
            return self._lose(ident)
        # full-resolution pixel coordinates (pixel centres: x_full + .5 = f (x_small + .5))
        q0 = (p0[ok, 0].astype(np.float64) + 0.5) * self.f - 0.5
        q1 = (p1[ok, 0].astype(np.float64) + 0.5) * self.f - 0.5
        m, inl = cv2.estimateAffinePartial2D(q0, q1, method=cv2.RANSAC,
                                             ransacReprojThreshold=self.p.ransac_px * self.f,
                                             maxIters=500, confidence=0.995, refineIters=10)
        n_in = int(inl.sum()) if inl is not None else 0
        if m is None or n_in < self.p.min_inliers:
            return self._lose(ident)
        self._inl.append(n_in)
        keep = inl[:, 0] > 0
        self._pts.append((q0[keep], q1[keep]))
        return m

    def _lose(self, ident: np.ndarray) -> np.ndarray:
        self.lost += 1
        self._inl.append(0)
        self._pts.append((np.zeros((0, 2)), np.zeros((0, 2))))
        return ident

    def result(self) -> MotionTrack:
        """The motion of the frames fed so far."""
        pairs = np.asarray(self._pairs, np.float64).reshape(-1, 2, 3)
        return MotionTrack(pairs, np.asarray(self._inl, np.int64), self.lost, tuple(self._pts))


def camera_path(pairs: np.ndarray, width: int, height: int) -> np.ndarray:
    """``N x 4`` camera path ``(c_x, c_y, theta, log s)`` (see
    :mod:`brightroom.video.grundmann2011`) from the ``N-1`` pair maps: ``M_t = M_{t-1} A_t^-1``
    in centred coordinates, ``M_0`` the identity."""
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    to_c = np.array([[1.0, 0, -cx], [0, 1.0, -cy], [0, 0, 1.0]])
    from_c = np.array([[1.0, 0, cx], [0, 1.0, cy], [0, 0, 1.0]])
    n = pairs.shape[0] + 1
    path = np.zeros((n, 4))
    m = np.eye(3)
    for t in range(1, n):
        a = np.vstack([pairs[t - 1], [0, 0, 1.0]])
        a_c = to_c @ a @ from_c
        m = m @ similarity_matrix(similarity_params(np.linalg.inv(a_c)))
        path[t] = similarity_params(m)
    path[:, 2] = np.unwrap(path[:, 2])
    return path
