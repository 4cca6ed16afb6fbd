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

from brightroom.develop.recipe import Recipe, load_recipe
from brightroom.errors import InputError, ParameterError
from brightroom.types import Image, RawImage

__all__ = ["read", "read_raw", "read_image", "develop", "write", "load_recipe", "merge",
           "white_balance_override", "WB_PRESETS"]

WB_PRESETS = ("daylight", "cloudy", "shade", "tungsten", "fluorescent", "flash")


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


def white_balance_override(wb: str | float | int) -> dict[str, Any]:
    """White-balance stage parameters for a CLI-style choice.

    ``"as-shot"``, ``"auto"``, a preset name (``"daylight"``, ``"tungsten"``, ...) or a
    colour temperature in kelvin (``5600`` or ``"5600"`` or ``"5600K"``).
    """
    if isinstance(wb, str):
        w = wb.strip().lower()
        if w in ("as-shot", "asshot", "camera"):
            return {"mode": "as-shot"}
        if w == "auto":
            return {"mode": "auto"}
        if w in WB_PRESETS:
            return {"mode": "preset", "preset": w}
        try:
            wb = float(w.rstrip("k"))
        except ValueError:
            raise ParameterError(
                f"white balance {wb!r} is not as-shot, auto, a preset ({', '.join(WB_PRESETS)}) "
                "or a temperature in kelvin"
            ) from None
    if not 1500 <= float(wb) <= 15000:
        raise ParameterError(f"white balance temperature {wb} K is outside 1500..15000 K")
    return {"mode": "kelvin", "kelvin": float(wb)}


def _resolve_recipe(recipe: str | PathLike[str] | Recipe, wb: str | float | None) -> Recipe:
    r = load_recipe(recipe if isinstance(recipe, Recipe) else (
        Path(recipe) if isinstance(recipe, PathLike) else recipe))
    if wb is not None:
        r = r.with_params("white_balance", **white_balance_override(wb))
    return r


def develop(
    raw: RawImage | str | PathLike[str],
    *,
    recipe: str | PathLike[str] | Recipe = "default",
    wb: str | float | None = None,
) -> Image:
    """Develop a raw image into a finished, display-encoded photo.

    Parameters
    ----------
    raw
        A :class:`RawImage` or the path of a raw file.
    recipe
        A shipped recipe name (``"default"``, ``"neutral"``), a recipe file or a
        :class:`~brightroom.develop.recipe.Recipe`.
    wb
        Override the recipe's white balance: ``"as-shot"``, ``"auto"``, a preset or kelvin.

    Returns
    -------
    Image
        In the ``display`` space, with the recipe used in ``metadata["recipe"]`` (TOML).
    """
    r = _resolve_recipe(recipe, wb)
    # A raw read here is not kept while the pipeline runs (it is the largest input).
    out = r.pipeline()(raw if isinstance(raw, RawImage) else read_raw(raw))
    meta = {**out.metadata, "recipe": r.to_toml(), "recipe_name": r.name}
    return out.replace(metadata=meta)


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
