"""Read and write finished images: JPEG, PNG, TIFF, HEIC and AVIF, with EXIF and ICC.

Reading gives a float32 :class:`~brightroom.types.Image` in ``space="display"`` (values in
[0, 1], sRGB transfer curve) whose primaries come from the embedded ICC profile (recognised with
:func:`brightroom.io.icc.identify_icc`; untagged or unrecognised files are taken as sRGB). The
EXIF orientation is recorded, never applied to the pixels (HEIC is the exception: its rotation
is part of the container and libheif always applies it; see :func:`read_image`).

Writing encodes display values (``linear_rgb`` images are encoded with the sRGB curve first),
clips to [0, 1], rounds to 8 or 16 bits, embeds the ICC profile of ``image.primaries`` and an
EXIF block (camera, exposure, orientation, software, and the development recipe), and goes
through :func:`brightroom.files.atomic_write`.

JPEG is encoded with OpenCV's libjpeg-turbo (much faster than Pillow); the quantisation to
8 bits, clipping and the RGB -> BGR swap are one numba pass, tested bit-exact against the NumPy
reference :func:`quantize`. Images of 2 MP and more are cut into horizontal bands that are
quantised and encoded on all cores and joined with JPEG restart markers
(:func:`encode_jpeg_parallel`; it decodes to exactly the pixels of the single-pass
:func:`encode_jpeg`). The EXIF (APP1) and ICC (APP2) segments are spliced into the JPEG stream
here, and PNG chunks (``iCCP``, ``eXIf``, ``iTXt``) likewise.

References
----------
ITU-T T.81 | ISO/IEC 10918-1 (JPEG), Annex B (markers and segments).
ISO/IEC 15948:2004 (PNG) and PNG Extensions 1.5.0 (``eXIf``).
ICC.1:2010, Annex B.4 (embedding ICC profiles in JPEG APP2 segments).
JEITA CP-3451C (Exif 2.3).
Adobe Systems (1992). TIFF Revision 6.0.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numba
import numpy as np

from brightroom._version import __version__
from brightroom.errors import (
    CorruptFileError,
    InputError,
    ParameterError,
    UnsupportedFormatError,
)
from brightroom.files import atomic_write, check_output
from brightroom.io.icc import icc_description, icc_profile, identify_icc
from brightroom.types import CameraInfo, Image

__all__ = [
    "read_image",
    "write_image",
    "read_metadata",
    "sniff_image",
    "quantize",
    "quantize_fast",
    "encode_jpeg",
    "encode_jpeg_parallel",
    "exif_bytes",
    "parse_exif",
    "IMAGE_EXTENSIONS",
    "WRITE_EXTENSIONS",
    "RECIPE_KEY",
]

_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".tif": "TIFF", ".tiff": "TIFF",
            ".heic": "HEIC", ".heif": "HEIC", ".avif": "AVIF"}
IMAGE_EXTENSIONS: tuple[str, ...] = tuple(_FORMATS)
"""Extensions :func:`read_image` accepts."""
WRITE_EXTENSIONS: tuple[str, ...] = IMAGE_EXTENSIONS
"""Extensions :func:`write_image` accepts (the format is chosen from the extension)."""
RECIPE_KEY = "brightroom:recipe"
"""PNG ``iTXt`` keyword holding the recipe."""

_BIT_DEPTHS = {"JPEG": (8,), "HEIC": (8,), "AVIF": (8,), "PNG": (8, 16), "TIFF": (8, 16, 32)}
_DEFAULT_DEPTH = {"JPEG": 8, "HEIC": 8, "AVIF": 8, "PNG": 16, "TIFF": 16}

# EXIF tags
_T_DESC, _T_MAKE, _T_MODEL, _T_ORIENT, _T_SOFTWARE, _T_DATETIME = 270, 271, 272, 274, 305, 306
_T_EXIF_IFD, _T_EXPOSURE, _T_FNUMBER, _T_ISO, _T_FOCAL = 34665, 33434, 33437, 34855, 37386
_T_DATETIME_ORIG, _T_EXIF_VERSION, _T_COLORSPACE, _T_ICC = 36867, 36864, 40961, 34675
_T_USER_COMMENT = 37510
_T_DESC_RAW = -270  # key under which _tiff_tags keeps ImageDescription's exact bytes

PathLike = str | os.PathLike[str]


def _supported() -> str:
    return ", ".join(IMAGE_EXTENSIONS)


def _format_of(path: Path) -> str:
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UnsupportedFormatError(
            f"{path}: unsupported image format {path.suffix or '(no extension)'!r}; "
            f"supported: {_supported()}"
        )
    return fmt


# ----------------------------------------------------------------------------- quantisation
def quantize(data: np.ndarray, bits: int = 8, *, bgr: bool = False) -> np.ndarray:
    """Clip to [0, 1] and round to ``bits``-bit integers (the NumPy reference).

    Parameters
    ----------
    data
        ``H x W x 3`` float32 display values. NaN becomes 0.
    bits
        8 or 16.
    bgr
        Return the channels in B, G, R order (for OpenCV's encoders).

    Returns
    -------
    numpy.ndarray
        uint8 or uint16, rounded half to even: ``rint(clip(x, 0, 1) * (2**bits - 1))`` in float32.
    """
    top = np.float32(2**bits - 1)
    x = np.nan_to_num(np.asarray(data, dtype=np.float32), nan=0.0)
    out = np.rint(np.clip(x, 0, 1) * top).astype(np.uint8 if bits == 8 else np.uint16)
    return np.ascontiguousarray(out[..., ::-1]) if bgr else out


@numba.njit(parallel=True, cache=True, nogil=True)
def _quantize_kernel(src, out, top, bgr):  # pragma: no cover - compiled
    # src, out: (N, 3); clip (NaN -> 0), scale, round half to even, optionally swap R and B
    n = src.shape[0]
    for i in numba.prange(n):
        for c in range(3):
            v = src[i, 2 - c] if bgr else src[i, c]
            v = v if v > 0 else np.float32(0)
            v = v if v < 1 else np.float32(1)
            out[i, c] = np.rint(v * top)


def quantize_fast(data: np.ndarray, bits: int = 8, *, bgr: bool = False) -> np.ndarray:
    """:func:`quantize` as one parallel numba pass (bit-identical)."""
    src = np.ascontiguousarray(data, dtype=np.float32)
    out = np.empty(src.shape, dtype=np.uint8 if bits == 8 else np.uint16)
    _quantize_kernel(src.reshape(-1, 3), out.reshape(-1, 3), np.float32(2**bits - 1), bgr)
    return out


def _to_display(image: Image, path: Path) -> np.ndarray:
    from brightroom.color.spaces import RGB_SPACES, encode

    if not isinstance(image, Image):
        raise ParameterError(f"{path}: write_image needs a brightroom Image, got "
                             f"{type(image).__name__}")
    if image.space == "camera_rgb":
        raise ParameterError(f"{path}: cannot write a camera_rgb image; convert it to an output "
                             f"space (linear_rgb or display) first")
    if image.primaries not in RGB_SPACES:
        raise ParameterError(f"{path}: no ICC profile for primaries {image.primaries!r}; "
                             f"known: {', '.join(RGB_SPACES)}")
    if image.space == "linear_rgb":
        return encode(image.data, "sRGB")
    if image.transfer != "sRGB":
        raise ParameterError(f"{path}: display transfer {image.transfer!r} is not supported "
                             f"for writing; use 'sRGB'")
    return image.data


# ----------------------------------------------------------------------------- EXIF
def _exif_fields(image: Image) -> dict[str, Any]:
    cam = image.camera
    meta = image.metadata or {}
    f: dict[str, Any] = {"software": f"Brightroom {__version__}"}
    if cam is not None:
        f.update(make=cam.make, model=cam.model, iso=cam.iso, exposure_time=cam.exposure_time,
                 f_number=cam.f_number, focal_length=cam.focal_length,
                 datetime=(cam.exif or {}).get("datetime"), orientation=cam.orientation)
    if "orientation" in meta:
        f["orientation"] = int(meta["orientation"])
    f.setdefault("orientation", 1)
    if f["orientation"] not in range(1, 9):
        raise ParameterError(f"EXIF orientation must be 1..8, got {f['orientation']}")
    recipe = meta.get("recipe")
    if recipe is not None:
        if not isinstance(recipe, str):
            raise ParameterError(f"metadata['recipe'] must be a TOML string, got "
                                 f"{type(recipe).__name__}")
        f["recipe"] = recipe
    f["colorspace"] = 1 if image.primaries == "sRGB" else 0xFFFF
    f["height"], f["width"] = image.shape[:2]
    return {k: v for k, v in f.items() if v not in (None, "")}


def exif_bytes(fields: Mapping[str, Any]) -> bytes:
    """A little-endian EXIF TIFF block (without the ``Exif\\0\\0`` prefix) from ``fields``.

    Keys: ``make``, ``model``, ``orientation``, ``software``, ``recipe`` (written as
    ImageDescription, UTF-8), ``datetime``, ``iso``, ``exposure_time``, ``f_number``,
    ``focal_length``, ``colorspace``, ``width``, ``height``.
    """
    from brightroom.io.dng import ASCII, LONG, RATIONAL, SHORT, UNDEFINED, _ifd, _ifd_size

    ifd0: list[tuple[int, int, Any]] = []
    for key, tag in (("recipe", _T_DESC), ("make", _T_MAKE), ("model", _T_MODEL),
                     ("software", _T_SOFTWARE)):
        if fields.get(key):
            ifd0.append((tag, ASCII, fields[key]))
    ifd0.append((_T_ORIENT, SHORT, int(fields.get("orientation", 1))))
    sub: list[tuple[int, int, Any]] = [(_T_EXIF_VERSION, UNDEFINED, b"0232")]
    for key, tag in (("exposure_time", _T_EXPOSURE), ("f_number", _T_FNUMBER),
                     ("focal_length", _T_FOCAL)):
        if fields.get(key):
            sub.append((tag, RATIONAL, float(fields[key])))
    if fields.get("iso"):
        sub.append((_T_ISO, SHORT, min(int(round(float(fields["iso"]))), 65535)))
    if fields.get("datetime"):
        sub.append((_T_DATETIME_ORIG, ASCII, str(fields["datetime"])))
    recipe = fields.get("recipe")
    if recipe and not recipe.isascii():
        # some writers (Pillow's AVIF) re-encode ASCII tags as 7-bit: keep an exact copy as an
        # Exif UserComment in the UNICODE charset (UCS-2 in the block's byte order, Exif 4.6.5)
        sub.append((_T_USER_COMMENT, UNDEFINED, b"UNICODE\0" + recipe.encode("utf-16-le")))
    if fields.get("colorspace"):
        sub.append((_T_COLORSPACE, SHORT, int(fields["colorspace"])))
    if fields.get("width") and fields.get("height"):  # PixelX/YDimension (Exif 4.6.5)
        sub.append((40962, LONG, int(fields["width"])))
        sub.append((40963, LONG, int(fields["height"])))
    ifd0.append((_T_EXIF_IFD, LONG, 0))
    sub_at = 8 + _ifd_size(ifd0)
    ifd0[-1] = (_T_EXIF_IFD, LONG, sub_at)
    return b"II*\0" + struct.pack("<I", 8) + _ifd(ifd0, 8) + _ifd(sub, sub_at)


def _exif_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.split(b"\0")[0].decode("utf-8", "replace")
    s = str(value)
    try:  # Pillow decodes ASCII tags as latin-1; ours are UTF-8
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def _num(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, tuple | list):
        if len(value) == 2 and all(isinstance(v, int) for v in value):
            return value[0] / value[1] if value[1] else None
        value = value[0] if value else None
    try:
        v = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return v if np.isfinite(v) and v > 0 else None


def parse_exif(data: bytes | None) -> dict[str, Any]:
    """The fields :func:`exif_bytes` writes, read back from an EXIF block (with or without
    the ``Exif\\0\\0`` prefix). Unknown or absent fields are left out."""
    if not data:
        return {}
    from PIL import Image as PILImage

    ex = PILImage.Exif()
    try:
        ex.load(bytes(data))
        sub = ex.get_ifd(_T_EXIF_IFD)
    except Exception:  # noqa: BLE001 - broken EXIF is ignored, not fatal
        return {}

    def get(tag: int) -> Any:
        return sub.get(tag, ex.get(tag))

    out: dict[str, Any] = {
        "make": _exif_text(ex[_T_MAKE]).strip() if ex.get(_T_MAKE) else None,
        "model": _exif_text(ex[_T_MODEL]).strip() if ex.get(_T_MODEL) else None,
        "software": _exif_text(ex[_T_SOFTWARE]).strip() if ex.get(_T_SOFTWARE) else None,
        "orientation": int(ex.get(_T_ORIENT, 1) or 1),
        "iso": _num(get(_T_ISO)),
        "exposure_time": _num(get(_T_EXPOSURE)),
        "f_number": _num(get(_T_FNUMBER)),
        "focal_length": _num(get(_T_FOCAL)),
        "datetime": (_exif_text(get(_T_DATETIME_ORIG) or ex.get(_T_DATETIME) or "").strip()
                     or None),
    }
    desc = ex.get(_T_DESC)
    comment = sub.get(_T_USER_COMMENT)
    ours = str(out.get("software") or "").startswith("Brightroom")
    if ours and isinstance(comment, bytes) and comment[:8] == b"UNICODE\0":
        enc = "utf-16-be" if (_strip_exif_header(bytes(data)) or b"")[:2] == b"MM" else "utf-16-le"
        out["recipe"] = comment[8:].decode(enc, "replace")
    elif desc and ours:
        out["recipe"] = _exif_text(desc)
    elif desc:
        out["description"] = _exif_text(desc)
    if out["orientation"] not in range(1, 9):
        out["orientation"] = 1
    return {k: v for k, v in out.items() if v is not None}


# ----------------------------------------------------------------------------- JPEG segments
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


# ----------------------------------------------------------------------------- PNG chunks
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


# ----------------------------------------------------------------------------- writing
def _encode_jpeg(pix: np.ndarray, quality: int, exif: bytes, icc: bytes | None) -> bytes:
    if pix.shape[0] * pix.shape[1] >= _PARALLEL_MIN_PIXELS and (os.cpu_count() or 1) > 1:
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


_PARALLEL_MIN_PIXELS = 2_000_000
_MCU_ROWS = 16  # chunk heights are multiples of the largest MCU height (4:2:0)


@numba.njit(cache=True, nogil=True)
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
    from concurrent.futures import ThreadPoolExecutor

    import cv2

    src = np.ascontiguousarray(pix, dtype=np.float32)
    h, w = src.shape[:2]
    workers = workers or min(os.cpu_count() or 1, 8)
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


def _encode_png(pix: np.ndarray, bits: int, exif: bytes, icc: bytes | None,
                recipe: str | None) -> bytes:
    import cv2

    bgr = quantize_fast(pix, bits, bgr=True)
    ok, buf = cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise ParameterError("OpenCV could not encode the PNG")
    return _splice_png(buf.tobytes(), exif, icc, recipe)


def _write_tiff(tmp: Path, pix: np.ndarray, bits: int, fields: dict[str, Any],
                icc: bytes | None) -> None:
    import tifffile

    arr = pix.astype(np.float32) if bits == 32 else quantize_fast(pix, bits)
    extratags: list[tuple] = [(_T_ORIENT, "H", 1, int(fields.get("orientation", 1)), True)]
    for key, tag in (("make", _T_MAKE), ("model", _T_MODEL)):
        if fields.get(key):
            extratags.append((tag, "s", 0, str(fields[key]), True))
    for key, tag in (("exposure_time", _T_EXPOSURE), ("f_number", _T_FNUMBER),
                     ("focal_length", _T_FOCAL)):
        if fields.get(key):
            from brightroom.io.dng import _fraction

            extratags.append((tag, "2I", 1, _fraction(float(fields[key]), False), True))
    if fields.get("iso"):
        extratags.append((_T_ISO, "H", 1, min(int(round(float(fields["iso"]))), 65535), True))
    if fields.get("datetime"):
        extratags.append((_T_DATETIME_ORIG, "s", 0, str(fields["datetime"]), True))
    recipe = fields.get("recipe")
    tifffile.imwrite(
        tmp, arr, photometric="rgb", metadata=None, software=fields.get("software"),
        description=recipe.encode("utf-8") if recipe else None, iccprofile=icc,
        extratags=extratags,
    )


def write_image(
    image: Image,
    path: PathLike,
    *,
    quality: int = 92,
    bit_depth: int | None = None,
    overwrite: bool = False,
    inputs: tuple[PathLike, ...] | list[PathLike] = (),
) -> Path:
    """Write ``image`` as JPEG, PNG, TIFF, HEIC or AVIF (chosen by the extension), atomically.

    Parameters
    ----------
    image
        A ``display`` image (sRGB transfer curve), or a ``linear_rgb`` one (encoded with the sRGB
        curve here). Values are clipped to [0, 1] and rounded.
    path
        Output file: ``.jpg``/``.jpeg``, ``.png``, ``.tif``/``.tiff``, ``.heic``, ``.avif``.
    quality
        JPEG/HEIC/AVIF quality, 1-100.
    bit_depth
        PNG/TIFF: 8 or 16 (default 16); TIFF also 32 (float32, unclipped display values).
        JPEG/HEIC/AVIF are 8-bit.
    overwrite
        Replace an existing file.
    inputs
        Files the image was made from; writing over one needs ``overwrite``.

    Returns
    -------
    pathlib.Path
        The written file.

    Notes
    -----
    Embedded: the ICC profile of ``image.primaries`` (:func:`brightroom.io.icc.icc_profile`), and
    EXIF Make, Model, ISO, ExposureTime, FNumber, FocalLength, DateTimeOriginal (from
    ``image.camera``), Orientation (``metadata["orientation"]`` if given, else
    ``camera.orientation``, else 1), Software ``"Brightroom <version>"`` and the recipe
    (``metadata["recipe"]``, TOML) as ImageDescription; PNG also carries the recipe in an
    ``iTXt`` chunk ``"brightroom:recipe"``. Other EXIF tags of a source file are not copied.

    Raises
    ------
    UnsupportedFormatError
        Unknown extension.
    ParameterError
        Bad quality or bit depth, a ``camera_rgb`` image, unknown primaries.
    OutputExistsError
        ``path`` exists (or is an input) and ``overwrite`` is false.
    """
    path = Path(path)
    fmt = _format_of(path)
    bits = _DEFAULT_DEPTH[fmt] if bit_depth is None else bit_depth
    if bits not in _BIT_DEPTHS[fmt]:
        raise ParameterError(f"{path}: bit depth {bit_depth} is not available for {fmt}; "
                             f"use one of {_BIT_DEPTHS[fmt]}")
    if not isinstance(quality, int | np.integer) or not 1 <= quality <= 100:
        raise ParameterError(f"{path}: quality must be an integer in 1..100, got {quality!r}")
    check_output(path, overwrite=overwrite, inputs=inputs)  # fail before encoding
    pix = _to_display(image, path)
    fields = _exif_fields(image)
    icc = icc_profile(image.primaries)
    exif = exif_bytes(fields)
    if fmt == "JPEG":
        blob: bytes | None = _encode_jpeg(pix, quality, exif, icc)
    elif fmt == "PNG":
        blob = _encode_png(pix, bits, exif, icc, fields.get("recipe"))
    else:
        blob = None
    with atomic_write(path, overwrite=overwrite, inputs=inputs) as tmp:
        if blob is not None:
            with open(tmp, "wb") as f:
                f.write(blob)
        elif fmt == "TIFF":
            _write_tiff(tmp, pix, bits, fields, icc)
        elif fmt == "HEIC":
            import pillow_heif

            u8 = quantize_fast(pix, 8)
            heif = pillow_heif.from_bytes(mode="RGB", size=(u8.shape[1], u8.shape[0]),
                                          data=u8.tobytes())
            heif.save(tmp, quality=int(quality), exif=b"Exif\0\0" + exif, icc_profile=icc)
        else:  # AVIF
            from PIL import Image as PILImage

            PILImage.fromarray(quantize_fast(pix, 8)).save(
                tmp, format="AVIF", quality=int(quality), exif=b"Exif\0\0" + exif,
                icc_profile=icc)
    return path


# ----------------------------------------------------------------------------- reading
def _sniff(head: bytes) -> str | None:
    if head[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if head[:4] in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"):
        return "TIFF"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "AVIF"
        return "HEIC"
    return None


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")


def _corrupt(path: Path, e: Exception | str) -> CorruptFileError:
    detail = e if isinstance(e, str) else f"{type(e).__name__}: {e}"
    return CorruptFileError(f"{path}: file is truncated or corrupt ({detail})")


@numba.njit(parallel=True, cache=True, nogil=True)
def _dequantize_kernel(src, out, scale, bgr):  # pragma: no cover - compiled
    h, w, n = src.shape
    for i in numba.prange(h):
        for j in range(w):
            for c in range(3):
                k = 0 if n < 3 else (2 - c if bgr else c)
                out[i, j, c] = np.float32(src[i, j, k]) * scale


def _as_rgb_float(arr: np.ndarray, path: Path, bgr: bool = False) -> tuple[np.ndarray, int]:
    """Pixels of any decoder to float32 H x W x 3 in [0, 1], plus the bit depth.

    Gray becomes three equal channels, alpha is dropped, ``bgr`` input is reordered. Integers
    are scaled by ``float32(1 / (2**bits - 1))`` (one parallel numba pass).
    """
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise UnsupportedFormatError(f"{path}: image of shape {arr.shape} is not 2-D")
    if arr.dtype in (np.uint8, np.uint16):
        bits = 8 if arr.dtype == np.uint8 else 16
        src = np.ascontiguousarray(arr)
        out = np.empty((*src.shape[:2], 3), dtype=np.float32)
        _dequantize_kernel(src, out, np.float32(1 / (2**bits - 1)), bgr and src.shape[2] >= 3)
        return out, bits
    if arr.dtype.kind == "f":
        if arr.shape[2] < 3:
            arr = np.repeat(arr[:, :, :1], 3, axis=2)
        arr = arr[:, :, :3][:, :, ::-1] if bgr else arr[:, :, :3]
        return np.ascontiguousarray(arr, dtype=np.float32), 32
    raise UnsupportedFormatError(f"{path}: {arr.dtype} samples are not supported "
                                 f"(8/16-bit integers or float)")


def _pil_info(data: bytes, path: Path) -> tuple[dict[str, Any], Any]:
    from PIL import Image as PILImage

    try:
        im = PILImage.open(io.BytesIO(data))
    except Exception as e:  # noqa: BLE001
        raise _corrupt(path, e) from None
    exif = im.info.get("exif")
    if exif is None:
        try:
            ex = im.getexif()
            exif = ex.tobytes() if len(ex) else None
        except Exception:  # noqa: BLE001
            exif = None
    return {"icc": im.info.get("icc_profile") or None, "exif": exif}, im


def _strip_exif_header(exif: bytes | None) -> bytes | None:
    if exif and exif[:6] == b"Exif\0\0":
        return exif[6:]
    return exif or None


def _decode_jpeg(data: bytes, path: Path) -> tuple[np.ndarray, int, dict[str, Any]]:
    import cv2

    info, im = _pil_info(data, path)
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


def _decode_png(data: bytes, path: Path) -> tuple[np.ndarray, int, dict[str, Any]]:
    import cv2

    meta = _png_metadata(data)
    if not data.rstrip(b"\0").endswith(b"IEND\xaeB`\x82"):
        raise _corrupt(path, "no IEND chunk at the end")
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


def _tiff_fields(tags: Mapping[int, Any]) -> dict[str, Any]:
    def text(tag: int) -> str | None:
        v = tags.get(tag)
        if v is None:
            return None
        return _exif_text(v).strip() or None

    exif_ifd = tags.get(_T_EXIF_IFD) if isinstance(tags.get(_T_EXIF_IFD), dict) else {}
    fields: dict[str, Any] = {
        "make": text(_T_MAKE), "model": text(_T_MODEL), "software": text(_T_SOFTWARE),
        "orientation": int(np.ravel(tags.get(_T_ORIENT, 1))[0]),
        "iso": _num(tags.get(_T_ISO, exif_ifd.get("ISOSpeedRatings"))),
        "exposure_time": _num(tags.get(_T_EXPOSURE, exif_ifd.get("ExposureTime"))),
        "f_number": _num(tags.get(_T_FNUMBER, exif_ifd.get("FNumber"))),
        "focal_length": _num(tags.get(_T_FOCAL, exif_ifd.get("FocalLength"))),
        "datetime": text(_T_DATETIME_ORIG) or text(_T_DATETIME),
    }
    desc = tags.get(_T_DESC_RAW)
    desc = _exif_text(desc) if desc is not None else None
    if desc and str(fields.get("software") or "").startswith("Brightroom"):
        fields["recipe"] = desc
    elif desc:
        fields["description"] = desc
    if fields["orientation"] not in range(1, 9):
        fields["orientation"] = 1
    return {k: v for k, v in fields.items() if v is not None}


def _tiff_tags(path: Path) -> tuple[dict[int, Any], Any]:
    import tifffile

    try:
        tif = tifffile.TiffFile(path)
    except Exception as e:  # noqa: BLE001
        raise _corrupt(path, e) from None
    page = tif.pages.first
    tags: dict[int, Any] = {t.code: t.value for t in page.tags.values()}
    desc = page.tags.get(_T_DESC)
    if desc is not None:  # tifffile strips whitespace from strings: read the exact bytes
        fh = tif.filehandle
        if desc.count <= 4:
            tags[_T_DESC_RAW] = desc.value
        else:
            fh.seek(desc.valueoffset)
            tags[_T_DESC_RAW] = fh.read(desc.count).split(b"\0")[0]
    return tags, tif


def _decode_tiff(path: Path) -> tuple[np.ndarray, int, dict[str, Any]]:
    tags, tif = _tiff_tags(path)
    with tif:
        page = tif.pages.first
        size = path.stat().st_size
        for off, n in zip(page.dataoffsets, page.databytecounts, strict=False):
            if off + n > size:
                raise _corrupt(path, f"image data ends at byte {off + n}, the file has {size}")
        try:
            arr = page.asarray()
        except Exception as e:  # noqa: BLE001
            raise _corrupt(path, e) from None
        photometric = int(page.photometric)
        if photometric not in (0, 1, 2, 6):
            raise UnsupportedFormatError(
                f"{path}: TIFF PhotometricInterpretation {photometric} (palette, CMYK, Lab, ...) "
                f"is not supported; use RGB or grayscale")
        if page.planarconfig == 2 and arr.ndim == 3 and arr.shape[0] in (3, 4):
            arr = np.moveaxis(arr, 0, -1)
    pix, bits = _as_rgb_float(arr, path)
    if photometric == 0:  # WhiteIsZero
        pix = np.float32(1) - pix
    fields = _tiff_fields(tags)
    icc = tags.get(_T_ICC)
    info = {"icc": bytes(icc) if icc is not None else None, "fields": fields,
            "exif": exif_bytes(fields)}
    return pix, bits, info


def _decode_heif(data: bytes, path: Path, fmt: str) -> tuple[np.ndarray, int, dict[str, Any]]:
    if fmt == "HEIC":
        import pillow_heif

        try:
            heif = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=False)
            arr = np.asarray(heif)
        except Exception as e:  # noqa: BLE001
            raise _corrupt(path, e) from None
        info = dict(heif.info)
        if arr.dtype == np.uint16 and info.get("bit_depth", 16) < 16:
            pass  # pillow-heif scales 10/12-bit samples to the full 16-bit range
        exif = _strip_exif_header(info.get("exif"))
        fields = parse_exif(exif)
        # libheif has applied the container's rotation/mirroring (irot/imir, which writers
        # derive from the EXIF orientation): the pixels are upright now
        applied = fields.get("orientation", 1)
        fields["orientation"] = 1
        out = {"icc": info.get("icc_profile") or None, "exif": exif, "fields": fields,
               "orientation_applied": applied if applied != 1 else None}
        pix, bits = _as_rgb_float(arr, path)
        return pix, int(info.get("bit_depth", bits)), out
    from PIL import Image as PILImage

    try:
        im = PILImage.open(io.BytesIO(data))
        im.load()
    except Exception as e:  # noqa: BLE001
        raise _corrupt(path, e) from None
    arr = np.asarray(im.convert("RGB"))
    pix, bits = _as_rgb_float(arr, path)
    return pix, bits, {"icc": im.info.get("icc_profile") or None, "exif": im.info.get("exif")}


def read_image(path: PathLike) -> Image:
    """Read a JPEG, PNG (8/16-bit), TIFF (8/16-bit, float), HEIC or AVIF file.

    Parameters
    ----------
    path
        The image file. Its extension must be one of :data:`IMAGE_EXTENSIONS`; the contents
        decide the decoder.

    Returns
    -------
    Image
        float32 ``H x W x 3`` in [0, 1] (float TIFFs as stored), ``space="display"``,
        ``transfer="sRGB"``, ``primaries`` from the ICC profile (``"sRGB"`` when untagged or
        unrecognised). ``camera`` holds Make/Model/exposure/orientation from the EXIF.
        ``metadata``: ``path``, ``format``, ``bit_depth``, ``exif`` (TIFF-structured bytes or
        None), ``orientation`` (EXIF 1..8; the pixels are *not* rotated), ``icc`` (bytes or
        None), ``icc_space``, ``icc_description`` and ``recipe`` when the file has one. For HEIC
        the container's rotation is always applied by libheif; ``orientation`` is then 1 and
        ``orientation_applied`` says what was applied.

    Raises
    ------
    InputError
        Missing file, or a file that is no image at all.
    UnsupportedFormatError
        Unknown extension.
    CorruptFileError
        Truncated or undecodable file.
    """
    path = Path(path)
    ext_fmt = _format_of(path)
    return _read_image(path, ext_fmt)


def sniff_image(path: PathLike) -> str | None:
    """The image format of a file from its first bytes (``"JPEG"``, ``"PNG"``, ...) or None."""
    with open(path, "rb") as f:
        return _sniff(f.read(16))


def _read_image(path: Path, ext_fmt: str | None) -> Image:
    _check_exists(path)
    data = path.read_bytes()
    fmt = _sniff(data[:16])
    if fmt is None:
        raise InputError(f"{path}: not a {ext_fmt or 'supported image'} file (it starts with "
                         f"{data[:8]!r}); supported: {_supported()}")
    if fmt == "JPEG":
        pix, bits, info = _decode_jpeg(data, path)
    elif fmt == "PNG":
        pix, bits, info = _decode_png(data, path)
    elif fmt == "TIFF":
        pix, bits, info = _decode_tiff(path)
    else:
        pix, bits, info = _decode_heif(data, path, fmt)
    exif = _strip_exif_header(info.get("exif"))
    fields = info.get("fields") or parse_exif(exif)
    icc = info.get("icc")
    space = identify_icc(icc)
    recipe = info.get("recipe") or fields.get("recipe")
    orientation = int(fields.get("orientation", 1))
    meta: dict[str, Any] = {
        "path": str(path), "format": fmt, "bit_depth": bits, "exif": exif,
        "orientation": orientation, "icc": icc, "icc_space": space,
        "icc_description": icc_description(icc) if icc else None,
    }
    if info.get("orientation_applied"):
        meta["orientation_applied"] = int(info["orientation_applied"])
    if recipe:
        meta["recipe"] = recipe
    exif_dict = {k: fields[k] for k in ("make", "model", "iso", "exposure_time", "f_number",
                                        "focal_length", "datetime") if k in fields}
    camera = CameraInfo(make=fields.get("make", ""), model=fields.get("model", ""),
                        iso=fields.get("iso"), exposure_time=fields.get("exposure_time"),
                        f_number=fields.get("f_number"), focal_length=fields.get("focal_length"),
                        orientation=orientation, exif=exif_dict)
    return Image(pix, space="display", primaries=space or "sRGB", transfer="sRGB",
                 camera=camera, metadata=meta)


def read_metadata(path: PathLike) -> dict[str, Any]:
    """What an image (or DNG) file says about itself, without decoding the pixels.

    Returns
    -------
    dict
        ``format``, ``width``, ``height``, ``orientation`` (as written in the file's EXIF; for
        HEIC the rotation stored in the container), ``make``, ``model``, ``iso``,
        ``exposure_time``, ``f_number``, ``focal_length``, ``datetime``, ``software``,
        ``recipe`` (or None), ``icc`` (bytes or None), ``icc_space`` (``"sRGB"``,
        ``"Display P3"``, ... or None) and ``exif`` (bytes or None).
    """
    path = Path(path)
    _check_exists(path)
    from brightroom.io.raw import is_raw_path

    if is_raw_path(path):
        return _raw_metadata(path)
    fmt_ext = _format_of(path)
    with open(path, "rb") as f:
        head = f.read(16)
    fmt = _sniff(head)
    if fmt is None:
        raise InputError(f"{path}: not a {fmt_ext} file (it starts with {head[:8]!r})")
    out: dict[str, Any] = {"format": fmt}
    if fmt == "PNG":
        meta = _png_metadata(path.read_bytes())
        exif = meta.get("exif")
        fields = parse_exif(exif)
        out.update(width=meta.get("width"), height=meta.get("height"), icc=meta.get("icc"))
        if RECIPE_KEY in meta.get("text", {}):
            fields["recipe"] = meta["text"][RECIPE_KEY]
    elif fmt == "TIFF":
        tags, tif = _tiff_tags(path)
        with tif:
            page = tif.pages.first
            out.update(width=int(page.imagewidth), height=int(page.imagelength))
        fields = _tiff_fields(tags)
        icc = tags.get(_T_ICC)
        out["icc"] = bytes(icc) if icc is not None else None
        exif = exif_bytes(fields)
    elif fmt == "HEIC":
        import pillow_heif

        try:
            heif = pillow_heif.open_heif(path)
        except Exception as e:  # noqa: BLE001
            raise _corrupt(path, e) from None
        exif = _strip_exif_header(heif.info.get("exif"))
        fields = parse_exif(exif)
        if heif.info.get("original_orientation"):
            fields["orientation"] = int(heif.info["original_orientation"])
        out.update(width=heif.size[0], height=heif.size[1], icc=heif.info.get("icc_profile"))
    else:
        info, im = _pil_info(path.read_bytes(), path)
        exif = _strip_exif_header(info["exif"])
        fields = parse_exif(exif)
        out.update(width=im.size[0], height=im.size[1], icc=info["icc"])
    out["icc"] = out.get("icc") or None
    out["icc_space"] = identify_icc(out["icc"])
    out["exif"] = _strip_exif_header(exif)
    for key in ("orientation", "make", "model", "iso", "exposure_time", "f_number",
                "focal_length", "datetime", "software", "recipe"):
        out[key] = fields.get(key)
    out["orientation"] = out["orientation"] or 1
    return out


def _raw_metadata(path: Path) -> dict[str, Any]:
    from brightroom.io.raw import _dng_camera, _open_tags, read_raw

    tags = _open_tags(path)
    if tags is not None and tags.is_dng:  # tags only, no pixels
        cam = _dng_camera(tags, path)
        h, w = tags.shape
        software = tags.ifd0.get(_T_SOFTWARE)
        fmt = "DNG"
    else:
        raw = read_raw(path)
        cam, (h, w), software = raw.camera, raw.shape, None
        fmt = str(raw.metadata.get("format", "raw"))
    return {"format": fmt, "width": w, "height": h, "orientation": cam.orientation,
            "make": cam.make or None, "model": cam.model or None, "iso": cam.iso,
            "exposure_time": cam.exposure_time, "f_number": cam.f_number,
            "focal_length": cam.focal_length, "datetime": cam.exif.get("datetime"),
            "software": str(software) if software else None, "recipe": None, "icc": None,
            "icc_space": None, "exif": None}
