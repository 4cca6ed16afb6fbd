"""Brightroom's public Python API: read, develop, write.

>>> import brightroom
>>> raw = brightroom.read("IMG_0001.dng")                  # doctest: +SKIP
>>> photo = brightroom.develop(raw, recipe="default")        # doctest: +SKIP
>>> brightroom.write(photo, "IMG_0001.jpg")                  # doctest: +SKIP

Everything the CLI does goes through these names.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any

from brightroom.develop.recipe import load_recipe
from brightroom.develop.run import WB_PRESETS, develop, white_balance_override
from brightroom.errors import InputError
from brightroom.types import Image, RawImage

__all__ = ["read", "read_raw", "read_image", "develop", "write", "load_recipe", "merge",
           "white_balance_override", "WB_PRESETS"]

def read(path: str | PathLike[str]) -> RawImage | Image:
    """Read a raw file (any LibRaw format, DNG included) or an image file."""
    from brightroom.io import read as _read

    return _read(path)


def read_raw(path: str | PathLike[str]) -> RawImage:
    """Read a raw file as a normalised :class:`RawImage`."""
    from brightroom.io import read_raw as _read_raw

    return _read_raw(path)


def read_image(path: str | PathLike[str]) -> Image:
    """Read a JPEG/PNG/TIFF/HEIC/AVIF file as a display-encoded :class:`Image`."""
    from brightroom.io import read_image as _read_image

    return _read_image(path)


def write(
    image: Image | RawImage,
    path: str | PathLike[str],
    *,
    overwrite: bool = False,
    inputs: Sequence[str | PathLike[str]] = (),
    **options: Any,
) -> Path:
    """Write a developed :class:`Image` (JPEG/PNG/TIFF/HEIC/AVIF) or a :class:`RawImage` (DNG).

    Writes are atomic (a temporary file, then a rename) and never replace an existing file, or
    one of ``inputs``, unless ``overwrite`` is true.
    """
    from brightroom.io import write_dng, write_image

    if isinstance(image, RawImage):
        if Path(path).suffix.lower() != ".dng":
            raise InputError(f"{path}: a raw image can only be written as .dng")
        return write_dng(image, path, overwrite=overwrite, inputs=inputs)
    return write_image(image, path, overwrite=overwrite, inputs=inputs, **options)


def merge(frames: Sequence[RawImage], **options: Any) -> RawImage:
    """Merge a burst of raw frames into one raw image (see :mod:`brightroom.burst`)."""
    from brightroom.burst import merge as _merge

    return _merge(frames, **options)
