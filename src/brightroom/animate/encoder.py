"""The GIF encoder: palettes, inter-frame optimisation, lossy LZW, and a target size.

:func:`plan_palettes` chooses one Oklab palette per frame (or one shared by all), trained on the
pixels that change from the previous source frame (plus a sample of the whole frame) and seeded
by the previous frame's palette, so that colours stay put where nothing moves.
:func:`encode_gif` then walks the frames keeping the decoder's canvas (Oklab of what is on
screen): a pixel is sent only when the canvas is further than ``threshold`` from the frame's
colour and its new colour would improve on it; the image is the bounding rectangle of the sent
pixels, every other pixel is transparent, and every frame is left in place (disposal 1), so the
canvas the encoder keeps is exactly the decoder's. Frames that change nothing are merged into
the previous frame's delay. :func:`fit_gif` searches the quality for the best file within a
byte budget.

:class:`GifSettings` are the knobs a quality stands for (:meth:`GifSettings.from_quality`):
the send threshold, the lossy-LZW tolerance and the dither strength.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numba
import numpy as np

from brightroom.animate.gif import DISPOSE_KEEP, GifFrame, gif_bytes
from brightroom.animate.lzw import lzw_encode, min_code_size
from brightroom.animate.oklab import COLOUR_SPACES, to_space
from brightroom.animate.quantize import changed_mask, kmeans_palette, map_frame, nearest_errors
from brightroom.errors import ParameterError

__all__ = ["GifSettings", "estimate_noise", "hold_static", "Palettes", "plan_palettes",
           "encode_gif", "fit_gif", "GifResult",
           "gif_delays", "PALETTE_MODES"]

PALETTE_MODES = ("frame", "shared")
"""``"frame"``: a palette per frame (up to 255 colours each, seeded by the previous one);
``"shared"``: one palette for the whole animation."""


@dataclass(frozen=True)
class GifSettings:
    """What a GIF quality means.

    Attributes
    ----------
    threshold
        Oklab distance above which a pixel differing from the canvas is sent again.
    lossy
        Lossy-LZW tolerance in Oklab distance (0: exact LZW).
    dither
        Ordered two-colour dither strength, 0 to 1.
    keep_margin
        A pixel is kept (transparent) unless its new colour beats the canvas by this much.
    refresh
        Palette colours re-placed each frame where the previous palette serves the frame worst
        (0: the previous palette is only refined; see :func:`kmeans_palette`'s ``refresh``).
        With it the palette's samples are drawn half uniformly and half by their error under
        the previous palette.
    """

    threshold: float
    lossy: float
    dither: float
    keep_margin: float
    refresh: int = 0

    @classmethod
    def from_quality(cls, quality: float, *, noise: float = 0.0,
                     dither: float | None = None) -> GifSettings:
        """Settings of ``quality`` (1-100, continuous) for a clip whose temporal noise is
        ``noise`` (working-space units, :func:`estimate_noise`): the send threshold is never
        below what the noise alone would cross, so noise is held still rather than re-sent.
        ``dither`` overrides the strength (default: 0.3 at the top qualities, falling to 0)."""
        q = float(quality)
        if not 1.0 <= q <= 100.0:
            raise ParameterError(f"GIF quality {quality!r} outside 1..100")
        u = (100.0 - q) / 99.0  # 0 at the best quality, 1 at the worst
        threshold = max(0.01 + 0.06 * u, 1.6 * noise)
        lossy = 0.12 * max(0.0, u - 0.02)
        d = max(0.0, 0.3 - 1.5 * u) if dither is None else float(dither)
        return cls(threshold=threshold, lossy=lossy, dither=d, keep_margin=0.003 + 0.03 * u)

    @classmethod
    def from_grain(cls, grain: float, *, noise: float, dither: float | None = None
                   ) -> GifSettings:
        """Settings beyond quality 100, for budgets larger than a GIF with its noise held still
        needs: ``grain`` 0 to 1 is how much of the source's temporal noise the frames keep
        (:func:`brightroom.animate.run.encode_clip` blends the noise-smoothed frames towards the
        source by it) and the send threshold falls from quality 100's towards 0.0046 (about 1.2
        levels of 8 bits), below the noise, so that the noise is re-sent; ``noise`` is that of
        the blended frames. The dither fades out (the noise dithers), and 16 palette colours a
        frame move to where the picture needs them (every pixel is re-sent, so a palette only
        refined from the previous frame's stays stuck on the static background and serves the
        moving part badly: measured on the sky clip, 36-52 squared levels of error in the
        rocket's column against 6-8 with the refresh)."""
        g = float(grain)
        if not 0.0 <= g <= 1.0:
            raise ParameterError(f"GIF grain {grain!r} outside 0..1")
        top = cls.from_quality(100.0, dither=dither)
        threshold = max(top.threshold - (top.threshold - 0.0046) * g, 1.6 * noise * (1.0 - g))
        return cls(threshold=threshold, lossy=0.0, dither=top.dither * (1.0 - g),
                   keep_margin=top.keep_margin, refresh=16 if g > 0 else 0)


@dataclass(frozen=True)
class Palettes:
    """Per-frame palettes: sRGB (``k x 3`` uint8) and Oklab (sorted by L) for each frame."""

    rgb: tuple[np.ndarray, ...]
    lab: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class GifResult:
    """An encoded GIF: the bytes, the delays written (1/100 s), the frames that carried each
    delay, the decoder's final canvases (sRGB, one per written frame) and the settings used."""

    data: bytes
    delays_cs: tuple[int, ...]
    frame_index: tuple[int, ...]
    settings: GifSettings
    quality: float
    grain: float = 0.0


def gif_delays(durations_ms: Sequence[float]) -> np.ndarray:
    """Per-frame delays in 1/100 s whose running sum follows the exact timestamps (rounded),
    each at least 2 (browsers show 0 and 1 as 10)."""
    t = np.concatenate([[0.0], np.cumsum(np.asarray(durations_ms, np.float64))])
    cs = np.round(t / 10.0).astype(np.int64)
    d = np.diff(cs)
    # carry shortfalls forward so no delay is under 2 cs and the total stays right
    out = np.empty_like(d)
    debt = 0
    for i, v in enumerate(d):
        v = v - debt
        debt = 0
        if v < 2:
            debt = 2 - v
            v = 2
        out[i] = v
    return out


def estimate_noise(frames: Sequence[np.ndarray], *, pairs: int = 8) -> float:
    """Temporal noise of working-space frames, as the distance two noisy samples of one static
    colour lie apart (the norm over the three channels of a frame difference).

    Measured where the picture is flat (the lowest tenth of the gradient of the 5 x 5 mean of
    the two frames, which noise barely selects) on the frame
    difference high-passed in space (minus its 3 x 3 mean, which removes the smooth difference
    motion leaves in flat areas but keeps pixel noise, scaled back by sqrt(9/8)): the median
    absolute value there as a standard deviation (MAD / 0.6745), times sqrt(3) for the three
    channels.

    References
    ----------
    Hampel, F. R. (1974). The influence curve and its role in robust estimation. JASA 69(346)
    (the median absolute deviation as a robust scale).
    """
    if len(frames) < 2:
        return 0.0
    idx = np.unique(np.linspace(1, len(frames) - 1, min(pairs, len(frames) - 1)).astype(int))
    vals = []
    for t in idx:
        a, b = frames[t - 1], frames[t]
        g = cv2.blur(np.ascontiguousarray((a + b).mean(axis=2)), (5, 5))  # noise barely enters
        grad = np.abs(np.diff(g, axis=0))[:, :-1] + np.abs(np.diff(g, axis=1))[:-1, :]
        d = (b - a).mean(axis=2)
        hp = (d - cv2.blur(d, (3, 3)))[:-1, :-1]
        flat = grad <= np.quantile(grad, 0.1)
        flat[:1] = flat[-1:] = False
        flat[:, :1] = flat[:, -1:] = False
        if flat.sum() < 64:
            continue
        # the channel mean has 1/3 of a channel's variance: sqrt(3) back to one channel,
        # sqrt(3) again for the norm over three
        vals.append(float(np.median(np.abs(hp[flat]))) / 0.6745 * np.sqrt(9.0 / 8.0) * 3.0)
    return float(np.median(vals)) if vals else 0.0


def _src_changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return changed_mask(a, b, 0.012)


def plan_palettes(lab: Sequence[np.ndarray], *, mode: str = "frame", colours: int = 255,
                  samples: int = 6144, seed: int = 0, space: str = "oklab") -> Palettes:
    """Palettes for Oklab frames (:data:`PALETTE_MODES`), ``colours`` at most 255 per frame."""
    if mode not in PALETTE_MODES:
        raise ParameterError(f"unknown palette mode {mode!r}; known: {', '.join(PALETTE_MODES)}")
    rng = np.random.default_rng(seed)
    colours = int(min(max(colours, 2), 255))
    if mode == "shared":
        per = max(256, samples * 4 // max(len(lab), 1))
        pts = np.concatenate([f.reshape(-1, 3)[rng.integers(0, f.shape[0] * f.shape[1], per)]
                              for f in lab])
        rgb, plab = kmeans_palette(pts, colours, iters=8, seed=seed, space=space)
        return Palettes((rgb,) * len(lab), (plab,) * len(lab))
    rgbs: list[np.ndarray] = []
    labs: list[np.ndarray] = []
    prev = None
    for t, f in enumerate(lab):
        flat = f.reshape(-1, 3)
        n = flat.shape[0]
        if t == 0:
            pts = flat[rng.integers(0, n, samples)]
            rgb, plab = kmeans_palette(pts, colours, iters=6, seed=seed, space=space)
        else:
            moved = np.flatnonzero(_src_changed(f, lab[t - 1]).reshape(-1))
            whole = flat[rng.integers(0, n, samples // 4)]
            if len(moved):
                pts = np.concatenate([flat[moved[rng.integers(0, len(moved), samples)]], whole])
            else:
                pts = whole
            rgb, plab = kmeans_palette(pts, colours, init=prev, iters=3, seed=seed + t,
                                        space=space)
        rgbs.append(rgb)
        labs.append(plab)
        prev = plab
    return Palettes(tuple(rgbs), tuple(labs))


# serial: a copy per pixel is cheaper than waking a thread team (measured 6x less CPU at
# 480x270 on the shared 2-core machine)
@numba.njit(cache=True)
def _paint(canvas, canvas_rgb, idx, x0, y0, pal_lab, pal_rgb, transp):  # pragma: no cover
    h, w = idx.shape
    for yy in range(h):
        for xx in range(w):
            j = idx[yy, xx]
            if j != transp:
                for c in range(3):
                    canvas[y0 + yy, x0 + xx, c] = pal_lab[j, c]
                    canvas_rgb[y0 + yy, x0 + xx, c] = pal_rgb[j, c]


@numba.njit(cache=True)
def _hold(target, canvas, rgb, canvas_rgb, t2):  # pragma: no cover - compiled
    h, w = target.shape[0], target.shape[1]
    for y in range(h):
        for x in range(w):
            d = 0.0
            for c in range(3):
                e = target[y, x, c] - canvas[y, x, c]
                d += e * e
            if d > t2:
                for c in range(3):
                    canvas[y, x, c] = target[y, x, c]
                    canvas_rgb[y, x, c] = rgb[y, x, c]


def hold_static(frames: Sequence[np.ndarray], lab: Sequence[np.ndarray], threshold: float
                ) -> list[np.ndarray]:
    """Frames in which a pixel keeps its previous value until the picture moves further than
    ``threshold`` from it (working-space distance): the GIF encoder's send rule without the
    palette, for encoders that compress unchanged areas (WebP) to hold noise still."""
    canvas = lab[0].copy()
    canvas_rgb = np.ascontiguousarray(frames[0]).copy()
    out = [canvas_rgb.copy()]
    t2 = np.float32(threshold * threshold)
    for f, t in zip(frames[1:], lab[1:]):
        _hold(t, canvas, np.ascontiguousarray(f), canvas_rgb, t2)
        out.append(canvas_rgb.copy())
    return out


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    rows = np.flatnonzero(mask.any(axis=1))
    if len(rows) == 0:
        return None
    cols = np.flatnonzero(mask[rows[0]:rows[-1] + 1].any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)


def _adaptive_palette(tgt: np.ndarray, changed: np.ndarray, prev: np.ndarray | None, t: int,
                      samples: int, colours: int, space: str, refresh: int = 0
                      ) -> tuple[np.ndarray, np.ndarray]:
    """A palette for the pixels about to be sent: k-means over a sample of them, seeded by the
    previous frame's palette (the colours already on screen).

    With ``refresh`` the sample is drawn from four times as many candidates, half uniformly
    and half in proportion to their squared error under the previous palette (the mixture of a
    lightweight coreset, unweighted here on purpose: the badly served pixels get more colours),
    and ``refresh`` colours are re-placed before Lloyd's iterations.

    References
    ----------
    Bachem, O., Lucic, M., Krause, A. (2018). Scalable k-means clustering via lightweight
    coresets. KDD (the half-uniform, half-error sampling distribution).
    """
    rng = np.random.default_rng(t)
    where = np.flatnonzero(changed.reshape(-1))
    flat = tgt.reshape(-1, 3)
    if prev is None or refresh <= 0:
        pts = flat[where[rng.integers(0, len(where), min(samples, 4 * len(where)))]]
    else:
        cand = flat[where[rng.integers(0, len(where), min(4 * samples, 4 * len(where)))]]
        e = nearest_errors(cand, prev).astype(np.float64)
        q = 0.5 / len(cand) + 0.5 * e / max(float(e.sum()), 1e-30)
        pts = cand[rng.choice(len(cand), min(samples, len(cand)), p=q / q.sum())]
    if prev is None:
        return kmeans_palette(pts, colours, iters=6, seed=t, space=space)
    return kmeans_palette(pts, colours, init=prev, iters=3, seed=t, space=space,
                          refresh=refresh)


def encode_gif(lab: Sequence[np.ndarray], palettes: Palettes | None, delays_cs: Sequence[int], *,
               settings: GifSettings, loop: int = 0, quality: float = float("nan"),
               canvases: list[np.ndarray] | None = None, samples: int = 6144,
               space: str = "oklab", grain: float = 0.0) -> GifResult:
    """Encode Oklab frames (``H x W x 3`` float32) into a GIF.

    ``palettes`` None: each frame's palette is fitted to the pixels it will send (those the
    canvas shows more than ``settings.threshold`` away from the frame), seeded by the previous
    palette; so a static area left coarse by one frame is refined by the next ones, and more
    than 256 colours build up on screen. ``canvases``, when a list, receives the decoder's
    picture after each written frame (sRGB uint8), for APNG and for tests.
    """
    h, w = lab[0].shape[:2]
    canvas = np.zeros((h, w, 3), np.float32)
    canvas_rgb = np.zeros((h, w, 3), np.uint8)
    frames: list[GifFrame] = []
    delays: list[int] = []
    index: list[int] = []
    ones = np.ones((h, w), np.bool_)
    prev_lab: np.ndarray | None = None
    prev_rgb: np.ndarray | None = None
    for t, tgt in enumerate(lab):
        first = t == 0
        changed = ones if first else changed_mask(tgt, canvas, settings.threshold)
        rect = _bbox(changed)
        if palettes is not None:
            pal_rgb, pal_lab = palettes.rgb[t], palettes.lab[t]
        elif rect is not None:
            pal_rgb, pal_lab = _adaptive_palette(tgt, changed, prev_lab, t, samples, 255, space,
                                                 settings.refresh)
            prev_lab = pal_lab
        else:
            pal_rgb, pal_lab = prev_rgb, prev_lab  # type: ignore[assignment]
        k = len(pal_rgb)
        transp = k  # the slot after the colours
        idx = None
        if rect is not None:
            idx = map_frame(tgt, canvas, changed, rect, pal_lab, dither=settings.dither,
                            keep_margin=settings.keep_margin, transparent=transp, first=first)
            if not first:
                sent = idx != transp
                if not sent.any():
                    idx = None
                else:
                    sub = _bbox(sent)
                    assert sub is not None
                    sx, sy, sw, sh = sub
                    idx = np.ascontiguousarray(idx[sy:sy + sh, sx:sx + sw])
                    rect = (rect[0] + sx, rect[1] + sy, sw, sh)
        if idx is None:
            delays[-1] += int(delays_cs[t])
            continue
        prev_rgb = pal_rgb
        x, y, rw, rh = rect
        table = np.zeros((k + 1, 3), np.uint8)
        table[:k] = pal_rgb
        mcs = min_code_size(k + 1)
        if settings.lossy > 0:
            tl = np.concatenate([pal_lab, np.zeros((1, 3), np.float32)])
            data, written = lzw_encode(idx.reshape(-1), mcs, tol=settings.lossy, palette=tl,
                                       transparent=-1 if first else transp,
                                       target=tgt[y:y + rh, x:x + rw],
                                       canvas=canvas[y:y + rh, x:x + rw])
            idx = written.reshape(rh, rw)
        else:
            data, _ = lzw_encode(idx.reshape(-1), mcs)
        _paint(canvas, canvas_rgb, idx, x, y, pal_lab, pal_rgb, transp)
        frames.append(GifFrame(x, y, rw, rh, table, 0, -1 if first else transp, DISPOSE_KEEP,
                               data, mcs))
        delays.append(int(delays_cs[t]))
        index.append(t)
        if canvases is not None:
            canvases.append(canvas_rgb.copy())
    frames = [GifFrame(f.x, f.y, f.width, f.height, f.palette, d, f.transparent, f.disposal,
                       f.data, f.mcs) for f, d in zip(frames, delays)]
    return GifResult(gif_bytes(w, h, frames, loop=loop), tuple(delays), tuple(index), settings,
                     quality, grain)


def oklab_frames(frames: Sequence[np.ndarray], space: str = "oklab") -> list[np.ndarray]:
    """8-bit sRGB frames in the working ``space`` (:data:`COLOUR_SPACES`; Oklab by default)."""
    if space not in COLOUR_SPACES:
        raise ParameterError(f"unknown colour space {space!r}; known: {', '.join(COLOUR_SPACES)}")
    return [to_space(f, space) for f in frames]


def fit_gif(encode: Callable[[float], GifResult], max_size: int, *, lo: float = 1.0,
            hi: float = 100.0, iters: int = 9, bottom: GifResult | None = None
            ) -> tuple[GifResult, GifResult | None]:
    """The best quality whose file fits ``max_size`` bytes: (the chosen result, the smallest
    tried when none fits).

    Size falls with quality but not strictly (dither and palettes interact with LZW), so the
    search bisects on the quality and keeps the largest file that fits among every one tried;
    it stops once a file is within 5 % below the limit. ``bottom``, when given, is the result
    of ``encode(lo)`` already made (it is not encoded again).
    """
    best: GifResult | None = None
    smallest: GifResult | None = None

    def consider(r: GifResult) -> None:
        nonlocal best, smallest
        if smallest is None or len(r.data) < len(smallest.data):
            smallest = r
        if len(r.data) <= max_size and (best is None or len(r.data) > len(best.data)):
            best = r

    top = encode(hi)
    consider(top)
    if len(top.data) <= max_size:
        return top, None
    if bottom is None:
        bottom = encode(lo)
    consider(bottom)
    if len(bottom.data) > max_size:
        return bottom, smallest
    a, b = lo, hi
    for _ in range(iters):
        assert best is not None
        if len(best.data) >= 0.95 * max_size:
            break
        mid = 0.5 * (a + b)
        r = encode(mid)
        consider(r)
        if len(r.data) <= max_size:
            a = mid
        else:
            b = mid
    assert best is not None
    return best, None
