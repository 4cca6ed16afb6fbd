"""Files in and out: camera raws, DNG, finished images, ICC profiles, video, atomic writes.

* :func:`write` writes a :class:`~brightroom.types.RawImage` as DNG or an
  :class:`~brightroom.types.Image` as JPEG/PNG/TIFF/HEIC/AVIF; it is also
  :func:`brightroom.write` (one function under two names).
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
from collections.abc import Iterable
from pathlib import Path

from brightroom.errors import (
    CorruptFileError,
    InputError,
    ParameterError,
    UnsupportedFormatError,
    UnsupportedRawError,
)
from brightroom.files import atomic_write
from brightroom.io.dng import write_dng
from brightroom.io.icc import icc_profile, identify_icc
from brightroom.io.images import (
    IMAGE_EXTENSIONS,
    WRITE_EXTENSIONS,
    _read_image,
    read_image,
    read_metadata,
    sniff_image,
    write_image,
)
from brightroom.io.raw import RAW_EXTENSIONS, read_raw
from brightroom.types import Image, LinearRawImage, RawImage

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
    "WRITE_EXTENSIONS",
]


def read(path: str | os.PathLike[str]) -> RawImage | LinearRawImage | Image:
    """Read a camera raw or a finished image, chosen by the file's extension.

    Raw extensions (:data:`RAW_EXTENSIONS`: ``.dng``, ``.cr2``, ``.cr3``, ``.nef``, ``.arw``,
    ``.raf``, ``.orf``, ``.rw2``, ...) give a :class:`RawImage` (a
    :class:`~brightroom.types.LinearRawImage` for linear DNGs and monochrome raws); image extensions
    (:data:`IMAGE_EXTENSIONS`) an :class:`Image`. A file with another extension is tried with
    LibRaw, then as an image by its contents.

    This is :func:`brightroom.read`.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    RawImage or Image
        As :func:`read_raw` or :func:`read_image` return them.

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
    image: RawImage | Image,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
    quality: int | None = None,
    bit_depth: int | None = None,
    preview: bool = False,
) -> Path:
    """Write a :class:`RawImage` as DNG or an :class:`Image` as JPEG/PNG/TIFF/HEIC/AVIF, atomically.

    This is :func:`brightroom.write` (the same function). The file is written to a temporary
    name beside ``path`` and renamed into place (:func:`atomic_write`), so a failed write never
    leaves a partial file.

    Parameters
    ----------
    image
        A raw mosaic (written with :func:`write_dng`) or a finished image (written with
        :func:`write_image`, the format chosen by the extension of ``path``).
    path
        The output file: ``.dng`` for a :class:`RawImage`; one of :data:`WRITE_EXTENSIONS`
        for an :class:`Image`.
    overwrite
        Replace an existing file (also when it is one of ``inputs``).
    inputs
        The files ``image`` was made from; writing over one of them needs ``overwrite``.
    quality
        Images: JPEG/HEIC/AVIF quality, 1-100 [92]. Not for a raw.
    bit_depth
        Images: PNG 8 or 16, TIFF 8, 16 or 32 (float) [16]; JPEG/HEIC/AVIF are 8-bit. Not for a
        raw.
    preview
        Raws: put a small sRGB preview in the DNG (:func:`write_dng`). Not for an image.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    UnsupportedFormatError
        A raw mosaic to a non-DNG path, or an unknown image extension.
    OutputExistsError
        ``path`` exists, or is one of ``inputs``, and ``overwrite`` is false (checked before any
        encoding).
    ParameterError
        An option that does not apply to what is written (``quality`` or ``bit_depth`` for a
        raw, ``preview`` for an image), a bad quality or bit depth, or something that is neither
        a :class:`RawImage` nor an :class:`Image`.
    """
    p = Path(path)
    inputs = tuple(inputs)
    if isinstance(image, RawImage | LinearRawImage):  # a linear raw: a LinearRaw DNG
        if p.suffix.lower() != ".dng":
            raise UnsupportedFormatError(f"{p}: a raw mosaic is written as DNG; use a .dng path")
        if quality is not None or bit_depth is not None:
            raise ParameterError(f"{p}: quality and bit_depth apply to images; a raw mosaic is "
                                 "written as a 16-bit DNG")
        return write_dng(image, p, overwrite=overwrite, inputs=inputs, preview=preview)
    if isinstance(image, Image):
        if preview:
            raise ParameterError(f"{p}: preview applies to DNG files of raw mosaics, not to images")
        return write_image(image, p, quality=92 if quality is None else quality,
                           bit_depth=bit_depth, overwrite=overwrite, inputs=inputs)
    raise ParameterError(f"{p}: write needs an Image or a RawImage, got {type(image).__name__}")
