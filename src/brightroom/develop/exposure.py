"""Auto exposure: the ``exposure`` stage (``linear_rgb -> linear_rgb``).

Phones meter every frame; a raw developer that only applies the DNG BaselineExposure leaves a
dim indoor shot 2-3 EV dark (the real ColorChecker DNG in ``../shared/data``: -3.0 EV in
``neutral``). This stage meters the scene on the 1/8-size preview and scales the image so that
the metered scene reads ``target`` (0.18: an 18 % grey card at linear 0.18, sRGB code 118 of
255, L* 49.5, the ISO 2720 / ISO 12232 mid-tone); its pixels are one
:class:`~brightroom.develop.rowops.Matrix` (a scale), which fuses with its neighbours.

The meter (:func:`meter`, NumPy, a few milliseconds on the preview of a 12 MP frame):

1. **Centre-weighted, robust log average.** ``l = log2 Y`` of the preview's luminance, weighted
   by a Gaussian about the frame centre (``centre`` = its standard deviation as a fraction of
   each side; 0 = uniform), averaged over the values between the weighted 25th and 75th
   percentiles (the interquartile mean, a robust L-estimator; Reinhard et al. 2002's log-average
   "key" over the whole frame is pulled by black borders, noise floors, light sources and
   speculars, the median jumps on two-tone scenes). ``ev_mid = log2(target) - IQM(l)``.
   Measured (``benchmarks/bench_exposure.py``): on the lab's chart walls the plain log average
   of the whole frame leaves neutral 5 at -0.12..-0.22 EV and the real ColorChecker DNG at
   -0.42 EV; the centre-weighted IQM at -0.07..-0.14.
2. **Subject.** Faces found by BlazeFace (when its model is installed, see
   :func:`brightroom.develop.faces.find_faces`; ``faces = true``) take ``face_weight`` of the
   total weight, so a face is exposed like the scene's mid-tone even when it is small or
   off-centre (backlit portraits).
3. **Highlights protected.** ``ev_hi`` puts the ``1 - clip_fraction`` quantile of the (unweighted)
   luminance on ``white``, the level the rendering clips at (the ``default`` recipe: the filmic
   white point, 4 EV above grey). When ``ev_mid > ev_hi`` the exposure is lowered by
   ``highlights * (ev_mid - ev_hi)``, at most ``max_pull`` EV: a bright window may clip, a
   large bright sky may not.
4. **The photographer's bias.** ``bias`` (EV) and, with ``camera_bias``, the EXIF
   ExposureBiasValue the photographer dialled on the camera are added after metering (the
   phone convention: compensation shifts the meter's target).

The DNG BaselineExposure (applied by ``colour``, in ``state.exposure_ev``) is the starting
point: the meter measures the frame with it applied, so a file whose BaselineExposure already
puts the scene on target keeps it (a correction near 0), and ``auto = false`` gives exactly
BaselineExposure + bias. The correction is limited to ``[min_ev, max_ev]``.

``neutral`` meters with ``highlights = 0`` and no face weighting: middle grey on the target,
highlights above white clip as a colorimetric rendering must. ``default`` protects highlights
against the filmic white.

Limits (measured, not hidden): a scene mostly darker than grey with a small bright subject is
exposed up like any average meter does: the lab's ColorChecker on its black frame (51 % of the
frame at 3 % reflectance) comes out +1.2 EV in ``neutral``, its white patches clipped (highlight
protection cannot tell those 2 % of the frame from the 3 % of lamps and window that the real
ColorChecker DNG may clip). ``auto = false`` or ``bias`` keeps such shots as the camera exposed
them.

References
----------
ISO 2720:1974, General purpose photographic exposure meters (reflected-light calibration).

ISO 12232:2019, Photography - Digital still cameras - Determination of exposure index
(18 % grey as the mid-tone).

E. Reinhard, M. Stark, P. Shirley, J. Ferwerda (2002), Photographic tone reproduction for
digital images, ACM Transactions on Graphics 21(3), 267-276 (log-average luminance, the key).

V. Bazarevsky et al. (2019), BlazeFace: sub-millisecond neural face detection on mobile GPUs,
arXiv:1907.05047 (the face detector).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from brightroom.color.spaces import srgb_encode
from brightroom.develop.faces import find_faces
from brightroom.develop.params import Params, param
from brightroom.develop.pipeline import RowPlan, RowStage, StageInput
from brightroom.develop.rowops import Matrix
from brightroom.develop.tone import luminance_weights
from brightroom.errors import ParameterError

__all__ = ["ExposureParams", "ExposureStage", "MeterResult", "meter", "centre_weights",
           "camera_bias_ev", "FACTOR", "QUANTILES", "METER_SIZE"]

FACTOR = 8
"""Downsampling factor of the preview the meter reads (the tone stage's, so it is shared)."""

QUANTILES = (0.25, 0.75)
"""The weighted quantiles of the log luminance the meter averages between (interquartile mean)."""

METER_SIZE = 128
"""The luminance is area-averaged to at most this many pixels on its long side before metering
(1/32 of a 4000-pixel frame: sorting 12 000 values, not 190 000)."""

_FLOOR = 2.0**-20


@dataclass(frozen=True)
class ExposureParams(Params):
    """Parameters of the ``exposure`` stage (see the module docstring)."""

    VERSION = 1

    auto: bool = param(True, doc="meter the scene; false: only bias (and the camera's bias)")
    target: float = param(0.18, range=(0.01, 0.9),
                          doc="linear value the metered scene is put at (18% grey)")
    bias: float = param(0.0, range=(-8.0, 8.0), units="EV",
                        doc="exposure compensation added after metering")
    camera_bias: bool = param(True, doc="also add the EXIF ExposureBiasValue dialled on the camera")
    centre: float = param(0.3, range=(0.0, 4.0),
                          doc="sigma of the centre weight, a fraction of each side (0: uniform)")
    faces: bool = param(True, doc="weight faces found by BlazeFace (when its model is installed)")
    face_weight: float = param(0.5, range=(0.0, 0.95),
                               doc="share of the meter's weight the faces take")
    highlights: float = param(1.0, range=(0.0, 1.0),
                              doc="highlight protection strength (0: none)")
    white: float = param(1.0, range=(0.05, 64.0),
                         doc="linear level the rendering clips at (highlights protected there)")
    clip_fraction: float = param(0.01, range=(0.0, 0.5),
                                 doc="fraction of the frame allowed above white")
    max_pull: float = param(1.0, range=(0.0, 8.0), units="EV",
                            doc="most the highlight protection lowers the exposure")
    min_ev: float = param(-6.0, range=(-16.0, 0.0), units="EV", doc="smallest auto correction")
    max_ev: float = param(8.0, range=(0.0, 16.0), units="EV", doc="largest auto correction")


@dataclass(frozen=True)
class MeterResult:
    """What :func:`meter` decided, in EV.

    Attributes
    ----------
    ev
        The correction to apply (``ev_mid - pull``, limited; bias not included).
    ev_mid
        The centre/face-weighted mid-tone exposure.
    ev_hi
        The exposure that puts the highlight quantile on ``white``.
    pull
        How much the highlight protection lowered ``ev_mid``.
    faces
        Number of faces that were weighted.
    """

    ev: float
    ev_mid: float
    ev_hi: float
    pull: float
    faces: int = 0


def centre_weights(shape: tuple[int, int], sigma: float) -> np.ndarray:
    """A Gaussian weight about the frame centre, ``sigma`` a fraction of each side (0: flat)."""
    h, w = shape
    if sigma <= 0:
        return np.ones((h, w), np.float32)
    gy = np.exp(-0.5 * (((np.arange(h) + 0.5) / h - 0.5) / sigma) ** 2)
    gx = np.exp(-0.5 * (((np.arange(w) + 0.5) / w - 0.5) / sigma) ** 2)
    return np.outer(gy, gx).astype(np.float32)


def _interquartile_mean(x: np.ndarray, w: np.ndarray) -> float:
    """Weighted mean of ``x`` between its weighted ``QUANTILES`` (partial weights at the ends)."""
    order = np.argsort(x)
    xs, ws = x[order], w[order] / np.sum(w)
    hi = np.cumsum(ws)
    lo = hi - ws
    q0, q1 = QUANTILES
    share = np.clip(np.minimum(hi, q1) - np.maximum(lo, q0), 0, None)  # weight inside [q0, q1]
    return float(np.sum(xs * share) / np.sum(share))


def meter(lum: np.ndarray, params: ExposureParams = ExposureParams(),
          faces: Sequence[tuple[float, float, float, float]] = ()) -> MeterResult:
    """Meter a (small) luminance plane: the exposure correction in EV.

    Parameters
    ----------
    lum
        ``h x w`` scene-linear luminance (the stage gives the 1/8-size preview's); area-averaged
        to :data:`METER_SIZE` pixels on its long side first.
    params
        The metering parameters.
    faces
        Face boxes ``(x0, y0, x1, y1)`` as fractions of the width and height.

    Returns
    -------
    MeterResult

    References
    ----------
    See the module docstring.
    """
    y = np.nan_to_num(np.asarray(lum, np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    if y.ndim != 2 or y.size == 0:
        raise ParameterError(f"the meter needs a non-empty 2-D luminance, got shape {y.shape}")
    if max(y.shape) > METER_SIZE:
        k = METER_SIZE / max(y.shape)
        size = (max(1, round(y.shape[1] * k)), max(1, round(y.shape[0] * k)))
        y = cv2.resize(y, size, interpolation=cv2.INTER_AREA)
    ell = np.log2(np.maximum(y, np.float32(_FLOOR))).ravel()
    wmap = centre_weights(y.shape, params.centre)
    n_faces = 0
    if faces and params.face_weight > 0:
        fmask = np.zeros(y.shape, bool)
        h, w = y.shape
        for x0, y0, x1, y1 in faces:
            r0, r1 = int(np.floor(y0 * h)), int(np.ceil(y1 * h))
            c0, c1 = int(np.floor(x0 * w)), int(np.ceil(x1 * w))
            r0, c0 = max(r0, 0), max(c0, 0)
            r1, c1 = min(r1, h), min(c1, w)
            if r1 > r0 and c1 > c0:
                fmask[r0:r1, c0:c1] = True
                n_faces += 1
        if fmask.any() and not fmask.all():
            fw = params.face_weight
            rest = wmap * ~fmask
            wmap = (fw * fmask / fmask.sum() + (1 - fw) * rest / rest.sum()).astype(np.float32)
    lbar = _interquartile_mean(ell, wmap.ravel().astype(np.float64))
    ev_mid = math.log2(params.target) - lbar
    q = float(np.quantile(y, 1.0 - params.clip_fraction)) if params.clip_fraction > 0 \
        else float(y.max())
    ev_hi = math.log2(params.white) - math.log2(max(q, _FLOOR))
    pull = 0.0
    if ev_mid > ev_hi and params.highlights > 0:
        pull = min(params.highlights * (ev_mid - ev_hi), params.max_pull)
    ev = float(np.clip(ev_mid - pull, params.min_ev, params.max_ev))
    return MeterResult(ev, float(ev_mid), float(ev_hi), float(pull), n_faces)


def camera_bias_ev(exif: Mapping[str, Any]) -> float:
    """The EXIF ExposureBiasValue (EV) the camera recorded, 0 when absent or unreadable."""
    v = exif.get("exposure_bias") if exif else None
    try:
        f = float(v) if v is not None else 0.0
    except (TypeError, ValueError):
        return 0.0
    return f if math.isfinite(f) and abs(f) <= 16 else 0.0


class ExposureStage(RowStage):
    """Auto exposure: meter the scene, protect highlights, scale (linear_rgb -> linear_rgb).

    The plan meters the incoming 1/8-size preview (:func:`meter`); the pixels are one
    :class:`~brightroom.develop.rowops.Matrix` (``2**ev`` times the identity). The exposure
    applied is added to ``state.exposure_ev`` and recorded in ``metadata["exposure"]``.
    """

    name = "exposure"
    takes = "linear_rgb"
    gives = "linear_rgb"
    params = ExposureParams

    def plan(self, src: StageInput, params: ExposureParams) -> RowPlan:
        ev = params.bias
        cam = src.header.camera
        if params.camera_bias and cam is not None:
            ev += camera_bias_ev(cam.exif)
        record: dict[str, Any] = {"bias_ev": ev}
        if params.auto:
            small = src.preview(FACTOR)
            w = luminance_weights(src.header.primaries)
            lum = (small @ w).astype(np.float32)
            m = meter(lum, params)
            if params.faces and params.face_weight > 0:
                # the detector wants a display picture: the preview, metered, sRGB-encoded
                shown = srgb_encode(np.clip(small * np.float32(2.0**m.ev), 0, 1))
                faces = _find_faces(shown)
                if faces:
                    m = meter(lum, params, faces)
            ev += m.ev
            record.update({"metered_ev": m.ev, "mid_ev": m.ev_mid, "highlight_ev": m.ev_hi,
                           "highlight_pull_ev": m.pull, "faces": m.faces})
        record["ev"] = ev
        changes: dict[str, Any] = {
            "metadata": {**src.header.metadata, "exposure": record}}
        if ev != 0:
            changes["state"] = src.state.replace(exposure_ev=src.state.exposure_ev + ev)
        ops = () if ev == 0 else (Matrix(np.eye(3) * float(2.0**ev)),)
        return RowPlan(ops, changes)


def _find_faces(shown: np.ndarray) -> list[tuple[float, float, float, float]]:
    return [f.box for f in find_faces(shown)]
