"""TIFF: 8/16-bit integer or 32-bit float RGB through tifffile, the EXIF fields as TIFF tags.

Writing puts Make, Model, Orientation, the exposure and DateTimeOriginal in IFD0, the recipe in
ImageDescription (UTF-8) and the ICC profile in InterColorProfile. Reading accepts RGB and
grayscale (also WhiteIsZero and YCbCr) in either planar configuration, and names a file whose
image data runs past its end as truncated.

References
----------
Adobe Systems (1992). TIFF Revision 6.0.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from brightroom.errors import UnsupportedFormatError
from brightroom.io.dng import _fraction
from brightroom.io.images._common import _as_rgb_float, _check_size, _corrupt, quantize_fast
from brightroom.io.images.exif import (
    _T_DATETIME,
    _T_DATETIME_ORIG,
    _T_DESC,
    _T_EXIF_IFD,
    _T_EXPOSURE,
    _T_FNUMBER,
    _T_FOCAL,
    _T_ISO,
    _T_MAKE,
    _T_MODEL,
    _T_ORIENT,
    _T_SOFTWARE,
    _exif_text,
    _num,
    exif_bytes,
)

__all__: list[str] = []

_T_ICC = 34675  # InterColorProfile
_T_DESC_RAW = -270  # key under which _tiff_tags keeps ImageDescription's exact bytes


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
        _check_size(path, int(page.imagewidth), int(page.imagelength),
                    int(page.samplesperpixel), max(int(page.bitspersample) // 8, 1), size)
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


def _tiff_file_metadata(path: Path) -> tuple[int, int, bytes | None, bytes, dict[str, Any]]:
    """Width, height, ICC, an EXIF block of the tags' fields and the fields, without the pixels."""
    tags, tif = _tiff_tags(path)
    with tif:
        page = tif.pages.first
        width, height = int(page.imagewidth), int(page.imagelength)
    fields = _tiff_fields(tags)
    icc = tags.get(_T_ICC)
    return width, height, bytes(icc) if icc is not None else None, exif_bytes(fields), fields
