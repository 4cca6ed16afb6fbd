"""Files in and out: camera raws, DNG, finished images, ICC profiles, video, atomic writes.

* :func:`write` writes a :class:`~brightroom.types.RawImage` as DNG or an
  :class:`~brightroom.types.Image` as JPEG/PNG/TIFF/HEIC/AVIF.
* :func:`read` opens anything Brightroom reads: a camera raw (LibRaw formats, by extension) as a
  :class:`~brightroom.types.RawImage`, a JPEG/PNG/TIFF/HEIC/AVIF as an
  :class:`~brightroom.types.Image`.
* :func:`read_raw`, :func:`write_dng`: raw mosaics (:mod:`brightroom.io.raw`,
  :mod:`brightroom.io.dng`).
* :func:`read_image`, :func:`write_image`, :func:`read_metadata`: finished images with EXIF and
  ICC (:mod:`brightroom.io.images`).
* :func:`icc_profile`, :func:`identify_icc`: ICC display profiles (:mod:`brightroom.io.icc`).
* Video files through PyAV: :mod:`brightroom.io.video` (:func:`~brightroom.io.video.probe_video`,
  :func:`~brightroom.io.video.read_frames`, :class:`~brightroom.io.video.VideoWriter`).
* :func:`atomic_write`: every output goes through it (:mod:`brightroom.files`, floor 1).
"""

from __future__ import annotations

import os
from pathlib import Path

from brightroom.errors import (
    CorruptFileError,
    InputError,
    UnsupportedFormatError,
    UnsupportedRawError,
)
from brightroom.files import atomic_write
from brightroom.io.dng import write_dng
from brightroom.io.icc import icc_profile, identify_icc
from brightroom.io.images import (
    IMAGE_EXTENSIONS,
    _read_image,
    read_image,
    read_metadata,
    sniff_image,
    write_image,
)
from brightroom.io.raw import RAW_EXTENSIONS, read_raw
from brightroom.types import Image, RawImage

__all__ = [
    "read",
    "write",
    "read_raw",
    "read_image",
    "read_metadata",
    "write_image",
    "write_dng",
    "atomic_write",
    "icc_profile",
    "identify_icc",
    "RAW_EXTENSIONS",
    "IMAGE_EXTENSIONS",
]


def read(path: str | os.PathLike[str]) -> RawImage | Image:
    """Read a camera raw or a finished image, chosen by the file's extension.

    Raw extensions (:data:`RAW_EXTENSIONS`: ``.dng``, ``.cr2``, ``.cr3``, ``.nef``, ``.arw``,
    ``.raf``, ``.orf``, ``.rw2``, ...) give a :class:`RawImage`; image extensions
    (:data:`IMAGE_EXTENSIONS`) an :class:`Image`. A file with another extension is tried with
    LibRaw, then as an image by its contents.

    Raises
    ------
    InputError
        Missing file.
    UnsupportedFormatError
        Neither LibRaw nor an image decoder recognises the file.
    UnsupportedRawError, CorruptFileError
        As raised by :func:`read_raw` and :func:`read_image`.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext in RAW_EXTENSIONS:
        return read_raw(p)
    if ext in IMAGE_EXTENSIONS:
        return read_image(p)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if not p.is_file():
        raise InputError(f"{p}: not a regular file")
    try:
        return read_raw(p)
    except (UnsupportedRawError, CorruptFileError) as e:
        if sniff_image(p) is not None:
            return _read_image(p, None)
        raise UnsupportedFormatError(
            f"{p}: unknown file type {ext or '(no extension)'!r}: not an image Brightroom "
            f"reads ({', '.join(IMAGE_EXTENSIONS)}) and LibRaw cannot decode it either ({e})"
        ) from None


def write(
    obj: RawImage | Image,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    inputs: tuple[str | os.PathLike[str], ...] | list[str | os.PathLike[str]] = (),
    **options: object,
) -> Path:
    """Write a :class:`RawImage` (as ``.dng``) or an :class:`Image` (by extension), atomically.

    ``options`` go to :func:`write_image` (``quality``, ``bit_depth``).

    Raises
    ------
    UnsupportedFormatError
        A raw mosaic to a non-DNG path, or an unknown image extension.
    """
    p = Path(path)
    if isinstance(obj, RawImage):
        if p.suffix.lower() != ".dng":
            raise UnsupportedFormatError(f"{p}: a raw mosaic is written as DNG; use a .dng path")
        if options:
            raise TypeError(f"write_dng takes no options {sorted(options)}")
        return write_dng(obj, p, overwrite=overwrite, inputs=inputs)
    return write_image(obj, p, overwrite=overwrite, inputs=inputs, **options)  # type: ignore[arg-type]
