"""Looks as data: ordered lists of grading operations, stored as TOML files.

A :class:`Look` is a name, a description and an ordered tuple of :class:`Operation`; each
operation names one of :data:`OPERATIONS` and carries its parameters. Looks are plain data:
the built-in ones are TOML files in ``brightroom/looks/data/`` and a user's look is a TOML file
of the same form, or a ``.cube`` / ``.3dl`` / ``.clf`` / ``.ctf`` LUT (a look with one ``lut``
operation)::

    name = "film"
    description = "Soft shoulder, lifted blacks, warm highlights, grain."
    version = 1

    [[operations]]
    type = "curve"
    points = [[0.0, 0.05], [0.5, 0.53], [1.0, 0.95]]

    [[operations]]
    type = "lut"
    file = "print.cube"     # relative to the TOML file

Operations work on display-encoded (sRGB-curve) values, where grading controls are perceptually
even. :func:`apply_look` applies a look to a finished (``display``) image as it is, and to a
scene-referred ``linear_rgb`` image by encoding with the sRGB curve first and decoding after
(values above 1 are carried through; curves extend linearly beyond their last point). ``strength``
mixes the result with the input: ``input + strength * (look(input) - input)``.
"""

from __future__ import annotations

import inspect
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from brightroom.color.lut import (
    LUT1D,
    LUT3D,
    LUT_EXTENSIONS,
    LUT_METHODS,
    LUTSequence,
    ProcessList,
    apply_lut,
    read_lut,
)
from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.errors import BrightroomError, InputError, ParameterError, RecipeError
from brightroom.files import read_input_bytes
from brightroom.limits import check_nesting
from brightroom.looks.curves import tone_curve
from brightroom.looks.grade import lift_gamma_gain, split_tone
from brightroom.looks.grade import saturation as _saturation
from brightroom.looks.grain import film_grain
from brightroom.looks.vignette import vignette
from brightroom.types import Image

__all__ = [
    "OPERATIONS",
    "Operation",
    "Look",
    "compose",
    "list_looks",
    "load_look",
    "parse_look",
    "apply_look",
    "apply_look_array",
    "look_to_toml",
    "bake_look",
    "LOOK_FILE_VERSION",
]

LOOK_FILE_VERSION = 1


AnyLUT = LUT1D | LUT3D | LUTSequence | ProcessList
"""What a ``lut`` operation holds: a table, a shaper + table, or a CLF/CTF process list."""


def _lut_op(rgb: np.ndarray, file: str = "", method: str = "tetrahedral", *,
            lut: AnyLUT | None = None) -> np.ndarray:
    if lut is None:
        raise ParameterError(f"lut operation: LUT file {file!r} was not loaded")
    return apply_lut(rgb, lut, method=method)


OPERATIONS: dict[str, Callable[..., np.ndarray]] = {
    "curve": lambda rgb, points, mode="rgb": tone_curve(rgb, points, mode=mode),
    "balance": lambda rgb, lift=0.0, gamma=1.0, gain=1.0: lift_gamma_gain(rgb, lift, gamma, gain),
    "split_tone": lambda rgb, shadows=0.0, highlights=0.0: split_tone(rgb, shadows, highlights),
    "saturation": lambda rgb, saturation=1.0, vibrance=0.0: _saturation(rgb, saturation, vibrance),
    "grain": lambda rgb, amount=0.03, size=1.0, seed=0, colour=0.0: film_grain(
        rgb, amount, size, seed, colour),
    "vignette": lambda rgb, amount=0.2, midpoint=0.5: vignette(rgb, amount, midpoint),
    "lut": _lut_op,
}
"""Look operations by name: ``fn(rgb, **params) -> rgb`` on display-encoded float32 values.

``curve`` (:func:`~brightroom.looks.curves.tone_curve`, Fritsch-Carlson monotone cubic),
``balance`` (:func:`~brightroom.looks.grade.lift_gamma_gain`), ``split_tone``
(:func:`~brightroom.looks.grade.split_tone`), ``saturation``
(:func:`~brightroom.looks.grade.saturation`), ``grain``
(:func:`~brightroom.looks.grain.film_grain`), ``vignette``
(:func:`~brightroom.looks.vignette.vignette`), ``lut`` (a ``.cube`` (a Resolve shaper + 3D one
too), ``.3dl``, ``.clf`` or ``.ctf`` file applied with :func:`~brightroom.color.lut.apply_lut`;
``method`` chooses the 3D interpolation, a CLF/CTF file interpolates as it says).
"""

_PROBE = np.linspace(0, 1, 4 * 4 * 3, dtype=np.float32).reshape(4, 4, 3)


def _param_names(kind: str) -> set[str]:
    sig = inspect.signature(OPERATIONS[kind])
    return {n for n, p in list(sig.parameters.items())[1:] if p.kind != p.KEYWORD_ONLY}


@dataclass(frozen=True, eq=False)
class Operation:
    """One step of a look: an operation name from :data:`OPERATIONS` and its parameters.

    Parameters are checked on construction (unknown names, bad values) by running the operation
    on a tiny probe image. A ``lut`` operation carries its loaded table in ``lut``.
    """

    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)
    lut: AnyLUT | None = None

    def __post_init__(self) -> None:
        if self.kind not in OPERATIONS:
            raise ParameterError(f"unknown look operation {self.kind!r}; known: "
                                 f"{', '.join(OPERATIONS)}")
        params = dict(self.params)
        unknown = sorted(set(params) - _param_names(self.kind))
        if unknown:
            raise ParameterError(f"look operation {self.kind!r}: unknown parameter(s) "
                                 f"{', '.join(unknown)}; known: "
                                 f"{', '.join(sorted(_param_names(self.kind)))}")
        if self.kind == "lut":
            if self.lut is None:
                raise ParameterError("a lut operation needs its loaded LUT")
            LUT_METHODS.canonical(params.get("method", "tetrahedral"))  # raises if unknown
        object.__setattr__(self, "params", params)
        try:
            out = self(_PROBE)
        except BrightroomError:
            raise
        except (TypeError, ValueError) as e:
            raise ParameterError(f"look operation {self.kind!r}: bad parameters "
                                 f"{params!r}: {e}") from None
        if out.shape != _PROBE.shape:
            raise ParameterError(f"look operation {self.kind!r} changed the image shape")

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        """Apply to display-encoded ``H x W x 3`` float32 values."""
        if self.kind == "lut":
            return _lut_op(rgb, **self.params, lut=self.lut)
        return OPERATIONS[self.kind](rgb, **self.params)


@dataclass(frozen=True, eq=False)
class Look:
    """A named, ordered list of operations (see the module documentation)."""

    name: str
    operations: tuple[Operation, ...] = ()
    description: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        ops = tuple(self.operations)
        for op in ops:
            if not isinstance(op, Operation):
                raise ParameterError(f"look {self.name!r}: operations must be Operation objects, "
                                     f"got {type(op).__name__}")
        object.__setattr__(self, "operations", ops)

    @property
    def spatial(self) -> bool:
        """Whether the look depends on pixel position (grain, vignette): it cannot be a LUT."""
        return any(op.kind in ("grain", "vignette") for op in self.operations)


def compose(*looks: Look) -> Look:
    """One look doing ``looks[0]``, then ``looks[1]``, ... (their operations concatenated)."""
    if not looks:
        raise ParameterError("compose needs at least one look")
    ops: list[Operation] = []
    for lk in looks:
        if not isinstance(lk, Look):
            raise ParameterError(f"compose takes Look objects, got {type(lk).__name__}")
        ops.extend(lk.operations)
    return Look(" + ".join(lk.name for lk in looks), tuple(ops),
                "; ".join(lk.description for lk in looks if lk.description))


# ------------------------------------------------------------------------------------ files

def _data_dir() -> Any:
    return resources.files("brightroom.looks") / "data"


@cache
def list_looks() -> tuple[str, ...]:
    """Names of the built-in looks."""
    return tuple(sorted(p.name[:-5] for p in _data_dir().iterdir() if p.name.endswith(".toml")))


def _confined(base_dir: Path, path: Path, where: str, i: int, allow_outside: bool) -> Path:
    """A look file's reference ``path`` resolved in its folder ``base_dir``; one that leaves the
    folder (absolute, ``..``, or a symbolic link pointing out) is refused unless
    ``allow_outside``, so that a look someone sends cannot read other files."""
    full = path if path.is_absolute() else base_dir / path
    if allow_outside:
        return full
    try:
        inside = full.resolve().is_relative_to(base_dir.resolve())
    except (OSError, RuntimeError):
        inside = False
    if not inside:
        raise RecipeError(f"{where}: operation {i} (lut): the file {str(path)[:80]!r} is outside "
                          "the look's folder; put the LUT beside the look file (or pass "
                          "allow_outside=True)")
    return full


def parse_look(table: Mapping[str, Any], *, where: str = "look", base_dir: Path | None = None,
               default_name: str = "", allow_outside: bool = False) -> Look:
    """Build a :class:`Look` from a TOML table (``name``, ``description``, ``version``,
    ``[[operations]]`` each with ``type`` and parameters); ``where`` names it in errors.

    A ``lut`` operation's ``file`` is read relative to ``base_dir`` and must stay inside it
    (no absolute path, ``..`` or link pointing out) unless ``allow_outside``."""
    t = dict(table)
    unknown = sorted(set(t) - {"name", "description", "version", "operations"})
    if unknown:
        raise RecipeError(f"{where}: unknown key(s) {', '.join(unknown)}; expected name, "
                          "description, version, operations")
    version = t.get("version", LOOK_FILE_VERSION)
    if not isinstance(version, int) or version > LOOK_FILE_VERSION or version < 1:
        raise RecipeError(f"{where}: look file version {version!r} is not supported (this "
                          f"Brightroom reads version {LOOK_FILE_VERSION})")
    name = t.get("name", default_name)
    desc = t.get("description", "")
    if not isinstance(name, str) or not isinstance(desc, str):
        raise RecipeError(f"{where}: name and description must be strings")
    ops_raw = t.get("operations", [])
    if not isinstance(ops_raw, list):
        raise RecipeError(f"{where}: operations must be an array of tables ([[operations]])")
    ops = []
    for i, o in enumerate(ops_raw, start=1):
        if not isinstance(o, dict) or not isinstance(o.get("type"), str):
            raise RecipeError(f"{where}: operation {i} needs a 'type' string")
        params = {k: v for k, v in o.items() if k != "type"}
        lut = None
        try:
            if o["type"] == "lut":
                f = params.get("file")
                if not isinstance(f, str) or not f:
                    raise RecipeError(f"{where}: operation {i} (lut) needs a 'file'")
                path = Path(f)
                if base_dir is not None:
                    path = _confined(base_dir, path, where, i, allow_outside)
                lut = read_lut(path)
            ops.append(Operation(o["type"], params, lut))
        except (ParameterError, InputError) as e:
            raise RecipeError(f"{where}: operation {i}: {e}") from None
    return Look(name, tuple(ops), desc, where)


def _load_toml(path: Path, text: str, default_name: str) -> Look:
    check_nesting(text, str(path))
    try:
        table = tomllib.loads(text)
    except RecursionError:
        raise RecipeError(f"{path}: nested too deeply to parse") from None
    except tomllib.TOMLDecodeError as e:
        raise RecipeError(f"{path}: not valid TOML ({e})") from None
    return parse_look(table, where=str(path), base_dir=path.parent, default_name=default_name)


def load_look(look: str | os.PathLike[str] | Look) -> Look:
    """A look by built-in name (see :func:`list_looks`), ``.toml`` look file or ``.cube`` /
    ``.3dl`` / ``.clf`` / ``.ctf`` LUT file (a look with one ``lut`` operation); a :class:`Look`
    is returned as is."""
    if isinstance(look, Look):
        return look
    s = os.fspath(look)
    p = Path(s)
    ext = p.suffix.lower()
    if ext in LUT_EXTENSIONS:
        lut = read_lut(p)
        return Look(p.stem, (Operation("lut", {"file": str(p)}, lut),),
                    f"LUT {p.name}" + (f" ({lut.title})" if lut.title else ""), str(p))
    if ext == ".toml":
        data = read_input_bytes(p, "look file")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise RecipeError(f"{p}: a look file must be UTF-8 text") from None
        return _load_toml(p, text, p.stem)
    if s in list_looks():
        res = _data_dir() / f"{s}.toml"
        return _load_toml(Path(str(res)), res.read_text(encoding="utf-8"), s)
    raise ParameterError(f"unknown look {s!r}: not a built-in look ({', '.join(list_looks())}) "
                         "nor a .toml / .cube / .3dl / .clf / .ctf file")


def look_to_toml(look: Look) -> str:
    """The TOML text of ``look`` (``lut`` operations keep their ``file`` parameter)."""

    def val(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float, np.floating, np.integer)):
            return repr(float(v)) if isinstance(v, (float, np.floating)) else str(int(v))
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, (list, tuple, np.ndarray)):
            return "[" + ", ".join(val(x) for x in v) + "]"
        raise ParameterError(f"cannot write {v!r} to a look file")

    lines = [f"name = {val(look.name)}", f"description = {val(look.description)}",
             f"version = {LOOK_FILE_VERSION}"]
    for op in look.operations:
        lines += ["", "[[operations]]", f"type = {val(op.kind)}"]
        lines += [f"{k} = {val(v)}" for k, v in op.params.items()]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ application

def apply_look_array(rgb: np.ndarray, look: Look, *, strength: float = 1.0) -> np.ndarray:
    """Apply ``look``'s operations to display-encoded ``H x W x 3`` float32 values.

    ``strength`` (0..2) mixes: ``rgb + strength * (look(rgb) - rgb)``. Not clipped.
    """
    if not (isinstance(strength, (int, float)) and np.isfinite(strength) and 0 <= strength <= 2):
        raise ParameterError(f"look strength must be in [0, 2], got {strength!r}")
    a = np.asarray(rgb, dtype=np.float32)
    if a.ndim != 3 or a.shape[2] != 3:
        raise ParameterError(f"a look needs an H x W x 3 image, got shape {a.shape}")
    out = a
    for op in look.operations:
        out = op(out)
    if strength == 1:
        return out.astype(np.float32, copy=out is a)
    return (a + np.float32(strength) * (out - a)).astype(np.float32)


def apply_look(image: Image, look: str | os.PathLike[str] | Look, *,
               strength: float = 1.0) -> Image:
    """Apply a look to an :class:`~brightroom.types.Image`.

    Parameters
    ----------
    image
        A ``display`` image (sRGB transfer; the result is clipped to [0, 1]) or a scene-referred
        ``linear_rgb`` image (encoded with the sRGB curve, graded, decoded; not clipped above).
    look
        A :class:`Look`, a built-in name, or a ``.toml`` / ``.cube`` / ``.3dl`` / ``.clf`` /
        ``.ctf`` path.
    strength
        0 = unchanged, 1 = the look as designed, up to 2.

    Returns
    -------
    Image
        Same space, size and metadata (plus ``metadata["look"]``); bit depth information in
        the metadata is kept, so a 16-bit input is written back as 16-bit.
    """
    if not isinstance(image, Image):
        raise ParameterError(f"apply_look needs an Image, got {type(image).__name__}")
    lk = load_look(look)
    meta = dict(image.metadata)
    meta["look"] = lk.name if strength == 1 else f"{lk.name} ({strength:g})"
    if image.space == "display":
        if image.transfer != "sRGB":
            raise ParameterError(f"looks grade sRGB-encoded images; this one is {image.transfer!r}")
        out = np.clip(apply_look_array(image.data, lk, strength=strength), 0, 1)
        return image.replace(data=out.astype(np.float32), metadata=meta)
    if image.space == "linear_rgb":
        enc = srgb_encode(image.data)
        graded = apply_look_array(enc, lk, strength=strength)
        sign = np.where(graded < 0, np.float32(-1), np.float32(1))
        lin = (sign * srgb_decode(np.abs(graded))).astype(np.float32)
        return image.replace(data=lin, metadata=meta)
    raise ParameterError("looks apply to display or linear_rgb images, not camera RGB "
                         "(develop the raw first)")


def bake_look(look: str | os.PathLike[str] | Look, *, size: int = 33, strength: float = 1.0,
              drop_spatial: bool = False, linear_max: float | None = None) -> LUT3D | LUTSequence:
    """``look`` as a 3D LUT on sRGB-encoded values (for other software, or speed).

    Grain and vignette depend on the pixel's position and cannot be a LUT: a look with them is
    refused unless ``drop_spatial`` (they are then left out).

    With ``linear_max`` the LUT takes scene-referred linear RGB in ``[0, linear_max]`` (as the
    ``look`` pipeline stage does, highlights above 1 included) and is a :class:`LUTSequence`:
    a 4096-entry shaper (the sRGB curve, extended above 1) followed by the 3D table of the look
    on those encoded values, which gives linear values back. Saved as ``.cube`` it is a
    DaVinci Resolve shaper + 3D file.
    """
    lk = load_look(look)
    if lk.spatial:
        if not drop_spatial:
            raise ParameterError(f"look {lk.name!r} has grain or vignette, which depend on the "
                                 "pixel position and cannot be baked into a LUT (drop_spatial=True "
                                 "leaves them out)")
        lk = Look(lk.name, tuple(o for o in lk.operations if o.kind not in ("grain", "vignette")),
                  lk.description, lk.source)
    comments = (lk.description,) if lk.description else ()
    title = f"Brightroom look {lk.name}"
    if linear_max is None:
        def fn(grid: np.ndarray) -> np.ndarray:
            n = grid.shape[0]
            flat = np.ascontiguousarray(grid.reshape(n * n, n, 3))
            return np.clip(apply_look_array(flat, lk, strength=strength), 0, 1).reshape(grid.shape)

        return LUT3D.from_function(fn, size, title=title, comments=comments)
    if not (isinstance(linear_max, (int, float)) and np.isfinite(linear_max)
            and 1 <= linear_max <= 1e4):
        raise ParameterError(f"linear_max must be a number in [1, 10000], got {linear_max!r}")
    emax = float(srgb_encode(np.float32(linear_max)))
    xs = np.linspace(0, linear_max, 4096, dtype=np.float64)
    shaper = LUT1D(np.repeat(srgb_encode(xs.astype(np.float32))[:, None], 3, axis=1), 0.0,
                   float(linear_max), title=title)

    def fn_linear(grid: np.ndarray) -> np.ndarray:
        n = grid.shape[0]
        flat = np.ascontiguousarray(grid.reshape(n * n, n, 3))
        graded = apply_look_array(flat, lk, strength=strength)
        sign = np.where(graded < 0, np.float32(-1), np.float32(1))
        return (sign * srgb_decode(np.abs(graded))).reshape(grid.shape)

    cube = LUT3D.from_function(fn_linear, size, domain_max=emax, title=title, comments=comments)
    return LUTSequence((shaper, cube), title=title, comments=comments)
