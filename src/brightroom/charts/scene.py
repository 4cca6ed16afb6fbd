"""Scenes: spectral reflectance stored compactly as linear sRGB coordinates over a fixed basis.

A :class:`Scene` holds an ``H x W x 3`` array of linear sRGB (D65) *reflectance coordinates*.
Each pixel's spectral reflectance is ``R(lambda) = B(lambda) @ rgb`` where ``B`` is a fixed,
smooth three-function basis sampled from 380 to 780 nm every 5 nm (:data:`WAVELENGTHS`). ``B``
is the smoothest (least first-difference energy) basis that

* reproduces every ``rgb`` exactly, colorimetrically, under CIE D65 and the CIE 1931 2 degree
  observer: ``XYZ_D65(B @ rgb) = M_sRGB @ rgb`` to machine precision, and
* is spectrally flat for neutrals (``B @ (1, 1, 1) = 1`` up to ~3e-4, the difference between the
  tabulated D65 white and the rounded sRGB white), so a grey stays grey under any illuminant.

Because the basis is linear, a camera's response to a basis scene under any illuminant is one
3 x 3 matrix (see :func:`brightroom.lab.camera.spectral.response_matrix`). Where a scene needs
real spectra (ColorChecker patches), ``labels`` (``H x W`` int, -1 = basis) index rows of
``spectra`` that override the basis pixel by pixel.

References
----------
CIE 015:2018, Colorimetry, 4th edition (CIE 1931 standard observer, illuminants D65 and A).
IEC 61966-2-1:1999, sRGB.
Smits, B. (1999). An RGB-to-spectrum conversion for reflectances. Journal of Graphics Tools 4(4).
(The idea of smooth spectra that reproduce an RGB; our basis is a constrained least-squares
variant with an exact colorimetric constraint.)
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from brightroom.color.spaces import bradford_adaptation, get_space, rgb_to_rgb_matrix
from brightroom.errors import ParameterError

__all__ = [
    "WAVELENGTHS",
    "Scene",
    "cmfs",
    "basis",
    "illuminant_sd",
    "spectra_xyz",
    "scene_xyz",
    "scene_truth_rgb",
    "srgb_to_reflectance",
]

WAVELENGTHS: np.ndarray = np.arange(380.0, 781.0, 5.0)
"""The spectral grid (nm) shared by scenes, illuminants and camera sensitivities."""
WAVELENGTHS.setflags(write=False)
_SHAPE = (380.0, 780.0, 5.0)


def _colour():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour
    return colour


def _align(sd) -> np.ndarray:
    """Values of a colour-science spectral distribution on :data:`WAVELENGTHS`."""
    colour = _colour()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = sd.copy()
        s = s.align(colour.SpectralShape(*_SHAPE))
    return np.asarray(s.values, dtype=np.float64)


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


@cache
def cmfs() -> np.ndarray:
    """CIE 1931 2 degree colour matching functions on :data:`WAVELENGTHS`, ``(81, 3)``."""
    colour = _colour()
    return _readonly(_align(colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"]))


_F_ALIASES = {f"F{i}": f"FL{i}" for i in range(1, 13)}


def illuminant_sd(illuminant: str | float | np.ndarray) -> np.ndarray:
    """Relative spectral power distribution of an illuminant on :data:`WAVELENGTHS`.

    Parameters
    ----------
    illuminant
        A name known to colour-science's ``SDS_ILLUMINANTS`` (``"D65"``, ``"D50"``, ``"A"``,
        ``"FL2"``...; ``"F2"`` is accepted for ``"FL2"``), a correlated colour temperature in
        kelvin (Planckian radiator below 4000 K, CIE daylight D-series from 4000 K up), or an
        explicit array of 81 values.

    Returns
    -------
    numpy.ndarray
        ``(81,)`` float64, scaled so that its luminance ``sum(ybar * S)`` is 1.

    References
    ----------
    CIE 015:2018, Colorimetry, 4th ed., sections 4.1 (Planckian radiator, c2 = 1.4388e-2 m K)
    and 4.1.2 (daylight illuminants D from a CCT).
    """
    s = _illuminant_raw(illuminant)
    return s / float(cmfs()[:, 1] @ s)


def _illuminant_raw(illuminant: str | float | np.ndarray) -> np.ndarray:
    if isinstance(illuminant, np.ndarray):
        s = np.asarray(illuminant, dtype=np.float64)
        if s.shape != WAVELENGTHS.shape or not np.all(np.isfinite(s)) or np.any(s < 0):
            raise ParameterError(
                f"an illuminant array must hold {WAVELENGTHS.size} finite values >= 0 "
                f"(380-780 nm every 5 nm), got shape {s.shape}"
            )
        return s
    if isinstance(illuminant, str):
        return _named_illuminant(illuminant).copy()
    try:
        cct = float(illuminant)
    except (TypeError, ValueError):
        raise ParameterError(f"illuminant must be a name, a CCT in K or a spectrum, "
                             f"got {illuminant!r}") from None
    return _cct_illuminant(cct).copy()


@cache
def _named_illuminant(name: str) -> np.ndarray:
    colour = _colour()
    key = _F_ALIASES.get(name, name)
    if key not in colour.SDS_ILLUMINANTS:
        raise ParameterError(
            f"unknown illuminant {name!r}; use a CCT in kelvin or one of "
            f"{', '.join(k for k in colour.SDS_ILLUMINANTS if len(k) < 8)}"
        )
    return _readonly(_align(colour.SDS_ILLUMINANTS[key]))


@cache
def _cct_illuminant(cct: float) -> np.ndarray:
    if not 1000.0 <= cct <= 25000.0:
        raise ParameterError(f"CCT {cct} K is outside 1000-25000 K")
    if cct < 4000.0:
        lam = WAVELENGTHS * 1e-9
        c2 = 1.4388e-2
        s = lam**-5 / np.expm1(c2 / (lam * cct))
        return _readonly(s / s.max())
    colour = _colour()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xy = colour.temperature.CCT_to_xy_CIE_D(cct)
        sd = colour.sd_CIE_illuminant_D_series(xy)
    return _readonly(_align(sd))


def _xyz_weights(illuminant: str | float | np.ndarray) -> np.ndarray:
    """``(81, 3)``: reflectance spectrum -> XYZ with the perfect white at Y = 1."""
    return cmfs() * illuminant_sd(illuminant)[:, None]


@cache
def basis() -> np.ndarray:
    """The fixed spectral basis ``B`` (``(81, 3)``): ``reflectance = B @ rgb``.

    ``B`` minimises the first-difference energy of its three columns plus a strong penalty
    on ``B @ (1, 1, 1) - 1`` (flat neutrals), subject to the exact constraint
    ``XYZ_D65(B) = M_sRGB`` (9 equations), solved as one KKT linear system.
    """
    n = WAVELENGTHS.size
    a = _xyz_weights("D65").T  # 3 x n
    m = get_space("sRGB").to_xyz
    d = np.diff(np.eye(n), 1, axis=0)
    w_flat = 1e4
    q = (np.kron(np.eye(3), d.T @ d) + w_flat * np.kron(np.ones((3, 3)), np.eye(n))
         + 1e-9 * np.eye(3 * n))
    c = np.kron(np.eye(3), a)
    kkt = np.block([[2 * q, c.T], [c, np.zeros((9, 9))]])
    rhs = np.concatenate([2 * w_flat * np.ones(3 * n), m.T.ravel()])
    x = np.linalg.solve(kkt, rhs)[: 3 * n]
    return _readonly(np.ascontiguousarray(x.reshape(3, n).T))


def spectra_xyz(spectra: np.ndarray, illuminant: str | float | np.ndarray = "D65") -> np.ndarray:
    """CIE XYZ (perfect white Y = 1) of reflectance spectra ``(..., 81)`` under ``illuminant``."""
    s = np.asarray(spectra, dtype=np.float64)
    if s.shape[-1] != WAVELENGTHS.size:
        raise ParameterError(f"spectra must have {WAVELENGTHS.size} samples on their last axis, "
                             f"got shape {s.shape}")
    return s @ _xyz_weights(illuminant)


def srgb_to_reflectance(rgb: Any) -> np.ndarray:
    """The basis reflectance spectrum ``B @ rgb`` of linear sRGB values ``(..., 3)``."""
    return np.asarray(rgb, dtype=np.float64) @ basis().T


@dataclass(frozen=True, eq=False)
class Scene:
    """A reflective scene: basis reflectance coordinates, optional measured spectra, truth.

    Parameters
    ----------
    rgb
        ``H x W x 3`` float32 linear sRGB (D65) reflectance coordinates: reflectance is
        ``basis() @ rgb``. Values may exceed 1 (a light source or a transmissive chart) or be
        slightly negative (out-of-gamut colours); they are used as given.
    name
        A short name (``"slanted-edge"``, ``"colorchecker"``...), recorded by the simulator.
    labels
        Optional ``H x W`` int32; where ``labels >= 0`` the pixel's reflectance is
        ``spectra[label]`` instead of the basis (its ``rgb`` is then only a D65 preview).
    spectra
        ``(L, 81)`` reflectance spectra on :data:`WAVELENGTHS`, required with ``labels``.
    ground_truth
        What the chart is known to be: angles, positions, reference values, boxes...
    depth
        Optional ``H x W`` float32 distance in metres (for portrait work).
    """

    rgb: np.ndarray
    name: str = ""
    labels: np.ndarray | None = None
    spectra: np.ndarray | None = None
    ground_truth: Mapping[str, Any] = field(default_factory=dict)
    depth: np.ndarray | None = None

    def __post_init__(self) -> None:
        a = self.rgb
        if not isinstance(a, np.ndarray) or a.ndim != 3 or a.shape[2] != 3:
            raise ParameterError(f"Scene.rgb must be an H x W x 3 array, got shape "
                                 f"{getattr(a, 'shape', None)}")
        if a.dtype != np.float32:
            raise ParameterError(f"Scene.rgb must be float32, got {a.dtype}")
        if not np.all(np.isfinite(a)):
            raise ParameterError("Scene.rgb holds non-finite values")
        h, w = a.shape[:2]
        if (self.labels is None) != (self.spectra is None):
            raise ParameterError("Scene.labels and Scene.spectra go together: give both or neither")
        if self.labels is not None:
            lab = np.asarray(self.labels)
            sp = np.asarray(self.spectra, dtype=np.float64)
            if lab.shape != (h, w) or not np.issubdtype(lab.dtype, np.integer):
                raise ParameterError(f"Scene.labels must be an integer {h} x {w} array, got "
                                     f"{lab.dtype} {lab.shape}")
            if sp.ndim != 2 or sp.shape[1] != WAVELENGTHS.size:
                raise ParameterError(f"Scene.spectra must be (L, {WAVELENGTHS.size}), got {sp.shape}")
            if lab.size and (lab.max() >= sp.shape[0] or lab.min() < -1):
                raise ParameterError(f"Scene.labels must be in -1..{sp.shape[0] - 1}")
            object.__setattr__(self, "labels", _readonly(lab.astype(np.int32, copy=True)))
            object.__setattr__(self, "spectra", _readonly(sp.copy()))
        if self.depth is not None:
            d = np.asarray(self.depth, dtype=np.float32)
            if d.shape != (h, w):
                raise ParameterError(f"Scene.depth must be {h} x {w}, got {d.shape}")
            object.__setattr__(self, "depth", d)

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)``."""
        return self.rgb.shape[:2]  # type: ignore[return-value]

    def replace(self, **changes: Any) -> Scene:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)


def scene_xyz(scene: Scene, illuminant: str | float | np.ndarray = "D65") -> np.ndarray:
    """CIE XYZ of every pixel of ``scene`` lit by ``illuminant`` (perfect white has Y = 1).

    Returns
    -------
    numpy.ndarray
        ``H x W x 3`` float32.
    """
    w = _xyz_weights(illuminant)
    m = (basis().T @ w).astype(np.float32)  # rgb -> XYZ (3 x 3, row vector form)
    xyz = scene.rgb @ m
    if scene.labels is not None:
        lab = scene.labels
        sel = lab >= 0
        if np.any(sel):
            table = spectra_xyz(scene.spectra, illuminant).astype(np.float32)
            xyz[sel] = table[lab[sel]]
    return xyz


def scene_truth_rgb(scene: Scene, space: str = "sRGB",
                    illuminant: str | float | np.ndarray = "D65") -> np.ndarray:
    """The colorimetric truth: what a perfect camera and pipeline would show.

    The scene's XYZ under ``illuminant`` is Bradford-adapted from the illuminant's white to
    the white of ``space`` (perfect white balance) and converted to linear ``space`` RGB.
    For a basis scene under D65 this returns ``scene.rgb`` (sRGB) up to rounding.

    Returns
    -------
    numpy.ndarray
        ``H x W x 3`` float32 linear RGB.
    """
    xyz = scene_xyz(scene, illuminant)
    white = _xyz_weights(illuminant).sum(axis=0)
    # The basis makes the tabulated D65 white *the* sRGB white, so adapt to it first.
    adapt = bradford_adaptation(white, _xyz_weights("D65").sum(axis=0))
    m = np.linalg.inv(get_space("sRGB").to_xyz) @ adapt
    if space != "sRGB":
        m = rgb_to_rgb_matrix("sRGB", space) @ m
    return (xyz @ m.T.astype(np.float32)).astype(np.float32)


def _size(size: int | tuple[int, int], name: str = "size") -> tuple[int, int]:
    """``(height, width)`` from an int or a pair, checked."""
    if isinstance(size, (int, np.integer)):
        hw = (int(size), int(size))
    else:
        try:
            hw = tuple(int(v) for v in size)
        except TypeError:
            raise ParameterError(f"{name} must be an int or (height, width), got {size!r}") from None
        if len(hw) != 2:
            raise ParameterError(f"{name} must be (height, width), got {size!r}")
    if min(hw) < 4:
        raise ParameterError(f"{name} {hw} is too small (at least 4 x 4 pixels)")
    return hw  # type: ignore[return-value]


def _gray(value: float | tuple[float, float, float]) -> np.ndarray:
    """A reflectance value (neutral scalar or rgb triple) as a float32 rgb triple."""
    v = np.asarray(value, dtype=np.float32).reshape(-1)
    if v.size == 1:
        v = np.repeat(v, 3)
    if v.size != 3 or not np.all(np.isfinite(v)):
        raise ParameterError(f"a reflectance must be one value or an rgb triple, got {value!r}")
    return v
