"""The ``edit`` pipeline stage: an edit list applied to scene-referred linear RGB.

Space: takes ``linear_rgb`` (output primaries), gives ``linear_rgb``. In a raw's recipe it sits
after ``tone`` and before ``look`` and ``output`` (:func:`with_edit_stage`), so the edits see
the developed picture in linear light, as they see a finished photo's linearised pixels: the
same edit list means the same thing on both. Its one parameter is the edit list's TOML text,
so the recipe embedded in an output carries the edits and renders them again.

The stage is defined here, a floor above the develop pipeline, and registered by defining its
class; recipes find it through the ``brightroom.stages`` entry point (``edit``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from brightroom.develop.params import Params, param
from brightroom.develop.pipeline import StageKind
from brightroom.develop.recipe import Recipe
from brightroom.edit.params import EditList, parse_edits
from brightroom.edit.render import render_edits
from brightroom.errors import ParameterError
from brightroom.types import Image

__all__ = ["EditParams", "EditStage", "with_edit_stage"]


@dataclass(frozen=True)
class EditParams(Params):
    """Parameters of the edit stage: the edit list (TOML text, :mod:`brightroom.edit.params`)."""

    VERSION = 1
    edits: str = param("", doc="the edit list as TOML (empty: no edits)")
    raw: bool = param(True, doc="temperature is kelvin (set on white_balance), not a shift")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.edits:
            parse_edits(self.edits, source="edit stage")  # fails where the recipe is read

    @property
    def edit_list(self) -> EditList:
        return parse_edits(self.edits, source="edit stage") if self.edits else EditList()


class EditStage(StageKind):
    """Apply an edit list (basic panel, HSL, curve, detail, geometry, heal, effects)."""

    name = "edit"
    takes = "linear_rgb"
    gives = "linear_rgb"
    params = EditParams

    def plan(self, src: Any, params: EditParams) -> Any:
        if src.header.primaries == "camera":
            raise ParameterError("the edit stage needs output primaries, not camera RGB")
        return params.edit_list

    def render(self, image: Image, params: EditParams, plan: EditList) -> Image:
        if plan.is_identity():
            return image
        return image.replace(data=render_edits(image.data, plan, raw=params.raw))


def with_edit_stage(recipe: Recipe, edits: EditList, *, raw: bool = True) -> Recipe:
    """``recipe`` with an ``edit`` stage holding ``edits`` before its ``look`` or ``output``
    stage (replacing an ``edit`` stage it already has)."""
    steps = [(n, p) for n, p in recipe.steps if n != "edit"]
    names = [n for n, _ in steps]
    at = next((k for k, n in enumerate(names) if n in ("look", "output")), len(steps))
    steps.insert(at, ("edit", EditParams(edits=edits.to_toml(), raw=raw)))
    return Recipe(recipe.name, tuple(steps), recipe.description)
