"""Write a :class:`~brightroom.types.RawImage` as a DNG file.

The file is a single-IFD, little-endian TIFF/EP + DNG 1.4 (backward version 1.1): IFD 0 holds the
uncompressed 16-bit CFA mosaic (``NewSubFileType`` 0, ``PhotometricInterpretation`` 32803) and
every DNG tag needed to develop it again: CFA layout, black and white levels, colour matrices and
illuminants, forward matrices, the as-shot neutral, the noise profile, the orientation, the
camera's name and, in an EXIF IFD, ISO, exposure time, f-number and focal length; the camera's
BaselineExposure; the rendering hints ``read_raw`` keeps in ``RawImage.metadata``
(``default_crop``, ``analog_balance``, ``camera_calibration1/2``, ``linear_response_limit``) go
back into their tags. A lens-shading ``gain_map`` is written as four ``GainMap`` opcodes (one
per 2 x 2 cell position) in ``OpcodeList2``, with its placement.

The TIFF structure is written by hand (header, IFD, tag values, then the pixels as one strip), so
that writing is one pass over the data; ``rawpy``/LibRaw and :func:`brightroom.io.raw.read_raw`
read it back bit-exact. The pixels are :meth:`RawImage.to_counts` (the reference), computed by
:func:`to_counts_fast`, a parallel numba pass tested bit-exact against it.

References
----------
Adobe Systems (2012). Digital Negative (DNG) Specification, version 1.4.0.0.
Adobe Systems (1992). TIFF Revision 6.0.
ISO 12234-2:2001 (TIFF/EP). JEITA CP-3451 (Exif 2.3).
"""

from __future__ import annotations

import os
import struct
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from brightroom._jit import njit, prange
from brightroom._version import __version__
from brightroom.color.spaces import srgb_encode, xyz_to_rgb_matrix
from brightroom.errors import ParameterError
from brightroom.files import atomic_write, check_output
from brightroom.types import CFAPattern, GainMap, LinearRawImage, RawImage, WarpRectilinear

__all__ = ["write_dng", "to_counts_fast", "render_preview", "DNG_VERSION",
           "DNG_BACKWARD_VERSION"]

DNG_VERSION = (1, 4, 0, 0)
DNG_BACKWARD_VERSION = (1, 1, 0, 0)

# TIFF field types
BYTE, ASCII, SHORT, LONG, RATIONAL, UNDEFINED, SRATIONAL, DOUBLE = 1, 2, 3, 4, 5, 7, 10, 12
_TYPE_SIZE = {BYTE: 1, ASCII: 1, SHORT: 2, LONG: 4, RATIONAL: 8, UNDEFINED: 1, SRATIONAL: 8,
              DOUBLE: 8}

# the XYZ -> linear sRGB matrix (IEC 61966-2-1), used as ColorMatrix1 when a RawImage carries no
# colour calibration at all (a synthetic mosaic whose "camera RGB" is linear sRGB)
_XYZ_TO_SRGB = np.array([[3.2404542, -1.5371385, -0.4985314],
                         [-0.9692660, 1.8760108, 0.0415560],
                         [0.0556434, -0.2040259, 1.0572252]])

# a mosaic whose white level is below this is taken to hold normalised data only (for example a
# simulated sensor with white_level 1.0) and is written as 16-bit counts with a pedestal
_MIN_WHITE = 255
_PEDESTAL, _WHITE16 = 1024, 65535

GAIN_MAP_OPCODE = 9
WARP_RECTILINEAR_OPCODE = 1


def _fraction(x: float, signed: bool) -> tuple[int, int]:
    if not np.isfinite(x):
        raise ParameterError(f"cannot write {x} as a TIFF rational")
    lim = 2**31 - 1 if signed else 2**32 - 1
    for den in (1_000_000, 10_000, 100, 1):
        f = Fraction(float(x)).limit_denominator(den)
        if abs(f.numerator) <= lim and (signed or f.numerator >= 0):
            return f.numerator, f.denominator
    raise ParameterError(f"{x} does not fit a TIFF {'S' if signed else ''}RATIONAL")


def _pack(typ: int, values: Any) -> tuple[int, bytes]:
    """Encode ``values`` as TIFF ``typ``; returns (count, little-endian bytes)."""
    if typ == ASCII:
        b = str(values).encode("utf-8") + b"\0"
        return len(b), b
    if typ in (BYTE, UNDEFINED):
        b = bytes(values)
        return len(b), b
    vals = np.atleast_1d(np.asarray(values, dtype=np.float64)).ravel()
    n = len(vals)
    if typ == SHORT:
        return n, struct.pack(f"<{n}H", *(int(v) for v in vals))
    if typ == LONG:
        return n, struct.pack(f"<{n}I", *(int(v) for v in vals))
    if typ == DOUBLE:
        return n, struct.pack(f"<{n}d", *vals)
    if typ in (RATIONAL, SRATIONAL):
        signed = typ == SRATIONAL
        parts = [p for v in vals for p in _fraction(v, signed)]
        return n, struct.pack(f"<{2 * n}{'i' if signed else 'I'}", *parts)
    raise ParameterError(f"unsupported TIFF type {typ}")


def _ifd(entries: list[tuple[int, int, Any]], offset: int) -> bytes:
    """One IFD at file ``offset`` followed by its out-of-line values (next IFD = 0)."""
    entries = sorted(entries, key=lambda e: e[0])
    n = len(entries)
    values_at = offset + 2 + 12 * n + 4
    head = [struct.pack("<H", n)]
    tail: list[bytes] = []
    pos = values_at
    for tag, typ, value in entries:
        count, data = _pack(typ, value)
        if len(data) <= 4:
            head.append(struct.pack("<HHI", tag, typ, count) + data.ljust(4, b"\0"))
        else:
            head.append(struct.pack("<HHII", tag, typ, count, pos))
            if len(data) % 2:
                data += b"\0"
            tail.append(data)
            pos += len(data)
    head.append(struct.pack("<I", 0))
    return b"".join(head + tail)


def _ifd_size(entries: list[tuple[int, int, Any]]) -> int:
    return len(_ifd(entries, 0))


def _gain_map_opcodes(gain_map: GainMap, height: int, width: int) -> bytes:
    """``OpcodeList2`` with one GainMap per 2 x 2 cell position (big-endian, DNG 1.4 ch. 7).

    A corner-aligned map (no area) spans the mosaic with its first and last nodes on the
    first and last pixel; a map read from a DNG keeps its area, origin and spacing.
    """
    g = gain_map.gains
    if g.shape[0] < 2 or g.shape[1] < 2:
        raise ParameterError(f"a gain map needs at least 2 x 2 nodes to be written, got {g.shape}")
    mh, mw = g.shape[:2]
    if gain_map.area is None:
        a_top, a_left, a_bottom, a_right = 0, 0, height, width
        spacing, origin = (1.0 / (mh - 1), 1.0 / (mw - 1)), (0.0, 0.0)
    else:
        a_top, a_left, a_bottom, a_right = (int(round(v)) for v in gain_map.area)
        spacing, origin = gain_map.spacing, gain_map.origin
    ops = [struct.pack(">I", 4)]
    for k in range(4):
        dy, dx = divmod(k, 2)
        params = struct.pack(">8I", a_top + dy, a_left + dx, a_bottom, a_right, 0, 1, 2, 2)
        params += struct.pack(">2I", mh, mw)
        params += struct.pack(">4d", spacing[0], spacing[1], origin[0], origin[1])
        params += struct.pack(">I", 1)
        params += g[:, :, k].astype(">f4").tobytes()
        ops.append(struct.pack(">4I", GAIN_MAP_OPCODE, 0x01030000, 1, len(params)) + params)
    return b"".join(ops)


def _linear_gain_map_opcodes(gain_map: GainMap, height: int, width: int, planes: int) -> bytes:
    """``OpcodeList2`` with one GainMap per colour plane of a linear raw (pitch 1)."""
    g = gain_map.gains
    if g.shape[0] < 2 or g.shape[1] < 2:
        raise ParameterError(f"a gain map needs at least 2 x 2 nodes to be written, got {g.shape}")
    mh, mw = g.shape[:2]
    if gain_map.area is None:
        area = (0, 0, height, width)
        spacing, origin = (1.0 / (mh - 1), 1.0 / (mw - 1)), (0.0, 0.0)
    else:
        area = tuple(int(round(v)) for v in gain_map.area)
        spacing, origin = gain_map.spacing, gain_map.origin
    ops = [struct.pack(">I", planes)]
    for k in range(planes):
        params = struct.pack(">8I", *area, k, 1, 1, 1) + struct.pack(">2I", mh, mw)
        params += struct.pack(">4d", spacing[0], spacing[1], origin[0], origin[1])
        params += struct.pack(">I", 1) + g[:, :, k].astype(">f4").tobytes()
        ops.append(struct.pack(">4I", GAIN_MAP_OPCODE, 0x01030000, 1, len(params)) + params)
    return b"".join(ops)


def _warp_opcodes(warp: WarpRectilinear) -> bytes:
    """``OpcodeList3`` holding one WarpRectilinear (DNG 1.7, chapter 7, opcode 1)."""
    co = warp.coefficients
    params = struct.pack(">I", len(co)) + b"".join(struct.pack(">6d", *p) for p in co)
    params += struct.pack(">2d", *warp.centre)
    op = struct.pack(">4I", WARP_RECTILINEAR_OPCODE, 0x01030000, 0, len(params)) + params
    return struct.pack(">I", 1) + op


@njit(parallel=True, cache=True, nogil=True)
def _counts_kernel(cfa, black, white, out):  # pragma: no cover - compiled
    h, w = cfa.shape
    for i in prange(h):
        for j in range(w):
            b = black[i % 2, j % 2]
            v = np.rint(np.float64(cfa[i, j]) * (white - b) + b)
            if v < 0:
                v = 0.0
            elif v > white:
                v = white
            out[i, j] = np.uint16(v)


def to_counts_fast(raw: RawImage) -> np.ndarray:
    """:meth:`RawImage.to_counts` as one parallel numba pass (same float64 arithmetic,
    bit-identical; NaN, which ``to_counts`` leaves undefined, becomes 0)."""
    cfa = np.ascontiguousarray(raw.cfa, dtype=np.float32)
    black = np.asarray(raw.black_level, dtype=np.float64).reshape(2, 2)
    out = np.empty(cfa.shape, dtype=np.uint16)
    _counts_kernel(np.nan_to_num(cfa, nan=0.0, copy=False) if np.isnan(cfa).any() else cfa,
                   black, float(raw.white_level), out)
    return out


def _linear_counts(raw: LinearRawImage) -> tuple[np.ndarray, tuple[float, ...], float]:
    """A linear raw's planes as ``H x W x n`` uint16 counts, its black and white levels."""
    data = raw.data
    if raw.wb is not None:
        g = np.asarray(raw.wb, np.float32)[: data.shape[2]]
        data = data / g
    black, white = raw.black_level, float(raw.white_level)
    if white > 65535:
        raise ParameterError(f"white level {white} does not fit a 16-bit DNG")
    if white < _MIN_WHITE:
        black, white = (float(_PEDESTAL),) * data.shape[2], float(_WHITE16)
    b = np.asarray(black, np.float64)
    counts = np.nan_to_num(data.astype(np.float64), nan=0.0) * (white - b) + b
    return np.clip(np.rint(counts), 0, white).astype(np.uint16), tuple(black), white


def _counts(raw: RawImage) -> tuple[np.ndarray, tuple[float, ...], float]:
    """The mosaic as uint16 counts plus the black and white levels they refer to."""
    if isinstance(raw, LinearRawImage):
        return _linear_counts(raw)
    if raw.wb is not None:
        gains = np.asarray(raw.wb, dtype=np.float32)[raw.pattern.channel_index(*raw.shape)]
        raw = raw.replace(cfa=raw.cfa / gains, saturation=(1.0, 1.0, 1.0),
                          state=raw.state.replace(white_balance=None))
    if raw.white_level > 65535:
        raise ParameterError(f"white level {raw.white_level} does not fit a 16-bit DNG")
    if raw.white_level < _MIN_WHITE:
        raw = raw.replace(black_level=(_PEDESTAL,) * 4, white_level=_WHITE16)
    return to_counts_fast(raw), raw.black_level, raw.white_level


def _camera_name(raw: RawImage) -> str:
    cam = raw.camera
    name = " ".join(s for s in (cam.make, cam.model) if s).strip()
    if cam.model and cam.make and cam.model.startswith(cam.make):
        name = cam.model
    return name or "Brightroom camera"


def _linear_entries(raw: LinearRawImage, black: tuple[float, ...], white: float) -> list:
    """The image tags of a LinearRaw DNG (``PhotometricInterpretation`` 34892)."""
    h, w = raw.shape
    n = raw.data.shape[2]
    e: list[tuple[int, int, Any]] = [
        (254, LONG, 0), (256, LONG, w), (257, LONG, h), (258, SHORT, (16,) * n),
        (259, SHORT, 1), (262, SHORT, 34892), (277, SHORT, n), (278, LONG, h),
        (279, LONG, h * w * 2 * n), (284, SHORT, 1),
        (50713, SHORT, (1, 1)),  # BlackLevelRepeatDim
        (50717, LONG, int(round(white))),
    ]
    if all(float(b).is_integer() for b in black):
        e.append((50714, LONG, [int(b) for b in black]))
    else:
        e.append((50714, RATIONAL, black))
    if raw.gain_map is not None:
        e.append((51009, UNDEFINED, _linear_gain_map_opcodes(raw.gain_map, h, w, n)))
    return e


def _ifd0_entries(raw: RawImage | LinearRawImage, black: tuple[float, ...], white: float
                  ) -> list:
    cam = raw.camera
    h, w = raw.shape
    if isinstance(raw, LinearRawImage):
        e = _linear_entries(raw, black, white)
        e += [(274, SHORT, cam.orientation), (305, ASCII, f"Brightroom {__version__}"),
              (37398, BYTE, (1, 0, 0, 0)), (50706, BYTE, DNG_VERSION),
              (50707, BYTE, DNG_BACKWARD_VERSION), (50708, ASCII, _camera_name(raw))]
        return e + _camera_entries(raw)
    pattern: CFAPattern = raw.pattern
    tile = pattern.tile
    e: list[tuple[int, int, Any]] = [
        (254, LONG, 0),  # NewSubFileType: main image
        (256, LONG, w),
        (257, LONG, h),
        (258, SHORT, 16),
        (259, SHORT, 1),  # no compression
        (262, SHORT, 32803),  # CFA
        (274, SHORT, cam.orientation),
        (277, SHORT, 1),
        (278, LONG, h),
        (279, LONG, h * w * 2),
        (284, SHORT, 1),
        (305, ASCII, f"Brightroom {__version__}"),
        (33421, SHORT, tile.shape),  # CFARepeatPatternDim (rows, cols)
        (33422, BYTE, tile.ravel().tolist()),  # CFAPattern: 0 R, 1 G, 2 B
        (37398, BYTE, (1, 0, 0, 0)),  # TIFF/EP standard id
        (50706, BYTE, DNG_VERSION),
        (50707, BYTE, DNG_BACKWARD_VERSION),
        (50708, ASCII, _camera_name(raw)),
        (50710, BYTE, (0, 1, 2)),  # CFAPlaneColor
        (50711, SHORT, 1),  # CFALayout: rectangular
        (50713, SHORT, (2, 2)),  # BlackLevelRepeatDim
        (50717, LONG, int(round(white))),
    ]
    if all(float(b).is_integer() for b in black):
        e.append((50714, LONG, [int(b) for b in black]))
    else:
        e.append((50714, RATIONAL, black))
    if raw.gain_map is not None:
        e.append((51009, UNDEFINED, _gain_map_opcodes(raw.gain_map, h, w)))
    return e + _camera_entries(raw)


def _unfolded(m: np.ndarray, meta: Any, k: int) -> np.ndarray:
    """A ColorMatrix as the file stores it: ``read_raw`` folded AnalogBalance and
    CameraCalibration into it (``calibration_folded``), which are written beside it."""
    if not meta.get("calibration_folded"):
        return m
    ab = np.asarray(meta.get("analog_balance", (1.0, 1.0, 1.0)), np.float64)
    cc = np.asarray(meta.get(f"camera_calibration{k}", np.eye(3)), np.float64)
    return np.linalg.solve(np.diag(ab) @ cc, m)


# the colour tags: ColorMatrix1/2, CalibrationIlluminant1/2, ForwardMatrix1/2
_MATRIX_TAGS = frozenset({50721, 50722, 50778, 50779, 50964, 50965})


def _camera_entries(raw: RawImage | LinearRawImage) -> list:
    """Camera-level tags: names, colour matrices, neutral, noise, exposure, warp, hints."""
    cam = raw.camera
    meta = raw.metadata or {}
    e: list[tuple[int, int, Any]] = []
    if cam.make:
        e.append((271, ASCII, cam.make))
    if cam.model:
        e.append((272, ASCII, cam.model))
    m1 = cam.color_matrix1
    if not cam.monochrome:
        e.append((50721, SRATIONAL, _XYZ_TO_SRGB if m1 is None else _unfolded(m1, meta, 1)))
        e.append((50778, SHORT, 21 if m1 is None else cam.illuminant1))
        if cam.color_matrix2 is not None:
            e.append((50722, SRATIONAL, _unfolded(cam.color_matrix2, meta, 2)))
            e.append((50779, SHORT, cam.illuminant2 or 17))
        if cam.forward_matrix1 is not None:
            e.append((50964, SRATIONAL, cam.forward_matrix1))
        if cam.forward_matrix2 is not None and cam.color_matrix2 is not None:
            e.append((50965, SRATIONAL, cam.forward_matrix2))
    if cam.as_shot_neutral is not None and not cam.monochrome:
        e.append((50728, RATIONAL, cam.as_shot_neutral))
    if cam.noise_profile is not None:
        npf = cam.noise_profile
        e.append((51041, DOUBLE, [v for c in range(3) for v in (npf.scale[c], npf.offset[c])]))
    if cam.baseline_exposure:
        e.append((50730, SRATIONAL, float(cam.baseline_exposure)))
    if raw.warp is not None:
        e.append((51022, UNDEFINED, _warp_opcodes(raw.warp)))
    e += _extras_entries(meta)
    return e


def _extras_entries(meta: Any) -> list[tuple[int, int, Any]]:
    """Rendering hints that :func:`brightroom.io.raw.read_raw` keeps in ``metadata``."""
    e: list[tuple[int, int, Any]] = []
    if meta.get("default_crop") is not None:
        top, left, ch, cw = (float(v) for v in meta["default_crop"])
        e.append((50719, RATIONAL, (left, top)))
        e.append((50720, RATIONAL, (cw, ch)))
    if meta.get("analog_balance") is not None:
        e.append((50727, RATIONAL, tuple(meta["analog_balance"])))
    for k, tag in ((1, 50723), (2, 50724)):
        m = meta.get(f"camera_calibration{k}")
        if m is not None:
            e.append((tag, SRATIONAL, np.asarray(m, dtype=np.float64).reshape(9)))
    if meta.get("linear_response_limit") is not None:
        e.append((50734, RATIONAL, float(meta["linear_response_limit"])))
    return e


def _exif_entries(raw: RawImage) -> list:
    cam = raw.camera
    e: list[tuple[int, int, Any]] = [(36864, UNDEFINED, b"0230")]  # ExifVersion
    if cam.exposure_time:
        e.append((33434, RATIONAL, cam.exposure_time))
    if cam.f_number:
        e.append((33437, RATIONAL, cam.f_number))
    if cam.iso:
        e.append((34855, SHORT, min(int(round(cam.iso)), 65535)))
    if cam.focal_length:
        e.append((37386, RATIONAL, cam.focal_length))
    dt = cam.exif.get("datetime") if cam.exif else None
    if dt:
        e.append((36867, ASCII, str(dt)))  # DateTimeOriginal
    return e


# tags that belong in the raw IFD when IFD 0 holds the preview (DNG 1.4, chapter 4)
_RAW_IFD_TAGS = frozenset({254, 256, 257, 258, 259, 262, 273, 277, 278, 279, 284, 33421, 33422,
                           50710, 50711, 50713, 50714, 50715, 50716, 50717, 50719, 50720, 50829,
                           51008, 51009, 51022, 51041})


def render_preview(raw: RawImage, max_side: int = 256) -> np.ndarray:
    """A small sRGB uint8 preview of ``raw`` for the DNG's IFD 0 (not a development).

    Each CFA tile is averaged per colour, white-balanced with ``as_shot_neutral``, taken to
    linear sRGB with the camera matrix (rows normalised so that white stays white, as dcraw
    does), exposed so that the 99th percentile reaches 1 (at most x8), box-downsampled and
    encoded with the sRGB curve.
    """

    p = raw.pattern.period
    h, w = (raw.shape[0] // p) * p, (raw.shape[1] // p) * p
    tiles = raw.cfa[:h, :w].reshape(h // p, p, w // p, p).transpose(0, 2, 1, 3)
    tiles = tiles.reshape(h // p, w // p, p * p)
    tile = raw.pattern.tile.ravel()
    rgb = np.stack([tiles[:, :, tile == c].mean(-1) for c in range(3)], -1)
    step = max(1, -(-max(rgb.shape[:2]) // max_side))
    hh, ww = rgb.shape[0] // step * step, rgb.shape[1] // step * step
    rgb = rgb[:hh, :ww].reshape(hh // step, step, ww // step, step, 3).mean((1, 3))
    cam = raw.camera
    if cam.as_shot_neutral is not None:
        rgb = rgb / np.asarray(cam.as_shot_neutral)
    cm = cam.color_matrix1 if cam.color_matrix1 is not None else _XYZ_TO_SRGB
    m = xyz_to_rgb_matrix("sRGB") @ np.linalg.inv(cm)
    m = m / m.sum(1, keepdims=True)
    rgb = np.clip(rgb @ m.T, 0, None)
    y = rgb @ np.array([0.2126, 0.7152, 0.0722])
    top = float(np.percentile(y, 99)) if y.size else 1.0
    rgb = rgb * min(8.0, 1.0 / max(top, 1e-6))
    return np.rint(np.clip(srgb_encode(rgb.astype(np.float32)), 0, 1) * 255).astype(np.uint8)


def _replace(entries: list, tag: int, value: Any) -> list:
    return [(t, typ, value if t == tag else v) for t, typ, v in entries]


def dng_bytes_header(raw: RawImage | LinearRawImage, *, preview: bool = False,
                     matrices: bool = True) -> tuple[bytes, np.ndarray]:
    """The DNG file up to the pixel data, and the uint16 mosaic that follows it.

    Without ``preview`` the raw image is IFD 0; with it, IFD 0 is an 8-bit RGB preview
    (:func:`render_preview`) carrying the camera-level tags, and the raw image is its SubIFD.
    Exposed for tests and for writers that stream the pixels themselves.
    """
    counts, black, white = _counts(raw)
    entries = _ifd0_entries(raw, black, white)
    if not matrices:
        entries = [e for e in entries if e[0] not in _MATRIX_TAGS]
    exif = _exif_entries(raw)
    if not preview:
        ifd0 = entries + [(273, LONG, 0), (34665, LONG, 0)]  # placeholders of the final size
        exif_at = 8 + _ifd_size(ifd0)
        data_at = exif_at + _ifd_size(exif)
        data_at += -data_at % 16
        ifd0 = _replace(_replace(ifd0, 273, data_at), 34665, exif_at)
        head = b"II" + struct.pack("<HI", 42, 8) + _ifd(ifd0, 8) + _ifd(exif, exif_at)
        return head.ljust(data_at, b"\0"), counts
    if isinstance(raw, LinearRawImage):
        raise ParameterError("a preview IFD is written for mosaics only")
    thumb = np.ascontiguousarray(render_preview(raw))
    th, tw = thumb.shape[:2]
    main = [e for e in entries if e[0] not in _RAW_IFD_TAGS] + [
        (254, LONG, 1), (256, LONG, tw), (257, LONG, th), (258, SHORT, (8, 8, 8)),
        (259, SHORT, 1), (262, SHORT, 2), (277, SHORT, 3), (278, LONG, th),
        (279, LONG, thumb.nbytes), (284, SHORT, 1),
        (273, LONG, 0), (330, LONG, 0), (34665, LONG, 0),
    ]
    sub = [e for e in entries if e[0] in _RAW_IFD_TAGS] + [(273, LONG, 0)]
    raw_at = 8 + _ifd_size(main)
    exif_at = raw_at + _ifd_size(sub)
    thumb_at = exif_at + _ifd_size(exif)
    thumb_at += -thumb_at % 16
    data_at = thumb_at + thumb.nbytes
    data_at += -data_at % 16
    main = _replace(_replace(_replace(main, 273, thumb_at), 330, raw_at), 34665, exif_at)
    sub = _replace(sub, 273, data_at)
    head = b"II" + struct.pack("<HI", 42, 8) + _ifd(main, 8) + _ifd(sub, raw_at)
    head += _ifd(exif, exif_at)
    head = head.ljust(thumb_at, b"\0") + thumb.tobytes()
    return head.ljust(data_at, b"\0"), counts


def write_dng(
    raw: RawImage | LinearRawImage,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    inputs: tuple[str | os.PathLike[str], ...] | list[str | os.PathLike[str]] = (),
    preview: bool = False,
    matrices: bool = True,
) -> Path:
    """Write ``raw`` as an uncompressed 16-bit DNG, atomically.

    A :class:`~brightroom.types.RawImage` is written as a CFA DNG (Bayer, quad-Bayer or the
    6 x 6 X-Trans layout); a :class:`~brightroom.types.LinearRawImage` as a LinearRaw DNG
    (``PhotometricInterpretation`` 34892, 3 samples, or 1 for a monochrome sensor, which gets
    no colour tags), its gain map as one GainMap opcode per plane. A ``warp`` goes into
    ``OpcodeList3`` as a WarpRectilinear opcode.

    Parameters
    ----------
    raw
        The mosaic and its camera description. The pixels written are ``raw.to_counts()``
        (the original sensor integers when ``raw`` came from a file). A raw whose white level is
        below 255 holds normalised data only and is written with black 1024 and white 65535.
        Without ``camera.color_matrix1`` the camera RGB is declared to be linear sRGB (D65).
        A white-balanced raw (``raw.wb`` set) is written with its gains divided out again, so
        that the file holds sensor-referred data that fits its ``AsShotNeutral``.
    path
        Output file (``.dng``).
    overwrite
        Replace an existing file.
    inputs
        Files ``raw`` was read from; writing over one of them needs ``overwrite``.
    preview
        Put a small sRGB preview (at most 256 pixels wide, :func:`render_preview`) in IFD 0,
        as file browsers expect, with the raw image in a SubIFD. Off by default: the raw is
        then IFD 0. Mosaics only.
    matrices
        Write the colour tags (ColorMatrix, ForwardMatrix, illuminants). ``False`` writes none,
        as PiDNG does for a camera without a profile (Raspberry Pi sensors).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    OutputExistsError
        ``path`` exists (or is an input) and ``overwrite`` is false.
    ParameterError
        The white level does not fit 16 bits, or a value does not fit a TIFF field.

    References
    ----------
    Adobe Systems (2012). Digital Negative (DNG) Specification 1.4.0.0, chapters 4-7.
    """
    path = Path(path)
    if not isinstance(raw, RawImage | LinearRawImage):
        raise ParameterError(f"{path}: write_dng needs a RawImage or a LinearRawImage, got "
                             f"{type(raw).__name__}")
    check_output(path, overwrite=overwrite, inputs=inputs)  # fail before converting
    head, counts = dng_bytes_header(raw, preview=preview, matrices=matrices)
    data = np.ascontiguousarray(counts, dtype="<u2")
    with atomic_write(path, overwrite=overwrite, inputs=inputs) as tmp, open(tmp, "wb") as f:
        f.write(head)
        f.write(memoryview(data).cast("B"))
    return path
