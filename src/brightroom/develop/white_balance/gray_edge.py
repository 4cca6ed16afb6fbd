"""Gray edge: the Minkowski norm of the image derivatives is achromatic.

References
----------
van de Weijer, J., Gevers, T., Gijsenij, A. (2007). Edge-based color constancy. IEEE
Transactions on Image Processing, 16(9), 2207-2214.
"""

from __future__ import annotations

import cv2
import numpy as np

from brightroom.develop.white_balance._fast import masked_max_fast, masked_power_mean_fast
from brightroom.develop.white_balance._util import unit

__all__ = ["gray_edge", "gradient_magnitude"]


def gradient_magnitude(rgb: np.ndarray, sigma: float) -> np.ndarray:
    """Per-channel magnitude of the first derivatives of ``rgb`` smoothed by a Gaussian ``sigma``."""
    src = np.ascontiguousarray(rgb, dtype=np.float32)
    f = cv2.GaussianBlur(src, (0, 0), sigma, borderType=cv2.BORDER_REFLECT) if sigma > 0 else src
    dx = cv2.Sobel(f, cv2.CV_32F, 1, 0, ksize=1, scale=0.5, borderType=cv2.BORDER_REFLECT)
    dy = cv2.Sobel(f, cv2.CV_32F, 0, 1, ksize=1, scale=0.5, borderType=cv2.BORDER_REFLECT)
    return np.sqrt(dx * dx + dy * dy)


def gray_edge(
    rgb: np.ndarray, *, mask: np.ndarray, p: float = 6.0, sigma: float = 2.0,
    engine: str = "numba", **_: object,
) -> np.ndarray:
    """Illuminant from the ``p``-norm of first-order derivatives at scale ``sigma``.

    The first-order gray edge of van de Weijer, Gevers & Gijsenij (2007): the average edge
    difference in a scene is achromatic, so ``e_c ~ (sum |d f_c,sigma|^p)^(1/p)``. Derivatives
    near excluded (clipped or black) pixels are left out.

    Parameters
    ----------
    rgb
        ``H x W x 3`` linear camera RGB.
    mask
        ``H x W`` usable pixels.
    p
        Minkowski norm order (6 in the paper's general gray-world comparison).
    sigma
        Gaussian pre-smoothing in pixels.
    engine
        ``"numpy"`` (reference) or ``"numba"`` (default) for the masked p-norm.

    Returns
    -------
    numpy.ndarray
        Unit-norm camera RGB of the illuminant.

    References
    ----------
    van de Weijer, Gevers & Gijsenij (2007).
    """
    g = gradient_magnitude(rgb, sigma)
    k = 2 * int(np.ceil(2 * sigma)) + 1
    near_ok = cv2.erode(mask.astype(np.uint8), np.ones((k, k), np.uint8)).astype(bool)
    if near_ok.sum() < 16:
        near_ok = mask
    if engine == "numba":

        scale = float(masked_max_fast(g, near_ok).max())
        if not scale > 0:
            return unit(masked_power_mean_fast(rgb, mask, 1.0), "gray_edge")
        e = masked_power_mean_fast(g, near_ok, p, scale) ** (1.0 / p)
        return unit(e, "gray_edge")
    d = g[near_ok].astype(np.float64)
    scale = d.max()
    if not scale > 0:
        return unit(rgb[mask].mean(axis=0, dtype=np.float64), "gray_edge")
    e = np.mean((d / scale) ** p, axis=0) ** (1.0 / p)
    return unit(e, "gray_edge")
