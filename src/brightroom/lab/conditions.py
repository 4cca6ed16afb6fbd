"""The lab's shooting plan: lighting conditions and the chart wall photographed under each.

Every condition is one photograph of a *chart wall*: the test charts laid out side by side on an
18 % grey board (like a lab's chart wall), lit at ``lux`` by an illuminant of ``cct`` kelvin and
shot with the camera's own auto exposure (hand-held phone-like: base ISO while the shutter is
short enough, then the gain rises, so low light means high ISO; see
:func:`brightroom.lab.camera.auto_exposure`). One photograph per condition means the pipeline
under test sees a mixed scene (charts, grey board, a bright high-dynamic-range chart) as a phone
would, and runs once per condition.

=========  ======  =======  ============================================================
name       lux     CCT (K)  situation
=========  ======  =======  ============================================================
``1lux``   1       2856     night indoors, one dim tungsten lamp (CIE illuminant A)
``5lux``   5       2856     dim tungsten-lit living room
``20lux``  20      3000     warm indoor lighting at home
``100lux`` 100     4000     office / shop lighting
``1000lux`` 1000   6500     overcast daylight outdoors
=========  ======  =======  ============================================================

Charts on every wall: a ColorChecker (colour, white balance, exposure), a slanted edge
(e-SFR MTF, edge acutance, overshoot and ringing), a dead-leaves chart (texture acutance), an
18 % flat field (noise: SNR and visual noise), a 40 % flat field (noise spectrum for the
dead-leaves compensation) and a zone plate (false colour, moire). At ``1000lux`` a
transmissive-style 20-stop step chart (ISO 15739) is added for the dynamic range.

Chart sizes are in pixels of the simulated photograph (one scene pixel is one image pixel);
the :data:`FULL_PLAN` wall is under a megapixel, so a full run of one pipeline stays well
under a minute on a 2-core machine; :data:`QUICK_PLAN` (two conditions, small charts) is for
tests and demos.

References
----------
ISO 12233:2017 (slanted edge), ISO 15739:2023 (noise, dynamic range), ISO 14524:2009,
IEEE 1858-2016 (CPIQ: texture and visual noise), CIE 015:2018 (illuminant A = 2856 K).
DXOMARK camera test protocol (public description): lighting from 1 lux to 1000 lux, tungsten
at low light, daylight at high light.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from brightroom.charts import (
    colorchecker,
    dead_leaves,
    dynamic_range_steps,
    flat,
    slanted_edge,
    zone_plate,
)
from brightroom.charts.scene import Scene
from brightroom.errors import ParameterError
from brightroom.lab.camera.presets import PRESETS

__all__ = [
    "CHARTS",
    "ChartSizes",
    "Condition",
    "ShootingPlan",
    "FULL_PLAN",
    "QUICK_PLAN",
    "TINY_PLAN",
    "PLANS",
    "get_plan",
    "check_camera",
    "ChartWall",
    "chart_wall",
    "condition_seed",
]

CHARTS: tuple[str, ...] = ("colorchecker", "slanted-edge", "dead-leaves", "flat", "flat-texture",
                           "zone-plate", "dynamic-range")
"""Chart names a condition can photograph."""

BOARD_REFLECTANCE = 0.18
"""Reflectance of the grey board the charts are mounted on."""

DEAD_LEAVES_SEED = 2010
"""The dead-leaves chart is one fixed physical chart: its seed is not the run's seed."""


@dataclass(frozen=True)
class ChartSizes:
    """Pixel sizes of the charts on the wall.

    Attributes
    ----------
    colorchecker_patch
        Side of a ColorChecker patch.
    edge
        ``(height, width)`` of the slanted-edge chart (vertical edge, 5 degrees, 4:1 contrast).
    dead_leaves
        Side of the dead-leaves chart.
    flat
        Side of the 18 % flat field (noise).
    flat_texture
        Side of the 40 % flat field (noise spectrum for the texture measurement).
    zone_plate
        Side of the zone plate (reaches 0.5 cycles/pixel at the edge of its circle).
    dr_patch, dr_stops
        Patch side and number of one-stop steps of the dynamic-range chart.
    margin
        Grey board between charts and around the wall.
    """

    colorchecker_patch: int = 40
    edge: tuple[int, int] = (224, 160)
    dead_leaves: int = 320
    flat: int = 160
    flat_texture: int = 96
    zone_plate: int = 256
    dr_patch: int = 28
    dr_stops: int = 20
    margin: int = 24

    def __post_init__(self) -> None:
        small = {"colorchecker_patch": (self.colorchecker_patch, 8), "dead_leaves": (self.dead_leaves, 64),
                 "flat": (self.flat, 32), "flat_texture": (self.flat_texture, 32),
                 "zone_plate": (self.zone_plate, 32), "dr_patch": (self.dr_patch, 8),
                 "margin": (self.margin, 8)}
        for name, (v, lo) in small.items():
            if int(v) < lo:
                raise ParameterError(f"chart size {name}={v} is below the minimum {lo} px")
        if min(self.edge) < 48:
            raise ParameterError(f"slanted edge size {self.edge} must be at least 48 x 48 px")
        if not 4 <= self.dr_stops <= 24:
            raise ParameterError(f"dr_stops {self.dr_stops} must be within 4..24")


@dataclass(frozen=True)
class Condition:
    """One lighting condition and the charts photographed under it.

    Attributes
    ----------
    name
        Short identifier (``"20lux"``), used as a key in results and score weights.
    lux
        Illuminance on the chart wall.
    cct
        Correlated colour temperature of the light, kelvin (Planckian below 4000 K, CIE
        daylight from 4000 K up).
    charts
        Charts on the wall, names from :data:`CHARTS`.
    description
        What the condition stands for.
    """

    name: str
    lux: float
    cct: float
    charts: tuple[str, ...] = ("colorchecker", "slanted-edge", "dead-leaves", "flat",
                               "flat-texture", "zone-plate")
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ParameterError(f"a condition needs a name, got {self.name!r}")
        if not 0.01 <= float(self.lux) <= 200_000:
            raise ParameterError(f"condition {self.name}: {self.lux} lux is outside 0.01..200000")
        if not 1000 <= float(self.cct) <= 25000:
            raise ParameterError(f"condition {self.name}: CCT {self.cct} K is outside 1000..25000")
        charts = tuple(self.charts)
        unknown = [c for c in charts if c not in CHARTS]
        if unknown or not charts:
            raise ParameterError(f"condition {self.name}: unknown or no charts {unknown or charts}; "
                                 f"known: {', '.join(CHARTS)}")
        object.__setattr__(self, "charts", charts)
        object.__setattr__(self, "lux", float(self.lux))
        object.__setattr__(self, "cct", float(self.cct))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {"name": self.name, "lux": self.lux, "cct": self.cct, "charts": list(self.charts),
                "description": self.description}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Condition:
        """Inverse of :meth:`to_dict`."""
        return cls(d["name"], d["lux"], d["cct"], tuple(d["charts"]), d.get("description", ""))


@dataclass(frozen=True)
class ShootingPlan:
    """A named list of conditions and the chart sizes used for all of them."""

    name: str
    conditions: tuple[Condition, ...]
    sizes: ChartSizes = field(default_factory=ChartSizes)
    description: str = ""

    def __post_init__(self) -> None:
        conds = tuple(self.conditions)
        if not conds:
            raise ParameterError(f"shooting plan {self.name!r} has no conditions")
        names = [c.name for c in conds]
        if len(set(names)) != len(names):
            raise ParameterError(f"shooting plan {self.name!r}: duplicate condition names {names}")
        object.__setattr__(self, "conditions", conds)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (also what the score version fingerprints)."""
        return {"name": self.name, "description": self.description,
                "conditions": [c.to_dict() for c in self.conditions],
                "sizes": {k: list(v) if isinstance(v, tuple) else v
                          for k, v in dataclasses.asdict(self.sizes).items()}}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ShootingPlan:
        """Inverse of :meth:`to_dict`."""
        sizes = dict(d.get("sizes", {}))
        if "edge" in sizes:
            sizes["edge"] = tuple(sizes["edge"])
        return cls(d["name"], tuple(Condition.from_dict(c) for c in d["conditions"]),
                   ChartSizes(**sizes), d.get("description", ""))


_ALL = ("colorchecker", "slanted-edge", "dead-leaves", "flat", "flat-texture", "zone-plate")

FULL_PLAN = ShootingPlan(
    "full",
    (
        Condition("1lux", 1.0, 2856.0, _ALL, "night indoors, one dim tungsten lamp"),
        Condition("5lux", 5.0, 2856.0, _ALL, "dim tungsten-lit living room"),
        Condition("20lux", 20.0, 3000.0, _ALL, "warm indoor lighting at home"),
        Condition("100lux", 100.0, 4000.0, _ALL, "office or shop lighting"),
        Condition("1000lux", 1000.0, 6500.0, (*_ALL, "dynamic-range"), "overcast daylight"),
    ),
    ChartSizes(),
    "five lighting conditions from 1 to 1000 lux, full-size charts",
)
"""The scoring plan: every ranked score uses it."""

QUICK_PLAN = ShootingPlan(
    "quick",
    (
        Condition("5lux", 5.0, 2856.0, _ALL, "dim tungsten-lit living room"),
        Condition("1000lux", 1000.0, 6500.0, (*_ALL, "dynamic-range"), "overcast daylight"),
    ),
    ChartSizes(colorchecker_patch=20, edge=(112, 96), dead_leaves=128, flat=64, flat_texture=48,
               zone_plate=128, dr_patch=16, dr_stops=20, margin=16),
    "two conditions (5 and 1000 lux), smaller charts: a fast preview",
)
"""A reduced plan for demos: two conditions, smaller charts."""

TINY_PLAN = ShootingPlan(
    "tiny",
    (
        Condition("5lux", 5.0, 2856.0, _ALL, "dim tungsten-lit living room"),
        Condition("1000lux", 1000.0, 6500.0, (*_ALL, "dynamic-range"), "overcast daylight"),
    ),
    ChartSizes(colorchecker_patch=12, edge=(64, 64), dead_leaves=64, flat=48, flat_texture=32,
               zone_plate=64, dr_patch=10, dr_stops=16, margin=10),
    "two conditions, tiny charts: for tests only",
)
"""The smallest plan, for unit tests."""

PLANS: dict[str, ShootingPlan] = {p.name: p for p in (FULL_PLAN, QUICK_PLAN, TINY_PLAN)}


def get_plan(plan: str | ShootingPlan | None = None) -> ShootingPlan:
    """The plan called ``plan`` (``"full"`` by default), or ``plan`` itself."""
    if plan is None:
        return FULL_PLAN
    if isinstance(plan, ShootingPlan):
        return plan
    try:
        return PLANS[plan]
    except (KeyError, TypeError):
        raise ParameterError(f"unknown shooting plan {plan!r}; known: {', '.join(PLANS)}") from None


def check_camera(camera: str) -> str:
    """``camera`` if it names a preset, else a :class:`ParameterError` listing them."""
    if not isinstance(camera, str) or camera not in PRESETS:
        raise ParameterError(f"unknown camera preset {camera!r}; known: {', '.join(PRESETS)}")
    return camera


def condition_seed(seed: int, index: int) -> int:
    """The noise seed of condition ``index`` in a run seeded ``seed`` (independent streams)."""
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be an integer >= 0, got {seed!r}")
    return int(np.random.SeedSequence([int(seed), int(index)]).generate_state(1)[0])


@dataclass(frozen=True, eq=False)
class ChartWall:
    """The scene of one condition and where each chart sits on it.

    Attributes
    ----------
    scene
        The composite :class:`~brightroom.charts.scene.Scene`.
    boxes
        Chart name -> ``(y0, x0, y1, x1)`` (end exclusive) in scene pixels.
    charts
        Chart name -> the chart's own :class:`Scene` (its ``ground_truth`` in chart coordinates).
    """

    scene: Scene
    boxes: dict[str, tuple[int, int, int, int]]
    charts: dict[str, Scene]


@cache
def _chart(name: str, sizes: ChartSizes) -> Scene:
    if name == "colorchecker":
        return colorchecker(sizes.colorchecker_patch)
    if name == "slanted-edge":
        return slanted_edge(sizes.edge, angle_deg=5.0, contrast=4.0)
    if name == "dead-leaves":
        return dead_leaves(sizes.dead_leaves, seed=DEAD_LEAVES_SEED)
    if name == "flat":
        return flat(sizes.flat, 0.18)
    if name == "flat-texture":
        return flat(sizes.flat_texture, 0.40)
    if name == "zone-plate":
        return zone_plate(sizes.zone_plate, f_max=0.5)
    if name == "dynamic-range":
        cols = min(10, sizes.dr_stops)
        return dynamic_range_steps(sizes.dr_stops, peak=4.0, patch_size=sizes.dr_patch,
                                   columns=cols, gap=max(4, sizes.dr_patch // 4))
    raise ParameterError(f"unknown chart {name!r}; known: {', '.join(CHARTS)}")


_ROWS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("colorchecker",), ("zone-plate",)),
    (("dead-leaves",), ("slanted-edge",), ("flat", "flat-texture")),
    (("dynamic-range",),),
)
"""Wall layout: rows of columns of charts; the slanted edge sits in the middle of the wall."""


def _layout(shapes: dict[str, tuple[int, int]], margin: int
            ) -> tuple[dict[str, tuple[int, int]], int, int]:
    """Chart top-left corners and the wall size; the slanted edge is centred on the wall.

    The edge is centred because lens falloff (cos^4) is flat at the optical axis and steep
    towards the corners: an edge off-axis would see tilted plateaus, which read as overshoot.
    """
    rows = []
    for row in _ROWS:
        cols = [tuple(n for n in col if n in shapes) for col in row]
        cols = [c for c in cols if c]
        if cols:
            rows.append(cols)
    placed = set().union(*[set(c) for r in rows for c in r]) if rows else set()
    extra = [n for n in shapes if n not in placed]
    if extra:
        rows.append([(n,) for n in extra])

    def col_size(col):
        return (sum(shapes[n][0] for n in col) + margin * (len(col) - 1),
                max(shapes[n][1] for n in col))

    row_sizes = [(max(col_size(c)[0] for c in r),
                  sum(col_size(c)[1] for c in r) + margin * (len(r) - 1)) for r in rows]
    width = max(w for _, w in row_sizes) + 2 * margin
    pos: dict[str, tuple[int, int]] = {}
    y = margin
    for r, (rh, rw) in zip(rows, row_sizes):
        x = (width - rw) // 2
        for col in r:
            ch, cw = col_size(col)
            yy = y + (rh - ch) // 2
            for n in col:
                pos[n] = (yy, x + (cw - shapes[n][1]) // 2)
                yy += shapes[n][0] + margin
            x += cw + margin
        y += rh + margin
    height = y
    if "slanted-edge" in pos:  # grow the board so that the edge's centre is the wall's centre
        eh, ew = shapes["slanted-edge"]
        cy, cx = pos["slanted-edge"][0] + eh / 2, pos["slanted-edge"][1] + ew / 2
        dy = max(0, int(round(height - 2 * cy)))
        dx = max(0, int(round(width - 2 * cx)))
        height = max(height, int(round(2 * cy)))
        width = max(width, int(round(2 * cx)))
        pos = {n: (py + dy, px + dx) for n, (py, px) in pos.items()}
        height, width = height + dy, width + dx
    return pos, height, width


def chart_wall(condition: Condition, sizes: ChartSizes) -> ChartWall:
    """Lay out ``condition``'s charts on an 18 % grey board.

    Returns
    -------
    ChartWall
        The ColorChecker keeps its measured spectra (``labels``); the rest are basis scenes.
    """
    charts = {name: _chart(name, sizes) for name in condition.charts}
    pos, height, width = _layout({n: sc.shape for n, sc in charts.items()}, sizes.margin)
    rgb = np.full((height, width, 3), BOARD_REFLECTANCE, dtype=np.float32)
    labels = spectra = None
    boxes: dict[str, tuple[int, int, int, int]] = {}
    for name, (y, x) in pos.items():
        sc = charts[name]
        h, w = sc.shape
        rgb[y:y + h, x:x + w] = sc.rgb
        boxes[name] = (y, x, y + h, x + w)
        if sc.labels is not None:
            if labels is not None:
                raise ParameterError("only one chart with measured spectra fits on a wall")
            labels = np.full((height, width), -1, dtype=np.int32)
            labels[y:y + h, x:x + w] = sc.labels
            spectra = sc.spectra
    truth = {"chart": "chart-wall", "boxes": boxes, "condition": condition.name}
    scene = Scene(rgb=rgb, name=f"chart-wall-{condition.name}", labels=labels, spectra=spectra,
                  ground_truth=truth)
    return ChartWall(scene, boxes, charts)
