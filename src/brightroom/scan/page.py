"""One photo to one scanned page: find, flatten, orient, clean, read.

:func:`scan_page` is the whole path for a photo in memory; :func:`brightroom.scan` adds files.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from brightroom.errors import ParameterError
from brightroom.scan.clean import MODES, clean_page
from brightroom.scan.dewarp import dewarp as dewarp_page
from brightroom.scan.find import find_page, order_corners
from brightroom.scan.flatten import rectify
from brightroom.scan.ocr import LANGS, OCR_METHODS, detect_lang, ocr
from brightroom.scan.orient import orientation_and_lines, rotate
from brightroom.scan.pdf import PdfPage, TextLine

__all__ = ["ScanPage", "scan_page", "PAPER_INCHES"]

PAPER_INCHES = {"A4": (8.27, 11.69), "Letter": (8.5, 11.0)}
"""Width and height (inches) of the papers a page can snap to; other pages are given the dpi of
an A4 page of the same long side."""


@dataclass(frozen=True)
class ScanPage:
    """A scanned page.

    Attributes
    ----------
    corners
        4 x 2 (x, y) in the input photo's pixels: top-left, top-right, bottom-right,
        bottom-left of the page as it reads.
    image
        The cleaned page, uint8 (``H x W x 3`` for ``color``, ``H x W`` for ``gray``/``bw``).
    mode, lang, rotation, paper, dpi
        The mode, the language found, the clockwise turn applied (degrees), the standard paper
        the page snapped to (or None) and its pixels per inch.
    lines
        The text layer (:class:`~brightroom.scan.pdf.TextLine`, page pixels).
    notes
        What the user should know (no text found, corners given, ...).
    timings
        Seconds per step.
    """

    corners: np.ndarray
    image: np.ndarray
    mode: str
    lang: str
    rotation: int
    paper: str | None
    dpi: float
    lines: tuple[TextLine, ...] = ()
    notes: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The page's text, one recognised line per line."""
        return "\n".join(ln.text for ln in self.lines)

    def pdf_page(self, quality: int = 80) -> PdfPage:
        """This page as :func:`~brightroom.scan.pdf.pdf_bytes` takes it."""
        return PdfPage(self.image, self.mode, self.dpi, self.lines, quality)


def scan_page(photo: np.ndarray, *, corners: np.ndarray | None = None, mode: str = "color",
              ocr_method: str | None = "ppocr", lang: str = "auto", focal_px: float | None = None,
              auto_rotate: bool = True, dewarp: bool = True) -> ScanPage:
    """Scan one photo of a page.

    Parameters
    ----------
    photo
        uint8 ``H x W x 3`` display RGB, upright as the camera's EXIF orientation says.
    corners
        4 x 2 (x, y) page corners in ``photo``'s pixels (any order); default: found
        (:func:`~brightroom.scan.find.find_page`).
    mode
        ``"color"``, ``"gray"`` or ``"bw"`` (:func:`~brightroom.scan.clean.clean_page`).
    ocr_method
        A key of :data:`~brightroom.scan.ocr.OCR_METHODS`, or None for no text layer.
    lang
        One of :data:`~brightroom.scan.ocr.LANGS`.
    focal_px
        The camera's focal length in pixels, when the file says it.
    auto_rotate
        Turn the page upright (:func:`~brightroom.scan.orient.orientation`).
    dewarp
        Straighten bowed text lines (:func:`~brightroom.scan.dewarp.dewarp`).

    Returns
    -------
    ScanPage

    Raises
    ------
    PageNotFoundError
        No page found and no ``corners``.
    """
    if mode not in MODES:
        raise ParameterError(f"unknown scan mode {mode!r}; expected one of {', '.join(MODES)}")
    if lang not in LANGS:
        raise ParameterError(f"unknown OCR language {lang!r}; expected one of {', '.join(LANGS)}")
    if ocr_method is not None:
        OCR_METHODS.canonical(ocr_method)
    if photo.dtype != np.uint8 or photo.ndim != 3 or photo.shape[2] != 3:
        raise ParameterError(f"scan_page takes a uint8 H x W x 3 photo; got {photo.dtype} {photo.shape}")
    t = {}
    t0 = time.perf_counter()
    notes: list[str] = []
    if corners is None:
        q, _ = find_page(photo)
    else:
        q = order_corners(np.asarray(corners, np.float64))
        notes.append("corners given")
    t["find"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    flat, paper = rectify(photo, q, focal_px=focal_px)
    t["flatten"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    # the detector's text lines, found for the orientation, are read by the OCR too (when the
    # page is not resampled again by the dewarp)
    turn, boxes = orientation_and_lines(flat) if auto_rotate else (0, None)
    t["orient"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if turn:
        flat = rotate(flat, turn)
        q = np.roll(q, turn // 90, axis=0)
    t["dewarp"] = 0.0
    if dewarp:
        t0 = time.perf_counter()
        straight, fit = dewarp_page(flat)
        if straight is not flat:
            boxes = None
        flat = straight
        if fit is not None and fit.bow >= fit.line_height:
            notes.append(f"dewarped (text lines bowed by {fit.bow:.0f} px)")
        t["dewarp"] = time.perf_counter() - t0
        t0 = time.perf_counter()
    clean = clean_page(flat.astype(np.float32) / 255.0, mode)
    t["clean"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    lines: list[TextLine] = []
    if ocr_method is not None:
        lines = ocr(clean, method=ocr_method, lang=lang, boxes=boxes)
        if not lines:
            notes.append("no text found: the page's text layer is empty")
    t["ocr"] = time.perf_counter() - t0
    text = "\n".join(ln.text for ln in lines)
    found = detect_lang(text) if lang == "auto" else lang
    h, w = clean.shape[:2]
    if paper in PAPER_INCHES:
        inches = PAPER_INCHES[paper]
        dpi = max(h, w) / max(inches)
    else:
        dpi = max(h, w) / 11.69
    return ScanPage(q, clean, mode, found, turn, paper, float(dpi), tuple(lines), tuple(notes), t)
