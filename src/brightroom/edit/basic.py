"""The basic panel on scene-referred linear RGB: one plan, then one pointwise pass.

Space: takes and gives linear RGB (output primaries, white at 1.0), on a developed raw (inside
the pipeline, :mod:`brightroom.edit.stage`) or on a finished photo's linearised pixels.

What each control does, in order, per pixel (``Y`` the luminance, ``L = log2 Y``):

1. **temperature / tint** (finished photos: a relative shift) and **exposure**: per-channel
   gains; exposure multiplies linear light by ``2**EV`` (+1 EV doubles every value).
2. **dehaze** (:mod:`brightroom.edit.dehaze`): the haze model ``I = J t + A (1 - t)`` inverted
   with a transmission map that is bounded per pixel so that no value is pushed below 0 or
   above 1 that was not already there.
3. **tone**: a gain ``2**dL`` on all three channels (ratios, so hue and saturation are kept),
   with ``dL`` in EV the sum of

   * highlights, shadows, whites, blacks: smooth weights over the tone bands of an
     edge-aware *base* luminance (a guided filter of ``L``, He, Sun & Tang 2013, at 1/33 of
     the long side), the tone equaliser of darktable: the gain is smooth inside regions and
     follows their edges, so there are no halos and local contrast is kept;
   * contrast: ``c (L - L_grey)`` softened with ``tanh`` (pivot 18 % grey);
   * (these functions of one variable, and the clarity weight, are read from tables 0.01 EV
     apart, :data:`EV_TABLE`, in both schedules);
   * clarity: the mid-scale detail ``L - base_c`` (guided filter at 1/100 of the long side),
     weighted towards the mid-tones; texture: the fine detail ``L - blur(L)`` (1/1500 of the
     long side); sharpening: ``L - blur(L)`` at a pixel's scale (1/4000 of the long side);
     noise reduction pulls ``L`` towards an edge-aware smoothing at that scale.
4. **vibrance / saturation**: chroma scaled around the luminance (vibrance more for dull
   colours, less for skin hues), limited so that no channel goes negative.
5. **HSL** per band (:mod:`brightroom.edit.colour`) and the **tone curve** (on sRGB-encoded
   values).

The global decisions (gains, the dehaze airlight, the low-resolution guided-filter
coefficients, the blur planes) are the *plan* (:func:`plan_basic`); applying it is pointwise
(:func:`apply_basic_reference`, NumPy; :func:`apply_basic` runs the numba kernel of
:mod:`brightroom.edit._basic_numba`, the same arithmetic, tested against it). The plan's
radii are fractions of the image's long side, so the same edit at preview size and at full
size gives the same picture.

References
----------
He, K., Sun, J., Tang, X. (2013). Guided image filtering. IEEE TPAMI 35(6), 1397-1409.
He, K., Sun, J. (2015). Fast guided filter. arXiv:1505.00996.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from brightroom.edit._basic_numba import basic_kernel
from brightroom.edit.colour import (
    curve_reference,
    curve_tables,
    hsl_reference,
    hsl_tables,
    temperature_gains,
)
from brightroom.edit.dehaze import BLACK_KEEP, WHITE_KEEP, DehazePlan, plan_dehaze
from brightroom.edit.params import HSL, BasicPanel, Detail, ToneCurve
from brightroom.errors import ParameterError

__all__ = ["BasicPlan", "guided_coefficients", "plan_basic", "apply_basic",
           "apply_basic_reference", "LUMA", "band_gain", "WORK_SIDE"]

LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)
"""Rec. 709 / sRGB luminance weights of linear RGB."""
GREY_EV = float(np.log2(0.18))
"""The contrast pivot: 18 % grey, in EV below white."""
WORK_SIDE = 640
"""Long side (pixels) at which the low-resolution guided filters are computed."""
_FLOOR = 2.0 ** -16
_DUMMY = np.zeros((1, 1), np.float32)
EV_TABLE = (-17.0, 3.0, 2001)
"""The tone functions of one variable (the bands over the base, contrast and the clarity
mid-tone weight over the luminance) are tabulated over ``EV_TABLE`` (from, to, entries: 0.01
EV apart) and read with linear interpolation, in the reference and in the compiled pass."""
_EV_GRID = np.linspace(EV_TABLE[0], EV_TABLE[1], EV_TABLE[2])
# EV ranges of the tone bands at 100 and their centres / widths (EV below white)
_SHADOWS = (-5.0, 1.6, 2.0)      # centre, sigma, EV at 100
_HIGHLIGHTS = (-1.6, 0.9, 1.5)
_BLACKS = (-8.0, -4.5, 1.5)      # full below the first, none above the second, EV at 100
_WHITES = (-1.5, 0.0, 1.0)       # none below the first, full above the second


def guided_coefficients(guide: np.ndarray, radius: int, eps: float) -> tuple[np.ndarray,
                                                                              np.ndarray]:
    """The self-guided filter's averaged coefficients ``(a, b)``: the output is ``a I + b``.

    ``guide`` is a 2-D float32 plane, the window ``(2 radius + 1)**2`` (He et al. 2013, eq. 5-8,
    with ``p = I``), borders reflected (OpenCV box filters).
    """
    g = np.ascontiguousarray(guide, np.float32)
    r = max(1, int(radius))
    k = (2 * r + 1, 2 * r + 1)

    def box(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, cv2.CV_32F, k, borderType=cv2.BORDER_REFLECT)

    m = box(g)
    var = box(g * g) - m * m
    a = var / (var + np.float32(eps))
    b = m - a * m
    return box(a), box(b)


def band_gain(base: np.ndarray, p: BasicPanel) -> np.ndarray:
    """The EV gain of highlights, shadows, whites and blacks at base luminance ``base`` (EV)."""
    b = np.asarray(base, np.float32)
    g = np.zeros_like(b)
    if p.shadows:
        c, s, ev = _SHADOWS
        g += np.float32(p.shadows / 100 * ev) * np.exp(-0.5 * ((b - c) / s) ** 2)
    if p.highlights:
        c, s, ev = _HIGHLIGHTS
        g += np.float32(p.highlights / 100 * ev) * np.exp(-0.5 * ((b - c) / s) ** 2)
    if p.blacks:
        lo, hi, ev = _BLACKS
        t = np.clip((b - lo) / (hi - lo), 0, 1)
        g += np.float32(p.blacks / 100 * ev) * (1 - t * t * (3 - 2 * t))
    if p.whites:
        lo, hi, ev = _WHITES
        t = np.clip((b - lo) / (hi - lo), 0, 1)
        g += np.float32(p.whites / 100 * ev) * t * t * (3 - 2 * t)
    return g.astype(np.float32)


@dataclass(frozen=True, eq=False)
class BasicPlan:
    """What :func:`plan_basic` decided for one image (the pointwise pass needs only this)."""

    gains: np.ndarray                       # 3 per-channel gains (white balance x exposure)
    dehaze: DehazePlan | None
    tone: tuple[np.ndarray, np.ndarray] | None   # low-res (a, b) of the base luminance
    params: BasicPanel
    clarity: tuple[np.ndarray, np.ndarray] | None
    fine: np.ndarray | None                 # full-res L_in minus its blur (texture)
    sharp: np.ndarray | None                # full-res L_in minus its pixel-scale blur
    smooth: np.ndarray | None               # full-res L_in minus its edge-aware smoothing
    detail: Detail = field(default_factory=Detail)
    hsl: np.ndarray | None = None           # (3, 360) hue shift (deg), sat and lum factors
    curve: np.ndarray | None = None         # (3, N) tables on [0, 1]
    tables: np.ndarray | None = None        # (3, N): band gain(base), contrast(L), mid(L)

    @property
    def identity(self) -> bool:
        return (self.dehaze is None and self.tone is None and self.clarity is None
                and self.fine is None and self.sharp is None and self.smooth is None
                and self.hsl is None and self.curve is None
                and not self.params.contrast and not self.params.vibrance
                and not self.params.saturation and bool(np.all(self.gains == 1)))


def _log_luma(rgb: np.ndarray) -> np.ndarray:
    y = np.asarray(rgb, np.float32) @ LUMA
    return np.log2(np.maximum(y, np.float32(_FLOOR))).astype(np.float32)


def _small(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    s = max(h, w) / WORK_SIDE
    if s <= 1:
        return np.ascontiguousarray(rgb, np.float32)
    size = (max(1, round(w / s)), max(1, round(h / s)))
    return cv2.resize(np.ascontiguousarray(rgb, np.float32), size, interpolation=cv2.INTER_AREA)


def plan_basic(rgb: np.ndarray, p: BasicPanel, *, detail: Detail | None = None,
               hsl: HSL | None = None, curve: ToneCurve | None = None,
               raw: bool = False, small: np.ndarray | None = None,
               cache: dict | None = None) -> BasicPlan:
    """The global decisions of the basic panel for ``rgb`` (``H x W x 3`` linear).

    Parameters
    ----------
    rgb
        The image to edit (linear RGB, white 1.0).
    p, detail, hsl, curve
        The controls.
    raw
        The image is a developed raw whose white balance the recipe set (``temperature`` in
        kelvin was applied there); else ``temperature`` is a relative shift (-100..100).
    small
        The image at the working size (:data:`WORK_SIDE`), when the caller has it.
    cache
        A dictionary kept between calls on the same ``rgb`` (the preview): the pieces of the
        plan whose inputs did not change (the guided filters when only a colour slider moved,
        the blur planes, the tables) are taken from it.
    """
    a = np.asarray(rgb, np.float32)
    if a.ndim != 3 or a.shape[2] != 3:
        raise ParameterError(f"the basic panel needs an H x W x 3 image, got shape {a.shape}")
    detail = detail or Detail()
    h, w = a.shape[:2]
    long = max(h, w)
    if raw or p.temperature == 0:
        wb = np.ones(3, np.float32)
        if not raw and p.tint:
            wb = temperature_gains(0.0, p.tint)
    else:
        if not -100 <= p.temperature <= 100:
            raise ParameterError(f"temperature = {p.temperature:g} on a finished photo is a "
                                 "relative shift in [-100, 100] (kelvin is for raw input)")
        wb = temperature_gains(p.temperature, p.tint)
    if raw and p.tint:
        wb = temperature_gains(0.0, p.tint)
    gains = (wb * np.float32(2.0 ** p.exposure)).astype(np.float32)
    memo = {} if cache is None else cache

    def cached(key: tuple, fn):  # noqa: ANN001, ANN202 - a local memo
        if key not in memo:
            memo[key] = fn()
        return memo[key]

    sm0 = cached(("small",), lambda: _small(a)) if small is None else small
    lit = (tuple(gains.tolist()), p.dehaze)

    def working() -> tuple[DehazePlan | None, np.ndarray]:
        sm = sm0 * gains
        dz = plan_dehaze(sm, p.dehaze, long) if p.dehaze else None
        return dz, (dz.apply_small(sm) if dz is not None else sm)

    dz, sm = cached(("working", *lit), working)
    s = max(1.0, long / max(sm.shape[:2]))
    tone = None
    if p.highlights or p.shadows or p.whites or p.blacks:
        tone = cached(("tone", *lit), lambda: guided_coefficients(
            _log_luma(sm), radius=max(1, round(long / 33 / s)), eps=0.25))
    clarity = None
    if p.clarity:
        clarity = cached(("clarity", *lit), lambda: guided_coefficients(
            _log_luma(sm), radius=max(1, round(long / 100 / s)), eps=0.04))
    fine = sharp = smooth = None
    if p.texture or detail.sharpening or detail.noise_reduction:
        lin = cached(("lin",), lambda: _log_luma(a))
        # the detail planes are kept as differences, so the pointwise pass needs no L_in
        if p.texture:
            fine = cached(("fine",), lambda: cv2.subtract(lin, cv2.GaussianBlur(
                lin, (0, 0), max(0.5, long / 1500), borderType=cv2.BORDER_REFLECT)))
        if detail.sharpening:
            sharp = cached(("sharp",), lambda: cv2.subtract(lin, cv2.GaussianBlur(
                lin, (0, 0), max(0.5, long / 4000), borderType=cv2.BORDER_REFLECT)))
        if detail.noise_reduction:
            def nr() -> np.ndarray:
                ca, cb = guided_coefficients(lin, max(1, round(long / 2000)), eps=0.02)
                # L_in - (a L_in + b) = (1 - a) L_in - b
                return ((np.float32(1.0) - ca) * lin - cb).astype(np.float32)
            smooth = cached(("smooth",), nr)
    hs = None
    if hsl is not None and hsl != HSL():
        hs = cached(("hsl", hsl), lambda: hsl_tables(hsl))
    cv = None
    if curve is not None and curve != ToneCurve():
        cv = cached(("curve", curve), lambda: curve_tables(curve))
    tables = cached(("tables", p.shadows, p.highlights, p.blacks, p.whites, p.contrast,
                     p.clarity), lambda: _tone_tables(p))
    return BasicPlan(gains, dz, tone, p, clarity, fine, sharp, smooth, detail, hs, cv, tables)


def _tone_tables(p: BasicPanel) -> np.ndarray:
    g = _EV_GRID
    band = band_gain(g, p)
    contrast = p.contrast / 100 * 0.6 * 3.0 * np.tanh((g - GREY_EV) / 3.0)
    mid = p.clarity / 100 * 0.8 * np.exp(-0.5 * ((g - GREY_EV) / 2.5) ** 2)
    return np.stack([band, contrast, mid]).astype(np.float32)


def _read(table: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Linear interpolation of an :data:`EV_TABLE` table at ``x`` (clamped to its range)."""
    lo, hi, n = EV_TABLE
    t = np.clip((x - np.float32(lo)) * np.float32((n - 1) / (hi - lo)), 0, n - 1)
    k = np.minimum(t.astype(np.int64), n - 2)
    f = (t - k).astype(np.float32)
    return table[k] + f * (table[k + 1] - table[k])


def _upsample(plane: np.ndarray, h: int, w: int) -> np.ndarray:
    if plane.shape == (h, w):
        return plane
    return cv2.resize(plane, (w, h), interpolation=cv2.INTER_LINEAR)


def _tone_delta(lum: np.ndarray, plan: BasicPlan) -> np.ndarray:
    """``dL`` (EV) from the luminance after gains/dehaze ``lum`` (and the plan's detail
    planes, differences of the input's log luminance)."""
    p = plan.params
    h, w = lum.shape
    d = np.zeros_like(lum)
    tab = plan.tables
    if plan.tone is not None:
        base = _upsample(plan.tone[0], h, w) * lum + _upsample(plan.tone[1], h, w)
        d += _read(tab[0], base)
    if p.contrast:
        d += _read(tab[1], lum)
    if plan.clarity is not None:
        base = _upsample(plan.clarity[0], h, w) * lum + _upsample(plan.clarity[1], h, w)
        d += _read(tab[2], lum) * (lum - base)
    if plan.fine is not None:
        d += np.float32(p.texture / 100 * 0.8) * plan.fine
    if plan.sharp is not None:
        d += np.float32(plan.detail.sharpening / 150 * 1.5) * plan.sharp
    if plan.smooth is not None:
        d -= np.float32(plan.detail.noise_reduction / 100) * plan.smooth
    return d.astype(np.float32)


def _chroma(rgb: np.ndarray, p: BasicPanel) -> np.ndarray:
    """Vibrance and saturation: chroma around the luminance, never below 0."""
    y = (rgb @ LUMA)[..., None]
    mx = rgb.max(axis=-1, keepdims=True)
    mn = rgb.min(axis=-1, keepdims=True)
    sat = np.where(mx > 0, (mx - mn) / np.maximum(mx, np.float32(1e-12)), np.float32(0))
    k = np.full_like(y, np.float32(1 + p.saturation / 100))
    if p.vibrance:
        # skin: red highest, then green, then blue (orange hues) gets half the boost
        skin = ((rgb[..., 0:1] >= rgb[..., 1:2]) & (rgb[..., 1:2] >= rgb[..., 2:3]))
        v = np.float32(p.vibrance / 100) * (1 - sat) * np.where(skin, np.float32(0.5),
                                                                 np.float32(1.0))
        k = k * (1 + v)
    # the largest factor that keeps the lowest channel >= 0
    room = np.where(y - mn > 1e-12, y / np.maximum(y - mn, np.float32(1e-12)), np.float32(1e9))
    k = np.minimum(k, np.maximum(room, np.float32(0)))
    return (y + k * (rgb - y)).astype(np.float32)


def apply_basic_reference(rgb: np.ndarray, plan: BasicPlan) -> np.ndarray:
    """Apply ``plan`` to ``rgb`` with NumPy (the reference of :func:`apply_basic`)."""
    a = np.asarray(rgb, np.float32)
    if plan.identity:
        return a.copy()
    h, w = a.shape[:2]
    out = a * plan.gains
    if plan.dehaze is not None:
        out = plan.dehaze.apply(out)
    lum = _log_luma(out)
    d = _tone_delta(lum, plan)
    out = out * np.exp2(d)[..., None]
    p = plan.params
    if p.vibrance or p.saturation:
        out = _chroma(out, p)
    if plan.hsl is not None:
        out = hsl_reference(out, plan.hsl)
    if plan.curve is not None:
        out = curve_reference(out, plan.curve)
    return out.astype(np.float32)


def apply_basic(rgb: np.ndarray, plan: BasicPlan) -> np.ndarray:
    """Apply ``plan`` to ``rgb`` in one compiled pass (:mod:`brightroom.edit._basic_numba`)."""
    a = np.ascontiguousarray(rgb, np.float32)
    if plan.identity:
        return a.copy()
    return _apply_numba(a, plan)


def _plane(x: np.ndarray | None) -> np.ndarray:
    return _DUMMY if x is None else np.ascontiguousarray(x, np.float32)


def _apply_numba(rgb: np.ndarray, plan: BasicPlan) -> np.ndarray:
    p, dt = plan.params, plan.detail
    dz = plan.dehaze
    flags = np.array([dz is not None, plan.tone is not None, plan.clarity is not None,
                      plan.fine is not None, plan.sharp is not None, plan.smooth is not None,
                      plan.hsl is not None, plan.curve is not None,
                      dz is not None and dz.t_small is None], np.bool_)
    fp = np.array([
        p.shadows, p.highlights, p.blacks, p.whites, p.contrast / 100 * 0.6,
        p.clarity / 100 * 0.8, p.texture / 100 * 0.8, dt.sharpening / 150 * 1.5,
        dt.noise_reduction / 100, 1 + p.saturation / 100, p.vibrance / 100, _FLOOR,
        GREY_EV, 1 + 0.7 * (dz.amount if dz is not None else 0) / 100,
        _SHADOWS[0], _SHADOWS[1], p.shadows / 100 * _SHADOWS[2],
        _HIGHLIGHTS[0], _HIGHLIGHTS[1], p.highlights / 100 * _HIGHLIGHTS[2],
        _BLACKS[0], _BLACKS[1], p.blacks / 100 * _BLACKS[2],
        _WHITES[0], _WHITES[1], p.whites / 100 * _WHITES[2], BLACK_KEEP,
        WHITE_KEEP, EV_TABLE[0], (EV_TABLE[2] - 1) / (EV_TABLE[1] - EV_TABLE[0])], np.float64)
    ta, tb = plan.tone if plan.tone is not None else (_DUMMY, _DUMMY)
    ca, cb = plan.clarity if plan.clarity is not None else (_DUMMY, _DUMMY)
    tsm = _DUMMY if dz is None or dz.t_small is None else dz.t_small
    airl = (dz.airlight if dz is not None else np.ones(3)).astype(np.float64)
    hsl = np.zeros((3, 360), np.float32) if plan.hsl is None else plan.hsl
    curve = np.zeros((3, 2), np.float32) if plan.curve is None else plan.curve
    out = np.empty_like(rgb)
    basic_kernel(rgb, out, plan.gains.astype(np.float64), flags, fp, _plane(ta), _plane(tb),
            _plane(ca), _plane(cb), _plane(tsm), airl, _plane(plan.fine), _plane(plan.sharp),
            _plane(plan.smooth), np.ascontiguousarray(hsl, np.float32),
            np.ascontiguousarray(curve, np.float32),
            np.ascontiguousarray(plan.tables if plan.tables is not None else
                                 np.zeros((3, 2), np.float32), np.float32))
    return out
