"""Stages with declared spaces, and the pipeline that checks they connect.

A *stage kind* (:class:`StageSpec`) is registered once by the module that implements it, with
:func:`register_stage`. It names the space it takes and the space it gives (``cfa``,
``camera_rgb``, ``linear_rgb``, ``display``), its parameter class, and a pure function
``apply(frame, params) -> frame`` over :class:`~brightroom.types.RawImage` (in ``cfa``) or
:class:`~brightroom.types.Image` (in the other spaces).

A :class:`Pipeline` is an explicit ordered tuple of configured :class:`Stage` objects. It
refuses stages whose spaces do not connect, so a recipe can never rely on an accident of order.

*Fusions* are the Halide habit of keeping the algorithm apart from its schedule: a fusion is a
second implementation of a run of neighbouring stages (``("colour", "sharpen", "tone",
"output")``, say) that makes one pass over memory instead of several. It is registered with
:func:`register_fusion`, may decline (return ``None``) for parameters it does not cover, and is
tested against the stage-by-stage run, which stays the reference (``Pipeline.run(frame,
fused=False)``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from brightroom.develop.params import NoParams, Params
from brightroom.errors import BrightroomError, PipelineError, RecipeError
from brightroom.types import SPACES, Image, RawImage, Space

__all__ = [
    "Frame",
    "StageSpec",
    "Stage",
    "Pipeline",
    "STAGES",
    "register_stage",
    "get_stage",
    "space_of",
    "Fusion",
    "FUSIONS",
    "register_fusion",
]

Frame = RawImage | Image

STAGES: dict[str, StageSpec] = {}
"""Every registered stage kind, by name."""

FUSIONS: dict[tuple[str, ...], Fusion] = {}
"""Registered fusions, by the names of the stages they replace."""

# Modules that register the built-in stages; imported lazily by get_stage().
_STAGE_MODULES = (
    "brightroom.develop.raw_corrections",
    "brightroom.develop.denoise",
    "brightroom.develop.white_balance",
    "brightroom.develop.demosaic",
    "brightroom.develop.highlights",
    "brightroom.develop.colour",
    "brightroom.develop.tone",
    "brightroom.develop.sharpen",
    "brightroom.develop.look",
    "brightroom.develop.output",
    "brightroom.develop.fused",
)


@dataclass(frozen=True)
class StageSpec:
    """A kind of stage: its spaces, parameter class and pure function."""

    name: str
    input_space: Space
    output_space: Space
    params: type[Params]
    apply: Callable[[Any, Any], Any]
    doc: str = ""

    def __post_init__(self) -> None:
        for s in (self.input_space, self.output_space):
            if s not in SPACES:
                raise ValueError(f"stage {self.name!r}: unknown space {s!r}")


def register_stage(
    name: str,
    *,
    input_space: Space,
    output_space: Space,
    params: type[Params] = NoParams,
) -> Callable[[Callable[[Any, Any], Any]], Callable[[Any, Any], Any]]:
    """Decorator registering ``apply(frame, params) -> frame`` as stage kind ``name``."""

    def deco(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        if name in STAGES and STAGES[name].apply is not fn:
            raise ValueError(f"stage {name!r} is registered twice")
        doc = (fn.__doc__ or "").strip().splitlines()
        STAGES[name] = StageSpec(name, input_space, output_space, params, fn,
                                 doc[0] if doc else "")
        return fn

    return deco


@dataclass(frozen=True)
class Fusion:
    """A one-pass implementation of the neighbouring stages ``names``.

    ``run(frame, params)`` gets the frame entering the first stage and the stages' parameters
    (a tuple, in order); it returns the frame the last stage would give, or ``None`` when it
    does not cover these parameters or this frame (the stages then run one by one).
    """

    names: tuple[str, ...]
    run: Callable[[Any, tuple[Params, ...]], Any]


def register_fusion(*names: str) -> Callable[[Callable[[Any, Any], Any]], Callable[[Any, Any], Any]]:
    """Decorator registering ``run(frame, params_tuple) -> frame | None`` for stages ``names``."""
    if len(names) < 2:
        raise ValueError("a fusion replaces at least two stages")

    def deco(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        FUSIONS[tuple(names)] = Fusion(tuple(names), fn)
        return fn

    return deco


_LOADED = False


def _load_builtin_stages() -> None:
    global _LOADED
    _LOADED = True
    for mod in _STAGE_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as e:  # a stage module not written yet
            if e.name != mod:
                raise


def get_stage(name: str) -> StageSpec:
    """The registered stage kind ``name``."""
    if not _LOADED or name not in STAGES:
        _load_builtin_stages()
    try:
        return STAGES[name]
    except KeyError:
        raise RecipeError(
            f"unknown stage {name!r}; known stages: {', '.join(sorted(STAGES))}"
        ) from None


def space_of(frame: Frame) -> Space:
    """The space a frame is in."""
    if isinstance(frame, RawImage):
        return "cfa"
    if isinstance(frame, Image):
        return frame.space
    raise PipelineError(f"a pipeline frame must be a RawImage or an Image, got {type(frame).__name__}")


@dataclass(frozen=True)
class Stage:
    """A stage kind with its parameters: one step of a pipeline."""

    spec: StageSpec
    params: Params = field(default_factory=NoParams)

    def __post_init__(self) -> None:
        if not isinstance(self.params, self.spec.params):
            raise PipelineError(
                f"stage {self.spec.name!r} takes {self.spec.params.__name__}, "
                f"got {type(self.params).__name__}"
            )

    @classmethod
    def build(cls, name: str, params: Params | Mapping[str, Any] | None = None) -> Stage:
        """Stage ``name`` with ``params`` (an instance, a mapping, or ``None`` for defaults)."""
        spec = get_stage(name)
        if params is None:
            params = spec.params()
        elif not isinstance(params, Params):
            params = spec.params.from_mapping(params, where=f"stage {name!r}: ")
        return cls(spec, params)

    @property
    def name(self) -> str:
        """The stage kind's name."""
        return self.spec.name

    def __call__(self, frame: Frame) -> Frame:
        got = space_of(frame)
        if got != self.spec.input_space:
            raise PipelineError(
                f"stage {self.name!r} takes {self.spec.input_space}, got a frame in {got}"
            )
        try:
            out = self.spec.apply(frame, self.params)
        except BrightroomError:
            raise
        except (ValueError, TypeError, FloatingPointError, MemoryError) as e:
            raise PipelineError(f"stage {self.name!r} failed: {e}") from e
        if space_of(out) != self.spec.output_space:
            raise PipelineError(
                f"stage {self.name!r} declared output {self.spec.output_space}, "
                f"returned {space_of(out)}"
            )
        return out


@dataclass(frozen=True)
class Pipeline:
    """An ordered, checked list of stages from ``cfa`` to ``display`` (or any sub-range)."""

    stages: tuple[Stage, ...]
    name: str = "custom"

    def __post_init__(self) -> None:
        stages = tuple(self.stages)
        object.__setattr__(self, "stages", stages)
        if not stages:
            raise PipelineError("a pipeline needs at least one stage")
        for a, b in zip(stages, stages[1:]):
            if a.spec.output_space != b.spec.input_space:
                raise PipelineError(
                    f"pipeline {self.name!r}: stage {a.name!r} gives {a.spec.output_space} "
                    f"but the next stage {b.name!r} takes {b.spec.input_space}"
                )

    @classmethod
    def of(cls, steps: Iterable[str | tuple[str, Params | Mapping[str, Any]] | Stage],
           name: str = "custom") -> Pipeline:
        """Build from stage names, ``(name, params)`` pairs or :class:`Stage` objects."""
        out = []
        for s in steps:
            if isinstance(s, Stage):
                out.append(s)
            elif isinstance(s, str):
                out.append(Stage.build(s))
            else:
                out.append(Stage.build(s[0], s[1]))
        return cls(tuple(out), name)

    @property
    def input_space(self) -> Space:
        """The space the first stage takes."""
        return self.stages[0].spec.input_space

    @property
    def output_space(self) -> Space:
        """The space the last stage gives."""
        return self.stages[-1].spec.output_space

    def __len__(self) -> int:
        return len(self.stages)

    def __getitem__(self, name: str) -> Stage:
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(name)

    def replace_params(self, name: str, params: Params) -> Pipeline:
        """A copy with stage ``name``'s parameters replaced."""
        self[name]  # raises KeyError when absent
        return Pipeline(tuple(Stage(s.spec, params) if s.name == name else s
                              for s in self.stages), self.name)

    def __call__(self, frame: Frame, *, fused: bool = True) -> Frame:
        """Run every stage in order (through registered fusions when ``fused``)."""
        stages = self.stages
        if fused and FUSIONS:
            lengths = sorted({len(k) for k in FUSIONS}, reverse=True)
        else:
            lengths = []
        i = 0
        while i < len(stages):
            for k in lengths:
                run = stages[i:i + k]
                fusion = FUSIONS.get(tuple(s.name for s in run)) if len(run) == k else None
                if fusion is None:
                    continue
                got = space_of(frame)
                if got != run[0].spec.input_space:
                    raise PipelineError(
                        f"stage {run[0].name!r} takes {run[0].spec.input_space}, got a frame in {got}"
                    )
                out = fusion.run(frame, tuple(s.params for s in run))
                if out is not None:
                    if space_of(out) != run[-1].spec.output_space:
                        raise PipelineError(f"fusion {'+'.join(fusion.names)} returned "
                                            f"{space_of(out)}, not {run[-1].spec.output_space}")
                    frame = out
                    i += k
                    break
            else:
                frame = stages[i](frame)
                i += 1
        return frame

    run = __call__
