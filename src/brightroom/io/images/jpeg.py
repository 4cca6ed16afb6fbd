"""JPEG: libjpeg-turbo through OpenCV, with the EXIF (APP1) and ICC (APP2) segments spliced in.

The quantisation to 8 bits, clipping and the RGB -> BGR swap are one numba pass, tested bit-exact
against the NumPy reference :func:`~brightroom.io.images.quantize`. Images of 2 MP and more are
cut into horizontal bands that are quantised and encoded on all cores and joined with JPEG
restart markers (:func:`encode_jpeg_parallel`; it decodes to exactly the pixels of the
single-pass :func:`encode_jpeg`), on as many threads as numba may use in the calling thread
(``num_threads()``: one in a one-thread batch worker). Decoding is OpenCV's, with
Pillow naming the problem in a truncated file.

References
----------
ITU-T T.81 | ISO/IEC 10918-1 (JPEG), Annex B (markers and segments).
ICC.1:2010, Annex B.4 (embedding ICC profiles in JPEG APP2 segments).
"""

from __future__ import annotations

import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from brightroom._jit import njit, num_threads
from brightroom.errors import CorruptFileError, ParameterError
from brightroom.io.images._common import _as_rgb_float, _check_size, _corrupt, quantize_fast
from brightroom.io.images.exif import _pil_info

__all__ = ["encode_jpeg", "encode_jpeg_parallel"]

_PARALLEL_MIN_PIXELS = 2_000_000
_MCU_ROWS = 16  # chunk heights are multiples of the largest MCU height (4:2:0)


def _jpeg_segments(exif: bytes, icc: bytes | None) -> bytes:
    segs = []
    app1 = b"Exif\0\0" + exif
    if len(app1) + 2 > 65535:
        raise ParameterError(f"EXIF block of {len(app1)} bytes (with the recipe) does not fit a "
                             f"JPEG APP1 segment (65533 bytes)")
    segs.append(b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1)
    if icc:
        chunk = 65519
        parts = [icc[i: i + chunk] for i in range(0, len(icc), chunk)]
        for k, part in enumerate(parts, 1):
            body = b"ICC_PROFILE\0" + bytes((k, len(parts))) + part
            segs.append(b"\xff\xe2" + struct.pack(">H", len(body) + 2) + body)
    return b"".join(segs)


def _splice_jpeg(stream: bytes, segments: bytes) -> bytes:
    """Put ``segments`` right after SOI, dropping an APP0 JFIF segment (EXIF replaces it)."""
    if stream[:2] != b"\xff\xd8":
        raise CorruptFileError("encoder returned a stream without a JPEG SOI marker")
    pos = 2
    if stream[2:4] == b"\xff\xe0":
        (n,) = struct.unpack_from(">H", stream, 4)
        pos = 4 + n
    return b"\xff\xd8" + segments + stream[pos:]


def _encode_jpeg(pix: np.ndarray, quality: int, exif: bytes, icc: bytes | None) -> bytes:
    # the caller's thread budget (numba's count is per thread: a one-thread batch worker
    # encodes in one pass instead of oversubscribing the cores other workers use)
    if pix.shape[0] * pix.shape[1] >= _PARALLEL_MIN_PIXELS and num_threads() > 1:
        stream = encode_jpeg_parallel(pix, quality)
    else:
        stream = encode_jpeg(pix, quality)
    return _splice_jpeg(stream, _jpeg_segments(exif, icc))


def encode_jpeg(pix: np.ndarray, quality: int = 92) -> bytes:
    """Baseline JPEG of display values ``pix`` (clipped, rounded to 8 bits): one libjpeg-turbo
    pass through OpenCV. The reference for :func:`encode_jpeg_parallel`."""
    import cv2

    bgr = quantize_fast(pix, 8, bgr=True)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ParameterError("OpenCV could not encode the JPEG")
    return buf.tobytes()


@njit(cache=True, nogil=True)
def _quantize_bgr8_serial(src, out):  # pragma: no cover - compiled
    n = src.shape[0]
    for i in range(n):
        for c in range(3):
            v = src[i, 2 - c]
            v = v if v > 0 else np.float32(0)
            v = v if v < 1 else np.float32(1)
            out[i, c] = np.rint(v * np.float32(255))


def _jpeg_split(stream: bytes) -> tuple[bytes, int, bytes, tuple[int, int]]:
    """(header up to and including SOS, offset of the SOF height, scan data, MCU size)."""
    pos, sof, mcu = 2, -1, (8, 8)
    while pos + 4 <= len(stream):
        marker = stream[pos + 1]
        (n,) = struct.unpack_from(">H", stream, pos + 2)
        if marker in (0xC0, 0xC1):
            sof = pos + 5
            ncomp = stream[pos + 9]
            hs = [stream[pos + 11 + 3 * k] >> 4 for k in range(ncomp)]
            vs = [stream[pos + 11 + 3 * k] & 15 for k in range(ncomp)]
            mcu = (8 * max(vs), 8 * max(hs))
        elif marker in (0xC2, 0xC3, 0xDD):
            raise ParameterError("unexpected progressive/lossless JPEG or restart interval")
        pos += 2 + n
        if marker == 0xDA:
            break
    if sof < 0 or not stream.endswith(b"\xff\xd9"):
        raise ParameterError("encoder output is not a complete baseline JPEG")
    return stream[:pos], sof, stream[pos:-2], mcu


def encode_jpeg_parallel(pix: np.ndarray, quality: int = 92, *, chunks: int | None = None,
                         workers: int | None = None) -> bytes:
    """:func:`encode_jpeg` with horizontal bands encoded in parallel and joined by restart
    markers.

    Every band (a multiple of 16 rows) is quantised and encoded independently with identical
    tables; the bands' entropy-coded segments are then concatenated with ``RSTn`` markers and a
    ``DRI`` segment whose interval is the band's MCU count. Restart markers reset the DC
    predictions exactly as an independent encode starts them, and 2 x 2 chroma averaging never
    crosses an MCU, so the file decodes to exactly the pixels of the single-pass encode
    (tested), while the quantisation and the Huffman coding run on all cores.

    References
    ----------
    ITU-T T.81 (1992), sections B.2.4.4 (DRI) and F.1.2.3 / F.2.1.3 (restart intervals).
    """
    import cv2

    src = np.ascontiguousarray(pix, dtype=np.float32)
    h, w = src.shape[:2]
    workers = workers or min(num_threads(), 8)
    # a restart interval holds at most 65535 MCUs (8 x 8 pixels at the smallest)
    max_rows = (65535 // -(-w // 8)) // _MCU_ROWS * _MCU_ROWS
    n = max(chunks or workers, 1)
    band = -(-h // n)
    band = min(-(-band // _MCU_ROWS) * _MCU_ROWS, max_rows)
    starts = list(range(0, h, band)) if band > 0 else []
    if len(starts) <= 1:
        return encode_jpeg(pix, quality)

    def job(y0: int) -> bytes:
        part = src[y0: y0 + band]
        out = np.empty(part.shape, dtype=np.uint8)
        _quantize_bgr8_serial(part.reshape(-1, 3), out.reshape(-1, 3))
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
        if not ok:
            raise ParameterError("OpenCV could not encode the JPEG")
        return buf.tobytes()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        streams = list(pool.map(job, starts))
    parts = [_jpeg_split(st) for st in streams]
    head, sof, _, (mcu_h, mcu_w) = parts[0]
    if band % mcu_h:
        return encode_jpeg(pix, quality)

    def norm(p: tuple) -> bytes:
        hd, so = p[0], p[1]
        return hd[:so] + b"\0\0" + hd[so + 2:]

    ref = norm(parts[0])
    if any(norm(p) != ref for p in parts[1:]):  # tables differ: cannot join
        return encode_jpeg(pix, quality)
    interval = (band // mcu_h) * -(-w // mcu_w)
    sos = head.rfind(b"\xff\xda")
    head = (head[:sof] + struct.pack(">H", h) + head[sof + 2: sos]
            + b"\xff\xdd" + struct.pack(">HH", 4, interval) + head[sos:])
    body = bytearray(head)
    for k, p in enumerate(parts):
        if k:
            body += bytes((0xFF, 0xD0 + (k - 1) % 8))
        body += p[2]
    body += b"\xff\xd9"
    return bytes(body)


def _decode_jpeg(data: bytes, path: Path) -> tuple[np.ndarray, int, dict[str, Any]]:
    import cv2

    info, im = _pil_info(data, path)
    _check_size(path, im.size[0], im.size[1], max(len(im.getbands()), 3), 1, len(data))
    tail = data.rstrip(b"\0 \r\n")
    arr = None
    if tail.endswith(b"\xff\xd9"):
        arr = cv2.imdecode(np.frombuffer(data, np.uint8),
                           cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    if arr is None:  # let Pillow decide (and name the problem)
        try:
            im.load()
        except Exception as e:  # noqa: BLE001
            raise _corrupt(path, e) from None
        arr = np.asarray(im.convert("RGB"))
        pix, bits = _as_rgb_float(arr, path)
    else:
        pix, bits = _as_rgb_float(arr, path, bgr=True)
    return pix, bits, info


