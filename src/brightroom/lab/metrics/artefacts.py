"""Artefact metrics: false colour, moire (aliasing) on a zone plate, and edge overshoot/ringing.

Space: *linear* RGB in a named space (default sRGB) for false colour; a linear plane
(luminance or a channel) for moire and ringing.

* **False colour** (Imatest-style): on a region whose truth is neutral grey (a grey zone plate,
  a black-and-white chart), every bit of chroma is an artefact of demosaicing or processing.
  The image is converted to CIELAB (D50, Bradford-adapted from the space's white) and the
  chroma ``C*ab = sqrt(a*^2 + b*^2)`` is summarised (mean, 99th percentile, max), together with
  the mean CIEDE2000 between each pixel and the neutral of the same lightness ``(L*, 0, 0)``.
* **Moire / aliasing** against the truth zone plate: with ``I`` and ``T`` the Hann-windowed,
  mean-removed spectra of the image's and the truth's luminance, a real zero-phase response
  ``H(f)`` is fitted in each radial frequency bin (``H = Re(sum I T*) / sum |T|^2``); whatever
  the linear response cannot explain, ``R = I - H T``, is energy at frequencies where the truth
  does not put it: aliasing (moire) plus noise. The moire index is
  ``100 sqrt(sum |R|^2 / sum |T|^2)``, percent of the truth's RMS modulation; the per-bin
  ``aliasing`` curve and the fitted ``response`` are returned. The truth must be sampled on the
  same grid as the image (so its own sampling aliases are part of the truth, not of the score).
* **Overshoot / ringing** of an edge, from the ISO 12233 oversampled ESF
  (:func:`brightroom.lab.metrics.sfr.esf_profile`): the dark and bright plateau levels are the
  means of the outer ``plateau_fraction`` of the ESF on each side; overshoot is
  ``(max(ESF) - bright) / (bright - dark)`` and undershoot ``(dark - min(ESF)) / (bright - dark)``,
  in percent; ringing is the largest deviation from the plateau *beyond* the first overshoot
  (undershoot) lobe, i.e. after the ESF has come back to its plateau level once; the 10-90 %
  rise distance is reported in pixels.

References
----------
Imatest documentation, "Zone plate" and "Color moire / false color" (false colour and moire on
zone plates); ISO 12233:2017, Annex D (the ESF); CIE 142-2001 (CIEDE2000).

Sharma, Wu, Dalal (2005), The CIEDE2000 color-difference formula: implementation notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from brightroom.color.spaces import decode
from brightroom.errors import InputError, ParameterError
from brightroom.lab.metrics._common import MetricResult, as_float_image, to_gray
from brightroom.lab.metrics.colour import delta_e_2000, rgb_to_lab_d50
from brightroom.lab.metrics.sfr import EdgeProfile, esf_profile

__all__ = [
    "FalseColourResult",
    "false_colour",
    "MoireResult",
    "moire",
    "RingingResult",
    "edge_ringing",
]


@dataclass(frozen=True)
class FalseColourResult(MetricResult):
    """Result of :func:`false_colour`.

    Attributes
    ----------
    mean_chroma, p99_chroma, max_chroma
        Statistics of CIELAB chroma ``C*ab`` over the region.
    mean_delta_e
        Mean CIEDE2000 between each pixel and the neutral of the same lightness.
    false_colour_fraction
        Fraction of pixels with ``C*ab`` above ``threshold``.
    threshold
        The chroma threshold used for the fraction.
    """

    mean_chroma: float
    p99_chroma: float
    max_chroma: float
    mean_delta_e: float
    false_colour_fraction: float
    threshold: float


def _crop(a: np.ndarray, roi: tuple[int, int, int, int] | None) -> np.ndarray:
    if roi is None:
        return a
    if len(roi) != 4:
        raise ParameterError(f"roi must be (y0, y1, x0, x1), got {roi!r}")
    y0, y1, x0, x1 = (int(v) for v in roi)
    if not (0 <= y0 < y1 <= a.shape[0] and 0 <= x0 < x1 <= a.shape[1]):
        raise ParameterError(f"roi {roi!r} is outside the {a.shape[0]} x {a.shape[1]} image")
    return a[y0:y1, x0:x1]


def false_colour(image: Any, *, roi: tuple[int, int, int, int] | None = None,
                 mask: Any | None = None, space: str = "sRGB", transfer: str = "linear",
                 threshold: float = 2.0) -> FalseColourResult:
    """False colour of a region whose truth is neutral (e.g. a grey zone plate).

    Parameters
    ----------
    image
        ``H x W x 3`` RGB image (or :class:`brightroom.types.Image`), linear unless
        ``transfer`` names its encoding.
    roi
        Optional ``(y0, y1, x0, x1)`` crop.
    mask
        Optional boolean ``H x W`` (of the crop) selecting the pixels to score.
    space
        RGB space of the image.
    transfer
        ``"linear"`` or the encoding (``"sRGB"``), decoded first.
    threshold
        Chroma above which a pixel counts as visibly false-coloured (``C*ab``; about 2 is a
        just-noticeable chroma on a neutral).

    Returns
    -------
    FalseColourResult

    References
    ----------
    Imatest, "Color moire / false color" on zone plates; CIE 142-2001.
    """
    a = as_float_image(image, "false colour image", min_size=2)
    if a.ndim != 3:
        raise InputError(f"false_colour: needs an H x W x 3 image, got shape {a.shape}")
    a = _crop(a, roi)
    if transfer != "linear":
        a = decode(a.astype(np.float32), transfer).astype(np.float64)
    lab = rgb_to_lab_d50(np.maximum(a, 0.0), space).reshape(-1, 3)
    if mask is not None:
        m = np.asarray(mask, dtype=bool)
        if m.shape != a.shape[:2]:
            raise InputError(f"mask shape {m.shape} differs from the region {a.shape[:2]}")
        lab = lab[m.ravel()]
        if lab.shape[0] == 0:
            raise InputError("false_colour: the mask selects no pixel")
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    neutral = np.column_stack([lab[:, 0], np.zeros(len(lab)), np.zeros(len(lab))])
    de = delta_e_2000(lab, neutral)
    return FalseColourResult(float(chroma.mean()), float(np.percentile(chroma, 99)),
                             float(chroma.max()), float(de.mean()),
                             float(np.mean(chroma > threshold)), float(threshold))


@dataclass(frozen=True)
class MoireResult(MetricResult):
    """Result of :func:`moire`.

    Attributes
    ----------
    moire_index
        ``100 sqrt(sum |I - H T|^2 / sum |T|^2)``: aliasing (and noise) RMS in percent of the
        truth's RMS modulation.
    freqs
        Radial bin centres (cycles/pixel).
    response
        Fitted zero-phase response ``H(f)`` per bin (NaN where the truth has no energy).
    aliasing
        Per bin, residual energy divided by the *total* truth energy (sums to
        ``(moire_index / 100)^2``).
    """

    moire_index: float
    freqs: np.ndarray
    response: np.ndarray
    aliasing: np.ndarray


def moire(image: Any, truth: Any, *, channel: str | int = "luminance",
          nbins: int | None = None) -> MoireResult:
    """Moire (aliasing energy) of an image of a zone plate against its truth.

    Parameters
    ----------
    image
        The captured / processed zone plate, ``H x W`` or ``H x W x 3``, linear.
    truth
        The ideal zone plate on the same pixel grid (same shape, or ``H x W`` for RGB image).
    channel
        Plane compared: ``"luminance"`` (default) or a channel.
    nbins
        Radial bins over 0-0.5 cycles/pixel (default half the smaller side).

    Returns
    -------
    MoireResult

    References
    ----------
    Imatest, "Zone plate" (aliasing and moire); ISO 12233:2017 (resolution and aliasing).
    """
    gi = to_gray(as_float_image(image, "moire image", min_size=16), channel)
    gt = to_gray(as_float_image(truth, "zone plate truth", min_size=16), channel)
    if gi.shape != gt.shape:
        raise InputError(f"truth shape {gt.shape} differs from image shape {gi.shape}")
    h, w = gi.shape
    win = np.outer(np.hanning(h), np.hanning(w))
    fi = np.fft.fft2((gi - gi.mean()) * win)
    ft = np.fft.fft2((gt - gt.mean()) * win)
    fr = np.hypot(np.fft.fftfreq(h)[:, None], np.fft.fftfreq(w)[None, :]).ravel()
    if nbins is None:
        nbins = min(h, w) // 2
    edges = np.linspace(0.0, np.sqrt(0.5), nbins + 1)  # up to the corner of the spectrum
    k = np.clip(np.digitize(fr, edges) - 1, 0, nbins - 1)
    cross = np.bincount(k, weights=(fi * np.conj(ft)).real.ravel(), minlength=nbins)
    tpow = np.bincount(k, weights=(np.abs(ft) ** 2).ravel(), minlength=nbins)
    total_t = float(tpow.sum())
    if not total_t > 0:
        raise InputError("moire: the truth is flat (no modulation)")
    significant = tpow > 1e-12 * total_t
    hb = np.where(significant, cross / np.where(significant, tpow, 1.0), 0.0)
    resid = fi.ravel() - hb[k] * ft.ravel()
    rpow = np.bincount(k, weights=np.abs(resid) ** 2, minlength=nbins)
    centres = 0.5 * (edges[:-1] + edges[1:])
    response = np.where(significant, hb, np.nan)
    return MoireResult(float(100.0 * np.sqrt(rpow.sum() / total_t)), centres, response,
                       rpow / total_t)


@dataclass(frozen=True)
class RingingResult(MetricResult):
    """Result of :func:`edge_ringing` (percentages of the edge step ``bright - dark``).

    Attributes
    ----------
    overshoot_pct, undershoot_pct
        Peak above the bright plateau, trough below the dark plateau.
    ringing_pct
        Largest deviation from the plateaus beyond the first overshoot/undershoot lobes.
    rise_10_90_px
        Distance between the 10 % and 90 % points of the ESF, pixels.
    dark_level, bright_level
        Plateau levels.
    """

    overshoot_pct: float
    undershoot_pct: float
    ringing_pct: float
    rise_10_90_px: float
    dark_level: float
    bright_level: float


def _crossing(x: np.ndarray, y: np.ndarray, level: float, i0: int, step: int) -> float:
    """Position where ``y`` crosses ``level`` walking from ``i0`` by ``step`` (+1 / -1)."""
    i = i0
    n = len(y)
    while 0 <= i + step < n:
        a, b = y[i], y[i + step]
        if (a - level) * (b - level) <= 0 and a != b:
            t = (level - a) / (b - a)
            return float(x[i] + t * (x[i + step] - x[i]))
        i += step
    return float("nan")


def edge_ringing(edge: Any, *, roi: tuple[int, int, int, int] | None = None,
                 channel: str | int = "luminance", plateau_fraction: float = 0.15,
                 smooth_px: float = 0.0) -> RingingResult:
    """Overshoot, undershoot, ringing and 10-90 % rise of a slanted edge.

    Parameters
    ----------
    edge
        An image holding one slanted edge (as for :func:`brightroom.lab.metrics.sfr.sfr`) or an
        :class:`~brightroom.lab.metrics.sfr.EdgeProfile` already computed.
    roi, channel
        As in :func:`~brightroom.lab.metrics.sfr.sfr` (ignored for an ``EdgeProfile``).
    plateau_fraction
        Fraction of the ESF length at each end averaged for the plateau levels; the ROI must
        extend far enough from the edge for those ends to be flat.
    smooth_px
        Standard deviation (pixels) of a Gaussian applied to the ESF first. Noise raises the
        maximum and lowers the minimum of a raw ESF, so on noisy edges overshoot and
        undershoot are biased upwards; about 0.25 px (one ESF bin) removes most of that bias
        at SNR 30 while lowering a real unsharp-mask lobe by a few percent of its height
        (0.5 px lowers it by ~15 %). 0 (default) measures the ESF as it is.

    Returns
    -------
    RingingResult

    References
    ----------
    ISO 12233:2017, Annex D (ESF); Imatest, "Sharpness: overshoot, undershoot, ringing".
    """
    if not 0 < plateau_fraction < 0.5:
        raise ParameterError(f"plateau_fraction must be in (0, 0.5), got {plateau_fraction!r}")
    prof = edge if isinstance(edge, EdgeProfile) else esf_profile(edge, roi=roi, channel=channel)
    if smooth_px < 0:
        raise ParameterError(f"smooth_px must be >= 0, got {smooth_px!r}")
    x, e = prof.positions, prof.esf
    if smooth_px > 0:
        from scipy.ndimage import gaussian_filter1d

        e = gaussian_filter1d(e, smooth_px * prof.oversample, mode="nearest")
    n = e.size
    m = max(2, int(round(plateau_fraction * n)))
    dark, bright = float(e[:m].mean()), float(e[-m:].mean())
    step = bright - dark
    if not step > 0:
        raise InputError("edge_ringing: the edge has no contrast")
    over = max(0.0, (float(e.max()) - bright) / step)
    under = max(0.0, (dark - float(e.min())) / step)
    i_mid = int(np.argmin(np.abs(x)))
    x10 = _crossing(x, e, dark + 0.1 * step, i_mid, -1)
    x90 = _crossing(x, e, dark + 0.9 * step, i_mid, +1)
    # ringing: beyond the first lobe on each side, i.e. after the ESF crosses its plateau level
    # once (or from the lobe's extremum when it never comes back).
    i_pk = i_mid + int(np.argmax(e[i_mid:]))
    i_tr = int(np.argmin(e[:i_mid + 1]))
    ring = 0.0
    if over > 0:
        xb = _crossing(x, e, bright, i_pk, +1)
        if np.isfinite(xb):
            sel = x > xb
            ring = max(ring, float(np.max(np.abs(e[sel] - bright), initial=0.0)))
    if under > 0:
        xd = _crossing(x, e, dark, i_tr, -1)
        if np.isfinite(xd):
            sel = x < xd
            ring = max(ring, float(np.max(np.abs(e[sel] - dark), initial=0.0)))
    return RingingResult(100.0 * over, 100.0 * under, 100.0 * ring / step, x90 - x10, dark,
                         bright)
