"""Read camera raw files into a :class:`~brightroom.types.RawImage`.

Two ways to the mosaic, with the same result:

``"libraw"``
    The reference: LibRaw through ``rawpy`` (every format LibRaw knows). The mosaic is
    ``raw_image_visible``; the black level per 2 x 2 position comes from
    ``black_level_per_channel`` (indexed by colour, mapped onto the cell with ``raw_color``,
    the second green being colour 3; rawpy's values already include LibRaw's per-colour
    ``cblack[0..3]``; a larger ``cblack`` pattern is not exposed by rawpy), the white level from
    ``white_level``. For DNGs the levels come from the tags (BlackLevel with its
    BlackLevelRepeatDim, BlackLevelDeltaH/V, WhiteLevel) unless a LinearizationTable is present.
``"numpy"``
    A fast path for uncompressed 16-bit DNGs (what :func:`brightroom.io.dng.write_dng` writes):
    the strip is read straight from the file with :func:`numpy.fromfile` and cropped to the
    ``ActiveArea``. It is tested bit for bit against LibRaw.

``backend="auto"`` takes the fast path whenever a file allows it.

The camera description comes from the DNG tags when the file is a DNG (LibRaw leaves
``rgb_xyz_matrix`` empty for some DNGs), read with ``tifffile``: ColorMatrix1/2,
CalibrationIlluminant1/2, ForwardMatrix1/2, AsShotNeutral (or AsShotWhiteXY), NoiseProfile,
Orientation, Make, Model, the EXIF exposure tags and ``GainMap`` opcodes. For other formats it
comes from LibRaw (``rgb_xyz_matrix`` as ColorMatrix1 under D65, the as-shot neutral from
``camera_whitebalance``) and the EXIF tags of the TIFF container or of the embedded JPEG preview.

The black level and the mosaic are normalised exactly once, with
:func:`brightroom.types.normalize_mosaic`.

Noise profile
-------------
The DNG ``NoiseProfile`` gives, per CFA plane, ``(S, O)`` with variance ``S * x + O`` for a
signal ``x`` already in normalised units (0 = black, 1 = white; DNG 1.4 p. 58), which is exactly
:class:`~brightroom.types.NoiseProfile`'s convention: ``scale = S``, ``offset = O``, no
conversion. One pair applies to all three planes.

Gain maps
---------
``RawImage.gain_map`` is ``h x w x 4``: plane ``k`` holds the gains of the pixels at 2 x 2 cell
position ``divmod(k, 2)`` (raster order, like ``black_level``). A ``GainMap`` opcode with row
and column pitch 2 fills the plane of its ``(Top % 2, Left % 2)`` position; one with pitch 1
fills all four; an ``OpcodeList3`` map with colour planes fills the positions of that colour.
Positions without a map get gain 1. The opcode's area, origin and spacing place the map
(:class:`~brightroom.types.GainMap`).

References
----------
Adobe Systems (2012). Digital Negative (DNG) Specification 1.4.0.0.
LibRaw LLC. LibRaw library, https://www.libraw.org/docs (``imgdata.rawdata``, ``color.cblack``).
JEITA CP-3451C (2012), Exif 2.3: Orientation, ExposureTime, FNumber, ISOSpeedRatings, FocalLength.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import struct
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from brightroom.errors import (
    CorruptFileError,
    InputError,
    ParameterError,
    UnsupportedRawError,
    file_errors,
)
from brightroom.limits import check_image, stored_bytes
from brightroom.types import (
    BAYER_PATTERNS,
    CameraInfo,
    CFAPattern,
    GainMap,
    LinearRawImage,
    NoiseProfile,
    RawImage,
    WarpRectilinear,
    normalize_mosaic,
)

__all__ = ["read_raw", "RAW_EXTENSIONS", "RAW_BACKENDS", "is_raw_path", "RawFormatWarning",
           "vignette_radial_gain", "OPCODE_NAMES"]

RAW_EXTENSIONS: tuple[str, ...] = (
    ".dng", ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".raf", ".orf",
    ".rw2", ".rwl", ".pef", ".ptx", ".srw", ".x3f", ".3fr", ".fff", ".iiq", ".mos", ".mef",
    ".mrw", ".erf", ".kdc", ".dcr", ".k25", ".raw", ".rwz", ".cap", ".bay", ".dcs", ".gpr",
    ".mdc", ".sti", ".ari", ".cs1",
)
"""File extensions read as camera raw (LibRaw's formats)."""

RAW_BACKENDS = ("auto", "libraw", "numpy")

# LibRaw "flip" -> EXIF orientation (inverse of dcraw's "50132467"[exif & 7])
_FLIP_TO_EXIF = {0: 1, 1: 2, 2: 4, 3: 3, 4: 5, 5: 8, 6: 6, 7: 7}

# DNG tags
T_ORIENTATION, T_MAKE, T_MODEL = 274, 271, 272
T_CFA_DIM, T_CFA_PAT, T_EXIF = 33421, 33422, 34665
T_DNG_VERSION, T_UNIQUE_MODEL, T_PLANE_COLOR = 50706, 50708, 50710
T_LINEARIZATION, T_BL_DIM, T_BL, T_BL_DH, T_BL_DV, T_WL = 50712, 50713, 50714, 50715, 50716, 50717
T_CM1, T_CM2, T_NEUTRAL, T_WHITE_XY = 50721, 50722, 50728, 50729
T_ILL1, T_ILL2, T_ACTIVE = 50778, 50779, 50829
T_FM1, T_FM2, T_OPCODES2, T_OPCODES3, T_NOISE = 50964, 50965, 51009, 51022, 51041
T_CROP_ORIGIN, T_CROP_SIZE, T_CAMERA_CAL1, T_CAMERA_CAL2 = 50719, 50720, 50723, 50724
T_ANALOG_BALANCE, T_BASELINE_EXPOSURE, T_LINEAR_LIMIT = 50727, 50730, 50734
_EXPOSURE_TAGS = {33434: "ExposureTime", 33437: "FNumber", 34855: "ISOSpeedRatings",
                  37386: "FocalLength", 36867: "DateTimeOriginal", 37380: "ExposureBiasValue"}


def is_raw_path(path: str | os.PathLike[str]) -> bool:
    """Whether the extension of ``path`` is one of :data:`RAW_EXTENSIONS`."""
    return Path(path).suffix.lower() in RAW_EXTENSIONS


# ----------------------------------------------------------------------------------- helpers
def _rationals(value: Any) -> np.ndarray:
    """Flatten a tifffile (S)RATIONAL value (numerator, denominator, ...) to floats."""
    a = np.asarray(value, dtype=np.float64).ravel()
    if a.size % 2:
        return a
    num, den = a[0::2], a[1::2]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den == 0, 1, den), np.nan)


def _number(value: Any) -> float | None:
    """One positive EXIF number (rational or integer), or None when absent or zero."""
    if value is None:
        return None
    if isinstance(value, tuple | list) and len(value) == 2:
        v = _rationals(value)[0]
    else:
        try:
            v = float(np.ravel(value)[0])
        except (TypeError, ValueError, IndexError):
            return None
    return float(v) if np.isfinite(v) and v > 0 else None


def _matrix(value: Any) -> np.ndarray | None:
    if value is None:
        return None
    m = np.asarray(value, dtype=np.float64).ravel()
    if m.size != 9 or not np.all(np.isfinite(m)) or not np.any(m):
        return None
    return m.reshape(3, 3)


def _signed(value: Any) -> float | None:
    """One finite EXIF number that may be negative or zero (an SRATIONAL), or None."""
    if value is None:
        return None
    try:
        if isinstance(value, tuple | list) and len(value) == 2:
            v = float(value[0]) / float(value[1]) if float(value[1]) != 0 else float("nan")
        else:
            v = float(np.ravel(value)[0])
    except (TypeError, ValueError, IndexError):
        return None
    return float(v) if np.isfinite(v) else None


def _exif_dict(make: str, model: str, exif: Mapping[str, Any]) -> dict[str, Any]:
    iso = exif.get("ISOSpeedRatings", exif.get("PhotographicSensitivity"))
    if isinstance(iso, tuple | list):
        iso = iso[0] if iso else None
    out = {
        "make": make,
        "model": model,
        "iso": _number(iso),
        "exposure_time": _number(exif.get("ExposureTime")),
        "f_number": _number(exif.get("FNumber")),
        "focal_length": _number(exif.get("FocalLength")),
        "exposure_bias": _signed(exif.get("ExposureBiasValue")),
        "datetime": (str(exif.get("DateTimeOriginal") or exif.get("DateTime") or "").strip()
                     or None),
    }
    return {k: v for k, v in out.items() if v not in (None, "")}


def _camera(path: Path, make: str, model: str, exif: dict[str, Any], **colour: Any) -> CameraInfo:
    try:
        return CameraInfo(
            make=make, model=model, iso=exif.get("iso"), exposure_time=exif.get("exposure_time"),
            f_number=exif.get("f_number"), focal_length=exif.get("focal_length"), exif=exif,
            **colour,
        )
    except ParameterError as e:
        raise CorruptFileError(f"{path}: inconsistent camera metadata ({e})") from None


# ----------------------------------------------------------------------------------- DNG tags
class _Tiff:
    """The tags of a TIFF-based raw file: IFD 0 and the raw (CFA) IFD."""

    def __init__(self, path: Path) -> None:
        with _quiet_tifffile():
            self._read(path)

    def _read(self, path: Path) -> None:
        import tifffile

        self.path = path
        with tifffile.TiffFile(path) as tif:
            self.byteorder = tif.byteorder
            page0 = tif.pages.first
            self.ifd0 = {t.code: t.value for t in page0.tags.values()}
            candidates = [page0]
            try:
                for p in page0.pages or ():
                    candidates.append(p)
            except Exception:  # noqa: BLE001 - broken sub-IFDs: keep what IFD 0 says
                pass
            for p in list(tif.pages)[1:]:
                candidates.append(p)
            raw = None
            for p in candidates:
                pi = int(p.tags[262].value) if 262 in p.tags else None
                sub = int(p.tags[254].value) if 254 in p.tags else 0
                if pi in (32803, 34892) and not sub & 1:
                    raw = p
                    break
            self.has_raw_ifd = raw is not None
            raw = raw or page0
            self.raw = {t.code: t.value for t in raw.tags.values()}
            self.types = {t.code: int(t.dtype) for t in page0.tags.values()}
            self.types.update({t.code: int(t.dtype) for t in raw.tags.values()})
            self.shape = (int(raw.imagelength), int(raw.imagewidth))
            self.samples = int(raw.samplesperpixel)
            self.offsets = tuple(int(x) for x in raw.dataoffsets)
            self.bytecounts = tuple(int(x) for x in raw.databytecounts)
            self.is_tiled = bool(raw.is_tiled)
        self.is_dng = T_DNG_VERSION in self.ifd0 or T_DNG_VERSION in self.raw

    def get(self, tag: int, default: Any = None) -> Any:
        """A tag from the raw IFD, else IFD 0."""
        if tag in self.raw:
            return self.raw[tag]
        return self.ifd0.get(tag, default)

    def floats(self, tag: int, default: Any = None) -> np.ndarray | None:
        """A numeric tag as float64 values, (S)RATIONAL pairs divided out."""
        v = self.get(tag, default)
        if v is None:
            return None
        if self.types.get(tag) in (5, 10):
            return _rationals(v)
        return np.asarray(v, dtype=np.float64).ravel()

    @property
    def photometric(self) -> int | None:
        v = self.raw.get(262)
        return None if v is None else int(v)

    @property
    def active_area(self) -> tuple[int, int, int, int]:
        aa = self.get(T_ACTIVE)
        if aa is None:
            return (0, 0, *self.shape)
        t, left, b, r = (int(x) for x in np.ravel(aa)[:4])
        return t, left, b, r

    def check_extent(self) -> None:
        size = self.path.stat().st_size
        for off, n in zip(self.offsets, self.bytecounts, strict=False):
            if off + n > size:
                raise CorruptFileError(
                    f"{self.path}: file is truncated or corrupt (image data ends at byte "
                    f"{off + n}, the file has {size})"
                )

    def check_coded_size(self) -> None:
        """Refuse image data too short for the picture it declares (a DNG whose data was
        stripped: LibRaw would decode whatever memory it finds, not an error)."""
        samples = self.shape[0] * self.shape[1] * max(self.samples, 1)
        total = sum(self.bytecounts)
        comp = int(np.ravel(self.raw.get(259, 1))[0])
        bps = int(np.ravel(self.raw.get(258, 16))[0])
        # fewest bytes each codec can code the samples in: uncompressed all of them, lossless
        # JPEG one bit per sample (its shortest Huffman code), Deflate 1/1032 (zlib's ceiling)
        need = {1: samples * bps / 8, 7: samples / 8, 8: samples * bps / 8 / 1032}.get(
            comp, 64 if samples > 65536 else 0)
        if total < need:
            raise CorruptFileError(
                f"{self.path}: the image data holds {total} bytes, too few for the "
                f"{self.shape[1]}x{self.shape[0]} picture the header declares (at least "
                f"{int(need)} for Compression {comp}): it is missing, stripped or truncated")

    def pattern(self) -> CFAPattern:
        """The CFA pattern of the active area."""
        path = self.path
        if self.photometric != 32803:
            raise UnsupportedRawError(
                f"{path}: no CFA raw image in this DNG (PhotometricInterpretation "
                f"{self.photometric})"
            )
        dim = tuple(int(x) for x in np.ravel(self.get(T_CFA_DIM, (2, 2))))
        pat = self.get(T_CFA_PAT)
        if pat is None:
            raise UnsupportedRawError(f"{path}: CFA raw without a CFAPattern tag")
        codes = np.frombuffer(bytes(pat), dtype=np.uint8) if isinstance(pat, bytes) \
            else np.asarray(pat, dtype=np.uint8).ravel()
        plane = self.get(T_PLANE_COLOR, b"\x00\x01\x02")
        plane = list(plane) if isinstance(plane, bytes) else [int(x) for x in np.ravel(plane)]
        names = {0: "R", 1: "G", 2: "B", 3: "C", 4: "M", 5: "Y", 6: "W"}
        if len(dim) != 2 or codes.size != dim[0] * dim[1] or max(codes) >= len(plane):
            raise CorruptFileError(f"{path}: CFAPattern {codes.tolist()} does not fit "
                                   f"CFARepeatPatternDim {dim}")
        grid = np.array([names.get(plane[c], "?") for c in codes]).reshape(dim)
        # the pattern's origin is the top-left of the ActiveArea, as LibRaw reads it
        return _pattern_from_letters(grid, path)


def _pattern_from_letters(grid: np.ndarray, path: Path) -> CFAPattern:
    """A :class:`CFAPattern` from a grid of colour letters (one or more repeats of the CFA)."""
    if grid.shape == (6, 6) and set(grid.ravel().tolist()) == {"R", "G", "B"}:
        xt = _xtrans_from_letters(grid, path)
        if xt is not None:
            return xt
    colours = set(grid.ravel().tolist())
    if colours != {"R", "G", "B"}:
        raise UnsupportedRawError(f"{path}: colour filter array with colours "
                                  f"{''.join(sorted(colours))}; only RGB Bayer is supported")
    rows, cols = grid.shape
    for block in (1, 2, 3, 4):
        p = 2 * block
        tile = grid[np.ix_(np.arange(p) % rows, np.arange(p) % cols)]
        if not np.array_equal(tile[np.ix_(np.arange(rows) % p, np.arange(cols) % p)], grid):
            continue  # the grid does not repeat with period p
        cell = tile[::block, ::block]
        if not np.array_equal(np.repeat(np.repeat(cell, block, 0), block, 1), tile):
            continue
        name = "".join(cell.ravel().tolist())
        if name in BAYER_PATTERNS:
            return CFAPattern(name, block)
    raise UnsupportedRawError(f"{path}: colour filter array {grid.tolist()} is not a Bayer, "
                              f"quad-Bayer or X-Trans layout")


def _dng_levels(tags: _Tiff, shape: tuple[int, int]) -> tuple[np.ndarray, tuple[float, ...], float]:
    """Black level (2 x 2 values or a full plane for BlackLevelDelta*) and white level."""
    dim = tuple(int(x) for x in np.ravel(tags.get(T_BL_DIM, (1, 1))))
    bl = tags.floats(T_BL, (0,))
    r, c = dim if len(dim) == 2 else (1, 1)
    if bl.size == 1:
        bl = np.repeat(bl, r * c)
    if bl.size < r * c:
        raise CorruptFileError(f"{tags.path}: BlackLevel has {bl.size} values for a "
                               f"{r}x{c} BlackLevelRepeatDim")
    pattern = bl[: r * c].reshape(r, c)
    cell = np.array([[pattern[i % r, j % c] for j in range(2)] for i in range(2)])
    # a repeat larger than 2x2 that is not 2x2-periodic is folded by averaging per position
    if r > 2 or c > 2:
        cell = np.array([[pattern[i::2, j::2].mean() for j in range(2)] for i in range(2)])
    black4 = tuple(float(x) for x in cell.ravel())
    h, w = shape
    dh, dv = tags.get(T_BL_DH), tags.get(T_BL_DV)
    plane = np.asarray(black4)
    if dh is not None or dv is not None:
        full = np.tile(cell, (-(-h // 2), -(-w // 2)))[:h, :w].astype(np.float64)
        if dh is not None:
            full = full + tags.floats(T_BL_DH)[:w][None, :]
        if dv is not None:
            full = full + tags.floats(T_BL_DV)[:h][:, None]
        plane = full
        black4 = tuple(float(full[i::2, j::2].mean()) for i in range(2) for j in range(2))
    bps = int(np.ravel(tags.get(258, 16))[0])
    white = tags.floats(T_WL)
    white = float(white[0]) if white is not None else float(2**bps - 1)
    return plane, black4, white


def _parse_opcodes(data: bytes, list3: bool, pattern: CFAPattern) -> list[dict[str, Any]]:
    """GainMap opcodes (id 9) of an OpcodeList (big-endian)."""
    out = []
    if len(data) < 4:
        return out
    (count,) = struct.unpack_from(">I", data, 0)
    pos = 4
    for _ in range(count):
        if pos + 16 > len(data):
            break
        op, _ver, _flags, size = struct.unpack_from(">4I", data, pos)
        pos += 16
        body = data[pos: pos + size]
        pos += size
        if op != 9 or len(body) < 76:
            continue
        top, left, bottom, right, plane, planes, rpitch, cpitch = struct.unpack_from(">8I", body)
        mv, mh = struct.unpack_from(">2I", body, 32)
        sv, sh, ov, oh = struct.unpack_from(">4d", body, 40)
        (mplanes,) = struct.unpack_from(">I", body, 72)
        n = mv * mh * mplanes
        if len(body) < 76 + 4 * n or n == 0:
            continue
        gains = np.frombuffer(body, dtype=">f4", count=n, offset=76).astype(np.float32)
        gains = gains.reshape(mv, mh, mplanes)
        if rpitch == 1 and cpitch == 1 and not list3:
            positions = [[0, 1, 2, 3]]
        elif list3:
            if not pattern.is_bayer:
                continue  # colour planes of a non-Bayer mosaic: see _dng_lens_opcodes
            cell = pattern.cell.ravel()
            positions = [[k for k in range(4) if cell[k] == min(plane + j, 2)]
                         for j in range(mplanes)]
        else:
            positions = [[2 * (top % 2) + left % 2]]
        out.append({"gains": gains, "positions": positions, "origin": (ov, oh),
                    "spacing": (sv, sh), "area": (top, left, bottom, right)})
    return out


def _gain_map(tags: _Tiff, pattern: CFAPattern) -> tuple[GainMap | None, dict[str, Any]]:
    for tag, list3 in ((T_OPCODES2, False), (T_OPCODES3, True)):
        data = tags.get(tag)
        if data is None:
            continue
        ops = _parse_opcodes(bytes(data), list3, pattern)
        if not ops:
            continue
        shapes = {op["gains"].shape[:2] for op in ops}
        name = "OpcodeList3" if list3 else "OpcodeList2"
        if len(shapes) != 1:
            return None, {"gain_map_ignored": f"{name} GainMaps with different grids {shapes}"}
        mv, mh = shapes.pop()
        g = np.ones((mv, mh, 4), dtype=np.float32)
        for op in ops:
            for j, positions in enumerate(op["positions"]):
                for k in positions:
                    g[:, :, k] = op["gains"][:, :, min(j, op["gains"].shape[2] - 1)]
        try:
            gm = GainMap(g, area=ops[0]["area"], origin=ops[0]["origin"],
                         spacing=ops[0]["spacing"], source=name)
        except ParameterError as e:
            return None, {"gain_map_ignored": f"{name} GainMap: {e}"}
        return gm, {}
    return None, {}


def _dng_camera(tags: _Tiff, path: Path) -> CameraInfo:
    ifd0 = tags.ifd0
    make = str(ifd0.get(T_MAKE, "") or "").strip()
    model = str(ifd0.get(T_MODEL, "") or "").strip()
    if not model:
        model = str(tags.get(T_UNIQUE_MODEL, "") or "").strip()
    exif_ifd = ifd0.get(T_EXIF) if isinstance(ifd0.get(T_EXIF), dict) else {}
    exif_src = {name: tags.get(code) for code, name in _EXPOSURE_TAGS.items()
                if tags.get(code) is not None}
    exif_src.update({k: v for k, v in exif_ifd.items() if v not in (None, "", 0, (0, 0))})
    if not exif_src.get("DateTimeOriginal") and ifd0.get(306):
        exif_src["DateTime"] = ifd0.get(306)
    exif = _exif_dict(make, model, exif_src)
    cm1, cm2 = _matrix(tags.floats(T_CM1)), _matrix(tags.floats(T_CM2))
    fm1, fm2 = _matrix(tags.floats(T_FM1)), _matrix(tags.floats(T_FM2))
    ill1 = int(np.ravel(tags.get(T_ILL1, 21))[0]) if cm1 is not None else 21
    ill2 = int(np.ravel(tags.get(T_ILL2, 17))[0]) if cm2 is not None else None
    if cm1 is None and cm2 is not None:
        cm1, ill1, cm2, ill2, fm1, fm2 = cm2, ill2 or 21, None, None, fm2, None
    neutral = None
    if tags.get(T_NEUTRAL) is not None:
        n = tags.floats(T_NEUTRAL)
        if n.size == 3 and np.all(np.isfinite(n)) and np.all(n > 0):
            neutral = tuple(float(x) for x in n)
    elif tags.get(T_WHITE_XY) is not None and cm1 is not None:
        x, y = tags.floats(T_WHITE_XY)[:2]
        if y > 0:
            n = cm1 @ np.array([x / y, 1.0, (1 - x - y) / y])
            if np.all(n > 0):
                neutral = tuple(float(v) for v in n / n[1])
    noise = None
    npf = tags.get(T_NOISE)
    if npf is not None:
        v = np.asarray(npf, dtype=np.float64).ravel()
        if v.size in (2, 6) and np.all(np.isfinite(v)) and np.all(v >= 0):
            noise = NoiseProfile(tuple(v[0::2]), tuple(v[1::2]))
    orientation = int(np.ravel(ifd0.get(T_ORIENTATION, 1))[0])
    if orientation not in range(1, 9):
        orientation = 1
    return _camera(path, make, model, exif, color_matrix1=cm1, color_matrix2=cm2,
                   illuminant1=ill1, illuminant2=ill2, forward_matrix1=fm1,
                   forward_matrix2=fm2 if cm2 is not None else None, as_shot_neutral=neutral,
                   noise_profile=noise, orientation=orientation)


def _dng_extras(tags: _Tiff) -> dict[str, Any]:
    """DNG rendering hints kept in ``RawImage.metadata`` (and written back by write_dng).

    ``default_crop`` (top, left, height, width in mosaic pixels,
    from DefaultCropOrigin/Size, which the DNG gives as x, y and width, height),
    ``analog_balance`` (3 values), ``camera_calibration1/2`` (3 x 3), ``linear_response_limit``.
    """
    out: dict[str, Any] = {}
    origin, size = tags.floats(T_CROP_ORIGIN), tags.floats(T_CROP_SIZE)
    if size is not None and size.size >= 2:
        ox, oy = (origin[:2] if origin is not None and origin.size >= 2 else (0.0, 0.0))
        out["default_crop"] = (float(oy), float(ox), float(size[1]), float(size[0]))
    ab = tags.floats(T_ANALOG_BALANCE)
    if ab is not None and ab.size == 3 and np.all(ab > 0):
        out["analog_balance"] = tuple(float(x) for x in ab)
    for k, tag in ((1, T_CAMERA_CAL1), (2, T_CAMERA_CAL2)):
        m = _matrix(tags.floats(tag))
        if m is not None:
            out[f"camera_calibration{k}"] = m
    lr = tags.floats(T_LINEAR_LIMIT)
    if lr is not None and lr.size and np.isfinite(lr[0]):
        out["linear_response_limit"] = float(lr[0])
    return out


def _numpy_eligible(tags: _Tiff) -> str | None:
    """Why the fast path cannot read this file, or None when it can."""
    r = tags.raw
    checks = [
        (tags.is_dng, "not a DNG"),
        (tags.has_raw_ifd and tags.photometric == 32803, "no CFA image"),
        (int(np.ravel(r.get(259, 1))[0]) == 1, "compressed"),
        (int(np.ravel(r.get(258, 16))[0]) == 16, "not 16 bits per sample"),
        (int(np.ravel(r.get(277, 1))[0]) == 1, "more than one sample per pixel"),
        (int(np.ravel(r.get(339, 1))[0]) == 1, "not unsigned integer samples"),
        (not tags.is_tiled, "tiled"),
        (T_LINEARIZATION not in r, "has a LinearizationTable"),
        (T_BL_DH not in r and T_BL_DV not in r, "has BlackLevelDeltaH/V"),
    ]
    for ok, why in checks:
        if not ok:
            return why
    t, left, b, r = tags.active_area
    if t % 2 or left % 2 or (b - t) % 2 or (r - left) % 2:
        return "odd ActiveArea (LibRaw rounds it to even margins)"
    h, w = tags.shape
    offs, counts = tags.offsets, tags.bytecounts
    if not offs or h * w == 0:
        return "no image data"
    if sum(counts) != h * w * 2 or any(
        offs[i] + counts[i] != offs[i + 1] for i in range(len(offs) - 1)
    ):
        return "strips are not one contiguous block"
    return None


def _read_numpy(tags: _Tiff) -> np.ndarray:
    h, w = tags.shape
    dtype = np.dtype(np.uint16).newbyteorder(tags.byteorder)
    with open(tags.path, "rb") as f:
        f.seek(tags.offsets[0])
        counts = np.fromfile(f, dtype=dtype, count=h * w)
    if counts.size != h * w:
        raise CorruptFileError(f"{tags.path}: file is truncated or corrupt (expected {h * w} "
                               f"pixels, found {counts.size})")
    counts = counts.reshape(h, w)
    if dtype.byteorder not in ("=", "|", "<" if np.little_endian else ">"):
        counts = counts.astype(np.uint16)
    t, left, b, r = tags.active_area
    if (t, left, b, r) != (0, 0, h, w):
        if not (0 <= t < b <= h and 0 <= left < r <= w):
            raise CorruptFileError(f"{tags.path}: ActiveArea {(t, left, b, r)} lies outside the "
                                   f"{w}x{h} image")
        counts = counts[t:b, left:r]
    return counts


# ----------------------------------------------------------------------------------- LibRaw
# leading bytes of the common raw containers: TIFF (DNG, CR2, NEF, ARW, PEF, ...), ISO BMFF (CR3),
# Fujifilm RAF, Olympus ORF, Panasonic RW2, Canon CRW, Minolta MRW, Sigma X3F, Phase One IIQ
_RAW_MAGICS = (b"II*\0", b"MM\0*", b"IIRO", b"IIRS", b"MMOR", b"IIU\0", b"FUJIFILM",
               b"II\x1a\0\0\0HEAPCCDR", b"\0MRM", b"FOVb", b"IIII")


def _looks_like_raw(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError:
        return False
    return head.startswith(_RAW_MAGICS) or head[4:8] == b"ftyp"


def _head(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(8)


def _libraw_error(path: Path, e: Exception, tags: _Tiff | None = None) -> Exception:
    import rawpy

    name = type(e).__name__
    msg = e.args[0] if e.args else ""
    msg = msg.decode("utf-8", "replace") if isinstance(msg, bytes) else str(msg)
    detail = f"{name}: {msg}" if msg else name
    codec = _unsupported_codec(path, tags)
    if codec is not None:
        hint = ("; convert it to a plain DNG first (GoPro's gpr_tools: gpr_tools -i FILE.GPR "
                "-o FILE.dng)" if "VC-5" in codec else "")
        return UnsupportedRawError(f"{path}: {codec}, which the LibRaw build Brightroom uses "
                                   f"cannot decode ({detail}){hint}")
    if isinstance(e, rawpy.LibRawFileUnsupportedError):
        return UnsupportedRawError(f"{path}: LibRaw cannot decode this file ({detail})")
    if isinstance(e, rawpy.LibRawIOError | rawpy.LibRawDataError | OSError):
        if not _looks_like_raw(path):  # e.g. a text file renamed .dng: say so, not "truncated"
            return UnsupportedRawError(
                f"{path}: LibRaw cannot decode this file (not a camera raw: it starts with "
                f"{_head(path)!r}; {detail})"
            )
        return CorruptFileError(f"{path}: file is truncated or corrupt ({detail})")
    return UnsupportedRawError(f"{path}: LibRaw cannot decode this file ({detail})")


def _libraw_pattern(r: Any, path: Path) -> CFAPattern:
    import rawpy

    if r.raw_type != rawpy.RawType.Flat or int(r.num_colors) == 1:
        raise _NotMosaic()
    if r.raw_pattern is None:
        raise UnsupportedRawError(
            f"{path}: not a single-plane CFA raw (Foveon, linear or already demosaiced data); "
            f"Brightroom develops Bayer sensors only"
        )
    desc = r.color_desc.decode("ascii", "replace")
    pat = np.asarray(r.raw_pattern)
    top, left = r.sizes.top_margin, r.sizes.left_margin
    n = pat.shape[0]
    idx = np.array([[r.raw_color(top + i, left + j) for j in range(n)] for i in range(n)])
    letters = np.array([desc[c] if c < len(desc) else "?" for c in idx.ravel()]).reshape(n, n)
    return _pattern_from_letters(letters, path)


def _libraw_levels(r: Any) -> tuple[tuple[float, ...], float]:
    top, left = r.sizes.top_margin, r.sizes.left_margin
    per_colour = list(r.black_level_per_channel)
    black = tuple(float(per_colour[r.raw_color(top + i, left + j)])
                  for i in range(2) for j in range(2))
    return black, float(r.white_level)


def _thumb_exif(r: Any) -> tuple[str, str, dict[str, Any], int | None]:
    """Make, model, EXIF and orientation from the embedded JPEG preview (CR3, RAF, ...)."""
    import rawpy
    from PIL import ExifTags, Image

    try:
        th = r.extract_thumb()
    except (rawpy.LibRawError, Exception):  # noqa: BLE001 - no preview is fine
        return "", "", {}, None
    if th.format != rawpy.ThumbFormat.JPEG:
        return "", "", {}, None
    try:
        ex = Image.open(io.BytesIO(th.data)).getexif()
    except Exception:  # noqa: BLE001
        return "", "", {}, None
    sub = ex.get_ifd(ExifTags.IFD.Exif)
    src = {name: sub.get(code) for code, name in _EXPOSURE_TAGS.items() if sub.get(code)}
    return (str(ex.get(271, "")).strip(), str(ex.get(272, "")).strip(), src,
            ex.get(274))


def _libraw_camera(r: Any, path: Path, tags: _Tiff | None) -> CameraInfo:
    make = model = ""
    exif_src: dict[str, Any] = {}
    orientation = _FLIP_TO_EXIF.get(int(r.sizes.flip), 1)
    if tags is not None:
        make = str(tags.ifd0.get(T_MAKE, "") or "").strip()
        model = str(tags.ifd0.get(T_MODEL, "") or "").strip()
        sub = tags.ifd0.get(T_EXIF)
        if isinstance(sub, dict):
            exif_src = {k: v for k, v in sub.items() if v not in (None, "", 0)}
    if not make:
        make, model, exif_src, _ = _thumb_exif(r)
    exif = _exif_dict(make, model, exif_src)
    m = np.asarray(r.rgb_xyz_matrix, dtype=np.float64)[:3]
    cm1 = m if m.shape == (3, 3) and np.any(m) and np.all(np.isfinite(m)) else None
    wb = np.asarray(r.camera_whitebalance, dtype=np.float64)[:3]
    neutral = None
    if np.all(wb > 0) and np.all(np.isfinite(wb)):
        neutral = tuple(float(x) for x in wb[1] / wb)
    return _camera(path, make, model, exif, color_matrix1=cm1, illuminant1=21,
                   as_shot_neutral=neutral, orientation=orientation)


# ----------------------------------------------------------------------------------- public
def _open_tags(path: Path) -> _Tiff | None:
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic not in (b"II*\0", b"MM\0*"):
        return None
    try:
        return _Tiff(path)
    except (CorruptFileError, UnsupportedRawError):
        raise
    except Exception as e:  # noqa: BLE001 - tifffile raises many kinds on broken files
        if path.suffix.lower() == ".dng":
            raise CorruptFileError(f"{path}: file is truncated or corrupt "
                                   f"({type(e).__name__}: {e})") from None
        return None


@file_errors(0)
def read_raw(path: str | os.PathLike[str], *, backend: str = "auto"
             ) -> RawImage | LinearRawImage:
    """Read a camera raw file (DNG, CR2, CR3, NEF, ARW, RAF, ...) as a :class:`RawImage`.

    Parameters
    ----------
    path
        The raw file.
    backend
        ``"libraw"`` (rawpy, every format), ``"numpy"`` (uncompressed 16-bit DNG only, fast) or
        ``"auto"`` (the fast path when the file allows it, else LibRaw).

    Returns
    -------
    RawImage
        The visible (active) mosaic normalised once to [0, 1] with per-position black levels,
        its CFA pattern, the camera description and, for DNGs with ``GainMap`` opcodes, the
        lens-shading ``gain_map``. ``metadata`` holds ``path``, ``format`` and ``backend``.

    Raises
    ------
    InputError
        The file does not exist or is not a regular file.
    UnsupportedRawError
        LibRaw cannot decode the file, or the sensor is not Bayer (X-Trans, Foveon, linear DNG).
    CorruptFileError
        The file is truncated or its contents are inconsistent.

    References
    ----------
    Adobe Systems (2012). Digital Negative (DNG) Specification 1.4.0.0.
    """
    if backend not in RAW_BACKENDS:
        raise ParameterError(f"backend {backend!r} is not one of {', '.join(RAW_BACKENDS)}")
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    try:
        tags = _open_tags(path)
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror or e})") from None
    meta: dict[str, Any] = {"path": str(path)}
    if tags is not None and tags.has_raw_ifd:
        # the policy on the declared size before anything is decoded (LibRaw re-checks its own)
        check_image(path, tags.shape[1], tags.shape[0], channels=tags.samples,
                    bytes_per_sample=2, file_bytes=stored_bytes(path), what="raw mosaic",
                    work_bytes_per_pixel=8)
    if tags is not None and tags.is_dng:
        meta["format"] = "DNG"
        if tags.photometric == 34892:  # LinearRaw: already demosaiced, or monochrome
            return _read_linear_dng(path, tags, backend, meta)
        pattern = tags.pattern()
        tags.check_extent()
        tags.check_coded_size()
        why = _numpy_eligible(tags)
        if backend == "numpy" and why:
            raise UnsupportedRawError(f"{path}: the numpy fast path cannot read this DNG ({why})")
        camera = _dng_camera(tags, path)
        be = tags.floats(T_BASELINE_EXPOSURE)
        if be is not None and be.size and np.isfinite(be[0]) and abs(be[0]) <= 16:
            camera = camera.replace(baseline_exposure=float(be[0]))
        gain_map, extra = _gain_map(tags, pattern)
        meta.update(extra)
        meta.update(_dng_extras(tags))
        camera = _fold_calibration(camera, meta)
        if pattern.is_xtrans and gain_map is not None and not all(
                np.array_equal(gain_map.gains[..., 0], gain_map.gains[..., k]) for k in (1, 2, 3)):
            meta["gain_map_ignored"] = "GainMaps that differ per 2x2 position on an X-Trans mosaic"
            gain_map = None
        if backend != "libraw" and why is None:
            counts = _read_numpy(tags)
            plane, black, white = _dng_levels(tags, counts.shape)
            meta["backend"] = "numpy"
        else:
            counts, black, white, _, _, margins = _libraw_read(path, tags, want_camera=False)
            # LibRaw rounds an odd ActiveArea to even margins; follow its crop
            dy, dx = margins[0] - tags.active_area[0], margins[1] - tags.active_area[1]
            if dy or dx:
                pattern = pattern.shifted(dy, dx)
            if T_LINEARIZATION in tags.raw:
                plane = np.asarray(black)
            else:
                plane, black, white = _dng_levels(tags, counts.shape)
                if (dy or dx) and plane.ndim == 1:
                    cell = np.roll(np.asarray(black).reshape(2, 2), (-dy, -dx), axis=(0, 1))
                    black = tuple(float(v) for v in cell.ravel())
                    plane = np.asarray(black)
            meta["backend"] = "libraw"
        gain_map, warp = _dng_lens_opcodes(tags, counts.shape, gain_map, 4, meta)
    else:
        if backend == "numpy":
            raise UnsupportedRawError(f"{path}: the numpy fast path reads uncompressed DNGs only")
        if tags is not None and tags.has_raw_ifd:
            tags.check_extent()  # only where the CFA IFD is known (NEF, ARW, PEF, ...)
            tags.check_coded_size()
        try:
            counts, black, white, pattern, camera, _ = _libraw_read(path, tags, want_camera=True)
        except _NotMosaic:  # sRAW, Foveon, monochrome: LibRaw gives the planes themselves
            meta["format"] = path.suffix.lstrip(".").upper() or "raw"
            return _read_linear_libraw(path, tags, meta)
        plane = np.asarray(black)
        gain_map = warp = None
        meta["format"] = path.suffix.lstrip(".").upper() or "raw"
        meta["backend"] = "libraw"
    if not white > max(black):
        raise CorruptFileError(f"{path}: white level {white} does not exceed black level "
                               f"{max(black)}")
    if counts.shape[0] < pattern.period or counts.shape[1] < pattern.period:
        raise CorruptFileError(f"{path}: image of {counts.shape} pixels is too small")
    _refuse_garbage(path, counts, black, white)
    bl = plane if plane.ndim == 2 else (black if len(set(black)) > 1 else black[0])
    cfa = normalize_mosaic(counts, bl, white)
    return RawImage(cfa=cfa, pattern=pattern, camera=camera, black_level=black,
                    white_level=white, gain_map=gain_map, metadata=meta, warp=warp)


@contextlib.contextmanager
def _rawpy_open(path: Path) -> Iterator[Any]:
    """``rawpy.imread`` with the resource policy applied between LibRaw's header read and the
    unpacking of the data (a raw declaring 40000 x 40000 is refused before it is allocated)."""
    import rawpy

    r = rawpy.RawPy()
    try:
        r.open_file(str(path))
        sz = r.sizes
        check_image(path, int(sz.raw_width), int(sz.raw_height), channels=1,
                    bytes_per_sample=2, file_bytes=stored_bytes(path), what="raw mosaic",
                    work_bytes_per_pixel=8)
        r.unpack()
        yield r
    finally:
        r.close()


def _refuse_garbage(path: Path, counts: np.ndarray, black: Any, white: float) -> None:
    """Refuse raw data that holds no picture: empty, constant (a file whose image data was
    stripped reads as zeros), or entirely outside its black and white levels."""
    if counts.size == 0:
        raise CorruptFileError(f"{path}: the raw image holds no samples")
    lo, hi = float(counts.min()), float(counts.max())
    if lo == hi:
        raise CorruptFileError(
            f"{path}: every raw sample is {lo:g}: the image data is missing or stripped (the "
            "header declares a picture the file does not hold)")
    b = float(np.max(black)) if np.size(black) else 0.0
    if hi <= b:
        raise CorruptFileError(f"{path}: every raw sample ({lo:g}..{hi:g}) is at or below the "
                               f"black level {b:g}: the image data is missing or not this camera's")
    if lo >= white:
        raise CorruptFileError(f"{path}: every raw sample ({lo:g}..{hi:g}) is at or above the "
                               f"white level {white:g}: the image data is not this camera's")


def _libraw_read(path: Path, tags: _Tiff | None, *, want_camera: bool) -> tuple:
    import rawpy

    try:
        with _rawpy_open(path) as r:
            counts = r.raw_image_visible.copy()
            pattern = camera = None
            if want_camera:
                pattern = _libraw_pattern(r, path)
                camera = _libraw_camera(r, path, tags)
            elif r.raw_type != rawpy.RawType.Flat:
                raise UnsupportedRawError(f"{path}: not a single-plane CFA raw")
            black, white = _libraw_levels(r)
            margins = (int(r.sizes.top_margin), int(r.sizes.left_margin))
    except (UnsupportedRawError, CorruptFileError):
        raise
    except rawpy.LibRawError as e:
        raise _libraw_error(path, e, tags) from None
    except OSError as e:
        raise CorruptFileError(f"{path}: file is truncated or corrupt ({e})") from None
    return counts, black, white, pattern, camera, margins


# ------------------------------------------------------------------------ formats beyond Bayer
# X-Trans layouts, linear (already demosaiced) and monochrome raws, the DNG lens opcodes and
# the codecs LibRaw may lack. Kept apart from the Bayer reader above.

@contextlib.contextmanager
def _quiet_tifffile() -> Iterator[None]:
    """tifffile logs what it finds broken to stderr; Brightroom reports it in one error line."""
    log = logging.getLogger("tifffile")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


class _NotMosaic(Exception):
    """LibRaw holds no single-plane colour mosaic: read the planes as a linear raw."""


T_COMPRESSION, T_SAMPLES = 259, 277

_CODECS = {
    9: "a GoPro GPR raw (VC-5 compressed DNG, Compression 9)",
    52546: "a JPEG XL compressed DNG (DNG 1.7, Compression 52546)",
}
_LIBRAW_DNG_CODECS = (1, 7, 8, 34892)  # none, lossless JPEG, Deflate, lossy JPEG


def _unsupported_codec(path: Path, tags: _Tiff | None) -> str | None:
    """The DNG codec LibRaw failed on when it is one it may lack (VC-5, JPEG XL, an unknown
    Compression), else None (then the failure is the file's, not the codec's)."""
    if tags is None or not tags.is_dng:
        if tags is None and path.suffix.lower() == ".gpr":
            return "a GoPro GPR raw (VC-5 compressed)"
        return None
    try:
        comp = int(np.ravel(tags.raw.get(T_COMPRESSION, 1))[0])
    except (TypeError, ValueError):
        return None
    if comp in _LIBRAW_DNG_CODECS:
        return None
    return _CODECS.get(comp, f"a DNG with Compression {comp}")


def _xtrans_from_letters(grid: np.ndarray, path: Path) -> CFAPattern | None:
    """The X-Trans :class:`CFAPattern` of a 6 x 6 grid of colour letters, None if it is not one."""
    try:
        return CFAPattern("/".join("".join(row) for row in grid.tolist()))
    except ParameterError:
        return None


def _opcode_list(data: bytes) -> list[tuple[int, int, bytes]]:
    """``(opcode id, flags, parameters)`` of each opcode of a DNG OpcodeList (big-endian)."""
    out: list[tuple[int, int, bytes]] = []
    if len(data) < 4:
        return out
    (count,) = struct.unpack_from(">I", data, 0)
    pos = 4
    for _ in range(min(count, 4096)):
        if pos + 16 > len(data):
            break
        op, _ver, flags, size = struct.unpack_from(">4I", data, pos)
        pos += 16
        out.append((op, flags, bytes(data[pos: pos + size])))
        pos += size
    return out


OPCODE_NAMES = {1: "WarpRectilinear", 2: "WarpFisheye", 3: "FixVignetteRadial",
                4: "FixBadPixelsConstant", 5: "FixBadPixelsList", 6: "TrimBounds",
                7: "MapTable", 8: "MapPolynomial", 9: "GainMap", 10: "DeltaPerRow",
                11: "DeltaPerColumn", 12: "ScalePerRow", 13: "ScalePerColumn",
                14: "WarpRectilinear2"}
"""DNG opcode ids (DNG Specification 1.7, chapter 7)."""


def _parse_warp(body: bytes, source: str) -> WarpRectilinear | None:
    """WarpRectilinear parameters: N planes, 6 doubles each, then the centre (x, y)."""
    if len(body) < 4:
        return None
    (n,) = struct.unpack_from(">I", body, 0)
    if n not in (1, 3) or len(body) < 4 + 48 * n + 16:
        return None
    co = [struct.unpack_from(">6d", body, 4 + 48 * k) for k in range(n)]
    cx, cy = struct.unpack_from(">2d", body, 4 + 48 * n)
    try:
        return WarpRectilinear(tuple(co), (cx, cy), source=source)
    except ParameterError:
        return None


def _parse_vignette(body: bytes) -> tuple[tuple[float, ...], tuple[float, float]] | None:
    """FixVignetteRadial parameters: k0..k4, then the centre (x, y)."""
    if len(body) < 56:
        return None
    v = struct.unpack_from(">7d", body, 0)
    if not all(np.isfinite(v)):
        return None
    return tuple(v[:5]), (v[5], v[6])


def vignette_radial_gain(k: tuple[float, ...], centre: tuple[float, float],
                         shape: tuple[int, int], ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """The FixVignetteRadial gain ``1 + k0 r^2 + k1 r^4 + ... + k4 r^10`` at rows ``ys`` and
    columns ``xs`` of an image of ``shape``.

    ``r`` is the distance from the optical centre (``centre`` relative to the image, as
    ``(x, y)``), divided by the distance from the centre to the farthest image corner.

    References
    ----------
    Adobe (2023), Digital Negative (DNG) Specification 1.7, chapter 7, ``FixVignetteRadial`` (3).
    """
    h, w = shape
    cx, cy = centre[0] * (w - 1), centre[1] * (h - 1)
    mx, my = max(cx, w - 1 - cx), max(cy, h - 1 - cy)
    m2 = max(mx * mx + my * my, 1e-12)
    r2 = ((np.asarray(ys, np.float64)[:, None] - cy) ** 2
          + (np.asarray(xs, np.float64)[None, :] - cx) ** 2) / m2
    g = np.zeros_like(r2)
    for kk in reversed(k):
        g = (g + kk) * r2
    return 1.0 + g


_VIGNETTE_NODES = 65


def _fold_vignette(gm: GainMap | None, k: tuple[float, ...], centre: tuple[float, float],
                   shape: tuple[int, int], planes: int, source: str) -> GainMap:
    """A gain map that also applies a FixVignetteRadial (exact at the map's nodes)."""
    h, w = shape
    if gm is None:
        n = _VIGNETTE_NODES
        ys, xs = np.linspace(0, h, n), np.linspace(0, w, n)
        g = vignette_radial_gain(k, centre, shape, ys, xs).astype(np.float32)
        return GainMap(np.repeat(g[:, :, None], planes, axis=2), area=(0, 0, h, w),
                       origin=(0.0, 0.0), spacing=(1 / (n - 1), 1 / (n - 1)), source=source)
    mh, mw = gm.gains.shape[:2]
    if gm.area is None:
        ys, xs = np.linspace(0, h - 1, mh), np.linspace(0, w - 1, mw)
    else:
        t, left, b, r = gm.area
        ys = t + (gm.origin[0] + np.arange(mh) * gm.spacing[0]) * (b - t)
        xs = left + (gm.origin[1] + np.arange(mw) * gm.spacing[1]) * (r - left)
    g = vignette_radial_gain(k, centre, shape, ys, xs).astype(np.float32)
    return GainMap(gm.gains * g[:, :, None], area=gm.area, origin=gm.origin,
                   spacing=gm.spacing, source=f"{gm.source}+{source}")


def _dng_lens_opcodes(tags: _Tiff, shape: tuple[int, int], gain_map: GainMap | None,
                      planes: int, meta: dict[str, Any]
                      ) -> tuple[GainMap | None, WarpRectilinear | None]:
    """The lens opcodes of OpcodeList2/3 beyond GainMap (DNG 1.7, chapter 7).

    ``FixVignetteRadial`` (either list) is folded into the gain map, which the
    ``lens_shading`` stage applies (a pointwise gain commutes with demosaicing up to
    interpolation); ``WarpRectilinear`` of OpcodeList3 is returned for the ``demosaic`` stage,
    which applies it after interpolating, where the specification puts list 3. Opcodes that
    are not applied (a warp in OpcodeList2, WarpFisheye, unknown ones...) are listed in
    ``meta["opcodes_ignored"]``; a non-optional one also gives a :class:`RawFormatWarning`.
    """
    warp = None
    ignored: list[str] = []
    handled = {9}  # GainMap: _gain_map
    if tags.photometric == 34892:
        handled |= {7, 8} if _lossy(tags) else set()  # LibRaw applied the lossy DNG's curve
    for tag, name in ((T_OPCODES2, "OpcodeList2"), (T_OPCODES3, "OpcodeList3")):
        data = tags.get(tag)
        if data is None:
            continue
        for op, flags, body in _opcode_list(bytes(data)):
            what = OPCODE_NAMES.get(op, f"opcode {op}")
            if op == 3:
                v = _parse_vignette(body)
                if v is not None:
                    gain_map = _fold_vignette(gain_map, v[0], v[1], shape, planes,
                                              f"{name} FixVignetteRadial")
                    continue
            elif op == 1 and name == "OpcodeList3":
                w = _parse_warp(body, name)
                if w is not None and warp is None:
                    if not w.is_identity:
                        warp = w
                    continue
            elif op in handled:
                continue
            ignored.append(f"{name} {what}")
            if not flags & 1:  # not optional: the rendering differs from the intended one
                warnings.warn(f"{tags.path}: {name} {what} is not applied", RawFormatWarning,
                              stacklevel=3)
    if ignored:
        meta["opcodes_ignored"] = ignored
    return gain_map, warp


class RawFormatWarning(UserWarning):
    """A raw file is read, but something in it is not applied (an opcode, a missing matrix)."""


def _lossy(tags: _Tiff) -> bool:
    return int(np.ravel(tags.raw.get(T_COMPRESSION, 1))[0]) == 34892


def _linear_gain_map(tags: _Tiff, channels: int) -> tuple[GainMap | None, dict[str, Any]]:
    """GainMap opcodes of a linear raw: one plane per channel (``Plane``/``Planes`` select)."""
    for tag, name in ((T_OPCODES2, "OpcodeList2"), (T_OPCODES3, "OpcodeList3")):
        data = tags.get(tag)
        if data is None:
            continue
        maps: dict[int, np.ndarray] = {}
        geometry = None
        for op, _flags, body in _opcode_list(bytes(data)):
            if op != 9 or len(body) < 76:
                continue
            top, left, bottom, right, plane, nplanes, _rp, _cp = struct.unpack_from(">8I", body)
            mv, mh = struct.unpack_from(">2I", body, 32)
            sv, sh, ov, oh = struct.unpack_from(">4d", body, 40)
            (mplanes,) = struct.unpack_from(">I", body, 72)
            n = mv * mh * mplanes
            if n == 0 or len(body) < 76 + 4 * n:
                continue
            g = np.frombuffer(body, dtype=">f4", count=n, offset=76).astype(np.float32)
            g = g.reshape(mv, mh, mplanes)
            this = ((mv, mh), (top, left, bottom, right), (ov, oh), (sv, sh))
            if geometry is not None and this != geometry:
                return None, {"gain_map_ignored": f"{name} GainMaps with different grids"}
            geometry = this
            for j in range(nplanes):
                if plane + j < channels:
                    maps[plane + j] = g[:, :, min(j, mplanes - 1)]
        if geometry is None:
            continue
        (mv, mh), area, origin, spacing = geometry
        gains = np.ones((mv, mh, 3), np.float32)
        for c, g in maps.items():
            gains[:, :, c] = g
        if channels == 1:
            gains[:] = gains[:, :, :1]
        try:
            return GainMap(gains, area=area, origin=origin, spacing=spacing, source=name), {}
        except ParameterError as e:
            return None, {"gain_map_ignored": f"{name} GainMap: {e}"}
    return None, {}


def _read_linear_dng(path: Path, tags: _Tiff, backend: str, meta: dict[str, Any]
                     ) -> LinearRawImage:
    """A LinearRaw DNG (Adobe's lossy DNGs, phone apps, monochrome sensors) as a linear raw.

    LibRaw decodes the samples (uncompressed, lossless or lossy JPEG tiles; for lossy DNGs it
    also applies the MapPolynomial/MapTable of OpcodeList2 that maps the 8-bit samples back
    to linear 16-bit values, so its levels are the ones to use). For the other encodings the
    black level per sample (BlackLevel, BlackLevelRepeatDim 1 x 1) and WhiteLevel come from
    the tags, as for a mosaic.
    """
    if backend == "numpy":
        raise UnsupportedRawError(f"{path}: the numpy fast path reads CFA DNGs only (this is a "
                                  f"linear DNG)")
    tags.check_extent()
    tags.check_coded_size()
    samples = int(np.ravel(tags.raw.get(T_SAMPLES, 1))[0])
    if samples not in (1, 3):
        raise UnsupportedRawError(f"{path}: linear DNG with {samples} samples per pixel; "
                                  f"Brightroom reads 1 (monochrome) or 3 (RGB)")
    camera = _dng_camera(tags, path)
    be = tags.floats(T_BASELINE_EXPOSURE)
    if be is not None and be.size and np.isfinite(be[0]) and abs(be[0]) <= 16:
        camera = camera.replace(baseline_exposure=float(be[0]))
    if samples == 1:
        camera = camera.replace(monochrome=True)
    meta.update(_dng_extras(tags))
    camera = _fold_calibration(camera, meta)
    data, black, white = _libraw_planes(path, tags, samples)
    if not _lossy(tags) and T_LINEARIZATION not in tags.raw:
        black, white = _linear_dng_levels(tags, samples)
    meta["backend"] = "libraw"
    meta["linear"] = True
    gain_map, extra = _linear_gain_map(tags, samples)
    meta.update(extra)
    gain_map, warp = _dng_lens_opcodes(tags, data.shape[:2], gain_map, 3, meta)
    return _linear_frame(path, data, black, white, camera, gain_map, warp, meta)


def _linear_dng_levels(tags: _Tiff, samples: int) -> tuple[tuple[float, ...], float]:
    bl = tags.floats(T_BL, (0,))
    dim = tuple(int(x) for x in np.ravel(tags.get(T_BL_DIM, (1, 1))))
    if dim != (1, 1) and bl.size >= samples:  # a repeat pattern: average it per sample
        bl = bl.reshape(-1, samples).mean(axis=0)
    black = tuple(float(bl[min(c, bl.size - 1)]) for c in range(samples))
    bps = int(np.ravel(tags.get(258, 16))[0])
    wl = tags.floats(T_WL)
    white = float(np.min(wl[:samples])) if wl is not None and wl.size else float(2**bps - 1)
    return black, white


def _linear_frame(path: Path, data: np.ndarray, black: tuple[float, ...], white: float,
                  camera: CameraInfo, gain_map: GainMap | None,
                  warp: WarpRectilinear | None, meta: dict[str, Any]) -> LinearRawImage:
    n = data.shape[2]
    if not white > max(black):
        raise CorruptFileError(f"{path}: white level {white} does not exceed black level "
                               f"{max(black)}")
    if data.shape[0] < 2 or data.shape[1] < 2:
        raise CorruptFileError(f"{path}: image of {data.shape[:2]} pixels is too small")
    _refuse_garbage(path, data, black, white)
    out = np.empty(data.shape, np.float32)
    for c in range(n):
        out[:, :, c] = normalize_mosaic(data[:, :, c], black[c], white)
    return LinearRawImage(out, camera=camera, black_level=black, white_level=white,
                          gain_map=gain_map, warp=warp, metadata=meta)


def _libraw_planes(path: Path, tags: _Tiff | None, samples: int
                   ) -> tuple[np.ndarray, tuple[float, ...], float]:
    """LibRaw's visible planes (``H x W x samples`` counts) and its black and white levels."""
    import rawpy

    try:
        with _rawpy_open(path) as r:
            a = np.array(r.raw_image_visible, copy=True)
            per_colour = [float(v) for v in r.black_level_per_channel]
            white = float(r.white_level)
    except rawpy.LibRawError as e:
        raise _libraw_error(path, e, tags) from None
    except OSError as e:
        raise CorruptFileError(f"{path}: file is truncated or corrupt ({e})") from None
    if a.ndim == 2:
        a = a[:, :, None]
    if a.shape[2] < samples:
        raise UnsupportedRawError(f"{path}: LibRaw gives {a.shape[2]} planes, {samples} expected")
    data = np.ascontiguousarray(a[:, :, :samples])
    black = tuple(per_colour[min(c, len(per_colour) - 1)] for c in range(samples))
    return data, black, white


def _read_linear_libraw(path: Path, tags: _Tiff | None, meta: dict[str, Any]) -> LinearRawImage:
    """A non-DNG raw whose LibRaw image is not a colour mosaic: monochrome or sRAW planes."""
    import rawpy

    try:
        with _rawpy_open(path) as r:
            colours = int(r.num_colors)
            camera = _libraw_camera(r, path, tags)
    except rawpy.LibRawError as e:
        raise _libraw_error(path, e, tags) from None
    samples = 1 if colours == 1 else 3
    if samples == 1:
        camera = camera.replace(monochrome=True)
    data, black, white = _libraw_planes(path, tags, samples)
    meta["backend"] = "libraw"
    meta["linear"] = True
    return _linear_frame(path, data, black, white, camera, None, None, meta)


def _fold_calibration(camera: CameraInfo, meta: dict[str, Any]) -> CameraInfo:
    """Fold AnalogBalance and CameraCalibration into the colour matrices (DNG 1.7, ch. 6).

    The DNG colour model maps XYZ to the stored camera values with ``AB * CC * CM``; the
    ``colour`` stage uses ``color_matrix*`` alone, so the reader hands it ``AB * CC * CM``.
    For a diagonal ``AB * CC`` (every converter writes one) the ForwardMatrix path,
    ``FM * D * inv(AB * CC)`` with ``D = diag(1 / (inv(AB * CC) * neutral))``, reduces to
    ``FM * diag(1 / neutral)``, so ForwardMatrix stays as it is; a non-diagonal calibration
    drops ForwardMatrix (the ColorMatrix path is then exact). ``meta["calibration_folded"]``
    tells :func:`brightroom.io.dng.write_dng` to write the matrices unfolded again, beside
    the tags kept in ``meta``.
    """
    ab = np.asarray(meta.get("analog_balance", (1.0, 1.0, 1.0)), np.float64)
    changes: dict[str, Any] = {}
    drop_forward = False
    for k in (1, 2):
        cm = getattr(camera, f"color_matrix{k}")
        if cm is None:
            continue
        cc = np.asarray(meta.get(f"camera_calibration{k}", np.eye(3)), np.float64)
        a = np.diag(ab) @ cc
        if np.allclose(a, np.eye(3), rtol=0, atol=1e-9):
            continue
        changes[f"color_matrix{k}"] = a @ cm
        if np.count_nonzero(a - np.diag(np.diag(a))):
            drop_forward = True
    if not changes:
        return camera
    if drop_forward:
        changes.update(forward_matrix1=None, forward_matrix2=None)
    meta["calibration_folded"] = True
    return camera.replace(**changes)
