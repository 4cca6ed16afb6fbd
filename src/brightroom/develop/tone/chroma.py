"""Chroma noise reduction in the shadows that tone mapping lifts.

Lifting shadows lifts their noise; the luminance noise reads as grain, the chroma noise as
green/magenta blotches (the real ColorChecker DNG's black patch and frame). Cameras remove it
with a chroma low-pass and a "dark chroma suppression" in the lowest tones. Here:

1. **Smooth chroma, on the preview.** On the 1/8-size preview the tone stage already has, the
   chroma ratios ``r / Y`` and ``b / Y`` (``Y`` the luminance) are smoothed by a guided filter
   (He, Sun, Tang 2013) guided by ``log2 Y`` (radius 2, i.e. about 40 pixels of the full image,
   ``eps = 0.1 EV^2``), so the smooth chroma follows luminance edges and does not bleed across
   them. The preview is itself an 8 x 8 area average: its chroma noise is 8 times lower.
2. **Blend in the lifted range.** Per pixel, the weight ``t`` rises (smoothstep) from 0 at
   ``Y_hi`` (1/2 EV below middle grey; the local gain lifts below grey) to ``strength`` at
   ``Y_lo`` (4 EV below grey); the pixel's ratios move toward the smooth ratios by ``t``, and the
   smooth ratios toward neutral by ``desat * t`` (the low-frequency blotches that survive the
   smoothing fade with the signal): ``rgb <- (1 - t) rgb + t Y s`` with ``s = (s_r, s_g, s_b)``
   and ``s_g`` solved from ``w . s = 1``, so luminance is kept exactly and the tone curve that
   follows sees the same luminance (no division: continuous through ``Y = 0``).

Its pixels are one :class:`ShadowChroma` row operation (the row machine's ``CHROMA``), run
before the :class:`~brightroom.develop.tone.Tone` operation in the same pass; the NumPy
reference is :meth:`ShadowChroma.reference`.

References
----------
K. He, J. Sun, X. Tang (2013), Guided image filtering, IEEE TPAMI 35(6), 1397-1409.

R. Ramanath, W. E. Snyder, Y. Yoo, M. S. Drew (2005), Color image processing pipeline, IEEE
Signal Processing Magazine 22(1), 34-43 (chroma noise and its suppression in camera pipelines).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from brightroom.develop.kernels import rows
from brightroom.develop.rowops import Packer, RowOp
from brightroom.errors import ParameterError

from .filmic import MIDDLE_GREY
from .local import guided_filter, upsample_index

__all__ = ["ShadowChroma", "shadow_chroma", "Y_HI", "Y_LO", "DESAT"]

Y_HI = MIDDLE_GREY * 2.0**-0.5
"""Luminance (scene-linear, after exposure) above which pixels are left alone (1/2 EV under
grey)."""
Y_LO = MIDDLE_GREY / 16.0
"""Luminance at and below which the full weight applies (4 EV under grey)."""
DESAT = 0.5
"""Pull of the smooth chroma toward neutral at full weight."""

_RADIUS = 2
_EPS = 0.1  # EV^2
_FLOOR = 2.0**-20


@dataclass(frozen=True, eq=False)
class ShadowChroma(RowOp):
    """Row operation: pixel chroma ratios toward smooth ones below ``y_hi`` (module docstring).

    ``ratio_r`` and ``ratio_b`` are the small (preview-size) smooth ratios, bilinearly upsampled
    to ``shape`` (pixel-centre aligned, as the tone stage's gain).
    """

    weights: np.ndarray
    ratio_r: np.ndarray
    ratio_b: np.ndarray
    shape: tuple[int, int]
    y_hi: float
    y_lo: float
    strength: float
    desat: float = DESAT

    def __post_init__(self) -> None:
        if not (np.isfinite(self.y_hi) and np.isfinite(self.y_lo) and self.y_hi > self.y_lo > 0):
            raise ParameterError(f"shadow chroma needs y_hi > y_lo > 0, got {self.y_hi}, "
                                 f"{self.y_lo}")
        if not 0 <= self.strength <= 1 or not 0 <= self.desat <= 1:
            raise ParameterError(f"shadow chroma strength and desat must be in [0, 1], got "
                                 f"{self.strength}, {self.desat}")

    def pack(self, packer: Packer) -> None:
        h, wd = self.shape
        hs = self.ratio_r.shape[0]
        y0, y1, wy = upsample_index(h, hs)
        pr = cv2.resize(np.ascontiguousarray(self.ratio_r, np.float32), (wd, hs),
                        interpolation=cv2.INTER_LINEAR)
        pb = cv2.resize(np.ascontiguousarray(self.ratio_b, np.float32), (wd, hs),
                        interpolation=cv2.INTER_LINEAR)
        refs = (packer.plane(pr), packer.plane(pb), packer.ints(y0), packer.ints(y1),
                packer.vec(wy), packer.vec(self.weights))
        packer.op(rows.CHROMA, (self.y_hi, self.y_lo, self.desat, self.strength), refs)

    def reference(self, rgb: np.ndarray) -> np.ndarray:
        a = np.asarray(rgb, np.float32)
        h, w = a.shape[:2]
        y0, y1, wy = upsample_index(h, self.ratio_r.shape[0])
        x0, x1, wx = upsample_index(w, self.ratio_r.shape[1])
        wy, wx = wy[:, None], wx[None, :]

        def up(m: np.ndarray) -> np.ndarray:
            return ((m[y0][:, x0] * (1 - wx) + m[y0][:, x1] * wx) * (1 - wy)
                    + (m[y1][:, x0] * (1 - wx) + m[y1][:, x1] * wx) * wy)

        wts = np.asarray(self.weights, np.float32)
        y = a @ wts
        t = np.clip((self.y_hi - y) / (self.y_hi - self.y_lo), 0, 1)
        t = t * t * (3 - 2 * t) * np.float32(self.strength)
        d = t * np.float32(self.desat)
        sr = up(self.ratio_r)
        sb = up(self.ratio_b)
        sr = sr + (1 - sr) * d
        sb = sb + (1 - sb) * d
        sg = (1 - wts[0] * sr - wts[2] * sb) / wts[1]
        s_rgb = np.stack([sr, sg, sb], axis=-1)
        # (1 - t) rgb + t Y s: the ratio blend Y ((1 - t) rgb / Y + t s), continuous through Y = 0
        return ((1 - t)[..., None] * a + (t * y)[..., None] * s_rgb).astype(np.float32)


def shadow_chroma(small_rgb: np.ndarray, shape: tuple[int, int], weights: np.ndarray, *,
                  strength: float = 1.0, scale: float = 1.0) -> ShadowChroma:
    """Design the shadow chroma operation on the preview ``small_rgb`` of an image of ``shape``.

    Parameters
    ----------
    small_rgb
        ``h x w x 3`` area-downsampled scene-linear RGB (the tone stage's 1/8-size preview).
    shape
        ``(H, W)`` of the full image.
    weights
        Luminance weights of the RGB space.
    strength
        Largest blend weight (0 = off, 1 = the smooth chroma in the deepest shadows).
    scale
        Exposure factor the tone stage applies after this operation: the thresholds are for the
        exposed luminance.

    Returns
    -------
    ShadowChroma

    References
    ----------
    See the module docstring.
    """
    wts = np.asarray(weights, np.float32)
    a = np.nan_to_num(np.asarray(small_rgb, np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    y = a @ wts
    ok = y > _FLOOR
    ys = np.where(ok, y, 1.0).astype(np.float32)
    rr = np.where(ok, np.clip(a[..., 0] / ys, 0, 16), 1.0).astype(np.float32)
    rb = np.where(ok, np.clip(a[..., 2] / ys, 0, 16), 1.0).astype(np.float32)
    ell = np.log2(np.maximum(y, np.float32(_FLOOR))).astype(np.float32)
    radius = max(1, min(_RADIUS, (min(y.shape) - 1) // 2))
    ar, br = guided_filter(ell, rr, radius, _EPS)
    ab, bb = guided_filter(ell, rb, radius, _EPS)
    sr = np.clip(ar * ell + br, 0, 16).astype(np.float32)
    sb = np.clip(ab * ell + bb, 0, 16).astype(np.float32)
    s = float(scale)
    return ShadowChroma(wts, sr, sb, (int(shape[0]), int(shape[1])), Y_HI / s, Y_LO / s,
                        float(strength))
