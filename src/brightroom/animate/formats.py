"""Animated WebP and APNG through Pillow's writers (libwebp, zlib), with exact timing.

Pillow's WebP and APNG writers store what they are given: whole-millisecond durations (WebP
frame timestamps; APNG ``delay_num / 1000``) and the loop count as a number of plays (WebP
``ANIM`` loop count, APNG ``num_plays``; 0 = forever). Both merge a frame identical to the one
before it into that frame's duration, so :func:`merge_repeats` does it first and the durations
we report are the ones in the file.

APNG here is lossless over the frames it is given: at quality 100 the source frames (RGB), below
that the decoder pictures of the GIF encoder with one shared palette (``P`` mode, the same
temporal decisions: static areas do not change between frames, which zlib's filters compress
to almost nothing).

References
----------
Google. WebP Container Specification, "Animation" (ANIM loop count, ANMF duration).
Mozilla (2008). APNG Specification (acTL ``num_plays``, fcTL ``delay_num``/``delay_den``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from PIL import Image as PILImage

__all__ = ["webp_bytes", "apng_bytes", "merge_repeats"]


def merge_repeats(frames: Sequence[np.ndarray], durations: Sequence[float]
                  ) -> tuple[list[np.ndarray], list[float], list[int]]:
    """Frames with each run of identical frames merged into one: (frames, durations, the index
    of each kept frame in the input)."""
    out: list[np.ndarray] = []
    dur: list[float] = []
    idx: list[int] = []
    for i, (f, d) in enumerate(zip(frames, durations)):
        if out and np.array_equal(f, out[-1]):
            dur[-1] += d
            continue
        out.append(f)
        dur.append(d)
        idx.append(i)
    return out, dur, idx


def webp_bytes(frames: Sequence[np.ndarray], durations_ms: Sequence[int], *, loop: int = 0,
               quality: float = 90, lossless: bool = False, method: int = 4) -> bytes:
    """An animated WebP of uint8 RGB frames (libwebp through Pillow); ``quality`` 0-100."""
    ims = [PILImage.fromarray(np.ascontiguousarray(f)) for f in frames]
    buf = io.BytesIO()
    ims[0].save(buf, format="WEBP", save_all=True, append_images=ims[1:],
                duration=[int(d) for d in durations_ms], loop=int(loop),
                quality=float(quality), lossless=bool(lossless), method=int(method),
                allow_mixed=False, minimize_size=False)
    return buf.getvalue()


def apng_bytes(frames: Sequence[np.ndarray], durations_ms: Sequence[int], *, loop: int = 0,
               palette: np.ndarray | None = None, indices: Sequence[np.ndarray] | None = None
               ) -> bytes:
    """An APNG of uint8 RGB frames, or of index frames with one ``palette`` (``k x 3``)."""
    if indices is not None:
        if palette is None:
            raise ValueError("index frames need their palette")
        flat = np.zeros((256, 3), np.uint8)
        flat[:len(palette)] = palette
        ims = []
        for a in indices:
            im = PILImage.fromarray(np.ascontiguousarray(a, np.uint8), mode="P")
            im.putpalette(flat.reshape(-1).tolist())
            ims.append(im)
    else:
        ims = [PILImage.fromarray(np.ascontiguousarray(f)) for f in frames]
    buf = io.BytesIO()
    ims[0].save(buf, format="PNG", save_all=True, append_images=ims[1:],
                duration=[int(d) for d in durations_ms], loop=int(loop), default_image=False,
                disposal=0, blend=0, optimize=False, compress_level=9)
    return buf.getvalue()
