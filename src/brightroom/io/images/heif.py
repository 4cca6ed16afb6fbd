"""HEIC (through pillow-heif / libheif) and AVIF (through Pillow): 8-bit writing, reading with EXIF and ICC.

HEIC's rotation is part of the container and libheif always applies it when decoding: the
pixels :func:`_decode_heif` returns are upright, with the orientation it applied reported
(``orientation_applied``) and the EXIF orientation then taken as 1. 10/12-bit HEIC decodes to
16-bit samples.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from brightroom.io.images._common import _as_rgb_float, _corrupt, quantize_fast
from brightroom.io.images.exif import _strip_exif_header, parse_exif

__all__: list[str] = []


def _write_heic(tmp: Path, pix: np.ndarray, quality: int, exif: bytes, icc: bytes | None) -> None:
    """Encode display values ``pix`` as an 8-bit HEIC file ``tmp`` (pillow-heif)."""
    import pillow_heif

    u8 = quantize_fast(pix, 8)
    heif = pillow_heif.from_bytes(mode="RGB", size=(u8.shape[1], u8.shape[0]),
                                  data=u8.tobytes())
    heif.save(tmp, quality=int(quality), exif=b"Exif\0\0" + exif, icc_profile=icc)


def _write_avif(tmp: Path, pix: np.ndarray, quality: int, exif: bytes, icc: bytes | None) -> None:
    """Encode display values ``pix`` as an 8-bit AVIF file ``tmp`` (Pillow)."""
    from PIL import Image as PILImage

    PILImage.fromarray(quantize_fast(pix, 8)).save(
        tmp, format="AVIF", quality=int(quality), exif=b"Exif\0\0" + exif,
        icc_profile=icc)


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


def _heic_metadata(path: Path) -> tuple[int, int, bytes | None, bytes | None, dict[str, Any]]:
    """Width, height, ICC, EXIF and its fields without decoding; the orientation is the rotation
    stored in the container."""
    import pillow_heif

    try:
        heif = pillow_heif.open_heif(path)
    except Exception as e:  # noqa: BLE001
        raise _corrupt(path, e) from None
    exif = _strip_exif_header(heif.info.get("exif"))
    fields = parse_exif(exif)
    if heif.info.get("original_orientation"):
        fields["orientation"] = int(heif.info["original_orientation"])
    return heif.size[0], heif.size[1], heif.info.get("icc_profile"), exif, fields
