"""The preview path: a cached screen-size working image that re-renders as a slider moves.

:class:`Preview` keeps the photo demosaicked (developed), linear and area-downsampled to at
most ``max_pixels`` (2 MP: a laptop screen), and a cache of the plan's pieces
(:func:`brightroom.edit.basic.plan_basic`'s ``cache``): the working-size copy, the guided-filter
coefficients (recomputed only when exposure, white balance or dehaze change what they see),
the blur planes of texture, sharpening and noise reduction, the HSL and curve tables. Moving
one colour or tone slider then costs the plan's small part and one compiled pass over the
preview. Every spatial parameter is relative, so :meth:`Preview.render` shows what the
full-size export (:func:`brightroom.edit.render.render_edits`) gives, at screen size.
"""

from __future__ import annotations

import cv2
import numpy as np

from brightroom.color.spaces import srgb_encode
from brightroom.edit.basic import apply_basic, plan_basic
from brightroom.edit.geometry import apply_geometry
from brightroom.edit.params import HSL, BasicPanel, Detail, EditList, ToneCurve
from brightroom.edit.render import apply_effects, apply_heals
from brightroom.errors import ParameterError

__all__ = ["Preview", "preview_size"]


def preview_size(h: int, w: int, max_pixels: int) -> tuple[int, int]:
    """``(height, width)`` of the preview of an ``h x w`` photo: at most ``max_pixels``."""
    s = min(1.0, (max_pixels / float(h * w)) ** 0.5)
    return max(1, round(h * s)), max(1, round(w * s))


class Preview:
    """A screen-size working copy of a photo that renders edit lists quickly.

    Parameters
    ----------
    rgb
        The photo as linear RGB (``H x W x 3`` float32; a developed raw or a linearised
        finished photo), at full size.
    max_pixels
        The preview's pixel budget.
    raw
        As for :func:`brightroom.edit.render.render_edits`.
    """

    def __init__(self, rgb: np.ndarray, *, max_pixels: int = 2_000_000, raw: bool = False):
        a = np.asarray(rgb, np.float32)
        if a.ndim != 3 or a.shape[2] != 3:
            raise ParameterError(f"a preview needs an H x W x 3 image, got shape {a.shape}")
        if max_pixels < 1:
            raise ParameterError(f"max_pixels must be >= 1, got {max_pixels}")
        h, w = preview_size(a.shape[0], a.shape[1], max_pixels)
        self.full_shape = a.shape
        self.image = a if (h, w) == a.shape[:2] else cv2.resize(
            a, (w, h), interpolation=cv2.INTER_AREA)
        self.raw = raw
        self._cache: dict = {}
        self._healed: tuple[tuple, np.ndarray] | None = None

    def render(self, edits: EditList) -> np.ndarray:
        """The preview with ``edits`` applied (linear RGB)."""
        if self._healed is not None and self._healed[0] == edits.heal:
            base = self._healed[1]
        else:
            base = apply_heals(self.image, edits)
            self._cache.clear()  # other heal spots: other pixels
            self._healed = (edits.heal, base)
        out = base
        if (edits.basic != BasicPanel() or edits.detail != Detail() or edits.curve != ToneCurve()
                or edits.hsl != HSL()):
            plan = plan_basic(base, edits.basic, detail=edits.detail, hsl=edits.hsl,
                              curve=edits.curve, raw=self.raw, cache=self._cache)
            out = apply_basic(base, plan)
        out = apply_geometry(out, edits.geometry)
        return apply_effects(out, edits.effects)

    def render_display(self, edits: EditList) -> np.ndarray:
        """:meth:`render`, sRGB-encoded and clipped to [0, 1] (for a screen)."""
        return np.clip(srgb_encode(self.render(edits)), 0, 1).astype(np.float32)
