"""Apply a whole edit list to linear RGB, in order.

1. heal spots (coordinates in the input's pixels: relative values times its size);
2. the basic panel with HSL, the tone curve and detail (:mod:`brightroom.edit.basic`);
3. geometry: crop, flip, quarter turns, free rotation (:mod:`brightroom.edit.geometry`);
4. effects after the crop: vignette (:func:`brightroom.looks.vignette.vignette`, in linear
   light) and grain (:func:`brightroom.looks.grain.film_grain`, on sRGB-encoded values).

Controls at their defaults do nothing, so an empty list returns the pixels as they came.
"""

from __future__ import annotations

import numpy as np

from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.edit.basic import apply_basic, apply_basic_reference, plan_basic
from brightroom.edit.geometry import apply_geometry
from brightroom.edit.heal import heal_spot
from brightroom.edit.params import BasicPanel, Detail, EditList, Effects, ToneCurve
from brightroom.errors import ParameterError
from brightroom.looks.grain import film_grain
from brightroom.looks.vignette import vignette

__all__ = ["render_edits", "apply_heals", "apply_effects", "VIGNETTE_MAX", "GRAIN_MAX"]

VIGNETTE_MAX = 0.8
"""Fraction of light removed in the corners at vignette -100."""
GRAIN_MAX = 0.08
"""Grain standard deviation (display units) at grain 100."""


def apply_heals(rgb: np.ndarray, edits: EditList) -> np.ndarray:
    """The heal spots of ``edits`` on ``rgb`` (relative coordinates of this image)."""
    out = rgb
    h, w = rgb.shape[:2]
    for spot in edits.heal:
        out = heal_spot(out, spot.x * w, spot.y * h, spot.radius * max(h, w))
    return out


def apply_effects(rgb: np.ndarray, fx: Effects, *, seed: int = 0) -> np.ndarray:
    """Vignette and grain (after geometry, on the final frame)."""
    out = rgb
    if fx.vignette:
        out = vignette(out, amount=-fx.vignette / 100 * VIGNETTE_MAX, encoded=False)
    if fx.grain:
        sign = np.where(out < 0, np.float32(-1), np.float32(1))
        enc = srgb_encode(np.abs(out))
        enc = film_grain(enc, amount=fx.grain / 100 * GRAIN_MAX, seed=seed)
        out = (sign * srgb_decode(np.maximum(enc, 0))).astype(np.float32)
    return out


def render_edits(rgb: np.ndarray, edits: EditList, *, raw: bool = False,
                 schedule: str = "fast") -> np.ndarray:
    """``rgb`` (``H x W x 3`` linear RGB, white 1.0) with every edit of ``edits`` applied.

    Parameters
    ----------
    rgb
        The image, not modified.
    edits
        The edit list.
    raw
        ``rgb`` is a developed raw: ``temperature`` is kelvin and was applied by the recipe's
        white balance; else it is a relative shift.
    schedule
        ``"fast"`` (the numba pass) or ``"reference"`` (NumPy), the same picture.
    """
    a = np.asarray(rgb, np.float32)
    if a.ndim != 3 or a.shape[2] != 3:
        raise ParameterError(f"edits apply to H x W x 3 images, got shape {a.shape}")
    if schedule not in ("fast", "reference"):
        raise ParameterError(f"unknown edit schedule {schedule!r}; expected fast or reference")
    if edits.is_identity():
        return a
    out = apply_heals(a, edits)
    if (edits.basic != BasicPanel() or edits.detail != Detail() or edits.curve != ToneCurve()
            or edits.hsl != type(edits.hsl)()):
        plan = plan_basic(out, edits.basic, detail=edits.detail, hsl=edits.hsl,
                          curve=edits.curve, raw=raw)
        out = apply_basic(out, plan) if schedule == "fast" else apply_basic_reference(out, plan)
    out = apply_geometry(out, edits.geometry)
    out = apply_effects(out, edits.effects)
    return np.ascontiguousarray(out, np.float32)
