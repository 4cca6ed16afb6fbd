"""Makers of hostile inputs: decompression bombs, cut and bit-flipped files, odd `.npy` files.

Shared by ``tests/test_bad_input.py`` and ``benchmarks/bench_bombs.py``. Every bomb declares a
huge picture in a few bytes; ``valid=True`` makes the compressed data decode to the whole
declared picture (slow to make: for the benchmark), else it is a short valid stream (the
refusal happens on the header, before any of it is decoded).
"""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

import numpy as np


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(width: int, height: int, *, gray: bool = False, valid: bool = False) -> bytes:
    """A PNG declaring ``width x height`` (RGB or gray, 8-bit) of zeros."""
    ctype, ch = (0, 1) if gray else (2, 3)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, ctype, 0, 0, 0)
    if valid:
        c = zlib.compressobj(9)
        row = b"\0" * (1 + width * ch)
        idat = b"".join(c.compress(row) for _ in range(height)) + c.flush()
    else:
        idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def tiny_png_bomb() -> bytes:
    """About 70 bytes declaring 100000 x 100000."""
    return png_bytes(100_000, 100_000)


def _ifd(entries: list[tuple[int, int, int, bytes | int]], base: int) -> tuple[bytes, bytes]:
    """A little-endian IFD (entries: tag, type, count, value bytes or int) and its overflow
    data, to be placed at ``base``."""
    entries = sorted(entries)
    n = len(entries)
    extra = bytearray()
    out = bytearray(struct.pack("<H", n))
    data_at = base + 2 + 12 * n + 4
    for tag, typ, count, value in entries:
        if isinstance(value, int):
            raw = struct.pack("<H" if typ == 3 else "<I", value)
        else:
            raw = value
        if len(raw) <= 4:
            out += struct.pack("<HHI", tag, typ, count) + raw.ljust(4, b"\0")
        else:
            out += struct.pack("<HHII", tag, typ, count, data_at + len(extra))
            extra += raw
            if len(extra) % 2:
                extra += b"\0"
    out += b"\0\0\0\0"
    return bytes(out), bytes(extra)


def overlapping_tiff(width: int = 16000, height: int = 16000) -> bytes:
    """An uncompressed RGB TIFF whose one-row strips all point at the same bytes (~200 KB for
    a 16000 x 16000 picture that decodes to 768 MB)."""
    row = width * 3
    data_off = 8
    data = b"\x80" * row
    base = data_off + len(data)
    offsets = struct.pack(f"<{height}I", *([data_off] * height))
    counts = struct.pack(f"<{height}I", *([row] * height))
    ifd, extra = _ifd([
        (256, 4, 1, width), (257, 4, 1, height), (258, 3, 3, struct.pack("<3H", 8, 8, 8)),
        (259, 3, 1, 1), (262, 3, 1, 2), (273, 4, height, offsets), (277, 3, 1, 3),
        (278, 4, 1, 1), (279, 4, height, counts), (284, 3, 1, 1),
    ], base)
    return b"II*\0" + struct.pack("<I", base) + data + ifd + extra


def sparse_dng(path: Path, width: int = 40000, height: int = 40000) -> Path:
    """A DNG declaring an uncompressed 16-bit ``width x height`` RGGB mosaic whose data is a
    hole in a sparse file (the file is ``width * height * 2`` bytes long, a few kB on disk)."""
    base = 8
    ifd, extra = _ifd([
        (254, 4, 1, 0), (256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 16),
        (259, 3, 1, 1), (262, 3, 1, 32803), (273, 4, 1, 4096), (277, 3, 1, 1),
        (278, 4, 1, height), (279, 4, 1, width * height * 2), (284, 3, 1, 1),
        (33421, 3, 2, struct.pack("<2H", 2, 2)), (33422, 1, 4, bytes((0, 1, 1, 2))),
        (50706, 1, 4, bytes((1, 4, 0, 0))), (50717, 3, 1, 4095),
    ], base)
    head = b"II*\0" + struct.pack("<I", base) + ifd + extra
    with open(path, "wb") as f:
        f.write(head.ljust(4096, b"\0"))
        f.truncate(4096 + width * height * 2)
    return path


def depth_jpeg_bomb() -> bytes:
    """A ~200-byte JPEG whose GDepth XMP holds a PNG declaring 65535 x 65535 (4.3 GB)."""
    png = base64.b64encode(png_bytes(65535, 65535, gray=True)).decode()
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/" xmlns:GDepth="http://ns.google.com/photos/1.0/'
           f'depthmap/" GDepth:Format="RangeInverse" GDepth:Near="1" GDepth:Far="10" '
           f'GDepth:Mime="image/png" GDepth:Data="{png}"/>').encode()
    body = b"http://ns.adobe.com/xap/1.0/\0" + xmp
    return b"\xff\xd8\xff\xe1" + struct.pack(">H", len(body) + 2) + body + b"\xff\xd9"


def short_xmp_jpeg() -> bytes:
    """A JPEG whose extended-XMP segment stops inside its header (a struct.error once)."""
    body = b"http://ns.adobe.com/xmp/extension/\0" + b"0" * 32 + b"\0\0"
    return b"\xff\xd8\xff\xe1" + struct.pack(">H", len(body) + 2) + body + b"\xff\xd9"


def npy_header_bomb(shape: tuple[int, int] = (100_000, 100_000)) -> bytes:
    """A ``.npy`` header declaring ``shape`` float32 with no data after it."""
    header = repr({"descr": "<f4", "fortran_order": False, "shape": shape}).encode()
    pad = (64 - (10 + len(header) + 1) % 64) % 64
    header += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header


def npy_object(path: Path) -> Path:
    """A ``.npy`` holding Python objects (loading it would unpickle)."""
    np.save(path, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    return path


def flip_bits(data: bytes, *, seed: int = 0, n: int = 40, start: int = 16) -> bytes:
    """``data`` with ``n`` random bits flipped after byte ``start``."""
    rng = np.random.default_rng(seed)
    b = bytearray(data)
    for i in rng.integers(start, len(b), n):
        b[int(i)] ^= 1 << int(rng.integers(0, 8))
    return bytes(b)


BOMBS = ("png-16k", "png-gray-30k", "png-tiny-100k", "tiff-overlap", "dng-sparse-40k",
         "depth-jpeg-64k", "npy-100k")
"""The bombs of issue 11, by name (see :func:`make_bomb`)."""


def make_bomb(name: str, folder: Path, *, valid: bool = False) -> Path:
    """Write the bomb ``name`` into ``folder``; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    if name == "png-16k":
        p = folder / "bomb-16k.png"
        p.write_bytes(png_bytes(16384, 16384, valid=valid))
    elif name == "png-gray-30k":
        p = folder / "bomb-gray-30k.png"
        p.write_bytes(png_bytes(30000, 30000, gray=True))
    elif name == "png-tiny-100k":
        p = folder / "bomb-100k.png"
        p.write_bytes(tiny_png_bomb())
    elif name == "tiff-overlap":
        p = folder / "bomb-overlap.tif"
        p.write_bytes(overlapping_tiff())
    elif name == "dng-sparse-40k":
        p = sparse_dng(folder / "bomb-sparse.dng")
    elif name == "depth-jpeg-64k":
        p = folder / "bomb-depth.jpg"
        p.write_bytes(depth_jpeg_bomb())
    elif name == "npy-100k":
        p = folder / "bomb-depth.npy"
        p.write_bytes(npy_header_bomb())
    else:
        raise KeyError(name)
    return p
