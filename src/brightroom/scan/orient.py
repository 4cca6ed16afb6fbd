"""Which way up the page reads: 0, 90, 180 or 270 degrees.

Two steps on a small copy (long side 1280 px, the size the OCR detects at) with PP-OCR's own
models (Du et al. 2020):

1. **Quarter turns.** The text detector's line boxes are long and flat when the text runs
   across; when most are taller than wide, the page is turned a quarter.
2. **Half turns.** PP-OCR's text-line direction classifier (0 / 180 degrees, the
   ``ch_ppocr_mobile_v2.0_cls`` model) is run on the line crops; the score-weighted vote says
   whether the page is upside down.

Without PP-OCR installed, Tesseract's orientation and script detection (``--psm 0``) is used.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import cv2
import numpy as np

from brightroom.scan.ocr import DETECT_SIDE, OCREngineMissingError, ppocr_engine

__all__ = ["orientation", "orientation_and_lines", "rotate"]


def rotate(page: np.ndarray, degrees: int) -> np.ndarray:
    """``page`` turned clockwise by ``degrees`` (a multiple of 90)."""
    return np.ascontiguousarray(np.rot90(page, -(degrees // 90) % 4))


def _boxes(eng: object, bgr: np.ndarray) -> np.ndarray:
    boxes, _ = eng.text_det(bgr)  # type: ignore[attr-defined]
    return np.zeros((0, 4, 2)) if boxes is None else np.asarray(boxes, np.float64)


def _tall_share(boxes: np.ndarray) -> float:
    if len(boxes) == 0:
        return 0.0
    w = np.hypot(*(boxes[:, 1] - boxes[:, 0]).T)
    h = np.hypot(*(boxes[:, 3] - boxes[:, 0]).T)
    big = np.maximum(w, h) > 2.5 * np.minimum(w, h)  # clear lines only
    if not big.any():
        return 0.0
    return float(np.mean(h[big] > w[big]))


def _tesseract_osd(gray: np.ndarray) -> int:
    exe = shutil.which("tesseract")
    if exe is None:
        return 0
    ok, png = cv2.imencode(".png", gray)
    p = subprocess.run([exe, "stdin", "stdout", "--psm", "0"], input=png.tobytes(), capture_output=True,
                       timeout=120)
    m = re.search(r"Rotate:\s*(\d+)", p.stdout.decode(errors="replace"))
    return int(m.group(1)) % 360 if m else 0


def orientation(page: np.ndarray) -> int:
    """Clockwise rotation (0, 90, 180, 270) that makes ``page`` read upright.

    Parameters
    ----------
    page
        uint8 RGB ``H x W x 3`` or gray ``H x W``, flattened.

    Returns
    -------
    int
        Degrees clockwise to turn the page (:func:`rotate`).
    """
    return orientation_and_lines(page)[0]


def orientation_and_lines(page: np.ndarray, *, max_side: int = DETECT_SIDE) -> tuple[int, np.ndarray | None]:
    """:func:`orientation`, and the text lines PP-OCR's detector found on the way.

    The detector runs on a copy whose long side is at most ``max_side`` px (by default the size
    :func:`~brightroom.scan.ocr.ppocr` detects at, so that it can read these lines instead of
    detecting them again).

    Parameters
    ----------
    page
        uint8 RGB ``H x W x 3`` or gray ``H x W``, flattened.
    max_side
        Long side of the copy the detector sees.

    Returns
    -------
    turn : int
        Degrees clockwise to turn the page (:func:`rotate`).
    lines : numpy.ndarray or None
        ``N x 4 x 2`` float32 quads (top-left, top-right, bottom-right, bottom-left of each line
        as it reads) in the pixels of the page *after* the turn; None when PP-OCR is not
        installed (Tesseract's orientation detection was used).
    """
    h, w = page.shape[:2]
    f = min(1.0, max_side / max(h, w))
    small = cv2.resize(page, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    bgr = (cv2.cvtColor(small, cv2.COLOR_GRAY2BGR) if small.ndim == 2
           else np.ascontiguousarray(small[..., ::-1]))
    try:
        eng = ppocr_engine()
    except OCREngineMissingError:
        return _tesseract_osd(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)), None
    turn = 0
    boxes = _boxes(eng, bgr)
    if _tall_share(boxes) > 0.5:
        turn = 90
        bgr = rotate(bgr, 90)
        boxes = _boxes(eng, bgr)
    if len(boxes) == 0:
        return turn, np.zeros((0, 4, 2), np.float32)
    crops = eng.get_crop_img_list(bgr, boxes[:40].astype(np.float32))  # type: ignore[attr-defined]
    _, res, _ = eng.text_cls(crops)  # type: ignore[attr-defined]
    vote = sum((s if lab == "180" else -s) for lab, s in res)
    if vote > 0:
        turn += 180
        # the same quads in the half-turned copy, each starting again at its top-left
        hs, ws = bgr.shape[:2]
        boxes = np.roll(np.stack([ws - 1 - boxes[..., 0], hs - 1 - boxes[..., 1]], axis=-1), 2, axis=1)
        boxes = boxes[np.argsort(boxes[:, :, 1].mean(axis=1), kind="stable")]
    return turn % 360, (boxes / f).astype(np.float32)
