"""HEIC and AVIF: 8, 10 and 12-bit writing with EXIF, XMP, ICC and the source photo's depth and
gain-map images; reading with EXIF, XMP, ICC and those auxiliary images.

Writing
-------
The picture is converted here to Y'CbCr (ITU-T H.273 full range; BT.601 coefficients, matrix 6,
as libheif writes; 4:2:0, or 4:4:4 with the identity matrix when ``quality=100`` asks HEIC for a
lossless file), encoded as one still frame through PyAV (x265 for HEVC at 8, 10 or 12 bits;
SVT-AV1 for AV1 at 8 or 10 bits, its Main profile: 12-bit AV1 needs the Professional profile,
which SVT-AV1 does not encode) and put into a HEIF container (:mod:`._heif_box`) with ``ispe``,
``pixi``, ``colr`` (an ``nclx`` box and the ICC profile), ``irot``/``imir`` for the EXIF
orientation (as libheif writes them), an ``Exif`` item and an XMP item. Items the source photo
had beside its picture (an Apple or ISO depth/disparity image, an HDR gain map, with their own
metadata items) are copied without re-encoding when the output has the source's size and codec
(:func:`carried_auxiliary`). HEVC uses x265's ``ultrafast`` preset: on still photos at the
qualities used here it gives the file size and PSNR of ``medium`` (within 0.2 dB) at a third of
the CPU time. ``quality`` maps to x265's constant rate factor by a table calibrated against JPEG
(:func:`hevc_crf`: at the same nominal quality a HEIC is at least as exact as the JPEG by PSNR,
at 0.6-1.5 times its size; quality 92 is CRF 20, where libheif's ``crf = (100 - quality) / 2``
gave CRF 4, a file 2.6 times the JPEG's at twice the encoder's time), and to SVT-AV1's CRF by
a table made the same way (:func:`av1_crf`; quality 92 is CRF 17, where
``crf = 63 (100 - quality) / 100`` gave CRF 5).

Reading
-------
HEIC decodes through pillow-heif (libheif): its rotation is part of the container and libheif
always applies it, so the pixels are upright, with the orientation applied reported
(``orientation_applied``) and the EXIF orientation then taken as 1; 10/12-bit HEIC decodes to
16-bit samples. AVIF of more than 8 bits decodes here (dav1d through PyAV, then Y'CbCr to RGB by
its ``nclx`` matrix and range, bilinear chroma), others through Pillow.

References
----------
ISO/IEC 23008-12:2022 (HEIF), Annex A (Exif and XMP items); ISO/IEC 23008-12 Amd. / AV1 Image
File Format (AVIF) 1.1.0, Alliance for Open Media (2022); ITU-T H.273 (2016), Coding-independent
code points for video signal type identification; ITU-R BT.601-7.
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from brightroom._jit import njit, prange
from brightroom.errors import CorruptFileError, ParameterError
from brightroom.io.images._common import _as_rgb_float, _check_size, _pil_open
from brightroom.io.images._common import _corrupt as _corrupt_multiline
from brightroom.io.images._heif_box import (
    Container,
    Item,
    TruncatedHeifError,
    box,
    boxes,
    full_box,
    read_container,
)
from brightroom.io.images.exif import _strip_exif_header, parse_exif
from brightroom.io.images.gainmap import HDRGainMap, fits, parse_tmap_payload, tmap_payload

__all__ = ["HeifAuxiliary", "carried_auxiliary"]

# H.273 colour primaries of our RGB spaces (Adobe RGB and ProPhoto have none: 2, unspecified,
# and the ICC profile describes them)
_CICP_PRIMARIES = {"sRGB": 1, "Display P3": 12, "ITU-R BT.2020": 9}
_CICP_SRGB_TRANSFER = 13
_KR_KB = {1: (0.2126, 0.0722), 5: (0.299, 0.114), 6: (0.299, 0.114), 9: (0.2627, 0.0593)}
_WRITE_MATRIX = 6  # BT.601, as libheif writes RGB pictures

_HEIC_BITS = (8, 10, 12)
_AVIF_BITS = (8, 10)
# the smallest sides the encoders take (x265: 16, even; SVT-AV1: 4, odd ones too); smaller
# pictures are padded and cropped back by a clap property
_MIN_SIDE = {"hevc": 16, "av1": 4}
# quality -> x265 CRF, linear between knots: at each knot the HEIC's PSNR is at least the
# OpenCV (libjpeg-turbo, 4:2:0) JPEG's at the same quality on both calibration photos (the
# real iPhone HEIC after the vibrant look, and a 12 MP mosaic of scikit-image photos; 2026-12-02),
# so a HEIC is never less exact than the JPEG of the same nominal quality by PSNR. Sizes: at
# quality 92 (CRF 20) the iPhone photo is 1.27 MB at 48.3 dB against the JPEG's 1.59 MB at
# 45.2 dB, the mosaic 1.00 MB at 45.0 dB against 1.57 MB at 44.9 dB; on small detailed photos
# (scikit-image's 512 px astronaut, coffee, chelsea) at quality 90-95 the HEIC is 1.1-3.5 dB
# more exact at 0.9-1.5 times the JPEG's size, below 90 smaller and more exact. Above 95 the
# mosaic's JPEG is more exact than any 4:2:0 HEIC (47.0 dB at CRF 4 against 47.8 dB at quality
# 98): the CRF falls to 2.
_HEVC_CRF_KNOTS = ((1, 51.0), (50, 36.0), (70, 32.0), (80, 29.0), (85, 27.0), (90, 23.0),
                   (92, 20.0), (95, 13.0), (98, 4.0), (99, 2.0))


# quality -> SVT-AV1 CRF (0..63), calibrated the same way on the same two photos (AVIF decoded by
# this module; quality 92: CRF 17, the iPhone photo 0.96 MB at 46.5 dB, the mosaic 0.70 MB at
# 44.9 dB); below quality 70 both JPEGs are less exact than AVIF at CRF 42, the last measured.
_AV1_CRF_KNOTS = ((1, 63.0), (50, 42.0), (70, 36.0), (80, 30.0), (85, 26.0), (90, 20.0),
                  (92, 17.0), (95, 10.0), (98, 2.0), (100, 0.0))


def hevc_crf(quality: int) -> float:
    """x265's constant rate factor for a HEIC ``quality`` of 1..99 (100 is lossless): the
    calibrated table :data:`_HEVC_CRF_KNOTS`, interpolated linearly."""
    q, crf = zip(*_HEVC_CRF_KNOTS)
    return round(float(np.interp(quality, q, crf)), 1)


def av1_crf(quality: int) -> int:
    """SVT-AV1's constant rate factor for an AVIF ``quality`` of 1..100: the calibrated table
    :data:`_AV1_CRF_KNOTS`, interpolated linearly and rounded (SVT-AV1 takes integers)."""
    q, crf = zip(*_AV1_CRF_KNOTS)
    return int(round(float(np.interp(quality, q, crf))))


def _corrupt(path: Path, e: Exception | str) -> CorruptFileError:
    """The decoder's complaint as one line (libheif's messages span several)."""
    err = _corrupt_multiline(path, e)
    return CorruptFileError(" ".join(str(err).split()))


# ------------------------------------------------------------------------ Y'CbCr conversion

@njit(parallel=True, cache=True, nogil=True)
def _rgb_to_ycc_kernel(src, y, cb, cr, kr, kb, bits, sub, identity):  # pragma: no cover
    # src: H x W x 3 float32 display values (H, W multiples of `sub`); full-range codes
    h, w = src.shape[0], src.shape[1]
    top = np.float32(2 ** bits - 1)
    half = np.float32(2 ** (bits - 1))
    kg = np.float32(1.0) - kr - kb
    for i in prange(h):
        for j in range(w):
            r = min(max(src[i, j, 0], np.float32(0)), np.float32(1))
            g = min(max(src[i, j, 1], np.float32(0)), np.float32(1))
            b = min(max(src[i, j, 2], np.float32(0)), np.float32(1))
            v = g if identity else kr * r + kg * g + kb * b
            y[i, j] = np.rint(v * top)
    hc, wc = h // sub, w // sub
    inv = np.float32(1.0 / (sub * sub))
    for i in prange(hc):
        for j in range(wc):
            r = np.float32(0)
            g = np.float32(0)
            b = np.float32(0)
            for di in range(sub):
                for dj in range(sub):
                    r += min(max(src[i * sub + di, j * sub + dj, 0], np.float32(0)), np.float32(1))
                    g += min(max(src[i * sub + di, j * sub + dj, 1], np.float32(0)), np.float32(1))
                    b += min(max(src[i * sub + di, j * sub + dj, 2], np.float32(0)), np.float32(1))
            r *= inv
            g *= inv
            b *= inv
            if identity:
                cb[i, j] = np.rint(b * top)
                cr[i, j] = np.rint(r * top)
            else:
                yy = kr * r + kg * g + kb * b
                u = (b - yy) / (np.float32(2) * (np.float32(1) - kb))
                v = (r - yy) / (np.float32(2) * (np.float32(1) - kr))
                cb[i, j] = min(max(np.rint(u * top + half), np.float32(0)), top)
                cr[i, j] = min(max(np.rint(v * top + half), np.float32(0)), top)


@njit(parallel=True, cache=True, nogil=True)
def _ycc_to_rgb_kernel(y, cb, cr, out, kr, kb, bits, sx, sy, full, identity):  # pragma: no cover
    h, w = out.shape[0], out.shape[1]
    hc, wc = cb.shape[0], cb.shape[1]
    scale = np.float32(2 ** (bits - 8))
    if full:
        y0, ys = np.float32(0), np.float32(2 ** bits - 1)
        c0, cs = np.float32(2 ** (bits - 1)), np.float32(2 ** bits - 1)
    else:
        y0, ys = np.float32(16) * scale, np.float32(219) * scale
        c0, cs = np.float32(128) * scale, np.float32(224) * scale
    kg = np.float32(1) - kr - kb
    for i in prange(h):
        fy = (np.float32(i) + np.float32(0.5)) / np.float32(sy) - np.float32(0.5)
        fy = min(max(fy, np.float32(0)), np.float32(hc - 1))
        i0 = int(fy)
        i1 = min(i0 + 1, hc - 1)
        ay = fy - np.float32(i0)
        for j in range(w):
            fx = (np.float32(j) + np.float32(0.5)) / np.float32(sx) - np.float32(0.5)
            fx = min(max(fx, np.float32(0)), np.float32(wc - 1))
            j0 = int(fx)
            j1 = min(j0 + 1, wc - 1)
            ax = fx - np.float32(j0)
            u = ((np.float32(cb[i0, j0]) * (1 - ax) + np.float32(cb[i0, j1]) * ax) * (1 - ay)
                 + (np.float32(cb[i1, j0]) * (1 - ax) + np.float32(cb[i1, j1]) * ax) * ay)
            v = ((np.float32(cr[i0, j0]) * (1 - ax) + np.float32(cr[i0, j1]) * ax) * (1 - ay)
                 + (np.float32(cr[i1, j0]) * (1 - ax) + np.float32(cr[i1, j1]) * ax) * ay)
            yy = (np.float32(y[i, j]) - y0) / ys
            if identity:
                g = yy
                b = (u - y0) / ys
                r = (v - y0) / ys
            else:
                u = (u - c0) / cs
                v = (v - c0) / cs
                r = yy + np.float32(2) * (np.float32(1) - kr) * v
                b = yy + np.float32(2) * (np.float32(1) - kb) * u
                g = (yy - kr * r - kb * b) / kg
            out[i, j, 0] = min(max(r, np.float32(0)), np.float32(1))
            out[i, j, 1] = min(max(g, np.float32(0)), np.float32(1))
            out[i, j, 2] = min(max(b, np.float32(0)), np.float32(1))


def rgb_to_ycbcr(pix: np.ndarray, bits: int, *, sub: int = 2, matrix: int = _WRITE_MATRIX
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Display RGB (``H x W x 3`` float32, sides multiples of ``sub``) to full-range Y'CbCr
    planes of ``bits``-bit codes (uint16; chroma averaged over ``sub x sub``). Matrix 0 is the
    identity (``Y = G, Cb = B, Cr = R``, H.273 Table 4)."""
    src = np.ascontiguousarray(pix, dtype=np.float32)
    h, w = src.shape[:2]
    y = np.empty((h, w), np.uint16)
    cb = np.empty((h // sub, w // sub), np.uint16)
    cr = np.empty_like(cb)
    kr, kb = _KR_KB.get(matrix, _KR_KB[6])
    _rgb_to_ycc_kernel(src, y, cb, cr, np.float32(kr), np.float32(kb), bits, sub, matrix == 0)
    return y, cb, cr


def ycbcr_to_rgb(y: np.ndarray, cb: np.ndarray, cr: np.ndarray, bits: int, *, matrix: int = 6,
                 full_range: bool = True) -> np.ndarray:
    """Inverse of :func:`rgb_to_ycbcr` for any chroma subsampling (bilinear, centred chroma),
    full or limited range; float32 ``H x W x 3`` in [0, 1]."""
    h, w = y.shape
    out = np.empty((h, w, 3), np.float32)
    sx = max(1, round(w / cb.shape[1]))
    sy = max(1, round(h / cb.shape[0]))
    kr, kb = _KR_KB.get(matrix, _KR_KB[6])
    _ycc_to_rgb_kernel(y, cb, cr, out, np.float32(kr), np.float32(kb), bits, sx, sy, full_range,
                       matrix == 0)
    return out


# ------------------------------------------------------------------------ encoding a still

@dataclass(frozen=True)
class _Coded:
    item_type: bytes  # b"hvc1" / b"av01"
    config: bytes  # the hvcC / av1C box
    data: bytes  # the item payload (length-prefixed NAL units / OBUs)


def _quiet_svt() -> None:
    os.environ.setdefault("SVT_LOG", "1")  # SVT-AV1 prints its banner to stderr otherwise


def _encode_still(codec: str, planes: tuple[np.ndarray, ...], bits: int, chroma: str,
                  options: dict[str, str]) -> _Coded:
    """One frame through PyAV: HEVC as an Annex B stream (its parameter sets become the
    ``hvcC``, its other NAL units the length-prefixed payload), AV1 through an in-memory MP4
    (its sample entry's ``av1C`` and its sample)."""
    import av  # lazy: PyAV loads FFmpeg (0.2 s), needed only for HEIC/AVIF

    h, w = planes[0].shape
    fmt = {"420": "yuv420p", "444": "yuv444p", "400": "gray"}[chroma] + (
        "" if bits == 8 else f"{bits}le")
    frame = av.VideoFrame(w, h, fmt)
    for plane, a in zip(frame.planes, planes):
        dt = np.dtype(np.uint8) if bits == 8 else np.dtype("<u2")
        buf = np.frombuffer(plane, dt).reshape(-1, plane.line_size // dt.itemsize)
        buf[: a.shape[0], : a.shape[1]] = a
    out = io.BytesIO()
    hevc = codec == "libx265"
    try:
        with av.open(out, "w", format="hevc" if hevc else "mp4") as mux:
            st = mux.add_stream(codec, rate=1)
            st.width, st.height, st.pix_fmt = w, h, fmt
            st.options = options
            for pkt in list(st.encode(frame)) + list(st.encode(None)):
                mux.mux(pkt)
    except (av.FFmpegError, ValueError) as e:
        raise ParameterError(f"the {codec} encoder refused a {w}x{h} {bits}-bit {chroma} picture "
                             f"({e})") from None
    return _still_from_annexb(out.getvalue()) if hevc else _still_from_mp4(out.getvalue(), codec)


def _nal_units(stream: bytes) -> list[bytes]:
    """The NAL units of an Annex B byte stream (start codes removed)."""
    starts = []
    i = stream.find(b"\0\0\1")
    while i >= 0:
        starts.append(i + 3)
        i = stream.find(b"\0\0\1", i + 3)
    nals = []
    for k, s0 in enumerate(starts):
        end = starts[k + 1] - 3 if k + 1 < len(starts) else len(stream)
        nal = stream[s0:end]
        if k + 1 < len(starts) and nal.endswith(b"\0"):
            nal = nal[:-1]  # the zero byte of a 4-byte start code
        if nal:
            nals.append(nal)
    return nals


def _rbsp(nal: bytes) -> bytes:
    """A NAL unit's payload without its emulation-prevention bytes (00 00 03 -> 00 00)."""
    out = bytearray()
    zeros = 0
    for b in nal:
        if zeros >= 2 and b == 3:
            zeros = 0
            continue
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    return bytes(out)


class _Bits:
    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data, self.pos = data, pos * 8

    def u(self, n: int) -> int:
        v = 0
        for _ in range(n):
            byte = self.data[self.pos >> 3] if (self.pos >> 3) < len(self.data) else 0
            v = (v << 1) | ((byte >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return v

    def ue(self) -> int:
        zeros = 0
        while self.u(1) == 0 and zeros < 32:
            zeros += 1
        return (1 << zeros) - 1 + self.u(zeros)


def _hvcc(vps: bytes, sps: bytes, pps: bytes) -> bytes:
    """The ``hvcC`` box (ISO/IEC 14496-15, 8.3.3.1) of one VPS, SPS and PPS."""
    r = _rbsp(sps)
    if len(r) < 15 or (r[2] >> 1) & 7:
        raise CorruptFileError("x265 wrote an SPS with sub-layers, which this writer does not "
                               "describe")
    ptl = r[3:15]  # general profile_tier_level: 12 bytes, byte-aligned after the first byte
    bits = _Bits(r, 15)
    bits.ue()  # sps_seq_parameter_set_id
    chroma_format = bits.ue()
    if chroma_format == 3:
        bits.u(1)
    bits.ue()
    bits.ue()  # width, height
    if bits.u(1):  # conformance window
        for _ in range(4):
            bits.ue()
    depth_luma, depth_chroma = bits.ue(), bits.ue()
    body = bytes([1]) + ptl + struct.pack(">HBBBBHB", 0xF000, 0xFC, 0xFC | chroma_format,
                                          0xF8 | depth_luma, 0xF8 | depth_chroma, 0,
                                          (1 << 3) | (1 << 2) | 3)
    arrays = b""
    for typ, nal in ((32, vps), (33, sps), (34, pps)):
        arrays += bytes([0x80 | typ]) + struct.pack(">HH", 1, len(nal)) + nal
    return box(b"hvcC", body + bytes([3]) + arrays)


def _still_from_annexb(stream: bytes) -> _Coded:
    params: dict[int, bytes] = {}
    payload = []
    for nal in _nal_units(stream):
        typ = (nal[0] >> 1) & 0x3F
        if typ in (32, 33, 34):
            params.setdefault(typ, nal)
        elif typ != 35:  # access unit delimiters are not stored
            payload.append(struct.pack(">I", len(nal)) + nal)
    if set(params) != {32, 33, 34} or not payload:
        raise CorruptFileError("x265 output lacks its parameter sets or its picture")
    return _Coded(b"hvc1", _hvcc(params[32], params[33], params[34]), b"".join(payload))


def _still_from_mp4(mp4: bytes, codec: str) -> _Coded:
    def child(data: bytes, start: int, end: int, name: bytes) -> tuple[int, int, int]:
        for typ, s, b, e in boxes(data, start, end, f"{codec} output"):
            if typ == name:
                return s, b, e
        raise CorruptFileError(f"{codec} encoder output has no {name.decode()} box")

    _, b, e = child(mp4, 0, len(mp4), b"moov")
    for name in (b"trak", b"mdia", b"minf", b"stbl"):
        _, b, e = child(mp4, b, e, name)
    stbl = (b, e)
    _, b, e = child(mp4, *stbl, b"stsd")
    entry = next(iter(boxes(mp4, b + 8, e, "stsd")))
    typ, _, eb, ee = entry
    cfg_name = {b"hvc1": b"hvcC", b"hev1": b"hvcC", b"av01": b"av1C"}.get(typ)
    if cfg_name is None:
        raise CorruptFileError(f"{codec} encoder output has sample entry {typ!r}")
    s, _, e2 = child(mp4, eb + 78, ee, cfg_name)
    config = mp4[s:e2]
    _, b, e = child(mp4, *stbl, b"stsz")
    size = struct.unpack_from(">I", mp4, b + 4)[0] or struct.unpack_from(">I", mp4, b + 12)[0]
    try:
        _, b, e = child(mp4, *stbl, b"stco")
        offset = struct.unpack_from(">I", mp4, b + 8)[0]
    except CorruptFileError:
        _, b, e = child(mp4, *stbl, b"co64")
        offset = struct.unpack_from(">Q", mp4, b + 8)[0]
    data = mp4[offset: offset + size]
    return _Coded(b"av01" if cfg_name == b"av1C" else b"hvc1", config, data)


def _encode_picture(pix: np.ndarray, family: str, bits: int, quality: int) -> tuple[_Coded, int, str]:
    """``pix`` (padded to even sides) coded by x265 (``family="hevc"``) or SVT-AV1 (``"av1"``);
    also the matrix and chroma used."""
    lossless = family == "hevc" and quality == 100
    matrix, chroma = (0, "444") if lossless else (_WRITE_MATRIX, "420")
    h, w = pix.shape[:2]
    even = pix if not (h % 2 or w % 2) else np.pad(pix, ((0, h % 2), (0, w % 2), (0, 0)),
                                                    mode="edge")
    planes = rgb_to_ycbcr(even, bits, sub=1 if chroma == "444" else 2, matrix=matrix)
    if planes[0].shape != (h, w):  # AV1 codes odd sides: the chroma of the padded picture
        planes = (np.ascontiguousarray(planes[0][:h, :w]),) + planes[1:]
    if bits == 8:
        planes = tuple(p.astype(np.uint8) for p in planes)
    if family == "hevc":
        params = ["log-level=error", "info=0", "range=full", "rd=1",
                  "colormatrix=" + ("gbr" if matrix == 0 else "bt470bg")]
        opts = {"preset": "ultrafast"}
        if lossless:
            params.append("lossless=1")
        else:
            opts["crf"] = f"{hevc_crf(quality):g}"
        opts["x265-params"] = ":".join(params)
        return _encode_still("libx265", planes, bits, chroma, opts), matrix, chroma
    _quiet_svt()
    opts = {"preset": "10", "crf": str(av1_crf(quality)),
            "svtav1-params": "color-range=1:matrix-coefficients=6"}
    return _encode_still("libsvtav1", planes, bits, chroma, opts), matrix, chroma


# ------------------------------------------------------------------------ properties

def _ispe(w: int, h: int) -> bytes:
    return full_box(b"ispe", 0, 0, struct.pack(">II", w, h))


def _pixi(bits: int, channels: int = 3) -> bytes:
    return full_box(b"pixi", 0, 0, bytes([channels] + [bits] * channels))


def _nclx(primaries: int, matrix: int) -> bytes:
    return box(b"colr", b"nclx" + struct.pack(">HHHB", primaries, _CICP_SRGB_TRANSFER, matrix,
                                                0x80))


def _clap(w: int, h: int, full_w: int, full_h: int) -> bytes:
    """Crop the top-left ``w x h`` of a ``full_w x full_h`` picture (offsets from the centre)."""
    return box(b"clap", struct.pack(">IIIIiIiI", w, 1, h, 1, w - full_w, 2, h - full_h, 2))


# EXIF orientation -> (irot: anticlockwise quarter turns, imir axis: 0 = top-bottom flip,
# 1 = left-right flip, as libheif and libavif apply them), applied in that order
# (ISO/IEC 23008-12 6.5.10 / 6.5.12)
_ORIENT_TO_HEIF = {1: (0, None), 2: (0, 1), 3: (2, None), 4: (0, 0), 5: (3, 1), 6: (3, None),
                   7: (1, 1), 8: (1, None)}
_HEIF_TO_ORIENT = {v: k for k, v in _ORIENT_TO_HEIF.items()}


def _orientation_props(o: int) -> list[tuple[bytes, bool]]:
    rot, mir = _ORIENT_TO_HEIF.get(o, (0, None))
    out = []
    if rot:
        out.append((box(b"irot", bytes([rot])), True))
    if mir is not None:
        out.append((box(b"imir", bytes([mir])), True))
    return out


def _transform_ops(item: Item) -> list[tuple[str, int]]:
    """The item's ``irot`` / ``imir`` as ``("rot", quarter turns anticlockwise)`` /
    ``("mir", axis)`` in property order (the order they apply in)."""
    ops = []
    for prop, _ in item.props:
        if prop[4:8] == b"irot" and len(prop) > 8:
            ops.append(("rot", prop[8] & 3))
        elif prop[4:8] == b"imir" and len(prop) > 8:
            ops.append(("mir", prop[8] & 1))
    return ops


def _apply_ops(a: np.ndarray, ops: list[tuple[str, int]]) -> np.ndarray:
    for op, v in ops:
        if op == "rot":
            a = np.rot90(a, v)
        else:  # axis 0: top-bottom flip; 1: left-right flip (libheif, libavif)
            a = a[::-1] if v == 0 else a[:, ::-1]
    return a


def exif_orient(a: np.ndarray, o: int) -> np.ndarray:
    """``a`` (rows, columns first) displayed as EXIF orientation ``o`` says (Exif 2.3, 4.6.4
    Orientation: 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 clockwise, 7
    transverse, 8 rotate 90 anticlockwise)."""
    return {1: lambda x: x, 2: lambda x: x[:, ::-1], 3: lambda x: np.rot90(x, 2),
            4: lambda x: x[::-1], 5: lambda x: np.swapaxes(x, 0, 1),
            6: lambda x: np.rot90(x, -1), 7: lambda x: np.swapaxes(np.rot90(x, 2), 0, 1),
            8: lambda x: np.rot90(x, 1)}[o](a)


def _applied_orientation(item: Item) -> int:
    """The EXIF orientation equal to the item's ``irot`` / ``imir`` transformations."""
    ops = _transform_ops(item)
    if not ops:
        return 1
    probe = np.arange(6).reshape(2, 3)
    got = _apply_ops(probe, ops)
    for o in range(1, 9):
        ref = exif_orient(probe, o)
        if ref.shape == got.shape and np.array_equal(ref, got):
            return o
    return 1


# ------------------------------------------------------------------------ auxiliary images

_DEPTH_TYPES = ("urn:mpeg:hevc:2015:auxid:2", "urn:mpeg:mpegB:cicp:systems:auxiliary:depth",
                "urn:com:apple:photo:2018:aux:portraiteffectsmatte")
_GAIN_MAP_TYPES = ("urn:com:apple:photo:2020:aux:hdrgainmap",)
_ALPHA_TYPES = ("urn:mpeg:hevc:2015:auxid:1", "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha")


@dataclass(frozen=True, eq=False)
class HeifAuxiliary:
    """An auxiliary image of a HEIC/AVIF photo (depth, disparity, matte, HDR gain map) as its
    file stores it: the coded item with its properties and the metadata items describing it
    (an XMP packet), so that it can be written again without re-encoding.

    Attributes
    ----------
    aux_type
        The ``auxC`` type URN (``urn:com:apple:photo:2020:aux:hdrgainmap``,
        ``urn:mpeg:hevc:2015:auxid:2`` for depth, ...).
    kind
        ``"depth"``, ``"gain_map"`` or ``"other"``.
    item
        The coded image item (``hvc1`` / ``av01``).
    metadata
        Items that describe it (``cdsc`` references to it).
    source_size
        ``(width, height)`` of the picture it belongs to, as decoded (upright).
    """

    aux_type: str
    kind: str
    item: Item
    metadata: tuple[Item, ...]
    source_size: tuple[int, int]


def _aux_type(item: Item) -> str:
    p = item.prop(b"auxC")
    if p is None or len(p) < 13:
        return ""
    end = p.find(b"\0", 12)
    return p[12: end if end >= 0 else len(p)].decode("utf-8", "replace")


def _auxiliary_of(c: Container, size: tuple[int, int]) -> tuple[HeifAuxiliary, ...]:
    out = []
    for it in c.referring(b"auxl", c.primary):
        if it.type not in (b"hvc1", b"av01"):
            continue  # grid-coded auxiliary images are not carried
        t = _aux_type(it)
        if not t or t in _ALPHA_TYPES or "alpha" in t:
            continue  # alpha is dropped with the pixels' (Brightroom reads RGB), not carried
        kind = ("depth" if t in _DEPTH_TYPES else "gain_map" if t in _GAIN_MAP_TYPES
                else "other")
        meta = tuple(m for m in c.referring(b"cdsc", it.id) if m.type in (b"mime", b"Exif"))
        out.append(HeifAuxiliary(t, kind, it, meta, size))
    return tuple(out)


def carried_auxiliary(image_meta: dict[str, Any], size: tuple[int, int], item_type: bytes
                      ) -> tuple[HeifAuxiliary, ...]:
    """The auxiliary images of the source photo that a new file of ``size`` (width, height)
    coded as ``item_type`` can carry: those of a source of the same size and codec."""
    aux = image_meta.get("heif_auxiliary") or ()
    return tuple(a for a in aux if isinstance(a, HeifAuxiliary) and a.source_size == size
                 and a.item.type == item_type)


# ------------------------------------------------------------------------ writing

def _exif_item_data(exif: bytes) -> bytes:
    return struct.pack(">I", 6) + b"Exif\0\0" + exif  # offset to the TIFF header, then Exif


def _write_heif(tmp: Path, pix: np.ndarray, *, family: str, quality: int, bits: int, exif: bytes,
                icc: bytes | None, primaries: str, xmp: bytes | None = None,
                carry: tuple[HeifAuxiliary, ...] = (), gain_map: HDRGainMap | None = None
                ) -> None:
    """Encode display values ``pix`` as a HEIC (``family="hevc"``) or AVIF (``"av1"``) file,
    with an ISO 21496-1 gain map when ``gain_map`` is given (and fits the picture)."""
    allowed = _HEIC_BITS if family == "hevc" else _AVIF_BITS
    if bits not in allowed:
        raise ParameterError(f"{tmp.name}: {bits}-bit {'HEIC' if family == 'hevc' else 'AVIF'} "
                             f"is not available; use one of {allowed}")
    h, w = pix.shape[:2]
    m = _MIN_SIDE[family]
    if family == "hevc":  # x265 codes even sides of 16 or more; the rest is cropped (clap)
        ph, pw = max(h + h % 2, m), max(w + w % 2, m)
    else:
        ph, pw = max(h, m), max(w, m)
    src = pix if (ph, pw) == (h, w) else np.pad(pix, ((0, ph - h), (0, pw - w), (0, 0)),
                                                mode="edge")
    coded, matrix, _ = _encode_picture(src, family, bits, quality)
    props: list[tuple[bytes, bool]] = [(coded.config, True), (_ispe(pw, ph), False),
                                       (_pixi(bits), False),
                                       (_nclx(_CICP_PRIMARIES.get(primaries, 2), matrix), False)]
    if icc:
        props.append((box(b"colr", b"prof" + icc), False))
    if (ph, pw) != (h, w):
        props.append((_clap(w, h, pw, ph), True))
    orientation = int(parse_exif(exif).get("orientation", 1)) if exif else 1
    props += _orientation_props(orientation)
    c = Container()
    if family == "hevc":
        high = bits > 8 or matrix == 0
        c.major_brand = b"heix" if high else b"heic"
        c.compatible = (b"mif1", c.major_brand, b"miaf")
    else:
        c.major_brand = b"avif"
        c.compatible = (b"avif", b"mif1", b"miaf", b"MA1B")
    c.items[1] = Item(1, coded.item_type, coded.data, props)
    c.primary = 1
    if exif:
        c.items[2] = Item(2, b"Exif", _exif_item_data(exif), refs={b"cdsc": [1]})
    if xmp:
        i = c.next_id()
        c.items[i] = Item(i, b"mime", bytes(xmp), refs={b"cdsc": [1]},
                          content_type="application/rdf+xml")
    # the source's auxiliary images are stored upright-relative to their picture: our picture
    # is stored unrotated with the EXIF orientation as irot/imir, so they keep their own
    for aux in carry:
        i = c.next_id()
        c.items[i] = Item(i, aux.item.type, aux.item.data, list(aux.item.props),
                          refs={b"auxl": [1]}, name=aux.item.name, hidden=True)
        for md in aux.metadata:
            j = c.next_id()
            c.items[j] = Item(j, md.type, md.data, refs={b"cdsc": [i]}, name=md.name,
                              content_type=md.content_type)
    if gain_map is not None and fits(gain_map, h, w):
        _add_gain_map(c, gain_map, family, (pw, ph))
    tmp.write_bytes(c.to_bytes())


def _encode_gain_plane(gm: HDRGainMap, family: str) -> tuple[_Coded, int]:
    """The gain map as an 8-bit picture: monochrome HEVC, or AV1 4:2:0 with neutral chroma
    (SVT-AV1 codes no 4:0:0); also its channel count."""
    g = np.rint(gm.gain * 255).astype(np.uint8)
    h, w = g.shape
    if family == "hevc":
        g = np.pad(g, ((0, max(h + h % 2, 16) - h), (0, max(w + w % 2, 16) - w)), mode="edge")
        opts = {"preset": "ultrafast", "crf": "8",
                "x265-params": "log-level=error:info=0:range=full:rd=1"}
        return _encode_still("libx265", (g,), 8, "400", opts), 1
    _quiet_svt()
    g = np.pad(g, ((0, max(h, 4) - h), (0, max(w, 4) - w)), mode="edge")
    hc, wc = (g.shape[0] + 1) // 2, (g.shape[1] + 1) // 2
    grey = np.full((hc, wc), 128, np.uint8)
    opts = {"preset": "10", "crf": "8", "svtav1-params": "color-range=1"}
    return _encode_still("libsvtav1", (g, grey, grey), 8, "420", opts), 3


def _add_gain_map(c: Container, gm: HDRGainMap, family: str, size: tuple[int, int]) -> None:
    """The gain map item, the ``tmap`` item deriving the HDR rendition from the picture and
    the map, and the ``altr`` group that lets readers choose it (libavif's layout)."""
    coded, channels = _encode_gain_plane(gm, family)
    gh, gw = gm.gain.shape
    props = [(coded.config, True), (_ispe(*_coded_size(coded, gw, gh)), False),
             (_pixi(8, channels), False), (_nclx(2, 0 if channels == 1 else 6), False)]
    if _coded_size(coded, gw, gh) != (gw, gh):
        props.append((_clap(gw, gh, *_coded_size(coded, gw, gh)), True))
    g = c.next_id()
    c.items[g] = Item(g, coded.item_type, coded.data, props, name="GMap", hidden=True)
    t = c.next_id()
    c.items[t] = Item(t, b"tmap", tmap_payload(gm), [(_ispe(*size), False)],
                      refs={b"dimg": [c.primary, g]}, name="TMap")
    group_id = t + 1000
    c.groups.append(full_box(b"altr", 0, 0, struct.pack(">III", group_id, 2, t)
                             + struct.pack(">I", c.primary)))
    c.compatible = tuple(c.compatible) + (b"tmap",)


def _coded_size(coded: _Coded, w: int, h: int) -> tuple[int, int]:
    """The size a gain-map plane was coded at (padded as :func:`_encode_gain_plane` pads)."""
    if coded.item_type == b"hvc1":
        return max(w + w % 2, 16), max(h + h % 2, 16)
    return max(w, 4), max(h, 4)


def _write_heic(tmp: Path, pix: np.ndarray, quality: int, exif: bytes, icc: bytes | None, *,
                bits: int = 8, primaries: str = "sRGB", xmp: bytes | None = None,
                carry: tuple[HeifAuxiliary, ...] = (), gain_map: HDRGainMap | None = None
                ) -> None:
    """Encode display values ``pix`` as a HEIC file ``tmp`` (x265, 8/10/12-bit)."""
    _write_heif(tmp, pix, family="hevc", quality=quality, bits=bits, exif=exif, icc=icc,
                primaries=primaries, xmp=xmp, carry=carry, gain_map=gain_map)


def _write_avif(tmp: Path, pix: np.ndarray, quality: int, exif: bytes, icc: bytes | None, *,
                bits: int = 8, primaries: str = "sRGB", xmp: bytes | None = None,
                carry: tuple[HeifAuxiliary, ...] = (), gain_map: HDRGainMap | None = None
                ) -> None:
    """Encode display values ``pix`` as an AVIF file ``tmp`` (SVT-AV1, 8/10-bit)."""
    _write_heif(tmp, pix, family="av1", quality=quality, bits=bits, exif=exif, icc=icc,
                primaries=primaries, xmp=xmp, carry=carry, gain_map=gain_map)


# ------------------------------------------------------------------------ reading

def _container_extras(data: bytes, path: Path, size: tuple[int, int]) -> dict[str, Any]:
    """XMP, the applied orientation and the auxiliary images from the container (a container
    our parser refuses but the decoder read gives none of them, not an error)."""
    try:
        c = read_container(data, path)
    except TruncatedHeifError:
        raise  # libheif may decode the part that is there: a cut file is refused
    except CorruptFileError:
        return {}
    prim = c.items.get(c.primary)
    if prim is None:
        return {}
    out: dict[str, Any] = {"container": c}
    xmps = [m.data for m in c.referring(b"cdsc", c.primary) if m.type == b"mime"
            and m.content_type.startswith("application/rdf+xml")]
    if xmps:
        out["xmp"] = xmps[0]
    out["orientation_container"] = _applied_orientation(prim)
    aux = _auxiliary_of(c, size)
    if aux:
        out["heif_auxiliary"] = aux
    gm = _gain_map_of(c, path)
    if gm is not None:
        out["hdr_gain_map"] = gm
    return out


def _gain_map_of(c: Container, path: Path) -> HDRGainMap | None:
    """The ISO 21496-1 gain map of the primary picture (a ``tmap`` item deriving from it), or
    None. A map that cannot be decoded is left out (the picture is still the photo)."""
    for t in c.items.values():
        dimg = t.refs.get(b"dimg", [])
        if t.type != b"tmap" or len(dimg) != 2 or dimg[0] != c.primary:
            continue
        gm_item = c.items.get(dimg[1])
        if gm_item is None or gm_item.type not in (b"hvc1", b"av01"):
            return None
        try:
            plane = _decode_plane(gm_item, path)
            return parse_tmap_payload(t.data, _apply_transforms(plane, gm_item))
        except CorruptFileError:
            return None
    return None


def _decode_plane(item: Item, path: Path) -> np.ndarray:
    """The first (luma) plane of a coded item, float32 in [0, 1] (FFmpeg's HEVC decoder or
    dav1d through PyAV)."""
    import av  # lazy: PyAV loads FFmpeg, needed only for gain maps

    if item.type == b"hvc1":
        cfg = item.prop(b"hvcC")
        if cfg is None or len(cfg) < 31:
            raise CorruptFileError(f"{path}: gain map item has no hvcC")
        stream = _annexb_from_hvcc(cfg[8:], item.data, path)
        codec = "hevc"
    else:
        stream, codec = item.data, "libdav1d"
    try:
        ctx = av.CodecContext.create(codec, "r")
        frames = list(ctx.decode(av.Packet(stream))) + list(ctx.decode(None))
    except (av.FFmpegError, ValueError) as e:
        raise _corrupt(path, e) from None
    if not frames:
        raise CorruptFileError(f"{path}: the gain map did not decode")
    f = frames[0]
    bits = 12 if "12" in f.format.name else 10 if "10" in f.format.name else 8
    dt = np.dtype(np.uint8) if bits == 8 else np.dtype("<u2")
    p = f.planes[0]
    a = np.frombuffer(p, dt).reshape(-1, p.line_size // dt.itemsize)[: p.height, : p.width]
    return (a.astype(np.float32) / (2 ** bits - 1)).astype(np.float32)


def _annexb_from_hvcc(cfg: bytes, data: bytes, path: Path) -> bytes:
    """An Annex B stream of an ``hvcC`` body's parameter sets and length-prefixed NAL units."""
    try:
        n_len = (cfg[21] & 3) + 1
        out = bytearray()
        pos = 23
        for _ in range(cfg[22]):
            count = struct.unpack_from(">H", cfg, pos + 1)[0]
            pos += 3
            for _ in range(count):
                ln = struct.unpack_from(">H", cfg, pos)[0]
                out += b"\0\0\0\1" + cfg[pos + 2: pos + 2 + ln]
                pos += 2 + ln
        i = 0
        while i + n_len <= len(data):
            ln = int.from_bytes(data[i: i + n_len], "big")
            out += b"\0\0\0\1" + data[i + n_len: i + n_len + ln]
            i += n_len + ln
    except (IndexError, struct.error):
        raise CorruptFileError(f"{path}: malformed hvcC in a gain map item") from None
    return bytes(out)


def _decode_heif(data: bytes, path: Path, fmt: str) -> tuple[np.ndarray, int, dict[str, Any]]:
    if fmt == "HEIC":
        import pillow_heif

        try:
            heif = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=False)
            size = heif.size
        except Exception as e:  # noqa: BLE001
            raise _corrupt(path, e) from None
        _check_size(path, size[0], size[1], 3, 2, len(data))
        extras = _container_extras(data, path, size)  # refuses a cut file before decoding
        try:
            arr = np.asarray(heif)
        except Exception as e:  # noqa: BLE001
            raise _corrupt(path, e) from None
        info = dict(heif.info)
        exif = _strip_exif_header(info.get("exif"))
        fields = parse_exif(exif)
        # libheif has applied the container's rotation/mirroring (irot/imir, which writers
        # derive from the EXIF orientation): the pixels are upright now
        applied = extras.get("orientation_container", fields.get("orientation", 1))
        fields["orientation"] = 1
        out = {"icc": info.get("icc_profile") or None, "exif": exif, "fields": fields,
               "orientation_applied": applied if applied != 1 else None,
               "xmp": info.get("xmp") or extras.get("xmp")}
        for key in ("heif_auxiliary", "hdr_gain_map"):
            if key in extras:
                out[key] = extras[key]
        depth = int(info.get("bit_depth", 8))
        if arr.dtype == np.uint16 and 8 < depth < 16:
            # pillow-heif shifts 10/12-bit codes to the top of 16 bits (v << 6, v << 4): shift
            # back and scale by the code range, so that code 1023 is 1.0 exactly
            codes = np.right_shift(arr, 16 - depth)
            pix = np.empty(codes.shape[:2] + (3,), np.float32)
            np.multiply(codes[..., :3] if codes.ndim == 3 else codes[..., None],
                        np.float32(1 / (2 ** depth - 1)), out=pix, casting="unsafe")
            return pix, depth, out
        pix, bits = _as_rgb_float(arr, path)
        return pix, int(info.get("bit_depth", bits)), out
    extras = _container_extras(data, path, (0, 0))
    c = extras.get("container")
    prim = c.items.get(c.primary) if c is not None else None
    if prim is not None and prim.type == b"av01" and _av1_bits(prim) > 8:
        ispe = prim.prop(b"ispe")
        if ispe is not None and len(ispe) >= 20:
            _check_size(path, *struct.unpack_from(">II", ispe, 12), 3, 2, len(data))
        pix, bits, info = _decode_av1_item(c, prim, path)
    else:
        im = _pil_open(io.BytesIO(data), path)
        _check_size(path, im.size[0], im.size[1], 3, 1, len(data))
        try:
            im.load()
        except Exception as e:  # noqa: BLE001
            raise _corrupt(path, e) from None
        arr = np.asarray(im.convert("RGB"))
        pix, bits = _as_rgb_float(arr, path)
        info = {"icc": im.info.get("icc_profile") or None, "exif": im.info.get("exif")}
    if extras.get("xmp"):
        info["xmp"] = extras["xmp"]
    if extras.get("hdr_gain_map") is not None:
        info["hdr_gain_map"] = extras["hdr_gain_map"]
    if c is not None:
        aux = _auxiliary_of(c, (pix.shape[1], pix.shape[0]))
        if aux:
            info["heif_auxiliary"] = aux
    return pix, bits, info


def _av1_bits(item: Item) -> int:
    p = item.prop(b"pixi")
    if p is not None and len(p) > 13:
        return int(p[13])
    cfg = item.prop(b"av1C")
    if cfg is not None and len(cfg) > 10:
        high, twelve = (cfg[10] >> 6) & 1, (cfg[10] >> 5) & 1
        return 12 if twelve else 10 if high else 8
    return 8


def _decode_av1_item(c: Container, item: Item, path: Path) -> tuple[np.ndarray, int, dict]:
    """A high-bit-depth AV1 item: dav1d through PyAV, then Y'CbCr to RGB by its nclx."""
    import av  # lazy: PyAV loads FFmpeg, needed only for high-bit-depth AVIF

    try:
        ctx = av.CodecContext.create("libdav1d", "r")
        frames = list(ctx.decode(av.Packet(item.data))) + list(ctx.decode(None))
    except av.FFmpegError as e:
        raise _corrupt(path, e) from None
    if not frames:
        raise _corrupt(path, "the AV1 decoder returned no picture")
    f = frames[0]
    name = f.format.name
    bits = 12 if "12" in name else 10 if "10" in name else 8
    dt = np.dtype(np.uint8) if bits == 8 else np.dtype("<u2")
    planes = []
    for p in f.planes[:3]:
        a = np.frombuffer(p, dt).reshape(-1, p.line_size // dt.itemsize)[: p.height, : p.width]
        planes.append(np.ascontiguousarray(a, dtype=np.uint16))
    matrix, full = 6, True
    icc = None
    for prop, _ in item.props:
        if prop[4:8] == b"colr" and prop[8:12] == b"nclx" and len(prop) >= 19:
            matrix = struct.unpack_from(">H", prop, 16)[0]
            full = bool(prop[18] >> 7)
        elif prop[4:8] == b"colr" and prop[8:12] in (b"prof", b"rICC"):
            icc = bytes(prop[12:])
    if len(planes) == 1:  # monochrome
        planes += [np.full((1, 1), 1 << (bits - 1), np.uint16)] * 2
    pix = ycbcr_to_rgb(*planes, bits, matrix=matrix, full_range=full)
    pix = _apply_transforms(pix, item)
    exif = None
    for m in c.referring(b"cdsc", c.primary):
        if m.type == b"Exif" and len(m.data) >= 4:
            off = struct.unpack_from(">I", m.data, 0)[0]
            exif = _strip_exif_header(m.data[4 + off:]) if 4 + off < len(m.data) else None
    fields = parse_exif(exif)
    applied = _applied_orientation(item)
    fields["orientation"] = 1
    return pix, bits, {"icc": icc, "exif": exif, "fields": fields,
                       "orientation_applied": applied if applied != 1 else None}


def _apply_transforms(pix: np.ndarray, item: Item) -> np.ndarray:
    """clap, then irot and imir of an item (in the order its properties list them)."""
    prop = item.prop(b"clap")
    if prop is not None and len(prop) >= 40:
        wn, wd, hn, hd, xn, xd, yn, yd = struct.unpack_from(">IIIIiIiI", prop, 8)
        if wd and hd and xd and yd:
            h, w = pix.shape[:2]
            cw, ch = round(wn / wd), round(hn / hd)
            x0, y0 = round(xn / xd + (w - cw) / 2), round(yn / yd + (h - ch) / 2)
            if 0 <= x0 and 0 <= y0 and x0 + cw <= w and y0 + ch <= h and cw > 0 and ch > 0:
                pix = pix[y0: y0 + ch, x0: x0 + cw]
    return np.ascontiguousarray(_apply_ops(pix, _transform_ops(item)))


def _heic_metadata(path: Path) -> tuple[int, int, bytes | None, bytes | None, dict[str, Any]]:
    """Width, height, ICC, EXIF and its fields without decoding; the orientation is the rotation
    stored in the container."""
    import pillow_heif

    try:
        heif = pillow_heif.open_heif(path)
    except Exception as e:  # noqa: BLE001
        raise _corrupt(path, e) from None
    exif = _strip_exif_header(heif.info.get("exif"))
    fields = parse_exif(exif)
    if heif.info.get("original_orientation"):
        fields["orientation"] = int(heif.info["original_orientation"])
    return heif.size[0], heif.size[1], heif.info.get("icc_profile"), exif, fields
