"""HDR gain maps (ISO 21496-1): an SDR photo plus a map of how much brighter each pixel is in its
HDR rendition, so that an HDR display shows the highlights a tone curve had to compress and an
SDR display shows the photo as it is.

:func:`hdr_gain_map` makes one from the SDR photo and a scene-linear HDR rendition of it;
:func:`apply_gain_map` is the standard's reconstruction (the test reference);
:func:`tmap_payload` / :func:`parse_tmap_payload` are the ``tmap`` item's bytes (the
``ToneMapImage`` of ISO/IEC 23008-12:2024 Amd. 1 holding ISO 21496-1's ``GainMapMetadata``, the
layout libavif writes). The HEIC and AVIF writers store the map as a hidden image item, a
``tmap`` derived item referring to the picture and the map (``dimg``), and an ``altr`` group
``(tmap, picture)``: readers that know gain maps show HDR, others the SDR picture.

The map is single-channel (from luminance, BT.709 weights on the linear values), at half the
picture's width and height, 8-bit, with gamma 1 and offsets 1/64 (as libultrahdr writes). What
cannot be written: Apple's own HDR gain map format (an auxiliary image whose headroom is in the
Apple maker note) is carried from an iPhone photo but not made for a new one; a multi-channel
map; a gain map in JPEG (Ultra HDR) output.

References
----------
ISO 21496-1:2025, Gain map metadata for image conversion (clause C.2.2, GainMapMetadata;
clause 5, the application of a gain map).
ISO/IEC 23008-12:2024/Amd 1, Support for tone map derived image items (6.6.2.4, ``tmap``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from brightroom.color.spaces import srgb_decode
from brightroom.errors import CorruptFileError, ParameterError

__all__ = ["HDRGainMap", "hdr_gain_map", "apply_gain_map", "tmap_payload", "parse_tmap_payload"]

_LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)
_OFFSET = 1 / 64


@dataclass(frozen=True, eq=False)
class HDRGainMap:
    """A single-channel ISO 21496-1 gain map and its metadata.

    Attributes
    ----------
    gain
        ``h x w`` float32 in [0, 1]: the encoded map (``(log2 gain - min) / (max - min)``,
        raised to ``gamma``), usually at half the picture's size.
    min_log2, max_log2
        The log2 gains that 0 and 1 stand for.
    gamma
        Encoding gamma of the map.
    base_offset, alternate_offset
        The offsets added to the SDR (base) and HDR (alternate) linear values before the ratio.
    base_headroom_log2, alternate_headroom_log2
        log2 of the HDR headroom the base and the alternate rendition are for (0 for SDR).
    """

    gain: np.ndarray
    min_log2: float = 0.0
    max_log2: float = 3.0
    gamma: float = 1.0
    base_offset: float = _OFFSET
    alternate_offset: float = _OFFSET
    base_headroom_log2: float = 0.0
    alternate_headroom_log2: float = 3.0

    def __post_init__(self) -> None:
        g = np.asarray(self.gain, dtype=np.float32)
        if g.ndim != 2 or min(g.shape) < 1 or not np.all(np.isfinite(g)):
            raise ParameterError(f"a gain map is a finite 2-D plane, got shape {g.shape}")
        object.__setattr__(self, "gain", np.clip(g, 0, 1))
        if not self.max_log2 > self.min_log2 or self.gamma <= 0:
            raise ParameterError(f"gain map needs max_log2 > min_log2 and gamma > 0, got "
                                 f"{self.min_log2}, {self.max_log2}, {self.gamma}")


def _luma(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(rgb, np.float32) @ _LUMA


def _area_down(a: np.ndarray, f: int) -> np.ndarray:
    h, w = a.shape
    hh, ww = max(h // f, 1), max(w // f, 1)
    a = a[: hh * f, : ww * f] if h >= f and w >= f else a
    if a.shape == (hh, ww):
        return a
    return a.reshape(hh, a.shape[0] // hh, ww, a.shape[1] // ww).mean(axis=(1, 3))


def hdr_gain_map(sdr_display: np.ndarray, hdr_linear: np.ndarray, *, max_stops: float = 3.0,
                 scale: int = 2) -> HDRGainMap | None:
    """The gain map from an SDR photo to its HDR rendition, or None when nothing is brighter.

    Parameters
    ----------
    sdr_display
        The SDR photo, sRGB-encoded ``H x W x 3`` (what is written as the picture).
    hdr_linear
        A scene-linear rendition of the same photo in the same primaries, highlights above 1
        kept (e.g. the merge of an exposure bracket after the colour stage, before tone
        mapping). Its exposure is matched to the SDR one first (the median luminance of the
        pixels that are mid-tones in the SDR photo), so that the map keeps the SDR rendering
        where the tone curve did not compress, and restores the highlights where it did.
    max_stops
        The HDR headroom at most, in stops (3: 8x SDR white, as phones write).
    scale
        The map is ``1/scale`` of the picture's width and height (area average).

    Returns
    -------
    HDRGainMap or None
        Gains ``log2((Y_hdr + 1/64) / (Y_sdr + 1/64))`` clipped to ``[0, headroom]``, where the
        headroom is the 99.9th percentile of the gains (at most ``max_stops``).
    """
    sdr = srgb_decode(np.clip(np.asarray(sdr_display, np.float32), 0, 1))
    hdr = np.maximum(np.asarray(hdr_linear, np.float32), 0)
    if sdr.shape != hdr.shape or sdr.ndim != 3 or sdr.shape[2] != 3:
        raise ParameterError(f"gain map: the SDR {sdr.shape} and HDR {hdr.shape} renditions "
                             "must be the same H x W x 3")
    if not 0 < max_stops <= 8:
        raise ParameterError(f"max_stops must be in (0, 8], got {max_stops!r}")
    ys, yh = _luma(sdr), _luma(hdr)
    mid = (ys > 0.05) & (ys < 0.5)
    if np.count_nonzero(mid) < 16:
        mid = ys > 0
    ratio = float(np.median(ys[mid]) / max(np.median(yh[mid]), 1e-6)) if np.any(mid) else 1.0
    yh = yh * np.float32(ratio)
    f = max(int(scale), 1)
    gain = np.log2((_area_down(yh, f) + _OFFSET) / (_area_down(ys, f) + _OFFSET))
    gain = np.clip(gain, 0, max_stops)
    top = float(np.percentile(gain, 99.9))
    if top < 1 / 16:  # under 1/16 stop anywhere: no highlight to restore
        return None
    top = min(top, max_stops)
    return HDRGainMap(np.clip(gain / top, 0, 1).astype(np.float32), 0.0, top, 1.0, _OFFSET,
                      _OFFSET, 0.0, top)


def apply_gain_map(sdr_display: np.ndarray, gm: HDRGainMap, *,
                   display_headroom_log2: float | None = None) -> np.ndarray:
    """The HDR rendition (linear, SDR white = 1) of ``sdr_display`` through ``gm`` for a display
    of the given headroom (default: the map's), as ISO 21496-1 clause 5 defines it (the map
    upsampled bilinearly to the picture)."""
    sdr = srgb_decode(np.clip(np.asarray(sdr_display, np.float32), 0, 1))
    h, w = sdr.shape[:2]
    g = _resize_bilinear(gm.gain, h, w)
    g = np.power(g, np.float32(1 / gm.gamma))
    log_gain = gm.min_log2 * (1 - g) + gm.max_log2 * g
    hd = gm.alternate_headroom_log2 if display_headroom_log2 is None else display_headroom_log2
    span = gm.alternate_headroom_log2 - gm.base_headroom_log2
    weight = np.clip((hd - gm.base_headroom_log2) / span, 0, 1) if span else 1.0
    return ((sdr + gm.base_offset) * np.exp2(log_gain * weight)[..., None]
            - gm.alternate_offset).astype(np.float32)


def _resize_bilinear(a: np.ndarray, h: int, w: int) -> np.ndarray:
    """``a`` resampled to ``h x w`` (pixel centres aligned, edges clamped)."""
    def axis(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        i0 = np.floor(x).astype(np.int64)
        return i0, np.minimum(i0 + 1, n_in - 1), (x - i0).astype(np.float32)

    y0, y1, fy = axis(h, a.shape[0])
    x0, x1, fx = axis(w, a.shape[1])
    top = a[y0][:, x0] * (1 - fx) + a[y0][:, x1] * fx
    bottom = a[y1][:, x0] * (1 - fx) + a[y1][:, x1] * fx
    return (top * (1 - fy[:, None]) + bottom * fy[:, None]).astype(np.float32)


def fits(gm: HDRGainMap, height: int, width: int) -> bool:
    """Whether ``gm`` can belong to a picture of this size (the same aspect within 2%)."""
    gh, gw = gm.gain.shape
    return abs(gw / gh - width / height) <= 0.02 * width / height and gw <= width


def _frac(v: float, signed: bool) -> tuple[int, int]:
    fr = Fraction(v).limit_denominator(1 << 20)
    n, d = fr.numerator, fr.denominator
    lo, hi = (-(1 << 31), (1 << 31) - 1) if signed else (0, (1 << 32) - 1)
    if not lo <= n <= hi:
        raise ParameterError(f"gain map value {v} does not fit ISO 21496-1's 32-bit fractions")
    return n, d


def tmap_payload(gm: HDRGainMap) -> bytes:
    """The ``tmap`` item's data: ToneMapImage version 0 with ISO 21496-1 GainMapMetadata (one
    channel, in the base image's colour space)."""
    out = struct.pack(">BHHB", 0, 0, 0, 0x40)  # version; min/writer version; use_base_colour_space
    for v in (gm.base_headroom_log2, gm.alternate_headroom_log2):
        out += struct.pack(">II", *_frac(v, False))
    for v, signed in ((gm.min_log2, True), (gm.max_log2, True), (gm.gamma, False),
                      (gm.base_offset, True), (gm.alternate_offset, True)):
        n, d = _frac(v, signed)
        out += struct.pack(">iI" if signed else ">II", n, d)
    return out


def parse_tmap_payload(data: bytes, gain: np.ndarray) -> HDRGainMap:
    """Inverse of :func:`tmap_payload` (the first channel of a multi-channel map)."""
    try:
        version, minimum, _, flags = struct.unpack_from(">BHHB", data, 0)
        if version != 0 or minimum != 0:
            raise CorruptFileError(f"tmap version {version}/{minimum} is not supported")
        hb = struct.unpack_from(">II", data, 6)
        ha = struct.unpack_from(">II", data, 14)
        ch = struct.unpack_from(">iIiIIIiIiI", data, 22)
    except struct.error:
        raise CorruptFileError("tmap gain map metadata is truncated") from None
    vals = [n / d if d else float("nan") for n, d in (hb, ha) + tuple(zip(ch[::2], ch[1::2]))]
    if not np.all(np.isfinite(vals)):
        raise CorruptFileError("tmap gain map metadata has a zero denominator")
    del flags
    return HDRGainMap(gain, min_log2=vals[2], max_log2=vals[3], gamma=vals[4],
                      base_offset=vals[5], alternate_offset=vals[6], base_headroom_log2=vals[0],
                      alternate_headroom_log2=vals[1])
