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
from brightroom.develop.pipeline import register_stage
from brightroom.errors import InputError, ParameterError, PipelineError
from brightroom.types import CameraInfo, Image

__all__ = ["ColourParams", "OUTPUT_SPACES", "colour", "camera_to_output", "image_neutral",
           "apply_matrix"]

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
    """The camera neutral an image was white balanced with.

    ``metadata["wb_neutral"]`` when present, else ``1 / wb`` (the gains), else the camera's
    as-shot neutral; raises :class:`InputError` when none is known.
    """
    n = img.metadata.get("wb_neutral") if img.metadata else None
    if n is not None:
        return np.asarray(n, dtype=np.float64)
    if img.wb is not None:
        return 1.0 / np.asarray(img.wb, dtype=np.float64)
    if img.camera is not None and img.camera.as_shot_neutral is not None:
        return np.asarray(img.camera.as_shot_neutral, dtype=np.float64)
    raise InputError("the colour stage needs the white-balance neutral (metadata['wb_neutral'] "
                     "or wb gains); run the white_balance stage first")


@register_stage("colour", input_space="camera_rgb", output_space="linear_rgb", params=ColourParams)
def colour(img: Image, params: ColourParams) -> Image:
    """Convert white-balanced camera RGB to linear output RGB with the camera's DNG matrices.

    Linear, scene-referred. The matrix used is recorded in ``metadata["colour_matrix"]``.

    References
    ----------
    Adobe DNG Specification 1.6, chapter 6.
    """
    if not isinstance(img, Image) or img.space != "camera_rgb":
        raise PipelineError("the colour stage takes a camera_rgb Image")
    m = colour_matrix(img, params)
    data = img.data.copy() if params.matrix == "identity" else apply_matrix(img.data, m)
    return colour_result(img, data, m, params)


def colour_matrix(img: Image, params: ColourParams) -> np.ndarray:
    """The 3 x 3 matrix the colour stage applies to ``img`` (white-balanced camera RGB).

    With ``baseline_exposure``, the DNG BaselineExposure the raw carried
    (``metadata["baseline_exposure"]``, EV) scales the matrix by ``2**EV`` (Adobe DNG
    Specification 1.6, BaselineExposure tag: the zero point of the rendering's exposure).
    """
    if params.matrix == "identity":
        m = np.eye(3)
    else:
        if img.camera is None or img.camera.color_matrix1 is None:
            raise InputError("the image's camera has no ColorMatrix1; use matrix='identity'")
        m = camera_to_rgb_matrix(img.camera, image_neutral(img), params.space)
    ev = float(img.metadata.get("baseline_exposure", 0.0) or 0.0) if params.baseline_exposure else 0.0
    if ev != 0.0 and np.isfinite(ev):
        m = m * 2.0 ** ev
    return m


def colour_result(img: Image, data: np.ndarray, m: np.ndarray, params: ColourParams) -> Image:
    """The colour stage's output Image around ``data`` (linear output RGB made with ``m``)."""
    # Once channels are mixed a per-channel clip level no longer exists: report where a
    # white clipped at the smallest level lands (rows of m sum to the neutral's scale).
    sat = float(min(img.saturation) * m.sum(axis=1).mean())
    meta = {**img.metadata, "colour_matrix": tuple(map(tuple, np.round(m, 8).tolist()))}
    return Image(data, space="linear_rgb", primaries=params.space, transfer="linear",
                 camera=img.camera, wb=img.wb, saturation=(sat, sat, sat), metadata=meta)
