"""Grey pixels: find the pixels whose local contrast is the same in every channel.

Under a single illuminant ``e``, a grey surface reads ``I_c = e_c * s`` for a shading ``s``, so
its log local contrast ``|grad log I_c|`` is the same in the three channels whatever ``e`` is. The
pixels where the channels' log contrasts agree best are taken as grey, and their mean colour is
the illuminant. Detection is illuminant-independent, unlike gray world or white patch.

Limitation: pure shading of a uniformly coloured surface also changes every channel by the same
factor, so smoothly shaded coloured objects pass as grey. On the spectrally rendered scenes of
``benchmarks/bench_awb.py`` this makes the method unreliable (a good median, a poor tail); it is
kept as a reference and as the grey index other methods can use.

References
----------
Yang, K.-F., Gao, S.-B., Li, Y.-J. (2015). Efficient illuminant estimation for color constancy
using grey pixels. Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition
(CVPR), 2254-2263.
"""

from __future__ import annotations

import cv2
import numpy as np

from brightroom.develop.white_balance._util import unit

__all__ = ["gray_pixels", "grayness_index"]


def grayness_index(
    rgb: np.ndarray, mask: np.ndarray, *, sigma: float = 1.0, window: int = 5,
    min_contrast: float = 0.02,
) -> np.ndarray:
    """Grey index of every pixel: relative spread of the channels' log local contrast.

    ``GI = std_c(C_c) / mean_c(C_c)`` with ``C_c = |grad log I_c|`` at scale ``sigma``, averaged
    over a ``window x window`` neighbourhood (Yang, Gao & Li 2015, eq. 6-8). Lower is greyer.
    Pixels outside ``mask``, next to excluded pixels or in flat areas (mean contrast below
    ``min_contrast``) get ``inf``.

    Returns
    -------
    numpy.ndarray
        ``H x W`` float32.
    """
    eps = np.float32(1e-6)
    lg = np.log(np.maximum(rgb, eps))
    if sigma > 0:
        lg = cv2.GaussianBlur(lg, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    dx = cv2.Sobel(lg, cv2.CV_32F, 1, 0, ksize=3, scale=0.125, borderType=cv2.BORDER_REFLECT)
    dy = cv2.Sobel(lg, cv2.CV_32F, 0, 1, ksize=3, scale=0.125, borderType=cv2.BORDER_REFLECT)
    c = np.sqrt(dx * dx + dy * dy)
    mean = c.mean(axis=-1)
    std = np.sqrt(np.maximum((c * c).mean(axis=-1) - mean * mean, 0))
    gi = std / np.maximum(mean, eps)
    k = 2 * int(np.ceil(2 * sigma)) + 3
    ok = cv2.erode(mask.astype(np.uint8), np.ones((k, k), np.uint8)).astype(bool)
    ok &= mean > np.float32(min_contrast)
    if window > 1:
        num = cv2.blur(np.where(ok, gi, 0).astype(np.float32), (window, window))
        den = cv2.blur(ok.astype(np.float32), (window, window))
        gi = num / np.maximum(den, eps)
    return np.where(ok, gi, np.inf).astype(np.float32)


def gray_pixels(
    rgb: np.ndarray, *, mask: np.ndarray, top: float = 0.01, sigma: float = 1.0,
    window: int = 5, **_: object,
) -> np.ndarray:
    """Illuminant as the mean colour of the greyest ``top`` fraction of pixels.

    Parameters
    ----------
    rgb
        ``H x W x 3`` linear camera RGB.
    mask
        ``H x W`` usable pixels.
    top
        Fraction of pixels kept as grey (at least 10).
    sigma
        Scale of the log-contrast derivatives, in pixels.
    window
        Side of the averaging window of the grey index.

    Returns
    -------
    numpy.ndarray
        Unit-norm camera RGB of the illuminant.

    References
    ----------
    Yang, Gao & Li (2015).
    """
    gi = grayness_index(rgb, mask, sigma=sigma, window=window)
    finite = np.isfinite(gi)
    nfin = int(finite.sum())
    if nfin < 10:
        return unit(rgb[mask].mean(axis=0, dtype=np.float64), "gray_pixels")
    n = max(10, int(top * gi.size))
    n = min(n, nfin)
    flat = gi.ravel()
    idx = np.argpartition(flat, n - 1)[:n]
    px = rgb.reshape(-1, 3)[idx].astype(np.float64)
    # each grey pixel votes with its chromaticity (unit vector), so bright ones do not dominate
    px /= np.linalg.norm(px, axis=1, keepdims=True)
    return unit(px.mean(axis=0), "gray_pixels")
