"""Pipeline stage ``look``: a creative look applied to scene-referred linear RGB.

Space: takes ``linear_rgb`` (output primaries), gives ``linear_rgb``. It sits before the output
stage. The look's operations work on sRGB-encoded values (:func:`brightroom.looks.apply_look`
encodes, grades and decodes), so a look gives the same result here as on the finished photo,
except that highlights above 1 are carried through instead of clipped.

Parameters: :class:`LookParams` (the look's built-in name or a ``.toml`` / ``.cube`` / ``.3dl``
path, and a strength).
"""

from __future__ import annotations

from dataclasses import dataclass

from brightroom.develop.params import Params, param
from brightroom.develop.pipeline import register_stage
from brightroom.errors import ParameterError
from brightroom.types import Image

__all__ = ["LookParams", "look_stage"]


@dataclass(frozen=True)
class LookParams(Params):
    """Parameters of the look stage."""

    name: str = param("natural", doc="built-in look name (brightroom look list) or a .toml, "
                      ".cube or .3dl file")
    strength: float = param(1.0, range=(0.0, 2.0), doc="0 = no look, 1 = as designed")

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.name:
            raise ParameterError("LookParams.name must name a look")


@register_stage("look", input_space="linear_rgb", output_space="linear_rgb", params=LookParams)
def look_stage(image: Image, params: LookParams) -> Image:
    """Apply a creative look (curves, colour balance, saturation, grain, vignette, LUT)."""
    # looks/ is built on develop/; imported here, when the stage runs, to keep import order down.
    from brightroom.looks.looks import apply_look, load_look

    if image.primaries == "camera":
        raise ParameterError("the look stage needs output primaries, not camera RGB")
    if params.strength == 0:
        return image
    return apply_look(image, load_look(params.name), strength=params.strength)
