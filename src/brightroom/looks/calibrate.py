"""Camera colour calibration from a ColorChecker shot.

Given the linear camera RGB of the 24 ColorChecker Classic patches (from the lab's virtual camera
or a real photo) and their reference CIE L*a*b* (D50), fit a camera profile:

1. **White balance** on the neutral patches: per-channel gains ``g_c`` minimising
   ``sum_k (g_c n_kc - n_kG)^2`` over neutral 8 ... neutral 3.5 (white may clip, black is noisy).
2. **Exposure**: one scale ``k`` so that the balanced green of the neutrals matches their
   reference luminance ``Y`` (least squares), then refined with the colour model.
3. **Colour model** from balanced, scaled camera RGB to CIE XYZ (D50), one of
   :data:`CALIBRATION_METHODS` (a :class:`~brightroom.methods.Methods` registry: case and
   ``-``/``_``/space ignored):

   * ``"matrix"`` (no single paper's method, so a descriptive key): a 3 x 3 matrix whose rows
     sum to the D50 white (so neutrals stay neutral, the DNG ForwardMatrix convention), started
     from least squares in XYZ and refined with :func:`scipy.optimize.minimize` (L-BFGS-B) on
     the **mean CIEDE2000** over the patches, the exposure refined jointly.
   * ``"finlayson2015"`` (alias ``"root-polynomial"``, its key in earlier versions):
     Finlayson, Mackiewicz & Hurlbert's degree-2 root-polynomial terms
     ``r, g, b, sqrt(rg), sqrt(gb), sqrt(rb)`` (exposure-invariant: scaling RGB scales every
     term alike), fitted by least squares then refined on mean CIEDE2000.

"Before" is the camera without a colour model: balanced, scaled camera RGB read as linear sRGB.

A :class:`CameraProfile` exports as a ``.cube`` LUT (:meth:`CameraProfile.to_lut`: input
white-balanced camera RGB encoded with the sRGB curve, output sRGB-encoded sRGB), as DNG-style
matrices for :class:`~brightroom.types.CameraInfo` (:meth:`CameraProfile.camera_info`:
ForwardMatrix1 and ColorMatrix1) and as JSON (:meth:`CameraProfile.to_json`).

References
----------
.. [1] Finlayson, G. D., Mackiewicz, M., Hurlbert, A. (2015). Color correction using
   root-polynomial regression. IEEE Transactions on Image Processing 24(5), 1460-1470.
.. [2] Sharma, G., Wu, W., Dalal, E. N. (2005). The CIEDE2000 color-difference formula:
   implementation notes, supplementary test data, and mathematical observations. Color Research
   & Application 30(1), 21-30.
.. [3] Adobe (2019). Digital Negative (DNG) Specification 1.5, chapter 6 (ColorMatrix,
   ForwardMatrix).
.. [4] McCamy, C. S., Marcus, H., Davidson, J. G. (1976). A color-rendition chart. J. Applied
   Photographic Engineering 2(3), 95-99.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from brightroom.charts import detect as det  # type: ignore[attr-defined]
from brightroom.charts.colorchecker import (
    COLORCHECKER_PATCH_FRACTION,
    COLORCHECKER_WB_NEUTRALS,
    colorchecker_grid_homography,
    colorchecker_patch_boxes,
    colorchecker_reference_lab,
)
from brightroom.color.difference import delta_e_2000
from brightroom.color.lut import LUT3D, write_cube
from brightroom.color.profile import light_source_xy, xy_to_xyz
from brightroom.color.spaces import (
    D50_XYZ,
    bradford_adaptation,
    get_space,
    srgb_decode,
    srgb_encode,
)
from brightroom.develop.raw_corrections import correct_lens_shading
from brightroom.errors import ChartNotFoundError, InputError, ParameterError
from brightroom.files import atomic_write_many
from brightroom.io import read
from brightroom.methods import Methods
from brightroom.types import CameraInfo, RawImage

__all__ = [
    "CALIBRATION_METHODS",
    "NEUTRAL_PATCHES",
    "CameraProfile",
    "CalibrationResult",
    "root_polynomial_terms",
    "calibrate",
    "white_balance_gains",
    "patch_means_cfa",
    "raw_patch_means",
    "grid_boxes",
    "uncalibrated_lab",
    "calibrate_file",
]

NEUTRAL_PATCHES = COLORCHECKER_WB_NEUTRALS
"""ColorChecker indices (0-based, row-major) used for white balance: neutral 8 to neutral 3.5
(:data:`brightroom.charts.colorchecker.COLORCHECKER_WB_NEUTRALS`)."""

_EXIF_ILLUMINANT = {"D65": 21, "D50": 23, "A": 17, "D55": 20, "D75": 22}


def _delta_e(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:

    return np.asarray(delta_e_2000(lab1, lab2), dtype=np.float64)


def _xyz_to_lab(xyz: np.ndarray) -> np.ndarray:
    """CIE 1976 L*a*b* of XYZ (D50 white, Y = 1), CIE 15:2004."""
    t = np.asarray(xyz, dtype=np.float64) / D50_XYZ
    d = 6 / 29
    f = np.where(t > d ** 3, np.cbrt(np.maximum(t, d ** 3)), t / (3 * d * d) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def _lab_to_xyz(lab: np.ndarray) -> np.ndarray:
    lab = np.asarray(lab, dtype=np.float64)
    fy = (lab[..., 0] + 16) / 116
    f = np.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], axis=-1)
    d = 6 / 29
    t = np.where(f > d, f ** 3, 3 * d * d * (f - 4 / 29))
    return t * D50_XYZ


def root_polynomial_terms(rgb: np.ndarray, degree: int = 2) -> np.ndarray:
    """Root-polynomial expansion of ``(..., 3)`` RGB (Finlayson et al. 2015).

    Degree 1: ``r, g, b``; degree 2 adds ``sqrt(rg), sqrt(gb), sqrt(rb)``; degree 3 adds
    ``cbrt(r g^2), cbrt(g b^2), cbrt(r b^2), cbrt(g r^2), cbrt(b g^2), cbrt(b r^2), cbrt(rgb)``.
    Every term is of degree 1 in the RGB scale, so the model is exposure-invariant. Negative
    inputs are clamped to 0 inside the roots.

    References
    ----------
    .. [1] Finlayson, G. D., Mackiewicz, M., Hurlbert, A. (2015). Color correction using
       root-polynomial regression. IEEE TIP 24(5), 1460-1470.
    """
    x = np.asarray(rgb, dtype=np.float64)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    p = np.maximum(x, 0)
    pr, pg, pb = p[..., 0], p[..., 1], p[..., 2]
    terms = [r, g, b]
    if degree >= 2:
        terms += [np.sqrt(pr * pg), np.sqrt(pg * pb), np.sqrt(pr * pb)]
    if degree >= 3:
        terms += [np.cbrt(pr * pg * pg), np.cbrt(pg * pb * pb), np.cbrt(pr * pb * pb),
                  np.cbrt(pg * pr * pr), np.cbrt(pb * pg * pg), np.cbrt(pb * pr * pr),
                  np.cbrt(pr * pg * pb)]
    if degree not in (1, 2, 3):
        raise ParameterError(f"root-polynomial degree must be 1, 2 or 3, got {degree}")
    return np.stack(terms, axis=-1)


@dataclass(frozen=True, eq=False)
class CameraProfile:
    """A fitted camera colour profile: white balance, exposure and a colour model to XYZ D50.

    Attributes
    ----------
    method
        The :data:`CALIBRATION_METHODS` key: ``"matrix"`` or ``"finlayson2015"`` (profiles
        written by earlier versions say ``"root-polynomial"``).
    wb_gains
        Per-channel gains on camera RGB (green = 1).
    exposure
        Scale after white balance.
    matrix
        ``3 x T`` from the model terms (:func:`root_polynomial_terms` of the balanced, scaled
        RGB; ``T = 3`` for ``"matrix"``) to XYZ D50 (white Y = 1).
    degree
        Root-polynomial degree (1 for the matrix).
    illuminant
        The light the chart was shot under (for the DNG ColorMatrix), e.g. ``"D65"``.
    """

    method: str
    wb_gains: np.ndarray
    exposure: float
    matrix: np.ndarray
    degree: int = 1
    illuminant: str = "D65"

    def balanced(self, camera_rgb: np.ndarray) -> np.ndarray:
        """Camera RGB after white balance and exposure."""
        return np.asarray(camera_rgb, dtype=np.float64) * self.wb_gains * self.exposure

    def to_xyz(self, camera_rgb: np.ndarray, *, balanced: bool = False) -> np.ndarray:
        """CIE XYZ (D50) predicted for linear camera RGB (already balanced if ``balanced``)."""
        x = np.asarray(camera_rgb, dtype=np.float64) if balanced else self.balanced(camera_rgb)
        return root_polynomial_terms(x, self.degree) @ self.matrix.T

    def to_lab(self, camera_rgb: np.ndarray) -> np.ndarray:
        """CIE L*a*b* (D50) predicted for linear camera RGB."""
        return _xyz_to_lab(self.to_xyz(camera_rgb))

    def to_rgb(self, camera_rgb: np.ndarray, space: str = "sRGB", *, balanced: bool = False
               ) -> np.ndarray:
        """Linear ``space`` RGB (Bradford-adapted from D50 to the space's white)."""
        s = get_space(space)
        m = np.linalg.inv(s.to_xyz) @ bradford_adaptation(D50_XYZ, s.white)
        return self.to_xyz(camera_rgb, balanced=balanced) @ m.T

    def to_lut(self, size: int = 33) -> LUT3D:
        """The profile as a 3D LUT.

        Input: white-balanced, exposure-scaled camera RGB encoded with the sRGB curve (domain
        [0, 1]); output: the calibrated colour as sRGB-encoded sRGB (clipped to [0, 1]).
        """

        def fn(enc: np.ndarray) -> np.ndarray:
            lin = srgb_decode(enc).astype(np.float64)
            out = self.to_rgb(lin, "sRGB", balanced=True)
            return srgb_encode(np.clip(out, 0, 1).astype(np.float32))

        return LUT3D.from_function(fn, size, title=f"Brightroom camera profile ({self.method})",
                                   comments=("input: white-balanced camera RGB, sRGB-encoded",
                                             "output: sRGB-encoded sRGB (D65)",
                                             "wb_gains: " + " ".join(f"{g:.6g}" for g in
                                                                     self.wb_gains),
                                             f"exposure: {self.exposure:.6g}"))

    def forward_matrix(self) -> np.ndarray:
        """DNG ForwardMatrix: white-balanced camera RGB -> XYZ D50, normalised so that
        (1, 1, 1) maps to the D50 white (matrix method only; exposure is not part of it)."""
        if self.degree != 1:
            raise ParameterError("a root-polynomial profile has no 3x3 ForwardMatrix; "
                                 "export it as a LUT")
        return self.matrix * (D50_XYZ / (self.matrix @ np.ones(3)))[:, None]

    def color_matrix(self) -> np.ndarray:
        """DNG ColorMatrix: XYZ under the illuminant -> camera RGB, normalised so the
        illuminant's white maps to a maximum channel of 1 (matrix method only)."""

        code = _EXIF_ILLUMINANT.get(self.illuminant, 21)
        white = xy_to_xyz(light_source_xy(code))
        cam_to_xyz_d50 = self.forward_matrix() @ np.diag(self.wb_gains)
        adapt = bradford_adaptation(white, D50_XYZ)  # illuminant XYZ -> D50 XYZ
        cm = np.linalg.inv(cam_to_xyz_d50) @ adapt
        return cm / float((cm @ white).max())

    def camera_info(self, base: CameraInfo | None = None) -> CameraInfo:
        """``base`` (or a blank :class:`CameraInfo`) with ColorMatrix1 / ForwardMatrix1 from
        this profile, illuminant 1 set and illuminant 2 cleared."""
        base = base or CameraInfo()
        return base.replace(color_matrix1=self.color_matrix(), forward_matrix1=self.forward_matrix(),
                            illuminant1=_EXIF_ILLUMINANT.get(self.illuminant, 21),
                            color_matrix2=None, forward_matrix2=None, illuminant2=None)

    def to_json(self) -> dict[str, Any]:
        """The profile as a JSON-ready dictionary (:meth:`from_json` inverts it)."""
        d: dict[str, Any] = {"format": "brightroom-camera-profile", "version": 1,
                             "method": self.method, "degree": self.degree,
                             "illuminant": self.illuminant,
                             "wb_gains": self.wb_gains.tolist(), "exposure": self.exposure,
                             "matrix": self.matrix.tolist()}
        if self.degree == 1:
            d["forward_matrix"] = self.forward_matrix().tolist()
            d["color_matrix"] = self.color_matrix().tolist()
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> CameraProfile:
        """Inverse of :meth:`to_json`."""
        if d.get("format") != "brightroom-camera-profile":
            raise InputError("not a Brightroom camera profile (missing format tag)")
        return cls(d["method"], np.asarray(d["wb_gains"], float), float(d["exposure"]),
                   np.asarray(d["matrix"], float), int(d["degree"]), d.get("illuminant", "D65"))


@dataclass(frozen=True, eq=False)
class CalibrationResult:
    """A fitted profile and its colour errors on the chart (CIEDE2000 per patch)."""

    profile: CameraProfile
    de_before: np.ndarray
    de_after: np.ndarray
    extra: dict[str, Any] = field(default_factory=dict)

    def report(self) -> dict[str, Any]:
        """Summary for humans and JSON: mean / median / max dE00 before and after."""

        def s(d: np.ndarray) -> dict[str, float]:
            return {"mean": float(d.mean()), "median": float(np.median(d)), "max": float(d.max())}

        return {"method": self.profile.method, "de00_before": s(self.de_before),
                "de00_after": s(self.de_after), "profile": self.profile.to_json(), **self.extra}


def white_balance_gains(camera_rgb: np.ndarray, neutral: tuple[int, ...] = NEUTRAL_PATCHES
                        ) -> np.ndarray:
    """Gains making the ``neutral`` patches grey (least squares, green = 1)."""
    n = np.asarray(camera_rgb, dtype=np.float64)[list(neutral)]
    if np.any(n <= 0):
        raise ParameterError("neutral patches must have positive camera values for white balance")
    g = (n * n[:, 1:2]).sum(axis=0) / (n * n).sum(axis=0)
    return g / g[1]


def uncalibrated_lab(camera_rgb: np.ndarray, wb_gains: np.ndarray, exposure: float) -> np.ndarray:
    """L*a*b* (D50) of the camera without a colour model: balanced, scaled camera RGB read as
    linear sRGB (the "before" of a calibration)."""
    return _before_lab(np.asarray(camera_rgb, dtype=np.float64) * wb_gains * exposure)


def _before_lab(bal: np.ndarray) -> np.ndarray:
    s = get_space("sRGB")
    xyz = bal @ (bradford_adaptation(s.white, D50_XYZ) @ s.to_xyz).T
    return _xyz_to_lab(xyz)


def _white_preserving_ls(x: np.ndarray, xyz: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """3x3 M minimising ||x M^T - xyz||^2 with M @ 1 = D50 white (rows sum to the white)."""
    # M[:, 2] = white - M[:, 0] - M[:, 1]  ->  xyz - white * b = (r - b) m0 + (g - b) m1
    w = np.ones(len(x)) if w is None else w
    a = np.stack([x[:, 0] - x[:, 2], x[:, 1] - x[:, 2]], axis=1) * w[:, None]
    m = np.zeros((3, 3))
    for i in range(3):
        rhs = (xyz[:, i] - D50_XYZ[i] * x[:, 2]) * w
        sol, *_ = np.linalg.lstsq(a, rhs, rcond=None)
        m[i, :2] = sol
        m[i, 2] = D50_XYZ[i] - sol.sum()
    return m


def _fit_matrix(bal0: np.ndarray, lab_ref: np.ndarray) -> tuple[np.ndarray, float, int]:
    from scipy.optimize import minimize

    xyz_ref = _lab_to_xyz(lab_ref)
    m0 = _white_preserving_ls(bal0, xyz_ref)

    def unpack(p: np.ndarray) -> tuple[np.ndarray, float]:
        m = np.empty((3, 3))
        m[:, :2] = p[:6].reshape(3, 2)
        m[:, 2] = D50_XYZ - m[:, :2].sum(axis=1)
        return m, float(np.exp(p[6]))

    def cost(p: np.ndarray) -> float:
        m, k = unpack(p)
        return float(_delta_e(_xyz_to_lab(k * bal0 @ m.T), lab_ref).mean())

    p0 = np.concatenate([m0[:, :2].ravel(), [0.0]])
    res = minimize(cost, p0, method="L-BFGS-B", options={"maxiter": 200})
    best = res.x if res.fun <= cost(p0) else p0
    m, k = unpack(best)
    return m, k, 1


def _fit_root_polynomial(bal0: np.ndarray, lab_ref: np.ndarray, degree: int = 2
                         ) -> tuple[np.ndarray, float, int]:
    from scipy.optimize import minimize

    xyz_ref = _lab_to_xyz(lab_ref)
    t = root_polynomial_terms(bal0, degree)
    m0, *_ = np.linalg.lstsq(t, xyz_ref, rcond=None)
    m0 = m0.T

    def cost(p: np.ndarray) -> float:
        m = p.reshape(3, -1)
        return float(_delta_e(_xyz_to_lab(t @ m.T), lab_ref).mean())

    res = minimize(cost, m0.ravel(), method="L-BFGS-B", options={"maxiter": 150})
    best = res.x if res.fun <= cost(m0.ravel()) else m0.ravel()
    return best.reshape(3, -1), 1.0, degree


CALIBRATION_METHODS: Methods[Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, float, int]]] = (
    Methods("calibration"))
"""Colour models by name: ``fit(balanced_rgb, lab_ref) -> (matrix, exposure factor, degree)``."""
CALIBRATION_METHODS.register(
    "matrix", _fit_matrix,
    cite="White-preserving 3 x 3 matrix (the ForwardMatrix convention of Adobe's DNG "
         "Specification, chapter 6) refined on mean CIEDE2000 (Sharma, Wu, Dalal 2005).")
CALIBRATION_METHODS.register(
    "finlayson2015", _fit_root_polynomial, aliases=("root-polynomial",),
    cite="Finlayson, G. D., Mackiewicz, M., Hurlbert, A. (2015). Color correction using "
         "root-polynomial regression. IEEE Transactions on Image Processing 24(5), 1460-1470.")
CALIBRATION_METHODS.freeze()


def calibrate(camera_rgb: np.ndarray, reference_lab: np.ndarray | None = None, *,
              method: str = "matrix", neutral: tuple[int, ...] = NEUTRAL_PATCHES,
              illuminant: str = "D65") -> CalibrationResult:
    """Fit a camera profile from the camera RGB of the 24 ColorChecker patches.

    Parameters
    ----------
    camera_rgb
        ``(24, 3)`` linear camera RGB (not white balanced), row-major patch order starting at
        "dark skin".
    reference_lab
        ``(24, 3)`` CIE L*a*b* D50 of the patches; default X-Rite's 2014 reference values.
    method
        A key or alias of :data:`CALIBRATION_METHODS` (case ignored): ``"matrix"`` or
        ``"finlayson2015"`` (``"root-polynomial"``). The profile records the canonical key.
    neutral
        Patch indices used for white balance.
    illuminant
        The light the chart was shot under, for the DNG ColorMatrix.

    Returns
    -------
    CalibrationResult
        The profile and the per-patch CIEDE2000 before (camera RGB read as sRGB) and after.

    References
    ----------
    .. [1] Finlayson, Mackiewicz, Hurlbert (2015), IEEE TIP 24(5) (root-polynomial).
    .. [2] Sharma, Wu, Dalal (2005), CIEDE2000.
    """
    method = CALIBRATION_METHODS.canonical(method)
    rgb = np.asarray(camera_rgb, dtype=np.float64)
    if rgb.shape != (24, 3) or not np.all(np.isfinite(rgb)):
        raise ParameterError(f"calibration needs (24, 3) finite patch values, got {rgb.shape}")
    if reference_lab is None:
        reference_lab = colorchecker_reference_lab()
    lab_ref = np.asarray(reference_lab, dtype=np.float64)
    if lab_ref.shape != (24, 3):
        raise ParameterError(f"reference Lab must be (24, 3), got {lab_ref.shape}")
    gains = white_balance_gains(rgb, neutral)
    wb = rgb * gains
    y_ref = _lab_to_xyz(lab_ref)[list(neutral), 1]
    g = wb[list(neutral), 1]
    k0 = float((y_ref * g).sum() / (g * g).sum())
    bal0 = wb * k0
    de_before = _delta_e(_before_lab(bal0), lab_ref)
    m, k, degree = CALIBRATION_METHODS[method](bal0, lab_ref)
    profile = CameraProfile(method, gains, k0 * k, m, degree, illuminant)
    de_after = _delta_e(profile.to_lab(rgb), lab_ref)
    return CalibrationResult(profile, de_before, de_after, {"exposure_before": k0})


def patch_means_cfa(cfa: np.ndarray, pattern: Any, boxes: np.ndarray, *, inset: float = 0.2
                    ) -> np.ndarray:
    """Mean camera R, G, B of each ``(y0, x0, y1, x1)`` box of a CFA mosaic, from the photosites
    of each colour (no demosaicing), ignoring ``inset`` of each side."""
    idx = pattern.channel_index(*cfa.shape)
    out = np.zeros((len(boxes), 3))
    for i, (y0, x0, y1, x1) in enumerate(np.asarray(boxes, dtype=np.int64)):
        dy, dx = int((y1 - y0) * inset), int((x1 - x0) * inset)
        sl = (slice(y0 + dy, y1 - dy), slice(x0 + dx, x1 - dx))
        v, c = cfa[sl], idx[sl]
        for ch in range(3):
            sel = v[c == ch]
            if sel.size == 0:
                raise ParameterError(f"patch box {i} holds no photosite of channel {ch}")
            out[i, ch] = float(sel.mean())
    return out


def raw_patch_means(raw: Any, boxes: np.ndarray, *, inset: float = 0.2) -> np.ndarray:
    """Patch means of a :class:`~brightroom.types.RawImage`, after undoing its lens-shading
    ``gain_map`` (vignetting would otherwise tint and darken the outer patches)."""
    cfa = raw.cfa
    if raw.gain_map is not None:

        cfa = correct_lens_shading(cfa, raw.pattern, raw.gain_map)
    return patch_means_cfa(cfa, raw.pattern, boxes, inset=inset)


def grid_boxes(centres: Any, size: float | None = None) -> np.ndarray:
    """24 square ``(y0, x0, y1, x1)`` patch boxes of a ColorChecker placed by the centres
    (row, column) of the first (dark skin), sixth (bluish green) and 19th (white) patches.

    The chart's geometry is :mod:`brightroom.charts.colorchecker`'s, as for a detected chart:
    an affine grid through the three centres and
    :func:`~brightroom.charts.colorchecker.colorchecker_patch_boxes` (square boxes centred on the
    patches, shrunk where needed to stay inside a rotated patch).

    Parameters
    ----------
    centres
        Three ``(row, column)`` pixel positions.
    size
        Side of each square in pixels (default: half the patch spacing, the ``calibrate
        --patch-size`` default). At least 2 and at most the printed patch side
        (:data:`~brightroom.charts.colorchecker.COLORCHECKER_PATCH_FRACTION` of the spacing).

    Returns
    -------
    numpy.ndarray
        ``(24, 4)`` int64 ``y0, x0, y1, x1`` (end exclusive), row-major from dark skin.

    Raises
    ------
    ParameterError
        Not three finite centres, collinear centres, or a bad ``size``.
    """
    c = np.asarray(centres, dtype=np.float64)
    if c.shape != (3, 2) or not np.all(np.isfinite(c)):
        raise ParameterError(f"patch centres must be 3 (row, column) pairs, got {centres!r}")
    c0, c5, c18 = c
    pitch = min(np.hypot(*(c5 - c0)) / 5, np.hypot(*(c18 - c0)) / 3)
    patch = COLORCHECKER_PATCH_FRACTION * pitch
    size = 0.5 * pitch if size is None else float(size)
    if not size >= 2:
        raise ParameterError(f"patch sample size {size:.3g} px is too small (>= 2 pixels)")
    fraction = size / patch
    if fraction > 1:
        raise ParameterError(f"patch sample size {size} px is larger than the printed patch "
                             f"(about {patch:.0f} px)")
    hmat = colorchecker_grid_homography(centres=c[:, ::-1])
    return colorchecker_patch_boxes(hmat, fraction=fraction)


def calibrate_file(path: str | os.PathLike[str], output: str | os.PathLike[str], *,
                   method: str = "matrix", boxes: np.ndarray | None = None,
                   overwrite: bool = False) -> dict[str, Any]:
    """Calibrate from a chart photo and write the profile as ``output`` (.cube) plus a JSON
    profile beside it (``output`` with ``.json``); returns the report.

    Raw files are measured on the mosaic's photosites; finished images are decoded from sRGB.
    Patch boxes come from ``boxes`` or from the chart detector when one is available
    (:mod:`brightroom.charts`); without either a :class:`ChartNotFoundError` is raised.
    """

    p = Path(path)
    frame = read(p)
    if boxes is None:
        detect = _find_detector()
        if detect is None:
            raise ChartNotFoundError(f"{p}: no ColorChecker detector is available; pass the patch "
                                     "boxes (calibrate_file(..., boxes=...))")
        boxes = detect(frame)
    b = np.asarray(boxes, dtype=np.float64)
    h, w = frame.shape[:2] if isinstance(frame, RawImage) else frame.data.shape[:2]
    if b.ndim != 2 or b.shape[1] != 4 or not np.all(np.isfinite(b)) or np.any(
            (b[:, 0] < 0) | (b[:, 1] < 0) | (b[:, 2] > h) | (b[:, 3] > w)
            | (b[:, 2] <= b[:, 0]) | (b[:, 3] <= b[:, 1])):
        raise ParameterError(f"{p}: the patch boxes do not all lie inside the {w}x{h} picture "
                             "(check --patches and --patch-size)")

    if isinstance(frame, RawImage):
        rgb = raw_patch_means(frame, boxes)
    else:
        data = frame.data if frame.space != "display" else srgb_decode(frame.data)
        rgb = np.array([data[y0:y1, x0:x1].reshape(-1, 3).mean(axis=0)
                        for y0, x0, y1, x1 in np.asarray(boxes, dtype=np.int64)])
    result = calibrate(rgb, method=method)
    out = Path(output)
    # the LUT and its JSON profile are one output: both appear, or neither
    with atomic_write_many([out, out.with_suffix(".json")], overwrite=overwrite,
                           inputs=(p,)) as (t_cube, t_json):
        write_cube(result.profile.to_lut(), t_cube, overwrite=True)
        t_json.write_text(json.dumps(result.profile.to_json(), indent=2))
    rep = result.report()
    rep["input"] = str(p)
    rep["output"] = str(out)
    return rep


def _find_detector() -> Callable[[Any], np.ndarray] | None:
    fn = getattr(det, "colorchecker_boxes", None)
    return fn if callable(fn) else None
