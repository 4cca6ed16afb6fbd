"""Texture MTF from a dead-leaves chart, noise-compensated, and CPIQ texture acutance.

Space: a single *linear* plane (colour input reduced to luminance or one channel).
Frequencies are in cycles per pixel.

``MTF_tex(f) = sqrt((PSD_image(f) - PSD_noise(f)) / PSD_ideal(f))``

* ``PSD_image``: radially averaged power spectral density of the dead-leaves crop.
* ``PSD_noise``: the same from a uniform patch of the same capture (McElvain et al. 2010):
  with the noise power removed, the texture MTF is not inflated by noise at high frequencies.
* ``PSD_ideal``: either the PSD of the ideal chart (``reference``, the chart rendered at the
  same scale and contrast, e.g. by :mod:`brightroom.charts`) or the analytic power law
  ``c f^-alpha`` of the dead-leaves model (Cao et al. 2010), whose constant ``c`` is fixed by
  making the texture MTF average 1 over the lowest frequencies (``norm_band``, cycles/pixel).

PSDs are computed on the mean-removed crop times a separable Hann window, normalised by the
window's energy (``|FFT|^2 / sum(w^2)``: the PSD of white noise of variance ``s^2`` is ``s^2`` at
every frequency, whatever the crop size), and averaged in radial bins of width ``1 / N`` where
``N`` is the smaller crop side. Noise patches of any size can therefore be used.

Texture acutance is the CPIQ acutance (see :func:`brightroom.lab.metrics.sfr.acutance`) of the
texture MTF.

References
----------
Cao, F., Guichard, F., Hornung, H. (2010). Dead leaves model for measuring texture quality on a
digital camera. Proc. SPIE 7537, Digital Photography VI, 75370E.

McElvain, J., Campbell, S. P., Miller, J., Jin, E. W. (2010). Texture-based measurement of
spatial frequency response using the dead leaves target: extensions, and application to real
camera systems. Proc. SPIE 7537, 75370D.

IEEE 1858-2016 (CPIQ), texture acutance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from brightroom.errors import InputError, ParameterError
from brightroom.lab.metrics._common import (
    MetricResult,
    ViewingCondition,
    as_float_image,
    get_viewing,
    to_gray,
)
from brightroom.lab.metrics.sfr import acutance, mtf_crossing

__all__ = ["TextureResult", "dead_leaves_mtf", "radial_psd"]


def _hann2(h: int, w: int) -> np.ndarray:
    return np.outer(np.hanning(h), np.hanning(w))


def radial_psd(plane: np.ndarray, nbins: int | None = None,
               f_max: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Radially averaged PSD of a 2-D plane (mean removed, Hann-windowed).

    Parameters
    ----------
    plane
        2-D array.
    nbins
        Number of radial bins over ``[0, f_max]`` (default: half the smaller side).
    f_max
        Largest frequency, cycles/pixel.

    Returns
    -------
    freqs, psd
        Bin centres (cycles/pixel) and mean power per bin (units: signal^2, white noise of
        variance ``s^2`` gives ``s^2``). Empty bins are NaN.
    """
    g = np.asarray(plane, dtype=np.float64)
    h, w = g.shape
    win = _hann2(h, w)
    spec = np.abs(np.fft.fft2((g - g.mean()) * win)) ** 2 / float((win * win).sum())
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.fftfreq(w)[None, :]
    fr = np.hypot(fx, fy).ravel()
    if nbins is None:
        nbins = min(h, w) // 2
    edges = np.linspace(0.0, f_max, nbins + 1)
    k = np.digitize(fr, edges) - 1
    m = (k >= 0) & (k < nbins)
    sums = np.bincount(k[m], weights=spec.ravel()[m], minlength=nbins)
    cnt = np.bincount(k[m], minlength=nbins)
    with np.errstate(invalid="ignore", divide="ignore"):
        psd = np.where(cnt > 0, sums / np.maximum(cnt, 1), np.nan)
    return 0.5 * (edges[:-1] + edges[1:]), psd


@dataclass(frozen=True)
class TextureResult(MetricResult):
    """Result of :func:`dead_leaves_mtf`.

    Attributes
    ----------
    freqs
        Radial bin centres, cycles/pixel (0 to 0.5).
    mtf
        Texture MTF (noise-compensated when a noise patch was given); NaN where the
        noise-corrected power is negative.
    mtf_uncorrected
        Texture MTF without noise compensation.
    psd_image, psd_noise, psd_ideal
        The three radial PSDs (``psd_noise`` zero when no noise patch was given).
    texture_acutance
        CPIQ acutance of ``mtf`` for ``viewing``.
    mtf50
        First frequency where ``mtf`` falls to 0.5 (NaN if never).
    viewing
        The viewing condition.
    ideal
        ``"reference"`` or ``"power_law"``.
    """

    freqs: np.ndarray
    mtf: np.ndarray
    mtf_uncorrected: np.ndarray
    psd_image: np.ndarray
    psd_noise: np.ndarray
    psd_ideal: np.ndarray
    texture_acutance: float
    mtf50: float
    viewing: ViewingCondition
    ideal: str


def dead_leaves_mtf(image: Any, *, reference: Any | None = None, noise_patch: Any | None = None,
                    alpha: float = 1.93, norm_band: tuple[float, float] = (0.01, 0.04),
                    channel: str | int = "luminance", nbins: int | None = None,
                    viewing: str | ViewingCondition = "monitor_100") -> TextureResult:
    """Noise-compensated dead-leaves texture MTF and texture acutance.

    Parameters
    ----------
    image
        Crop of the dead-leaves chart as captured (``H x W`` or ``H x W x 3``, linear), at
        least 32 x 32.
    reference
        The ideal chart at the same scale and contrast (same shape). If None, the analytic
        power law ``f^-alpha`` is used and normalised over ``norm_band``.
    noise_patch
        Crop of a uniform area of the same capture (any size >= 16 x 16), for the noise PSD.
    alpha
        Exponent of the ideal power spectrum when ``reference`` is None (dead leaves with disc
        radii distributed as ``r^-3`` give close to 2; the Imatest/CPIQ chart is near 1.9).
    norm_band
        Frequency band (cycles/pixel) over which the power-law texture MTF is normalised to 1.
    channel
        ``"luminance"``, ``"R"``, ``"G"``, ``"B"`` or an index.
    nbins
        Radial bins over 0-0.5 cycles/pixel (default half the smaller side of ``image``).
    viewing
        Viewing condition for the texture acutance.

    Returns
    -------
    TextureResult

    References
    ----------
    Cao, Guichard, Hornung (2010); McElvain et al. (2010); IEEE 1858-2016 (CPIQ).
    """
    g = to_gray(as_float_image(image, "dead-leaves image", min_size=32), channel)
    freqs, p_img = radial_psd(g, nbins)
    nb = freqs.size
    if noise_patch is not None:
        gn = to_gray(as_float_image(noise_patch, "noise patch", min_size=16), channel)
        fn, pn = radial_psd(gn, max(4, min(gn.shape) // 2))
        good = np.isfinite(pn)
        p_noise = np.interp(freqs, fn[good], pn[good])
    else:
        p_noise = np.zeros(nb)
    if reference is not None:
        gr = to_gray(as_float_image(reference, "reference chart", min_size=32), channel)
        if gr.shape != g.shape:
            raise InputError(f"reference shape {gr.shape} differs from image shape {g.shape}")
        _, p_ideal = radial_psd(gr, nb)
        ideal = "reference"
    else:
        if not alpha > 0:
            raise ParameterError(f"alpha must be > 0, got {alpha!r}")
        lo, hi = norm_band
        if not 0 < lo < hi < 0.5:
            raise ParameterError(f"norm_band must satisfy 0 < lo < hi < 0.5, got {norm_band!r}")
        shape = np.where(freqs > 0, freqs, np.nan) ** (-alpha)
        band = (freqs >= lo) & (freqs <= hi) & np.isfinite(p_img)
        if band.sum() < 1:
            raise InputError(f"norm_band {norm_band} holds no frequency bin for a crop of "
                             f"{g.shape}; widen it or use a larger crop")
        c = float(np.mean((p_img[band] - p_noise[band]) / shape[band]))
        p_ideal = c * shape
        ideal = "power_law"
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (p_img - p_noise) / p_ideal
        mtf = np.where(ratio >= 0, np.sqrt(np.abs(ratio)), np.nan)
        mtf_unc = np.sqrt(np.abs(p_img / p_ideal))
    ok = np.isfinite(mtf)
    vc = get_viewing(viewing)
    f_all = np.concatenate([[0.0], freqs[ok]])
    m_all = np.concatenate([[1.0], mtf[ok]])
    ac = acutance(f_all, m_all, vc)
    m50 = mtf_crossing(f_all, m_all, 0.5)
    return TextureResult(freqs, mtf, mtf_unc, p_img, p_noise, p_ideal, ac, m50, vc, ideal)
