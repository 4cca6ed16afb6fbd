"""Depth maps stored inside photos: iPhone HEIC disparity and Google depth in JPEG XMP.

* :func:`read_depth` finds the depth map that a phone stored beside the picture and returns it as
  a :class:`DepthMap` in metres (``depth``) with the raw representation kept (``disparity`` when
  the file stores disparity).
* :func:`read_stereo_pair` returns the two views of an iPhone spatial photo (two top-level images
  in one HEIC) or of two separate image files.

HEIC files keep the map as a depth auxiliary image (``urn:mpeg:hevc:2015:auxid:2``) with a depth
representation info block: ``d_min``, ``d_max`` and ``representation_type`` (0 uniform inverse Z,
1 uniform disparity, 2 uniform Z, 3 non-uniform disparity). Apple writes 8-bit uniform disparity
in 1/m: ``disparity = d_min + v / 255 * (d_max - d_min)`` and ``depth = 1 / disparity``.

Google's camera apps write the map as a base64 PNG/JPEG in the XMP ``GDepth:Data`` property, which
for any real map is too large for one JPEG APP1 segment and goes into the *extended XMP*
(APP1 segments ``http://ns.adobe.com/xmp/extension/``, each with the 32-character GUID, the full
length and the offset of its chunk). ``GDepth:Format`` is ``RangeInverse``
(``d = Far*Near / (Far - v*(Far - Near))``) or ``RangeLinear`` (``d = Near + v*(Far - Near)``),
with ``v`` in [0, 1]. ``Near`` and ``Far`` are in the file's own units: Google's Lens Blur wrote
maps of unknown scale (``GDepth:Units`` absent), so such a map is *relative*
(:attr:`DepthMap.units` ``"relative"``) and the renderer chooses its scale; ``GDepth:Units`` ``m`` /
``mm`` make it metric. The ``GFocus`` namespace (``http://ns.google.com/photos/1.0/focus/``) gives
the camera's focus: ``FocalDistance`` (in the map's units) at ``FocalPointX``/``FocalPointY``
(fractions of the frame), kept as :attr:`DepthMap.focus_distance` and
:attr:`DepthMap.focus_point`. Lens Blur's primary JPEG is already blurred; the unblurred original
is the ``GImage:Data`` JPEG (:func:`read_xmp_original`). Newer Android phones write Dynamic Depth
1.0 instead: the depth image is a file appended after the JPEG, listed in the XMP
``Container:Directory`` (:func:`dynamic_depth_from_jpeg`).

A HEIC with several top-level images is a stereo pair only when the file says so: an entity group
of type ``ster`` (ISO/IEC 23008-12:2022, 6.8.4.3: the first entity is the left view). A burst or
a collection of pictures (Nokia, Samsung) has no such group; :func:`heic_stereo_pair` returns
``None`` for it.

References
----------
ISO/IEC 23008-12:2017, Image File Format (HEIF), auxiliary images; ISO/IEC 23008-12:2022, 6.8.4.3
(the ``ster`` stereo pair entity group); ISO/IEC 23008-2:2017 (HEVC),
D.2.27 depth representation information SEI message (d_min, d_max, representation types).

Google (2014), "Depth Map metadata" (GDepth XMP namespace ``http://ns.google.com/photos/1.0/depthmap/``,
GFocus ``http://ns.google.com/photos/1.0/focus/``, GImage ``http://ns.google.com/photos/1.0/image/``),
developers.google.com/depthmap-metadata.

Android (2019), Dynamic Depth 1.0 (Container, Item and DepthMap XMP elements).

Adobe (2016), XMP Specification Part 3: Storage in Files, 1.1.3.1 (extended XMP in JPEG).
"""

from __future__ import annotations

import base64
import io
import os
import re
import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from brightroom.errors import (
    CorruptFileError,
    InputError,
    ResourceLimitError,
    UnsupportedFormatError,
    file_errors,
)
from brightroom.files import check_input, read_input_bytes
from brightroom.io.images import read_image
from brightroom.limits import check_image, current, stored_bytes

__all__ = ["DepthMap", "read_depth", "read_stereo_pair", "parse_jpeg_xmp", "gdepth_from_xmp",
           "dynamic_depth_from_jpeg", "heic_stereo_pair", "read_xmp_original", "HEIF_REPRESENTATIONS"]

PathLike = str | os.PathLike[str]

HEIF_REPRESENTATIONS = {0: "uniform_inverse_z", 1: "uniform_disparity", 2: "uniform_z",
                        3: "nonuniform_disparity"}

_XMP_STD = b"http://ns.adobe.com/xap/1.0/\x00"
_XMP_EXT = b"http://ns.adobe.com/xmp/extension/\x00"


@dataclass(frozen=True, eq=False)
class DepthMap:
    """A depth map at its stored resolution.

    Parameters
    ----------
    depth
        float32 ``h x w`` distance along the optical axis (``nan`` where unknown), in metres when
        ``units == "m"``, else in the file's own units (only ratios of depths mean something).
    disparity
        float32 ``h x w`` in 1/m when the file stores disparity, else ``None``.
    source
        ``"heic"``, ``"gdepth"``, ``"dynamic_depth"``, ``"stereo"``, ``"layered"`` or ``"array"``.
    metadata
        What the file said (``d_min``, ``d_max``, ``representation``, ``near``, ``far``...).
    units
        ``"m"`` (metric) or ``"relative"`` (unknown scale: GDepth without ``Units``, an
        uncalibrated stereo pair).
    focus_distance
        The distance the camera focused at, in the map's units (``GFocus:FocalDistance``), or
        ``None``.
    focus_point
        ``(x, y)`` fractions of the frame the camera focused on (``GFocus:FocalPointX/Y``), or
        ``None``.
    """

    depth: np.ndarray
    disparity: np.ndarray | None = None
    source: str = "array"
    metadata: dict[str, Any] = field(default_factory=dict)
    units: str = "m"
    focus_distance: float | None = None
    focus_point: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.units not in ("m", "relative"):
            raise ValueError(f"DepthMap units must be 'm' or 'relative', got {self.units!r}")

    @property
    def shape(self) -> tuple[int, int]:
        return self.depth.shape  # type: ignore[return-value]

    @property
    def metric(self) -> bool:
        """Whether :attr:`depth` is in metres."""
        return self.units == "m"


def _check(path: PathLike) -> Path:
    return check_input(path, "depth file")


def _pil_picture(src: Any, path: Path, what: str) -> np.ndarray:
    """A Pillow picture's pixels, its declared size checked by the resource policy before
    it is decoded (:func:`brightroom.limits.check_image`)."""
    from PIL import Image as PILImage  # lazy: only for files with embedded pictures

    PILImage.MAX_IMAGE_PIXELS = current().max_pixels or None  # ours, not Pillow's 179 MP
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            pic = PILImage.open(src)
    except PILImage.DecompressionBombError:
        raise ResourceLimitError(f"{path}: {what} declares more than twice the limit of "
                                 f"{current().max_pixels / 1e6:.0f} MP; raise it with "
                                 "--max-pixels or BRIGHTROOM_MAX_PIXELS if it is genuine") from None
    except Exception as e:  # noqa: BLE001 - Pillow says why
        raise CorruptFileError(f"{path}: {what} is not a decodable image "
                               f"({type(e).__name__}: {e})") from None
    nbytes = len(src.getbuffer()) if isinstance(src, io.BytesIO) else stored_bytes(path)
    check_image(path, pic.size[0], pic.size[1], channels=len(pic.getbands()),
                bytes_per_sample=2 if pic.mode.startswith("I;16") else 1, file_bytes=nbytes,
                what=what, work_bytes_per_pixel=8)
    try:
        pic.load()
        return np.asarray(pic)
    except Exception as e:  # noqa: BLE001 - Pillow says why
        raise CorruptFileError(f"{path}: {what} is not a decodable image "
                               f"({type(e).__name__}: {e})") from None


def _read_npy(p: Path) -> np.ndarray:
    """A 2-D numeric ``.npy`` array, its header checked (shape, type, the bytes it declares
    against the file's, the resource policy) before anything is allocated."""
    size = p.stat().st_size
    try:
        with open(p, "rb") as f:
            major, _minor = np.lib.format.read_magic(f)
            read_header = (np.lib.format.read_array_header_1_0 if major == 1
                           else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read_header(f, max_header_size=10000)
            offset = f.tell()
    except Exception as e:  # noqa: BLE001 - NumPy says why
        detail = " ".join(str(e).split())[:120]
        raise _corrupt(p, f"not a .npy array ({type(e).__name__}: {detail})") from None
    if dtype.hasobject or not np.issubdtype(dtype, np.number) or len(shape) != 2:
        raise InputError(f"{p}: a depth .npy must be a 2-D numeric array, got shape "
                         f"{tuple(shape)} of {dtype}")
    h, w = (int(v) for v in shape)
    check_image(p, w, h, channels=1, bytes_per_sample=dtype.itemsize, what="depth map",
                work_bytes_per_pixel=4)
    need = h * w * dtype.itemsize
    if offset + need > size:
        raise CorruptFileError(f"{p}: file is truncated (its header declares {h}x{w} {dtype}, "
                               f"{need} bytes of data; the file holds {size - offset})")
    try:
        a = np.load(p, allow_pickle=False)
    except Exception as e:  # noqa: BLE001 - NumPy says why
        raise _corrupt(p, e) from None
    return a


def _corrupt(p: Path, e: Exception | str) -> CorruptFileError:
    detail = e if isinstance(e, str) else f"{type(e).__name__}: {e}"
    detail = " ".join(detail.split())  # libheif's messages hold newlines: one line
    return CorruptFileError(f"{p}: file is truncated or corrupt ({detail})")


def _open_heif(p: Path, **kw: Any) -> Any:
    import pillow_heif  # lazy: pillow-heif loads libheif (~0.1 s) only for HEIC files

    try:
        return pillow_heif.open_heif(str(p), **kw)
    except Exception as e:  # noqa: BLE001 - libheif says why
        raise _corrupt(p, e) from None


def _heic_depth(p: Path) -> DepthMap:
    heif = _open_heif(p, convert_hdr_to_8bit=False)
    try:
        prim = heif[heif.primary_index] if hasattr(heif, "primary_index") else heif[0]
        maps = prim.info.get("depth_images") or []
    except Exception as e:  # noqa: BLE001
        raise _corrupt(p, e) from None
    if not maps:
        raise InputError(f"{p}: the HEIC has no depth auxiliary image (not a portrait photo?)")
    d = maps[0]
    try:
        dw, dh = d.size
    except Exception as e:  # noqa: BLE001
        raise _corrupt(p, e) from None
    check_image(p, dw, dh, channels=1, bytes_per_sample=2, file_bytes=stored_bytes(p),
                what="depth map", work_bytes_per_pixel=12)
    try:
        v = np.asarray(d)
    except Exception as e:  # noqa: BLE001 - a truncated file fails when the pixels are read
        raise _corrupt(p, f"depth image: {type(e).__name__}: {e}") from None
    if v.ndim == 3:
        v = v[..., 0]
    if v.ndim != 2 or v.size == 0 or v.dtype not in (np.uint8, np.uint16):
        raise CorruptFileError(f"{p}: the depth auxiliary image is not a grey 8/16-bit picture "
                               f"(shape {v.shape}, {v.dtype})")
    meta = dict(d.info.get("metadata") or {})
    bits = 16 if v.dtype == np.uint16 else 8
    x = v.astype(np.float32) / np.float32(2**bits - 1)
    dmin, dmax = meta.get("d_min"), meta.get("d_max")
    try:
        rep = HEIF_REPRESENTATIONS.get(int(meta.get("representation_type", 1)), "unknown")
        dmin, dmax = float(dmin), float(dmax)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise CorruptFileError(f"{p}: depth image without numeric d_min/d_max representation "
                               "info") from None
    if not (np.isfinite(dmin) and np.isfinite(dmax)) or dmax <= dmin:
        raise CorruptFileError(f"{p}: depth representation range d_min {dmin}, d_max {dmax} "
                               "(expected finite values with d_min < d_max)")
    vals = np.float32(dmin) + x * np.float32(dmax - dmin)
    meta.update(representation=rep, bit_depth=bits)
    if rep in ("uniform_disparity", "nonuniform_disparity", "uniform_inverse_z"):
        disp = vals
        with np.errstate(divide="ignore"):
            depth = np.where(disp > 0, 1.0 / np.maximum(disp, 1e-6), np.nan).astype(np.float32)
        return DepthMap(depth, disp.astype(np.float32), "heic", meta)
    return DepthMap(vals.astype(np.float32), None, "heic", meta)


def heic_stereo_pair(path: PathLike) -> tuple[int, int] | None:
    """The (left, right) image indices of the stereo pair a HEIC declares, or ``None``.

    Only an entity group of type ``ster`` makes two images a stereo pair (its first entity is the
    left view); several images without one are a burst or a collection, not views.

    Raises
    ------
    CorruptFileError
        The file cannot be opened as HEIF.
    """
    p = _check(path)
    heif = _open_heif(p)
    if len(heif) < 2:
        return None
    groups = heif.info.get("entity_groups") or []
    for g in groups:
        if g.get("type") == "ster":
            idx = [i for i in g.get("images", []) if i is not None]
            if len(idx) >= 2 and all(0 <= i < len(heif) for i in idx[:2]):
                return int(idx[0]), int(idx[1])
    return None


def _jpeg_app1(data: bytes, path: Path) -> list[bytes]:
    if data[:2] != b"\xff\xd8":
        raise UnsupportedFormatError(f"{path}: not a JPEG file")
    out, i = [], 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise CorruptFileError(f"{path}: bad JPEG marker at byte {i}")
        marker = data[i + 1]
        if marker in (0xD9, 0xDA):  # end of image / start of scan: metadata is over
            break
        if marker == 0xFF or 0xD0 <= marker <= 0xD7 or marker == 0x01:
            i += 1 if marker == 0xFF else 2
            continue
        (n,) = struct.unpack(">H", data[i + 2:i + 4])
        if i + 2 + n > len(data):
            raise CorruptFileError(f"{path}: JPEG segment at byte {i} runs past the end of file")
        if marker == 0xE1:
            out.append(data[i + 4:i + 2 + n])
        i += 2 + n
    return out


@file_errors(1)
def parse_jpeg_xmp(data: bytes, path: PathLike = "<bytes>") -> tuple[str, str]:
    """The standard and the reassembled extended XMP packets of a JPEG stream.

    Returns
    -------
    (str, str)
        The standard XMP packet and the extended one ("" when absent). Extended chunks are placed
        by their offsets, so their order in the file does not matter.

    Raises
    ------
    CorruptFileError
        Extended chunks missing (the reassembled packet has gaps).
    """
    path = Path(path)
    std, chunks, total = "", {}, {}
    for seg in _jpeg_app1(data, path):
        if seg.startswith(_XMP_STD):
            std = seg[len(_XMP_STD):].decode("utf-8", "replace")
        elif seg.startswith(_XMP_EXT):
            body = seg[len(_XMP_EXT):]
            if len(body) < 40:
                raise CorruptFileError(f"{path}: extended XMP segment of {len(body)} bytes "
                                       "(expected a 32-byte GUID, length, offset and data)")
            guid = body[:32].decode("ascii", "replace")
            full, off = struct.unpack(">II", body[32:40])
            part = body[40:]
            if off + len(part) > full or full > 64 * 2**20:
                raise CorruptFileError(f"{path}: extended XMP chunk at offset {off} "
                                       f"({len(part)} bytes) exceeds its declared length {full}")
            if total.setdefault(guid, full) != full:
                raise CorruptFileError(f"{path}: extended XMP {guid} declares lengths "
                                       f"{total[guid]} and {full}")
            chunks.setdefault(guid, {})[off] = part
    ext = ""
    if chunks:
        m = re.search(r'HasExtendedXMP\s*=\s*"([0-9A-Fa-f]{32})"', std) or \
            re.search(r"<xmpNote:HasExtendedXMP>([0-9A-Fa-f]{32})<", std)
        guid = m.group(1) if m and m.group(1) in chunks else next(iter(chunks))
        parts, full = chunks[guid], total[guid]
        buf, got = bytearray(full), 0
        for off, chunk in parts.items():
            buf[off:off + len(chunk)] = chunk
            got += len(chunk)
        if got < full:
            raise CorruptFileError(f"{path}: extended XMP {guid} is incomplete "
                                   f"({got} of {full} bytes)")
        ext = bytes(buf).decode("utf-8", "replace")
    return std, ext


def _xmp_prop(xmp: str, name: str) -> str | None:
    m = re.search(rf'{name}\s*=\s*"([^"]*)"', xmp) or \
        re.search(rf"<{name}>([^<]*)</{name}>", xmp, re.S)
    return m.group(1) if m else None


def _xmp_float(xmp: str, name: str, path: Path) -> float | None:
    v = _xmp_prop(xmp, name)
    if v is None or not v.strip():
        return None
    try:
        x = float(v)
    except ValueError:
        raise CorruptFileError(f"{path}: XMP {name}={v[:40]!r} is not a number") from None
    if not np.isfinite(x):
        raise CorruptFileError(f"{path}: XMP {name}={v[:40]!r} is not finite")
    return x


def _b64_image(data: str, what: str, path: Path) -> np.ndarray:
    """Decode a base64 PNG/JPEG held in an XMP property (one clear error when it is not)."""

    try:
        raw = base64.b64decode("".join(data.split()), validate=True)
    except Exception as e:  # noqa: BLE001 - base64 says why
        raise CorruptFileError(f"{path}: {what} is not a decodable image "
                               f"({type(e).__name__}: {e})") from None
    return _pil_picture(io.BytesIO(raw), path, what)


_METRIC = {"m": 1.0, "meter": 1.0, "meters": 1.0, "metre": 1.0, "metres": 1.0,
           "mm": 1e-3, "millimeter": 1e-3, "millimeters": 1e-3, "millimetre": 1e-3,
           "millimetres": 1e-3}


def _range_decode(v: np.ndarray, fmt: str, near: float, far: float, what: str,
                  path: Path) -> np.ndarray:
    if v.ndim == 3:
        v = v[..., 0]
    if v.ndim != 2 or v.size == 0:
        raise CorruptFileError(f"{path}: {what} has shape {v.shape} (expected a grey picture)")
    top = 65535.0 if v.dtype == np.uint16 else 255.0
    x = v.astype(np.float32) / np.float32(top)
    if not (near > 0 and far > near):
        raise CorruptFileError(f"{path}: {what} Near {near}, Far {far} (expected 0 < Near < Far)")
    if fmt == "RangeLinear":
        depth = near + x * (far - near)
    elif fmt == "RangeInverse":
        depth = (far * near) / (far - x * (far - near))
    else:
        raise CorruptFileError(f"{path}: unknown {what} Format {fmt!r} "
                               "(expected RangeInverse or RangeLinear)")
    return depth.astype(np.float32)


@file_errors(2)
def gdepth_from_xmp(std: str, ext: str, path: PathLike = "<bytes>") -> DepthMap:
    """Decode a Google ``GDepth`` depth map from XMP packets (see the module notes).

    ``Near``/``Far`` and ``GFocus:FocalDistance`` are in the file's units: metres (or
    millimetres, converted) when ``GDepth:Units`` says so, else the map is relative
    (``units="relative"``).

    Raises
    ------
    InputError
        No ``GDepth`` data.
    CorruptFileError
        Undecodable base64 or image data, missing or non-numeric ``Near``/``Far``, an unknown
        ``Format``.
    """
    path = Path(path)
    xmp = std + "\n" + ext
    data = _xmp_prop(xmp, "GDepth:Data")
    if not data:
        raise InputError(f"{path}: no GDepth depth map in the XMP (not a Google portrait JPEG?)")
    fmt = (_xmp_prop(xmp, "GDepth:Format") or "RangeInverse").strip()
    near = _xmp_float(xmp, "GDepth:Near", path)
    far = _xmp_float(xmp, "GDepth:Far", path)
    if near is None or far is None:
        raise CorruptFileError(f"{path}: GDepth without numeric Near/Far")
    depth = _range_decode(_b64_image(data, "GDepth:Data", path), fmt, near, far, "GDepth",
                          path)
    unit_text = (_xmp_prop(xmp, "GDepth:Units") or "").strip()
    scale = _METRIC.get(unit_text.lower())
    fd = _xmp_float(xmp, "GFocus:FocalDistance", path)
    fx = _xmp_float(xmp, "GFocus:FocalPointX", path)
    fy = _xmp_float(xmp, "GFocus:FocalPointY", path)
    point = (fx, fy) if fx is not None and fy is not None and 0 <= fx <= 1 and 0 <= fy <= 1 \
        else None
    if fd is not None and fd <= 0:
        fd = None
    if scale is not None:
        depth = depth * np.float32(scale)
        fd = None if fd is None else fd * scale
    meta = {"format": fmt, "near": near, "far": far, "mime": _xmp_prop(xmp, "GDepth:Mime"),
            "units": unit_text or None,
            "blur_at_infinity": _xmp_float(xmp, "GFocus:BlurAtInfinity", path),
            "has_original": bool(_xmp_prop(xmp, "GImage:Data"))}
    return DepthMap(depth, None, "gdepth", meta, units="m" if scale is not None else "relative",
                    focus_distance=fd, focus_point=point)


def read_xmp_original(path: PathLike) -> np.ndarray | None:
    """The unblurred original a Google Lens Blur JPEG keeps in ``GImage:Data``, or ``None``.

    Returns
    -------
    numpy.ndarray or None
        Display-encoded float32 ``H x W x 3`` (as :func:`~brightroom.io.read_image` gives it).

    Raises
    ------
    CorruptFileError
        The XMP holds an original that does not decode.
    """
    p = _check(path)
    data = p.read_bytes()
    if data[:2] != b"\xff\xd8":
        return None
    std, ext = parse_jpeg_xmp(data, p)
    b64 = _xmp_prop(std + "\n" + ext, "GImage:Data")
    if not b64:
        return None
    v = _b64_image(b64, "GImage:Data", p)
    if v.ndim == 2:
        v = np.repeat(v[..., None], 3, axis=2)
    if v.ndim != 3 or v.shape[2] < 3 or v.dtype != np.uint8:
        raise CorruptFileError(f"{p}: GImage:Data is not an 8-bit colour picture "
                               f"(shape {v.shape}, {v.dtype})")
    return v[..., :3].astype(np.float32) / np.float32(255)


@file_errors(2)
def dynamic_depth_from_jpeg(data: bytes, xmp: str, path: PathLike = "<bytes>") -> DepthMap:
    """Decode an Android Dynamic Depth (DDF 1.0) depth map.

    The XMP ``Container:Directory`` lists the files appended after the primary JPEG (``Item:Mime``,
    ``Item:Length``, ``Item:Semantic``); the item with semantic ``Depth`` is the depth image, and
    ``DepthMap:Format``, ``DepthMap:Near``, ``DepthMap:Far`` say how to read it, as in GDepth, in
    metres when ``DepthMap:Units`` is ``Meters`` (or absent), else relative (``Diopters``,
    ``None``).

    References
    ----------
    Android (2019), Dynamic Depth 1.0 specification, sections Container, Item, DepthMap.
    """

    path = Path(path)
    items = []
    for m in re.finditer(r"<Container:Item\b([^>]*)/?>", xmp):
        attrs = dict(re.findall(r'(Item:\w+)\s*=\s*"([^"]*)"', m.group(1)))
        items.append(attrs)
    if not items:
        raise InputError(f"{path}: no Dynamic Depth container items in the XMP")
    lengths = []
    for i, it in enumerate(items):
        try:
            lengths.append(int(it.get("Item:Length", "0")) + int(it.get("Item:Padding", "0")))
        except ValueError:
            raise CorruptFileError(f"{path}: bad Item:Length in item {i}") from None
    tail = sum(lengths[1:])
    start = len(data) - tail
    if start < 0:
        raise CorruptFileError(f"{path}: Dynamic Depth items ({tail} bytes) exceed the file")
    blob = None
    for it, n in zip(items[1:], lengths[1:], strict=True):
        if it.get("Item:Semantic") == "Depth":
            blob = data[start:start + int(it.get("Item:Length", "0"))]
            break
        start += n
    if blob is None:
        raise InputError(f"{path}: the Dynamic Depth container has no Depth item")
    fmt = (_xmp_prop(xmp, "DepthMap:Format") or "RangeInverse").strip()
    near = _xmp_float(xmp, "DepthMap:Near", path)
    far = _xmp_float(xmp, "DepthMap:Far", path)
    if near is None or far is None:
        raise CorruptFileError(f"{path}: DepthMap without numeric Near/Far")
    v = _pil_picture(io.BytesIO(blob), path, "the Depth item")
    depth = _range_decode(v, fmt, near, far, "DepthMap", path)
    units = (_xmp_prop(xmp, "DepthMap:Units") or "Meters").strip()
    metric = units.lower() in _METRIC
    return DepthMap(depth, None, "dynamic_depth",
                    {"format": fmt, "near": near, "far": far, "units": units},
                    units="m" if metric else "relative")


@file_errors(0)
def read_depth(path: PathLike) -> DepthMap:
    """Read the depth map stored in a photo (iPhone HEIC or Google JPEG).

    Parameters
    ----------
    path
        ``.heic``/``.heif`` with a depth auxiliary image, or ``.jpg``/``.jpeg`` with GDepth XMP.
        A ``.png``/``.tif``/``.npy`` holds a plain depth map in metres (16-bit PNG: millimetres).

    Returns
    -------
    DepthMap

    Raises
    ------
    InputError
        Missing file or no depth map in it.
    UnsupportedFormatError
        Another extension.
    CorruptFileError
        Undecodable data.
    """
    p = _check(path)
    ext = p.suffix.lower()
    if ext in (".heic", ".heif", ".hif"):
        return _heic_depth(p)
    if ext in (".jpg", ".jpeg"):
        data = read_input_bytes(p, "depth file")
        std, extx = parse_jpeg_xmp(data, p)
        if _xmp_prop(std + extx, "GDepth:Data") is None and "Container:Directory" in std + extx:
            return dynamic_depth_from_jpeg(data, std + "\n" + extx, p)
        return gdepth_from_xmp(std, extx, p)
    if ext == ".npy":
        a = _read_npy(p)
        if not isinstance(a, np.ndarray) or a.ndim != 2 or not np.issubdtype(a.dtype, np.number):
            raise InputError(f"{p}: a depth .npy must be a 2-D numeric array, got "
                             f"{getattr(a, 'shape', None)} {getattr(a, 'dtype', '')}")
        if a.ndim != 2:
            raise InputError(f"{p}: a depth .npy must be 2-D, got shape {a.shape}")
        return DepthMap(a.astype(np.float32), None, "array", {"path": str(p)})
    if ext in (".png", ".tif", ".tiff"):
        a = _pil_picture(p, p, "depth map")
        if a.ndim == 3:
            a = a[..., 0]
        d = a.astype(np.float32) / (1000.0 if a.dtype == np.uint16 else 1.0)
        return DepthMap(d.astype(np.float32), None, "array", {"path": str(p)})
    raise UnsupportedFormatError(f"{p}: no depth reader for {ext!r} "
                                 "(expected .heic, .jpg, .png, .tif or .npy)")


def _heif_view(p: Path, img: Any, k: int) -> np.ndarray:
    try:
        if img.mode == "RGB":
            v = np.asarray(img)
        else:  # grey, RGBA, 16-bit...: through Pillow
            v = np.asarray(img.to_pillow().convert("RGB"))
    except Exception as e:  # noqa: BLE001 - a truncated file fails when the pixels are read
        raise _corrupt(p, f"image {k}: {type(e).__name__}: {e}") from None
    return v.astype(np.float32) / np.float32(255 if v.dtype == np.uint8 else 65535)


@file_errors(0)
def read_stereo_pair(left: PathLike, right: PathLike | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Two views as display-encoded float32 ``H x W x 3`` arrays.

    With ``right=None``, ``left`` must be a HEIC that declares a stereo pair (an iPhone or Vision
    Pro spatial photo: a ``ster`` entity group, :func:`heic_stereo_pair`). Otherwise both are image
    files.

    Raises
    ------
    InputError
        A HEIC without a declared stereo pair (one image, a burst, a collection), or views of
        different sizes.
    CorruptFileError
        A truncated or corrupt file.
    """
    if right is None:
        p = _check(left)
        heif = _open_heif(p)
        pair = heic_stereo_pair(p)
        if pair is None:
            n = len(heif)
            raise InputError(f"{p}: holds {n} image{'s' if n != 1 else ''} but no stereo pair "
                             "(no 'ster' entity group: a burst or a collection, not a spatial "
                             "photo); pass the right view as a second file")
        a, b = (_heif_view(p, heif[i], i) for i in pair)
    else:
        a, b = read_image(left).data, read_image(right).data
    if a.shape != b.shape:
        raise InputError(f"stereo views differ in size: {a.shape[1]}x{a.shape[0]} vs "
                         f"{b.shape[1]}x{b.shape[0]}; both views must have the same size")
    return a, b
