"""The GIF89a container, written here: header, colour tables, loop count, per-frame delay,
disposal and transparency, image rectangles.

Pillow's writer is not used for GIF: it quantises and optimises frames its own way (merging,
re-palettising and cropping after our decisions) and its timing and disposal handling has a
history of bugs (Pillow issues 4313, 6794, 7015, 8102). The container is small and fully
specified, so it is written directly; the LZW is :mod:`brightroom.animate.lzw`.

References
----------
CompuServe (1990). Graphics Interchange Format, Version 89a: sections 17-23 (header, logical
screen, colour tables, image descriptor), 23 (graphic control extension: disposal method,
transparent colour index, delay in 1/100 s).
Netscape Navigator 2.0 application extension (``NETSCAPE2.0``): the loop count, 0 = forever.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from brightroom.animate.lzw import lzw_encode, min_code_size, sub_blocks

__all__ = ["GifFrame", "gif_bytes", "frame_bytes", "DISPOSE_NONE", "DISPOSE_KEEP",
           "DISPOSE_BACKGROUND"]

DISPOSE_NONE, DISPOSE_KEEP, DISPOSE_BACKGROUND = 0, 1, 2


@dataclass(frozen=True)
class GifFrame:
    """One encoded GIF image: its rectangle, colour table, delay and LZW data.

    Attributes
    ----------
    x, y, width, height
        The image rectangle on the logical screen.
    palette
        ``N x 3`` uint8 local colour table (N a power of two, 2 to 256).
    delay_cs
        Delay after this frame in 1/100 s.
    transparent
        The transparent index, or -1.
    disposal
        What the decoder does with this image before the next one (``DISPOSE_KEEP``: leave it).
    data
        The LZW code stream (without sub-block framing).
    mcs
        LZW minimum code size.
    """

    x: int
    y: int
    width: int
    height: int
    palette: np.ndarray
    delay_cs: int
    transparent: int
    disposal: int
    data: bytes
    mcs: int


def _table_bits(n: int) -> int:
    return max(1, int(n - 1).bit_length())


def frame_bytes(f: GifFrame) -> bytes:
    """The graphic control extension, image descriptor, local colour table and data of ``f``."""
    packed = (f.disposal & 7) << 2 | (1 if f.transparent >= 0 else 0)
    gce = struct.pack("<BBBBHBB", 0x21, 0xF9, 4, packed, int(f.delay_cs),
                      max(f.transparent, 0), 0)
    bits = _table_bits(len(f.palette))
    size = 1 << bits
    table = np.zeros((size, 3), np.uint8)
    table[:len(f.palette)] = f.palette
    desc = struct.pack("<BHHHHB", 0x2C, f.x, f.y, f.width, f.height, 0x80 | (bits - 1))
    return gce + desc + table.tobytes() + bytes((f.mcs,)) + sub_blocks(f.data)


def gif_bytes(width: int, height: int, frames: Sequence[GifFrame], *, loop: int = 0,
              comment: str | None = None) -> bytes:
    """A whole GIF89a file.

    Parameters
    ----------
    width, height
        Logical screen size.
    frames
        The images, in order (local colour tables; there is no global table).
    loop
        Number of plays, 0 = forever. The NETSCAPE2.0 block stores repetitions after the first
        play, so ``loop=1`` writes no block and ``loop=N`` writes ``N - 1``.
    comment
        Optional comment extension (ASCII).
    """
    if not 0 < width <= 65535 or not 0 < height <= 65535:
        raise ValueError(f"GIF screen {width}x{height} outside 1..65535")
    out = [b"GIF89a", struct.pack("<HHBBB", width, height, 0x70, 0, 0)]
    if loop != 1:
        reps = 0 if loop == 0 else loop - 1
        out.append(b"\x21\xFF\x0BNETSCAPE2.0" + struct.pack("<BBHB", 3, 1, reps, 0))
    if comment:
        text = comment.encode("ascii", "replace")
        out.append(b"\x21\xFE" + sub_blocks(text))
    out.extend(frame_bytes(f) for f in frames)
    out.append(b"\x3B")
    return b"".join(out)


def encode_indices(x: int, y: int, idx: np.ndarray, palette: np.ndarray, delay_cs: int,
                   transparent: int = -1, disposal: int = DISPOSE_KEEP) -> GifFrame:
    """A :class:`GifFrame` of an ``h x w`` index image at ``(x, y)`` with exact LZW."""
    mcs = min_code_size(max(len(palette), 2))
    data, _ = lzw_encode(idx.reshape(-1), mcs)
    return GifFrame(x, y, idx.shape[1], idx.shape[0], palette, delay_cs, transparent, disposal,
                    data, mcs)
