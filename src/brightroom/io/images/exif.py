"""EXIF for every format: the block Brightroom writes, reading one back, and Pillow's view of a file.

:func:`exif_bytes` builds a little-endian TIFF-structured EXIF block (IFD0 and the Exif IFD, with
the IFD writer of :mod:`brightroom.io.dng`) from the fields :func:`_exif_fields` takes from an
:class:`~brightroom.types.Image` (camera, exposure, orientation, software, the development
recipe); :func:`parse_exif` reads those fields back. :func:`merged_exif_bytes` adds the other
tags of the source photo's EXIF (GPS, lens, exposure details, the maker note where its format
does not depend on where it sits in the file) to that block. JPEG carries the block in APP1, PNG in
``eXIf``, HEIC and AVIF in their ``Exif`` item; TIFF writes the same fields as its own tags.

References
----------
JEITA CP-3451C (Exif 2.3).
Adobe Systems (1992). TIFF Revision 6.0.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from brightroom._version import __version__
from brightroom.errors import ParameterError
from brightroom.io.dng import ASCII, LONG, RATIONAL, SHORT, UNDEFINED, _ifd, _ifd_size
from brightroom.io.images._common import _pil_open
from brightroom.types import Image

__all__ = ["exif_bytes", "parse_exif", "merged_exif_bytes"]

# EXIF tags
_T_DESC, _T_MAKE, _T_MODEL, _T_ORIENT, _T_SOFTWARE, _T_DATETIME = 270, 271, 272, 274, 305, 306
_T_EXIF_IFD, _T_EXPOSURE, _T_FNUMBER, _T_ISO, _T_FOCAL = 34665, 33434, 33437, 34855, 37386
_T_DATETIME_ORIG, _T_EXIF_VERSION, _T_COLORSPACE = 36867, 36864, 40961
_T_USER_COMMENT = 37510


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
        with warnings.catch_warnings():  # Pillow warns about broken tags: they are ignored
            warnings.simplefilter("ignore")
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


def _strip_exif_header(exif: bytes | None) -> bytes | None:
    if exif and exif[:6] == b"Exif\0\0":
        return exif[6:]
    return exif or None


def _pil_info(data: bytes, path: Path) -> tuple[dict[str, Any], Any]:
    im = _pil_open(io.BytesIO(data), path)
    exif = im.info.get("exif")
    if exif is None:
        try:
            ex = im.getexif()
            exif = ex.tobytes() if len(ex) else None
        except Exception:  # noqa: BLE001
            exif = None
    return {"icc": im.info.get("icc_profile") or None, "exif": exif}, im


def _pil_metadata(path: Path) -> tuple[int, int, bytes | None, bytes | None, dict[str, Any]]:
    """Width, height, ICC, EXIF and its fields as Pillow reads them (JPEG and AVIF)."""
    info, im = _pil_info(path.read_bytes(), path)
    exif = _strip_exif_header(info["exif"])
    return im.size[0], im.size[1], info["icc"], exif, parse_exif(exif)


# ------------------------------------------------------------------------ carrying a source's EXIF

_TYPE_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_SWAP_UNIT = {3: 2, 4: 4, 5: 4, 8: 2, 9: 4, 10: 4, 11: 4, 12: 8, 13: 4}
_T_GPS_IFD, _T_INTEROP_IFD, _T_MAKER_NOTE = 34853, 40965, 37500
# IFD0 tags about the file's layout (strips, tiles, thumbnail, sub-IFDs) or redone here
_NOT_CARRIED_IFD0 = {256, 257, 258, 259, 262, 273, 277, 278, 279, 284, 322, 323, 324, 325, 330,
                     513, 514, 530, 531, 532, 700, 34675, _T_EXIF_IFD, _T_GPS_IFD, 0x4746, 0x4749}
_NOT_CARRIED_EXIF = {_T_INTEROP_IFD, 40962, 40963, 41728, 41729}
# maker notes whose offsets are relative to the note itself (or that hold their own TIFF
# header): safe to move to another place in another file (ExifTool's MakerNotes table)
_SAFE_MAKER_NOTES = (b"Apple iOS\0", b"Nikon\0\x02", b"FUJIFILM", b"OLYMPUS\0", b"OM SYSTEM\0",
                     b"HUAWEI\0", b"LEICA CAMERA AG\0", b"GENERALE", b"Ricoh\0", b"RICOH\0")
_MAX_EXIF = 60_000  # a JPEG APP1 segment holds 65533 bytes


def _raw_ifd(data: bytes, off: int, order: str) -> dict[int, tuple[int, int, bytes]]:
    """An IFD's entries ``tag -> (type, count, value bytes in little-endian order)``; entries
    of unknown types or that point outside the block are left out."""
    out: dict[int, tuple[int, int, bytes]] = {}
    if off <= 0 or off + 2 > len(data):
        return out
    (n,) = struct.unpack_from(order + "H", data, off)
    for k in range(min(n, 1000)):
        e = off + 2 + 12 * k
        if e + 12 > len(data):
            break
        tag, typ, count = struct.unpack_from(order + "HHI", data, e)
        size = _TYPE_SIZE.get(typ)
        if size is None or count > 1_000_000:
            continue
        nbytes = size * count
        if nbytes <= 4:
            raw = data[e + 8: e + 8 + nbytes]
        else:
            (at,) = struct.unpack_from(order + "I", data, e + 8)
            if at + nbytes > len(data):
                continue
            raw = data[at: at + nbytes]
        unit = _SWAP_UNIT.get(typ)
        if order == ">" and unit:
            raw = b"".join(raw[i: i + unit][::-1] for i in range(0, len(raw), unit))
        out[tag] = (typ, count, raw)
    return out


def _raw_exif(data: bytes | None) -> tuple[dict, dict, dict] | None:
    """IFD0, Exif IFD and GPS IFD of a TIFF-structured EXIF block, as :func:`_raw_ifd` gives."""
    tiff = _strip_exif_header(data)
    if not tiff or len(tiff) < 8 or tiff[:4] not in (b"II*\0", b"MM\0*"):
        return None
    order = "<" if tiff[:2] == b"II" else ">"
    (off,) = struct.unpack_from(order + "I", tiff, 4)
    ifd0 = _raw_ifd(tiff, off, order)

    def sub(tag: int) -> dict:
        e = ifd0.get(tag)
        if e is None or e[0] not in (4, 13) or e[1] != 1:
            return {}
        return _raw_ifd(tiff, struct.unpack("<I", e[2])[0], order)

    return ifd0, sub(_T_EXIF_IFD), sub(_T_GPS_IFD)


def _write_raw_ifds(ifd0: dict, exif: dict, gps: dict) -> bytes:
    """A little-endian TIFF EXIF block of raw entries (``tag -> (type, count, bytes)``)."""
    def block(entries: dict, at: int, pointers: dict[int, int]) -> bytes:
        tags = sorted(entries)
        head = [struct.pack("<H", len(tags))]
        tail: list[bytes] = []
        pos = at + 2 + 12 * len(tags) + 4
        for tag in tags:
            typ, count, raw = entries[tag]
            if tag in pointers:
                raw = struct.pack("<I", pointers[tag])
            if len(raw) <= 4:
                head.append(struct.pack("<HHI", tag, typ, count) + raw.ljust(4, b"\0"))
            else:
                head.append(struct.pack("<HHII", tag, typ, count, pos))
                raw = raw + b"\0" * (len(raw) % 2)
                tail.append(raw)
                pos += len(raw)
        head.append(struct.pack("<I", 0))
        return b"".join(head + tail)

    ifd0 = dict(ifd0)
    ifd0[_T_EXIF_IFD] = (4, 1, b"\0" * 4)
    if gps:
        ifd0[_T_GPS_IFD] = (4, 1, b"\0" * 4)
    size0 = len(block(ifd0, 8, {}))
    exif_at = 8 + size0
    size_exif = len(block(exif, exif_at, {}))
    gps_at = exif_at + size_exif
    pointers = {_T_EXIF_IFD: exif_at, _T_GPS_IFD: gps_at}
    out = b"II*\0" + struct.pack("<I", 8) + block(ifd0, 8, pointers) + block(exif, exif_at, {})
    if gps:
        out += block(gps, gps_at, {})
    return out


def merged_exif_bytes(source: bytes | None, fields: Mapping[str, Any]) -> bytes:
    """:func:`exif_bytes` of ``fields`` with the other tags of the ``source`` EXIF block added.

    Ours win where both have a tag (camera, exposure, orientation, software, recipe, colour
    space, pixel dimensions). From the source come its GPS IFD, the rest of IFD0 (date,
    artist, copyright, host computer, ...) and of the Exif IFD (lens make/model/specification,
    offset times, exposure program and bias, metering, flash, subject area, ...), and the maker
    note when it is of a self-contained kind (Apple, Nikon type 3, Fujifilm, Olympus/OM, Huawei,
    Leica, Ricoh: ExifTool's list of notes whose offsets do not refer to the rest of the file);
    other maker notes (Canon, Sony, Samsung, ...) would point to wrong bytes once moved and are
    left out, as are the thumbnail, strip/tile layout and interoperability IFD. A block that
    would exceed 60 000 bytes (a JPEG segment holds 65 533) leaves the maker note out.
    """
    ours = exif_bytes(fields)
    src = _raw_exif(source)
    if src is None:
        return ours
    mine = _raw_exif(ours)
    assert mine is not None
    ifd0, exif, gps = (dict(x) for x in mine)
    s0, se, sg = src
    for tag, entry in s0.items():
        if tag not in _NOT_CARRIED_IFD0 and tag not in ifd0:
            ifd0[tag] = entry
    for tag, entry in se.items():
        if tag in _NOT_CARRIED_EXIF or tag in exif:
            continue
        if tag == _T_MAKER_NOTE and not entry[2].startswith(_SAFE_MAKER_NOTES):
            continue
        exif[tag] = entry
    gps = dict(sg)
    ifd0.pop(_T_EXIF_IFD, None)
    ifd0.pop(_T_GPS_IFD, None)
    out = _write_raw_ifds(ifd0, exif, gps)
    if len(out) > _MAX_EXIF and _T_MAKER_NOTE in exif:
        exif.pop(_T_MAKER_NOTE)
        out = _write_raw_ifds(ifd0, exif, gps)
    return out if len(out) <= _MAX_EXIF else ours
