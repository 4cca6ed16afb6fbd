"""Cinemagraphs: everything still but the region that moves.

:func:`live_mask` is the mask of the live region (float32 ``H x W`` in [0, 1], 1 = moving): from
a mask image (white = live), or ``"auto"``: the per-pixel temporal standard deviation (the
largest of R, G, B), thresholded at four times its median (the noise floor, as most of a
frame is still) and at least 8 levels, cleaned by a morphological opening and closing, grown
and feathered outwards.
:func:`cinemagraph` blends every frame with the first: ``first * (1 - m) + frame * m``.

References
----------
Tompkin, J., Pece, F., Subr, K., Kautz, J. (2011). Towards moment imagery: automatic
cinemagraphs. CVMP (the live-region-over-a-still construction).
"""

from __future__ import annotations

import cv2
import numpy as np

from brightroom.animate.frames import Clip
from brightroom.errors import InputError

__all__ = ["live_mask", "cinemagraph"]


def live_mask(clip: Clip, mask: np.ndarray | str, *, name: str = "mask") -> np.ndarray:
    """The live region of ``clip``: ``"auto"`` or a mask image (``H x W`` or ``H x W x C``,
    uint8 or float in [0, 1]) of the clip's size."""
    w, h = clip.size
    if isinstance(mask, str):
        if mask != "auto":
            raise InputError(f"still {mask!r}: expected 'auto' or a mask image")
        stack = np.stack(clip.frames).astype(np.float32)
        sd = stack.std(axis=0).max(axis=2)  # colour, not only lightness, counts as motion
        # above the noise floor: most of a frame is still, so the median deviation is noise
        t = max(4.0 * float(np.median(sd)), 8.0)
        m = (sd > t).astype(np.uint8)
        r = max(2, round(min(w, h) / 90))
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        m = cv2.morphologyEx(m, cv2.MORPH_OPEN, k)
        m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, k, iterations=2)
        m = cv2.dilate(m, k, iterations=1).astype(np.float32)
        # feathered outwards only: fully live wherever anything moved
        return np.clip(np.maximum(m, cv2.GaussianBlur(m, (0, 0), r)), 0.0, 1.0)
    a = np.asarray(mask)
    if a.ndim == 3:
        a = a[..., :3].mean(axis=2) if a.shape[2] >= 3 else a[..., 0]
    if a.shape[:2] != (h, w):
        raise InputError(f"{name}: mask of {a.shape[1]}x{a.shape[0]}, but the animation is "
                         f"{w}x{h}; give a mask of the output size")
    a = a.astype(np.float32) / (255.0 if np.asarray(mask).dtype == np.uint8 else 1.0)
    return np.clip(a, 0.0, 1.0)


def cinemagraph(clip: Clip, mask: np.ndarray) -> Clip:
    """``clip`` with everything outside ``mask`` frozen at the first frame."""
    still = clip.frames[0].astype(np.float32)
    m = mask[..., None].astype(np.float32)
    frames = tuple((still + (f.astype(np.float32) - still) * m + 0.5).astype(np.uint8)
                   for f in clip.frames)
    return Clip(frames, clip.durations_ms, clip.source)
