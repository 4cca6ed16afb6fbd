"""Stages, their registry, and the pipeline that checks and schedules them.

A **stage kind** is a subclass of :class:`StageKind` (or, for pointwise stages, of
:class:`RowStage`). Defining the class registers it (``__init_subclass__``); nothing keeps a
list. It declares

* ``name``, the spaces it ``takes`` and ``gives`` (``cfa``, ``camera_rgb``, ``linear_rgb``,
  ``display``), and its parameter class ``params`` (:class:`~brightroom.develop.params.Params`);
* the :class:`~brightroom.types.FrameState` fields it ``needs`` from earlier stages and those
  it ``provides`` (``white_balance``, ``lens_shading``, ``colour_matrix``...);
* ``plan(src, params)``: the small, global decisions (a neutral, a matrix, an exposure, a gain
  map), computed once from a :class:`StageInput`;
* ``render(frame, params, plan)``: the pixels. A :class:`RowStage` has no ``render``: its plan
  returns a :class:`RowPlan` of row operations (:mod:`brightroom.develop.rowops`), and the
  schedule runs them.

A **pipeline** is an ordered tuple of configured :class:`Stage` objects. Building one checks
that neighbouring spaces connect and that every stage's needs are provided by an earlier stage
(a pipeline starting from ``cfa`` starts with nothing decided); either failure is one
:class:`~brightroom.errors.PipelineError` line naming the pipeline, the stage and the fix.

**Schedules** (one name, ``schedule=``, never in a recipe):

* ``"reference"``: stage after stage, each rendering a full frame;
* ``"fused"`` (default): maximal runs of neighbouring row stages become one pass of the row
  machine; every plan is the same ``plan`` as in the reference schedule, fed the same inputs
  (a plan that looks at pixels gets them through :class:`StageInput`, which computes them for
  a fused run from the run's input and the operations before it). Where a run cannot continue
  (a non-row stage, a non-linear operation before a plan that needs a preview), it ends there,
  and the ``brightroom.develop`` logger says why at debug level.

Linear raws: a :class:`~brightroom.types.LinearRawImage` (a linear DNG, a monochrome sensor)
is a frame in the ``cfa`` space whose colours need no interpolation. A stage that takes ``cfa``
says with ``linear_raw`` what it does with one: ``"render"`` (its ``plan`` and ``render``
handle it, in their RGB form: lens shading, white balance, raw denoise, demosaic),
``"skip"`` (the stage only makes sense on a mosaic, e.g. ``bad_pixels``: the frame passes
through unchanged, and the ``brightroom.develop`` logger says so at debug level) or
``"refuse"`` (the default for stages that do not say: one :class:`PipelineError` line).

Stage discovery: stages are defined in the modules of their capability. A name not yet
registered is looked up in the ``brightroom.stages`` entry points (``pyproject.toml``), whose
module is imported (which registers it). That is how ``look`` (defined by :mod:`brightroom.looks`,
a floor above) becomes available to recipes without develop importing upward.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, ClassVar

import numpy as np

from brightroom.develop.params import NoParams, Params
from brightroom.develop.rowops import (
    PackFull,
    RowOp,
    area_downsample,
    run_ops,
    run_ops_luma,
)
from brightroom.errors import BrightroomError, PipelineError, RecipeError
from brightroom.types import (
    SPACES,
    STATE_FIELDS,
    FrameState,
    Image,
    LinearRawImage,
    RawImage,
    Space,
)

__all__ = [
    "Frame",
    "SCHEDULES",
    "StageKind",
    "RowStage",
    "RowPlan",
    "StageInput",
    "Stage",
    "Pipeline",
    "STAGES",
    "register_stage",
    "get_stage",
    "known_stages",
    "space_of",
    "ENTRY_POINT_GROUP",
]

Frame = RawImage | LinearRawImage | Image

LINEAR_RAW_MODES = ("render", "skip", "refuse")
"""What a ``cfa`` stage does with a :class:`~brightroom.types.LinearRawImage` (module doc)."""

SCHEDULES = ("fused", "reference")
"""The ways a pipeline can run its stages (see the module docstring)."""

ENTRY_POINT_GROUP = "brightroom.stages"

STAGES: dict[str, StageKind] = {}
"""Every registered stage kind, by name (one instance per kind)."""

log = logging.getLogger("brightroom.develop")


class _Cut(Exception):
    """Raised inside a fused run when a plan needs pixels the run cannot give it."""


def _check_state_names(names: Iterable[str], what: str, stage: str) -> frozenset[str]:
    out = frozenset(names)
    bad = sorted(out - set(STATE_FIELDS))
    if bad:
        raise ValueError(f"stage {stage!r}: unknown {what} {bad}; known: {', '.join(STATE_FIELDS)}")
    return out


class StageKind:
    """A kind of pipeline stage; subclasses register themselves (see the module docstring)."""

    name: ClassVar[str]
    takes: ClassVar[Space]
    gives: ClassVar[Space]
    params: ClassVar[type[Params]] = NoParams
    needs: ClassVar[frozenset[str]] = frozenset()
    provides: ClassVar[frozenset[str]] = frozenset()
    row: ClassVar[bool] = False
    linear_raw: ClassVar[str] = "refuse"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            return  # an abstract helper class
        for s in (cls.takes, cls.gives):
            if s not in SPACES:
                raise ValueError(f"stage {cls.name!r}: unknown space {s!r}")
        if cls.linear_raw not in LINEAR_RAW_MODES:
            raise ValueError(f"stage {cls.name!r}: linear_raw must be one of "
                             f"{', '.join(LINEAR_RAW_MODES)}, got {cls.linear_raw!r}")
        cls.needs = _check_state_names(cls.needs, "need", cls.name)
        cls.provides = _check_state_names(cls.provides, "provision", cls.name)
        old = STAGES.get(cls.name)
        if old is not None and type(old).__qualname__ != cls.__qualname__:
            raise ValueError(f"stage {cls.name!r} is registered twice "
                             f"({type(old).__module__} and {cls.__module__})")
        STAGES[cls.name] = cls()

    @property
    def doc(self) -> str:
        """The first line of the kind's docstring."""
        lines = (type(self).__doc__ or "").strip().splitlines()
        return lines[0] if lines else ""

    def plan(self, src: StageInput, params: Any) -> Any:
        """The stage's decisions for this input (default: none)."""
        return None

    def render(self, frame: Any, params: Any, plan: Any) -> Frame:
        """The output frame, from the input frame and the plan."""
        raise NotImplementedError(f"stage {self.name!r} has no render")


@dataclass(frozen=True, eq=False)
class RowPlan:
    """What a row stage decided: its row operations and the header of the frame it gives.

    ``changes`` are :meth:`~brightroom.types.Image.replace` keywords for every field but
    ``data`` (``space``, ``primaries``, ``transfer``, ``saturation``, ``state``...).
    """

    ops: tuple[RowOp, ...] = ()
    changes: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ops", tuple(self.ops))
        if "data" in self.changes:
            raise ValueError("a row plan changes the header only; pixels come from its ops")


class RowStage(StageKind):
    """A pointwise stage: ``plan`` returns a :class:`RowPlan`; the schedule runs its ops."""

    row: ClassVar[bool] = True

    def plan(self, src: StageInput, params: Any) -> RowPlan:  # pragma: no cover - abstract
        raise NotImplementedError

    def render(self, frame: Any, params: Any, plan: RowPlan) -> Frame:
        if not plan.ops and not plan.changes:
            return frame  # nothing to do: the frame itself
        out = run_ops(frame.data, plan.ops)
        return frame.replace(data=out, **plan.changes)


class StageInput:
    """What a stage's ``plan`` may look at: the incoming frame's header, a preview, a luminance.

    In the reference schedule it wraps the frame itself. In a fused run it wraps the run's
    input and the operations of the stages before, and computes what is asked for from them:
    :meth:`luminance` exactly (one pass of the row machine writing one plane), :meth:`preview`
    by running the (linear) operations on the downsampled run input. :attr:`frame` (full
    pixels) ends the fused run before this stage.
    """

    def __init__(self, header: Frame, base: Frame | None = None,
                 ops: tuple[RowOp, ...] = (),
                 base_previews: dict[tuple[int, int], np.ndarray] | None = None) -> None:
        self._header = header
        self._base = base  # None: the header is the real frame
        self._ops = ops
        self._previews: dict[int, np.ndarray] = {}
        # the downsampled run input, shared by the stages of one fused pass (keyed by the
        # identity of the base frame and the factor)
        self._base_previews = {} if base_previews is None else base_previews

    # the frame as it enters the stage ----------------------------------------------------
    @property
    def header(self) -> Frame:
        """The incoming frame's fields (its ``data`` is the incoming pixels only when
        :attr:`fused` is false)."""
        return self._header

    @property
    def fused(self) -> bool:
        """Whether the incoming pixels are not materialised (a fused run)."""
        return self._base is not None

    @property
    def frame(self) -> Frame:
        """The incoming frame with its pixels (a fused run ends before this stage)."""
        if self._base is not None:
            raise _Cut("the stage's plan needs the full incoming frame")
        return self._header

    @property
    def state(self) -> FrameState:
        """What earlier stages decided."""
        return self._header.state

    @property
    def camera(self) -> Any:
        """The capture's camera description."""
        return self._header.camera

    @property
    def shape(self) -> tuple[int, ...]:
        """The incoming frame's shape."""
        return self._header.shape

    # pixels on demand ---------------------------------------------------------------------
    def preview(self, factor: int = 8) -> np.ndarray:
        """The incoming image area-downsampled by ``factor`` (``h/f x w/f x 3`` float32)."""
        if not isinstance(self._header, Image):
            raise PipelineError("a preview is defined for RGB frames only")
        if factor not in self._previews:
            if self._base is None:
                self._previews[factor] = area_downsample(self._header.data, factor)
            else:
                if not all(o.linear for o in self._ops):
                    raise _Cut("a non-linear operation comes before a plan that needs a preview")
                key = (id(self._base), factor)
                small = self._base_previews.get(key)
                if small is None:
                    small = self._base_previews[key] = area_downsample(self._base.data, factor)
                self._previews[factor] = run_ops(small, tuple(o.preview(factor)
                                                              for o in self._ops))
        return self._previews[factor]

    def luminance(self, weights: np.ndarray) -> np.ndarray:
        """The incoming image's ``weights . rgb`` at full size (``H x W`` float32)."""
        if not isinstance(self._header, Image):
            raise PipelineError("a luminance is defined for RGB frames only")
        w = np.ascontiguousarray(weights, np.float32)
        if self._base is None:
            return run_ops_luma(self._header.data, (), w)
        try:
            return run_ops_luma(self._base.data, self._ops, w)
        except PackFull as e:
            raise _Cut(str(e)) from None


_DISCOVERED = False


def _stage_entry_points() -> dict[str, Any]:
    """The ``brightroom.stages`` entry points by name: read once per process (scanning every
    installed distribution's metadata costs about 10 ms, and a recipe names ~9 stages)."""
    global _ENTRY_POINTS
    if _ENTRY_POINTS is None:
        from importlib.metadata import entry_points  # lazy: ~20 ms of start-up

        _ENTRY_POINTS = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return _ENTRY_POINTS


_ENTRY_POINTS: dict[str, Any] | None = None

OWN_STAGES: dict[str, str] = {
    "bad_pixels": "brightroom.develop.raw_corrections",
    "lens_shading": "brightroom.develop.raw_corrections",
    "denoise_raw": "brightroom.develop.denoise",
    "white_balance": "brightroom.develop.white_balance",
    "demosaic": "brightroom.develop.demosaic",
    "highlights": "brightroom.develop.highlights",
    "colour": "brightroom.develop.colour",
    "sharpen": "brightroom.develop.sharpen",
    "exposure": "brightroom.develop.exposure",
    "tone": "brightroom.develop.tone",
    "output": "brightroom.develop.output",
}
"""develop's own stages and their modules (the same as their ``brightroom.stages`` entry points,
which ``tests/test_pipeline.py`` checks): found without reading every distribution's metadata,
which costs ~20 ms of a command's start-up."""


def known_stages() -> list[str]:
    """Every stage name a recipe can use: registered ones and those of the entry points."""
    return sorted(set(STAGES) | set(_stage_entry_points()))


def get_stage(name: str) -> StageKind:
    """The stage kind ``name``, importing the module that defines it when needed."""
    kind = STAGES.get(name)
    if kind is not None:
        return kind
    own = OWN_STAGES.get(name) if isinstance(name, str) else None
    if own is not None:  # develop's own: no scan of the installed distributions' metadata
        import_module(own)
        kind = STAGES.get(name)
        if kind is not None:
            return kind
    ep = _stage_entry_points().get(name) if isinstance(name, str) else None
    if ep is not None:
        import_module(ep.value.split(":")[0])  # defining the class registers it
        kind = STAGES.get(name)
        if kind is None:
            raise RecipeError(f"stage {name!r}: module {ep.value} defines no stage of that name")
        return kind
    raise RecipeError(f"unknown stage {name!r}; known stages: {', '.join(known_stages())}")


def register_stage(
    name: str,
    *,
    input_space: Space,
    output_space: Space,
    params: type[Params] = NoParams,
    needs: Iterable[str] = (),
    provides: Iterable[str] = (),
) -> Callable[[Callable[[Any, Any], Any]], Callable[[Any, Any], Any]]:
    """Register a plain function ``apply(frame, params) -> frame`` as a stage kind.

    For stages with no decisions worth planning apart (and for tests); the function is the
    kind's ``render``.
    """

    def deco(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        def render(self: StageKind, frame: Any, p: Any, plan: Any) -> Frame:
            return fn(frame, p)

        type(f"_{name}_stage", (StageKind,), {
            "__doc__": fn.__doc__, "__module__": fn.__module__,
            "__qualname__": f"{fn.__qualname__}.<stage>",
            "name": name, "takes": input_space, "gives": output_space, "params": params,
            "needs": frozenset(needs), "provides": frozenset(provides), "render": render})
        return fn

    return deco


def space_of(frame: Frame) -> Space:
    """The space a frame is in."""
    if isinstance(frame, RawImage | LinearRawImage):
        return "cfa"
    if isinstance(frame, Image):
        return frame.space
    raise PipelineError(f"a pipeline frame must be a RawImage or an Image, got {type(frame).__name__}")


def _fail(stage: str, e: Exception) -> PipelineError:
    return PipelineError(f"stage {stage!r} failed: {e}")


@dataclass(frozen=True)
class Stage:
    """A stage kind with its parameters: one step of a pipeline."""

    kind: StageKind
    params: Params = field(default_factory=NoParams)

    def __post_init__(self) -> None:
        if not isinstance(self.params, self.kind.params):
            raise PipelineError(
                f"stage {self.kind.name!r} takes {self.kind.params.__name__}, "
                f"got {type(self.params).__name__}"
            )

    @classmethod
    def build(cls, name: str, params: Params | Mapping[str, Any] | None = None) -> Stage:
        """Stage ``name`` with ``params`` (an instance, a mapping, or ``None`` for defaults)."""
        kind = get_stage(name)
        if params is None:
            params = kind.params()
        elif not isinstance(params, Params):
            params = kind.params.from_mapping(params, where=f"stage {name!r}: ")
        return cls(kind, params)

    @property
    def name(self) -> str:
        """The stage kind's name."""
        return self.kind.name

    def check_input(self, frame: Frame) -> None:
        """Raise :class:`PipelineError` unless ``frame`` can enter this stage."""
        got = space_of(frame)
        if got != self.kind.takes:
            raise PipelineError(f"stage {self.name!r} takes {self.kind.takes}, got a frame in {got}")
        missing = sorted(self.kind.needs - frame.state.provided())
        if missing:
            raise PipelineError(
                f"stage {self.name!r} needs {', '.join(missing)}, which the frame does not carry "
                f"(run {_providers_text(missing)} first)")

    def plan(self, src: StageInput) -> Any:
        """The stage's plan for ``src`` (errors of the stage's own code become PipelineError)."""
        try:
            return self.kind.plan(src, self.params)
        except (BrightroomError, _Cut):
            raise
        except (ValueError, TypeError, FloatingPointError, MemoryError) as e:
            raise _fail(self.name, e) from e

    def __call__(self, frame: Frame) -> Frame:
        """Run this stage alone (the reference schedule)."""
        self.check_input(frame)
        if isinstance(frame, LinearRawImage) and self.kind.linear_raw != "render":
            if self.kind.linear_raw == "refuse":
                raise PipelineError(
                    f"stage {self.name!r} works on a colour filter array mosaic; this raw is "
                    f"already demosaiced (a linear DNG or a monochrome sensor): remove the "
                    f"stage from the recipe")
            log.debug("stage %r skipped: the raw is already demosaiced", self.name)
            out = frame if self.kind.gives == "cfa" else frame.to_image()
            self.check_output(out)
            return out
        plan = self.plan(StageInput(frame))
        try:
            out = self.kind.render(frame, self.params, plan)
        except BrightroomError:
            raise
        except (ValueError, TypeError, FloatingPointError, MemoryError) as e:
            raise _fail(self.name, e) from e
        self.check_output(out)
        return out

    def check_output(self, out: Frame) -> None:
        """Raise :class:`PipelineError` when the stage broke its declaration."""
        if space_of(out) != self.kind.gives:
            raise PipelineError(f"stage {self.name!r} declared output {self.kind.gives}, "
                                f"returned {space_of(out)}")
        missing = sorted(self.kind.provides - out.state.provided())
        if missing:
            raise PipelineError(f"stage {self.name!r} declared that it provides "
                                f"{', '.join(missing)} but did not set it")


def _providers_text(fields: Iterable[str]) -> str:
    names = []
    for f in fields:
        ps = _providers(f)
        names.append(" or ".join(repr(p) for p in ps) if ps else f"a stage providing {f!r}")
    return ", ".join(names)


def _providers(state_field: str) -> list[str]:
    global _DISCOVERED
    if not _DISCOVERED:  # messages only: load every stage so that none is missed
        _DISCOVERED = True
        for n in _stage_entry_points():
            try:
                get_stage(n)
            except BrightroomError:
                pass
    return sorted(n for n, k in STAGES.items() if state_field in k.provides)


@dataclass(frozen=True)
class Pipeline:
    """An ordered, checked list of stages from ``cfa`` to ``display`` (or any sub-range).

    ``requires`` is what the pipeline's input must carry (needs no stage of the pipeline
    provides); a pipeline that starts from ``cfa`` requires nothing, and building one whose
    stages leave a need unmet is an error.
    """

    stages: tuple[Stage, ...]
    name: str = "custom"
    requires: frozenset[str] = field(init=False, default=frozenset())

    def __post_init__(self) -> None:
        stages = tuple(self.stages)
        object.__setattr__(self, "stages", stages)
        if not stages:
            raise PipelineError("a pipeline needs at least one stage")
        for a, b in zip(stages, stages[1:]):
            if a.kind.gives != b.kind.takes:
                raise PipelineError(
                    f"pipeline {self.name!r}: stage {a.name!r} gives {a.kind.gives} "
                    f"but the next stage {b.name!r} takes {b.kind.takes}"
                )
        have: set[str] = set()
        requires: set[str] = set()
        for s in stages:
            missing = sorted(s.kind.needs - have)
            if missing and stages[0].kind.takes == "cfa":
                raise PipelineError(
                    f"pipeline {self.name!r}: stage {s.name!r} needs {', '.join(missing)}, "
                    f"which no earlier stage provides; add {_providers_text(missing)} before it")
            requires.update(missing)
            have |= s.kind.provides
        object.__setattr__(self, "requires", frozenset(requires))

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
        return self.stages[0].kind.takes

    @property
    def output_space(self) -> Space:
        """The space the last stage gives."""
        return self.stages[-1].kind.gives

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
        return Pipeline(tuple(Stage(s.kind, params) if s.name == name else s
                              for s in self.stages), self.name)

    def groups(self) -> list[tuple[Stage, ...]]:
        """The runs of neighbouring row stages the fused schedule tries to make one pass."""
        out: list[list[Stage]] = []
        for s in self.stages:
            if s.kind.row and out and out[-1][-1].kind.row:
                out[-1].append(s)
            else:
                out.append([s])
        return [tuple(g) for g in out]

    def __call__(self, frame: Frame, *, schedule: str = "fused") -> Frame:
        """Run every stage in order with the given schedule (``"fused"`` or ``"reference"``)."""
        if schedule not in SCHEDULES:
            raise PipelineError(f"unknown schedule {schedule!r}; expected one of "
                                f"{', '.join(SCHEDULES)}")
        if schedule == "reference":
            for s in self.stages:
                frame = s(frame)
            return frame
        for group in self.groups():
            if len(group) == 1:
                if not group[0].kind.row:
                    log.debug("pipeline %r: stage %r runs alone (not a row stage)",
                              self.name, group[0].name)
                frame = group[0](frame)
            else:
                frame = self._run_fused(group, frame)
        return frame

    run = __call__

    def _run_fused(self, group: tuple[Stage, ...], frame: Frame) -> Frame:
        """Run neighbouring row stages as few passes of the row machine as their plans allow."""
        base = frame  # the pixels the current pass starts from
        header = frame
        ops: list[RowOp] = []
        names: list[str] = []
        shared: dict[tuple[int, int], np.ndarray] = {}
        k = 0
        while k < len(group):
            s = group[k]
            s.check_input(header)
            src = StageInput(header, base, tuple(ops), shared) if ops else StageInput(header)
            try:
                plan = s.plan(src)
            except _Cut as why:
                log.debug("pipeline %r: fused pass %s ends before %r (%s)", self.name,
                          "+".join(names), s.name, why)
                base = header = self._materialise(base, header, ops, names)
                ops, names = [], []
                shared.clear()  # a new pass input
                continue  # plan this stage again on real pixels
            if not isinstance(plan, RowPlan):
                raise PipelineError(f"row stage {s.name!r} returned {type(plan).__name__}, "
                                    "not a RowPlan")
            try:
                header = header.replace(**plan.changes)
            except BrightroomError:
                raise
            except (ValueError, TypeError) as e:
                raise _fail(s.name, e) from e
            s.check_output(header)
            ops.extend(plan.ops)
            names.append(s.name)
            k += 1
        return self._materialise(base, header, ops, names)

    def _materialise(self, base: Frame, header: Frame, ops: list[RowOp], names: list[str]) -> Frame:
        if not ops:
            return header if base is header else header.replace(data=base.data)
        log.debug("pipeline %r: fused %s (%d row operations)", self.name, "+".join(names),
                  len(ops))
        return header.replace(data=_run_split(base.data, tuple(ops)))


def _run_split(data: np.ndarray, ops: tuple[RowOp, ...]) -> np.ndarray:
    """``run_ops``, in several passes when the chain holds more arrays than one pass takes."""
    try:
        return run_ops(data, ops)
    except PackFull:
        if len(ops) == 1:
            raise
        half = len(ops) // 2
        return _run_split(_run_split(data, ops[:half]), ops[half:])
