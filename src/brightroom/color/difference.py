"""Colour differences and CIELAB: CIEDE2000 and the XYZ / Lab / RGB conversions it needs.

Lives on the colour floor so that calibration (looks) and the lab's metrics share one
implementation. Vectorised over any leading shape; CIELAB is relative to D50 unless a white is
given.

References
----------
CIE 142-2001, Improvement to industrial colour-difference evaluation (CIEDE2000).

Sharma, G., Wu, W., Dalal, E. N. (2005). The CIEDE2000 color-difference formula:
Implementation notes, supplementary test data, and mathematical observations. Color Research
& Application, 30(1), 21-30. doi:10.1002/col.20070

CIE 15:2004, Colorimetry, 3rd edition (CIELAB).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from brightroom.color.spaces import D50_XYZ, bradford_adaptation, get_space
from brightroom.errors import InputError, ParameterError

__all__ = ["delta_e_2000", "xyz_to_lab", "lab_to_xyz", "rgb_to_lab_d50"]

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
