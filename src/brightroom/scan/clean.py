"""Clean the page: divide out the paper's illumination, white-balance it, colour / gray / bw.

* **Illumination.** The paper's own brightness, per channel, is estimated on a 1/8-size copy:
  a grey-scale closing (dilation then erosion, larger than a text stroke) removes the ink, a
  median filter removes what is left, and a Gaussian smooths it. Dividing the page by it removes
  cast shadows and uneven light and makes the paper white (a white balance on the paper itself).
  This is the background-estimation step of document image binarisation (Gatos, Pratikakis and
  Perantonis 2006, section 2.2), applied to colour.
* **Modes.** ``color`` (the normalised page, the paper stretched to white), ``gray`` (its luma)
  and ``bw`` (Sauvola and Pietikainen 2000: threshold ``T = m (1 + k (s / R - 1))`` over a local
  window, with ``k = 0.2`` and ``R = 0.5`` of the range, on the normalised grey page).

References
----------
Sauvola, J., Pietikainen, M. (2000). Adaptive document image binarization. Pattern Recognition
33(2), 225-236.
Gatos, B., Pratikakis, I., Perantonis, S. J. (2006). Adaptive degraded document image
binarization. Pattern Recognition 39(3), 317-327.
"""

from __future__ import annotations

import cv2
import numpy as np

from brightroom.errors import ParameterError

__all__ = ["MODES", "illumination", "clean_page", "sauvola", "sauvola_threshold"]

MODES = ("color", "gray", "bw")
"""Output modes of :func:`clean_page`."""


def illumination(page: np.ndarray, *, stroke: int | None = None) -> np.ndarray:
    """The paper's illumination (per channel) of a flattened page.

    Parameters
    ----------
    page
        float32 ``H x W x C`` in [0, 1].
    stroke
        Structuring-element size in full-size pixels (default: 1/40 of the short side, wider than
        the strokes of body text).

    Returns
    -------
    numpy.ndarray
        float32, same shape, > 0.
    """
    h, w = page.shape[:2]
    f = 8
    small = cv2.resize(page, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    k = max(3, int(round((stroke or min(h, w) / 40) / f)) | 1)
    el = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, el)
    if bg.ndim == 2:
        bg = bg[..., None]
    bg = np.dstack([cv2.medianBlur(np.ascontiguousarray(bg[..., c]), 5) for c in range(bg.shape[2])])
    bg = cv2.GaussianBlur(bg, (0, 0), k / 2)
    if bg.ndim == 2:
        bg = bg[..., None]
    full = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR)
    if full.ndim == 2:
        full = full[..., None]
    return np.maximum(full, 0.02).astype(np.float32)


def sauvola_threshold(gray: np.ndarray, *, window: int = 25, k: float = 0.2, r: float = 0.5) -> np.ndarray:
    """Sauvola's local threshold ``m (1 + k (s / r - 1))`` (box-filter means, float32).

    Parameters
    ----------
    gray
        float32 ``H x W`` in [0, 1].
    window
        Odd window size in pixels.
    k, r
        Sauvola's constants (``r`` the dynamic range of the standard deviation: 0.5 on [0, 1]).
    """
    g = gray.astype(np.float64)
    m = cv2.boxFilter(g, -1, (window, window), borderType=cv2.BORDER_REFLECT)
    m2 = cv2.boxFilter(g * g, -1, (window, window), borderType=cv2.BORDER_REFLECT)
    s = np.sqrt(np.maximum(m2 - m * m, 0))
    return (m * (1 + k * (s / r - 1))).astype(np.float32)


def sauvola(gray: np.ndarray, **kw: float) -> np.ndarray:
    """Binarise with :func:`sauvola_threshold`: bool ``H x W``, True where paper (white)."""
    return gray > sauvola_threshold(gray, **kw)


def clean_page(page: np.ndarray, mode: str = "color") -> np.ndarray:
    """Remove the illumination and render the page in ``mode``.

    Parameters
    ----------
    page
        The flattened page, float32 ``H x W x 3`` in [0, 1] (display RGB).
    mode
        One of :data:`MODES`.

    Returns
    -------
    numpy.ndarray
        uint8: ``H x W x 3`` for ``color``, ``H x W`` for ``gray`` and ``bw`` (0 or 255).
    """
    if mode not in MODES:
        raise ParameterError(f"unknown scan mode {mode!r}; expected one of {', '.join(MODES)}")
    bg = illumination(page)
    flat = page / bg
    # the paper at 1: stretch so that the ink keeps its contrast and the paper is white
    if mode == "color":
        out = np.clip((flat - 0.05) / 0.9, 0, 1)
        return (out * 255 + 0.5).astype(np.uint8)
    gray = flat @ np.array([0.299, 0.587, 0.114], np.float32) if flat.shape[2] == 3 else flat[..., 0]
    gray = np.clip(gray, 0, 1).astype(np.float32)
    if mode == "gray":
        return (np.clip((gray - 0.05) / 0.9, 0, 1) * 255 + 0.5).astype(np.uint8)
    window = max(15, (min(gray.shape) // 60) | 1)
    white = sauvola(gray, window=window) | (gray > 0.85)
    return np.where(white, 255, 0).astype(np.uint8)
