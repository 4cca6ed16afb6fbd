"""Dehaze by the dark channel prior (He, Sun & Tang 2009), refined with a guided filter.

Space: linear RGB (the haze model ``I = J t + A (1 - t)`` holds in linear light).

Plan, on the working-size image (long side :data:`~brightroom.edit.basic.WORK_SIDE`):

1. dark channel: the minimum over the channels and over a square patch of 1/40 of the long
   side (He et al.'s 15 pixels at 600);
2. airlight ``A``: among the 0.1 % pixels with the brightest dark channel, the one of highest
   intensity (R + G + B), He et al.'s rule (their mean colour, used before, sits below the
   true airlight wherever no pixel is fully hazed, and under-corrects: 1 dB less on the
   benchmark's coffee and flowers);
3. transmission ``t = 1 - w dark(I / A)`` with ``w = 0.95 x amount / 100``, refined by a guided
   filter with the grey image as guide (He, Sun & Tang 2013, which replaced soft matting).

Pixels: ``J = (I - A) / t + A`` with ``t`` (upsampled) bounded per pixel so that the result
stays in ``[0.1 I, max(I, 1)]``: ``t >= (A_c - I_c) / (A_c - 0.1 I_c)`` keeps ``J >= 0.1 I``
(:data:`BLACK_KEEP`; ``0`` would be ``J >= 0``) and
``t >= (I_c - A_c) / (I_c + 0.9 (1 - I_c) - A_c)`` keeps ``J`` below 1, at most 90 % of the
way from ``I`` to white (:data:`WHITE_KEEP`), where ``I <= 1``. The true transmission of a
hazy scene satisfies both wherever the scene is not darker than a tenth of its hazy image nor
brighter than 90 % of the way to white, so they stop over-correction: no pixel is clipped that
was not (RawTherapee issue 5272). A negative amount adds haze: ``I t + A (1 - t)`` with
``t = 1 + 0.7 amount / 100``.

References
----------
He, K., Sun, J., Tang, X. (2009). Single image haze removal using dark channel prior. CVPR
2009, 1956-1963.
He, K., Sun, J., Tang, X. (2013). Guided image filtering. IEEE TPAMI 35(6), 1397-1409.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["DehazePlan", "plan_dehaze", "dark_channel"]

_T0 = 0.1
BLACK_KEEP = 0.1
WHITE_KEEP = 0.9
"""A value above the airlight rises at most this fraction of its way to 1 (it never reaches 1,
so bright detail is not clipped)."""
"""Dehazed values stay at least this fraction of the hazy ones: ``J >= 0.1 I``, so that dark
detail is not crushed to black (a true black under haze is restored to 10 % of its hazy value)."""


def dark_channel(rgb: np.ndarray, radius: int) -> np.ndarray:
    """Minimum over channels and a ``(2 radius + 1)**2`` square patch."""
    m = np.ascontiguousarray(np.asarray(rgb, np.float32).min(axis=-1))
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * radius + 1, 2 * radius + 1))
    return cv2.erode(m, k, borderType=cv2.BORDER_REPLICATE)


def _guided(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    k = (2 * radius + 1, 2 * radius + 1)

    def box(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, cv2.CV_32F, k, borderType=cv2.BORDER_REFLECT)

    mi, mp = box(guide), box(src)
    a = (box(guide * src) - mi * mp) / (box(guide * guide) - mi * mi + np.float32(eps))
    b = mp - a * mi
    return box(a) * guide + box(b)


@dataclass(frozen=True, eq=False)
class DehazePlan:
    """Airlight, strength and the working-size transmission map of one image."""

    airlight: np.ndarray     # 3
    amount: float            # -100..100
    t_small: np.ndarray | None   # working-size transmission (None when adding haze)

    def _t(self, h: int, w: int) -> np.ndarray:
        t = self.t_small
        if t.shape != (h, w):
            t = cv2.resize(t, (w, h), interpolation=cv2.INTER_LINEAR)
        return t

    def apply_small(self, rgb: np.ndarray) -> np.ndarray:
        """Dehaze the working-size image (the one the plan was made on)."""
        return self.apply(rgb)

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        """Dehaze (or haze) ``rgb`` (any size; the map is resampled)."""
        a = np.asarray(rgb, np.float32)
        A = self.airlight.astype(np.float32)
        if self.t_small is None:
            t = np.float32(1 + 0.7 * self.amount / 100)
            return (a * t + A * (1 - t)).astype(np.float32)
        t = self._t(*a.shape[:2])
        return recover(a, A, t)


def transmission_bound(rgb: np.ndarray, A: np.ndarray) -> np.ndarray:
    """The smallest transmission per pixel that keeps ``J`` in ``[0, max(I, 1)]``."""
    lo = ((A - rgb) / (A - np.float32(BLACK_KEEP) * np.minimum(rgb, A))).max(axis=-1)
    room = rgb + np.float32(WHITE_KEEP) * (1 - rgb) - A   # J may rise to 90 % of the way to 1
    over = np.where(rgb > A, (rgb - A) / np.maximum(room, np.float32(1e-6)), np.float32(0))
    over = np.where(rgb > 1, np.float32(0), over)   # already clipped: let them be
    return np.maximum(lo, over.max(axis=-1))


def recover(rgb: np.ndarray, A: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``J = (I - A) / t' + A`` with ``t' = max(t, 0.1, bound)`` (:func:`transmission_bound`)."""
    tt = np.maximum(np.maximum(t, np.float32(_T0)), transmission_bound(rgb, A))
    tt = np.minimum(tt, np.float32(1))
    return ((rgb - A) / tt[..., None] + A).astype(np.float32)


def plan_dehaze(small: np.ndarray, amount: float, long_side: int) -> DehazePlan | None:
    """Plan dehazing from the working-size image ``small`` (linear RGB)."""
    if not amount:
        return None
    a = np.maximum(np.asarray(small, np.float32), np.float32(0))
    h, w = a.shape[:2]
    r = max(1, round(max(h, w) / 80))
    dark = dark_channel(a, r)
    n = max(1, int(dark.size * 0.001))
    idx = np.argpartition(dark.ravel(), -n)[-n:]
    cands = a.reshape(-1, 3)[idx]
    A = cands[int(np.argmax(cands.sum(axis=1)))]
    A = np.clip(A, 0.05, 1.0).astype(np.float32)
    if amount < 0:
        return DehazePlan(A, float(amount), None)
    omega = 0.95 * amount / 100
    t = 1 - np.float32(omega) * dark_channel(a / A, r)
    grey = np.ascontiguousarray(a @ np.array([0.2126, 0.7152, 0.0722], np.float32))
    t = _guided(grey, t.astype(np.float32), max(2, round(max(h, w) / 20)), 1e-3)
    return DehazePlan(A, float(amount), np.clip(t, _T0, 1).astype(np.float32))
