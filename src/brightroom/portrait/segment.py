"""Person segmentation: an offline model behind a small interface, edges refined on the photo.

``SEGMENT_METHODS`` (a :class:`~brightroom.methods.Methods` registry: case and ``-``/``_``/space
ignored) maps a method name to a function ``f(rgb_display, params) -> soft mask``:

* ``"mediapipe_selfie"``: a trained model, so keyed by the model's name rather than a paper's:
  Google's MediaPipe Selfie Segmentation model (MobileNetV3-based,
  256x256 input, Apache-2.0), the ``selfie_segmentation.tflite`` file that ships inside the
  ``mediapipe`` wheel on PyPI, run on the CPU with OpenCV's DNN module (``readNetFromTFLite``).
  Only the model file is used: the ``mediapipe`` package need not import (its 0.10.21 wheel pins
  ``numpy<2``; ``pip install --no-deps mediapipe==0.10.21`` is enough). The ``landscape``
  variant (144x256) is the light preset for video.

:func:`segment` runs a method, scales the mask to the photo and snaps its edges to the photo's
edges with the guided filter (:mod:`brightroom.portrait.he2013`), so that hair strands get
fractional alpha. :class:`Segmentation.found` says whether a person was found; :func:`segment`
with ``require=True`` raises :class:`NoSubjectError` instead.

References
----------
Bazarevsky, V., Grishchenko, I. et al. (2020). MediaPipe Selfie Segmentation model card.
Google, https://mediapipe.page.link/selfiesegmentation-mc (MobileNetV3 backbone: Howard, A. et al.
(2019), Searching for MobileNetV3, ICCV).

He, K., Sun, J., Tang, X. (2013). Guided image filtering. IEEE TPAMI 35(6), 1397-1409.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from brightroom.color.spaces import srgb_encode
from brightroom.errors import InputError, ParameterError
from brightroom.methods import Methods
from brightroom.portrait.he2013 import guided_filter_fast

__all__ = ["SegmentParams", "Segmentation", "NoSubjectError", "ModelNotFoundError",
           "SEGMENT_METHODS", "segment", "model_path", "to_display"]

MODEL_FILES = {"general": "selfie_segmentation.tflite",
               "landscape": "selfie_segmentation_landscape.tflite"}
MODEL_INPUT = {"general": (256, 256), "landscape": (256, 144)}  # (width, height)


class NoSubjectError(InputError):
    """No person (or other subject) was found in the picture."""


class ModelNotFoundError(InputError):
    """The segmentation model file is not installed."""


@dataclass(frozen=True)
class SegmentParams:
    """Parameters of :func:`segment`.

    Attributes
    ----------
    model
        ``"general"`` (256x256) or ``"landscape"`` (256x144, faster).
    threshold
        Mask probability above which a pixel counts as the person (0..1) [0.5].
    min_area
        Smallest person area, as a fraction of the picture, for ``found`` (0..1) [0.01].
    min_confidence
        Smallest mean probability over the person's pixels for ``found`` (0..1) [0.9]. The
        model fires weakly on plants and furniture (0.83 mean on a garden, 0.86 on a pug) and
        strongly on people (0.99 on scikit-image's astronaut).
    refine
        Guided-filter refinement on the full-resolution photo [True].
    radius
        Guided-filter radius in pixels of a 1000-pixel-wide picture (scaled with width) [6].
    eps
        Guided-filter regularisation in display units^2 [1e-3].
    """

    model: str = "general"
    threshold: float = 0.5
    min_area: float = 0.01
    min_confidence: float = 0.9
    refine: bool = True
    radius: float = 6.0
    eps: float = 1e-3

    def __post_init__(self) -> None:
        if self.model not in MODEL_FILES:
            raise ParameterError(f"segmentation model {self.model!r}; known: "
                                 f"{', '.join(MODEL_FILES)}")
        if not 0 < self.threshold < 1 or not 0 <= self.min_area < 1 or \
                not 0 <= self.min_confidence <= 1:
            raise ParameterError(f"threshold must be in (0, 1) and min_area in [0, 1), got "
                                 f"{self.threshold}, {self.min_area}")
        if self.radius <= 0 or self.eps <= 0:
            raise ParameterError(f"radius and eps must be > 0, got {self.radius}, {self.eps}")


@dataclass(frozen=True, eq=False)
class Segmentation:
    """The result of :func:`segment`.

    Attributes
    ----------
    alpha
        float32 ``H x W`` in [0, 1]: the person's matte at the photo's resolution (edges
        refined with the guided filter only when ``found``).
    found
        Whether a person covering at least ``min_area`` of the picture was found.
    coverage
        Fraction of the picture with ``alpha > threshold``.
    confidence
        Mean model probability over those pixels.
    method
        The method that made it.
    """

    alpha: np.ndarray
    found: bool
    coverage: float
    confidence: float
    method: str


def model_path(model: str = "general") -> Path:
    """The installed ``.tflite`` file of the MediaPipe selfie segmentation model.

    Looks in ``$BRIGHTROOM_SEGMENT_MODEL`` (a file) first, then inside the installed ``mediapipe``
    package (found without importing it).

    Raises
    ------
    ModelNotFoundError
        Neither is there; the message says what to install.
    """
    env = os.environ.get("BRIGHTROOM_SEGMENT_MODEL")
    if env:
        p = Path(env)
        if not p.is_file():
            raise ModelNotFoundError(f"BRIGHTROOM_SEGMENT_MODEL={env}: no such file")
        return p
    name = MODEL_FILES[model]
    spec = importlib.util.find_spec("mediapipe")
    for root in (spec.submodule_search_locations or []) if spec else []:
        p = Path(root) / "modules" / "selfie_segmentation" / name
        if p.is_file():
            return p
    raise ModelNotFoundError(
        f"the person segmentation model {name} is not installed: it ships in the 'mediapipe' "
        "package (pip install --no-deps mediapipe==0.10.21), or set BRIGHTROOM_SEGMENT_MODEL "
        "to the .tflite file; or give a depth map (--depth / --stereo) instead")


@cache
def _net(path: str) -> cv2.dnn.Net:
    try:
        return cv2.dnn.readNetFromTFLite(path)
    except cv2.error as e:
        raise ModelNotFoundError(f"{path}: OpenCV cannot load the model ({e})") from None


def _mediapipe_selfie(rgb: np.ndarray, params: SegmentParams) -> np.ndarray:
    w, h = MODEL_INPUT[params.model]
    net = _net(str(model_path(params.model)))
    x = cv2.resize(np.clip(rgb, 0, 1), (w, h), interpolation=cv2.INTER_AREA)
    blob = np.ascontiguousarray(x.transpose(2, 0, 1)[None], np.float32)
    net.setInput(blob)
    out = np.asarray(net.forward(), np.float32).reshape(h, w)
    return np.clip(out, 0, 1)


SEGMENT_METHODS: Methods[Callable[[np.ndarray, SegmentParams], np.ndarray]] = Methods(
    "segmentation")
"""Person segmentation methods by name: ``f(rgb_display, params) -> coarse soft mask``."""
SEGMENT_METHODS.register(
    "mediapipe_selfie", _mediapipe_selfie,
    cite="Bazarevsky, V., Grishchenko, I. et al. (2020). MediaPipe Selfie Segmentation model "
         "card. Google, https://mediapipe.page.link/selfiesegmentation-mc.")
SEGMENT_METHODS.freeze()


def to_display(data: np.ndarray, transfer: str) -> np.ndarray:
    """Display-encoded sRGB for the model: encode linear data, pass display data through."""
    if transfer == "linear":

        return np.clip(srgb_encode(data), 0, 1)
    return data


def refine_alpha(rgb: np.ndarray, coarse: np.ndarray, params: SegmentParams) -> np.ndarray:
    """Upsample a coarse mask to the photo and snap it to the photo's edges (guided filter)."""
    h, w = rgb.shape[:2]
    if not params.refine:
        up = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)
        return np.clip(up, 0, 1).astype(np.float32)
    grey = cv2.cvtColor(np.ascontiguousarray(rgb, np.float32), cv2.COLOR_RGB2GRAY)
    r = max(2, round(params.radius * w / 1000))
    s = max(1, min(r // 2, 4, w // 320))  # fast guided filter (He, Sun 2015)
    src = coarse if s > 1 else cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(guided_filter_fast(grey, src, r, params.eps, subsample=s), 0, 1)


def segment(image: object, *, method: str = "mediapipe_selfie",
            params: SegmentParams | None = None, require: bool = False) -> Segmentation:
    """Segment the person in a photo.

    Parameters
    ----------
    image
        :class:`~brightroom.types.Image` (display or linear sRGB) or a float32 ``H x W x 3``
        display-encoded array.
    method
        A key of :data:`SEGMENT_METHODS` (case ignored): ``"mediapipe_selfie"``.
    params
        :class:`SegmentParams`.
    require
        Raise :class:`NoSubjectError` when no person is found.

    Returns
    -------
    Segmentation

    Raises
    ------
    ModelNotFoundError
        The model is not installed.
    NoSubjectError
        ``require`` and no person found.
    """
    params = params or SegmentParams()
    method = SEGMENT_METHODS.canonical(method)
    data = image if isinstance(image, np.ndarray) else getattr(image, "data", image)
    transfer = "sRGB" if isinstance(image, np.ndarray) else getattr(image, "transfer", "sRGB")
    if not isinstance(data, np.ndarray) or data.ndim != 3 or data.shape[2] != 3:
        raise ParameterError(f"segment needs an H x W x 3 image, got {getattr(data, 'shape', None)}")
    rgb = to_display(np.asarray(data, np.float32), transfer)
    coarse = SEGMENT_METHODS[method](rgb, params)
    sel = coarse > params.threshold
    coverage = float(np.mean(sel))
    confidence = float(coarse[sel].mean()) if sel.any() else 0.0
    found = coverage >= params.min_area and confidence >= params.min_confidence
    # edges are refined only for a found person (the costly full-resolution step)
    alpha = refine_alpha(rgb, coarse, params if found else replace(params, refine=False))
    if require and not found:
        raise NoSubjectError(f"no person found by {method} (area {coverage:.1%}, confidence "
                             f"{confidence:.2f}; at least {params.min_area:.1%} and "
                             f"{params.min_confidence:.2f} needed); give a depth map with --depth "
                             "or a right view with --stereo")
    return Segmentation(alpha.astype(np.float32), found, coverage, confidence, method)
