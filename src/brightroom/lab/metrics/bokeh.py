"""Bokeh quality against an exact reference: PSNR overall and at the silhouette, and a sub-score.

A synthetic depth-of-field rendering (display-encoded) is compared with the exact layered
reference of the scene (:func:`brightroom.lab.bokeh_reference.reference_bokeh`, linear, encoded
here with the sRGB curve and clipped to [0, 1]) by PSNR over the whole frame, in a band of a
few pixels around the subject's silhouette (halos, lost hair, the guessed background behind
the subject) and outside it. :func:`bokeh_score` maps the two PSNRs to the lab's 0..100 bokeh
sub-score.

References
----------
Huynh-Thu, Q., Ghanbari, M. (2008). Scope of validity of PSNR in image/video quality
assessment. Electronics Letters 44(13), 800-801.

Porter, T., Duff, T. (1984). Compositing digital images. SIGGRAPH '84 (the layered reference).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from brightroom.color.metrics import psnr
from brightroom.color.spaces import srgb_encode

__all__ = ["silhouette_band", "bokeh_errors", "bokeh_score"]


def silhouette_band(matte: np.ndarray, width: int = 2) -> np.ndarray:
    """Boolean mask of pixels within ``width`` pixels of the subject's silhouette (alpha = 0.5)."""
    m = (np.asarray(matte) >= 0.5).astype(np.uint8)
    k = np.ones((2 * width + 1, 2 * width + 1), np.uint8)
    return (cv2.dilate(m, k) != cv2.erode(m, k))


def _region_psnr(a: np.ndarray, b: np.ndarray, sel: np.ndarray) -> float:
    """PSNR inside ``sel``; an empty region has no error (``inf``)."""
    return psnr(a, b, mask=sel) if sel.any() else math.inf


def bokeh_errors(rendered_display: np.ndarray, reference_linear: np.ndarray,
                 matte: np.ndarray, band: int = 2) -> dict[str, float]:
    """PSNR (dB, sRGB-encoded values clipped to [0, 1]) overall, in the ``band``-pixel
    silhouette band, and outside it.

    Parameters
    ----------
    rendered_display
        The renderer's output, display-encoded (sRGB), ``H x W x 3``.
    reference_linear
        :func:`~brightroom.lab.bokeh_reference.reference_bokeh` of the scene (linear).
    matte
        The subject's alpha, ``H x W``.
    band
        Half-width of the silhouette band in pixels (:func:`silhouette_band`).

    Returns
    -------
    dict
        ``psnr``, ``psnr_band``, ``psnr_outside_band`` (:func:`brightroom.color.metrics.psnr`,
        peak 1; an empty region counts as error-free, ``inf``) and ``band_fraction``.
    """
    ref = np.clip(srgb_encode(reference_linear), 0, 1)
    out = np.clip(rendered_display, 0, 1)
    sel = silhouette_band(matte, band)
    return {"psnr": psnr(out, ref), "psnr_band": _region_psnr(out, ref, sel),
            "psnr_outside_band": _region_psnr(out, ref, ~sel), "band_fraction": float(sel.mean())}


def bokeh_score(rendered_display: np.ndarray, reference_linear: np.ndarray,
                matte: np.ndarray) -> float:
    """Bokeh sub-score, 0..100, for the lab.

    ``60 * clip((PSNR - 20) / 20, 0, 1) + 40 * clip((PSNR_band - 15) / 20, 0, 1)``: overall PSNR
    (sRGB-encoded, against :func:`~brightroom.lab.bokeh_reference.reference_bokeh`) scores from
    20 dB (0) to 40 dB (full), the 2-pixel silhouette band (halos, lost hair) from 15 dB to
    35 dB. 30 dB overall with a 25 dB band gives 50. The arguments are those of
    :func:`bokeh_errors`.
    """
    e = bokeh_errors(rendered_display, reference_linear, matte)
    a = min(max((e["psnr"] - 20) / 20, 0.0), 1.0)
    b = min(max((e["psnr_band"] - 15) / 20, 0.0), 1.0)
    return float(60 * a + 40 * b)
