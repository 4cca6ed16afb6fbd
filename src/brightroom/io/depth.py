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
with ``v`` in [0, 1]. Newer Android phones write Dynamic Depth 1.0 instead: the depth image is a
file appended after the JPEG, listed in the XMP ``Container:Directory``
(:func:`dynamic_depth_from_jpeg`).

References
----------
ISO/IEC 23008-12:2017, Image File Format (HEIF), auxiliary images; ISO/IEC 23008-2:2017 (HEVC),
D.2.27 depth representation information SEI message (d_min, d_max, representation types).

Google (2014), "Depth Map metadata" (GDepth XMP namespace ``http://ns.google.com/photos/1.0/depthmap/``),
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from brightroom.errors import CorruptFileError, InputError, UnsupportedFormatError
from brightroom.io.images import read_image

__all__ = ["DepthMap", "read_depth", "read_stereo_pair", "parse_jpeg_xmp", "gdepth_from_xmp",
           "dynamic_depth_from_jpeg", "HEIF_REPRESENTATIONS"]

PathLike = str | os.PathLike[str]

HEIF_REPRESENTATIONS = {0: "uniform_inverse_z", 1: "uniform_disparity", 2: "uniform_z",
                        3: "nonuniform_disparity"}

_XMP_STD = b"http://ns.adobe.com/xap/1.0/\x00"
_XMP_EXT = b"http://ns.adobe.com/xmp/extension/\x00"


@dataclass(frozen=True, eq=False)
class DepthMap:
    """A depth map in metres at its stored resolution.

    Parameters
    ----------
    depth
        float32 ``h x w`` distance along the optical axis in metres (``nan`` where unknown).
    disparity
        float32 ``h x w`` in 1/m when the file stores disparity, else ``None``.
    source
        ``"heic"``, ``"gdepth"``, ``"dynamic_depth"``, ``"stereo"``, ``"layered"`` or ``"array"``.
    metadata
        What the file said (``d_min``, ``d_max``, ``representation``, ``near``, ``far``...).
    """

    depth: np.ndarray
    disparity: np.ndarray | None = None
    source: str = "array"
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.depth.shape  # type: ignore[return-value]


def _check(path: PathLike) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if not p.is_file():
        raise InputError(f"{p}: not a regular file")
    return p


def _heic_depth(p: Path) -> DepthMap:
    import pillow_heif

    try:
        heif = pillow_heif.open_heif(str(p), convert_hdr_to_8bit=False)
    except Exception as e:  # libheif says why
        raise CorruptFileError(f"{p}: cannot open as HEIF ({e})") from None
    prim = heif[heif.primary_index] if hasattr(heif, "primary_index") else heif[0]
    maps = prim.info.get("depth_images") or []
    if not maps:
        raise InputError(f"{p}: the HEIC has no depth auxiliary image (not a portrait photo?)")
    d = maps[0]
    v = np.asarray(d)
    if v.ndim == 3:
        v = v[..., 0]
    meta = dict(d.info.get("metadata") or {})
    bits = 16 if v.dtype == np.uint16 else 8
    x = v.astype(np.float32) / np.float32(2**bits - 1)
    dmin, dmax = meta.get("d_min"), meta.get("d_max")
    rep = HEIF_REPRESENTATIONS.get(int(meta.get("representation_type", 1)), "unknown")
    if dmin is None or dmax is None:
        raise CorruptFileError(f"{p}: depth image without d_min/d_max representation info")
    vals = np.float32(dmin) + x * np.float32(dmax - dmin)
    meta.update(representation=rep, bit_depth=bits)
    if rep in ("uniform_disparity", "nonuniform_disparity", "uniform_inverse_z"):
        disp = vals
        with np.errstate(divide="ignore"):
            depth = np.where(disp > 0, 1.0 / np.maximum(disp, 1e-6), np.nan).astype(np.float32)
        return DepthMap(depth, disp.astype(np.float32), "heic", meta)
    return DepthMap(vals.astype(np.float32), None, "heic", meta)


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
    std, chunks, total = "", {}, None
    for seg in _jpeg_app1(data, path):
        if seg.startswith(_XMP_STD):
            std = seg[len(_XMP_STD):].decode("utf-8", "replace")
        elif seg.startswith(_XMP_EXT):
            body = seg[len(_XMP_EXT):]
            guid = body[:32].decode("ascii", "replace")
            full, off = struct.unpack(">II", body[32:40])
            chunks.setdefault(guid, {})[off] = body[40:]
            total = (total or {}) | {guid: full}
    ext = ""
    if chunks:
        m = re.search(r'HasExtendedXMP\s*=\s*"([0-9A-Fa-f]{32})"', std) or \
            re.search(r"<xmpNote:HasExtendedXMP>([0-9A-Fa-f]{32})<", std)
        guid = m.group(1) if m and m.group(1) in chunks else next(iter(chunks))
        parts, full = chunks[guid], total[guid]  # type: ignore[index]
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


def gdepth_from_xmp(std: str, ext: str, path: PathLike = "<bytes>") -> DepthMap:
    """Decode a Google ``GDepth`` depth map from XMP packets (see the module notes).

    Raises
    ------
    InputError
        No ``GDepth`` data.
    CorruptFileError
        Undecodable base64 or image data, or missing ``Near``/``Far``.
    """
    from PIL import Image as PILImage

    path = Path(path)
    xmp = std + "\n" + ext
    data = _xmp_prop(xmp, "GDepth:Data")
    if not data:
        raise InputError(f"{path}: no GDepth depth map in the XMP (not a Google portrait JPEG?)")
    fmt = _xmp_prop(xmp, "GDepth:Format") or "RangeInverse"
    try:
        near = float(_xmp_prop(xmp, "GDepth:Near"))  # type: ignore[arg-type]
        far = float(_xmp_prop(xmp, "GDepth:Far"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise CorruptFileError(f"{path}: GDepth without numeric Near/Far") from None
    try:
        raw = base64.b64decode("".join(data.split()), validate=True)
        pic = PILImage.open(io.BytesIO(raw))
        pic.load()
    except Exception as e:
        raise CorruptFileError(f"{path}: GDepth:Data is not a decodable image ({e})") from None
    v = np.asarray(pic)
    if v.ndim == 3:
        v = v[..., 0]
    top = 65535.0 if v.dtype == np.uint16 else 255.0
    x = v.astype(np.float32) / np.float32(top)
    if fmt == "RangeLinear":
        depth = near + x * (far - near)
    elif fmt == "RangeInverse":
        depth = (far * near) / (far - x * (far - near))
    else:
        raise CorruptFileError(f"{path}: unknown GDepth:Format {fmt!r} "
                               "(expected RangeInverse or RangeLinear)")
    meta = {"format": fmt, "near": near, "far": far, "mime": _xmp_prop(xmp, "GDepth:Mime")}
    return DepthMap(depth.astype(np.float32), None, "gdepth", meta)


def dynamic_depth_from_jpeg(data: bytes, xmp: str, path: PathLike = "<bytes>") -> DepthMap:
    """Decode an Android Dynamic Depth (DDF 1.0) depth map.

    The XMP ``Container:Directory`` lists the files appended after the primary JPEG (``Item:Mime``,
    ``Item:Length``, ``Item:Semantic``); the item with semantic ``Depth`` is the depth image, and
    ``DepthMap:Format``, ``DepthMap:Near``, ``DepthMap:Far`` (metres) say how to read it, as in
    GDepth.

    References
    ----------
    Android (2019), Dynamic Depth 1.0 specification, sections Container, Item, DepthMap.
    """
    from PIL import Image as PILImage

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
    fmt = _xmp_prop(xmp, "DepthMap:Format") or "RangeInverse"
    try:
        near = float(_xmp_prop(xmp, "DepthMap:Near"))  # type: ignore[arg-type]
        far = float(_xmp_prop(xmp, "DepthMap:Far"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise CorruptFileError(f"{path}: DepthMap without numeric Near/Far") from None
    try:
        pic = PILImage.open(io.BytesIO(blob))
        pic.load()
    except Exception as e:
        raise CorruptFileError(f"{path}: the Depth item is not a decodable image ({e})") from None
    v = np.asarray(pic)
    if v.ndim == 3:
        v = v[..., 0]
    x = v.astype(np.float32) / np.float32(65535.0 if v.dtype == np.uint16 else 255.0)
    if fmt == "RangeLinear":
        depth = near + x * (far - near)
    elif fmt == "RangeInverse":
        depth = (far * near) / (far - x * (far - near))
    else:
        raise CorruptFileError(f"{path}: unknown DepthMap:Format {fmt!r}")
    return DepthMap(depth.astype(np.float32), None, "dynamic_depth",
                    {"format": fmt, "near": near, "far": far})


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
        data = p.read_bytes()
        std, extx = parse_jpeg_xmp(data, p)
        if _xmp_prop(std + extx, "GDepth:Data") is None and "Container:Directory" in std + extx:
            return dynamic_depth_from_jpeg(data, std + "\n" + extx, p)
        return gdepth_from_xmp(std, extx, p)
    if ext == ".npy":
        a = np.load(p, allow_pickle=False)
        if a.ndim != 2:
            raise InputError(f"{p}: a depth .npy must be 2-D, got shape {a.shape}")
        return DepthMap(a.astype(np.float32), None, "array", {"path": str(p)})
    if ext in (".png", ".tif", ".tiff"):
        from PIL import Image as PILImage

        try:
            a = np.asarray(PILImage.open(p))
        except Exception as e:
            raise CorruptFileError(f"{p}: cannot decode ({e})") from None
        if a.ndim == 3:
            a = a[..., 0]
        d = a.astype(np.float32) / (1000.0 if a.dtype == np.uint16 else 1.0)
        return DepthMap(d.astype(np.float32), None, "array", {"path": str(p)})
    raise UnsupportedFormatError(f"{p}: no depth reader for {ext!r} "
                                 "(expected .heic, .jpg, .png, .tif or .npy)")


def read_stereo_pair(left: PathLike, right: PathLike | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Two views as display-encoded float32 ``H x W x 3`` arrays.

    With ``right=None``, ``left`` must be a HEIC holding two top-level images (an iPhone spatial
    photo: the primary image is the left view). Otherwise both are image files.

    Raises
    ------
    InputError
        A single-image HEIC without ``right``, or views of different sizes.
    """
    if right is None:
        p = _check(left)
        import pillow_heif

        try:
            heif = pillow_heif.open_heif(str(p))
        except Exception as e:
            raise CorruptFileError(f"{p}: cannot open as HEIF ({e})") from None
        if len(heif) < 2:
            raise InputError(f"{p}: holds {len(heif)} image; a spatial photo has two views "
                             "(or pass the right view as a second file)")
        views = [np.asarray(heif[i].convert_to("RGB") if heif[i].mode != "RGB" else heif[i])
                 for i in range(2)]
        prim = next((i for i in range(2) if heif[i].info.get("primary")), 0)
        a, b = views[prim], views[1 - prim]
        a = a.astype(np.float32) / np.float32(255)
        b = b.astype(np.float32) / np.float32(255)
    else:
        a, b = read_image(left).data, read_image(right).data
    if a.shape != b.shape:
        raise InputError(f"stereo views differ in size: {a.shape[1]}x{a.shape[0]} vs "
                         f"{b.shape[1]}x{b.shape[0]}; both views must have the same size")
    return a, b
