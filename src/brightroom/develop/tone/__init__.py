"""Tone mapping: the ``tone`` stage (``linear_rgb -> linear_rgb``).

Methods (:data:`TONE_METHODS`, a :class:`~brightroom.methods.Methods` registry: case and
``-``/``_``/space ignored), all after an exposure factor ``2**exposure``:

* ``"none"``: exposure only (the neutral recipe).
* ``"hable2010"`` (alias ``"filmic"``, its key in earlier versions): a global filmic curve
  (Hable 2010) on the max-RGB norm, 18 % grey on 18 % (:mod:`.filmic`).
* ``"local"``: a local, halo-free gain designed on a 1/8-size image and applied with guided
  upsampling (HDR+-style shadows and highlights; :mod:`.local`), then the filmic curve. Its
  own design (Durand & Dorsey 2002's base/detail split with He et al. 2013's guided filter),
  no single paper's method, so it keeps a descriptive key.

:func:`auto_exposure` picks an exposure that puts the log-average luminance on a target (the
"key" of Reinhard et al. 2002), as phones do.

The stage's pixels are one :class:`Tone` row operation (exposure, gain, curve and saturation in
one pass, :mod:`brightroom.develop.kernels.tone_row`), which fuses with its neighbours.

References
----------
J. Hable (2010), Uncharted 2: HDR lighting, GDC 2010.

S. W. Hasinoff et al. (2016), Burst photography for high dynamic range and low-light imaging
on mobile cameras, ACM TOG 35(6), 192.

E. Reinhard, M. Stark, P. Shirley, J. Ferwerda (2002), Photographic tone reproduction for
digital images, ACM Transactions on Graphics 21(3), 267-276.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from brightroom.color.spaces import get_space
from brightroom.develop.kernels import rows
from brightroom.develop.kernels.tone_row import EXP2_POLY, LOG2_POLY
from brightroom.develop.params import Params, param
from brightroom.develop.pipeline import RowPlan, RowStage, StageInput
from brightroom.develop.rowops import Matrix, Packer, RowOp, run_ops
from brightroom.errors import ParameterError
from brightroom.methods import Methods

from .chroma import ShadowChroma, shadow_chroma
from .filmic import (
    MIDDLE_GREY,
    check_curve_params,
    filmic,
    filmic_curve,
    filmic_ratio_lut,
    hable_ratio_coefficients,
)
from .local import (
    FACTOR,
    LUM_FLOOR,
    MAX_EV,
    LocalGain,
    apply_local_gain,
    local_gain,
    small_luminance,
    upsample_index,
)

__all__ = [
    "TONE_METHODS",
    "ToneParams",
    "tone_map",
    "auto_exposure",
    "filmic",
    "filmic_curve",
    "local_gain",
    "apply_local_gain",
    "LocalGain",
    "Tone",
    "ToneStage",
    "luminance_weights",
    "ShadowChroma",
    "shadow_chroma",
]


def luminance_weights(primaries: str) -> np.ndarray:
    """Luminance (Y) weights of a linear RGB space known to :mod:`brightroom.color.spaces`."""
    return get_space(primaries).to_xyz[1].astype(np.float32)


def auto_exposure(rgb: np.ndarray, *, target: float = MIDDLE_GREY,
                  weights: np.ndarray | None = None, limits: tuple[float, float] = (-4.0, 6.0),
                  small_lum: np.ndarray | None = None) -> float:
    """Exposure (EV) that puts the log-average luminance of ``rgb`` on ``target``.

    Parameters
    ----------
    rgb
        ``H x W x 3`` float32 scene-linear RGB.
    target
        Wanted log-average luminance (Reinhard's "key"; 0.18 = middle grey).
    weights
        Luminance weights of the RGB space.
    limits
        The result is clipped to this EV range.
    small_lum
        The 1/8-size luminance if already computed.

    Returns
    -------
    float
        EV to add to the exposure.

    References
    ----------
    Reinhard, Stark, Shirley, Ferwerda (2002), equation 1 (log-average luminance).
    """
    if not 0 < target < 1:
        raise ParameterError(f"auto-exposure target must be in (0, 1), got {target!r}")
    lum = small_luminance(rgb, weights) if small_lum is None else small_lum
    logavg = float(np.mean(np.log2(np.maximum(lum, 1e-5))))
    return float(np.clip(np.log2(target) - logavg, *limits))


def _check_common(exposure: float, white_ev: float, contrast: float, saturation: float) -> None:
    if not np.isfinite(exposure) or abs(exposure) > 16:
        raise ParameterError(f"exposure must be a finite EV in [-16, 16], got {exposure!r}")
    check_curve_params(white_ev, contrast)
    if not np.isfinite(saturation) or not 0 <= saturation <= 4:
        raise ParameterError(f"saturation must be in [0, 4], got {saturation!r}")


@dataclass(frozen=True, eq=False)
class Tone(RowOp):
    """Row operation of the tone stage: exposure, optional local gain, filmic curve, saturation.

    The NumPy reference is :func:`.local.apply_local_gain` (when ``gain`` is set) followed by
    :func:`.filmic.filmic`; the row function is
    :func:`brightroom.develop.kernels.tone_row.tone_row` (polynomial ``log2``/``exp2``, about
    1e-5 EV).
    """

    weights: np.ndarray
    scale: float
    gain: LocalGain | None
    white_ev: float
    contrast: float
    saturation: float

    def pack(self, packer: Packer) -> None:
        h, wd = self.gain.shape if self.gain is not None else (1, 1)
        if self.gain is not None:
            ga, gb = np.ascontiguousarray(self.gain.a), np.ascontiguousarray(self.gain.b)
            sk, hk = self.gain.shadows_k, self.gain.highlights_k
            y0, y1, wy = upsample_index(h, ga.shape[0])
            # upsample along x once, on the small rows (same pixel-centre rule)
            ga = cv2.resize(ga, (wd, ga.shape[0]), interpolation=cv2.INTER_LINEAR)
            gb = cv2.resize(gb, (wd, gb.shape[0]), interpolation=cv2.INTER_LINEAR)
        else:
            ga = gb = np.zeros((1, 1), np.float32)
            sk = hk = 0.0
            y0 = y1 = np.zeros(1, np.int64)
            wy = np.zeros(1, np.float32)
        use_lut = self.contrast != 1.0
        if use_lut:
            lut, white = filmic_ratio_lut(float(self.white_ev), float(self.contrast))
            hc = np.zeros(7, np.float32)
        else:
            lut, white = np.zeros(2, np.float32), 1.0
            hc = hable_ratio_coefficients(float(self.white_ev))
        refs = (packer.vec(self.weights), packer.plane(ga), packer.plane(gb), packer.ints(y0),
                packer.ints(y1), packer.vec(wy), packer.vec(LOG2_POLY), packer.vec(EXP2_POLY),
                packer.vec(hc), packer.vec(np.asarray(lut, np.float32)))
        floats = (self.scale, 1.0 if self.gain is not None else 0.0, LUM_FLOOR, MAX_EV, sk, hk,
                  np.log2(MIDDLE_GREY), 1.0 if use_lut else 0.0, white, self.saturation)
        packer.op(rows.TONE, floats, refs)

    def reference(self, rgb: np.ndarray) -> np.ndarray:
        a = np.asarray(rgb, np.float32)
        x = apply_local_gain(a, self.gain, self.weights) if self.gain is not None else \
            a * np.float32(self.scale)
        return filmic(x, white_ev=self.white_ev, contrast=self.contrast,
                      saturation=self.saturation, weights=self.weights)


def _fast(a: np.ndarray, w: np.ndarray, scale: float, gain: LocalGain | None,
          white_ev: float, contrast: float, saturation: float) -> np.ndarray:
    return run_ops(a, (Tone(np.asarray(w, np.float32), float(scale), gain, white_ev, contrast,
                            saturation),))


def _none(a, w, scale, fast, **kw):
    if scale == 1.0:
        return a
    return np.multiply(a, np.float32(scale), dtype=np.float32)


def _filmic(a, w, scale, fast, *, white_ev, contrast, saturation, **kw):
    if fast:
        return _fast(a, w, scale, None, white_ev, contrast, saturation)
    return filmic(a * np.float32(scale), white_ev=white_ev, contrast=contrast,
                  saturation=saturation, weights=w)


def _local(a, w, scale, fast, *, white_ev, contrast, saturation, shadows, highlights, detail,
           strength, small_lum=None, **kw):
    gain = local_gain(a, scale=scale, shadows=shadows, highlights=highlights, detail=detail,
                      strength=strength, weights=w, small_lum=small_lum)
    if fast:
        return _fast(a, w, scale, gain, white_ev, contrast, saturation)
    return filmic(apply_local_gain(a, gain, w), white_ev=white_ev, contrast=contrast,
                  saturation=saturation, weights=w)


TONE_METHODS: Methods[Callable[..., np.ndarray]] = Methods("tone")
"""Tone-mapping methods by name: ``f(rgb, weights, scale, fast, **curve_and_gain) -> rgb``."""
TONE_METHODS.register("none", _none, cite="exposure only (no tone curve)")
TONE_METHODS.register(
    "hable2010", _filmic, aliases=("filmic",),
    cite="Hable, J. (2010). Uncharted 2: HDR lighting. Game Developers Conference 2010 "
         "(applied to the max-RGB norm, as darktable filmic rgb).")
TONE_METHODS.register(
    "local", _local,
    cite="Brightroom's local gain: Durand, F., Dorsey, J. (2002), Fast bilateral filtering for "
         "the display of high-dynamic-range images, SIGGRAPH 2002 (base/detail), with He, K., "
         "Sun, J., Tang, X. (2013), Guided image filtering, TPAMI 35(6); then Hable (2010).")
TONE_METHODS.freeze()


def tone_map(
    rgb: np.ndarray,
    *,
    method: str = "local",
    exposure: float = 0.0,
    auto: bool = False,
    auto_target: float = MIDDLE_GREY,
    white_ev: float = 4.0,
    contrast: float = 1.0,
    saturation: float = 1.0,
    shadows: float = 0.4,
    highlights: float = 0.3,
    detail: float = 1.0,
    strength: float = 1.0,
    weights: np.ndarray | None = None,
    fast: bool = True,
) -> np.ndarray:
    """Tone-map scene-linear RGB.

    Parameters
    ----------
    rgb
        ``H x W x 3`` float32 scene-linear RGB (not modified).
    method
        A key or alias of :data:`TONE_METHODS` (case ignored): ``"none"``, ``"hable2010"``
        (``"filmic"``) or ``"local"``.
    exposure
        EV applied first (``rgb * 2**exposure``).
    auto, auto_target
        Add :func:`auto_exposure` (log-average luminance to ``auto_target``).
    white_ev, contrast, saturation
        The filmic curve (see :func:`.filmic.filmic`); unused by ``"none"``.
    shadows, highlights, detail, strength
        The local gain (see :func:`.local.local_gain`); ``"local"`` only.
    weights
        Luminance weights of the RGB space (sRGB when ``None``).
    fast
        Use the fused numba path (the NumPy reference otherwise).

    Returns
    -------
    numpy.ndarray
        float32 display-linear RGB (``"none"`` leaves it scene-linear); the input itself when
        ``"none"`` has nothing to do.

    References
    ----------
    See the module docstring.
    """
    fn = TONE_METHODS.get(method)
    _check_common(exposure, white_ev, contrast, saturation)
    a = np.asarray(rgb)
    if a.ndim != 3 or a.shape[2] != 3:
        raise ParameterError(f"tone mapping needs an H x W x 3 image, got {a.shape}")
    a = a.astype(np.float32, copy=False)
    w = luminance_weights("sRGB") if weights is None else np.asarray(weights, np.float32)
    small_lum = None
    ev = exposure
    if auto:
        small_lum = small_luminance(a, w)
        ev += auto_exposure(a, target=auto_target, weights=w, small_lum=small_lum)
    return fn(a, w, float(2.0**ev), fast, white_ev=white_ev, contrast=contrast,
              saturation=saturation, shadows=shadows, highlights=highlights, detail=detail,
              strength=strength, small_lum=small_lum)


@dataclass(frozen=True)
class ToneParams(Params):
    """Parameters of the ``tone`` stage.

    Versions: 2 added ``chroma_nr`` (chroma noise reduction in the lifted shadows,
    :mod:`.chroma`), off by default, so version-1 tables render as they did.
    """

    VERSION = 2

    method: str = param("local", choices=TONE_METHODS.choices(),
                        doc="'none' (exposure only), 'hable2010' (alias 'filmic'; global curve) "
                            "or 'local'")
    exposure: float = param(0.0, range=(-16.0, 16.0), units="EV", doc="exposure applied first")
    auto_exposure: bool = param(False, doc="add the EV that puts the log-average luminance "
                                           "on auto_target")
    auto_target: float = param(0.18, range=(0.01, 0.9), doc="log-average luminance aimed at")
    white_ev: float = param(4.0, range=(1.0, 16.0), units="EV above 18% grey",
                            doc="scene white point of the filmic curve")
    contrast: float = param(1.0, range=(0.25, 4.0), doc="power about grey before the curve")
    saturation: float = param(1.0, range=(0.0, 4.0), doc="chroma factor after the curve")
    shadows: float = param(0.4, range=(0.0, 1.0), doc="local: lift of the shadows toward grey")
    highlights: float = param(0.3, range=(0.0, 1.0),
                              doc="local: compression of the highlights toward grey")
    detail: float = param(1.0, range=(0.0, 4.0), doc="local: coarse local-contrast factor")
    strength: float = param(1.0, range=(0.0, 1.0), doc="local: scales the whole local gain")
    chroma_nr: float = param(0.0, range=(0.0, 1.0),
                             doc="chroma noise reduction in the shadows below 1/2 EV under grey "
                                 "(0: off; 1: smooth chroma 4 EV under grey)")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.method != "none":
            check_curve_params(self.white_ev, self.contrast)


class ToneStage(RowStage):
    """Exposure and tone mapping: none, global filmic, or local + filmic (linear_rgb -> linear_rgb).

    The plan picks the exposure (``exposure`` plus :func:`auto_exposure` on the incoming
    preview) and, for ``local``, designs the gain on the 1/8-size preview
    (:func:`.local.local_gain`); the pixels are one :class:`Tone` row operation (a plain
    exposure :class:`~brightroom.develop.rowops.Matrix` for ``none``).
    """

    name = "tone"
    takes = "linear_rgb"
    gives = "linear_rgb"
    params = ToneParams

    def plan(self, src: StageInput, params: ToneParams) -> RowPlan:
        w = luminance_weights(src.header.primaries)
        ev = params.exposure
        small_lum = None
        if params.auto_exposure or params.method == "local" or params.chroma_nr > 0:
            small_lum = (src.preview(FACTOR) @ w).astype(np.float32)
        if params.auto_exposure:
            ev += auto_exposure(None, target=params.auto_target, weights=w, small_lum=small_lum)
        scale = float(2.0 ** ev)
        changes = {} if ev == 0 else {
            "state": src.state.replace(exposure_ev=src.state.exposure_ev + ev)}
        pre: tuple[RowOp, ...] = ()
        if params.chroma_nr > 0:
            pre = (shadow_chroma(src.preview(FACTOR), src.shape[:2], w,
                                 strength=params.chroma_nr, scale=scale),)
        if params.method == "none":
            ops = () if scale == 1.0 else (Matrix(np.eye(3) * scale),)
            return RowPlan(pre + ops, changes)
        gain = None
        if params.method == "local":
            h, wd = src.shape[:2]
            gain = local_gain(np.broadcast_to(np.float32(0), (h, wd, 3)), scale=scale,
                              shadows=params.shadows, highlights=params.highlights,
                              detail=params.detail, strength=params.strength, weights=w,
                              small_lum=small_lum)
        op = Tone(w, scale, gain, params.white_ev, params.contrast, params.saturation)
        return RowPlan(pre + (op,), changes)
