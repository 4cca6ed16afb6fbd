"""The ``colour`` stage: white-balanced camera RGB to linear output RGB (camera_rgb -> linear_rgb).

Linear, scene-referred. The 3 x 3 matrix comes from the camera's DNG colour matrices interpolated
at the white balance's colour temperature (:func:`brightroom.color.profile.camera_to_rgb_matrix`):
ForwardMatrix when the camera has one, else the inverse ColorMatrix with Bradford adaptation, then
D50 to the output space's white. A white-balanced neutral (1, 1, 1) comes out exactly grey.

References
----------
Adobe Systems (2021). Digital Negative (DNG) Specification 1.6, chapter 6: Mapping Camera Color
Space to CIE XYZ Space.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from brightroom.color.profile import camera_to_rgb_matrix
from brightroom.develop.params import Params, param
from brightroom.develop.pipeline import RowPlan, RowStage, Stage, StageInput, get_stage
from brightroom.develop.rowops import Matrix
from brightroom.errors import InputError, ParameterError, PipelineError
from brightroom.types import CameraInfo, Image

__all__ = ["ColourParams", "OUTPUT_SPACES", "Colour", "colour", "colour_matrix",
           "camera_to_output", "image_neutral", "apply_matrix"]

OUTPUT_SPACES = ("sRGB", "Display P3")


@dataclass(frozen=True)
class ColourParams(Params):
    """Parameters of the ``colour`` stage.

    Versions: 1 had no ``baseline_exposure`` (the stage ignored the DNG BaselineExposure);
    2 added it, on by default. Version-1 tables without the key keep rendering as they did.
    """

    VERSION = 2

    space: str = param("sRGB", choices=OUTPUT_SPACES, doc="linear output RGB primaries")
    matrix: str = param("dng", choices=("dng", "identity"),
                        doc="'dng': the camera's DNG colour matrices; 'identity': camera RGB is "
                            "taken as the output space (no colour conversion)")
    baseline_exposure: bool = param(True, doc="apply the raw's DNG BaselineExposure (EV, as "
                                               "Adobe renders it; phone DNGs often set +1..+2)")


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
    if params.matrix == "identity":
        m = np.eye(3)
    else:
        if img.camera is None or img.camera.color_matrix1 is None:
            raise InputError("the image's camera has no ColorMatrix1 (colour matrix); set "
                             "matrix = \"identity\" in the recipe's colour stage to take camera "
                             "RGB as the output space")
        m = camera_to_rgb_matrix(img.camera, image_neutral(img), params.space)
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
