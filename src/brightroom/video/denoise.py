"""Low-light video: motion-compensated temporal denoising in linear light.

Each frame is merged with its ``2 K`` nearest neighbours (``K`` before, ``K`` after), each
warped onto it by the camera motion between them (the KLT similarities of
:mod:`brightroom.video.motion`, composed), in linear light (the sRGB transfer undone). The merge
is robust, as the burst room's (Hasinoff et al. 2016; Liba et al. 2019): a neighbour's pixel
counts with the weight

    w = max(0, 1 - d^2 / (c^2 var_d))

where ``d`` is its grey difference from the reference averaged over 5 x 5 pixels (so that the
decision is five times less noisy than one pixel's) and ``var_d`` the variance that average
has from noise alone: ``2 / 25`` of a grey pixel's, which is the clip's noise level
``sigma^2(x) = a x + b`` (shot and read noise, linear light) at the reference's local level,
carried through the slope of the sRGB encoding; ``c = 3 strength``. The merge itself is a
weighted mean of the linear values. Where a subject moves, neighbours disagree by far more than the
noise and get no weight: the reference's own pixel stays (no ghost; that region is as noisy as
the input, never worse). Where everything agrees the noise variance falls by up to ``2 K + 1``.

Noisy samples are clipped at black, so in the shadows the merge's mean is biased upwards (the
mean of a rectified Gaussian, ``mu Phi(mu / sigma) + sigma phi(mu / sigma)``); the merged linear
value is mapped back to the clean level whose clipped noise has that mean (:func:`declip_table`,
Foi 2009; ``declip``, on by default since version 3). It is only as good as the noise level at
black, which is therefore measured where it acts: from the fraction of clipped samples in the
darkest pixels (:func:`estimate_black_noise`), not from the frame-difference fit. On the lab's
low-light clips half the pixels are such shadows, and without the declipping they held 86 % of
the merge's error.

What noise the merge leaves (its variance is the input's times ``sum w^2 / (sum w)^2``: all of
it where a subject moved, a seventh where seven frames agreed) is filtered spatially
(:func:`wiener_reference`): Lee's local linear minimum-mean-square-error filter over 3 x 3
windows, per component of an orthonormal opponent colour space (in which the natural picture's
colour differences are small and the noise stays as it was), with the residual noise variance
from the clip's noise level (times ``spatial``, 0.7).

The noise level is estimated from the clip itself (:func:`estimate_noise`): aligned
consecutive frames differ by noise alone where nothing moves, so the robust (median absolute
deviation) variance of their difference in bins of linear intensity, halved, fitted by a line
in ``x``, is ``a x + b``; ``b`` is then replaced by the estimate at black
(:func:`estimate_black_noise`) where the clip has enough near-black pixels.

The merge is a numba kernel (parallel over rows); :func:`merge_reference` is the NumPy
reference it is tested against.

References
----------
Hasinoff, S. W. et al. (2016). Burst photography for high dynamic range and low-light imaging on
mobile cameras. ACM TOG 35(6), 192.

Liba, O. et al. (2019). Handheld mobile photography in very low light. ACM TOG 38(6), 164.

Lee, J.-S. (1980). Digital image enhancement and noise filtering by use of local statistics.
IEEE TPAMI 2(2), 165-168.

Dabov, K., Foi, A., Katkovnik, V., Egiazarian, K. (2007). Color image denoising via sparse 3D
collaborative filtering with grouping constraint in luminance-chrominance space. ICIP 2007
(the opponent colour transform).

Foi, A. (2009). Clipped noisy images: heteroskedastic modeling and practical denoising. Signal
Processing 89(12), 2609-2629.

Foi, A., Trimeche, M., Katkovnik, V., Egiazarian, K. (2008). Practical Poissonian-Gaussian
noise modeling and fitting for single-image raw-data. IEEE TIP 17(10), 1737-1754.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numba
import numpy as np

from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.errors import InputError, ParameterError
from brightroom.files import check_output
from brightroom.io.video import VideoWriter, probe_video, read_frames_uint8
from brightroom.video.motion import KLTTracker, TrackParams, track_width

__all__ = ["VideoDenoiseResult", "DenoiseParams", "estimate_noise", "estimate_black_noise",
           "merge_reference",
           "declip_table", "declip_reference", "wiener_reference",
           "merge_frames", "denoise_frames", "denoise_video", "LINEAR_LUT"]

LINEAR_LUT = srgb_decode(np.arange(256, dtype=np.float32) / 255).astype(np.float32)
"""8-bit sRGB code -> linear value."""
_ENC_N = 16384
_ENC_LUT = np.clip(srgb_encode(np.linspace(0, 1, _ENC_N, dtype=np.float32)) * 255 + 0.5, 0,
                   255).astype(np.uint8)


@dataclass(frozen=True)
class DenoiseParams:
    """Settings of the temporal merge.

    Attributes
    ----------
    radius
        ``K``: neighbours on each side.
    strength
        Multiplier of the noise level the robust weights use (more: merges larger differences).
    noise_frames
        Frames (pairs) the noise level is estimated from.
    spatial
        Multiplier of the residual noise variance the spatial stage (Lee's filter) removes;
        0: no spatial stage (version 1).
    box
        Window of the spatial stage (pixels, odd).
    declip
        Undo the bias that clipping at black leaves in the mean of noisy dark pixels
        (:func:`declip_table`), with the noise at black from :func:`estimate_black_noise`.
        Version 2 had it off by default (the frame-difference fit's noise at black was several
        times too high on small clips, and declipping then cost up to 4 dB); version 3 has it
        on.
    """

    VERSION = 3
    radius: int = 3
    strength: float = 1.0
    noise_frames: int = 3
    spatial: float = 0.7
    box: int = 3
    declip: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.radius <= 8:
            raise ParameterError(f"denoise radius must be in [1, 8], got {self.radius}")
        if not 0 < self.strength <= 10:
            raise ParameterError(f"denoise strength must be in (0, 10], got {self.strength}")
        if not 0 <= self.spatial <= 10:
            raise ParameterError(f"spatial must be in [0, 10], got {self.spatial}")
        if self.box < 3 or self.box % 2 == 0:
            raise ParameterError(f"box must be odd and >= 3, got {self.box}")


@dataclass(frozen=True)
class VideoDenoiseResult:
    """What :func:`denoise_video` did: output, frames, frames per second, noise ``(a, b)``
    (variance ``a x + b`` in linear light)."""

    output: Path
    frames: int
    fps: float
    noise: tuple[float, float]
    seconds: float = 0.0


def estimate_noise(ref: np.ndarray, other: np.ndarray, bins: int = 16) -> tuple[float, float]:
    """``(a, b)`` of the noise variance ``a x + b`` (linear light) from two aligned 8-bit
    frames of the same scene (difference variance halved, robustly per intensity bin, over the
    flatter half of each bin's pixels: misalignment adds picture to the difference where there
    is texture)."""
    x = LINEAR_LUT[ref].astype(np.float64)
    y = LINEAR_LUT[other].astype(np.float64)
    valid = (ref > 2) & (ref < 250) & (other > 2) & (other < 250)
    # texture: where the two frames' alignment (to a pixel) leaves picture in the difference;
    # only the flatter half of each intensity bin is used
    g = cv2.blur(cv2.cvtColor(ref, cv2.COLOR_RGB2GRAY) if ref.ndim == 3 else ref, (5, 5))
    gf = g.astype(np.float32)
    grad = np.abs(cv2.Sobel(gf, cv2.CV_32F, 1, 0)) + np.abs(cv2.Sobel(gf, cv2.CV_32F, 0, 1))
    if ref.ndim == 3:
        grad = np.repeat(grad[..., None], ref.shape[2], axis=2)
    m = 0.5 * (x + y)
    d = (x - y)[valid]
    mv = m[valid]
    gv = grad[valid]
    if d.size < 1000:
        return 0.0, 1e-6
    edges = np.quantile(mv, np.linspace(0.02, 0.98, bins + 1))
    xs, vs = [], []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sel = (mv >= lo) & (mv < hi)
        if sel.sum() < 400:
            continue
        sel &= gv <= np.median(gv[sel])
        dd = d[sel]
        # the lower quartile of |d| (0.3186 sigma for a Gaussian): what moving subjects and
        # misalignment add lies in the upper tail, which a median still feels
        q = np.quantile(np.abs(dd - np.median(dd)), 0.25)
        xs.append(mv[sel].mean())
        vs.append((q / 0.31864) ** 2 / 2)
    if len(xs) < 2:
        return 0.0, float(np.var(d) / 2)
    a, b = np.polyfit(np.asarray(xs), np.asarray(vs), 1)
    return float(max(a, 0.0)), float(max(b, 1e-8))


def estimate_black_noise(frames: list[np.ndarray], a: float = 0.0, box: int = 7,
                         bins: int = 24) -> float | None:
    """The noise variance at black, ``b`` of ``a x + b`` (linear light), from the fraction of
    clipped samples in the darkest parts of 8-bit frames (Foi 2009), or ``None`` where the
    frames hold too little near black for it.

    Pixels are grouped by their ``box x box`` mean (linear light). In a group of clean level
    ``mu`` and noise ``sigma`` the samples are ``max(0, mu + sigma z)``: the fraction ``p0`` at
    0 is ``Phi(-mu / sigma)`` and their mean ``m = sigma (t Phi(t) + phi(t))`` with
    ``t = mu / sigma = -Phi^-1(p0)``, which gives ``sigma`` and ``mu`` from ``(p0, m)``. Groups
    with ``0.4 <= p0 <= 0.6`` (clean level within a quarter of a deviation of black) give
    ``sigma^2 - a max(mu, 0)``; their median is returned. Unlike a fit of the difference of two
    frames, this needs no alignment and feels neither texture nor motion (at black, the
    picture's own variation is far below the noise), and it measures the noise where the
    clipping bias it is used for (:func:`declip_table`) lives."""
    from scipy.special import ndtr, ndtri  # lazy: scipy only for the estimate

    levels, values, zeros = [], [], []
    for f in frames:
        lin = LINEAR_LUT[f]
        # every second row and column: a quarter of the work, and samples enough
        levels.append(cv2.blur(lin, (box, box))[::2, ::2].ravel())
        values.append(lin[::2, ::2].ravel())
        zeros.append((f[::2, ::2] == 0).ravel())
    lev = np.concatenate(levels)
    val = np.concatenate(values)
    zer = np.concatenate(zeros)
    if zer.mean() < 0.01:
        return None
    # the darkest 60 % of the pixels, in bins of equal counts (quantiles of a sample)
    sample = lev[:: max(1, lev.size // 200_000)]
    dark = lev < np.quantile(sample, 0.6)
    if dark.sum() < 500 * bins:
        return None
    lev, val, zer = lev[dark], val[dark], zer[dark]
    edges = np.quantile(sample[sample < np.quantile(sample, 0.6)], np.linspace(0.0, 1.0, bins + 1))
    idx = np.clip(np.searchsorted(edges, lev, side="right") - 1, 0, bins - 1)
    cnt = np.bincount(idx, minlength=bins)
    p0 = np.bincount(idx, zer, minlength=bins) / np.maximum(cnt, 1)
    m = np.bincount(idx, val, minlength=bins) / np.maximum(cnt, 1)
    use = (p0 >= 0.4) & (p0 <= 0.6) & (cnt >= 500)
    if not use.any():
        return None
    t = -ndtri(p0[use])
    sig = m[use] / (t * ndtr(t) + np.exp(-0.5 * t * t) / np.sqrt(2 * np.pi))
    v = sig * sig - a * np.maximum(t * sig, 0.0)
    return float(max(np.median(v), 1e-8))


@numba.njit(parallel=True, cache=True, fastmath=True)
def _merge_nb(ref, neigh, maps, dbox, vref, lut, inv_c2, dtab, dtop):  # pragma: no cover
    # dtab: the declipping table over [0, dtop] (DECLIP_N + 1 entries); above dtop, identity
    h, w = ref.shape[0], ref.shape[1]
    k = neigh.shape[0]
    out = np.empty((h, w, 3), np.float32)
    vf = np.empty((h, w), np.float32)
    for y in numba.prange(h):
        for x in range(w):
            s0 = lut[ref[y, x, 0]]
            s1 = lut[ref[y, x, 1]]
            s2 = lut[ref[y, x, 2]]
            ws = 1.0
            w2 = 1.0
            inv = inv_c2 / vref[y, x]
            for j in range(k):
                # the neighbour covers this pixel (its map lands inside the frame)
                sx = maps[j, 0, 0] * x + maps[j, 0, 1] * y + maps[j, 0, 2]
                sy = maps[j, 1, 0] * x + maps[j, 1, 1] * y + maps[j, 1, 2]
                if sx < 0.0 or sy < 0.0 or sx > w - 1.0 or sy > h - 1.0:
                    continue
                d = dbox[j, y, x]
                wt = 1.0 - d * d * inv
                if wt > 0.0:
                    s0 += wt * lut[neigh[j, y, x, 0]]
                    s1 += wt * lut[neigh[j, y, x, 1]]
                    s2 += wt * lut[neigh[j, y, x, 2]]
                    ws += wt
                    w2 += wt * wt
            iw = 1.0 / ws
            nt = dtab.shape[0] - 1
            sc = nt / dtop
            for c in range(3):
                v = (s0 if c == 0 else (s1 if c == 1 else s2)) * iw
                if v < dtop:
                    f = v * sc
                    i = int(f)
                    f -= i
                    v = dtab[i] * (1.0 - f) + dtab[i + 1] * f
                out[y, x, c] = v
            vf[y, x] = w2 * iw * iw
    return out, vf


DECLIP_N = 1024


def declip_table(a: float, b: float, n: int = DECLIP_N) -> tuple[np.ndarray, float]:
    """``(table, top)``: the clean linear level ``mu`` whose noisy samples, clipped at 0, average
    to ``m``, for ``m`` on ``n + 1`` steps over ``[0, top]`` (``top``: where clipping no longer
    matters, four noise deviations above 0).

    A sample ``max(0, mu + sigma(mu) z)`` (noise ``sigma^2 = a mu + b``) has the mean
    ``m(mu) = mu Phi(mu / sigma) + sigma phi(mu / sigma)`` (a rectified Gaussian), above ``mu``
    in the shadows: averaging clipped frames leaves the dark parts of a low-light picture too
    bright. ``m`` grows with ``mu``, so the table inverts it (Foi 2009); ``mu`` is kept >= 0."""
    from scipy.special import ndtr  # lazy: scipy only for the table

    sig0 = float(np.sqrt(max(b, 1e-12)))
    top = float(max(4.0 * np.sqrt(max(a * 4 * sig0 + b, 1e-12)), 4 * sig0, 1e-4))
    mu = np.linspace(-6 * sig0, top * 1.5, 8192)
    sg = np.sqrt(np.maximum(a * np.maximum(mu, 0) + b, 1e-12))
    z = mu / sg
    m = mu * ndtr(z) + sg * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
    m = np.maximum.accumulate(m)
    grid = np.linspace(0.0, top, n + 1)
    tab = np.maximum(np.interp(grid, m, mu), 0.0)
    tab[-1] = top  # continuous with the identity above
    return tab.astype(np.float32), top


def declip_reference(lin: np.ndarray, a: float, b: float) -> np.ndarray:
    """The declipping (NumPy reference, :func:`declip_table`) of merged linear values."""
    tab, top = declip_table(a, b)
    out = lin.astype(np.float32).copy()
    low = out < top
    out[low] = np.interp(out[low], np.linspace(0.0, top, len(tab)), tab)
    return out


OPPONENT = np.array([[1, 1, 1], [1, 0, -1], [1, -2, 1]], np.float32)
OPPONENT /= np.linalg.norm(OPPONENT, axis=1, keepdims=True)
"""Orthonormal opponent colour transform of the spatial stage (rows: luminance, red-blue,
green-magenta); independent noise of equal variance in R, G, B stays so in it."""


@numba.njit(parallel=True, cache=True, fastmath=True)
def _wiener_encode_nb(opp, vf, mean, sq, a, b, gain, ot, enc):  # pragma: no cover - compiled
    h, w = opp.shape[0], opp.shape[1]
    out = np.empty((h, w, 3), np.uint8)
    nenc = enc.shape[0] - 1
    inv3 = np.float32(1.0 / np.sqrt(3.0))
    for y in numba.prange(h):
        v = np.empty(3, np.float32)
        for x in range(w):
            lum = max(mean[y, x, 0] * inv3, 0.0)
            vn = gain * (a * lum + b) * vf[y, x]
            for c in range(3):
                m = mean[y, x, c]
                var = sq[y, x, c] - m * m
                k = 1.0
                if var > 1e-12:
                    k = max(var - vn, 0.0) / var
                elif vn > 0.0:
                    k = 0.0
                v[c] = m + k * (opp[y, x, c] - m)
            for c in range(3):
                lin = ot[c, 0] * v[0] + ot[c, 1] * v[1] + ot[c, 2] * v[2]
                out[y, x, c] = enc[min(max(int(lin * nenc + 0.5), 0), nenc)]
    return out


def _opponent_stats(lin: np.ndarray, box: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    opp = cv2.transform(lin, OPPONENT)
    return opp, cv2.blur(opp, (box, box)), cv2.blur(opp * opp, (box, box))


def wiener_reference(lin: np.ndarray, vf: np.ndarray, a: float, b: float, gain: float,
                     box: int) -> np.ndarray:
    """The spatial stage (NumPy reference): Lee's local linear minimum-mean-square-error filter
    of the merged linear frame ``lin`` (``H x W x 3``) in an orthonormal opponent colour space
    (:data:`OPPONENT`), over ``box x box`` windows: ``mean + max(var - noise, 0) / var
    (x - mean)`` per component, the noise variance ``gain (a L + b) vf`` (``L`` the local
    mean grey level, ``vf`` the variance factor the merge left, ``sum w^2 / (sum w)^2``)."""
    opp, mean, sq = _opponent_stats(lin, box)
    var = sq - mean * mean
    lum = np.maximum(mean[..., 0] / np.sqrt(3.0), 0)
    vn = (gain * (a * lum + b) * vf)[..., None]
    k = np.where(var > 1e-12, np.maximum(var - vn, 0) / np.maximum(var, 1e-12),
                 np.where(vn > 0, 0.0, 1.0))
    return ((mean + k * (opp - mean)) @ OPPONENT).astype(np.float32)


_WARP_INTERP = cv2.INTER_LINEAR  # bilinear: its slight smoothing of the neighbours helps (cubic: -0.5 dB)

_BOX = 5  # the difference is averaged over 5 x 5 pixels before it is judged


def _code_variance(a: float, b: float) -> np.ndarray:
    """Noise variance of an 8-bit sRGB grey code (256 entries), from ``a x + b`` in linear
    light through the slope of the sRGB encoding, for the grey of three channels
    (0.299, 0.587, 0.114: variance factor 0.447)."""
    lin = LINEAR_LUT.astype(np.float64)
    eps = 1e-4
    slope = (srgb_encode(np.minimum(lin + eps, 1.0)) - srgb_encode(np.maximum(lin - eps, 0)))
    slope = slope / (np.minimum(lin + eps, 1.0) - np.maximum(lin - eps, 0)) * 255
    return np.maximum((a * lin + b) * slope ** 2 * 0.447, 0.05).astype(np.float32)


def decision_maps(ref: np.ndarray, neigh: np.ndarray, a: float, b: float) -> tuple[np.ndarray,
                                                                                   np.ndarray]:
    """``(dbox, var_d)``: per neighbour, the grey difference from ``ref`` averaged over 5 x 5
    pixels (8-bit code units), and the variance that average has from noise alone."""
    g = cv2.cvtColor(ref, cv2.COLOR_RGB2GRAY)
    gbox = cv2.blur(g, (_BOX, _BOX))
    vref = _code_variance(a, b)[gbox] * np.float32(2.0 / _BOX ** 2)
    dbox = np.empty(neigh.shape[:3], np.float32)
    gf = g.astype(np.float32)
    for j in range(neigh.shape[0]):
        gn = cv2.cvtColor(neigh[j], cv2.COLOR_RGB2GRAY).astype(np.float32)
        dbox[j] = cv2.blur(gn - gf, (_BOX, _BOX))
    return dbox, vref


def coverage(maps: np.ndarray, w: int, h: int) -> np.ndarray:
    """``K x H x W`` bool: where each neighbour's map (frame pixel -> neighbour pixel) lands
    inside the neighbour's frame."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.empty((maps.shape[0], h, w), bool)
    for j, m in enumerate(maps):
        sx = m[0, 0] * xx + m[0, 1] * yy + m[0, 2]
        sy = m[1, 0] * xx + m[1, 1] * yy + m[1, 2]
        out[j] = (sx >= 0) & (sy >= 0) & (sx <= w - 1) & (sy <= h - 1)
    return out


def merge_reference(ref: np.ndarray, neigh: np.ndarray, maps: np.ndarray, a: float, b: float,
                    c: float) -> tuple[np.ndarray, np.ndarray]:
    """The robust merge (NumPy reference): 8-bit ``ref`` ``H x W x 3`` and warped 8-bit
    neighbours ``K x H x W x 3`` (with their maps ``K x 2 x 3``, frame pixel -> neighbour
    pixel, which say where they cover the frame) -> (linear float32 ``H x W x 3``, the noise
    variance factor ``sum w^2 / (sum w)^2``, ``H x W``)."""
    dbox, vref = decision_maps(ref, neigh, a, b)
    valid = coverage(maps, ref.shape[1], ref.shape[0])
    r = LINEAR_LUT[ref]
    acc = r.copy()
    wsum = np.ones(ref.shape[:2], np.float32)
    w2 = np.ones(ref.shape[:2], np.float32)
    for j in range(neigh.shape[0]):
        w = np.maximum(0.0, 1.0 - dbox[j] ** 2 / (c * c * vref)) * (valid[j] > 0)
        acc += w[..., None] * LINEAR_LUT[neigh[j]]
        wsum += w
        w2 += w * w
    return (acc / wsum[..., None]).astype(np.float32), (w2 / wsum ** 2).astype(np.float32)


def merge_frames(ref: np.ndarray, neigh: np.ndarray, maps: np.ndarray, a: float, b: float,
                 c: float, spatial: float = 0.0, box: int = 5, declip: bool = False) -> np.ndarray:
    """The robust merge (numba schedule of :func:`merge_reference`; with ``declip``, then
    :func:`declip_reference`), then (``spatial`` > 0)
    the spatial stage (:func:`wiener_reference`, noise variance times ``spatial``), encoded to
    8-bit sRGB: ``ref`` ``H x W x 3`` uint8, ``neigh`` ``K x H x W x 3`` uint8, ``maps``
    ``K x 2 x 3``."""
    dbox, vref = decision_maps(ref, neigh, a, b)
    tab, top = declip_table(a, b) if declip else (np.array([0.0, 1e-9], np.float32), 1e-9)
    lin, vf = _merge_nb(ref, neigh, np.ascontiguousarray(maps, np.float64), dbox, vref,
                        LINEAR_LUT, np.float32(1.0 / (c * c)), tab, np.float32(top))
    if spatial > 0:
        opp, mean, sq = _opponent_stats(lin, box)
    else:  # var = 0 everywhere and no noise: the merge itself
        opp = cv2.transform(lin, OPPONENT)
        mean, sq = opp, opp * opp
    return _wiener_encode_nb(opp, vf, mean, sq, np.float32(a), np.float32(b),
                             np.float32(spatial), np.ascontiguousarray(OPPONENT.T), _ENC_LUT)


def _compose(pairs: list[np.ndarray], i: int, j: int) -> np.ndarray:
    """3 x 3 map from frame ``i`` pixels to frame ``j`` pixels (``pairs[t]``: t -> t+1)."""
    if j < i:
        return np.linalg.inv(_compose(pairs, j, i))
    m = np.eye(3)
    for t in range(i, j):
        m = np.vstack([pairs[t], [0, 0, 1]]) @ m
    return m


def denoise_frames(frames: Iterator[np.ndarray], size: tuple[int, int],
                   params: DenoiseParams | None = None,
                   noise: tuple[float, float] | None = None,
                   track: TrackParams | None = None,
                   on_noise: Callable[[tuple[float, float]], None] | None = None
                   ) -> Iterator[np.ndarray]:
    """Denoise decoded 8-bit RGB frames (a generator, in order; each output is one input
    frame merged with its neighbours)."""
    prm = params or DenoiseParams()
    tp = track or TrackParams()
    w, h = size
    sw = track_width(w, tp)
    sh = int(round(h * sw / w)) // 2 * 2
    tracker = KLTTracker((w, h), (sw, sh), tp)
    k = prm.radius
    buf: deque[tuple[int, np.ndarray]] = deque()
    pairs: list[np.ndarray] = []
    it = iter(frames)
    done = False
    t = 0
    ab = noise
    noise_pairs: list[tuple[float, float]] = []
    while True:
        while not done and (not buf or buf[-1][0] < t + k):
            try:
                f = next(it)
            except StopIteration:
                done = True
                break
            i = buf[-1][0] + 1 if buf else 0
            tracker.add(cv2.resize(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), (sw, sh),
                                   interpolation=cv2.INTER_AREA))
            if i > 0:
                pairs.append(tracker.result().pairs[-1])
                if ab is None and len(noise_pairs) < prm.noise_frames:
                    # nearest-pixel alignment: interpolation would average the noise away
                    prev = buf[-1][1]
                    back = cv2.warpAffine(f, pairs[-1], (w, h), flags=cv2.INTER_NEAREST
                                          | cv2.WARP_INVERSE_MAP)
                    sl = (slice(16, h - 16, 2), slice(16, w - 16, 2))
                    noise_pairs.append(estimate_noise(prev[sl], back[sl]))
            buf.append((i, f))
        while buf and buf[0][0] < t - k:
            buf.popleft()
        cur = [f for i, f in buf if i == t]
        if not cur:
            return
        if ab is None:
            ab = (float(np.median([p[0] for p in noise_pairs])) if noise_pairs else 0.0,
                  float(np.median([p[1] for p in noise_pairs])) if noise_pairs else 1e-6)
            # the noise at black from the clipped fraction of the darkest pixels, where the
            # fit of frame differences (which excludes clipped codes) is least reliable
            b0 = estimate_black_noise([f for _, f in list(buf)[:prm.noise_frames + 1]], ab[0])
            if b0 is not None:
                ab = (ab[0], b0)
            if on_noise is not None:
                on_noise(ab)
        others = [(i, f) for i, f in buf if i != t]
        if not others:
            yield cur[0]
            t += 1
            continue
        neigh = np.empty((len(others), h, w, 3), np.uint8)
        maps = np.empty((len(others), 2, 3))
        for j, (i, f) in enumerate(others):
            maps[j] = _compose(pairs, t, i)[:2]  # frame t pixel -> frame i pixel
            neigh[j] = cv2.warpAffine(f, maps[j], (w, h), flags=_WARP_INTERP
                                      | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
        yield merge_frames(cur[0], neigh, maps, ab[0], ab[1], 3.0 * prm.strength,
                           prm.spatial * prm.strength, prm.box, prm.declip)
        t += 1


def denoise_video(src: str | Path, output: str | Path, *, strength: float = 1.0,
                  radius: int = 3, spatial: float = 0.7, declip: bool = True,
                  codec: str = "libx264", crf: int = 18,
                  preset: str = "superfast", overwrite: bool = False) -> VideoDenoiseResult:
    """Denoise a video file, keeping its audio (one pass: decode, align, merge, encode).

    Parameters
    ----------
    src, output
        Input video and output file.
    strength
        Multiplier of the estimated noise level [1].
    radius
        Neighbours on each side [3].
    spatial
        Strength of the spatial stage after the merge [0.7]; 0: none (:class:`DenoiseParams`).
    declip
        Undo the clipping bias of the shadows (:class:`DenoiseParams`) [True].
    codec, crf, preset
        Encoder settings.
    overwrite
        Replace an existing output.

    Raises
    ------
    InputError
        Missing file, no video stream, zero frames.
    ParameterError
        A bad strength or radius.
    OutputExistsError
        ``output`` exists (or is ``src``) without ``overwrite``.
    """
    t0 = time.perf_counter()
    src, output = Path(src), Path(output)
    check_output(output, overwrite=overwrite, inputs=(src,))
    prm = DenoiseParams(radius=radius, strength=strength, spatial=spatial, declip=declip)
    info = probe_video(src)
    frames, _, _ = read_frames_uint8(src, format="rgb24")
    got: list[tuple[float, float]] = []
    n = 0
    with VideoWriter(output, fps=info.fps, codec=codec, crf=crf, preset=preset,
                     rotation=info.rotation, overwrite=overwrite, inputs=(src,),
                     audio_from=src) as video:
        for f in denoise_frames(frames, (info.width, info.height), prm, on_noise=got.append):
            video.write(f)
            n += 1
        if n == 0:
            raise InputError(f"{src}: the video has no frames")
    secs = time.perf_counter() - t0
    return VideoDenoiseResult(output, n, n / secs if secs > 0 else 0.0,
                              got[0] if got else (0.0, 0.0), secs)
