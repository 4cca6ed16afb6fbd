"""GIF's variable-length-code LZW, exact or lossy, compiled with numba.

:func:`lzw_encode` writes the code stream of one GIF image (clear code first, end-of-information
last, codes packed least-significant bit first, the table cleared when it reaches 4095 entries,
as giflib's encoder does), without the sub-block framing (:func:`sub_blocks` adds it).

Lossy LZW (as gifsicle's ``--lossy``): while a string is extended, a pixel may take the symbol
of an existing table entry instead of its own when the colour that symbol shows at that pixel is
within ``tol`` (Oklab distance) of the pixel's target, beyond the error of its own symbol. Longer
strings mean fewer codes; the pixels actually written are returned, so the caller's picture of
the decoder's canvas stays exact. A "transparent" symbol shows the canvas colour at that pixel.

References
----------
Welch, T. A. (1984). A technique for high-performance data compression. Computer 17(6), 8-19.
CompuServe (1990). Graphics Interchange Format, Version 89a, appendix F (variable-length-code
LZW compression).
Kornelski, K. and Kohler, E. gifsicle ``--lossy`` (the idea of accepting near matches in the
string table; no code taken from it).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["lzw_encode", "sub_blocks", "min_code_size"]

_MAX = 4095
_HASH = 1 << 14
_WALK = 32  # children of a string tried by lossy LZW (the newest first)


def min_code_size(colours: int) -> int:
    """GIF's LZW minimum code size for a colour table of ``colours`` entries (2 to 8)."""
    bits = max(1, int(colours - 1).bit_length())
    return max(2, bits)


@numba.njit(cache=True)
def _encode(px, mcs, tol, pal, transp, target, canvas, out_px):  # pragma: no cover - compiled
    n = px.shape[0]
    clear = 1 << mcs
    eoi = clear + 1
    nsym = clear
    # open-addressing hash of (prefix code, symbol) -> code, entries valid for one table
    # generation (so a clear needs no wipe); 16 K slots stay in cache
    hkey = np.empty(_HASH, np.int32)
    hval = np.empty(_HASH, np.int32)
    stamp = np.zeros(_HASH, np.int32)
    gen = 1
    head = np.full(_MAX + 1, -1, np.int32)
    sib = np.full(_MAX + 1, -1, np.int32)
    sym = np.zeros(_MAX + 1, np.int32)
    outbuf = np.zeros(n * 2 + 64, np.uint8)
    nbytes = 0
    acc = 0
    nacc = 0
    bits = mcs + 1
    maxcode = 1 << bits
    running = eoi + 1
    lossy = tol > 0.0
    tol2 = tol

    # clear code first
    acc |= clear << nacc
    nacc += bits
    while nacc >= 8:
        outbuf[nbytes] = acc & 255
        nbytes += 1
        acc >>= 8
        nacc -= 8
    if n == 0:
        cur = -1
    else:
        cur = px[0]
        out_px[0] = px[0]
    for i in range(1, n):
        p = px[i]
        key = cur * nsym + p
        nxt = -1
        slot = (key * 40503) & (_HASH - 1)
        while stamp[slot] == gen:
            if hkey[slot] == key:
                nxt = hval[slot]
                break
            slot = (slot + 1) & (_HASH - 1)
        if nxt >= 0:
            cur = nxt
            out_px[i] = p
            continue
        if lossy:
            # the colour of the pixel's own symbol and its error
            if p == transp:
                e0 = 0.0
                for c in range(3):
                    d = canvas[i, c] - target[i, c]
                    e0 += d * d
            else:
                e0 = 0.0
                for c in range(3):
                    d = pal[p, c] - target[i, c]
                    e0 += d * d
            lim = np.sqrt(e0) + tol2
            lim = lim * lim
            best = -1
            bestc = 1e30
            k = head[cur]
            walked = 0
            while k >= 0 and walked < _WALK:
                walked += 1
                s = sym[k]
                e = 0.0
                if s == transp:
                    for c in range(3):
                        d = canvas[i, c] - target[i, c]
                        e += d * d
                else:
                    for c in range(3):
                        d = pal[s, c] - target[i, c]
                        e += d * d
                if e <= lim and e < bestc:
                    bestc = e
                    best = k
                k = sib[k]
            if best >= 0:
                cur = best
                out_px[i] = sym[best]
                continue
        # emit cur
        acc |= cur << nacc
        nacc += bits
        while nacc >= 8:
            outbuf[nbytes] = acc & 255
            nbytes += 1
            acc >>= 8
            nacc -= 8
        if running >= maxcode and bits < 12:
            bits += 1
            maxcode = 1 << bits
        if running >= _MAX:
            acc |= clear << nacc
            nacc += bits
            while nacc >= 8:
                outbuf[nbytes] = acc & 255
                nbytes += 1
                acc >>= 8
                nacc -= 8
            running = eoi + 1
            bits = mcs + 1
            maxcode = 1 << bits
            gen += 1
            for j in range(_MAX + 1):
                head[j] = -1
        else:
            stamp[slot] = gen
            hkey[slot] = key
            hval[slot] = running
            sym[running] = p
            sib[running] = head[cur]
            head[cur] = running
            running += 1
        cur = p
        out_px[i] = p
        if nbytes > outbuf.shape[0] - 16:
            grown = np.zeros(outbuf.shape[0] * 2, np.uint8)
            grown[:nbytes] = outbuf[:nbytes]
            outbuf = grown
    if cur >= 0:
        acc |= cur << nacc
        nacc += bits
        while nacc >= 8:
            outbuf[nbytes] = acc & 255
            nbytes += 1
            acc >>= 8
            nacc -= 8
        if running >= maxcode and bits < 12:
            bits += 1
            maxcode = 1 << bits
    acc |= eoi << nacc
    nacc += bits
    while nacc > 0:
        outbuf[nbytes] = acc & 255
        nbytes += 1
        acc >>= 8
        nacc -= 8
    return outbuf[:nbytes]


def lzw_encode(px: np.ndarray, mcs: int, *, tol: float = 0.0, palette: np.ndarray | None = None,
               transparent: int = -1, target: np.ndarray | None = None,
               canvas: np.ndarray | None = None) -> tuple[bytes, np.ndarray]:
    """LZW code stream of the indices ``px`` (1-D uint8): (bytes, the indices written).

    Parameters
    ----------
    px
        Colour indices in raster order, each below ``2 ** mcs``.
    mcs
        The LZW minimum code size (:func:`min_code_size`).
    tol
        Lossy tolerance in Oklab distance (0: exact LZW). Needs ``palette`` (Oklab of each
        index), ``target`` and ``canvas`` (Oklab per pixel, ``len(px) x 3``) and
        ``transparent`` (the index that shows the canvas, -1 for none).
    """
    px = np.ascontiguousarray(px, np.uint8).astype(np.int32)
    out_px = np.empty(px.shape[0], np.int32)
    if tol > 0.0:
        if palette is None or target is None or canvas is None:
            raise ValueError("lossy LZW needs palette, target and canvas")
        pal = np.ascontiguousarray(palette, np.float32)
        tgt = np.ascontiguousarray(target, np.float32).reshape(-1, 3)
        cnv = np.ascontiguousarray(canvas, np.float32).reshape(-1, 3)
    else:
        pal = np.zeros((1, 3), np.float32)
        tgt = cnv = np.zeros((1, 3), np.float32)
    data = _encode(px, int(mcs), float(tol), pal, int(transparent), tgt, cnv, out_px)
    return data.tobytes(), out_px.astype(np.uint8)


def sub_blocks(data: bytes) -> bytes:
    """``data`` as GIF data sub-blocks (a length byte, up to 255 bytes each) and a terminator."""
    parts = []
    for i in range(0, len(data), 255):
        chunk = data[i:i + 255]
        parts.append(bytes((len(chunk),)))
        parts.append(chunk)
    parts.append(b"\x00")
    return b"".join(parts)
