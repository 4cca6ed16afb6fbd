"""Edge-based spatial frequency response (e-SFR), ISO 12233:2017, and CPIQ edge acutance.

Space: any single-channel *linear* signal (a linear RGB image is reduced to luminance or to one
channel). Frequencies are in cycles per pixel, measured along the edge normal.

The algorithm follows ISO 12233:2017 clause 6 / Annex D (the ``sfrmat3`` reference):

1. Orientation: the ROI is transposed if the edge is closer to horizontal than vertical, so the
   edge always runs down the rows.
2. Edge location: the row-wise derivative (FIR ``[-1/2, 0, +1/2]``), Hamming-windowed, gives one
   centroid per row; a least-squares line ``x = a + b y`` through the centroids is refined once
   with the window re-centred on the fitted line. ``atan(b)`` is the edge angle.
3. The number of rows is trimmed to a whole number of phase cycles (rows over which the edge
   moves an integer number of pixels), as the standard does.
4. Every pixel is projected onto the edge normal and binned in ``1/oversample`` pixel bins: the
   oversampled edge spread function (ESF). Empty bins are filled by linear interpolation.
5. The line spread function (LSF) is the ``[-1/2, 0, +1/2]`` derivative of the ESF, multiplied
   by a Hamming window centred on its centroid.
6. ``|DFT|`` normalised to 1 at zero frequency is the SFR, divided by the frequency response of
   the discrete derivative, ``sinc(2 f / oversample)`` ("derivative correction").

Differences from the standard, on purpose: the distance is measured along the true normal
(``cos(angle)`` scaling done on the pixel distances rather than on the frequency axis, which is
equivalent). The averaging of samples inside a bin (a box of ``1/oversample``
pixel, ``sinc(f / oversample)`` in frequency, about 1 % at 0.3 cycles/pixel) is not corrected,
as in ISO 12233.

Edge acutance is the CPIQ acutance (IEEE 1858-2016): the SFR weighted by the CPIQ luminance
contrast sensitivity function, for a viewing condition that maps cycles/pixel to cycles/degree,
integrated from 0 to the image Nyquist frequency (0.5 cycles/pixel) and divided by the
integral of the CSF over the same band. The default viewing condition is a 100 % view on a
100 ppi monitor at 60 cm (about 41 pixels per degree); see :mod:`._common`.

References
----------
ISO 12233:2017, Photography - Electronic still picture imaging - Resolution and spatial
frequency responses. Clause 6 and Annex D (edge-based SFR).

Burns, P. D. (2000). Slanted-edge MTF for digital camera and scanner analysis. Proc. IS&T PICS
2000, 135-138 (the ``sfrmat`` reference implementation).

IEEE 1858-2016, IEEE Standard for Camera Phone Image Quality (CPIQ): edge acutance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from brightroom.color.spaces import decode
from brightroom.errors import InputError, ParameterError
from brightroom.lab.metrics._common import (
    MetricResult,
    ViewingCondition,
    as_float_image,
    csf_luminance,
    get_viewing,
    to_gray,
)

__all__ = ["SFRResult", "sfr", "acutance", "mtf_crossing", "esf_profile", "EdgeProfile"]


@dataclass(frozen=True)
class EdgeProfile(MetricResult):
    """The oversampled edge spread function of a slanted edge, dark side first.

    Attributes
    ----------
    positions
        Bin centres along the edge normal, in pixels, 0 at the fitted edge.
    esf
        Mean signal per bin (same units as the input), rising from dark to bright.
    angle_deg
        Edge angle from the vertical (``orientation="vertical"``) or from the horizontal.
    orientation
        ``"vertical"`` or ``"horizontal"``.
    polarity
        ``"dark_to_bright"`` or ``"bright_to_dark"`` along +x (vertical) or +y (horizontal).
    oversample
        Bins per pixel.
    """

    positions: np.ndarray
    esf: np.ndarray
    angle_deg: float
    orientation: str
    polarity: str
    oversample: int


@dataclass(frozen=True)
class SFRResult(MetricResult):
    """Result of :func:`sfr`.

    Attributes
    ----------
    freqs
        Frequencies in cycles per pixel (0 to ``oversample / 4``, i.e. twice Nyquist for 4x).
    mtf
        SFR normalised to 1 at 0, derivative-corrected.
    mtf50
        First frequency where the SFR falls to 0.5 (cycles/pixel); NaN if it never does.
    mtf50p
        Frequency where the SFR falls to half its peak (peak taken below Nyquist), for sharpened
        images; equals ``mtf50`` when the SFR never exceeds 1.
    mtf_nyquist
        SFR at 0.5 cycles/pixel.
    angle_deg, orientation, polarity
        The edge geometry, as in :class:`EdgeProfile`.
    edge_acutance
        CPIQ edge acutance for ``viewing`` (1 = perfect).
    viewing
        The viewing condition used for the acutance.
    edge
        The oversampled ESF it was computed from.
    lsf
        The windowed line spread function (normalised to unit sum).
    """

    freqs: np.ndarray
    mtf: np.ndarray
    mtf50: float
    mtf50p: float
    mtf_nyquist: float
    angle_deg: float
    orientation: str
    polarity: str
    edge_acutance: float
    viewing: ViewingCondition
    edge: EdgeProfile
    lsf: np.ndarray


def _hamming(x: np.ndarray, centre: np.ndarray | float, half: float) -> np.ndarray:
    """Hamming window of half-width ``half`` centred on ``centre`` (0.08 outside)."""
    t = np.clip((x - centre) / half, -1.0, 1.0)
    return 0.54 + 0.46 * np.cos(np.pi * t)


def _row_derivative(a: np.ndarray) -> np.ndarray:
    d = np.zeros_like(a)
    d[:, 1:-1] = 0.5 * (a[:, 2:] - a[:, :-2])
    d[:, 0] = d[:, 1]
    d[:, -1] = d[:, -2]
    return d


def _centroids(d: np.ndarray, centres: np.ndarray, half: float) -> tuple[np.ndarray, np.ndarray]:
    """Windowed centroid of each row of the (positive) derivative ``d``; and a validity mask."""
    x = np.arange(d.shape[1], dtype=np.float64)
    w = _hamming(x[None, :], centres[:, None], half)
    dw = d * w
    s = dw.sum(axis=1)
    ok = s > 1e-12 * max(float(np.abs(dw).sum()), 1e-300)
    c = np.where(ok, (dw * x[None, :]).sum(axis=1) / np.where(ok, s, 1.0), np.nan)
    return c, ok


def _fit_edge(a: np.ndarray) -> tuple[float, float, int]:
    """Fit ``x = a0 + b y`` to the edge of a rows-running, dark-to-bright ROI; sign of ESF."""
    h, w = a.shape
    d = _row_derivative(a)
    sign = 1 if d.sum() >= 0 else -1
    d = d * sign
    y = np.arange(h, dtype=np.float64)
    half = w / 2.0
    c, ok = _centroids(d, np.full(h, (w - 1) / 2.0), half)
    if ok.sum() < 3:
        raise InputError(f"sfr: no edge found in the {h} x {w} ROI (flat rows)")
    b, a0 = np.polyfit(y[ok], c[ok], 1)
    c, ok = _centroids(d, a0 + b * y, half)
    if ok.sum() < 3:
        raise InputError(f"sfr: no edge found in the {h} x {w} ROI (flat rows)")
    b, a0 = np.polyfit(y[ok], c[ok], 1)
    return float(a0), float(b), sign


def _prepare(image: Any, roi: tuple[int, int, int, int] | None,
             channel: str | int, transfer: str = "linear") -> tuple[np.ndarray, str]:
    a = as_float_image(image, "sfr image")
    if roi is not None:
        if len(roi) != 4:
            raise ParameterError(f"roi must be (y0, y1, x0, x1), got {roi!r}")
        y0, y1, x0, x1 = (int(v) for v in roi)
        if not (0 <= y0 < y1 <= a.shape[0] and 0 <= x0 < x1 <= a.shape[1]):
            raise ParameterError(f"roi {roi!r} is outside the {a.shape[0]} x {a.shape[1]} image")
        a = a[y0:y1, x0:x1]
    if transfer != "linear":
        # ISO 12233 applies the inverse OECF first; here the named transfer curve
        a = decode(a.astype(np.float32), transfer).astype(np.float64)
    g = to_gray(a, channel)
    if g.shape[0] < 8 or g.shape[1] < 8:
        raise InputError(f"sfr: ROI must be at least 8 x 8 pixels, got {g.shape}")
    # Orientation: the edge is vertical if intensity changes more across columns than rows.
    gx = abs(float(g[:, -max(1, g.shape[1] // 4):].mean() - g[:, :max(1, g.shape[1] // 4)].mean()))
    gy = abs(float(g[-max(1, g.shape[0] // 4):, :].mean() - g[:max(1, g.shape[0] // 4), :].mean()))
    if gy > gx:
        return np.ascontiguousarray(g.T), "horizontal"
    return g, "vertical"


def esf_profile(image: Any, *, roi: tuple[int, int, int, int] | None = None,
                channel: str | int = "luminance", oversample: int = 4,
                transfer: str = "linear") -> EdgeProfile:
    """The ISO 12233 oversampled edge spread function of a slanted edge (steps 1-4 of :func:`sfr`).

    Parameters
    ----------
    image
        ``H x W`` or ``H x W x 3`` linear image (or a :class:`brightroom.types.Image`) holding one
        straight edge, slanted by a few degrees from vertical or horizontal.
    roi
        Optional ``(y0, y1, x0, x1)`` crop.
    channel
        ``"luminance"`` (sRGB / Rec. 709 Y), ``"R"``, ``"G"``, ``"B"`` or an index.
    oversample
        Bins per pixel (ISO: 4).
    transfer
        ``"linear"`` (default) or the curve the image is encoded with (``"sRGB"``), which is
        undone first (ISO 12233's inverse OECF step).

    Returns
    -------
    EdgeProfile

    References
    ----------
    ISO 12233:2017, Annex D.
    """
    if not isinstance(oversample, (int, np.integer)) or not 1 <= oversample <= 16:
        raise ParameterError(f"oversample must be an integer in 1..16, got {oversample!r}")
    g, orientation = _prepare(image, roi, channel, transfer)
    h, w = g.shape
    a0, b, sign = _fit_edge(g)
    # Whole number of phase cycles (ISO 12233 / sfrmat3): the edge moves an integer number of
    # pixels from the first to the last row used.
    if abs(b) > 1e-9:
        ncyc = math.floor(h * abs(b))
        if ncyc >= 1:
            h = max(8, min(h, int(math.floor(ncyc / abs(b)))))
    g = g[:h]
    if abs(b) > 1.0:
        raise InputError(f"sfr: edge angle {math.degrees(math.atan(b)):.1f} deg is too far from "
                         f"vertical/horizontal (at most 45 deg)")
    cos_t = 1.0 / math.sqrt(1.0 + b * b)
    y = np.arange(h, dtype=np.float64)
    x = np.arange(w, dtype=np.float64)
    centre = a0 + b * y
    dist = (x[None, :] - centre[:, None]) * cos_t * sign
    # Full projected range (as ISO 12233): the outer bins are fed by fewer rows, but lie on the
    # flat plateaus; keeping them keeps the LSF window wide (a narrow Hamming window narrows
    # the LSF and biases the SFR upwards).
    lo = float(dist.min())
    hi = float(dist.max()) + 1e-9
    step = 1.0 / oversample
    nb = int(math.floor((hi - lo) / step))
    if nb < 8 * oversample:
        raise InputError(f"sfr: the ROI leaves only {(hi - lo):.1f} px across the edge; "
                         f"widen the ROI")
    k = np.floor((dist - lo) / step).astype(np.int64)
    m = (k >= 0) & (k < nb)
    sums = np.bincount(k[m], weights=g[m], minlength=nb)
    counts = np.bincount(k[m], minlength=nb).astype(np.float64)
    pos = lo + (np.arange(nb) + 0.5) * step
    good = counts > 0
    if good.sum() < nb // 2:
        raise InputError("sfr: too many empty bins; the edge is too close to 0 or 45 degrees "
                         "for this ROI height")
    first, last = int(np.argmax(good)), nb - int(np.argmax(good[::-1]))
    pos, sums, counts, good = pos[first:last], sums[first:last], counts[first:last], good[first:last]
    esf = np.interp(pos, pos[good], sums[good] / counts[good])
    polarity = "dark_to_bright" if sign > 0 else "bright_to_dark"
    angle = math.degrees(math.atan(b))
    return EdgeProfile(pos.astype(np.float64), esf, angle, orientation, polarity, int(oversample))


def mtf_crossing(freqs: np.ndarray, mtf: np.ndarray, level: float,
                 start: int = 0) -> float:
    """First frequency at or after index ``start`` where ``mtf`` falls below ``level``.

    Linear interpolation between the two samples around the crossing; NaN if none.
    """
    f = np.asarray(freqs, dtype=np.float64)
    m = np.asarray(mtf, dtype=np.float64)
    below = np.nonzero(m[start:] < level)[0]
    if below.size == 0:
        return float("nan")
    i = int(below[0]) + start
    if i == 0:
        return float(f[0])
    m0, m1 = m[i - 1], m[i]
    t = (m0 - level) / (m0 - m1) if m0 != m1 else 0.0
    return float(f[i - 1] + t * (f[i] - f[i - 1]))


def acutance(freqs: np.ndarray, mtf: np.ndarray,
             viewing: str | ViewingCondition = "monitor_100", *,
             f_max: float = 0.5) -> float:
    """CPIQ acutance: ``int MTF(f) CSF(f) df / int CSF(f) df`` over ``0 <= f <= f_max`` (c/px).

    Parameters
    ----------
    freqs, mtf
        The SFR curve (cycles per pixel).
    viewing
        Viewing condition (name in ``VIEWING_CONDITIONS`` or object) giving pixels per degree.
    f_max
        Upper integration limit in cycles/pixel (image Nyquist by default).

    References
    ----------
    IEEE 1858-2016 (CPIQ), acutance; Baxter et al. (2012), Development of the I3A CPIQ spatial
    metrics.
    """
    vc = get_viewing(viewing)
    fg = np.linspace(0.0, f_max, 513)
    # beyond the last sample the curve is held at its last value
    mg = np.interp(fg, np.asarray(freqs, np.float64), np.asarray(mtf, np.float64))
    c = csf_luminance(vc.cycles_per_degree(fg))
    den = np.trapezoid(c, fg)
    return float(np.trapezoid(mg * c, fg) / den) if den > 0 else float("nan")


def sfr(image: Any, *, roi: tuple[int, int, int, int] | None = None,
        channel: str | int = "luminance", oversample: int = 4,
        viewing: str | ViewingCondition = "monitor_100", transfer: str = "linear") -> SFRResult:
    """Edge-based SFR (ISO 12233:2017 e-SFR) of a slanted edge, with MTF50, MTF50P and acutance.

    Parameters
    ----------
    image
        ``H x W`` or ``H x W x 3`` *linear* image (or :class:`brightroom.types.Image`) with one
        straight edge slanted a few degrees (ISO recommends about 5 degrees) from vertical or
        horizontal; dark-to-bright or bright-to-dark.
    roi
        Optional ``(y0, y1, x0, x1)`` crop holding the edge.
    channel
        ``"luminance"`` (Rec. 709 / sRGB Y), ``"R"``, ``"G"``, ``"B"`` or index, for colour input.
    oversample
        ESF bins per pixel (ISO: 4).
    viewing
        Viewing condition for the edge acutance.
    transfer
        ``"linear"`` (default) or the encoding of the image (``"sRGB"``), undone first.

    Returns
    -------
    SFRResult

    Raises
    ------
    InputError
        No edge, or an ROI too small for the edge angle.
    ParameterError
        Bad ``roi``, ``channel`` or ``oversample``.

    References
    ----------
    ISO 12233:2017, clause 6 and Annex D; Burns (2000), Slanted-edge MTF for digital camera and
    scanner analysis; IEEE 1858-2016 (CPIQ) edge acutance.
    """
    prof = esf_profile(image, roi=roi, channel=channel, oversample=oversample,
                       transfer=transfer)
    esf = prof.esf
    n = esf.size
    lsf = np.zeros(n)
    lsf[1:-1] = 0.5 * (esf[2:] - esf[:-2])
    lsf[0], lsf[-1] = lsf[1], lsf[-2]
    idx = np.arange(n, dtype=np.float64)
    total = lsf.sum()
    if not abs(total) > 0:
        raise InputError("sfr: the edge has no contrast")
    cen = float((lsf * idx).sum() / total)
    cen = min(max(cen, 0.0), n - 1.0)
    half = max(cen, n - 1.0 - cen)
    lsf_w = lsf * _hamming(idx, cen, half)
    lsf_w = lsf_w / lsf_w.sum()
    spec = np.abs(np.fft.rfft(lsf_w))
    step = 1.0 / oversample
    freqs = np.fft.rfftfreq(n, d=step)
    mtf = spec / spec[0]
    corr = np.sinc(2.0 * freqs * step)  # response of the [-1/2, 0, 1/2] derivative
    mtf = mtf / np.maximum(corr, 0.1)
    keep = freqs <= oversample / 4.0 + 1e-12
    freqs, mtf = freqs[keep], mtf[keep]
    mtf50 = mtf_crossing(freqs, mtf, 0.5)
    nyq = freqs <= 0.5 + 1e-12
    ipk = int(np.argmax(mtf[nyq]))
    peak = float(mtf[nyq][ipk])
    mtf50p = mtf_crossing(freqs, mtf / peak, 0.5, start=ipk) if peak > 1.0 else mtf50
    mtf_nyq = float(np.interp(0.5, freqs, mtf))
    vc = get_viewing(viewing)
    ac = acutance(freqs, mtf, vc)
    return SFRResult(freqs, mtf, mtf50, mtf50p, mtf_nyq, prof.angle_deg, prof.orientation,
                     prof.polarity, ac, vc, prof, lsf_w)
