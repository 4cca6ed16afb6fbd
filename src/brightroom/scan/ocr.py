"""Read the page: OCR engines behind one dispatcher, :func:`ocr` with ``method=``.

* ``ppocr`` (default): PP-OCRv4 (Du et al. 2020; the v4 detector and Chinese + English
  recogniser) run by ONNX Runtime through ``rapidocr-onnxruntime``, whose wheel carries the
  three models (``models/*.onnx``, 16 MB): nothing is downloaded. :func:`ppocr_models` lists the
  files it loads.
* ``tesseract``: Tesseract 5 (Smith 2007) through the ``tesseract`` program (Debian
  ``tesseract-ocr`` with ``-eng`` and ``-chi-sim``), its TSV output grouped into lines.

Both give :class:`~brightroom.scan.pdf.TextLine` objects in the page's pixels. Tesseract puts a
space between every pair of CJK characters it recognises as separate words; :func:`join_cjk`
removes every space between two CJK characters (the spaces of the text are kept elsewhere).

``lang`` is ``"auto"``, ``"eng"``, ``"chi_sim"`` or ``"eng+chi_sim"``. PP-OCR's recogniser
reads both scripts at once, so ``lang`` only names what was found; Tesseract runs with the
languages asked for (``auto``: ``chi_sim+eng``). The language reported for a page is
:func:`detect_lang` of its text.

References
----------
Du, Y. et al. (2020). PP-OCR: A practical ultra lightweight OCR system. arXiv:2009.09941.
Li, C. et al. (2022). PP-OCRv3: More attempts for the improvement of ultra lightweight OCR
system. arXiv:2206.03001 (the detector and recogniser family of v4).
Smith, R. (2007). An overview of the Tesseract OCR engine. ICDAR 2007, 629-633.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from brightroom.errors import BrightroomError, ParameterError
from brightroom.methods import Methods
from brightroom.scan.pdf import TextLine

__all__ = ["OCR_METHODS", "LANGS", "DETECT_SIDE", "OCREngineMissingError", "ocr", "ppocr", "tesseract",
           "join_cjk", "latin_punctuation", "detect_lang", "ppocr_engine", "ppocr_models"]

_MIN_SIDE = 1600  # pages with a shorter long side are enlarged for OCR (at most 3x)
DETECT_SIDE = 1280
"""Long side (px) of the page copy PP-OCR's text detector sees."""

LANGS = ("auto", "eng", "chi_sim", "eng+chi_sim")
"""Languages of :func:`ocr`."""

_CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_RE = re.compile(f"[{_CJK}]")
_CJK_SPACE = re.compile(f"(?<=[{_CJK}])[ \t]+(?=[{_CJK}])")


class OCREngineMissingError(BrightroomError):
    """An OCR engine (a program, its language data or its Python package) is not installed."""


_FULLWIDTH = {"，": ",", "。": ".", "：": ":", "；": ";", "！": "!", "？": "?", "（": "(", "）": ")"}
_LATIN_PUNCT = re.compile(r"(?<=[A-Za-z0-9])\s*([，。：；！？）])\s*(?=[A-Za-z0-9]|$)|([（])(?=[A-Za-z0-9])")


def latin_punctuation(text: str) -> str:
    """Full-width punctuation that PP-OCR's Chinese recogniser gives inside English text
    (``here，have``) as ASCII punctuation followed by a space (``here, have``)."""
    def sub(m: re.Match[str]) -> str:
        ch = m.group(1) or m.group(2)
        out = _FULLWIDTH[ch]
        return out if ch == "（" or m.end() == len(m.string) else out + " "
    return _LATIN_PUNCT.sub(sub, text)


def join_cjk(text: str) -> str:
    """``text`` without the spaces between two CJK characters (ideographs, kana, CJK
    punctuation and full-width forms)."""
    return _CJK_SPACE.sub("", text)


def detect_lang(text: str) -> str:
    """``"chi_sim"``, ``"eng"`` or ``"eng+chi_sim"`` from the share of CJK characters among the
    letters of ``text`` (``"eng"`` for an empty text)."""
    cjk = len(_CJK_RE.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    if cjk == 0:
        return "eng"
    if latin < 0.1 * (cjk + latin):
        return "chi_sim"
    return "eng+chi_sim"


# ----------------------------------------------------------------------------- PP-OCR

def ppocr_models() -> list[Path]:
    """The ONNX model files of ``rapidocr-onnxruntime``'s wheel (detector, classifier,
    recogniser), which :func:`ppocr_engine` loads.

    Raises
    ------
    OCREngineMissingError
        ``rapidocr-onnxruntime`` is not installed.
    """
    spec = importlib.util.find_spec("rapidocr_onnxruntime")
    if spec is None or not spec.submodule_search_locations:
        raise OCREngineMissingError(
            "the ppocr OCR engine needs the Python package rapidocr-onnxruntime "
            "(pip install --no-deps rapidocr-onnxruntime==1.4.4 onnxruntime pyclipper shapely pyyaml six; "
            "`make install` does this), or use ocr='tesseract'")
    models = sorted((Path(next(iter(spec.submodule_search_locations))) / "models").glob("*.onnx"))
    if len(models) < 3:
        raise OCREngineMissingError(f"rapidocr-onnxruntime has {len(models)} models in its wheel; "
                                    "expected the PP-OCR detector, classifier and recogniser")
    return models


def _ort_session(model: Path) -> object:
    """An ONNX Runtime session on ``model`` as :func:`~brightroom.scan.onnx_fuse.fuse_graph`
    simplifies it (the same outputs, 1.3-2x less CPU time), on at most 2 threads that sleep
    instead of spinning when idle: on a small, shared machine spinning threads burn CPU time that
    the other thread and the rest of the pipeline need (recogniser, 6 x 48 x 1280 batch on 2 cores:
    0.58 s CPU and 0.30 s wall without spinning, 0.78 s and 0.40 s with it)."""
    import onnxruntime as ort  # lazy: optional engine

    from brightroom.scan.onnx_fuse import fuse_graph  # lazy: imports onnx
    so = ort.SessionOptions()
    so.log_severity_level = 3
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.intra_op_num_threads = max(1, min(2, os.cpu_count() or 1))
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    data, _ = fuse_graph(model)
    return ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])


@functools.cache
def ppocr_engine() -> object:
    """The PP-OCR engine (one per process; loading and simplifying the three models takes
    about 1 s).

    ``rapidocr-onnxruntime``'s pre- and post-processing are used as they are; its three ONNX
    Runtime sessions are replaced by :func:`_ort_session`'s on the same model files.
    """
    models = ppocr_models()
    try:
        import onnx  # noqa: F401  # lazy: optional engine (the graph simplification)
        from rapidocr_onnxruntime import RapidOCR  # lazy: optional engine, 0.5 s model load
    except ImportError as e:
        raise OCREngineMissingError(f"the ppocr OCR engine cannot be imported ({e}); install "
                                    "onnx onnxruntime pyclipper shapely pyyaml six") from None
    eng = RapidOCR(print_verbose=False)
    by_kind = {kind: next((m for m in models if f"_{kind}_" in m.name), None)
               for kind in ("det", "cls", "rec")}
    missing = [k for k, m in by_kind.items() if m is None]
    if missing:
        raise OCREngineMissingError(f"rapidocr-onnxruntime's wheel has no {', '.join(missing)} model "
                                    f"(it has {', '.join(m.name for m in models)})")
    eng.text_det.infer.session = _ort_session(by_kind["det"])  # type: ignore[attr-defined]
    eng.text_cls.infer.session = _ort_session(by_kind["cls"])  # type: ignore[attr-defined]
    eng.text_rec.session.session = _ort_session(by_kind["rec"])  # type: ignore[attr-defined]
    eng.text_rec.rec_batch_num = 1  # type: ignore[attr-defined]  # see ppocr()
    return eng


def _respace(text: str, info: list, crop: np.ndarray) -> str:
    """Put back the spaces between Latin words that the recogniser dropped.

    PP-OCR's Chinese + English recogniser often runs English words together. Its CTC decoder
    says at which output column each character was read (``info``: ``col_num, words,
    word_columns, ...`` of ``rapidocr``'s word boxes). Between two consecutive non-CJK characters
    the crop's ink profile (Otsu-binarised columns) is searched for a blank run: a run wider than
    0.3 of the ink's height (ascender to descender) is a word space (in body text the letters of
    a word are up to about 0.2 of it apart, words about 0.45), the classical word
    segmentation by vertical projection (e.g. Ha, Haralick and Phillips 1995). Inside numbers
    (a digit beside ``. , : - /``) no space is added: narrow marks leave wide blanks.
    """
    try:
        pairs = [(ch, int(c)) for w, wc in zip(info[1], info[2]) for ch, c in zip(w, wc) if ch != " "]
    except (TypeError, IndexError, ValueError):
        return text
    chars = [p[0] for p in pairs]
    cols = [p[1] for p in pairs]
    bare = [c for c in text if c != " "]
    if not cols or chars != bare or len(cols) != len(bare) or crop.size == 0:
        return text
    spaced = set()
    k = 0
    for c in text:
        if c == " ":
            spaced.add(k)
        else:
            k += 1
    h, w = crop.shape[:2]
    g = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    _, ink = cv2.threshold(g, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    rows = np.flatnonzero(ink.sum(axis=1) > 0.02 * w)
    if len(rows) < 2:
        return text
    extent = float(rows[-1] - rows[0] + 1)  # ascender to descender
    blank = ink[rows[0]:rows[-1] + 1].sum(axis=0) == 0
    try:
        px = w / float(info[0])  # crop pixels per CTC column
    except (TypeError, ValueError, ZeroDivisionError):
        return text
    latin = [not _CJK_RE.match(c) for c in bare]
    out = [bare[0]]
    for i in range(1, len(bare)):
        sp = i in spaced
        a, b = bare[i - 1], bare[i]
        number = (a.isdigit() and b in ".,:-/%") or (a in ".,:-/$" and b.isdigit())
        if not sp and latin[i - 1] and latin[i] and not number:
            x0 = int(np.clip(cols[i - 1] * px, 0, w))
            x1 = int(np.clip((cols[i] + 1) * px, 0, w))
            seg = blank[x0:x1]
            if seg.size:
                # the longest run of blank columns
                d = np.diff(np.concatenate(([0], seg.astype(np.int8), [0])))
                starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
                run = int((ends - starts).max()) if len(starts) else 0
                sp = run > 0.3 * extent
        if sp:
            out.append(" ")
        out.append(bare[i])
    return "".join(out)


def ppocr(page: np.ndarray, *, lang: str = "auto", boxes: np.ndarray | None = None) -> list[TextLine]:
    """PP-OCRv4 on a page (uint8 RGB ``H x W x 3`` or gray ``H x W``).

    The detector runs on a copy whose long side is at most :data:`DETECT_SIDE` px, unless
    ``boxes`` (``N x 4 x 2`` line quads in ``page``'s pixels, top-left first, e.g. from
    :func:`~brightroom.scan.orient.orientation_and_lines`) says where the lines are; the line
    crops for the recogniser come from the full-size page. Lines are recognised one at a time
    (a batch of one: no padding to the batch's widest line, and on 2 cores 30 % less CPU time
    than rapidocr's batches of 6 on a page of 20 lines).
    """
    eng = ppocr_engine()
    bgr = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR) if page.ndim == 2 else np.ascontiguousarray(page[..., ::-1])
    h, w = bgr.shape[:2]
    if boxes is None:
        f = min(1.0, DETECT_SIDE / max(h, w))
        small = cv2.resize(bgr, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
        found, _ = eng.text_det(small)  # type: ignore[attr-defined]
        if found is None or len(found) == 0:
            return []
        boxes = (np.asarray(found, np.float64) / f).astype(np.float32)
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4, 2)
    if len(boxes) == 0:
        return []
    crops = eng.get_crop_img_list(bgr, list(boxes))  # type: ignore[attr-defined]
    res, _ = eng.text_rec(crops, return_word_box=True)  # type: ignore[attr-defined]
    lines = []
    for b, r, crop in zip(boxes, res, crops):
        text, score = str(r[0]), float(r[1])
        if len(r) > 2:
            text = _respace(text, r[2], crop)
        text = latin_punctuation(join_cjk(text)).strip()
        if text and score >= 0.5:
            lines.append(TextLine(text, (float(b[:, 0].min()), float(b[:, 1].min()),
                                         float(b[:, 0].max()), float(b[:, 1].max())), score))
    return _reading_order(lines)


def _reading_order(lines: list[TextLine]) -> list[TextLine]:
    """Top to bottom, and left to right within a row of boxes that overlap vertically."""
    if not lines:
        return lines
    lines = sorted(lines, key=lambda ln: (ln.box[1] + ln.box[3]) / 2)
    rows: list[list[TextLine]] = []
    for ln in lines:
        if rows:
            last = rows[-1][0]
            h = min(ln.box[3] - ln.box[1], last.box[3] - last.box[1])
            if abs((ln.box[1] + ln.box[3]) - (last.box[1] + last.box[3])) / 2 < 0.5 * h:
                rows[-1].append(ln)
                continue
        rows.append([ln])
    return [ln for row in rows for ln in sorted(row, key=lambda x: x.box[0])]


# ----------------------------------------------------------------------------- Tesseract

def _tesseract_langs(exe: str) -> set[str]:
    out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    return {ln.strip() for ln in out.stdout.splitlines()[1:] if ln.strip()}


def tesseract(page: np.ndarray, *, lang: str = "auto") -> list[TextLine]:
    """Tesseract 5 on a page (uint8 RGB or gray), ``--psm 3``, words grouped into its lines."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise OCREngineMissingError("the tesseract OCR engine needs the program tesseract "
                                    "(Debian: apt-get install tesseract-ocr tesseract-ocr-eng "
                                    "tesseract-ocr-chi-sim), or use ocr='ppocr'")
    want = {"auto": "chi_sim+eng", "eng": "eng", "chi_sim": "chi_sim", "eng+chi_sim": "chi_sim+eng"}[lang]
    have = _tesseract_langs(exe)
    for code in want.split("+"):
        if code not in have:
            pkg = "tesseract-ocr-" + code.replace("_", "-")
            raise OCREngineMissingError(f"tesseract has no {code!r} language data (Debian: apt-get "
                                        f"install {pkg}); it has {', '.join(sorted(have)) or 'none'}")
    ok, png = cv2.imencode(".png", page if page.ndim == 2 else page[..., ::-1])
    proc = subprocess.run([exe, "stdin", "stdout", "-l", want, "--psm", "3", "tsv"], input=png.tobytes(),
                          capture_output=True, timeout=600)
    if proc.returncode != 0:
        raise BrightroomError(f"tesseract failed (exit {proc.returncode}): "
                              f"{proc.stderr.decode(errors='replace').strip()[:200]}")
    groups: dict[tuple[int, int, int, int], list[tuple[str, float, tuple[int, int, int, int]]]] = {}
    for row in proc.stdout.decode("utf-8", errors="replace").splitlines()[1:]:
        f = row.split("\t")
        if len(f) < 12 or f[0] != "5" or not f[11].strip():
            continue
        key = (int(f[1]), int(f[2]), int(f[3]), int(f[4]))
        x, y, w, h = (int(v) for v in f[6:10])
        groups.setdefault(key, []).append((f[11].strip(), float(f[10]), (x, y, x + w, y + h)))
    lines = []
    for words in groups.values():
        text = join_cjk(" ".join(w[0] for w in words))
        bx = np.array([w[2] for w in words], np.float64)
        conf = float(np.mean([w[1] for w in words])) / 100.0
        lines.append(TextLine(text, (bx[:, 0].min(), bx[:, 1].min(), bx[:, 2].max(), bx[:, 3].max()), conf))
    return lines


OCR_METHODS: Methods[Callable[..., list[TextLine]]] = Methods("OCR")
"""OCR engines by name: ``fn(page, lang=) -> [TextLine]``."""
OCR_METHODS.register(
    "ppocr", ppocr, aliases=("pp-ocrv4", "rapidocr"),
    cite="Du, Y. et al. (2020). PP-OCR: A practical ultra lightweight OCR system. arXiv:2009.09941.")
OCR_METHODS.register(
    "tesseract", tesseract, aliases=("tesseract5",),
    cite="Smith, R. (2007). An overview of the Tesseract OCR engine. ICDAR 2007, 629-633.")
OCR_METHODS.freeze()


def ocr(page: np.ndarray, *, method: str = "ppocr", lang: str = "auto",
        boxes: np.ndarray | None = None) -> list[TextLine]:
    """Recognise the text of a flattened, upright page.

    Parameters
    ----------
    page
        uint8 RGB ``H x W x 3`` or gray ``H x W``.
    method
        A key of :data:`OCR_METHODS` (``"ppocr"``, ``"tesseract"``).
    lang
        One of :data:`LANGS`.
    boxes
        Text-line quads already found in ``page`` by PP-OCR's detector (``N x 4 x 2``, page
        pixels, e.g. from :func:`~brightroom.scan.orient.orientation_and_lines`): ``ppocr``
        reads them instead of detecting again. Ignored by ``tesseract``, and for a small page
        that is enlarged for reading.

    Returns
    -------
    list of TextLine
        In reading order, boxes in ``page``'s pixels.

    Raises
    ------
    OCREngineMissingError
        The engine or its language data is not installed (the message names the package).
    """
    if lang not in LANGS:
        raise ParameterError(f"unknown OCR language {lang!r}; expected one of {', '.join(LANGS)}")
    fn: Callable[..., list[TextLine]] = OCR_METHODS.get(method)
    kw: dict[str, object] = {"lang": lang}
    h, w = page.shape[:2]
    up = min(3.0, _MIN_SIDE / max(h, w))
    if up <= 1.0 or page.dtype == np.uint8 and page.ndim == 2 and np.isin(page[::7, ::7], (0, 255)).all():
        # a binarised page (bw mode) is read as it is: enlarging its hard edges made the
        # recogniser read more errors on the receipt test (6.4 % CER against under 5 %)
        if boxes is not None and OCR_METHODS.canonical(method) == "ppocr":
            kw["boxes"] = boxes
        return fn(page, **kw)
    # a small page (a crop, a low-resolution photo): both engines find and read more when its
    # text is enlarged to the size they are tuned for (and detect again at that size)
    big = cv2.resize(page, (round(w * up), round(h * up)), interpolation=cv2.INTER_CUBIC)
    return [TextLine(ln.text, tuple(v / up for v in ln.box), ln.confidence) for ln in fn(big, **kw)]
