"""The ``colour`` stage: white-balanced camera RGB to linear output RGB (camera_rgb -> linear_rgb).

Linear, scene-referred. The 3 x 3 matrix comes from the camera's DNG colour matrices interpolated
at the white balance's colour temperature (:func:`brightroom.color.profile.camera_to_rgb_matrix`):
ForwardMatrix when the camera has one, else the inverse ColorMatrix with Bradford adaptation, then
D50 to the output space's white. A white-balanced neutral (1, 1, 1) comes out exactly grey.

Where the matrices come from (``ColourParams.matrix``, ``--matrix`` on the command line):

* ``"dng"`` (default): the file's. A raw without ColorMatrix1 (a Raspberry Pi DNG written by
  PiDNG without a camera profile, a converter that drops it) falls back to ``"identity"`` with
  one :class:`~brightroom.io.raw.RawFormatWarning` naming the file: white balance still makes
  greys grey, but colours are camera RGB read as the output primaries (desaturated, sometimes
  shifted). A monochrome sensor always takes the identity, without a warning.
* ``"identity"``: camera RGB is taken as the output space (no colour conversion).
* a **matrix file** (any other value: its path): a Brightroom camera profile (``.json``, from
  ``brightroom look calibrate``: its ColorMatrix, ForwardMatrix and illuminant), or a text
  file of 9 numbers, a DNG ColorMatrix (CIE XYZ under D65 to camera RGB, rows first; as
  dcraw's and LibRaw's ``adobe_coeff`` tables print them, where values over 10 are taken to
  be scaled by 10000). The file replaces the raw's own matrices.

References
----------
Adobe Systems (2021). Digital Negative (DNG) Specification 1.6, chapter 6: Mapping Camera Color
Space to CIE XYZ Space.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from brightroom.color.profile import camera_to_rgb_matrix
from brightroom.develop.params import Params, param
from brightroom.develop.pipeline import RowPlan, RowStage, Stage, StageInput, get_stage
from brightroom.develop.rowops import Matrix
from brightroom.errors import InputError, ParameterError, PipelineError
from brightroom.io.raw import RawFormatWarning
from brightroom.types import CameraInfo, Image

__all__ = ["ColourParams", "OUTPUT_SPACES", "MATRIX_MODES", "Colour", "colour", "colour_matrix",
           "camera_to_output", "image_neutral", "apply_matrix", "load_matrix_file"]

OUTPUT_SPACES = ("sRGB", "Display P3")

MATRIX_MODES = ("dng", "identity")
"""The named sources of the colour matrix; any other ``matrix`` value is a matrix file."""

_ILLUMINANT_CODES = {"D65": 21, "D50": 23, "D55": 20, "D75": 22, "A": 17, "F2": 3, "F11": 14}


@lru_cache(maxsize=16)
def _matrix_file(path: str, mtime: float) -> tuple[tuple[str, Any], ...]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{p}: cannot read the matrix file ({e})") from None
    if p.suffix.lower() == ".json":
        try:
            d = json.loads(text)
            cm = np.asarray(d["color_matrix"], np.float64).reshape(3, 3)
        except (ValueError, KeyError, TypeError) as e:
            raise InputError(f"{p}: not a Brightroom camera profile with a color_matrix "
                             f"(3 x 3) ({type(e).__name__}: {e})") from None
        out: dict[str, Any] = {"color_matrix1": cm,
                               "illuminant1": _ILLUMINANT_CODES.get(d.get("illuminant", "D65"),
                                                                    21)}
        if d.get("forward_matrix") is not None:
            out["forward_matrix1"] = np.asarray(d["forward_matrix"], np.float64).reshape(3, 3)
    else:
        body = " ".join(line.split("#", 1)[0] for line in text.splitlines())  # "#" comments
        words = body.replace(",", " ").split()
        try:
            v = np.array([float(w) for w in words], np.float64)
        except ValueError:
            raise InputError(f"{p}: a matrix file holds 9 numbers (a DNG ColorMatrix, rows "
                             f"first) or is a Brightroom camera profile (.json)") from None
        if v.size != 9 or not np.all(np.isfinite(v)):
            raise InputError(f"{p}: a matrix file holds 9 numbers, found {v.size}")
        if np.abs(v).max() > 10:  # dcraw / LibRaw adobe_coeff style: scaled by 10000
            v = v / 10000.0
        out = {"color_matrix1": v.reshape(3, 3), "illuminant1": 21, "forward_matrix1": None}
    m = out["color_matrix1"]
    if not np.all(np.isfinite(m)) or abs(np.linalg.det(m)) < 1e-12:
        raise InputError(f"{p}: the colour matrix is singular")
    out.update(color_matrix2=None, forward_matrix2=None, illuminant2=None)
    return tuple(out.items())


def load_matrix_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The :class:`~brightroom.types.CameraInfo` fields a matrix file sets (see the module
    docstring): ``color_matrix1``, ``illuminant1``, ``forward_matrix1`` and the second
    calibration cleared."""
    p = Path(path)
    try:
        mtime = p.stat().st_mtime
    except OSError:
        raise InputError(f"{p}: no such matrix file") from None
    return dict(_matrix_file(str(p), mtime))


@dataclass(frozen=True)
class ColourParams(Params):
    """Parameters of the ``colour`` stage.

    Versions: 1 had no ``baseline_exposure`` (the stage ignored the DNG BaselineExposure);
    2 added it, on by default. Version-1 tables without the key keep rendering as they did.
    """

    VERSION = 2

    space: str = param("sRGB", choices=OUTPUT_SPACES, doc="linear output RGB primaries")
    matrix: str = param("dng",
                        doc="'dng': the camera's DNG colour matrices (identity, with a warning, "
                            "when the raw has none); 'identity': camera RGB is taken as the "
                            "output space; or the path of a matrix file (a .json camera "
                            "profile or 9 numbers of a DNG ColorMatrix)")
    baseline_exposure: bool = param(True, doc="apply the raw's DNG BaselineExposure (EV, as "
                                               "Adobe renders it; phone DNGs often set +1..+2)")


    def __post_init__(self) -> None:
        super().__post_init__()
        if self.matrix not in MATRIX_MODES and not Path(self.matrix).is_file():
            raise ParameterError(f"ColourParams.matrix must be one of {list(MATRIX_MODES)} or a "
                                 f"matrix file, got {self.matrix!r} (no such file)")

    @classmethod
    def upgrade(cls, values: dict, version: int) -> dict:
        """Version 1 tables written before ``baseline_exposure`` existed render without it."""
        values = super().upgrade(values, version)
        if version < 2:
            values.setdefault("baseline_exposure", False)
        return values


def apply_matrix(rgb: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``rgb @ m.T`` for an ``H x W x 3`` image, as a new float32 array.

    The NumPy expression is the reference; OpenCV's ``cv2.transform`` (SIMD, threaded) computes
    the same float32 products and is used for speed. A matrix from
    :func:`~brightroom.color.profile.camera_to_rgb_matrix` maps (1, 1, 1) to exactly equal
    channels; other greys agree to within a float32 rounding (~1e-7 relative).
    """
    a = np.ascontiguousarray(rgb, dtype=np.float32)
    m32 = np.asarray(m, dtype=np.float32)
    if a.ndim == 3 and a.shape[2] == 3 and a.size:
        return cv2.transform(a, m32)
    return (a.reshape(-1, 3) @ m32.T).reshape(a.shape)


def camera_to_output(
    rgb: np.ndarray, camera: CameraInfo, neutral: np.ndarray, *, space: str = "sRGB"
) -> np.ndarray:
    """White-balanced camera RGB to linear ``space`` RGB through the DNG colour model.

    Parameters
    ----------
    rgb
        ``H x W x 3`` float32, white balanced with ``neutral`` (not modified).
    camera
        Needs ``color_matrix1``.
    neutral
        The camera neutral used for white balance (it picks the colour temperature).
    space
        Output RGB space name.

    Returns
    -------
    numpy.ndarray
        ``H x W x 3`` float32 linear RGB.

    References
    ----------
    Adobe DNG Specification 1.6, chapter 6.
    """
    a = np.asarray(rgb)
    if a.ndim != 3 or a.shape[2] != 3:
        raise ParameterError(f"camera_to_output needs H x W x 3 camera RGB, got shape {a.shape}")
    return apply_matrix(a, camera_to_rgb_matrix(camera, neutral, space))


def image_neutral(img: Image) -> np.ndarray:
    """The camera neutral an image was white balanced with (its white-balance decision).

    Raises :class:`PipelineError` when the image carries none: the ``white_balance`` stage
    makes that decision (a recipe without it is refused when it is built).
    """
    wb = img.state.white_balance
    if wb is None:
        raise PipelineError("the colour stage needs a white-balance decision; run the "
                            "white_balance stage first (mode = \"as-shot\" keeps the camera's)")
    return np.asarray(wb.neutral, dtype=np.float64)


def colour_matrix(img: Image, params: ColourParams) -> np.ndarray:
    """The 3 x 3 matrix the colour stage applies to ``img`` (white-balanced camera RGB).

    With ``baseline_exposure``, the DNG BaselineExposure of the capture
    (:attr:`~brightroom.types.CameraInfo.baseline_exposure`, EV) scales the matrix by
    ``2**EV`` (Adobe DNG Specification 1.6, BaselineExposure tag: the zero point of the
    rendering's exposure).
    """
    cam = img.camera
    if params.matrix not in MATRIX_MODES:
        cam = (cam or CameraInfo()).replace(**load_matrix_file(params.matrix))
    if params.matrix == "identity" or (cam is not None and cam.monochrome):
        m = np.eye(3)
    elif cam is None or cam.color_matrix1 is None:
        where = (img.metadata or {}).get("path") or "the image"
        warnings.warn(f"{where}: no colour matrix (ColorMatrix1); colours are camera RGB taken "
                      f"as {params.space} (pass --matrix FILE, or matrix=FILE, for a "
                      f"calibrated one)", RawFormatWarning, stacklevel=2)
        m = np.eye(3)
    else:
        m = camera_to_rgb_matrix(cam, image_neutral(img), params.space)
    return m * 2.0 ** _baseline_ev(img, params)


def _baseline_ev(img: Image, params: ColourParams) -> float:
    if not params.baseline_exposure or img.camera is None:
        return 0.0
    return float(img.camera.baseline_exposure)


class Colour(RowStage):
    """White-balanced camera RGB to linear output RGB through the camera's DNG matrices.

    Linear, scene-referred (camera_rgb -> linear_rgb). Needs the white-balance decision (it
    picks the colour temperature at which the DNG matrices are interpolated); provides the
    matrix used (``state.colour_matrix``) and adds the BaselineExposure to
    ``state.exposure_ev``.

    References
    ----------
    Adobe DNG Specification 1.6, chapter 6.
    """

    name = "colour"
    takes = "camera_rgb"
    gives = "linear_rgb"
    params = ColourParams
    needs = frozenset({"white_balance"})
    provides = frozenset({"colour_matrix"})

    def plan(self, src: StageInput, params: ColourParams) -> RowPlan:
        img = src.header
        m = colour_matrix(img, params)
        # Once channels are mixed a per-channel clip level no longer exists: report where a
        # white clipped at the smallest level lands (rows of m sum to the neutral's scale).
        sat = float(min(img.saturation) * m.sum(axis=1).mean())
        state = img.state.replace(colour_matrix=tuple(map(tuple, np.round(m, 8).tolist())),
                                  exposure_ev=img.state.exposure_ev + _baseline_ev(img, params))
        ops = () if np.array_equal(m, np.eye(3)) else (Matrix(m),)
        return RowPlan(ops, {"space": "linear_rgb", "primaries": params.space,
                             "transfer": "linear", "saturation": (sat, sat, sat),
                             "state": state})


def colour(img: Image, params: ColourParams | None = None) -> Image:
    """Run the colour stage on ``img`` (see :class:`Colour`)."""
    if not isinstance(img, Image) or img.space != "camera_rgb":
        raise PipelineError("the colour stage takes a camera_rgb Image")
    return Stage(get_stage("colour"), params or ColourParams())(img)
