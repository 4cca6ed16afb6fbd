"""PNG: libpng through OpenCV (8 or 16 bits), with ``iCCP``, ``eXIf`` and ``iTXt`` chunks spliced in.

The recipe travels twice: in the EXIF block like every format, and as an ``iTXt`` chunk with the
keyword :data:`RECIPE_KEY`, which PNG tools show as text.

References
----------
ISO/IEC 15948:2004 (PNG) and PNG Extensions 1.5.0 (``eXIf``).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from brightroom.errors import CorruptFileError, ParameterError
from brightroom.io.images._common import _as_rgb_float, _check_size, _corrupt, quantize_fast
from brightroom.io.images.exif import parse_exif

__all__ = ["RECIPE_KEY"]

RECIPE_KEY = "brightroom:recipe"
"""PNG ``iTXt`` keyword holding the recipe."""


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png_chunks(stream: bytes) -> list[tuple[bytes, bytes]]:
    out = []
    pos = 8
    while pos + 12 <= len(stream):
        (n,) = struct.unpack_from(">I", stream, pos)
        kind = stream[pos + 4: pos + 8]
        out.append((kind, stream[pos + 8: pos + 8 + n]))
        pos += 12 + n
        if kind == b"IEND":
            break
    return out


def _splice_png(stream: bytes, exif: bytes, icc: bytes | None, recipe: str | None) -> bytes:
    if stream[:8] != b"\x89PNG\r\n\x1a\n" or stream[12:16] != b"IHDR":
        raise CorruptFileError("encoder returned a stream that is not a PNG")
    end_ihdr = 8 + 12 + struct.unpack_from(">I", stream, 8)[0]
    extra = []
    if icc:
        extra.append(_png_chunk(b"iCCP", b"ICC profile\0\0" + zlib.compress(icc)))
    extra.append(_png_chunk(b"eXIf", exif))
    if recipe is not None:
        text = recipe.encode("utf-8")
        extra.append(_png_chunk(b"iTXt", RECIPE_KEY.encode("latin-1") + b"\0\0\0\0\0" + text))
    return stream[:end_ihdr] + b"".join(extra) + stream[end_ihdr:]


def _png_metadata(stream: bytes) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for kind, data in _png_chunks(stream):
        if kind == b"IHDR":
            if len(data) < 13:
                continue
            w, h, depth, ctype = struct.unpack_from(">IIBB", data)
            meta.update(width=w, height=h, bit_depth=depth, color_type=ctype)
        elif kind == b"iCCP":
            name, _, rest = data.partition(b"\0")
            try:
                meta["icc"] = zlib.decompress(rest[1:])
            except zlib.error:
                pass
        elif kind == b"eXIf":
            meta["exif"] = data
        elif kind == b"iTXt":
            key, _, rest = data.partition(b"\0")
            if len(rest) < 2:
                continue
            compressed, text = rest[0], rest[2:]
            _lang, _, text = text.partition(b"\0")
            _trans, _, text = text.partition(b"\0")
            if compressed:
                try:
                    text = zlib.decompress(text)
                except zlib.error:
                    continue
            meta.setdefault("text", {})[key.decode("latin-1")] = text.decode("utf-8", "replace")
        elif kind in (b"tEXt",):
            key, _, text = data.partition(b"\0")
            meta.setdefault("text", {})[key.decode("latin-1")] = text.decode("latin-1")
    return meta


def _encode_png(pix: np.ndarray, bits: int, exif: bytes, icc: bytes | None,
                recipe: str | None) -> bytes:
    import cv2

    bgr = quantize_fast(pix, bits, bgr=True)
    ok, buf = cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise ParameterError("OpenCV could not encode the PNG")
    return _splice_png(buf.tobytes(), exif, icc, recipe)


def _decode_png(data: bytes, path: Path) -> tuple[np.ndarray, int, dict[str, Any]]:
    import cv2

    meta = _png_metadata(data)
    if "width" not in meta:
        raise _corrupt(path, "no IHDR chunk")
    if not data.rstrip(b"\0").endswith(b"IEND\xaeB`\x82"):
        raise _corrupt(path, "no IEND chunk at the end")
    channels = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}.get(meta.get("color_type", 2), 4)
    _check_size(path, meta["width"], meta["height"], channels,
                2 if meta.get("bit_depth") == 16 else 1, len(data))
    arr = cv2.imdecode(np.frombuffer(data, np.uint8),
                       cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION)
    if arr is None:
        raise _corrupt(path, "libpng could not decode it")
    if arr.ndim == 3 and arr.shape[2] == 4:
        arr = arr[:, :, :3]
    pix, bits = _as_rgb_float(arr, path, bgr=arr.ndim == 3)
    text = meta.get("text", {})
    info = {"icc": meta.get("icc"), "exif": meta.get("exif"), "recipe": text.get(RECIPE_KEY)}
    return pix, bits, info


def _png_file_metadata(path: Path) -> tuple[int | None, int | None, bytes | None, bytes | None,
                                            dict[str, Any]]:
    """Width, height, ICC, EXIF and its fields (with the ``iTXt`` recipe) from the chunks."""
    meta = _png_metadata(path.read_bytes())
    exif = meta.get("exif")
    fields = parse_exif(exif)
    if RECIPE_KEY in meta.get("text", {}):
        fields["recipe"] = meta["text"][RECIPE_KEY]
    return meta.get("width"), meta.get("height"), meta.get("icc"), exif, fields
