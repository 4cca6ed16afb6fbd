"""Full-reference image metrics: MSE, PSNR, exposure-fitted PSNR and per-pixel CIEDE2000.

The one implementation the library, the lab, the tests and the benchmarks compare images with.
Every function takes two arrays of the same shape (``H x W`` or ``H x W x C``; any real dtype),
computes in float64 and never writes into its inputs. Two options recur:

``border``
    Pixels dropped at each edge of the first two axes before comparing (demosaicing and
    filtering leave the border to the padding rule, so evaluations commonly leave it out).
``mask``
    Boolean ``H x W`` (or the full shape): only the selected pixels count. It is given for the
    *whole* image and cropped with ``border``.

PSNR is ``10 log10(peak^2 / MSE)`` in dB (infinite for identical images). The exposure-fitted
PSNR compares linear renderings whose exposure may legitimately differ: the least-squares gain
``k`` of ``image ~ k reference`` over unclipped pixels is divided out, and both are compared
sRGB-encoded and clipped to [0, 1] (the display values a viewer sees), capped at 120 dB.
:func:`delta_e_image` is CIEDE2000 pixel by pixel, through :mod:`brightroom.color.difference`.

References
----------
Huynh-Thu, Q., Ghanbari, M. (2008). Scope of validity of PSNR in image/video quality
assessment. Electronics Letters 44(13), 800-801.

Wang, Z., Bovik, A. C. (2009). Mean squared error: love it or leave it? A new look at signal
fidelity measures. IEEE Signal Processing Magazine 26(1), 98-117.

CIE 142-2001, Improvement to industrial colour-difference evaluation (CIEDE2000).

Sharma, G., Wu, W., Dalal, E. N. (2005). The CIEDE2000 color-difference formula:
Implementation notes, supplementary test data, and mathematical observations. Color Research
& Application 30(1), 21-30.

IEC 61966-2-1:1999, sRGB (the transfer curve of the encoded comparisons).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from brightroom.color.difference import delta_e_2000, rgb_to_lab_d50
from brightroom.color.spaces import TRANSFERS, decode, get_space, srgb_encode
from brightroom.errors import ParameterError

__all__ = ["mse", "psnr", "exposure_scale", "exposure_fitted_psnr", "delta_e_image"]

_CLIP_LEVEL = 0.98  # linear level from which a pixel counts as clipped in the exposure fit
_DARK_LEVEL = 1e-4  # reference pixels darker than this carry no exposure information


def _pair(a: Any, b: Any, border: int) -> tuple[np.ndarray, np.ndarray]:
    """Both images as float64, same shape, ``border`` pixels cropped from the first two axes."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if x.shape != y.shape:
        raise ParameterError(f"images to compare must have the same shape, got {x.shape} and "
                             f"{y.shape}")
    if x.size == 0:
        raise ParameterError(f"images to compare are empty (shape {x.shape})")
    return _crop(x, border), _crop(y, border)


def _crop(x: np.ndarray, border: int) -> np.ndarray:
    b = int(border)
    if b != border or b < 0:
        raise ParameterError(f"border must be a whole number of pixels >= 0, got {border!r}")
    if b == 0:
        return x
    if x.ndim < 2 or min(x.shape[:2]) <= 2 * b:
        raise ParameterError(f"a border of {b} pixels leaves nothing of an image of shape {x.shape}")
    return x[b:-b, b:-b]


def _selection(mask: Any, full_shape: tuple[int, ...], border: int) -> np.ndarray:
    """The boolean ``mask`` (given for the whole image), checked and cropped like the images."""
    m = np.asarray(mask)
    if m.dtype != np.bool_:
        raise ParameterError(f"mask must be boolean, got dtype {m.dtype}")
    if m.ndim == 0 or m.shape != tuple(full_shape[:m.ndim]):
        raise ParameterError(f"mask of shape {m.shape} does not match images of shape "
                             f"{full_shape} (expected {full_shape[:2]} or {full_shape})")
    m = _crop(m, border) if border else m
    if not m.any():
        raise ParameterError("mask selects no pixel" + (f" inside the {border}-pixel border"
                                                        if border else ""))
    return m


def _squared_error(a: Any, b: Any, mask: Any, border: int) -> np.ndarray:
    x, y = _pair(a, b, border)
    d = x - y
    d2 = d * d
    if mask is not None:
        d2 = d2[_selection(mask, np.shape(a), border)]
    return d2


def mse(a: Any, b: Any, *, mask: Any = None, border: int = 0) -> float:
    """Mean squared error between two images.

    Parameters
    ----------
    a, b
        Images of the same shape (any real dtype; compared in float64).
    mask
        Optional boolean ``H x W`` (or full-shape) selection of the pixels that count, given for
        the whole image.
    border
        Pixels dropped at each edge of the first two axes first.

    Returns
    -------
    float
        ``mean((a - b)^2)`` over the selected values (all channels), accumulated in float64.

    Raises
    ------
    ParameterError
        Shapes differ, the images are empty, the border leaves nothing, or the mask is not
        boolean, does not match, or selects nothing.

    References
    ----------
    Wang, Z., Bovik, A. C. (2009). Mean squared error: love it or leave it? IEEE Signal
    Processing Magazine 26(1), 98-117.
    """
    return float(np.mean(_squared_error(a, b, mask, border)))


def psnr(a: Any, b: Any, *, peak: float = 1.0, mask: Any = None, border: int = 0) -> float:
    """Peak signal-to-noise ratio of ``a`` against the reference ``b``, in dB.

    Parameters
    ----------
    a, b
        Images of the same shape (any real dtype; compared in float64).
    peak
        The largest possible signal value: 1 for normalised float images, 255 for 8-bit,
        1023 for 10-bit data.
    mask
        Optional boolean ``H x W`` (or full-shape) selection of the pixels that count, given for
        the whole image.
    border
        Pixels dropped at each edge of the first two axes first.

    Returns
    -------
    float
        ``10 log10(peak^2 / MSE)``; ``inf`` for identical images.

    Raises
    ------
    ParameterError
        ``peak`` is not positive, or any of :func:`mse`'s errors.

    References
    ----------
    Huynh-Thu, Q., Ghanbari, M. (2008). Scope of validity of PSNR in image/video quality
    assessment. Electronics Letters 44(13), 800-801.
    """
    if not peak > 0:
        raise ParameterError(f"PSNR peak must be positive, got {peak!r}")
    e = mse(a, b, mask=mask, border=border)
    return math.inf if e == 0 else float(10 * np.log10(peak**2 / e))


def exposure_scale(linear: Any, reference: Any, *, border: int = 0) -> float:
    """Least-squares exposure gain ``k`` of ``linear ~ k reference`` over unclipped pixels.

    Pixels count where ``linear < 0.98`` (not clipped) and ``reference > 1e-4`` (not black).

    Parameters
    ----------
    linear, reference
        Linear images of the same shape.
    border
        Pixels dropped at each edge of the first two axes first.

    Returns
    -------
    float
        ``sum(linear reference) / sum(reference^2)`` over those pixels; 1 when no pixel counts
        or the fit is not positive.
    """
    lin, ref = _pair(linear, reference, border)
    ok = (lin < _CLIP_LEVEL) & (ref > _DARK_LEVEL)
    den = float((ref[ok] ** 2).sum())
    k = float((lin[ok] * ref[ok]).sum() / den) if den > 0 else 1.0
    return k if k > 0 else 1.0


def exposure_fitted_psnr(linear: Any, reference: Any, *, k: float | None = None, mask: Any = None,
                         border: int = 0, max_db: float = 120.0) -> tuple[float, float]:
    """PSNR of a linear rendering against a linear reference after dividing out its exposure.

    ``linear / k`` and ``reference`` are clipped to [0, 1], sRGB-encoded (float32, as an output
    stage would) and compared with :func:`psnr` (peak 1).

    Parameters
    ----------
    linear, reference
        Linear RGB images of the same shape (e.g. a pipeline's output and the scene's truth).
    k
        The exposure gain; default :func:`exposure_scale` of the two images (so a mask can reuse
        the gain fitted on the whole frame).
    mask
        Optional boolean ``H x W`` selection, given for the whole image.
    border
        Pixels dropped at each edge of the first two axes first (also for the fit).
    max_db
        Cap of the result (an exact match is reported as ``max_db``, not infinity).

    Returns
    -------
    (psnr, k)
        PSNR in dB, at most ``max_db``, and the gain used.

    References
    ----------
    Huynh-Thu, Q., Ghanbari, M. (2008), Electronics Letters 44(13); IEC 61966-2-1:1999 (sRGB).
    """
    lin, ref = _pair(linear, reference, border)
    if k is None:
        k = exposure_scale(lin, ref)
    if not k > 0:
        raise ParameterError(f"exposure gain k must be positive, got {k!r}")
    x = srgb_encode(np.clip(lin / k, 0, 1).astype(np.float32))
    y = srgb_encode(np.clip(ref, 0, 1).astype(np.float32))
    sel = None if mask is None else _selection(mask, np.shape(linear), border)
    return float(min(psnr(x, y, mask=sel), max_db)), float(k)


def delta_e_image(rgb_a: Any, rgb_b: Any, *, space: str = "sRGB", encoded: bool = True
                  ) -> np.ndarray:
    """Per-pixel CIEDE2000 between two RGB images.

    Parameters
    ----------
    rgb_a, rgb_b
        ``(..., 3)`` RGB images of the same shape in ``space``.
    space
        Their RGB space (``"sRGB"``, ``"Display P3"``, ...); converted to CIELAB (D50) with a
        Bradford adaptation from its white (:func:`~brightroom.color.difference.rgb_to_lab_d50`).
    encoded
        True: display values, clipped to [0, 1] and decoded with the space's transfer curve
        first. False: linear values, used as they are.

    Returns
    -------
    numpy.ndarray
        float64 CIEDE2000, shape ``rgb_a.shape[:-1]``.

    Raises
    ------
    ParameterError
        Shapes differ or the last axis is not 3; an unknown space; an encoded space whose
        transfer curve Brightroom does not decode.

    References
    ----------
    CIE 142-2001; Sharma, Wu, Dalal (2005), The CIEDE2000 color-difference formula.
    """
    a, b = np.asarray(rgb_a), np.asarray(rgb_b)
    if a.shape != b.shape or a.shape[-1:] != (3,):
        raise ParameterError(f"delta_e_image needs two (..., 3) RGB images of the same shape, got "
                             f"{a.shape} and {b.shape}")
    if encoded:
        transfer = get_space(space).transfer
        if transfer not in TRANSFERS:
            raise ParameterError(f"{space}: its {transfer!r} transfer curve is not one Brightroom "
                                 f"decodes; pass linear values with encoded=False")
        a = decode(np.clip(a, 0, 1), transfer)
        b = decode(np.clip(b, 0, 1), transfer)
    return delta_e_2000(rgb_to_lab_d50(a, space), rgb_to_lab_d50(b, space))
