"""The whole path: a :class:`~brightroom.animate.frames.Clip` to GIF, WebP or APNG bytes, at a
quality or within a byte budget.

:func:`encode_clip` is what :func:`brightroom.animate` calls after loading the clip. GIF goes
through :mod:`brightroom.animate.temporal` (still areas' noise averaged over time) and
:mod:`brightroom.animate.encoder` (our palettes, dithering, inter-frame optimisation and LZW);
WebP through libwebp (Pillow), whose quality is searched by bisection for ``max_size``; APNG
through zlib: lossless at 100, still areas held and values rounded above 50, the GIF encoder's
decisions with one shared palette below.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from brightroom.animate.encoder import (
    GifResult,
    GifSettings,
    encode_gif,
    estimate_noise,
    fit_gif,
    gif_delays,
    hold_static,
    oklab_frames,
    plan_palettes,
)
from brightroom.animate.formats import apng_bytes, merge_repeats, webp_bytes
from brightroom.animate.frames import Clip, retime
from brightroom.animate.temporal import temporal_sigma
from brightroom.errors import ParameterError

__all__ = ["FORMATS", "Encoded", "AnimateResult", "encode_clip", "parse_size", "format_of", "GIF_MAX_FPS"]

FORMATS = {".gif": "gif", ".webp": "webp", ".png": "apng", ".apng": "apng"}
"""Output extension -> format."""
GIF_MAX_FPS = 50.0
"""GIF delays are in 1/100 s and browsers show delays under 2/100 s as 1/10 s."""

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Encoded:
    """An encoded animation: the file's bytes, its format, size, the durations and loop count
    written, the quality used and how many encodes the size search took."""

    data: bytes
    format: str
    width: int
    height: int
    durations_ms: tuple[int, ...]
    loop: int
    quality: float
    encodes: int


def format_of(name: str) -> str:
    """The format of an output path's extension, or a :class:`ParameterError`."""
    ext = name[name.rfind("."):].lower() if "." in name else ""
    if ext not in FORMATS:
        raise ParameterError(f"{name}: unsupported animation format {ext or '(no extension)'!r}; "
                             f"supported: {', '.join(FORMATS)}")
    return FORMATS[ext]


_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "m": 1000 ** 2, "mb": 1000 ** 2,
          "kib": 1024, "mib": 1024 ** 2, "g": 1000 ** 3, "gb": 1000 ** 3}


def parse_size(size: int | str | None) -> int | None:
    """Bytes of ``size``: an int, or text such as ``"2MB"``, ``"500k"``, ``"1.5MiB"``
    (k/M = 1000, KiB/MiB = 1024)."""
    if size is None or isinstance(size, int):
        if isinstance(size, int) and size <= 0:
            raise ParameterError(f"max size {size!r}: expected a positive number of bytes")
        return size
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*", str(size))
    if not m or m.group(2).lower() not in _UNITS:
        raise ParameterError(f"max size {size!r}: expected bytes such as 2000000, 500k, 2MB or "
                             "1.5MiB")
    n = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    if n <= 0:
        raise ParameterError(f"max size {size!r}: expected a positive number of bytes")
    return n


def _unreachable(fmt: str, max_size: int, smallest: int, w: int, h: int) -> ParameterError:
    return ParameterError(f"max size {max_size} bytes cannot be reached: the smallest {fmt.upper()} "
                          f"of these {w}x{h} frames is {smallest} bytes; lower --width or --fps, "
                          "or shorten the clip")


def _gif(clip: Clip, quality: float, max_size: int | None, loop: int, palette: str,
         space: str, dither: float | None, progress: Progress | None) -> tuple[GifResult, int]:
    if clip.fps > GIF_MAX_FPS:
        clip = retime(clip, GIF_MAX_FPS)
    raw = oklab_frames(clip.frames, space)
    # still areas are shown at one value: the mean of their noisy samples, not the first one
    raw_noise = estimate_noise(raw)
    lab = temporal_sigma(raw, raw_noise)
    noise = estimate_noise(lab)
    pal = None if palette == "frame" else plan_palettes(lab, mode=palette, space=space)
    delays = gif_delays(clip.durations_ms)
    count = 0

    def enc(q: float) -> GifResult:
        nonlocal count
        count += 1
        if progress is not None:
            progress("encoding", count, 0)
        return encode_gif(lab, pal, delays, settings=GifSettings.from_quality(
            q, noise=noise, dither=dither), loop=loop, quality=q, space=space)

    def enc_grain(g: float) -> GifResult:
        # beyond quality 100: the frames keep a share g of the source's noise, which is re-sent
        nonlocal count
        count += 1
        if progress is not None:
            progress("encoding", count, 0)
        mixed = [a + np.float32(g) * (b - a) for a, b in zip(lab, raw)]
        st = GifSettings.from_grain(g, noise=estimate_noise(mixed), dither=dither)
        return encode_gif(mixed, pal, delays, settings=st, loop=loop, quality=100.0, space=space,
                          grain=g)

    if max_size is None:
        return enc(quality), count
    best, smallest = fit_gif(enc, max_size, hi=float(quality))
    if smallest is not None:
        w, h = clip.size
        raise _unreachable("gif", max_size, len(smallest.data), w, h)
    if (quality >= 100 and best.quality >= 100 and len(best.data) < 0.95 * max_size
            and raw_noise > 0 and pal is None):
        # the budget holds more than the noise-held file: spend it on the source's own noise
        best, _ = fit_gif(enc_grain, max_size, lo=0.0, hi=1.0, bottom=best)
    return best, count


def _webp(clip: Clip, quality: float, max_size: int | None, loop: int, space: str
          ) -> tuple[bytes, tuple[float, ...], float, int]:
    frames, durs = list(clip.frames), list(clip.durations_ms)
    if len(frames) > 1:
        # hold what only noise changes (the GIF encoder's rule at its best quality), so that
        # libwebp's inter-frame rectangles see still areas as still
        lab = oklab_frames(frames, space)
        th = GifSettings.from_quality(100, noise=estimate_noise(lab)).threshold
        frames = hold_static(frames, lab, th)
    frames, durs, _ = merge_repeats(frames, durs)
    result = _webp_search(clip, frames, durs, quality, max_size, loop)
    return result[0], tuple(durs), result[1], result[2]


def _webp_search(clip: Clip, frames: list[np.ndarray], durs: list[float], quality: float,
                 max_size: int | None, loop: int) -> tuple[bytes, float, int]:
    ints = [int(round(d)) for d in durs]
    if max_size is None:
        return webp_bytes(frames, ints, loop=loop, quality=quality), quality, 1
    lo, hi = 0, int(quality)
    top = webp_bytes(frames, ints, loop=loop, quality=hi)
    if len(top) <= max_size:
        return top, float(hi), 1
    bottom = webp_bytes(frames, ints, loop=loop, quality=lo)
    if len(bottom) > max_size:
        w, h = clip.size
        raise _unreachable("webp", max_size, len(bottom), w, h)
    best, best_q, n = bottom, float(lo), 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        data = webp_bytes(frames, ints, loop=loop, quality=mid)
        n += 1
        if len(data) <= max_size:
            lo = mid
            if len(data) > len(best):
                best, best_q = data, float(mid)
        else:
            hi = mid
    return best, best_q, n


def _apng(clip: Clip, quality: float, max_size: int | None, loop: int, space: str
          ) -> tuple[bytes, tuple[int, ...], float, int]:
    """APNG at a quality: 100 lossless RGB; above 50 RGB with still areas held (the send
    threshold rising as quality falls) and values rounded to a step of up to 12 levels; 50 and
    below the GIF encoder's decisions at quality ``2 q`` with one shared palette."""
    frames, durs, _ = merge_repeats(clip.frames, clip.durations_ms)
    ints = [int(round(d)) for d in durs]
    lab = oklab_frames(frames, space)
    noise = estimate_noise(lab)
    state: dict = {}
    count = 0

    def enc(q: float) -> tuple[bytes, tuple[int, ...]]:
        nonlocal count
        count += 1
        if q >= 100:
            return apng_bytes(frames, ints, loop=loop), tuple(ints)
        if q > 50:
            u = (100.0 - q) / 50.0
            th = max(0.004 + 0.08 * u, 1.6 * noise)
            step = 1 + int(11.999 * u * u)
            held = hold_static(frames, lab, th)
            if step > 1:
                held = [((f.astype(np.int32) + step // 2) // step * step).clip(0, 255).astype(np.uint8)
                        for f in held]
            kept, d2, _ = merge_repeats(held, ints)
            return apng_bytes(kept, [int(x) for x in d2], loop=loop), tuple(int(x) for x in d2)
        if "pal" not in state:
            state["pal"] = plan_palettes(lab, mode="shared", space=space)
        pal = state["pal"]
        canv: list[np.ndarray] = []
        r = encode_gif(lab, pal, np.ones(len(frames), np.int64),
                       settings=GifSettings.from_quality(max(1.0, 2.0 * q), noise=noise),
                       loop=loop, canvases=canv, space=space)
        # durations of the frames the GIF pass kept, summed over the ones it merged
        starts = list(r.frame_index) + [len(frames)]
        d = tuple(int(sum(ints[starts[i]:starts[i + 1]])) for i in range(len(r.frame_index)))
        rgb = pal.rgb[0]
        idx = [_indices(c, rgb) for c in canv]
        return apng_bytes([], d, loop=loop, palette=rgb, indices=idx), d

    if max_size is None:
        data, d = enc(quality)
        return data, d, quality, count
    data, d = enc(quality)
    if len(data) <= max_size:
        return data, d, quality, count
    lo, hi = 1.0, float(quality)
    data_lo, d_lo = enc(lo)
    if len(data_lo) > max_size:
        w, h = clip.size
        raise _unreachable("apng", max_size, len(data_lo), w, h)
    best = (data_lo, d_lo, lo)
    for _ in range(10):
        if len(best[0]) >= 0.95 * max_size:
            break
        mid = 0.5 * (lo + hi)
        data, d = enc(mid)
        if len(data) <= max_size:
            lo = mid
            if len(data) > len(best[0]):
                best = (data, d, mid)
        else:
            hi = mid
    return best[0], best[1], best[2], count


def _indices(canvas: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """Index image of a canvas drawn only in the colours of ``rgb``."""
    key = (rgb[:, 0].astype(np.int64) << 16) | (rgb[:, 1].astype(np.int64) << 8) | rgb[:, 2]
    order = np.argsort(key)
    c = canvas.astype(np.int64)
    k = (c[..., 0] << 16) | (c[..., 1] << 8) | c[..., 2]
    pos = np.searchsorted(key[order], k)
    return order[np.clip(pos, 0, len(order) - 1)].astype(np.uint8)


def encode_clip(clip: Clip, fmt: str, *, quality: float = 90, max_size: int | None = None,
                loop: int = 0, palette: str = "frame", space: str = "srgb",
                dither: float | None = None, progress: Progress | None = None) -> Encoded:
    """Encode ``clip`` as ``fmt`` (``"gif"``, ``"webp"``, ``"apng"``).

    Parameters
    ----------
    quality
        1-100: the quality, or with ``max_size`` the highest quality tried.
    max_size
        Bytes: the best quality whose file fits (within 5 % below the limit when reachable).
        For a GIF at ``quality`` 100 whose noise-held file is smaller than the budget, the rest
        is spent on the source's own temporal noise (:meth:`GifSettings.from_grain
        <brightroom.animate.encoder.GifSettings.from_grain>`): a file closer to noisy frames.
    loop
        Number of plays, 0 = forever.
    palette
        GIF palettes (:data:`~brightroom.animate.encoder.PALETTE_MODES`).
    space
        Where GIF/APNG colours are chosen (:data:`~brightroom.animate.oklab.COLOUR_SPACES`):
        ``"srgb"`` (default; measured 1.5 dB PSNR and 0.01 SSIM better than Oklab at equal size
        on the benchmark clips) or ``"oklab"``.
    dither
        GIF dither strength 0-1 (default: by quality).

    Raises
    ------
    ParameterError
        Bad quality or loop, or ``max_size`` below the smallest file (the message gives it).
    """
    if not 1 <= float(quality) <= 100:
        raise ParameterError(f"quality {quality!r}: expected 1 to 100")
    if int(loop) != loop or loop < 0 or loop > 65536:
        raise ParameterError(f"loop {loop!r}: expected a number of plays, 0 (forever) to 65536")
    w, h = clip.size
    if fmt == "gif":
        r, n = _gif(clip, float(quality), max_size, loop, palette, space, dither, progress)
        durs = tuple(10 * d for d in r.delays_cs)
        return Encoded(r.data, fmt, w, h, durs, loop, r.quality, n)
    if fmt == "webp":
        data, durs, q, n = _webp(clip, float(quality), max_size, loop, space)
        return Encoded(data, fmt, w, h, tuple(int(round(d)) for d in durs), loop, q, n)
    if fmt == "apng":
        data, d, q, n = _apng(clip, float(quality), max_size, loop, space)
        return Encoded(data, fmt, w, h, d, loop, q, n)
    raise ParameterError(f"unknown animation format {fmt!r}; known: gif, webp, apng")


@dataclass(frozen=True)
class AnimateResult:
    """What :func:`brightroom.animate` wrote.

    Attributes
    ----------
    path
        The output file (None when nothing was written).
    format
        ``"gif"``, ``"webp"`` or ``"apng"``.
    width, height
        Frame size.
    frames
        Frames in the file (identical neighbours merged into one longer frame).
    durations_ms
        Each frame's duration as stored (GIF: multiples of 10 ms).
    loop
        Number of plays, 0 = forever.
    size
        Bytes.
    quality
        The quality used (the one the size search settled on with ``max_size``).
    max_size
        The byte budget, or None.
    encodes
        Encodes the size search took.
    data
        The file's bytes.
    """

    path: object
    format: str
    width: int
    height: int
    frames: int
    durations_ms: tuple[int, ...]
    loop: int
    size: int
    quality: float
    max_size: int | None
    encodes: int
    data: bytes
