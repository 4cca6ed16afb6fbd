"""The ``look`` pipeline stage: a creative look applied to scene-referred linear RGB.

Space: takes ``linear_rgb`` (output primaries), gives ``linear_rgb``; it sits before the output
stage. The look's operations work on sRGB-encoded values (:func:`brightroom.looks.apply_look`
encodes, grades and decodes), so a look gives the same result here as on the finished photo,
except that highlights above 1 are carried through instead of clipped.

The stage is defined here, a floor above the develop pipeline, and registered by defining its
class; recipes find it through the ``brightroom.stages`` entry point (``look``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from brightroom.develop.params import Params, param
from brightroom.develop.pipeline import StageKind
from brightroom.errors import ParameterError
from brightroom.looks.looks import apply_look, load_look
from brightroom.types import Image

__all__ = ["LookParams", "LookStage"]


@dataclass(frozen=True)
class LookParams(Params):
    """Parameters of the look stage.

    Versions: 1 called the look ``name``, which collided with the ``[[stage]] name`` key of a
    recipe (no recipe could choose a look); 2 calls it ``look``.
    """

    VERSION = 2

    look: str = param("natural", doc="built-in look name (brightroom look list) or a .toml, "
                      ".cube, .3dl, .clf or .ctf file")
    strength: float = param(1.0, range=(0.0, 2.0), doc="0 = no look, 1 = as designed")

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.look:
            raise ParameterError("LookParams.look must name a look")

    @classmethod
    def upgrade(cls, values: dict[str, Any], version: int) -> dict[str, Any]:
        """Version 1's ``name`` is version 2's ``look``."""
        values = super().upgrade(values, version)
        if version < 2 and "name" in values:
            values["look"] = values.pop("name")
        return values


class LookStage(StageKind):
    """Apply a creative look (curves, colour balance, saturation, grain, vignette, LUT)."""

    name = "look"
    takes = "linear_rgb"
    gives = "linear_rgb"
    params = LookParams

    def plan(self, src: Any, params: LookParams) -> Any:
        if src.header.primaries == "camera":
            raise ParameterError("the look stage needs output primaries, not camera RGB")
        return load_look(params.look) if params.strength != 0 else None

    def render(self, image: Image, params: LookParams, plan: Any) -> Image:
        if plan is None:
            return image
        return apply_look(image, plan, strength=params.strength)
