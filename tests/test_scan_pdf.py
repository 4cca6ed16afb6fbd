"""The searchable PDF, read back by poppler's pdftotext (an independent reader): the text layer
holds the OCR's characters, CJK without spurious spaces, pages in order, bw pages small."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from brightroom.lab.metrics.text import cjk_spaces
from brightroom.scan.pdf import PdfPage, TextLine, pdf_bytes


def _text(pdf, tmp_path, *extra):
    p = tmp_path / "t.pdf"
    p.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", *extra, str(p), "-"], capture_output=True,
                          check=True).stdout.decode("utf-8")


def _page(mode="color", lines=()):
    shape = (400, 300, 3) if mode == "color" else (400, 300)
    return PdfPage(np.full(shape, 255, np.uint8), mode, 100.0, lines)


@pytest.mark.slow
def test_text_layer_reads_back_without_spaces_between_cjk(tmp_path):
    lines = (TextLine("文档扫描说明，中文文本", (20, 20, 280, 40)),
             TextLine("Hello searchable world", (20, 60, 250, 80)),
             TextLine("混合 Mixed 文本 2026", (20, 100, 260, 120)))
    out = _text(pdf_bytes([_page("color", lines)]), tmp_path)
    got = [ln for ln in out.splitlines() if ln.strip()]
    assert got == [ln.text for ln in lines]
    assert cjk_spaces(out) == 0


@pytest.mark.slow
def test_pages_in_order_and_text_placed_in_its_box(tmp_path):
    pages = [_page("gray", (TextLine(f"page {i}", (10, 300, 110, 320)),)) for i in range(3)]
    pdf = pdf_bytes(pages)
    assert pdf.count(b"/Type /Page ") == 3
    for i in range(3):
        assert _text(pdf, tmp_path, "-f", str(i + 1), "-l", str(i + 1)).strip() == f"page {i}"
    # pdftotext -bbox: the word's box in points (100 dpi page: pixels * 0.72)
    box = _text(pdf, tmp_path, "-bbox", "-f", "1", "-l", "1")
    import re
    m = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">page', box)
    x0, y0, x1, y1 = (float(v) for v in m.groups())
    assert abs(x0 - 7.2) < 1.5 and abs(y1 - 230.4) < 4 and abs(y0 - 216) < 4


def test_bw_a4_at_300_dpi_is_small():
    rng = np.random.default_rng(0)
    h, w = 3508, 2480
    page = np.full((h, w), 255, np.uint8)
    for y in range(300, 3200, 60):  # 48 lines of "text": runs of dark strokes
        xs = np.cumsum(rng.integers(8, 30, 200))
        for x in xs[xs < 2200]:
            page[y:y + 30, 200 + x:200 + x + int(rng.integers(2, 6))] = 0
    pdf = pdf_bytes([PdfPage(page, "bw", 300.0)])
    assert b"/CCITTFaxDecode" in pdf
    assert len(pdf) < 200_000


def test_no_pages_is_an_error():
    with pytest.raises(ValueError, match="at least one page"):
        pdf_bytes([])
