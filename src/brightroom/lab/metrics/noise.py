"""Noise on flat patches: signal-to-noise ratio and ISO 15739 visual noise.

Space: SNR is computed on whatever signal is given (use linear data for sensor SNR). Visual noise
takes an RGB patch in a named RGB space, *linear* unless ``transfer`` names its encoding; it
models what a viewer sees, so it is normally measured on the rendered (output) image.

Visual noise (ISO 15739:2013, Annex B, the CPIQ visual-noise framework):

1. The patch is converted to CIE XYZ (the RGB space's white has Y = 1).
2. XYZ goes to the opponent space ``A C1 C2`` of S-CIELAB (Zhang & Wandell 1996):
   ``A = 0.279 X + 0.720 Y - 0.107 Z``, ``C1 = -0.449 X + 0.290 Y - 0.077 Z``,
   ``C2 = 0.086 X - 0.590 Y + 0.501 Z``.
3. Each channel's fluctuation (patch minus its mean, or minus a least-squares plane with
   ``detrend=True``) is filtered in the frequency domain by its contrast sensitivity function
   at the frequencies of the viewing condition (cycles/degree): the CPIQ band-pass luminance CSF
   for ``A`` and the Johnson-Fairchild red-green and blue-yellow CSFs for ``C1`` and ``C2``;
   the mean is put back.
4. Back to XYZ, then to CIELUV (white of the RGB space); the visual noise is
   ``VN = 1.0 sigma(L*) + 0.852 sigma(u*) + 0.323 sigma(v*)``.

Simplifications, stated: the luminance CSF is normalised to a peak of 1 (ISO tabulates its own
normalisation); the filters are applied with a circular FFT over the whole patch (no display
MTF, no padding); the CSFs are isotropic (no oblique effect).

References
----------
ISO 15739:2013, Photography - Electronic still-picture imaging - Noise measurements, Annex B
(visual noise).

IEEE 1858-2016 (CPIQ), visual noise; Baxter et al. (2012), Development of the I3A CPIQ spatial
metrics.

Zhang, X., Wandell, B. A. (1996). A spatial extension of CIELAB for digital color image
reproduction. SID Symposium Digest 27, 731-734.

Johnson, G. M., Fairchild, M. D. (2003). On contrast sensitivity in an image difference model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from brightroom.color.spaces import decode, get_space
from brightroom.errors import InputError
from brightroom.lab.metrics._common import (
    MetricResult,
    ViewingCondition,
    as_float_image,
    csf_blue_yellow,
    csf_luminance,
    csf_red_green,
    get_viewing,
    to_gray,
)

__all__ = [
    "SNRResult",
    "snr",
    "VisualNoiseResult",
    "visual_noise",
    "OPPONENT_FROM_XYZ",
    "visual_noise_filters",
    "xyz_to_luv",
]

OPPONENT_FROM_XYZ = np.array([[0.279, 0.720, -0.107],
                              [-0.449, 0.290, -0.077],
                              [0.086, -0.590, 0.501]])
"""S-CIELAB opponent transform (Zhang & Wandell 1996) from XYZ to ``A, C1, C2``."""

_VN_WEIGHTS = (1.0, 0.852, 0.323)


@dataclass(frozen=True)
class SNRResult(MetricResult):
    """Result of :func:`snr`: one entry per channel in ``channels``.

    Attributes
    ----------
    channels
        ``("Y",)`` for a single plane; ``("R", "G", "B", "Y")`` for RGB (Y = Rec. 709 luminance).
    mean, std, snr, snr_db
        Per channel; ``snr = mean / std``, ``snr_db = 20 log10(snr)``.
    """

    channels: tuple[str, ...]
    mean: np.ndarray
    std: np.ndarray
    snr: np.ndarray
    snr_db: np.ndarray

    def __getitem__(self, channel: str) -> tuple[float, float, float, float]:
        """``(mean, std, snr, snr_db)`` of one channel by name."""
        i = self.channels.index(channel)
        return (float(self.mean[i]), float(self.std[i]), float(self.snr[i]),
                float(self.snr_db[i]))


def _plane_residual(g: np.ndarray) -> np.ndarray:
    h, w = g.shape
    y, x = np.mgrid[0:h, 0:w]
    A = np.column_stack([np.ones(g.size), x.ravel(), y.ravel()])
    coef, *_ = np.linalg.lstsq(A, g.ravel(), rcond=None)
    return g - (A @ coef).reshape(h, w)


def snr(patch: Any, *, detrend: bool = False) -> SNRResult:
    """Signal-to-noise ratio of a flat patch: mean / standard deviation, and in dB.

    Parameters
    ----------
    patch
        ``H x W`` or ``H x W x 3`` crop of a uniform area (or :class:`brightroom.types.Image`).
    detrend
        Remove a least-squares plane per channel before the standard deviation (illumination
        fall-off is then not counted as noise).

    Returns
    -------
    SNRResult

    References
    ----------
    ISO 15739:2013, clause 6 (signal-to-noise ratio of a uniform patch).
    """
    a = as_float_image(patch, "snr patch", min_size=2)
    planes = [a] if a.ndim == 2 else [a[..., 0], a[..., 1], a[..., 2], to_gray(a)]
    names = ("Y",) if a.ndim == 2 else ("R", "G", "B", "Y")
    means, stds = [], []
    for g in planes:
        r = _plane_residual(g) if detrend and min(g.shape) >= 3 else g - g.mean()
        dof = g.size - (3 if detrend and min(g.shape) >= 3 else 1)
        means.append(float(g.mean()))
        stds.append(math.sqrt(float((r * r).sum()) / dof))
    m, s = np.array(means), np.array(stds)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(s > 0, m / np.where(s > 0, s, 1.0), np.inf)
        db = 20.0 * np.log10(np.abs(q))
    return SNRResult(names, m, s, q, db)


def xyz_to_luv(xyz: np.ndarray, white: np.ndarray) -> np.ndarray:
    """CIE XYZ to CIELUV relative to ``white`` (CIE 15:2004), float64."""
    xyz = np.asarray(xyz, dtype=np.float64)
    white = np.asarray(white, dtype=np.float64)
    eps, kappa = 216.0 / 24389.0, 24389.0 / 27.0
    yr = xyz[..., 1] / white[1]
    L = np.where(yr > eps, 116.0 * np.cbrt(yr) - 16.0, kappa * yr)
    den = xyz[..., 0] + 15.0 * xyz[..., 1] + 3.0 * xyz[..., 2]
    den = np.where(den == 0, 1e-300, den)
    dw = white[0] + 15.0 * white[1] + 3.0 * white[2]
    u = 13.0 * L * (4.0 * xyz[..., 0] / den - 4.0 * white[0] / dw)
    v = 13.0 * L * (9.0 * xyz[..., 1] / den - 9.0 * white[1] / dw)
    return np.stack([L, u, v], axis=-1)


def visual_noise_filters(shape: tuple[int, int],
                         viewing: str | ViewingCondition = "monitor_100") -> np.ndarray:
    """The three CSF filters (``3 x H x W``, FFT layout) applied to ``A, C1, C2``.

    The luminance CSF is normalised to a peak of 1, the chrominance CSFs to 1 at DC.
    """
    vc = get_viewing(viewing)
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.fftfreq(shape[1])[None, :]
    nu = vc.cycles_per_degree(np.hypot(fx, fy))
    lum = csf_luminance(nu)
    nu_peak = 0.8 / 0.2  # peak of a nu^c exp(-b nu) at c / b
    lum = lum / float(csf_luminance(nu_peak))
    return np.stack([lum, csf_red_green(nu), csf_blue_yellow(nu)])


@dataclass(frozen=True)
class VisualNoiseResult(MetricResult):
    """Result of :func:`visual_noise`.

    Attributes
    ----------
    visual_noise
        ``1.0 sigma(L*) + 0.852 sigma(u*) + 0.323 sigma(v*)`` after CSF filtering.
    sigma_l, sigma_u, sigma_v
        Standard deviations of the filtered CIELUV channels.
    mean_luv
        Mean CIELUV of the patch.
    viewing
        The viewing condition.
    """

    visual_noise: float
    sigma_l: float
    sigma_u: float
    sigma_v: float
    mean_luv: np.ndarray
    viewing: ViewingCondition


def visual_noise(patch: Any, *, viewing: str | ViewingCondition = "monitor_100",
                 space: str = "sRGB", transfer: str = "linear",
                 detrend: bool = True) -> VisualNoiseResult:
    """ISO 15739:2013 visual noise of a uniform patch, for a viewing condition.

    Parameters
    ----------
    patch
        ``H x W x 3`` RGB crop of a uniform area (a single plane is taken as neutral grey),
        at least 16 x 16 pixels.
    viewing
        Viewing condition (name in ``VIEWING_CONDITIONS`` or object).
    space
        RGB space of the patch.
    transfer
        ``"linear"`` or the encoding of the patch (``"sRGB"``), decoded first.
    detrend
        Remove a least-squares plane per opponent channel before filtering.

    Returns
    -------
    VisualNoiseResult

    References
    ----------
    ISO 15739:2013, Annex B; IEEE 1858-2016 (CPIQ) visual noise; Zhang & Wandell (1996);
    Johnson & Fairchild (2003).
    """
    a = as_float_image(patch, "visual noise patch", min_size=16)
    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, axis=2)
    if transfer != "linear":
        a = decode(a.astype(np.float32), transfer).astype(np.float64)
    sp = get_space(space)
    xyz = a @ sp.to_xyz.T
    opp = xyz @ OPPONENT_FROM_XYZ.T
    filters = visual_noise_filters(a.shape[:2], viewing)
    out = np.empty_like(opp)
    for c in range(3):
        g = opp[..., c]
        base = g - _plane_residual(g) if detrend else np.full_like(g, g.mean())
        fluct = g - base
        filt = np.fft.ifft2(np.fft.fft2(fluct) * filters[c]).real
        out[..., c] = filt + g.mean()
    xyz_f = out @ np.linalg.inv(OPPONENT_FROM_XYZ).T
    if np.any(xyz_f[..., 1] <= 0):
        raise InputError("visual_noise: the patch is too dark or too noisy (non-positive "
                         "luminance after filtering); CIELUV is undefined there")
    luv = xyz_to_luv(xyz_f, sp.white)
    s = luv.reshape(-1, 3).std(axis=0, ddof=1)
    vn = float(np.dot(_VN_WEIGHTS, s))
    vc = get_viewing(viewing)
    return VisualNoiseResult(vn, float(s[0]), float(s[1]), float(s[2]),
                             luv.reshape(-1, 3).mean(axis=0), vc)
