"""Exposure error on an 18 % grey patch and dynamic range from a step chart.

Space: *linear* signal by default (``transfer="linear"``); an encoded image is decoded pixel by
pixel first when ``transfer`` names its curve (``"sRGB"``). Colour input is reduced to relative
luminance (Rec. 709 / sRGB Y) or to one channel.

Dynamic range follows ISO 15739: per step, the mean signal ``s`` and the temporal-like noise
``sigma`` (standard deviation inside the patch, after removing a least-squares plane so that
illumination fall-off is not counted as noise); ``SNR = s / sigma``. The dynamic range is
``log2(s_max / s_min)`` stops, where ``s_max`` is the mean of the brightest step that is not
clipped and ``s_min`` the signal at which SNR = 1 (ISO 15739 "dynamic range"); the SNR = 10
variant ("high quality" dynamic range) uses the signal where SNR = 10.

``s_min`` is found either from a fit of the signal-dependent noise model
``sigma^2 = a s + b`` (shot + read noise; ``method="model"``, the default, which extrapolates
safely below the darkest usable step) or by log-log interpolation of the measured SNR between
steps (``method="interpolate"``, ISO's direct reading; linear extrapolation from the two darkest
steps when the crossing lies below them).

Steps are excluded when more than ``clip_fraction`` of their pixels sit at or above
``clip_level`` (highlight clipping) or exactly at ``floor_level`` (a pile-up from clipping at
black, which shrinks the measured noise and would inflate the SNR; values *below* the floor, as
in raw data that keeps negative noise excursions, are not clipping). Signals are measured above
``floor_level``.

References
----------
ISO 15739:2013, Photography - Electronic still-picture imaging - Noise measurements (clause 6,
dynamic range).

ISO 2721:2013 / ISO 12232:2019 (18 % grey as the mid-tone reference for exposure).

Healey, G. E., Kondepudy, R. (1994). Radiometric CCD camera calibration and noise estimation.
IEEE TPAMI 16(3), 267-276 (the shot + read noise model).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from brightroom.color.spaces import decode
from brightroom.errors import InputError, ParameterError
from brightroom.lab.metrics._common import MetricResult, as_float_image, to_gray

__all__ = [
    "ExposureResult",
    "exposure_error",
    "DynamicRangeResult",
    "dynamic_range",
    "patch_stats",
]


@dataclass(frozen=True)
class ExposureResult(MetricResult):
    """Result of :func:`exposure_error`.

    Attributes
    ----------
    mean
        Mean linear signal of the patch (luminance or channel).
    target
        The linear value the patch should have (0.18).
    ev_error
        ``log2(mean / target)``: positive is over-exposed, in stops.
    """

    mean: float
    target: float
    ev_error: float


def _linear_plane(image: Any, name: str, transfer: str, channel: str | int) -> np.ndarray:
    a = as_float_image(image, name)
    if transfer != "linear":
        a = decode(a.astype(np.float32), transfer).astype(np.float64)
    return to_gray(a, channel)


def exposure_error(patch: Any, *, target: float = 0.18, transfer: str = "linear",
                   channel: str | int = "luminance") -> ExposureResult:
    """Exposure error in stops (EV) of a patch that should read ``target`` (18 % grey).

    Parameters
    ----------
    patch
        ``H x W`` or ``H x W x 3`` crop of the grey patch (or :class:`brightroom.types.Image`).
    target
        Linear value a correctly exposed patch has (0.18 for an 18 % reflectance card on a
        scene where white maps to 1).
    transfer
        ``"linear"`` (default) if ``patch`` is linear, or the name of the curve it is encoded
        with (``"sRGB"``); encoded pixels are decoded before averaging.
    channel
        ``"luminance"`` (default), ``"R"``, ``"G"``, ``"B"`` or an index.

    Returns
    -------
    ExposureResult

    References
    ----------
    ISO 12232:2019 (exposure index; 18 % grey mid-tone).
    """
    if not target > 0:
        raise ParameterError(f"target must be > 0, got {target!r}")
    g = _linear_plane(patch, "exposure patch", transfer, channel)
    m = float(g.mean())
    if not m > 0:
        raise InputError(f"exposure_error: patch mean is {m:.4g}; cannot take log2 of it")
    return ExposureResult(m, float(target), math.log2(m / target))


def _detrend(g: np.ndarray) -> np.ndarray:
    h, w = g.shape
    if h < 3 or w < 3:
        return g - g.mean()
    y, x = np.mgrid[0:h, 0:w]
    A = np.column_stack([np.ones(g.size), x.ravel(), y.ravel()])
    coef, *_ = np.linalg.lstsq(A, g.ravel(), rcond=None)
    return g - (A @ coef).reshape(h, w)


def patch_stats(patch: np.ndarray, *, detrend: bool = True) -> tuple[float, float]:
    """Mean and noise standard deviation (ddof=1) of a 2-D patch, optionally plane-detrended."""
    g = np.asarray(patch, dtype=np.float64)
    m = float(g.mean())
    r = _detrend(g) if detrend else g - m
    n = r.size
    dof = n - (3 if detrend and min(g.shape) >= 3 else 1)
    return m, float(math.sqrt(max((r * r).sum() / max(dof, 1), 0.0)))


@dataclass(frozen=True)
class DynamicRangeResult(MetricResult):
    """Result of :func:`dynamic_range`.

    Attributes
    ----------
    means, noise, snr
        Per step, in the order given.
    valid
        Steps used (neither highlight- nor floor-clipped, positive mean and noise).
    clipped_high, clipped_low
        Steps rejected for highlight clipping or black/noise-floor clipping.
    max_signal
        Mean of the brightest valid step.
    signal_snr1, signal_snr10
        Signal at which SNR = 1 and SNR = 10.
    dr_snr1, dr_snr10
        ``log2(max_signal / signal_snrK)``, stops.
    noise_a, noise_b
        Fitted ``sigma^2 = a s + b`` (always reported; used when ``method="model"``).
    method
        ``"model"`` or ``"interpolate"``.
    extrapolated
        True when the SNR = 1 point lies below the darkest valid step.
    """

    means: np.ndarray
    noise: np.ndarray
    snr: np.ndarray
    valid: np.ndarray
    clipped_high: np.ndarray
    clipped_low: np.ndarray
    max_signal: float
    signal_snr1: float
    signal_snr10: float
    dr_snr1: float
    dr_snr10: float
    noise_a: float
    noise_b: float
    method: str
    extrapolated: bool


def _fit_noise_model(s: np.ndarray, var: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """Weighted least squares of ``var = a s + b`` (weights ~ 1 / sd of the variance estimate)."""
    wts = 1.0 / (var * np.sqrt(2.0 / np.maximum(n - 1, 1)))
    A = np.column_stack([s, np.ones_like(s)]) * wts[:, None]
    coef, *_ = np.linalg.lstsq(A, var * wts, rcond=None)
    a, b = float(coef[0]), float(coef[1])
    if a < 0:  # no visible shot noise: pure read noise
        a, b = 0.0, float(np.average(var, weights=wts ** 2))
    if b < 0:  # no visible floor: refit pure shot noise
        a, b = float(np.sum(wts ** 2 * s * var) / np.sum(wts ** 2 * s * s)), 0.0
    return a, b


def _model_signal(k: float, a: float, b: float) -> float:
    # s^2 / (a s + b) = k^2  ->  s^2 - k^2 a s - k^2 b = 0
    k2 = k * k
    return 0.5 * (k2 * a + math.sqrt(k2 * k2 * a * a + 4.0 * k2 * b))


def _interp_signal(k: float, s: np.ndarray, snr: np.ndarray) -> tuple[float, bool]:
    order = np.argsort(s)
    ls, lq = np.log(s[order]), np.log(snr[order])
    lk = math.log(k)
    for i in range(len(ls) - 1):
        if (lq[i] - lk) * (lq[i + 1] - lk) <= 0 and lq[i] != lq[i + 1]:
            t = (lk - lq[i]) / (lq[i + 1] - lq[i])
            return float(math.exp(ls[i] + t * (ls[i + 1] - ls[i]))), False
    # all above (or all below) k: extrapolate from the two darkest (or brightest) steps
    i0, i1 = (0, 1) if lq[0] > lk else (len(ls) - 2, len(ls) - 1)
    slope = (lq[i1] - lq[i0]) / (ls[i1] - ls[i0]) if ls[i1] != ls[i0] else 0.0
    if slope <= 0:
        return float("nan"), True
    return float(math.exp(ls[i0] + (lk - lq[i0]) / slope)), True


def dynamic_range(patches: Sequence[Any], *, clip_level: float = 1.0, floor_level: float = 0.0,
                  clip_fraction: float = 0.01, method: str = "model",
                  channel: str | int = "luminance", transfer: str = "linear",
                  detrend: bool = True) -> DynamicRangeResult:
    """Dynamic range in stops from the patches of a step chart (ISO 15739 style).

    Parameters
    ----------
    patches
        One crop per step (``H x W`` or ``H x W x 3``), any order, at least 3.
    clip_level, floor_level
        The white (clipping) and black levels of the data (1 and 0 for normalised data).
    clip_fraction
        A step with more than this fraction of pixels at the clip or floor level is excluded.
    method
        ``"model"`` (fit ``sigma^2 = a s + b``) or ``"interpolate"`` (log-log interpolation of
        the measured SNR), for the SNR = 1 and SNR = 10 signals.
    channel, transfer
        As in :func:`exposure_error`; the measurement should be made on linear data.
    detrend
        Remove a least-squares plane from each patch before taking its standard deviation.

    Returns
    -------
    DynamicRangeResult

    References
    ----------
    ISO 15739:2013, clause 6; Healey & Kondepudy (1994) for the noise model.
    """
    if method not in ("model", "interpolate"):
        raise ParameterError(f"method must be 'model' or 'interpolate', got {method!r}")
    if not 0 <= clip_fraction < 1:
        raise ParameterError(f"clip_fraction must be in [0, 1), got {clip_fraction!r}")
    if not clip_level > floor_level:
        raise ParameterError(f"clip_level ({clip_level}) must exceed floor_level ({floor_level})")
    if len(patches) < 3:
        raise InputError(f"dynamic_range: needs at least 3 step patches, got {len(patches)}")
    means, noise, hi, lo, npx = [], [], [], [], []
    span = clip_level - floor_level
    for i, p in enumerate(patches):
        g = _linear_plane(p, f"step patch {i}", transfer, channel)
        m, sd = patch_stats(g, detrend=detrend)
        means.append(m)
        noise.append(sd)
        npx.append(g.size)
        hi.append(float(np.mean(g >= clip_level - 1e-6 * span)) > clip_fraction)
        # a pile-up exactly at the floor (values below it are fine: unclipped raw data keeps
        # negative noise excursions)
        tol = 1e-6 * span
        lo.append(float(np.mean(np.abs(g - floor_level) <= tol)) > clip_fraction)
    s = np.array(means)
    sd = np.array(noise)
    clipped_high = np.array(hi)
    clipped_low = np.array(lo)
    valid = ~clipped_high & ~clipped_low & (s - floor_level > 0) & (sd > 0)
    if valid.sum() < 2:
        raise InputError(f"dynamic_range: only {int(valid.sum())} usable steps (others are "
                         f"clipped or flat); need at least 2")
    sig = s - floor_level
    snr = np.where(sd > 0, sig / np.where(sd > 0, sd, 1.0), np.inf)
    sv, dv, nv = sig[valid], sd[valid], np.array(npx, dtype=np.float64)[valid]
    a, b = _fit_noise_model(sv, dv * dv, nv)
    s_max = float(sv.max())
    extrap = False
    if method == "model":
        s1, s10 = _model_signal(1.0, a, b), _model_signal(10.0, a, b)
        extrap = bool(s1 < sv.min())
    else:
        s1, extrap = _interp_signal(1.0, sv, snr[valid])
        s10, _ = _interp_signal(10.0, sv, snr[valid])

    def stops(x: float) -> float:
        return math.log2(s_max / x) if x > 0 and math.isfinite(x) else float("nan")

    return DynamicRangeResult(s, sd, snr, valid, clipped_high, clipped_low, s_max, float(s1),
                              float(s10), stops(s1), stops(s10), a, b, method, extrap)
