"""Colour accuracy: CIEDE2000, ColorChecker accuracy and white-balance angular error.

Space: ``colorchecker_accuracy`` takes *linear* RGB in a named RGB space (default sRGB, D65
white); it is converted to CIE XYZ, Bradford-adapted to D50 and compared in CIELAB (D50) with
the chart's reference values.

References
----------
CIE 142-2001, Improvement to industrial colour-difference evaluation (CIEDE2000).

Sharma, G., Wu, W., Dalal, E. N. (2005). The CIEDE2000 color-difference formula:
Implementation notes, supplementary test data, and mathematical observations. Color Research
& Application, 30(1), 21-30. doi:10.1002/col.20070

CIE 15:2004, Colorimetry, 3rd edition (CIELAB).

Hordley, S. D., Finlayson, G. D. (2006). Reevaluation of color constancy algorithm
performance. JOSA A, 23(5), 1008-1020 (angular error of an illuminant estimate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from brightroom.charts.colorchecker import COLORCHECKER_MID_GREYS
from brightroom.color.difference import (  # noqa: F401 - re-exported
    delta_e_2000,
    lab_to_xyz,
    rgb_to_lab_d50,
    xyz_to_lab,
)
from brightroom.color.spaces import get_space
from brightroom.errors import InputError
from brightroom.lab.metrics._common import MetricResult

__all__ = [
    "delta_e_2000",
    "xyz_to_lab",
    "lab_to_xyz",
    "rgb_to_lab_d50",
    "ColorCheckerResult",
    "colorchecker_accuracy",
    "wb_angular_error",
    "NEUTRAL_NORMALISATION_PATCHES",
]

NEUTRAL_NORMALISATION_PATCHES: tuple[int, int] = COLORCHECKER_MID_GREYS
"""0-based indices of the 3rd and 4th neutral patches of a 24-patch ColorChecker (neutral 6.5
and neutral 5, :data:`brightroom.charts.colorchecker.COLORCHECKER_MID_GREYS`): the exposure is
normalised on them."""


@dataclass(frozen=True)
class ColorCheckerResult(MetricResult):
    """Result of :func:`colorchecker_accuracy`.

    Attributes
    ----------
    delta_e
        Per-patch CIEDE2000 (24,), or the chroma-only variant if ``chroma_only``.
    mean, max, median
        Statistics of ``delta_e``.
    delta_c
        Per-patch chroma-and-hue-only CIEDE2000 (lightness term dropped), always computed.
    mean_c, max_c
        Statistics of ``delta_c``.
    measured_lab
        The measured patches in CIELAB (D50), after exposure normalisation.
    exposure_scale
        Factor applied to the measured RGB (1.0 when not normalised).
    chroma_only
        Whether ``delta_e`` is the chroma-only variant.
    """

    delta_e: np.ndarray
    mean: float
    max: float
    median: float
    delta_c: np.ndarray
    mean_c: float
    max_c: float
    measured_lab: np.ndarray
    exposure_scale: float
    chroma_only: bool


def colorchecker_accuracy(measured_rgb_linear: Any, reference_lab: Any, space: str = "sRGB", *,
                          normalise_exposure: bool = True,
                          chroma_only: bool = False) -> ColorCheckerResult:
    """Colour accuracy on a 24-patch ColorChecker, in CIEDE2000.

    Parameters
    ----------
    measured_rgb_linear
        ``24 x 3`` mean linear RGB of each patch, in ``space``, in chart order (row by row from
        dark skin; patches 19-24 the neutral row, white first).
    reference_lab
        ``24 x 3`` reference CIELAB values under D50 (e.g. X-Rite's published values).
    space
        The RGB space of the measurement (``"sRGB"``, ``"Display P3"``, ...). It is converted
        to XYZ with the space's own white and Bradford-adapted to D50.
    normalise_exposure
        If True (default), the measured RGB is scaled so that the mean luminance Y of the 3rd
        and 4th neutral patches (indices 20 and 21: neutral 6.5 and neutral 5) equals that of
        the reference. This removes a global exposure error, which is measured separately by
        :func:`brightroom.lab.metrics.exposure.exposure_error`.
    chroma_only
        If True, ``delta_e`` / ``mean`` / ``max`` report the chroma-and-hue-only CIEDE2000
        (lightness term dropped); ``delta_c`` is reported either way.

    Returns
    -------
    ColorCheckerResult

    References
    ----------
    Sharma, Wu, Dalal (2005); CIE 142-2001; McCamus, Marcus, Davidson (1976), A color-rendition
    chart, J. Appl. Photogr. Eng. 2(3), 95-99.
    """
    rgb = np.array(measured_rgb_linear, dtype=np.float64)
    ref = np.array(reference_lab, dtype=np.float64)
    if rgb.shape != (24, 3):
        raise InputError(f"measured_rgb_linear must be 24 x 3, got shape {rgb.shape}")
    if ref.shape != (24, 3):
        raise InputError(f"reference_lab must be 24 x 3, got shape {ref.shape}")
    if not (np.all(np.isfinite(rgb)) and np.all(np.isfinite(ref))):
        raise InputError("colorchecker_accuracy: NaN or infinite values in the input")
    sp = get_space(space)
    scale = 1.0
    if normalise_exposure:
        idx = list(NEUTRAL_NORMALISATION_PATCHES)
        y_meas = float(np.mean(rgb[idx] @ sp.to_xyz[1]))
        y_ref = float(np.mean(lab_to_xyz(ref[idx])[:, 1]))
        if not y_meas > 0:
            raise InputError(f"colorchecker_accuracy: neutral patches 21-22 have luminance "
                             f"{y_meas:.4g}; cannot normalise exposure")
        scale = y_ref / y_meas
    lab = rgb_to_lab_d50(rgb * scale, space)
    de = delta_e_2000(lab, ref)
    dc = delta_e_2000(lab, ref, lightness=False)
    head = dc if chroma_only else de
    return ColorCheckerResult(head, float(head.mean()), float(head.max()),
                              float(np.median(head)), dc, float(dc.mean()), float(dc.max()),
                              lab, float(scale), bool(chroma_only))


def wb_angular_error(rgb_neutral: Any, target: Any = (1.0, 1.0, 1.0)) -> float | np.ndarray:
    """Angle in degrees between the RGB of a neutral and the ``target`` direction.

    Computed as ``atan2(|a x b|, a . b)``, which stays accurate for tiny angles (unlike
    ``acos`` of the normalised dot product).

    Parameters
    ----------
    rgb_neutral
        RGB vector(s), shape ``(..., 3)`` (average a patch first).
    target
        The direction a neutral should have, shape ``(3,)`` or broadcastable.

    Returns
    -------
    float or numpy.ndarray
        Degrees in [0, 180]; a float for a single vector.

    References
    ----------
    Hordley, Finlayson (2006), Reevaluation of color constancy algorithm performance.
    """
    a = np.asarray(rgb_neutral, dtype=np.float64)
    b = np.asarray(target, dtype=np.float64)
    if a.shape[-1:] != (3,) or b.shape[-1:] != (3,):
        raise InputError(f"wb_angular_error: expected RGB vectors (..., 3), got {a.shape} "
                         f"and {b.shape}")
    na = np.linalg.norm(a, axis=-1)
    nb = np.linalg.norm(b, axis=-1)
    if np.any(na == 0) or np.any(nb == 0):
        raise InputError("wb_angular_error: zero vector has no direction")
    cross = np.linalg.norm(np.cross(a, b), axis=-1)
    dot = np.sum(a * b, axis=-1)
    ang = np.degrees(np.arctan2(cross, dot))
    return float(ang) if np.ndim(ang) == 0 else ang
