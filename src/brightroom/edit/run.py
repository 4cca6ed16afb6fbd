"""Editing one photo end to end: what :func:`brightroom.edit` does.

1. The edit list is built: an edit file (``.toml``) or :class:`EditList` if given, then the
   ``crs:`` settings of an XMP (:mod:`brightroom.edit.xmp`) over it, then every control given
   by keyword over that; ``--auto`` fills exposure, contrast, whites, blacks and vibrance that
   were not given (:mod:`brightroom.edit.auto`); ``straighten="auto"`` measures the angle
   (:func:`brightroom.edit.geometry.straighten_angle`); ``upright="level"|"vertical"|"full"``
   measures the roll and the perspective (:func:`brightroom.edit.geometry.upright`);
   ``dust=True`` finds dust spots on flat areas (:func:`brightroom.edit.dust.detect_dust`)
   and adds them as heal spots. The list holds the resolved values, so reloading it renders
   the same picture without measuring again.
2. Raw input is developed by the recipe with an ``edit`` stage after ``tone``
   (:mod:`brightroom.edit.stage`): the recipe's stages before it run first (their result is
   what ``--auto`` and auto-straighten measure), then the edit stage, the look and the
   output stage. A finished photo (JPEG/PNG/TIFF/HEIC/AVIF) is linearised with its sRGB
   curve, edited, graded by the look, and encoded again. Either way the output carries the
   recipe with the edit stage (for a finished photo a recipe of just that stage), so the
   edits travel with it.
3. The edit list is saved beside the input (``IMG.jpg.brightroom.toml``, atomically; an
   existing file there is replaced only if it is itself a Brightroom edit list), and as XMP
   when asked.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.develop.pipeline import Pipeline
from brightroom.develop.recipe import Recipe
from brightroom.develop.run import resolve_recipe
from brightroom.edit.auto import auto_settings
from brightroom.edit.dust import detect_dust
from brightroom.edit.geometry import UPRIGHT_MODES, apply_geometry, straighten_angle
from brightroom.edit.geometry import upright as upright_angles
from brightroom.edit.params import (
    BANDS,
    HSL,
    BasicPanel,
    Detail,
    EditList,
    Effects,
    Geometry,
    Heal,
    parse_edits,
    sidecar_path,
)
from brightroom.edit.render import render_edits
from brightroom.edit.stage import EditParams, with_edit_stage
from brightroom.edit.xmp import edits_to_xmp, read_xmp
from brightroom.errors import InputError, OutputExistsError, ParameterError, RecipeError
from brightroom.files import atomic_write
from brightroom.io import read
from brightroom.looks import apply_look, load_look
from brightroom.looks.stage import LookParams
from brightroom.types import Image, LinearRawImage, RawImage

__all__ = ["EditResult", "EditWarning", "load_edits", "resolve_edits", "edit_photo",
           "linear_input",
           "parse_hsl", "parse_numbers", "BASIC_CONTROLS", "DETAIL_CONTROLS",
           "EFFECT_CONTROLS"]

BASIC_CONTROLS = tuple(f.name for f in dataclasses.fields(BasicPanel))
DETAIL_CONTROLS = tuple(f.name for f in dataclasses.fields(Detail))
EFFECT_CONTROLS = tuple(f.name for f in dataclasses.fields(Effects))
_HSL_NAMES = {"hue": "hue", "h": "hue", "sat": "saturation", "saturation": "saturation",
              "s": "saturation", "lum": "luminance", "luminance": "luminance", "l": "luminance"}


class EditWarning(UserWarning):
    """Something asked for could not be done as asked (no lines to straighten by, ...)."""


@dataclass(frozen=True, eq=False)
class EditResult:
    """What :func:`brightroom.edit` did.

    Attributes
    ----------
    image
        The edited photo (display-encoded).
    edits
        The edit list applied (resolved: auto values and the straighten angle filled in).
    unmapped
        XMP settings that were not mapped to Brightroom controls.
    sidecar
        The edit list file written beside the input, or ``None``.
    xmp
        The XMP file written, or ``None``.
    straighten
        The angle auto-straighten found (degrees, clockwise), ``None`` when not asked or when
        the photo had no usable lines.
    upright
        ``(angle, vertical, horizontal)`` (degrees) that upright found, ``None`` when not
        asked or when the photo had not the lines for it.
    dust
        The dust spots found ``(x, y, radius)`` in the input's pixels (added to the heal
        spots), empty when not asked.
    """

    image: Image
    edits: EditList
    unmapped: tuple[str, ...] = ()
    sidecar: Path | None = None
    xmp: Path | None = None
    straighten: float | None = None
    upright: tuple[float, float, float] | None = None
    dust: tuple[tuple[float, float, float], ...] = ()


def load_edits(source: str | os.PathLike[str] | EditList) -> EditList:
    """An edit list from a ``.toml`` file, or as given."""
    if isinstance(source, EditList):
        return source
    p = Path(source)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{p}: cannot read the edit list ({e})") from None
    return parse_edits(text, source=str(p))


def parse_numbers(value: str | Sequence[float], n: int, what: str) -> tuple[float, ...]:
    """``"1,2,3"`` or a sequence as ``n`` finite numbers."""
    if isinstance(value, str):
        parts = [v.strip() for v in value.split(",")]
        try:
            nums = tuple(float(v) for v in parts)
        except ValueError:
            raise ParameterError(f"{what} {value!r}: expected {n} comma-separated numbers") from None
    else:
        nums = tuple(float(v) for v in value)
    if len(nums) != n or not all(np.isfinite(nums)):
        raise ParameterError(f"{what} {value!r}: expected {n} finite numbers")
    return nums


def parse_hsl(specs: Sequence[str] | Mapping[str, float]) -> dict[str, list[float]]:
    """``["blue.sat=-40", "red.hue=10"]`` (or ``{"blue.sat": -40}``) as HSL field lists."""
    out = {"hue": [0.0] * 8, "saturation": [0.0] * 8, "luminance": [0.0] * 8}
    items = specs.items() if isinstance(specs, Mapping) else [
        tuple(s.split("=", 1)) if "=" in s else (s, None) for s in specs]
    for key, value in items:
        band, _, prop = str(key).strip().lower().partition(".")
        if band not in BANDS or prop not in _HSL_NAMES or value is None:
            raise ParameterError(f"hsl {key}{'' if value is None else '=' + str(value)!s}: "
                                 f"expected BAND.hue|sat|lum=N with BAND one of "
                                 f"{', '.join(BANDS)}")
        try:
            v = float(value)
        except ValueError:
            raise ParameterError(f"hsl {key}={value}: {value!r} is not a number") from None
        out[_HSL_NAMES[prop]][BANDS.index(band)] = v
    return out


def _overlay(base: Any, over: Any) -> Any:
    """``base`` with every field where ``over`` differs from its default taken from ``over``."""
    default = type(over)()
    changes = {f.name: getattr(over, f.name) for f in dataclasses.fields(over)
               if getattr(over, f.name) != getattr(default, f.name)}
    return dataclasses.replace(base, **changes) if changes else base


def resolve_edits(
    *, edits: str | os.PathLike[str] | EditList | None, xmp: str | os.PathLike[str] | None,
    raw: bool, controls: Mapping[str, float | None], hsl: Sequence[str] | Mapping[str, float],
    crop: str | Sequence[float] | None, rotate: float | None, flip: str | None,
    heal: Sequence[str | Sequence[float]], size: tuple[int, int] | None,
    vertical: float | None = None, horizontal: float | None = None,
) -> tuple[EditList, tuple[str, ...]]:
    """The edit list from a file, an XMP and keyword controls (see the module docstring).

    ``size`` is the input's ``(height, width)`` in pixels (crop and heal are given in pixels);
    ``None`` when not yet known (then crop and heal must be absent).
    """
    el = load_edits(edits) if edits is not None else EditList()
    unmapped: tuple[str, ...] = ()
    if xmp is not None:
        got = read_xmp(xmp, raw=raw)
        unmapped = got.unmapped
        x = got.edits
        el = EditList(basic=_overlay(el.basic, x.basic), hsl=_overlay(el.hsl, x.hsl),
                      curve=_overlay(el.curve, x.curve), detail=_overlay(el.detail, x.detail),
                      effects=_overlay(el.effects, x.effects),
                      geometry=_overlay(el.geometry, x.geometry), heal=el.heal)
    groups = {"basic": BASIC_CONTROLS, "detail": DETAIL_CONTROLS, "effects": EFFECT_CONTROLS}
    for group, names in groups.items():
        values = {k: float(controls[k]) for k in names if controls.get(k) is not None}
        if values:
            try:
                el = el.with_values(group, **values)
            except ParameterError as e:
                raise ParameterError(str(e).replace(f"{type(getattr(el, group)).__name__}.",
                                                    "")) from None
    if raw and el.basic.temperature and el.basic.temperature < 2000:
        raise ParameterError(f"temperature = {el.basic.temperature:g}: on raw input it is a "
                             "white balance in kelvin, 2000..50000")
    if not raw and el.basic.temperature > 100:
        raise ParameterError(f"temperature = {el.basic.temperature:g}: on a finished photo it "
                             "is a relative shift in [-100, 100] (kelvin is for raw input)")
    if hsl:
        given = parse_hsl(hsl)
        cur = {k: list(getattr(el.hsl, k)) for k in given}
        for k, vals in given.items():
            for i, v in enumerate(vals):
                if v:
                    cur[k][i] = v
        el = dataclasses.replace(el, hsl=HSL(**cur))
    g = el.geometry
    if (crop is not None or heal) and size is None:
        raise ParameterError("crop and heal are in the input's pixels; its size is not known")
    if crop is not None:
        x, y, w, h = parse_numbers(crop, 4, "crop")
        H, W = size  # type: ignore[misc]
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > W or y + h > H:
            raise ParameterError(f"crop {x:g},{y:g},{w:g},{h:g} lies outside the {W} x {H} "
                                 "image (X,Y,W,H in pixels)")
        g = dataclasses.replace(g, crop=(x / W, y / H, w / W, h / H))
    if rotate is not None:
        quarter = round(float(rotate) / 90)
        rest = float(rotate) - 90 * quarter
        g = dataclasses.replace(g, rotate=(90 * quarter) % 360, angle=g.angle + rest)
    if flip is not None:
        f = "".join(sorted(set(flip.lower()))) if flip else ""
        if f not in ("", "h", "v", "hv"):
            raise ParameterError(f"flip {flip!r}: expected h, v or hv")
        g = dataclasses.replace(g, flip=f)
    persp = {k: float(v) for k, v in (("vertical", vertical), ("horizontal", horizontal))
             if v is not None}
    try:
        el = dataclasses.replace(el, geometry=Geometry(**{**dataclasses.asdict(g), **persp}))
    except ParameterError as e:
        raise ParameterError(str(e).replace("Geometry.", "")) from None
    if heal:
        H, W = size  # type: ignore[misc]
        spots = list(el.heal)
        for spec in heal:
            x, y, r = parse_numbers(spec, 3, "heal")
            if not (0 <= x < W and 0 <= y < H):
                raise ParameterError(f"heal point {x:g},{y:g} lies outside the {W} x {H} image")
            if not 0 < r <= 0.25 * max(W, H):
                raise ParameterError(f"heal radius {r:g} px must be in (0, {0.25 * max(W, H):g}]")
            spots.append(Heal(x=x / W, y=y / H, radius=r / max(W, H)))
        el = dataclasses.replace(el, heal=tuple(spots))
    return el, unmapped


def _auto(el: EditList, linear: np.ndarray, given: Mapping[str, float | None]) -> EditList:
    vals = {k: v for k, v in auto_settings(linear).items() if given.get(k) is None}
    return el.with_values("basic", **vals) if vals else el


def _straighten(el: EditList, linear: np.ndarray, straighten: str | float | None
                ) -> tuple[EditList, float | None]:
    if straighten is None:
        return el, None
    g = el.geometry
    if isinstance(straighten, str) and straighten.strip().lower() == "auto":
        pre = apply_geometry(linear, dataclasses.replace(g, angle=0.0))
        found = straighten_angle(pre)
        if found is None:
            warnings.warn("auto-straighten: no usable horizon or vertical lines in the photo; "
                          "not rotated", EditWarning, stacklevel=3)
            return el, None
        angle = found
    else:
        try:
            angle = float(straighten)
        except ValueError:
            raise ParameterError(f"straighten {straighten!r}: expected auto or degrees") from None
    return dataclasses.replace(el, geometry=Geometry(
        **{**dataclasses.asdict(g), "angle": g.angle + angle})), (
        angle if isinstance(straighten, str) else None)


def _upright(el: EditList, linear: np.ndarray, mode: str | None
             ) -> tuple[EditList, tuple[float, float, float] | None]:
    if mode is None:
        return el, None
    m = str(mode).strip().lower()
    if m not in UPRIGHT_MODES:
        raise ParameterError(f"upright {mode!r}: expected one of {', '.join(UPRIGHT_MODES)}")
    g = el.geometry
    pre = apply_geometry(linear, dataclasses.replace(g, angle=0.0, vertical=0.0,
                                                     horizontal=0.0))
    found = upright_angles(pre, m)
    if found is None:
        what = "horizon or vertical" if m == "level" else "vertical"
        warnings.warn(f"upright {m}: no usable {what} lines in the photo; not corrected",
                      EditWarning, stacklevel=3)
        return el, None
    angle, vertical, horizontal = found
    try:
        geo = Geometry(**{**dataclasses.asdict(g), "angle": g.angle + angle,
                          "vertical": vertical, "horizontal": horizontal})
    except ParameterError as e:
        raise ParameterError(f"upright {m}: the correction found is too strong ({e})") from None
    return dataclasses.replace(el, geometry=geo), found


def _dust(el: EditList, linear: np.ndarray, dust: bool
          ) -> tuple[EditList, tuple[tuple[float, float, float], ...]]:
    if not dust:
        return el, ()
    h, w = linear.shape[:2]
    spots = tuple(detect_dust(linear))
    heals = tuple(Heal(x=float(x / w), y=float(y / h), radius=float(min(0.25, r / max(h, w))))
                  for x, y, r in spots)
    return dataclasses.replace(el, heal=el.heal + heals), spots


def _save_sidecar(path: Path, el: EditList) -> Path:
    if path.exists():
        try:
            parse_edits(path.read_text(encoding="utf-8"), source=str(path))
        except (RecipeError, ParameterError, OSError, UnicodeDecodeError):
            raise OutputExistsError(f"{path} exists and is not a Brightroom edit list; not "
                                    "replacing it") from None
    with atomic_write(path, overwrite=True) as tmp:
        tmp.write_text(el.to_toml(), encoding="utf-8")
    return path


def edit_photo(
    image: Image | RawImage | LinearRawImage | str | os.PathLike[str],
    *,
    controls: Mapping[str, float | None],
    hsl: Sequence[str] | Mapping[str, float] = (),
    crop: str | Sequence[float] | None = None,
    rotate: float | None = None,
    straighten: str | float | None = None,
    upright: str | None = None,
    vertical: float | None = None,
    horizontal: float | None = None,
    flip: str | None = None,
    heal: Sequence[str | Sequence[float]] = (),
    dust: bool = False,
    auto: bool = False,
    xmp: str | os.PathLike[str] | None = None,
    edits: str | os.PathLike[str] | EditList | None = None,
    look: str | os.PathLike[str] | None = None,
    recipe: str | os.PathLike[str] | Recipe = "default",
    save: bool = True,
    xmp_output: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> EditResult:
    """Edit one photo (raw or finished) and return the result (nothing but the sidecar and
    XMP is written here; the caller writes the image)."""
    src = Path(image) if isinstance(image, (str, os.PathLike)) else None
    lk = load_look(look) if look is not None else None
    frame = read(src) if src is not None else image
    raw = isinstance(frame, (RawImage, LinearRawImage))
    if not raw and not isinstance(frame, Image):
        raise ParameterError(f"edit takes a photo or raw, got {type(frame).__name__}")
    if raw:
        rec = resolve_recipe(recipe)
        shape = frame.data.shape if isinstance(frame, LinearRawImage) else frame.cfa.shape
    else:
        if frame.space != "display" or frame.transfer != "sRGB":
            raise ParameterError(f"{src or 'image'}: edit takes sRGB-encoded photos or raws, "
                                 f"got {frame.space} / {frame.transfer}")
        shape = frame.data.shape
    el, unmapped = resolve_edits(edits=edits, xmp=xmp, raw=raw, controls=controls, hsl=hsl,
                                 crop=crop, rotate=rotate, flip=flip, heal=heal,
                                 size=(int(shape[0]), int(shape[1])), vertical=vertical,
                                 horizontal=horizontal)
    if upright is not None and straighten is not None:
        raise ParameterError("give straighten or upright, not both (upright level is "
                             "straighten auto)")
    if raw:
        if el.basic.temperature:
            rec = rec.with_params("white_balance", mode="kelvin", kelvin=el.basic.temperature)
        stages = _edit_recipe(rec, el, look).pipeline().stages
        k = [st.name for st in stages].index("edit")
        linear = Pipeline(stages[:k], f"{rec.name} (before edit)")(frame)
    else:
        linear = frame.replace(data=srgb_decode(frame.data), space="linear_rgb",
                               transfer="linear")
    if auto:
        el = _auto(el, linear.data, controls)
    el, found = _straighten(el, linear.data, straighten)
    el, uprighted = _upright(el, linear.data, upright)
    el, spots = _dust(el, linear.data, dust)
    if raw:
        full = _edit_recipe(rec, el, look)
        out = Pipeline(full.pipeline().stages[k:], f"{rec.name} (edit)")(linear)
        meta = {**out.metadata, "recipe": full.to_toml(), "recipe_name": full.name}
        photo = out.replace(metadata=meta)
    else:
        if el.is_identity() and lk is None:
            photo = frame
        else:
            data = render_edits(linear.data, el, raw=False)
            lin = linear.replace(data=data)
            if lk is not None:
                lin = apply_look(lin, lk)
            enc = np.clip(srgb_encode(np.maximum(lin.data, 0)), 0, 1).astype(np.float32)
            photo = frame.replace(data=enc)
        rec_text = Recipe("edit", (("edit", EditParams(edits=el.to_toml(), raw=False)),),
                          "Brightroom edit of a finished photo").to_toml()
        meta = {**frame.metadata, "recipe": rec_text, "recipe_name": "edit"}
        if lk is not None:
            meta["look"] = lk.name
        photo = photo.replace(metadata=meta)
    written_xmp = None
    if xmp_output is not None:
        with atomic_write(xmp_output, overwrite=overwrite, inputs=() if src is None else (src,)
                          ) as tmp:
            tmp.write_text(edits_to_xmp(el, raw=raw), encoding="utf-8")
        written_xmp = Path(xmp_output)
    side = _save_sidecar(sidecar_path(src), el) if (save and src is not None) else None
    return EditResult(photo, el, unmapped, side, written_xmp, found, uprighted, spots)


def linear_input(image: Image | RawImage | LinearRawImage | str | os.PathLike[str],
                 recipe: str | os.PathLike[str] | Recipe = "default") -> tuple[Image, bool]:
    """The linear RGB picture the edits see, and whether it is a developed raw: a raw through
    ``recipe``'s stages before the edit stage, a finished photo through its sRGB curve."""
    src = Path(image) if isinstance(image, (str, os.PathLike)) else None
    frame = read(src) if src is not None else image
    if isinstance(frame, (RawImage, LinearRawImage)):
        rec = resolve_recipe(recipe)
        stages = with_edit_stage(rec, EditList()).pipeline().stages
        k = [st.name for st in stages].index("edit")
        return Pipeline(stages[:k], f"{rec.name} (before edit)")(frame), True
    if not isinstance(frame, Image) or frame.space != "display" or frame.transfer != "sRGB":
        raise ParameterError(f"{src or 'image'}: edit takes sRGB-encoded photos or raws")
    return frame.replace(data=srgb_decode(frame.data), space="linear_rgb",
                         transfer="linear"), False


def _edit_recipe(rec: Recipe, el: EditList, look: str | os.PathLike[str] | None) -> Recipe:
    """``rec`` with the edit stage before its look and output, and ``look`` (if given) right
    after the edit stage, replacing the recipe's own look."""
    full = with_edit_stage(rec, el, raw=True)
    if look is None:
        return full
    steps = [(n, p) for n, p in full.steps if n != "look"]
    at = [n for n, _ in steps].index("edit") + 1
    steps.insert(at, ("look", LookParams(look=os.fspath(look))))
    return Recipe(full.name, tuple(steps), full.description)
