"""Camera colour profiles: the DNG colour model, white points and camera-to-output matrices.

A camera describes its colour with up to two ``ColorMatrix`` tags (CIE XYZ to camera RGB) measured
under two calibration illuminants, and optionally two ``ForwardMatrix`` tags (white-balanced camera
RGB to XYZ D50). This module implements chapter 6 of the DNG specification, "Mapping Camera Color
Space to CIE XYZ Space":

* matrix interpolation in inverse correlated colour temperature (:func:`interpolate_matrix`);
* the white point of a camera neutral and the neutral of a white point (:func:`neutral_to_xy`,
  :func:`xy_to_neutral`, :func:`cct_to_neutral`, :func:`neutral_to_cct`);
* the matrices from white-balanced camera RGB to XYZ D50 and to a linear output space
  (:func:`camera_to_xyz_d50`, :func:`camera_to_rgb_matrix`);
* the camera's locus of neutrals along the Planckian / daylight locus, for automatic white balance
  (:func:`camera_locus`);
* fitting a DNG-style colour matrix from chart measurements (:func:`fit_color_matrix`).

Conventions
-----------
A *neutral* is the camera RGB response to a white (spectrally flat) surface under the scene
illuminant, like the DNG ``AsShotNeutral`` tag. Functions here return neutrals normalised to
green = 1. White-balanced camera RGB is camera RGB divided by the neutral (gains
``neutral_G / neutral_c``), so a white surface reads ``(1, 1, 1)``.

*Temperature and tint* follow the DNG SDK / Lightroom convention: the colour temperature comes from
Robertson's (1968) isotherms, and ``tint`` moves the white point along the isotherm,
``Duv = 0.05 * tint`` (CIE 1960 uv; the SDK's ``tint = -3000 * offset towards magenta``, so
``tint = 1`` is Lightroom's ``+150``). A positive tint is a greener light, which white balance
corrects by making the picture more magenta - the sense of Lightroom's Tint slider.

References
----------
Adobe Systems (2021). Digital Negative (DNG) Specification, version 1.6.0.0, chapter 6: Mapping
Camera Color Space to CIE XYZ Space.

Robertson, A. R. (1968). Computation of correlated color temperature and distribution
temperature. Journal of the Optical Society of America, 58(11), 1528-1535.

CIE 015:2018. Colorimetry, 4th edition (daylight locus, standard illuminants).

Ohno, Y. (2014). Practical use and calculation of CCT and Duv. LEUKOS, 10(1), 47-55.

JEITA CP-3451 (Exif 2.3), tag LightSource (0x9208).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import numpy as np

from brightroom.color.spaces import D50_XYZ, bradford_adaptation, get_space
from brightroom.errors import InputError, ParameterError
from brightroom.types import CameraInfo

__all__ = [
    "LIGHT_SOURCES",
    "TINT_DUV",
    "Locus",
    "mired",
    "xy_to_xyz",
    "xyz_to_xy",
    "cct_to_xy",
    "xy_to_cct",
    "light_source_cct",
    "light_source_xy",
    "interpolate_matrix",
    "xy_to_neutral",
    "cct_to_neutral",
    "neutral_to_xy",
    "neutral_to_cct",
    "neutral_to_temperature",
    "camera_to_xyz_d50",
    "camera_to_rgb_matrix",
    "camera_locus",
    "fit_color_matrix",
    "angular_error",
]

Locus = Literal["planckian", "daylight", "illuminant"]
"""Which white-point curve a colour temperature lies on.

``"planckian"``: black bodies (Robertson 1968, DNG SDK); ``"daylight"``: the CIE daylight locus
(defined from 4000 K); ``"illuminant"``: what real scenes are lit by - Planckian up to 3500 K,
daylight (CIE) from 4000 K, blended linearly in mired between.
"""

TINT_DUV = 0.05
"""``Duv`` (CIE 1960 uv distance from the Planckian locus) per unit of tint."""

# EXIF LightSource code -> (name, CCT in kelvin, locus or a CIE illuminant name for its xy)
LIGHT_SOURCES: dict[int, tuple[str, float, str]] = {
    1: ("Daylight", 5500.0, "daylight"),
    2: ("Fluorescent", 4150.0, "FL2"),
    3: ("Tungsten (incandescent)", 2856.0, "A"),
    4: ("Flash", 5500.0, "daylight"),
    9: ("Fine weather", 5500.0, "daylight"),
    10: ("Cloudy weather", 6500.0, "daylight"),
    11: ("Shade", 7500.0, "daylight"),
    12: ("Daylight fluorescent (D 5700-7100K)", 6400.0, "FL1"),
    13: ("Day white fluorescent (N 4600-5500K)", 5050.0, "FL8"),
    14: ("Cool white fluorescent (W 3800-4500K)", 4150.0, "FL2"),
    15: ("White fluorescent (WW 3250-3800K)", 3450.0, "FL3"),
    16: ("Warm white fluorescent (L 2600-3250K)", 2940.0, "FL4"),
    17: ("Standard light A", 2856.0, "A"),
    18: ("Standard light B", 4874.0, "B"),
    19: ("Standard light C", 6774.0, "C"),
    20: ("D55", 5503.0, "D55"),
    21: ("D65", 6504.0, "D65"),
    22: ("D75", 7504.0, "D75"),
    23: ("D50", 5003.0, "D50"),
    24: ("ISO studio tungsten", 3200.0, "planckian"),
}
"""EXIF ``LightSource`` codes with a name, a colour temperature and where their xy comes from."""

_PLANCK_MIN_ROBERTSON = 1667.0  # Robertson's isotherm table starts at 600 mired


def _colour():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour  # lazy: optional here (Ohno below 1667 K only); costs about 1 s to import
    return colour


# Robertson's (1968) isotemperature lines: reciprocal megakelvin, CIE 1960 u, v of the Planckian
# locus there and the slope of the isotherm, as tabulated by Wyszecki & Stiles (1982, table
# 1(3.11)), with Lindbloom's correction of u at 325 MK^-1 (0.24702 -> 0.24792), as the DNG SDK
# and colour-science use them (tests/test_color_profile.py compares with colour-science).
_ROBERTSON = np.array([
    (0, 0.18006, 0.26352, -0.24341), (10, 0.18066, 0.26589, -0.25479),
    (20, 0.18133, 0.26846, -0.26876), (30, 0.18208, 0.27119, -0.28539),
    (40, 0.18293, 0.27407, -0.30470), (50, 0.18388, 0.27709, -0.32675),
    (60, 0.18494, 0.28021, -0.35156), (70, 0.18611, 0.28342, -0.37915),
    (80, 0.18740, 0.28668, -0.40955), (90, 0.18880, 0.28997, -0.44278),
    (100, 0.19032, 0.29326, -0.47888), (125, 0.19462, 0.30141, -0.58204),
    (150, 0.19962, 0.30921, -0.70471), (175, 0.20525, 0.31647, -0.84901),
    (200, 0.21142, 0.32312, -1.0182), (225, 0.21807, 0.32909, -1.2168),
    (250, 0.22511, 0.33439, -1.4512), (275, 0.23247, 0.33904, -1.7298),
    (300, 0.24010, 0.34308, -2.0637), (325, 0.24792, 0.34655, -2.4681),
    (350, 0.25591, 0.34951, -2.9641), (375, 0.26400, 0.35200, -3.5814),
    (400, 0.27218, 0.35407, -4.3633), (425, 0.28039, 0.35577, -5.3762),
    (450, 0.28863, 0.35714, -6.7262), (475, 0.29685, 0.35823, -8.5955),
    (500, 0.30505, 0.35907, -11.324), (525, 0.31320, 0.35968, -15.628),
    (550, 0.32129, 0.36011, -23.325), (575, 0.32931, 0.36038, -40.770),
    (600, 0.33724, 0.36051, -116.45),
])


def _robertson_lines() -> tuple[np.ndarray, ...]:
    """The table's mired, u, v and the unit direction (du, dv) of each isotherm."""
    r, u, v, t = _ROBERTSON.T
    n = np.hypot(1.0, t)
    return r, u, v, 1.0 / n, t / n


def _robertson_to_uv(cct: np.ndarray, duv: np.ndarray) -> np.ndarray:
    """CIE 1960 uv of ``cct`` (kelvin) moved by ``duv`` along its isotherm (Robertson 1968):
    the locus point and the isotherm direction interpolated linearly in mired between the two
    neighbouring lines of the table."""
    r_t, u_t, v_t, du_t, dv_t = _robertson_lines()
    r = 1e6 / np.asarray(cct, np.float64)
    i = np.clip(np.searchsorted(r_t, r, side="right") - 1, 0, r_t.size - 2)
    f = (r_t[i + 1] - r) / (r_t[i + 1] - r_t[i])  # weight of line i
    du = du_t[i] * f + du_t[i + 1] * (1 - f)
    dv = dv_t[i] * f + dv_t[i + 1] * (1 - f)
    n = np.hypot(du, dv)
    u = u_t[i] * f + u_t[i + 1] * (1 - f) - du / n * duv
    v = v_t[i] * f + v_t[i + 1] * (1 - f) - dv / n * duv
    return np.stack([u, v], axis=-1)


def _robertson_from_uv(uv: np.ndarray) -> np.ndarray:
    """``(..., 2)`` CCT (kelvin) and Duv (positive above the locus) of CIE 1960 ``uv`` by
    Robertson's (1968) method: the first isotherm that ``uv`` lies below, and the signed
    distances to it and to the one before, interpolated."""
    r_t, u_t, v_t, du_t, dv_t = _robertson_lines()
    uv = np.asarray(uv, np.float64)
    u, v = uv[..., 0, None], uv[..., 1, None]
    d = (v - v_t[1:]) * du_t[1:] - (u - u_t[1:]) * dv_t[1:]  # signed distance to lines 1..30
    below = d <= 0
    i = np.where(below.any(axis=-1), np.argmax(below, axis=-1) + 1, r_t.size - 1)
    d_i = np.take_along_axis(d, (i - 1)[..., None], axis=-1)[..., 0]
    d_p = np.take_along_axis(d, np.maximum(i - 2, 0)[..., None], axis=-1)[..., 0]
    cur = -np.minimum(d_i, 0.0)
    f = np.where(i > 1, cur / np.where(i > 1, d_p + cur, 1.0), 0.0)  # weight of line i - 1
    cct = 1e6 / (r_t[i - 1] * f + r_t[i] * (1 - f))
    ul = u_t[i - 1] * f + u_t[i] * (1 - f)
    vl = v_t[i - 1] * f + v_t[i] * (1 - f)
    du = du_t[i] * (1 - f) + du_t[i - 1] * f
    dv = dv_t[i] * (1 - f) + dv_t[i - 1] * f
    n = np.hypot(du, dv)
    duv = (uv[..., 0] - ul) * du / n + (uv[..., 1] - vl) * dv / n
    return np.stack([cct, -duv], axis=-1)


# CIE 1931 2-degree xy of the CIE illuminants that EXIF LightSource codes name (CIE 015:2018,
# tables 11.3 and 11.4; the values of colour-science's CCS_ILLUMINANTS, tested against it).
_ILLUMINANT_XY = {
    "A": (0.44758, 0.40745), "B": (0.34842, 0.35161), "C": (0.31006, 0.31616),
    "D50": (0.3457, 0.3585), "D55": (0.33243, 0.34744), "D65": (0.3127, 0.329),
    "D75": (0.29903, 0.31488), "FL1": (0.3131, 0.3371), "FL2": (0.3721, 0.3751),
    "FL3": (0.4091, 0.3941), "FL4": (0.4402, 0.4031), "FL8": (0.3458, 0.3586),
}


def mired(cct: np.ndarray | float) -> np.ndarray | float:
    """Micro reciprocal degrees: ``1e6 / cct``."""
    return 1e6 / np.asarray(cct, dtype=np.float64)


def xy_to_xyz(xy: np.ndarray, Y: float = 1.0) -> np.ndarray:  # noqa: N803 - CIE symbol
    """CIE xy chromaticity to XYZ with luminance ``Y`` (``(..., 2)`` to ``(..., 3)``)."""
    xy = np.asarray(xy, dtype=np.float64)
    x, y = xy[..., 0], xy[..., 1]
    if np.any(y <= 0):
        raise ParameterError(f"chromaticity y must be > 0, got {xy}")
    return np.stack([x * Y / y, np.full_like(x, Y), (1 - x - y) * Y / y], axis=-1)


def xyz_to_xy(xyz: np.ndarray) -> np.ndarray:
    """CIE XYZ to xy chromaticity (``(..., 3)`` to ``(..., 2)``)."""
    xyz = np.asarray(xyz, dtype=np.float64)
    s = xyz.sum(axis=-1, keepdims=True)
    if np.any(s == 0):
        raise ParameterError("XYZ with X + Y + Z = 0 has no chromaticity")
    return xyz[..., :2] / s


def _uv_to_xy(uv: np.ndarray) -> np.ndarray:
    u, v = uv[..., 0], uv[..., 1]
    d = 2 * u - 8 * v + 4
    return np.stack([3 * u / d, 2 * v / d], axis=-1)


def _xy_to_uv(xy: np.ndarray) -> np.ndarray:
    x, y = xy[..., 0], xy[..., 1]
    d = -2 * x + 12 * y + 3
    return np.stack([4 * x / d, 6 * y / d], axis=-1)


def _planckian_xy(cct: np.ndarray, duv: np.ndarray) -> np.ndarray:
    uv = _robertson_to_uv(cct, duv)
    low = cct < _PLANCK_MIN_ROBERTSON
    if np.any(low):  # below Robertson's table: Ohno (2014) from the Planck law
        _colour()
        from colour.temperature import (  # lazy: colour-science loads only for < 1667 K
            CCT_to_uv_Ohno2013,
        )

        uv = np.where(low[..., None], CCT_to_uv_Ohno2013(np.stack([cct, duv], axis=-1)), uv)
    return _uv_to_xy(np.asarray(uv, dtype=np.float64))


def _daylight_xy(cct: np.ndarray) -> np.ndarray:
    # CIE 015:2018 eq. 4.7-4.8 (with the 1.4388/1.438 c2 correction left out as in the standard).
    t = np.asarray(cct, dtype=np.float64)
    if np.any((t < 4000) | (t > 25000)):
        raise ParameterError(f"the CIE daylight locus is defined for 4000..25000 K, got {cct}")
    x = np.where(
        t <= 7000,
        -4.6070e9 / t**3 + 2.9678e6 / t**2 + 0.09911e3 / t + 0.244063,
        -2.0064e9 / t**3 + 1.9018e6 / t**2 + 0.24748e3 / t + 0.237040,
    )
    y = -3.000 * x**2 + 2.870 * x - 0.275
    return np.stack([x, y], axis=-1)


def _apply_tint(xy: np.ndarray, cct: np.ndarray, duv: np.ndarray) -> np.ndarray:
    """Move ``xy`` by ``duv`` along the Planckian isotherm through ``cct``."""
    if not np.any(duv):
        return xy
    p0 = _xy_to_uv(_planckian_xy(cct, np.zeros_like(cct)))
    p1 = _xy_to_uv(_planckian_xy(cct, duv))
    return _uv_to_xy(_xy_to_uv(xy) + (p1 - p0))


def cct_to_xy(
    cct: np.ndarray | float,
    tint: np.ndarray | float = 0.0,
    *,
    locus: Locus = "planckian",
) -> np.ndarray:
    """Chromaticity xy of colour temperature ``cct`` (kelvin) and ``tint``.

    Parameters
    ----------
    cct
        Correlated colour temperature(s) in kelvin, 1000..25000.
    tint
        Shift of the white point along the isotherm, ``Duv = 0.05 * tint`` (positive: greener
        light, above the Planckian locus).
    locus
        ``"planckian"`` (black body, Robertson 1968 isotherms as in the DNG SDK; Ohno 2014 below
        1667 K), ``"daylight"`` (CIE daylight locus, 4000..25000 K) or ``"illuminant"``
        (Planckian up to 3500 K, daylight from 4000 K, linear in mired between).

    Returns
    -------
    numpy.ndarray
        ``(..., 2)`` CIE 1931 xy.

    References
    ----------
    Robertson (1968); CIE 015:2018 section 4.1 (daylight); Ohno (2014).
    """
    t = np.asarray(cct, dtype=np.float64)
    if np.any(~np.isfinite(t)) or np.any((t < 1000) | (t > 25000)):
        raise ParameterError(f"colour temperature must be within 1000..25000 K, got {cct}")
    duv = np.broadcast_to(np.asarray(tint, dtype=np.float64) * TINT_DUV, t.shape).copy()
    if locus == "planckian":
        xy = _planckian_xy(t, duv)
        return xy
    if locus == "daylight":
        xy = _daylight_xy(t)
    elif locus == "illuminant":
        planck = _planckian_xy(t, np.zeros_like(t))
        day = _daylight_xy(np.clip(t, 4000, 25000))
        w = np.clip((mired(3500) - mired(t)) / (mired(3500) - mired(4000)), 0, 1)[..., None]
        xy = (1 - w) * planck + w * day
    else:
        raise ParameterError(f"locus must be 'planckian', 'daylight' or 'illuminant', got {locus!r}")
    return _apply_tint(xy, t, duv)


def xy_to_cct(xy: np.ndarray, *, with_tint: bool = False) -> np.ndarray | tuple:
    """Correlated colour temperature (and tint) of chromaticity ``xy``.

    Robertson's (1968) method, as in the DNG SDK; below 1667 K Ohno's (2014).

    Parameters
    ----------
    xy
        ``(..., 2)`` CIE 1931 chromaticities.
    with_tint
        Also return the tint (``Duv / 0.05``, positive = above the locus, greener).

    Returns
    -------
    numpy.ndarray or tuple
        CCT in kelvin (clipped to 1000..50000 K), or ``(cct, tint)``.
    """
    uv = _xy_to_uv(np.asarray(xy, dtype=np.float64))
    res = _robertson_from_uv(uv)
    low = res[..., 0] <= _PLANCK_MIN_ROBERTSON + 0.5
    if np.any(low):
        _colour()
        from colour.temperature import (  # lazy: colour-science loads only for < 1667 K
            uv_to_CCT_Ohno2013,
        )

        res = np.where(low[..., None], uv_to_CCT_Ohno2013(uv), res)
    cct = np.clip(res[..., 0], 1000.0, 50000.0)
    if with_tint:
        return cct, res[..., 1] / TINT_DUV
    return cct


def _light_source(code: int) -> tuple[str, float, str]:
    try:
        return LIGHT_SOURCES[int(code)]
    except (KeyError, TypeError, ValueError):
        raise ParameterError(
            f"EXIF LightSource {code!r} has no known colour temperature; "
            f"known: {sorted(LIGHT_SOURCES)}"
        ) from None


def light_source_cct(code: int) -> float:
    """Colour temperature (kelvin) of EXIF ``LightSource`` ``code`` (17 = A -> 2856 K, ...)."""
    return _light_source(code)[1]


def light_source_xy(code: int) -> np.ndarray:
    """Chromaticity xy of EXIF ``LightSource`` ``code``.

    CIE standard illuminants (A, B, C, D50..D75, FL1..FL8) use their tabulated xy (CIE 015:2018);
    the weather / flash codes lie on the daylight locus, ISO studio tungsten on the Planckian one.
    """
    _, cct, where = _light_source(code)
    if where in ("daylight", "planckian"):
        return cct_to_xy(cct, locus=where)  # type: ignore[arg-type]
    return np.array(_ILLUMINANT_XY[where], dtype=np.float64)


def _illuminant_cct(code: int | None) -> float | None:
    if code is None or int(code) == 0:
        return None
    return light_source_cct(code)


def _check_camera(camera: CameraInfo) -> None:
    if not isinstance(camera, CameraInfo):
        raise ParameterError(f"expected a CameraInfo, got {type(camera).__name__}")
    if camera.color_matrix1 is None:
        raise InputError(
            f"camera {camera.make} {camera.model}".rstrip()
            + " has no ColorMatrix1; its colours cannot be mapped to XYZ (develop with --matrix "
            "identity or --matrix FILE)"
        )


def _weights(camera: CameraInfo, cct: np.ndarray) -> np.ndarray:
    """Weight of matrix 1 for each ``cct``: linear in mired, clamped to [0, 1] (DNG 6.2.3)."""
    t1 = _illuminant_cct(camera.illuminant1)
    t2 = _illuminant_cct(camera.illuminant2)
    cct = np.asarray(cct, dtype=np.float64)
    if camera.color_matrix2 is None or t1 is None or t2 is None or t1 == t2:
        return np.ones_like(cct)
    g = (1.0 / cct - 1.0 / t2) / (1.0 / t1 - 1.0 / t2)
    return np.clip(g, 0.0, 1.0)


def _normalize_forward(fm: np.ndarray) -> np.ndarray:
    """Scale the rows of a ForwardMatrix so that camera (1, 1, 1) maps to D50 (DNG SDK)."""
    return (D50_XYZ / (fm @ np.ones(3)))[:, None] * fm


def interpolate_matrix(
    camera: CameraInfo, cct: float
) -> tuple[np.ndarray, np.ndarray | None]:
    """The ColorMatrix (and ForwardMatrix) for a scene at ``cct`` kelvin.

    Linear interpolation in inverse colour temperature between the matrices of calibration
    illuminants 1 and 2, clamped to the nearer one outside their range (DNG 1.6, section 6.2.3).
    With one matrix (or unknown illuminants) that matrix is used.

    Parameters
    ----------
    camera
        The camera's :class:`~brightroom.types.CameraInfo`; needs ``color_matrix1``.
    cct
        Scene colour temperature in kelvin.

    Returns
    -------
    color_matrix : numpy.ndarray
        3 x 3, XYZ to camera RGB.
    forward_matrix : numpy.ndarray or None
        3 x 3, white-balanced camera RGB to XYZ D50 (rows scaled so that (1, 1, 1) maps to D50),
        or ``None`` when the camera has none.

    References
    ----------
    Adobe DNG Specification 1.6, chapter 6, "Translating White Balance xy Coordinates to Camera
    Neutral Coordinates" and "Camera to XYZ (D50) Transform".
    """
    _check_camera(camera)
    cct = float(cct)
    if not np.isfinite(cct) or cct <= 0:
        raise ParameterError(f"colour temperature must be a positive number of kelvin, got {cct}")
    g = float(_weights(camera, np.asarray(cct)))
    cm1, cm2 = camera.color_matrix1, camera.color_matrix2
    cm = cm1.copy() if cm2 is None or g == 1.0 else g * cm1 + (1 - g) * cm2
    fm1, fm2 = camera.forward_matrix1, camera.forward_matrix2
    if fm1 is None and fm2 is None:
        fm = None
    elif fm1 is None or fm2 is None or camera.color_matrix2 is None:
        fm = _normalize_forward((fm1 if fm1 is not None else fm2).copy())
    else:
        fm = _normalize_forward(g * fm1 + (1 - g) * fm2)
    return cm, fm


def _norm_neutral(n: np.ndarray) -> np.ndarray:
    n = np.asarray(n, dtype=np.float64)
    if n.shape[-1] != 3 or np.any(~np.isfinite(n)) or np.any(n <= 0):
        raise ParameterError(f"a camera neutral must be 3 positive finite values, got {n}")
    return n / n[..., 1:2]


def xy_to_neutral(camera: CameraInfo, xy: np.ndarray) -> np.ndarray:
    """The camera neutral (green = 1) of white point ``xy``.

    ``neutral = ColorMatrix(cct(xy)) @ XYZ(xy)`` with the matrix interpolated at the white point's
    own temperature (DNG 1.6, chapter 6).
    """
    _check_camera(camera)
    xy = np.asarray(xy, dtype=np.float64)
    cm, _ = interpolate_matrix(camera, float(xy_to_cct(xy)))
    n = cm @ xy_to_xyz(xy)
    if np.any(n <= 0):
        raise ParameterError(f"white point {xy} gives a non-positive camera neutral {n}")
    return _norm_neutral(n)


def cct_to_neutral(
    camera: CameraInfo, cct: float, tint: float = 0.0, *, locus: Locus = "planckian"
) -> np.ndarray:
    """Camera neutral (green = 1) for Kelvin white balance at ``cct`` and ``tint``."""
    return xy_to_neutral(camera, cct_to_xy(float(cct), float(tint), locus=locus))


def neutral_to_xy(
    camera: CameraInfo, neutral: np.ndarray, *, max_iter: int = 30, tol: float = 1e-7
) -> np.ndarray:
    """White point xy of a camera ``neutral`` by the DNG fixed-point iteration.

    Starting from D50, repeat: interpolate the ColorMatrix at the current white point's
    temperature, map the neutral through its inverse to XYZ, take its xy; stop when xy moves less
    than ``tol`` (sum of |dx| + |dy|). If it has not converged after ``max_iter`` passes the last
    two estimates are averaged, as the DNG SDK does.

    References
    ----------
    Adobe DNG Specification 1.6, chapter 6, "Translating Camera Neutral Coordinates to White
    Balance xy Coordinates".
    """
    _check_camera(camera)
    n = _norm_neutral(neutral)
    last = xyz_to_xy(D50_XYZ)
    for i in range(max_iter):
        cm, _ = interpolate_matrix(camera, float(xy_to_cct(last)))
        xyz = np.linalg.solve(cm, n)
        if xyz.sum() <= 0:
            raise ParameterError(f"neutral {tuple(neutral)} maps to no physical white point")
        nxt = xyz_to_xy(xyz)
        if np.abs(nxt - last).sum() < tol:
            return nxt
        if i == max_iter - 1:
            nxt = 0.5 * (last + nxt)
        last = nxt
    return last


def neutral_to_temperature(camera: CameraInfo, neutral: np.ndarray) -> tuple[float, float]:
    """``(cct, tint)`` of a camera neutral (Lightroom-style temperature and tint)."""
    cct, tint = xy_to_cct(neutral_to_xy(camera, neutral), with_tint=True)
    return float(cct), float(tint)


def neutral_to_cct(camera: CameraInfo, neutral: np.ndarray) -> float:
    """Correlated colour temperature (kelvin) of a camera neutral."""
    return float(xy_to_cct(neutral_to_xy(camera, neutral)))


def camera_to_xyz_d50(camera: CameraInfo, neutral: np.ndarray) -> np.ndarray:
    """3 x 3 matrix from white-balanced camera RGB to CIE XYZ (D50 white).

    White-balanced means camera RGB multiplied by ``neutral_G / neutral_c``, so that a white
    surface reads (1, 1, 1) (times its brightness). The camera neutral scaled to a maximum of 1 -
    white at the clipping level - maps to ``Y = 1`` (DNG normalisation): so (1, 1, 1) maps to
    ``max(neutral) / neutral_G * D50``.

    With a ForwardMatrix: the spec's ``FM @ D`` with ``D = inverse(diag(neutral))`` maps *raw*
    camera RGB to XYZ D50; white-balanced RGB has been divided by the neutral already, so what
    remains is ``FM`` (interpolated at the neutral's temperature, rows scaled so that (1, 1, 1)
    maps to D50) times the scale above. Without: ``CA(white -> D50) @ inverse(CM) @ diag(neutral)``,
    normalised, where ``CA`` is the Bradford adaptation.

    References
    ----------
    Adobe DNG Specification 1.6, chapter 6, "Camera to XYZ (D50) Transform".
    """
    _check_camera(camera)
    n = _norm_neutral(neutral)
    xy = neutral_to_xy(camera, n)
    cm, fm = interpolate_matrix(camera, float(xy_to_cct(xy)))
    scale = n.max()  # neutral_G = 1
    if fm is not None:
        return fm * scale
    cam_to_xyz = np.linalg.inv(cm) @ np.diag(n)
    white = cam_to_xyz @ np.ones(3)
    m = bradford_adaptation(white / white[1], D50_XYZ) @ cam_to_xyz / white[1]
    # (1, 1, 1) must land exactly on D50: fix the last bits of rounding per row.
    m = (D50_XYZ / (m @ np.ones(3)))[:, None] * m
    return m * scale


def camera_to_rgb_matrix(
    camera: CameraInfo, neutral: np.ndarray, space: str = "sRGB"
) -> np.ndarray:
    """3 x 3 matrix from white-balanced camera RGB to linear ``space`` RGB.

    :func:`camera_to_xyz_d50`, then Bradford from D50 to the space's white, then XYZ to RGB.
    Each row sums to ``max(neutral) / neutral_G``, so a white-balanced neutral (1, 1, 1) gives
    exactly equal R = G = B (entries are rounded to multiples of 2^-20 so that this holds
    bit-exactly in float32 as well).

    Parameters
    ----------
    camera
        Needs ``color_matrix1``.
    neutral
        The camera neutral the image was white balanced with.
    space
        An RGB space known to :mod:`brightroom.color.spaces` (``"sRGB"``, ``"Display P3"``, ...).

    References
    ----------
    Adobe DNG Specification 1.6, chapter 6; Lam (1985) for the Bradford transform.
    """
    sp = get_space(space)
    n = _norm_neutral(neutral)
    xyz = camera_to_xyz_d50(camera, n)
    m = np.linalg.inv(sp.to_xyz) @ bradford_adaptation(D50_XYZ, sp.white) @ xyz
    m *= (n.max() / m.sum(axis=1))[:, None]  # neutral -> grey
    # Make (1, 1, 1) come out *exactly* grey in float32 and float64 alike: entries on a 2^-20
    # grid (about 1e-6, far below visible), the last column closing each row's sum, so every
    # partial sum of a row is exact in a 24-bit mantissa.
    q = 2.0**-20
    target = np.round(n.max() / q) * q
    m = np.round(m / q) * q
    m[:, 2] = target - m[:, 0] - m[:, 1]
    return m


@lru_cache(maxsize=64)
def _locus_xy(ccts: tuple[float, ...], tint: float, locus: str) -> np.ndarray:
    xy = cct_to_xy(np.asarray(ccts), tint, locus=locus)  # type: ignore[arg-type]
    xy.setflags(write=False)
    return xy


def camera_locus(
    camera: CameraInfo,
    ccts: np.ndarray,
    *,
    tint: float = 0.0,
    locus: Locus = "illuminant",
) -> np.ndarray:
    """Camera neutrals (green = 1) of the white points at ``ccts`` along ``locus``.

    This is the curve of plausible scene illuminants in camera RGB that locus-constrained
    automatic white balance searches along.

    Parameters
    ----------
    camera
        Needs ``color_matrix1``.
    ccts
        ``N`` colour temperatures in kelvin.
    tint
        Offset along the isotherms (see :func:`cct_to_xy`).
    locus
        By default the "illuminant" locus (Planckian up to 3500 K, daylight from 4000 K).

    Returns
    -------
    numpy.ndarray
        ``N x 3`` neutrals, green = 1.

    References
    ----------
    Finlayson, G. D., Schaefer, G. (2001). Solving for colour constancy using a constrained
    dichromatic reflection model. International Journal of Computer Vision, 42(3), 127-144.
    """
    _check_camera(camera)
    t = np.atleast_1d(np.asarray(ccts, dtype=np.float64))
    xy = _locus_xy(tuple(t.tolist()), float(tint), locus)
    g = _weights(camera, t)[:, None, None]
    cm1 = camera.color_matrix1
    cm2 = camera.color_matrix2 if camera.color_matrix2 is not None else cm1
    cms = g * cm1 + (1 - g) * cm2
    n = np.einsum("nij,nj->ni", cms, xy_to_xyz(xy))
    if np.any(n <= 0):
        raise ParameterError("the camera's matrices give non-positive neutrals on the locus")
    return n / n[:, 1:2]


def fit_color_matrix(
    camera_rgb: np.ndarray,
    xyz: np.ndarray,
    *,
    white_xyz: np.ndarray | None = None,
) -> np.ndarray:
    """Least-squares DNG ColorMatrix (XYZ to camera RGB) from paired measurements.

    Solves ``camera_rgb ~= xyz @ M.T`` over ``N`` patches (e.g. a ColorChecker under the
    calibration illuminant), then scales ``M`` as the DNG SDK normalises colour matrices: so that
    the white ``white_xyz`` (default D50, the profile connection space white) maps to a camera
    value whose largest channel is 1.

    Parameters
    ----------
    camera_rgb
        ``N x 3`` camera responses (not white balanced).
    xyz
        ``N x 3`` CIE XYZ of the same patches under the same illuminant.
    white_xyz
        XYZ used for the normalisation.

    Returns
    -------
    numpy.ndarray
        3 x 3 ColorMatrix.

    References
    ----------
    Adobe DNG Specification 1.6, tag ColorMatrix1 (50721); DNG SDK ``NormalizeColorMatrix``.
    """
    c = np.asarray(camera_rgb, dtype=np.float64).reshape(-1, 3)
    x = np.asarray(xyz, dtype=np.float64).reshape(-1, 3)
    if c.shape != x.shape or c.shape[0] < 3:
        raise ParameterError(
            f"need N >= 3 matching camera/XYZ triplets, got {c.shape} and {x.shape}"
        )
    m = np.linalg.lstsq(x, c, rcond=None)[0].T
    w = D50_XYZ if white_xyz is None else np.asarray(white_xyz, dtype=np.float64)
    peak = (m @ w).max()
    if not peak > 0:
        raise ParameterError("fitted colour matrix maps white to a non-positive camera value")
    return m / peak


def angular_error(a: np.ndarray, b: np.ndarray) -> np.ndarray | float:
    """Angle in degrees between RGB vectors ``a`` and ``b`` (the colour constancy error).

    Broadcasts over leading axes; returns a float for single vectors.

    References
    ----------
    Hordley, S. D., Finlayson, G. D. (2006). Reevaluation of color constancy algorithm
    performance. JOSA A, 23(5), 1008-1020.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape[-1] != 3 or b.shape[-1] != 3:
        raise ParameterError(f"angular_error needs RGB triplets, got shapes {a.shape}, {b.shape}")
    na = np.linalg.norm(a, axis=-1)
    nb = np.linalg.norm(b, axis=-1)
    if np.any(na == 0) or np.any(nb == 0):
        raise ParameterError("angular_error of a zero vector is undefined")
    c = np.clip((a * b).sum(-1) / (na * nb), -1.0, 1.0)
    out = np.degrees(np.arccos(c))
    return float(out) if out.ndim == 0 else out
