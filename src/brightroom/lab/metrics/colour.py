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

from brightroom.color.spaces import D50_XYZ, bradford_adaptation, get_space
from brightroom.errors import InputError, ParameterError
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

# 0-based indices of the 3rd and 4th neutral patches of a 24-patch ColorChecker
# (row 4: white 9.5, neutral 8, neutral 6.5, neutral 5, neutral 3.5, black 2).
NEUTRAL_NORMALISATION_PATCHES: tuple[int, int] = (20, 21)

_EPS = 216.0 / 24389.0
_KAPPA = 24389.0 / 27.0


def _lab_array(lab: Any, name: str) -> np.ndarray:
    a = np.asarray(lab, dtype=np.float64)
    if a.shape[-1:] != (3,):
        raise InputError(f"{name}: expected CIELAB values with last axis 3, got shape {a.shape}")
    return a


def _de2000_terms(lab1: np.ndarray, lab2: np.ndarray, kL: float, kC: float, kH: float
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    L1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    L2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c1 = np.hypot(a1, b1)
    c2 = np.hypot(a2, b2)
    cbar7 = ((c1 + c2) / 2.0) ** 7
    g = 0.5 * (1.0 - np.sqrt(cbar7 / (cbar7 + 25.0 ** 7)))
    a1p, a2p = (1.0 + g) * a1, (1.0 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    # hue angles in degrees, 0 when the chroma is 0 (Sharma et al. eq. 7)
    h1p = np.where((a1p == 0) & (b1 == 0), 0.0, np.degrees(np.arctan2(b1, a1p)) % 360.0)
    h2p = np.where((a2p == 0) & (b2 == 0), 0.0, np.degrees(np.arctan2(b2, a2p)) % 360.0)
    dLp = L2 - L1
    dCp = c2p - c1p
    cprod = c1p * c2p
    dh = h2p - h1p
    # |dh| <= 180 up to rounding (Sharma et al. pair 14 sits exactly at 180 degrees)
    tol = 1e-9
    dhp = np.where(cprod == 0, 0.0,
                   np.where(np.abs(dh) <= 180.0 + tol, dh,
                            np.where(dh > 180.0, dh - 360.0, dh + 360.0)))
    dHp = 2.0 * np.sqrt(cprod) * np.sin(np.radians(dhp / 2.0))
    Lbp = (L1 + L2) / 2.0
    Cbp = (c1p + c2p) / 2.0
    hsum = h1p + h2p
    hbp = np.where(cprod == 0, hsum,
                   np.where(np.abs(h1p - h2p) <= 180.0 + tol, hsum / 2.0,
                            np.where(hsum < 360.0, (hsum + 360.0) / 2.0, (hsum - 360.0) / 2.0)))
    t = (1.0 - 0.17 * np.cos(np.radians(hbp - 30.0)) + 0.24 * np.cos(np.radians(2.0 * hbp))
         + 0.32 * np.cos(np.radians(3.0 * hbp + 6.0)) - 0.20 * np.cos(np.radians(4.0 * hbp - 63.0)))
    dtheta = 30.0 * np.exp(-(((hbp - 275.0) / 25.0) ** 2))
    cbp7 = Cbp ** 7
    rc = 2.0 * np.sqrt(cbp7 / (cbp7 + 25.0 ** 7))
    sl = 1.0 + 0.015 * (Lbp - 50.0) ** 2 / np.sqrt(20.0 + (Lbp - 50.0) ** 2)
    sc = 1.0 + 0.045 * Cbp
    sh = 1.0 + 0.015 * Cbp * t
    rt = -np.sin(np.radians(2.0 * dtheta)) * rc
    return dLp / (kL * sl), dCp / (kC * sc), dHp / (kH * sh), rt


def delta_e_2000(lab1: Any, lab2: Any, *, kL: float = 1.0, kC: float = 1.0, kH: float = 1.0,
                 lightness: bool = True) -> np.ndarray:
    """CIEDE2000 colour difference, vectorised over leading axes.

    Parameters
    ----------
    lab1, lab2
        CIELAB values, shape ``(..., 3)`` (broadcast against each other).
    kL, kC, kH
        Parametric factors (1 for the reference conditions).
    lightness
        If False, the lightness term is dropped: the chroma-and-hue-only difference
        (often written dC00), insensitive to exposure.

    Returns
    -------
    numpy.ndarray
        float64 differences, shape of the broadcast leading axes (0-d for single colours).

    References
    ----------
    CIE 142-2001; Sharma, Wu, Dalal (2005), The CIEDE2000 color-difference formula:
    implementation notes, supplementary test data, and mathematical observations.
    """
    a = _lab_array(lab1, "lab1")
    b = _lab_array(lab2, "lab2")
    if min(kL, kC, kH) <= 0:
        raise ParameterError(f"kL, kC, kH must be positive, got {kL}, {kC}, {kH}")
    a, b = np.broadcast_arrays(a, b)
    tl, tc, th, rt = _de2000_terms(a, b, kL, kC, kH)
    s = tc * tc + th * th + rt * tc * th
    if lightness:
        s = s + tl * tl
    return np.sqrt(np.maximum(s, 0.0))


def xyz_to_lab(xyz: Any, white: Any = D50_XYZ) -> np.ndarray:
    """CIE XYZ (Y of white = 1) to CIELAB relative to ``white`` (CIE 15:2004), float64."""
    x = np.asarray(xyz, dtype=np.float64) / np.asarray(white, dtype=np.float64)
    f = np.where(x > _EPS, np.cbrt(x), (_KAPPA * x + 16.0) / 116.0)
    L = 116.0 * f[..., 1] - 16.0
    return np.stack([L, 500.0 * (f[..., 0] - f[..., 1]), 200.0 * (f[..., 1] - f[..., 2])], -1)


def lab_to_xyz(lab: Any, white: Any = D50_XYZ) -> np.ndarray:
    """CIELAB relative to ``white`` to CIE XYZ (Y of white = 1), float64 (CIE 15:2004)."""
    lab = _lab_array(lab, "lab")
    fy = (lab[..., 0] + 16.0) / 116.0
    fx = fy + lab[..., 1] / 500.0
    fz = fy - lab[..., 2] / 200.0

    def inv(f: np.ndarray) -> np.ndarray:
        return np.where(f ** 3 > _EPS, f ** 3, (116.0 * f - 16.0) / _KAPPA)

    y = np.where(lab[..., 0] > _KAPPA * _EPS, fy ** 3, lab[..., 0] / _KAPPA)
    return np.stack([inv(fx), y, inv(fz)], -1) * np.asarray(white, dtype=np.float64)


def rgb_to_lab_d50(rgb: Any, space: str = "sRGB") -> np.ndarray:
    """Linear ``space`` RGB to CIELAB (D50), Bradford-adapting from the space's white."""
    sp = get_space(space)
    m = bradford_adaptation(sp.white, D50_XYZ) @ sp.to_xyz
    xyz = np.asarray(rgb, dtype=np.float64) @ m.T
    return xyz_to_lab(xyz, D50_XYZ)


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
