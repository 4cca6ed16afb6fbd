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

The selfie model is not a person detector: it fires on any large salient foreground (a cat's face
filling the frame at 0.95 mean probability, a tray of coins, a retina photo, snow fields), so a
confident mask alone is not a person. A person is *found* only when the mask is confident, covers
between ``min_area`` and ``max_area`` of the frame, and a face is detected on it: MediaPipe's
BlazeFace short-range detector (``face_detection_short_range.tflite``, in the same wheel; 128x128
input, 896 SSD anchors), run on the whole frame and on square crops at the top of the mask's
largest region (where the head of a person is), so that a face small in the frame is still
128x128-sized to the detector. Measured: people 0.79-0.96 (scikit-image astronaut and
cameraman, in profile; the same at a quarter of a 1600x1100 frame: 0.91-0.95 on the crop), animals
and objects <= 0.58 (chelsea the cat 0.58, a pug 0.56), threshold ``min_face`` 0.75.

References
----------
Bazarevsky, V., Kartynnik, Y., Vakunov, A., Raveendran, K., Grundmann, M. (2019). BlazeFace:
Sub-millisecond neural face detection on mobile GPUs. arXiv:1907.05047.

Bazarevsky, V., Grishchenko, I. et al. (2020). MediaPipe Selfie Segmentation model card.
Google, https://mediapipe.page.link/selfiesegmentation-mc (MobileNetV3 backbone: Howard, A. et al.
(2019), Searching for MobileNetV3, ICCV).

He, K., Sun, J., Tang, X. (2013). Guided image filtering. IEEE TPAMI 35(6), 1397-1409.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from brightroom.color.spaces import srgb_encode
from brightroom.develop.faces import FACE_MODEL_FILE as FACE_MODEL_FILE
from brightroom.develop.faces import face_model_path as _develop_face_model_path
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
    max_area
        Largest person area for ``found`` (0..1] [0.85]: a mask over nearly all the frame has no
        background to blur (the model's answer on close-ups of cats, coins, textures).
    min_face
        Smallest face-detector score on the mask for ``found`` (0..1) [0.75]; 0 turns the
        face check off.
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
    max_area: float = 0.85
    min_face: float = 0.75
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
        if not self.min_area < self.max_area <= 1 or not 0 <= self.min_face < 1:
            raise ParameterError(f"need min_area < max_area <= 1 and min_face in [0, 1), got "
                                 f"{self.min_area}, {self.max_area}, {self.min_face}")
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
        Whether a person was found: a confident mask covering ``min_area`` .. ``max_area`` of
        the picture, with a face on it.
    coverage
        Fraction of the picture with ``alpha > threshold``.
    confidence
        Mean model probability over those pixels.
    method
        The method that made it.
    face
        The face detector's best score on the mask (``None``: not run, because the mask failed
        the other tests or the check is off).
    coarse
        The model's own mask (at its input size): a saliency cue where no person is found.
    """

    alpha: np.ndarray
    found: bool
    coverage: float
    confidence: float
    method: str
    face: float | None = None
    coarse: np.ndarray | None = None

    @property
    def reason(self) -> str:
        """Why no person was found (empty when one was)."""
        if self.found:
            return ""
        if self.face is not None:
            return f"no face on the mask (face score {self.face:.2f})"
        return f"mask area {self.coverage:.1%}, confidence {self.confidence:.2f}"


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


def face_model_path() -> Path | None:
    """The installed BlazeFace ``.tflite`` (``$BRIGHTROOM_FACE_MODEL`` or inside ``mediapipe``),
    or ``None`` when neither is there: :func:`brightroom.develop.faces.face_model_path`, whose
    exposure meter uses the same model, with a missing file named as a missing model."""
    try:
        return _develop_face_model_path()
    except InputError as e:
        raise ModelNotFoundError(str(e)) from None


_NETS = threading.local()


def _net(path: str) -> cv2.dnn.Net:
    """The model, loaded once per thread: an OpenCV DNN net is not safe to share between
    threads (the studio renders previews in several)."""
    nets = _NETS.__dict__.setdefault("nets", {})
    if path not in nets:
        try:
            nets[path] = cv2.dnn.readNetFromTFLite(path)
        except cv2.error as e:
            raise ModelNotFoundError(f"{path}: OpenCV cannot load the model ({e})") from None
    return nets[path]


def _mediapipe_selfie(rgb: np.ndarray, params: SegmentParams) -> np.ndarray:
    w, h = MODEL_INPUT[params.model]
    net = _net(str(model_path(params.model)))
    # reduce first, then clip: the same for pictures in [0, 1], and a full-size clip of a
    # 12 MP photo costs more than the model
    x = np.clip(cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA), 0, 1)
    blob = np.ascontiguousarray(x.transpose(2, 0, 1)[None], np.float32)
    net.setInput(blob)
    out = np.asarray(net.forward(), np.float32).reshape(h, w)
    return np.clip(out, 0, 1)


@cache
def _face_anchors() -> np.ndarray:
    """BlazeFace short-range SSD anchor centres (MediaPipe's SsdAnchorsCalculator options: 128x128
    input, strides 8, 16, 16, 16, fixed size, offset 0.5): 16x16x2 + 8x8x6 = 896 ``(x, y)``."""
    out = []
    for stride, n in ((8, 2), (16, 6)):
        g = 128 // stride
        ys, xs = np.mgrid[0:g, 0:g]
        c = np.stack([(xs + 0.5) / g, (ys + 0.5) / g], axis=-1).reshape(-1, 1, 2)
        out.append(np.repeat(c, n, axis=1).reshape(-1, 2))
    return np.concatenate(out).astype(np.float32)


def detect_faces(rgb: np.ndarray, path: Path) -> tuple[float, tuple[float, float]]:
    """Best BlazeFace score on a display-encoded picture and that face's centre (fractions).

    The picture is letterboxed to a square, resized to 128x128 and scaled to [-1, 1]; the score is
    ``sigmoid(logit)``, the centre the anchor plus the regressed offset."""
    net = _net(str(path))
    h, w = rgb.shape[:2]
    side = max(h, w)
    sq = np.zeros((side, side, 3), np.float32)
    y0, x0 = (side - h) // 2, (side - w) // 2
    sq[y0:y0 + h, x0:x0 + w] = rgb
    x = cv2.resize(sq, (128, 128), interpolation=cv2.INTER_AREA) * 2 - 1
    net.setInput(np.ascontiguousarray(x.transpose(2, 0, 1)[None], np.float32))
    logit = np.asarray(net.forward("classificators"), np.float32).reshape(-1)
    reg = np.asarray(net.forward("regressors"), np.float32).reshape(-1, 16)
    i = int(np.argmax(logit))
    score = float(1 / (1 + np.exp(-np.clip(logit[i], -60, 60))))
    cx, cy = _face_anchors()[i] + reg[i, :2] / 128
    return score, (float((cx * side - x0) / w), float((cy * side - y0) / h))


def _face_on_mask(rgb: np.ndarray, coarse: np.ndarray, params: SegmentParams,
                  path: Path) -> float:
    """The best face score on the mask: the whole frame, then square crops at the top of the
    mask's largest region (a head is at the top of a person)."""
    h, w = rgb.shape[:2]
    sel = (coarse > params.threshold).astype(np.uint8)
    mh, mw = sel.shape
    n, lab, stats, _ = cv2.connectedComponentsWithStats(sel)
    if n < 2:
        return 0.0
    k = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    region = cv2.dilate((lab == k).astype(np.uint8), np.ones((5, 5), np.uint8))
    bx, by, bw, bh = (int(v) for v in stats[k, :4])
    sx, sy = w / mw, h / mh
    crops = [(0, 0, w, h)]
    for side in {int(0.6 * bw * sx), int(0.35 * bh * sy)}:
        side = max(16, min(side, w, h))
        cx = int((bx + bw / 2) * sx)
        x0 = min(max(0, cx - side // 2), w - side)
        y0 = min(max(0, int(by * sy) - side // 10), h - side)
        crops.append((x0, y0, side, side))
    best = 0.0
    for x0, y0, cw, ch in crops:
        score, (fx, fy) = detect_faces(rgb[y0:y0 + ch, x0:x0 + cw], path)
        px, py = (x0 + fx * cw) / sx, (y0 + fy * ch) / sy
        if 0 <= px < mw and 0 <= py < mh and region[int(py), int(px)]:
            best = max(best, score)
        if best >= params.min_face:
            break
    return best


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
    found = (params.min_area <= coverage <= params.max_area
             and confidence >= params.min_confidence)
    face = None
    if found and params.min_face > 0:
        fpath = face_model_path()
        if fpath is not None:
            face = _face_on_mask(rgb, coarse, params, fpath)
            found = face >= params.min_face
    # edges are refined only for a found person (the costly full-resolution step)
    alpha = refine_alpha(rgb, coarse, params if found else replace(params, refine=False))
    result = Segmentation(alpha.astype(np.float32), found, coverage, confidence, method, face,
                          coarse)
    if require and not found:
        raise NoSubjectError(f"no person found by {method} ({result.reason}); give a depth map "
                             "with --depth or a right view with --stereo")
    return result
