"""Output encoding: linear output RGB to display-encoded values.

Space: takes ``linear_rgb`` (any primaries), gives ``display`` (the same primaries, encoded with
the space's transfer curve, clipped to [0, 1]).

The reference is :func:`brightroom.color.spaces.encode` (:func:`encode_output`). The stage's
plan is the curve as a 65 537-entry table; the row machine clips and reads it with linear
interpolation (error below 1e-6 against the reference, well under one 16-bit code), alone or
fused with the stages before.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from brightroom.color.spaces import encode
from brightroom.develop.params import Params, param
from brightroom.develop.pipeline import RowPlan, RowStage, StageInput
from brightroom.develop.rowops import Encode, run_ops
from brightroom.errors import ParameterError

__all__ = ["OutputParams", "Output", "encode_output", "encode_output_fast", "output_lut"]

_LUT_SIZE = 65536


@dataclass(frozen=True)
class OutputParams(Params):
    """Parameters of the output stage.

    Versions: 1 had ``fast`` (a choice of kernel, which is the schedule's business and now
    never in a recipe); 2 dropped it.
    """

    VERSION = 2

    transfer: str = param("sRGB", choices=("sRGB",), doc="encoding curve")

    @classmethod
    def upgrade(cls, values: dict, version: int) -> dict:
        """Version 1's ``fast`` chose a kernel, not a result: dropped."""
        values = super().upgrade(values, version)
        if version < 2:
            values.pop("fast", None)
        return values


@cache
def output_lut(transfer: str) -> np.ndarray:
    """The float32 table of the ``transfer`` curve over [0, 1] (65 537 entries)."""
    x = np.linspace(0.0, 1.0, _LUT_SIZE + 1, dtype=np.float64)
    return encode(x.astype(np.float32), transfer).astype(np.float32)


def encode_output(rgb: np.ndarray, *, transfer: str = "sRGB") -> np.ndarray:
    """Reference: clip linear ``rgb`` to [0, 1] and apply the ``transfer`` curve."""
    return np.clip(encode(np.clip(rgb, 0.0, 1.0), transfer), 0.0, 1.0).astype(np.float32)


def encode_output_fast(rgb: np.ndarray, *, transfer: str = "sRGB") -> np.ndarray:
    """Same as :func:`encode_output`, through the curve's table, in one parallel pass."""
    return run_ops(np.ascontiguousarray(rgb, np.float32), (Encode(output_lut(transfer)),))


class Output(RowStage):
    """Encode linear output RGB for display: clip to [0, 1], transfer curve (linear_rgb -> display)."""

    name = "output"
    takes = "linear_rgb"
    gives = "display"
    params = OutputParams

    def plan(self, src: StageInput, params: OutputParams) -> RowPlan:
        if src.header.primaries == "camera":
            raise ParameterError("the output stage needs output primaries, not camera RGB")
        return RowPlan((Encode(output_lut(params.transfer)),),
                       {"space": "display", "transfer": params.transfer})
