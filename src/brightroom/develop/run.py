"""Developing a raw with a recipe: the one place that resolves recipes and white-balance choices.

:func:`develop` is what :func:`brightroom.develop` calls; burst and other capabilities use it
too, so the recipe and the ``--wb`` override mean the same everywhere.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Any

from brightroom.develop.pipeline import SCHEDULES
from brightroom.develop.recipe import Recipe, load_recipe
from brightroom.errors import ParameterError, PipelineError
from brightroom.io import read_raw
from brightroom.types import Image, LinearRawImage, RawImage

__all__ = ["WB_PRESETS", "white_balance_override", "resolve_recipe", "develop"]

WB_PRESETS = ("daylight", "cloudy", "shade", "tungsten", "fluorescent", "flash")


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


def resolve_recipe(recipe: str | PathLike[str] | Recipe, wb: str | float | None = None,
                   matrix: str | PathLike[str] | None = None) -> Recipe:
    """The recipe named or given, with the white-balance and colour-matrix overrides applied.

    ``matrix`` (``--matrix``): ``"dng"``, ``"identity"`` or a matrix file
    (:mod:`brightroom.develop.colour`), set on the recipe's ``colour`` stage.
    """
    r = load_recipe(recipe if isinstance(recipe, Recipe) else (
        Path(recipe) if isinstance(recipe, PathLike) else recipe))
    if wb is not None:
        r = r.with_params("white_balance", **white_balance_override(wb))
    if matrix is not None:
        m = str(matrix)
        if m not in ("dng", "identity"):
            if not Path(m).expanduser().is_file():
                raise ParameterError(f"matrix {m!r}: no such file (expected dng, identity or a "
                                     f"matrix file)")
            m = str(Path(m).expanduser().resolve())  # the embedded recipe names it exactly
        r = r.with_params("colour", matrix=m)
    return r


def develop(
    raw: RawImage | LinearRawImage | str | PathLike[str],
    *,
    recipe: str | PathLike[str] | Recipe = "default",
    wb: str | float | None = None,
    schedule: str = "fused",
    matrix: str | PathLike[str] | None = None,
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
    schedule
        How the pipeline runs its stages (:data:`~brightroom.develop.pipeline.SCHEDULES`):
        ``"fused"`` (default: neighbouring row stages in one pass) or ``"reference"`` (stage
        after stage); both give the same image within float rounding.
    matrix
        Override the recipe's colour matrix: ``"dng"``, ``"identity"`` or a matrix file.

    Returns
    -------
    Image
        In the ``display`` space, with the recipe used in ``metadata["recipe"]`` (TOML).
    """
    if schedule not in SCHEDULES:  # before reading a file
        raise PipelineError(f"unknown schedule {schedule!r}; expected one of {', '.join(SCHEDULES)}")
    r = resolve_recipe(recipe, wb, matrix)
    pipeline = r.pipeline()
    if isinstance(raw, RawImage | LinearRawImage):
        out = pipeline(raw, schedule=schedule)
    else:
        # a raw read here is not kept while the pipeline runs
        out = pipeline(read_raw(raw), schedule=schedule)
    meta = {**out.metadata, "recipe": r.to_toml(), "recipe_name": r.name}
    return out.replace(metadata=meta)
