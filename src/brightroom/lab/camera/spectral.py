"""Illuminants in absolute units, camera spectral sensitivities and exact camera responses.

Everything lives on :data:`brightroom.charts.scene.WAVELENGTHS` (380-780 nm, 5 nm).

* :func:`illuminant` gives the spectral irradiance (W m^-2 nm^-1) that produces a requested
  illuminance in lux on the scene (``E_v = 683 lm/W * sum(ybar * E) * 5 nm``).
* :class:`Sensitivities` are absolute quantum efficiencies per channel (colour filter, IR-cut,
  microlens and silicon together): electrons per incident photon.
* :func:`response_matrix` is the exact camera response (electrons s^-1 m^-2) to a basis scene
  under an illuminant, per unit of scene rgb; :func:`response_spectra` the same for explicit
  reflectance spectra.
* :func:`dng_calibration` fits DNG ``ColorMatrix`` / ``ForwardMatrix`` for a camera from the
  ColorChecker spectra plus the scene basis.

References
----------
CIE 015:2018, Colorimetry, 4th ed. (illuminants, observer, K_m = 683 lm/W).
Jiang, J., Liu, D., Gu, J., Susstrunk, S. (2013). What is the space of spectral sensitivity
functions for digital color cameras? IEEE WACV (camera sensitivities are smooth, few-lobed).
Darrodi, M. M., Finlayson, G., Goodman, T., Mackiewicz, M. (2015). Reference data set for
camera spectral sensitivity estimation. JOSA A 32(3), 381-391 (the NPL measurements of the
Nikon D5100 shipped by colour-science as "Nikon 5100 (NPL)").
Adobe (2021). Digital Negative (DNG) Specification 1.6, chapter 6 (ColorMatrix, ForwardMatrix,
AsShotNeutral).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cache

import numpy as np

from brightroom.charts.colorchecker import colorchecker_spectra
from brightroom.charts.scene import WAVELENGTHS, _align, _colour, basis, cmfs, illuminant_sd
from brightroom.color.profile import fit_color_matrix
from brightroom.color.spaces import D50_XYZ, bradford_adaptation
from brightroom.errors import ParameterError

__all__ = [
    "K_M",
    "PLANCK",
    "LIGHT_SPEED",
    "Illuminant",
    "illuminant",
    "Sensitivities",
    "measured_sensitivities",
    "gaussian_sensitivities",
    "response_matrix",
    "response_spectra",
    "DNGCalibration",
    "dng_calibration",
    "dng_normalize_color_matrix",
    "EXIF_LIGHT_SOURCE",
]

K_M = 683.0
"""Maximum luminous efficacy of radiation, lm/W (CIE)."""
PLANCK = 6.62607015e-34
LIGHT_SPEED = 2.99792458e8
_DL = 5.0  # nm, the grid step
_PHOTONS_PER_J = WAVELENGTHS * 1e-9 / (PLANCK * LIGHT_SPEED)  # photons per joule at each lambda
_PHOTONS_PER_J.setflags(write=False)

EXIF_LIGHT_SOURCE = {"A": 17, "B": 18, "C": 19, "D55": 20, "D65": 21, "D75": 22, "D50": 23,
                     "FL1": 1, "FL2": 14, "FL7": 15, "FL11": 16}
"""EXIF LightSource codes of the named illuminants (JEITA CP-3451, tag 0x9208), where defined."""

_NOMINAL_CCT = {"A": 2856.0, "D50": 5003.0, "D55": 5503.0, "D65": 6504.0, "D75": 7504.0,
                "E": 5455.0, "FL1": 6430.0, "FL2": 4230.0, "FL3": 3450.0, "FL4": 2940.0,
                "FL7": 6500.0, "FL11": 4000.0, "F1": 6430.0, "F2": 4230.0, "F3": 3450.0,
                "F4": 2940.0, "F7": 6500.0, "F11": 4000.0}


@dataclass(frozen=True, eq=False)
class Illuminant:
    """An illuminant in absolute units.

    Attributes
    ----------
    name
        ``"D65"``, ``"A"``, ``"FL2"``, or ``"5000K"`` for one given by CCT.
    cct
        Correlated colour temperature in kelvin (nominal for named ones; ``None`` if unknown).
    spd
        ``(81,)`` spectral irradiance on the scene, W m^-2 nm^-1.
    lux
        Illuminance the ``spd`` produces.
    """

    name: str
    cct: float | None
    spd: np.ndarray
    lux: float

    @property
    def white_xyz(self) -> np.ndarray:
        """XYZ of a perfect white reflector under this illuminant, scaled to Y = 1."""
        xyz = self.spd @ cmfs()
        return xyz / xyz[1]


def illuminant(spec: str | float | Illuminant = "D65", lux: float = 1.0) -> Illuminant:
    """An illuminant with spectral irradiance scaled to ``lux``.

    Parameters
    ----------
    spec
        A name (``"D65"``, ``"A"``, ``"D50"``, ``"FL2"`` / ``"F2"``...), a CCT in kelvin
        (Planckian below 4000 K, CIE D-series from 4000 K), or an :class:`Illuminant` (rescaled).
    lux
        Illuminance on the scene, > 0.

    References
    ----------
    CIE 015:2018, sections 3 and 4.
    """
    if not lux > 0 or not np.isfinite(lux):
        raise ParameterError(f"illuminance must be > 0 lux, got {lux}")
    if isinstance(spec, Illuminant):
        name, cct, rel = spec.name, spec.cct, spec.spd
    elif isinstance(spec, str):
        name = spec
        rel = illuminant_sd(spec)
        cct = _NOMINAL_CCT.get(spec)
    else:
        cct = float(spec)
        name = f"{cct:g}K"
        rel = illuminant_sd(cct)
    e_v = K_M * float(cmfs()[:, 1] @ rel) * _DL
    spd = rel * (lux / e_v)
    spd.setflags(write=False)
    return Illuminant(name=name, cct=cct, spd=spd, lux=float(lux))


@dataclass(frozen=True, eq=False)
class Sensitivities:
    """Absolute quantum efficiency of the three camera channels.

    Attributes
    ----------
    name
        Where the curves come from.
    qe
        ``(81, 3)`` electrons per incident photon for R, G, B on :data:`WAVELENGTHS`.
    """

    name: str
    qe: np.ndarray

    def __post_init__(self) -> None:
        q = np.asarray(self.qe, dtype=np.float64)
        if q.shape != (WAVELENGTHS.size, 3) or np.any(q < 0) or np.any(q > 1):
            raise ParameterError(f"quantum efficiencies must be ({WAVELENGTHS.size}, 3) in [0, 1],"
                                 f" got shape {q.shape}")
        q = q.copy()
        q.setflags(write=False)
        object.__setattr__(self, "qe", q)

    @property
    def centroids_nm(self) -> tuple[float, float, float]:
        """Photon-weighted mean wavelength of each channel under an equal-energy light."""
        w = self.qe * _PHOTONS_PER_J[:, None]
        c = (WAVELENGTHS @ w) / w.sum(axis=0)
        return tuple(float(v) for v in c)  # type: ignore[return-value]


@cache
def measured_sensitivities(name: str = "Nikon 5100 (NPL)",
                           qe_peaks: tuple[float, float, float] = (0.45, 0.55, 0.45)
                           ) -> Sensitivities:
    """Measured camera sensitivities from colour-science's ``MSDS_CAMERA_SENSITIVITIES``.

    The published curves are each normalised to a peak of 1; ``qe_peaks`` sets the absolute
    peak quantum efficiency of R, G and B.

    References
    ----------
    Darrodi et al. (2015), see the module docstring.
    """
    colour = _colour()
    if name not in colour.MSDS_CAMERA_SENSITIVITIES:
        raise ParameterError(f"unknown camera sensitivities {name!r}; known: "
                             f"{', '.join(colour.MSDS_CAMERA_SENSITIVITIES)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        msds = colour.MSDS_CAMERA_SENSITIVITIES[name]
        vals = np.stack([_align(msds.signals[k]) for k in msds.labels], axis=1)
    vals = np.clip(np.nan_to_num(vals), 0, None)
    vals = vals / vals.max(axis=0) * np.asarray(qe_peaks, dtype=np.float64)
    return Sensitivities(name=name, qe=vals)


def gaussian_sensitivities(
    lobes: tuple[tuple[tuple[float, float, float], ...], ...],
    qe_peaks: tuple[float, float, float] = (0.5, 0.6, 0.5),
    *,
    ir_cut_nm: float = 655.0,
    uv_cut_nm: float = 405.0,
    edge_nm: float = 8.0,
    name: str = "gaussian",
) -> Sensitivities:
    """Parametric phone-like sensitivities: sums of Gaussians times IR- and UV-cut edges.

    Parameters
    ----------
    lobes
        For R, G, B: a tuple of ``(centre_nm, sigma_nm, weight)`` lobes (main lobe plus the
        small cross-talk lobes of real dye filters).
    qe_peaks
        Peak quantum efficiency of each channel after the filters.
    ir_cut_nm, uv_cut_nm, edge_nm
        Half-transmission wavelengths and logistic edge width of the IR- and UV-cut filters
        (phone modules cut near 650 nm).

    References
    ----------
    Jiang et al. (2013), see the module docstring (sensitivities as smooth low-dimensional
    curves).
    """
    if len(lobes) != 3:
        raise ParameterError(f"need lobes for R, G and B, got {len(lobes)}")
    lam = WAVELENGTHS
    cut = 1 / (1 + np.exp((lam - ir_cut_nm) / edge_nm)) / (1 + np.exp(-(lam - uv_cut_nm) / edge_nm))
    qe = np.zeros((lam.size, 3))
    for c, ch in enumerate(lobes):
        for centre, sigma, weight in ch:
            if sigma <= 0 or weight < 0:
                raise ParameterError(f"lobe ({centre}, {sigma}, {weight}) needs sigma > 0, "
                                     f"weight >= 0")
            qe[:, c] += weight * np.exp(-0.5 * ((lam - centre) / sigma) ** 2)
        qe[:, c] *= cut
        qe[:, c] *= qe_peaks[c] / qe[:, c].max()
    return Sensitivities(name=name, qe=qe)


def response_spectra(sens: Sensitivities, illum: Illuminant, spectra: np.ndarray) -> np.ndarray:
    """Electron rate (e- s^-1 m^-2) of each channel for reflectance ``spectra`` ``(..., 81)``.

    The irradiance on the sensor is taken equal to the scene irradiance times the reflectance;
    the caller applies the lens (``T pi / (4 N^2)`` etc.) and pixel area.
    """
    s = np.asarray(spectra, dtype=np.float64)
    if s.shape[-1] != WAVELENGTHS.size:
        raise ParameterError(f"spectra need {WAVELENGTHS.size} samples, got shape {s.shape}")
    w = sens.qe * (illum.spd * _PHOTONS_PER_J * _DL)[:, None]  # (81, 3)
    return s @ w


def response_matrix(sens: Sensitivities, illum: Illuminant,
                    basis_: np.ndarray | None = None) -> np.ndarray:
    """The exact camera response to a basis scene: ``electrons = M @ rgb`` (e- s^-1 m^-2).

    Because reflectance is ``B @ rgb``, the response to any basis scene under ``illum`` is a
    3 x 3 matrix; a whole scene renders with one matrix product.

    Parameters
    ----------
    sens, illum
        Camera and light.
    basis_
        ``(81, 3)`` basis, :func:`brightroom.charts.scene.basis` by default.
    """
    b = basis() if basis_ is None else np.asarray(basis_, dtype=np.float64)
    return response_spectra(sens, illum, b.T).T


def dng_normalize_color_matrix(cm: np.ndarray, white_xyz: np.ndarray) -> np.ndarray:
    """Scale a ColorMatrix (XYZ -> camera) so that ``white_xyz`` maps to max channel 1.

    This is the DNG SDK's ``NormalizeColorMatrix`` convention with the calibration
    illuminant's white (Y = 1) as reference.
    """
    m = np.asarray(cm, dtype=np.float64)
    peak = float((m @ np.asarray(white_xyz, dtype=np.float64)).max())
    if not peak > 0:
        raise ParameterError("colour matrix maps white to a non-positive camera value")
    return m / peak


@dataclass(frozen=True, eq=False)
class DNGCalibration:
    """DNG colour calibration of a camera under one illuminant.

    Attributes
    ----------
    color_matrix
        XYZ (under the illuminant, white Y = 1) -> camera RGB, normalised so the illuminant's
        white maps to a camera value with max channel 1.
    forward_matrix
        White-balanced camera RGB -> XYZ D50 (rows sum to the D50 white).
    neutral
        Camera response to a perfect white under the illuminant, green = 1.
    exif_code
        EXIF LightSource code of the illuminant (17 = A, 21 = D65), or 0.
    """

    color_matrix: np.ndarray
    forward_matrix: np.ndarray
    neutral: tuple[float, float, float]
    exif_code: int


def dng_calibration(sens: Sensitivities, illum: Illuminant | str | float,
                    *, basis_weight: float = 100.0) -> DNGCalibration:
    """Fit DNG ColorMatrix and ForwardMatrix for ``sens`` under ``illum``.

    The least-squares fit pairs XYZ and camera RGB of the 24 ColorChecker spectra (weight 1)
    and of the three basis functions (weight ``basis_weight``). For basis scenes the relation
    is exactly linear, so with a large weight the matrix is (almost) exact for them, while
    the ColorChecker keeps it sensible for real spectra.

    References
    ----------
    Adobe DNG Specification 1.6, chapter 6; ISO 17321-1:2012 (camera characterisation from
    spectral data).
    """
    if not isinstance(illum, Illuminant):
        illum = illuminant(illum)
    refl = np.concatenate([colorchecker_spectra(), basis().T])
    wts = np.concatenate([np.ones(24), np.full(3, basis_weight)])
    xyz = refl @ (cmfs() * illum.spd[:, None])
    white = illum.spd @ cmfs()
    xyz = xyz / white[1]
    cam = response_spectra(sens, illum, refl)
    sw = np.sqrt(wts)[:, None]
    cm = fit_color_matrix(cam * sw, xyz * sw, white_xyz=white / white[1])
    cam_white = response_spectra(sens, illum, np.ones(WAVELENGTHS.size))
    neutral = cam_white / cam_white[1]
    # ForwardMatrix: white-balanced camera -> XYZ D50, constrained to map (1,1,1) to D50 white
    adapt = bradford_adaptation(white / white[1], D50_XYZ)
    y = (xyz @ adapt.T) * sw
    a = (cam / cam_white) * sw  # white balanced: the perfect white reads (1, 1, 1)
    fm = np.zeros((3, 3))
    ata = a.T @ a
    for r in range(3):
        kkt = np.block([[2 * ata, np.ones((3, 1))], [np.ones((1, 3)), np.zeros((1, 1))]])
        rhs = np.concatenate([2 * a.T @ y[:, r], [D50_XYZ[r]]])
        fm[r] = np.linalg.solve(kkt, rhs)[:3]
    code = EXIF_LIGHT_SOURCE.get(illum.name, 0)
    return DNGCalibration(color_matrix=cm, forward_matrix=fm,
                          neutral=tuple(float(v) for v in neutral), exif_code=code)
