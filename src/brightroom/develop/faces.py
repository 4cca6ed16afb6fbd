"""Faces for the exposure meter: MediaPipe's BlazeFace short-range detector, boxes and scores.

The model (``face_detection_short_range.tflite``, Apache-2.0, 128x128 input, 896 SSD anchors)
ships inside the ``mediapipe`` wheel on PyPI and is run on the CPU with OpenCV's DNN module
(``readNetFromTFLite``), as the portrait room runs it; ``$BRIGHTROOM_FACE_MODEL`` may point at
the file instead. Without the model, :func:`find_faces` finds nothing (the meter is then
centre-weighted only). One run on a 128x128 letterboxed copy costs about 2-4 ms, so faces are
found when they are larger than about a tenth of the frame's long side (short range: selfies,
portraits, people in the foreground).

Decoding follows MediaPipe's ``TensorsToDetectionsCalculator`` options for this model: box
centre and size in input pixels relative to the anchor centre (fixed anchor size), score
``sigmoid(logit)`` (logits clipped to +-60), then non-maximum suppression by overlap.

References
----------
V. Bazarevsky, Y. Kartynnik, A. Vakunov, K. Raveendran, M. Grundmann (2019), BlazeFace:
sub-millisecond neural face detection on mobile GPUs, arXiv:1907.05047.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from brightroom.errors import InputError

__all__ = ["Face", "find_faces", "face_model_path", "FACE_MODEL_FILE", "MIN_SCORE"]

FACE_MODEL_FILE = "face_detection_short_range.tflite"
MIN_SCORE = 0.85
"""Smallest score kept. Measured: frontal faces 0.92 (scikit-image astronaut), a face in profile
0.79 (cameraman), a false detection on the ColorChecker DNG's chart 0.78, a cat 0.58; a wrong
face moves the exposure, a missed one leaves it centre-weighted, so the bar is high."""

_INPUT = 128


@dataclass(frozen=True)
class Face:
    """A face: ``box = (x0, y0, x1, y1)`` as fractions of the picture's width and height."""

    box: tuple[float, float, float, float]
    score: float


def face_model_path() -> Path | None:
    """The BlazeFace ``.tflite`` (``$BRIGHTROOM_FACE_MODEL`` or inside ``mediapipe``), or None."""
    env = os.environ.get("BRIGHTROOM_FACE_MODEL")
    if env:
        p = Path(env)
        if not p.is_file():
            raise InputError(f"BRIGHTROOM_FACE_MODEL={env}: no such file")
        return p
    spec = importlib.util.find_spec("mediapipe")
    for root in (spec.submodule_search_locations or []) if spec else []:
        p = Path(root) / "modules" / "face_detection" / FACE_MODEL_FILE
        if p.is_file():
            return p
    return None


_NETS = threading.local()


def _net(path: str) -> cv2.dnn.Net | None:
    """The model, loaded once per thread: an OpenCV DNN net is not safe to share between
    threads (``setInput`` then ``forward`` from two threads fail with a shape assertion)."""
    nets = _NETS.__dict__.setdefault("nets", {})
    if path not in nets:
        try:
            nets[path] = cv2.dnn.readNetFromTFLite(path)
        except cv2.error:
            nets[path] = None  # an unreadable model: no faces, the meter stays centre-weighted
    return nets[path]


@cache
def _anchors() -> np.ndarray:
    """SSD anchor centres (128x128 input, strides 8, 16, 16, 16, offset 0.5): 896 ``(x, y)``."""
    out = []
    for stride, n in ((8, 2), (16, 6)):
        g = _INPUT // stride
        ys, xs = np.mgrid[0:g, 0:g]
        c = np.stack([(xs + 0.5) / g, (ys + 0.5) / g], axis=-1).reshape(-1, 1, 2)
        out.append(np.repeat(c, n, axis=1).reshape(-1, 2))
    return np.concatenate(out).astype(np.float32)


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x0, y0 = np.maximum(a[0], b[:, 0]), np.maximum(a[1], b[:, 1])
    x1, y1 = np.minimum(a[2], b[:, 2]), np.minimum(a[3], b[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area - inter, 1e-9)


def find_faces(rgb_display: np.ndarray, *, min_score: float = MIN_SCORE,
               model: Path | None = None) -> list[Face]:
    """Faces in a display-encoded (sRGB, [0, 1]) picture, best first.

    Parameters
    ----------
    rgb_display
        ``H x W x 3`` float picture (any size; it is letterboxed to a square and resized to
        128 x 128).
    min_score
        Smallest detector score kept.
    model
        The ``.tflite`` file (:func:`face_model_path` when None).

    Returns
    -------
    list of Face
        Empty when no model is installed.
    """
    path = model if model is not None else face_model_path()
    if path is None:
        return []
    net = _net(str(path))
    if net is None:
        return []
    a = np.clip(np.nan_to_num(np.asarray(rgb_display, np.float32)), 0, 1)
    h, w = a.shape[:2]
    side = max(h, w)
    sq = np.zeros((side, side, 3), np.float32)
    y0, x0 = (side - h) // 2, (side - w) // 2
    sq[y0:y0 + h, x0:x0 + w] = a
    x = cv2.resize(sq, (_INPUT, _INPUT), interpolation=cv2.INTER_AREA) * 2 - 1
    net.setInput(np.ascontiguousarray(x.transpose(2, 0, 1)[None], np.float32))
    # both outputs from one run of the network (a forward per name would run it twice);
    # OpenCV 5.0's TFLite importer answers one output per forward, so there one run each
    try:
        outs = net.forward(["classificators", "regressors"])
    except cv2.error:
        outs = [net.forward("classificators")]
        net.setInput(np.ascontiguousarray(x.transpose(2, 0, 1)[None], np.float32))
        outs.append(net.forward("regressors"))
    logit = np.asarray(outs[0], np.float32).reshape(-1)
    reg = np.asarray(outs[1], np.float32).reshape(-1, 16)
    score = 1 / (1 + np.exp(-np.clip(logit.astype(np.float64), -60, 60)))
    keep = np.flatnonzero(score >= min_score)
    if keep.size == 0:
        return []
    c = _anchors()[keep] + reg[keep, :2] / _INPUT
    half = reg[keep, 2:4] / (2 * _INPUT)
    boxes = np.concatenate([c - half, c + half], axis=1) * side  # square-input pixels
    boxes -= np.array([x0, y0, x0, y0], np.float32)
    boxes /= np.array([w, h, w, h], np.float32)
    boxes = np.clip(boxes, 0, 1)
    order = np.argsort(-score[keep])
    faces: list[Face] = []
    taken = np.zeros(keep.size, bool)
    for i in order:  # greedy non-maximum suppression
        if taken[i]:
            continue
        taken |= _iou(boxes[i], boxes) > 0.3
        b = boxes[i]
        if b[2] > b[0] and b[3] > b[1]:
            faces.append(Face(tuple(float(v) for v in b), float(score[keep][i])))
    return faces
