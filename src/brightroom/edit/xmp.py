"""Lightroom / Camera Raw settings (``crs:`` XMP): read into an edit list, and write one back.

A sidecar (``IMG.xmp``) or a preset (``.xmp``) holds the settings as attributes (or child
elements) of an ``rdf:Description`` in the namespace ``http://ns.adobe.com/camera-raw-settings/1.0/``.
:func:`read_xmp` maps the process-version-2012 basic panel (``Exposure2012``, ``Contrast2012``,
``Highlights2012``, ``Shadows2012``, ``Whites2012``, ``Blacks2012``), presence (``Texture``,
``Clarity2012``, ``Dehaze``, ``Vibrance``, ``Saturation``), white balance (``Temperature`` /
``Tint`` in kelvin for raw input, ``IncrementalTemperature`` / ``IncrementalTint`` for
finished photos), HSL (``HueAdjustmentRed`` ... ``LuminanceAdjustmentMagenta``), the point
curves (``ToneCurvePV2012`` and its ``Red`` / ``Green`` / ``Blue``, 0..255 pairs), detail
(``Sharpness``, ``LuminanceSmoothing``), effects (``PostCropVignetteAmount``,
``GrainAmount``) and the crop (``HasCrop``, ``CropLeft`` / ``Top`` / ``Right`` / ``Bottom``,
``CropAngle``) to Brightroom's controls, which use the same names, ranges and signs. Every
other setting that would change the picture (a non-zero, non-empty value) is listed as
unmapped; bookkeeping fields (``Version``, ``ProcessVersion``, ``PresetType``, names, ...) are
not.

Assumptions where Adobe does not publish the definition: ``CropAngle`` is degrees clockwise,
as Brightroom's ``angle``; ``CropLeft`` ... are fractions of the uncropped image, as Adobe's DNG
SDK reads them.
"""

from __future__ import annotations

import dataclasses
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from brightroom.edit.params import BANDS, HSL, BasicPanel, EditList, Geometry, ToneCurve
from brightroom.errors import BrightroomError, InputError, RecipeError

__all__ = ["CRS", "XmpSettings", "read_xmp", "parse_xmp", "edits_to_xmp"]

CRS = "http://ns.adobe.com/camera-raw-settings/1.0/"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

_BASIC = {"Exposure2012": "exposure", "Contrast2012": "contrast",
          "Highlights2012": "highlights", "Shadows2012": "shadows", "Whites2012": "whites",
          "Blacks2012": "blacks", "Texture": "texture", "Clarity2012": "clarity",
          "Dehaze": "dehaze", "Vibrance": "vibrance", "Saturation": "saturation"}
_RAW_WB = {"Temperature": "temperature", "Tint": "tint"}
_PHOTO_WB = {"IncrementalTemperature": "temperature", "IncrementalTint": "tint"}
_HSL = {f"{kind}Adjustment{band.capitalize()}": (field, k)
        for kind, field in (("Hue", "hue"), ("Saturation", "saturation"),
                            ("Luminance", "luminance"))
        for k, band in enumerate(BANDS)}
_CURVES = {"ToneCurvePV2012": "rgb", "ToneCurvePV2012Red": "red",
           "ToneCurvePV2012Green": "green", "ToneCurvePV2012Blue": "blue"}
_DETAIL = {"Sharpness": "sharpening", "LuminanceSmoothing": "noise_reduction"}
_EFFECTS = {"PostCropVignetteAmount": "vignette", "GrainAmount": "grain"}
_CROP = ("HasCrop", "CropLeft", "CropTop", "CropRight", "CropBottom", "CropAngle")
_BOOKKEEPING = {"Version", "ProcessVersion", "CompatibleVersion", "PresetType", "Name",
                "ShortName", "SortName", "Group", "Description", "UUID", "SupportsAmount",
                "SupportsAmount2", "SupportsColor", "SupportsMonochrome",
                "SupportsHighDynamicRange", "SupportsNormalDynamicRange",
                "SupportsSceneReferred", "SupportsOutputReferred", "CameraModelRestriction",
                "Copyright", "ContactInfo", "HasSettings", "AlreadyApplied", "RawFileName",
                "CropConstrainToWarp", "CropConstrainToUnitSquare", "CropUnit", "CropWidth",
                "CropHeight", "ToneCurveName2012", "ToneCurveName", "WhiteBalance",
                "RequiresRenditionBehavior",
                "Cluster", "Amount", "RequiresRGBTables", "ConvertToGrayscale"}


@dataclass(frozen=True)
class XmpSettings:
    """What :func:`read_xmp` found: the edit list and the settings it could not map."""

    edits: EditList
    unmapped: tuple[str, ...]
    name: str = ""
    source: str = ""


def _number(source: str, key: str, value: str) -> float:
    try:
        v = float(value.strip().replace("+", ""))
    except ValueError:
        raise RecipeError(f"{source}: crs:{key} = {value!r} is not a number") from None
    if not math.isfinite(v):
        raise RecipeError(f"{source}: crs:{key} = {value!r} is not finite")
    return v


def _is_neutral(value: str | list[str]) -> bool:
    if isinstance(value, list):
        return not value
    v = value.strip().lower()
    if v in ("", "false", "none", "color"):  # Treatment="Color" is the default
        return True
    try:
        return float(v.replace("+", "")) == 0
    except ValueError:
        return False


def _collect(root: ET.Element) -> tuple[dict[str, str | list[str]], str]:
    """Every ``crs:`` setting (attributes and child elements) and the preset's name."""
    out: dict[str, str | list[str]] = {}
    name = ""
    tops = [d for rdf in root.iter(f"{{{_RDF}}}RDF") for d in rdf
            if d.tag == f"{{{_RDF}}}Description"]
    if root.tag == f"{{{_RDF}}}Description":
        tops.append(root)
    for desc in tops:  # nested ones (a crs:Look's profile) describe something else
        for k, v in desc.attrib.items():
            if k.startswith(f"{{{CRS}}}"):
                out[k[len(CRS) + 2:]] = v
        for child in desc:
            if not child.tag.startswith(f"{{{CRS}}}"):
                continue
            key = child.tag[len(CRS) + 2:]
            items = [li.text or "" for li in child.iter(f"{{{_RDF}}}li")]
            if key == "Name" and items:
                name = items[0]
            elif child.find(f"{{{_RDF}}}Seq") is not None or child.find(
                    f"{{{_RDF}}}Bag") is not None:
                out[key] = items
            elif child.find(f"{{{_RDF}}}Alt") is not None:
                out[key] = items[0] if items else ""
            elif len(child) == 0:
                out[key] = child.text or ""
            else:
                out[key] = ["(structure)"]
    return out, name


def _curve(source: str, key: str, items: str | list[str]) -> tuple[float, ...]:
    if isinstance(items, str):
        raise RecipeError(f"{source}: crs:{key} must be a list of 'x, y' points")
    pts: list[float] = []
    for it in items:
        parts = [p for p in it.replace(",", " ").split() if p]
        if len(parts) != 2:
            raise RecipeError(f"{source}: crs:{key} point {it!r} is not 'x, y'")
        pts += [_number(source, key, parts[0]) / 255, _number(source, key, parts[1]) / 255]
    xs = pts[0::2]
    if pts == [0.0, 0.0, 1.0, 1.0] or not pts:
        return ()
    if any(b <= a for a, b in zip(xs, xs[1:])):
        raise RecipeError(f"{source}: crs:{key} x values must increase")
    return tuple(min(1.0, max(0.0, v)) for v in pts)


def parse_xmp(text: str | bytes, *, source: str = "<xmp>", raw: bool = False) -> XmpSettings:
    """Map the ``crs:`` settings of XMP ``text`` (see the module docstring).

    Parameters
    ----------
    text
        The XMP packet or file contents.
    source
        Names the file in error messages.
    raw
        The photo the settings are for is a raw: ``Temperature`` / ``Tint`` (kelvin) map and
        the incremental ones do not; else the other way round.
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        raise RecipeError(f"{source}: not valid XMP ({e})") from None
    values, name = _collect(root)
    if not values:
        raise RecipeError(f"{source}: no Camera Raw (crs:) settings in this XMP")
    basic: dict[str, float] = {}
    hsl = {"hue": [0.0] * 8, "saturation": [0.0] * 8, "luminance": [0.0] * 8}
    curve: dict[str, tuple[float, ...]] = {}
    detail: dict[str, float] = {}
    effects: dict[str, float] = {}
    mapped: set[str] = set()
    wb = _RAW_WB if raw else _PHOTO_WB
    for key, value in values.items():
        target = None
        if key in _BASIC:
            target = (basic, _BASIC[key])
        elif key in wb:
            target = (basic, wb[key])
        elif key in _DETAIL:
            target = (detail, _DETAIL[key])
        elif key in _EFFECTS:
            target = (effects, _EFFECTS[key])
        if target is not None:
            if isinstance(value, list):
                raise RecipeError(f"{source}: crs:{key} must be a number, got a list")
            target[0][target[1]] = _number(source, key, value)
            mapped.add(key)
        elif key in _HSL:
            field, k = _HSL[key]
            if isinstance(value, list):
                raise RecipeError(f"{source}: crs:{key} must be a number, got a list")
            hsl[field][k] = _number(source, key, value)
            mapped.add(key)
        elif key in _CURVES:
            curve[_CURVES[key]] = _curve(source, key, value)
            mapped.add(key)
    geometry: dict[str, object] = {}
    if str(values.get("HasCrop", "")).strip().lower() == "true":
        box = [_number(source, k, str(values.get(k, d))) for k, d in
               (("CropLeft", 0), ("CropTop", 0), ("CropRight", 1), ("CropBottom", 1))]
        if box != [0, 0, 1, 1]:
            geometry["crop"] = (box[0], box[1], box[2] - box[0], box[3] - box[1])
        angle = _number(source, "CropAngle", str(values.get("CropAngle", "0")))
        if angle:
            geometry["angle"] = angle
    mapped.update(k for k in _CROP if k in values)
    # Lightroom's temperature for raw input is absolute; 0 in Brightroom means "the recipe's"
    unmapped = tuple(sorted(k for k, v in values.items()
                            if k not in mapped and k not in _BOOKKEEPING and not _is_neutral(v)))
    try:
        edits = EditList(basic=BasicPanel(**basic), hsl=HSL(**hsl), curve=ToneCurve(**curve),
                         detail=dataclasses.replace(EditList().detail, **detail),
                         effects=dataclasses.replace(EditList().effects, **effects),
                         geometry=Geometry(**geometry))
    except BrightroomError as e:
        raise RecipeError(f"{source}: {e}") from None
    return XmpSettings(edits, unmapped, name, source)


def read_xmp(path: str | Path, *, raw: bool = False) -> XmpSettings:
    """:func:`parse_xmp` of a file (a sidecar or a ``.xmp`` preset)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except OSError as e:
        raise InputError(f"{p}: cannot read ({e.strerror})") from None
    return parse_xmp(data, source=str(p), raw=raw)


def _fmt(v: float) -> str:
    return f"{v:+.2f}" if abs(v) < 10 and v != int(v) else f"{v:+g}"


def edits_to_xmp(edits: EditList, *, raw: bool = False, name: str = "") -> str:
    """An XMP packet with ``edits`` as ``crs:`` settings (what :func:`parse_xmp` maps back)."""
    attrs: dict[str, str] = {"Version": "15.0", "ProcessVersion": "11.0", "HasSettings": "True"}
    b = edits.basic
    for key, fld in _BASIC.items():
        v = getattr(b, fld)
        if v:
            attrs[key] = _fmt(v)
    wb = _RAW_WB if raw else _PHOTO_WB
    for key, fld in wb.items():
        v = getattr(b, fld)
        if v:
            attrs[key] = _fmt(v) if key != "Temperature" else f"{round(v)}"
    for key, (fld, k) in _HSL.items():
        v = getattr(edits.hsl, fld)[k]
        if v:
            attrs[key] = _fmt(v)
    for key, fld in _DETAIL.items():
        v = getattr(edits.detail, fld)
        if v:
            attrs[key] = _fmt(v)
    for key, fld in _EFFECTS.items():
        v = getattr(edits.effects, fld)
        if v:
            attrs[key] = _fmt(v)
    g = edits.geometry
    if g.crop is not None or g.angle:
        x, y, w, h = g.crop if g.crop is not None else (0.0, 0.0, 1.0, 1.0)
        attrs.update(HasCrop="True", CropLeft=f"{x:.6f}", CropTop=f"{y:.6f}",
                     CropRight=f"{x + w:.6f}", CropBottom=f"{y + h:.6f}",
                     CropAngle=f"{g.angle:.4f}")
    esc = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
    lines = ['<x:xmpmeta xmlns:x="adobe:ns:meta/">',
             f' <rdf:RDF xmlns:rdf="{_RDF}">',
             f'  <rdf:Description rdf:about="" xmlns:crs="{CRS}"']
    lines += [f'   crs:{k}="{"".join(esc.get(c, c) for c in v)}"' for k, v in attrs.items()]
    lines[-1] += ">"
    if name:
        safe = "".join(esc.get(c, c) for c in name)
        lines += ["   <crs:Name>", "    <rdf:Alt>",
                  f'     <rdf:li xml:lang="x-default">{safe}</rdf:li>', "    </rdf:Alt>",
                  "   </crs:Name>"]
    for key, fld in _CURVES.items():
        pts = getattr(edits.curve, fld)
        if pts:
            lines += [f"   <crs:{key}>", "    <rdf:Seq>"]
            lines += [f"     <rdf:li>{round(pts[k] * 255)}, {round(pts[k + 1] * 255)}</rdf:li>"
                      for k in range(0, len(pts), 2)]
            lines += ["    </rdf:Seq>", f"   </crs:{key}>"]
    lines += ["  </rdf:Description>", " </rdf:RDF>", "</x:xmpmeta>"]
    return "\n".join(lines) + "\n"

