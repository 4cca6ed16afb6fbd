"""The edit list: typed, versioned parameters of every edit control, and their TOML form.

Each group is a frozen :class:`~brightroom.develop.params.Params` dataclass with Lightroom's
names and ranges beside each field (construction checks them, so an out-of-range value is one
:class:`~brightroom.errors.ParameterError` naming the control and its range). Spatial values
are relative (fractions of the image width, height or long side) so that the same list gives
the same picture at preview and at full size.

The file (``IMG.jpg.brightroom.toml``)::

    format = "brightroom-edit"
    version = 1

    [basic]
    exposure = 1.0        # EV
    shadows = 30.0        # -100..100

    [hsl]
    saturation = [0, 0, 0, 0, 0, -40, 0, 0]   # red orange yellow green aqua blue purple magenta

    [geometry]
    crop = [0.1, 0.1, 0.8, 0.8]   # x, y, w, h as fractions of the input
    angle = 1.5                   # degrees, clockwise
    vertical = 6.0                # degrees of virtual-camera tilt (keystone)

    [[heal]]
    x = 0.25                      # fractions of width / height
    y = 0.4
    radius = 0.01                 # fraction of the long side

Only values that differ from the defaults are written; a newer ``version`` than this code
reads is refused, naming both.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from brightroom.develop.params import Params, param
from brightroom.errors import ParameterError, RecipeError

__all__ = ["BANDS", "BasicPanel", "HSL", "ToneCurve", "Detail", "Effects", "Geometry", "Heal",
           "EditList", "EDIT_FORMAT", "EDIT_VERSION", "parse_edits", "sidecar_path"]

EDIT_FORMAT = "brightroom-edit"
EDIT_VERSION = 1

BANDS = ("red", "orange", "yellow", "green", "aqua", "blue", "purple", "magenta")
"""Lightroom's eight HSL colour bands, in hue order."""

_SLIDER = (-100.0, 100.0)


def _slider(doc: str) -> Any:
    return param(0.0, range=_SLIDER, doc=doc)


@dataclass(frozen=True)
class BasicPanel(Params):
    """Lightroom's basic panel (and presence): every value 0 is the identity."""

    VERSION = 1
    exposure: float = param(0.0, range=(-5.0, 5.0), units="EV", doc="2**EV times linear light")
    contrast: float = _slider("S-curve around mid-grey in log luminance")
    highlights: float = _slider("bright tones (about -2.5..-0.5 EV below white), edge-aware")
    shadows: float = _slider("dark tones (about -7..-3 EV below white), edge-aware")
    whites: float = _slider("the white point (the top 1 EV)")
    blacks: float = _slider("the black point (the darkest tones)")
    temperature: float = param(0.0, range=(-100.0, 50000.0),
                               doc="raw: white balance in kelvin (2000..50000; 0 keeps the "
                               "recipe's); finished photo: relative shift -100..100 (+ warmer)")
    tint: float = param(0.0, range=(-150.0, 150.0), doc="+ magenta, - green")
    vibrance: float = _slider("saturation of the less saturated colours, skin protected")
    saturation: float = _slider("saturation of every colour")
    texture: float = _slider("fine detail (a few pixels), edge-aware")
    clarity: float = _slider("mid-scale local contrast, edge-aware")
    dehaze: float = _slider("remove (+) or add (-) haze (He, Sun & Tang 2009)")


@dataclass(frozen=True)
class HSL(Params):
    """Hue, saturation and luminance per colour band (:data:`BANDS` order), each -100..100."""

    VERSION = 1
    hue: tuple[float, ...] = param((0.0,) * 8, doc="hue shift, 100 = 30 degrees")
    saturation: tuple[float, ...] = param((0.0,) * 8, doc="-100 = grey, +100 = doubled chroma")
    luminance: tuple[float, ...] = param((0.0,) * 8, doc="100 = +1 EV on the band")

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("hue", "saturation", "luminance"):
            v = getattr(self, name)
            if len(v) != 8:
                raise ParameterError(f"hsl.{name} needs 8 values ({', '.join(BANDS)}), got "
                                     f"{len(v)}")
            object.__setattr__(self, name, tuple(float(x) for x in v))
            for band, x in zip(BANDS, v):
                if not -100 <= x <= 100 or not math.isfinite(x):
                    raise ParameterError(f"hsl {band}.{name} = {x!r} is outside [-100, 100]")


def _check_points(name: str, pts: tuple[float, ...]) -> tuple[float, ...]:
    if len(pts) % 2 or (pts and len(pts) < 4):
        raise ParameterError(f"curve.{name} needs x, y pairs (at least two points), got "
                             f"{len(pts)} numbers")
    pts = tuple(float(v) for v in pts)
    xs = pts[0::2]
    if any(not 0 <= v <= 1 or not math.isfinite(v) for v in pts):
        raise ParameterError(f"curve.{name}: points must lie in [0, 1], got {list(pts)}")
    if any(b <= a for a, b in zip(xs, xs[1:])):
        raise ParameterError(f"curve.{name}: x must increase, got {list(xs)}")
    return pts


@dataclass(frozen=True)
class ToneCurve(Params):
    """Point curves on display-encoded (sRGB) values, as flat ``x0, y0, x1, y1, ...`` in [0, 1];
    empty is the identity. ``rgb`` applies to all channels, then ``red``/``green``/``blue``."""

    VERSION = 1
    rgb: tuple[float, ...] = param((), doc="master curve")
    red: tuple[float, ...] = param((), doc="red channel curve")
    green: tuple[float, ...] = param((), doc="green channel curve")
    blue: tuple[float, ...] = param((), doc="blue channel curve")

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("rgb", "red", "green", "blue"):
            object.__setattr__(self, name, _check_points(name, getattr(self, name)))


@dataclass(frozen=True)
class Detail(Params):
    """Sharpening and noise reduction amounts (Lightroom's detail panel)."""

    VERSION = 1
    sharpening: float = param(0.0, range=(0.0, 150.0), doc="unsharp mask on luminance")
    noise_reduction: float = param(0.0, range=(0.0, 100.0),
                                   doc="edge-aware luminance smoothing")


@dataclass(frozen=True)
class Effects(Params):
    """Post-crop vignette and grain (the looks room's, in relative units)."""

    VERSION = 1
    vignette: float = _slider("- darkens, + brightens the corners")
    grain: float = param(0.0, range=(0.0, 100.0), doc="film grain amount")


@dataclass(frozen=True)
class Geometry(Params):
    """Crop, flips, quarter turns, then free rotation and perspective (one warp), applied in
    that order. ``crop`` is ``(x, y, w, h)`` in fractions of the input image's width and
    height; ``vertical`` and ``horizontal`` are rotations of a virtual camera (focal length
    :data:`brightroom.edit.geometry.FOCAL` times the long side), so they are independent of
    the resolution."""

    VERSION = 1
    flip: str = param("", choices=("", "h", "v", "hv"), doc="mirror horizontally and/or "
                      "vertically")
    rotate: int = param(0, choices=(0, 90, 180, 270), units="degrees",
                        doc="quarter turns, clockwise")
    angle: float = param(0.0, range=(-45.0, 45.0), units="degrees",
                         doc="free rotation, clockwise (Lightroom's straighten angle); the "
                         "largest upright rectangle of the same aspect is kept")
    crop: tuple[float, float, float, float] | None = param(None, doc="x, y, w, h (fractions)")
    vertical: float = param(0.0, range=(-40.0, 40.0), units="degrees",
                            doc="perspective: the virtual camera's tilt (+ widens the top, for "
                            "verticals converging upwards, a photo taken looking up)")
    horizontal: float = param(0.0, range=(-40.0, 40.0), units="degrees",
                              doc="perspective: the virtual camera's pan (+ widens the right "
                              "side, for a facade receding to the right)")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.crop is not None:
            x, y, w, h = (float(v) for v in self.crop)
            if not (0 <= x < 1 and 0 <= y < 1 and 0 < w and 0 < h and x + w <= 1 + 1e-9
                    and y + h <= 1 + 1e-9):
                raise ParameterError(f"geometry.crop {list(self.crop)} lies outside the image "
                                     "(x, y, w, h as fractions, within [0, 1])")
            object.__setattr__(self, "crop", (x, y, w, h))


@dataclass(frozen=True)
class Heal(Params):
    """A spot to heal: centre ``(x, y)`` in fractions of the width and height, ``radius`` in
    fractions of the long side (of the image before geometry)."""

    VERSION = 1
    x: float = param(0.5, range=(0.0, 1.0))
    y: float = param(0.5, range=(0.0, 1.0))
    radius: float = param(0.01, range=(1e-6, 0.25))


_GROUPS: dict[str, type[Params]] = {"basic": BasicPanel, "hsl": HSL, "curve": ToneCurve,
                                    "detail": Detail, "effects": Effects,
                                    "geometry": Geometry}


@dataclass(frozen=True)
class EditList:
    """A whole edit: every control group and the heal spots (see the module docstring)."""

    basic: BasicPanel = field(default_factory=BasicPanel)
    hsl: HSL = field(default_factory=HSL)
    curve: ToneCurve = field(default_factory=ToneCurve)
    detail: Detail = field(default_factory=Detail)
    effects: Effects = field(default_factory=Effects)
    geometry: Geometry = field(default_factory=Geometry)
    heal: tuple[Heal, ...] = ()

    VERSION: ClassVar[int] = EDIT_VERSION

    def is_identity(self) -> bool:
        """Whether the list changes nothing."""
        return self == EditList()

    def with_values(self, group: str, **values: Any) -> EditList:
        """A copy with ``values`` set in ``group`` (validated)."""
        if group == "heal":
            raise ParameterError("set heal spots with dataclasses.replace(edits, heal=...)")
        if group not in _GROUPS:
            raise ParameterError(f"unknown edit group {group!r}; known: {', '.join(_GROUPS)}")
        try:
            new = dataclasses.replace(getattr(self, group), **values)
        except TypeError as e:
            raise ParameterError(f"edit group {group!r}: {e}") from None
        return dataclasses.replace(self, **{group: new})

    def to_mapping(self) -> dict[str, Any]:
        """The non-default values as plain data (with ``format`` and ``version``)."""
        out: dict[str, Any] = {"format": EDIT_FORMAT, "version": EDIT_VERSION}
        for name, cls in _GROUPS.items():
            cur, default = getattr(self, name).to_mapping(), cls().to_mapping()
            diff = {k: v for k, v in cur.items() if default.get(k) != v}
            if diff:
                out[name] = diff
        if self.heal:
            out["heal"] = [h.to_mapping() for h in self.heal]
        return out

    def to_toml(self) -> str:
        """The TOML text that :func:`parse_edits` reads back to an equal list."""
        data = self.to_mapping()
        lines = [f'format = "{EDIT_FORMAT}"', f"version = {EDIT_VERSION}"]
        for name in _GROUPS:
            if name in data:
                lines += ["", f"[{name}]"]
                lines += [f"{k} = {_toml(v)}" for k, v in data[name].items()]
        for h in data.get("heal", ()):
            lines += ["", "[[heal]]"] + [f"{k} = {_toml(v)}" for k, v in h.items()]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "<edits>") -> EditList:
        """Build from parsed TOML, refusing unknown groups and newer versions."""
        fmt = data.get("format", EDIT_FORMAT)
        if fmt != EDIT_FORMAT:
            raise RecipeError(f"{source}: not a Brightroom edit list (format {fmt!r}, expected "
                              f"{EDIT_FORMAT!r})")
        version = data.get("version", EDIT_VERSION)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise RecipeError(f"{source}: edit list version must be an integer >= 1, got "
                              f"{version!r}")
        if version > EDIT_VERSION:
            raise RecipeError(f"{source}: edit list version {version} is newer than this "
                              f"Brightroom's {EDIT_VERSION}")
        unknown = sorted(set(data) - {"format", "version", "heal", *_GROUPS})
        if unknown:
            raise RecipeError(f"{source}: unknown edit group(s) {', '.join(unknown)}; known: "
                              f"{', '.join([*_GROUPS, 'heal'])}")
        groups: dict[str, Any] = {}
        for name, pcls in _GROUPS.items():
            table = data.get(name, {})
            if not isinstance(table, Mapping):
                raise RecipeError(f"{source}: [{name}] must be a table")
            groups[name] = pcls.from_mapping(table, version=version, where=f"{source}: [{name}] ")
        heals = data.get("heal", [])
        if not isinstance(heals, list):
            raise RecipeError(f"{source}: heal must be an array of [[heal]] tables")
        groups["heal"] = tuple(Heal.from_mapping(h, version=version,
                                                 where=f"{source}: [[heal]] #{i} ")
                               for i, h in enumerate(heals, 1))
        return cls(**groups)


def _toml(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    raise RecipeError(f"cannot write {v!r} to an edit list")


def parse_edits(text: str, *, source: str = "<edits>") -> EditList:
    """An :class:`EditList` from TOML text; ``source`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RecipeError(f"{source}: not valid TOML ({e})") from None
    return EditList.from_mapping(data, source=source)


def sidecar_path(photo: str | Path) -> Path:
    """Where the edit list of ``photo`` is kept: ``IMG.jpg`` -> ``IMG.jpg.brightroom.toml``."""
    p = Path(photo)
    return p.with_name(p.name + ".brightroom.toml")
