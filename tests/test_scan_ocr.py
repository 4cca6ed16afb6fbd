"""OCR engines: the PP-OCR models come from the wheel, text read from rendered lines (known
text), CJK spaces joined, missing engines named."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from brightroom.lab.metrics.text import cer
from brightroom.lab.scan_pages import FONTS
from brightroom.scan import ocr as ocr_mod
from brightroom.scan.ocr import (
    OCR_METHODS,
    OCREngineMissingError,
    detect_lang,
    join_cjk,
    latin_punctuation,
    ocr,
    ppocr_models,
)


def _lines(texts, font="cjk", size=36):
    f = ImageFont.truetype(FONTS[font], size)
    im = PILImage.new("RGB", (1100, 90 * len(texts) + 40), (250, 250, 248))
    d = ImageDraw.Draw(im)
    for i, t in enumerate(texts):
        d.text((30, 30 + 90 * i), t, font=f, fill=(15, 15, 15))
    return np.asarray(im)


def test_join_cjk_and_punctuation_and_lang():
    assert join_cjk("中 文 扫 描 ok so") == "中文扫描 ok so"
    assert join_cjk("价格 12 元") == "价格 12 元"
    assert latin_punctuation("here，have it。") == "here, have it."
    assert latin_punctuation("中文，中文") == "中文，中文"
    assert detect_lang("hello world") == "eng"
    assert detect_lang("文档扫描说明") == "chi_sim"
    assert detect_lang("会议 Python training 周三") == "eng+chi_sim"
    assert OCR_METHODS.canonical("RapidOCR") == "ppocr"


def test_ppocr_models_are_inside_the_installed_wheel():
    models = ppocr_models()
    names = {m.name for m in models}
    assert {"ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx"} <= names
    assert all(m.stat().st_size > 500_000 and "site-packages" in str(m) for m in models)


@pytest.mark.slow
def test_ppocr_reads_english_and_chinese_lines():
    texts = ["Invoice number 2026-114, total due", "文档扫描说明，中文文本", "会议 Python 培训"]
    lines = ocr(_lines(texts), method="ppocr")
    got = "\n".join(ln.text for ln in lines)
    assert cer(got, "\n".join(texts)) <= 0.05
    assert [detect_lang(ln.text) for ln in lines] == ["eng", "chi_sim", "eng+chi_sim"]


@pytest.mark.slow
def test_tesseract_reads_english():
    texts = ["Invoice number 2026-114, total due", "Thank you for your order"]
    lines = ocr(_lines(texts, font="sans"), method="tesseract", lang="eng")
    assert cer("\n".join(ln.text for ln in lines), "\n".join(texts)) <= 0.05


def test_missing_engines_name_the_package(monkeypatch):
    monkeypatch.setattr(ocr_mod.shutil, "which", lambda name: None)
    with pytest.raises(OCREngineMissingError, match="tesseract-ocr"):
        ocr(np.zeros((10, 10), np.uint8), method="tesseract")
    monkeypatch.setattr(ocr_mod.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(OCREngineMissingError, match="rapidocr-onnxruntime"):
        ppocr_models()


def test_unknown_language_and_engine():
    with pytest.raises(ValueError, match="unknown OCR language 'fra'"):
        ocr(np.zeros((10, 10), np.uint8), lang="fra")
    with pytest.raises(ValueError, match="unknown OCR method 'abbyy'"):
        ocr(np.zeros((10, 10), np.uint8), method="abbyy")
