"""A searchable PDF: each page an image with an invisible, correctly placed text layer.

The file is written by hand (ISO 32000-1), so that the text layer is exactly what we mean:

* the image is a JPEG (``/DCTDecode``) for ``color`` and ``gray`` pages, and a 1-bit CCITT
  Group 4 image (``/CCITTFaxDecode``, through Pillow's libtiff) for ``bw`` pages, so a bw A4 page
  at 300 dpi is tens of kilobytes;
* the text is drawn in rendering mode 3 (invisible, ISO 32000-1 9.3.6) with a ``Type0`` font,
  ``Identity-H`` encoding, CID = the character's Unicode code point and a ``ToUnicode`` CMap, so
  ``pdftotext`` and viewers' search read back the very characters the OCR gave;
* each recognised line is one string, stretched with the horizontal scaling operator ``Tz`` to
  the line's box, so consecutive glyphs touch: nothing in the layer looks like a gap between two
  CJK characters, and no extractor inserts the spurious spaces of OCRmyPDF's issues 715, 1041
  and 1391. Spaces are there only where the text has a space character.

The embedded font is Tesseract's glyphless font (``data/glyphless.ttf``, Apache-2.0, from
tesseract-ocr's ``tessdata/pdf.ttf``): every CID maps to its one empty glyph.

References
----------
ISO 32000-1:2008, Document management - Portable document format - Part 1: PDF 1.7
(9.7 Composite fonts, 9.10.3 ToUnicode CMaps, 8.9.5 image dictionaries, 9.3.6 text rendering mode).
ITU-T Recommendation T.6 (1988), Facsimile coding schemes and coding control functions for group
4 facsimile apparatus.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

import cv2
import numpy as np
from PIL import Image as PILImage
from PIL import TiffImagePlugin

from brightroom.errors import ParameterError

__all__ = ["PdfPage", "TextLine", "pdf_bytes"]


@dataclass(frozen=True)
class TextLine:
    """One recognised line: its text and its box ``(x0, y0, x1, y1)`` in page pixels."""

    text: str
    box: tuple[float, float, float, float]
    confidence: float = 1.0


@dataclass(frozen=True)
class PdfPage:
    """One page of the PDF.

    Parameters
    ----------
    pixels
        uint8 ``H x W x 3`` (color) or ``H x W`` (gray, or bw with values 0/255).
    mode
        ``"color"``, ``"gray"`` or ``"bw"``.
    dpi
        Pixels per inch: the page is ``W / dpi`` by ``H / dpi`` inches.
    lines
        The text layer, in pixel coordinates of ``pixels``.
    quality
        JPEG quality of color and gray pages.
    """

    pixels: np.ndarray
    mode: str
    dpi: float
    lines: Sequence[TextLine] = field(default_factory=tuple)
    quality: int = 80


def _encode_image(page: PdfPage) -> tuple[dict[str, str], bytes]:
    a = page.pixels
    h, w = a.shape[:2]
    if page.mode == "bw":
        im = PILImage.fromarray(np.ascontiguousarray(a if a.ndim == 2 else a[..., 0]) > 127)
        buf = io.BytesIO()
        old = TiffImagePlugin.STRIP_SIZE
        TiffImagePlugin.STRIP_SIZE = 1 << 30  # one strip: the whole G4 stream
        try:
            im.save(buf, format="TIFF", compression="group4")
        finally:
            TiffImagePlugin.STRIP_SIZE = old
        buf.seek(0)
        tif = PILImage.open(buf)
        offs, counts = tif.tag_v2[273], tif.tag_v2[279]
        raw = buf.getvalue()
        data = b"".join(raw[o:o + c] for o, c in zip(offs, counts))
        if len(offs) != 1:
            raise ParameterError(f"G4 encoder wrote {len(offs)} strips; expected one")
        # PhotometricInterpretation 0 (white is zero) is what libtiff writes for mode '1' input;
        # BlackIs1 says how the decoder maps bits.
        black_is_1 = str(tif.tag_v2.get(262, 0)) == "0"
        dic = {"/Width": str(w), "/Height": str(h), "/ColorSpace": "/DeviceGray",
               "/BitsPerComponent": "1", "/Filter": "/CCITTFaxDecode",
               "/DecodeParms": f"<< /K -1 /Columns {w} /Rows {h} "
                               f"/BlackIs1 {'true' if black_is_1 else 'false'} >>"}
        return dic, data
    q = [cv2.IMWRITE_JPEG_QUALITY, int(page.quality)]
    if page.mode == "gray":
        g = a if a.ndim == 2 else a[..., 0]
        ok, enc = cv2.imencode(".jpg", np.ascontiguousarray(g), q)
        cs = "/DeviceGray"
    elif page.mode == "color":
        ok, enc = cv2.imencode(".jpg", np.ascontiguousarray(a[..., ::-1]), q)
        cs = "/DeviceRGB"
    else:
        raise ParameterError(f"unknown page mode {page.mode!r}; expected color, gray or bw")
    if not ok:  # pragma: no cover - OpenCV refuses only impossible shapes
        raise ParameterError(f"JPEG encoder refused a {w} x {h} page")
    return ({"/Width": str(w), "/Height": str(h), "/ColorSpace": cs, "/BitsPerComponent": "8",
             "/Filter": "/DCTDecode"}, enc.tobytes())


def _to_unicode_cmap() -> bytes:
    # codes are 2 bytes, CID = Unicode code point of the BMP; one bfrange per first byte
    # (a range may differ only in its last byte, ISO 32000-1 9.10.3), surrogates left out.
    ranges = [f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>" for hi in range(256) if not 0xD8 <= hi <= 0xDF]
    body = []
    for i in range(0, len(ranges), 100):
        chunk = ranges[i:i + 100]
        body.append(f"{len(chunk)} beginbfrange\n" + "\n".join(chunk) + "\nendbfrange")
    return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            + "\n".join(body) + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
            ).encode("ascii")


def _hex(text: str) -> str:
    return "".join(f"{ord(c):04X}" if ord(c) <= 0xFFFF and not 0xD800 <= ord(c) <= 0xDFFF else "FFFD"
                   for c in text)


def _text_ops(page: PdfPage, scale: float, height_pt: float) -> str:
    """Content-stream operators of the invisible text layer (page pixels -> points)."""
    out = ["BT", "3 Tr"]
    for line in page.lines:
        text = line.text.rstrip()
        if not text.strip():
            continue
        x0, y0, x1, y1 = line.box
        h_pt = max((y1 - y0) * scale, 1.0)
        w_pt = max((x1 - x0) * scale, 1.0)
        size = h_pt  # the glyphless font's em spans the line box's height
        natural = 0.5 * size * len(text)  # every glyph 500/1000 em wide (DW 500)
        tz = 100.0 * w_pt / natural
        base = height_pt - y1 * scale + 0.2 * h_pt  # baseline above the box bottom (descenders)
        out.append(f"/F1 {size:.2f} Tf {tz:.3f} Tz 1 0 0 1 {x0 * scale:.2f} {base:.2f} Tm "
                   f"<{_hex(text)}> Tj")
    out.append("ET")
    return "\n".join(out)


def pdf_bytes(pages: Sequence[PdfPage]) -> bytes:
    """The bytes of a PDF with one page per :class:`PdfPage`, in order.

    Parameters
    ----------
    pages
        The pages.

    Returns
    -------
    bytes
        A PDF 1.5 file (written to disk by the caller, atomically).
    """
    if not pages:
        raise ParameterError("a PDF needs at least one page; got none")
    objs: list[bytes] = []

    def add(body: bytes | str) -> int:
        objs.append(body.encode("latin-1") if isinstance(body, str) else body)
        return len(objs)

    def stream(dic: str, data: bytes) -> bytes:
        return f"<< {dic} /Length {len(data)} >>\nstream\n".encode("latin-1") + data + b"\nendstream"

    catalog = add("")  # filled in below
    pages_id = add("")
    font_file = resources.files("brightroom.scan").joinpath("data/glyphless.ttf").read_bytes()
    ff = add(stream(f"/Length1 {len(font_file)}", font_file))
    cid_to_gid = zlib.compress(b"\x00\x01" * 65536)
    c2g = add(stream("/Filter /FlateDecode", cid_to_gid))
    desc = add(f"<< /Type /FontDescriptor /FontName /GlyphLessFont /Flags 5 "
               f"/FontBBox [0 0 500 1000] /ItalicAngle 0 /Ascent 1000 /Descent 0 /CapHeight 1000 "
               f"/StemV 80 /FontFile2 {ff} 0 R >>")
    cid = add(f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont "
              f"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
              f"/FontDescriptor {desc} 0 R /DW 500 /CIDToGIDMap {c2g} 0 R >>")
    cmap = zlib.compress(_to_unicode_cmap())
    tu = add(stream("/Filter /FlateDecode", cmap))
    font = add(f"<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont /Encoding /Identity-H "
               f"/DescendantFonts [{cid} 0 R] /ToUnicode {tu} 0 R >>")
    kids = []
    for page in pages:
        h, w = page.pixels.shape[:2]
        scale = 72.0 / float(page.dpi)
        wpt, hpt = w * scale, h * scale
        dic, data = _encode_image(page)
        img = add(stream(" ".join(f"/Type /XObject /Subtype /Image {k} {v}" if i == 0 else f"{k} {v}"
                                  for i, (k, v) in enumerate(dic.items())), data))
        content = (f"q {wpt:.3f} 0 0 {hpt:.3f} 0 0 cm /Im0 Do Q\n"
                   + _text_ops(page, scale, hpt)).encode("latin-1")
        cs = add(stream("/Filter /FlateDecode", zlib.compress(content)))
        kids.append(add(f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {wpt:.3f} {hpt:.3f}] "
                        f"/Resources << /XObject << /Im0 {img} 0 R >> /Font << /F1 {font} 0 R >> >> "
                        f"/Contents {cs} 0 R >>"))
    objs[catalog - 1] = f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode("latin-1")
    objs[pages_id - 1] = (f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] "
                          f"/Count {len(kids)} >>").encode("latin-1")
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode("latin-1") + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode("latin-1")
    out += b"".join(f"{o:010d} 00000 n \n".encode("latin-1") for o in offsets)
    out += (f"trailer\n<< /Size {len(objs) + 1} /Root {catalog} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            ).encode("latin-1")
    return bytes(out)
