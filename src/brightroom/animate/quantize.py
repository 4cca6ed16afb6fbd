"""Palettes in Oklab (k-means) and the mapping of pixels to them with temporally stable dithering.

* :func:`kmeans_palette` chooses ``k`` colours for a set of Oklab samples by Lloyd's k-means,
  seeded by k-means++ or by a previous palette (so that consecutive frames' palettes stay close,
  which keeps static areas from changing colour), and returns the colours as exact 8-bit sRGB
  (the rounded centroids) with their Oklab values, sorted by lightness.
* :func:`map_frame` maps the changed pixels of a frame's rectangle to a palette: the nearest
  colour (an exact search over the palette sorted by L, pruned by the lightness difference),
  optionally mixed with the colour on the other side of the pixel (the nearest colour to the
  pixel's reflection through its nearest) in proportion to where the pixel lies between the two,
  thresholded by interleaved gradient noise fixed in screen coordinates: an ordered dither that
  does not crawl from frame to frame, and none where a pixel already sits on a palette colour
  (flat areas). A changed pixel whose nearest colour would not improve on what the canvas
  already shows by a margin stays transparent (no flicker in static areas).
* :func:`nearest_reference` is the plain NumPy nearest-colour search the compiled one is tested
  against.

References
----------
Lloyd, S. P. (1982). Least squares quantization in PCM. IEEE Trans. Inf. Theory 28(2), 129-137.
Arthur, D., Vassilvitskii, S. (2007). k-means++: the advantages of careful seeding. SODA.
Jimenez, J. (2014). Next generation post processing in Call of Duty: Advanced Warfare. SIGGRAPH
course "Advances in Real-Time Rendering" (interleaved gradient noise).
Yliluoma, J. (2011). Arbitrary-palette positional dithering algorithm (mixing two palette
colours in proportion). https://bisqwit.iki.fi/story/howto/dither/jy/
"""

from __future__ import annotations

import numba
import numpy as np

from brightroom.animate.oklab import from_space, to_space

__all__ = ["kmeans_palette", "nearest_errors", "map_frame", "nearest_reference", "changed_mask", "ign"]


@numba.njit(cache=True, inline="always")
def _nearest(v0, v1, v2, pal, guess=-1):  # pragma: no cover - compiled
    """(index, squared distance) of the palette colour nearest (v0, v1, v2); ``pal`` sorted by
    L. The search walks out from ``guess`` (or from v0's place by bisection) and stops in each
    direction once the lightness difference alone exceeds the best distance."""
    k = pal.shape[0]
    if guess < 0:
        lo = 0
        hi = k
        while lo < hi:
            mid = (lo + hi) // 2
            if pal[mid, 0] < v0:
                lo = mid + 1
            else:
                hi = mid
        guess = min(lo, k - 1)
    da = pal[guess, 0] - v0
    db = pal[guess, 1] - v1
    dc = pal[guess, 2] - v2
    bd = da * da + db * db + dc * dc
    best = guess
    i = guess + 1
    j = guess - 1
    while i < k or j >= 0:
        if i < k:
            dl = pal[i, 0] - v0
            if dl > 0.0 and dl * dl >= bd:
                i = k
            else:
                da = pal[i, 1] - v1
                db = pal[i, 2] - v2
                d = dl * dl + da * da + db * db
                if d < bd:
                    bd = d
                    best = i
                i += 1
        if j >= 0:
            dl = pal[j, 0] - v0
            if dl < 0.0 and dl * dl >= bd:
                j = -1
            else:
                da = pal[j, 1] - v1
                db = pal[j, 2] - v2
                d = dl * dl + da * da + db * db
                if d < bd:
                    bd = d
                    best = j
                j -= 1
    return best, bd


@numba.njit(cache=True)
def _kmeans(samples, centres, iters):  # pragma: no cover - compiled
    n = samples.shape[0]
    k = centres.shape[0]
    sums = np.zeros((k, 3), np.float64)
    counts = np.zeros(k, np.int64)
    far = np.zeros(n, np.float32)
    for _ in range(iters):
        sums[:] = 0.0
        counts[:] = 0
        order = np.argsort(centres[:, 0])
        sc = centres[order]
        prev = -1
        for i in range(n):
            j, bd = _nearest(samples[i, 0], samples[i, 1], samples[i, 2], sc, prev)
            prev = j
            best = order[j]
            far[i] = bd
            counts[best] += 1
            for c in range(3):
                sums[best, c] += samples[i, c]
        worst = far[:0].astype(np.int64)  # sorted only when a centre died (rare)
        r = 0
        for j in range(k):
            if counts[j] > 0:
                for c in range(3):
                    centres[j, c] = sums[j, c] / counts[j]
            elif r < n:  # a dead centre moves to the worst-served sample
                if r == 0:
                    worst = np.argsort(-far)
                for c in range(3):
                    centres[j, c] = samples[worst[r], c]
                r += 1
    return centres


@numba.njit(cache=True)
def _draw(d, u):  # pragma: no cover - compiled
    """k-means++'s draw: the index where the running sum of ``d`` passes ``u`` of its total
    (``u`` in [0, 1); uniform when every ``d`` is 0)."""
    n = d.shape[0]
    pick = min(int(u * n), n - 1)
    total = d.sum()
    if total > 0:
        target = u * total
        acc = 0.0
        pick = n - 1
        for i in range(n):
            acc += d[i]
            if acc >= target:
                return i
    return pick


@numba.njit(cache=True)
def _lower(d, samples, centre):  # pragma: no cover - compiled
    """``d`` (squared distance of each sample to its nearest centre) with ``centre`` added."""
    for i in range(samples.shape[0]):
        a = samples[i, 0] - centre[0]
        b = samples[i, 1] - centre[1]
        c = samples[i, 2] - centre[2]
        e = a * a + b * b + c * c
        if e < d[i]:
            d[i] = e


@numba.njit(cache=True)
def _kmeanspp(samples, k, uniform):  # pragma: no cover - compiled
    n = samples.shape[0]
    centres = np.empty((k, 3), np.float32)
    first = min(int(uniform[0] * n), n - 1)
    centres[0] = samples[first]
    d = np.full(n, np.inf, np.float64)
    _lower(d, samples, centres[0])
    for j in range(1, k):
        centres[j] = samples[_draw(d, uniform[j])]
        _lower(d, samples, centres[j])
    return centres


@numba.njit(cache=True)
def _nearest_errors(points, pal):  # pragma: no cover - compiled
    n = points.shape[0]
    out = np.empty(n, np.float32)
    prev = -1
    for i in range(n):
        j, bd = _nearest(points[i, 0], points[i, 1], points[i, 2], pal, prev)
        prev = j
        out[i] = bd
    return out


@numba.njit(cache=True)
def _refresh(samples, centres, m, uniform):  # pragma: no cover - compiled
    """Move the ``m`` centres whose loss costs least (their samples times the squared distance
    to the nearest other centre) to new places drawn by k-means++ from the kept ones."""
    n = samples.shape[0]
    k = centres.shape[0]
    order = np.argsort(centres[:, 0])
    sc = centres[order]
    counts = np.zeros(k, np.float64)
    prev = -1
    for i in range(n):
        j, _ = _nearest(samples[i, 0], samples[i, 1], samples[i, 2], sc, prev)
        prev = j
        counts[order[j]] += 1.0
    cost = np.empty(k, np.float64)
    for a in range(k):
        best = 1e30
        for b in range(k):
            if b != a:
                d0 = centres[a, 0] - centres[b, 0]
                d1 = centres[a, 1] - centres[b, 1]
                d2 = centres[a, 2] - centres[b, 2]
                e = d0 * d0 + d1 * d1 + d2 * d2
                if e < best:
                    best = e
        cost[a] = counts[a] * best
    drop = np.argsort(cost)[:m]
    keep = np.ones(k, np.bool_)
    keep[drop] = False
    out = centres.copy()
    kept = centres[keep]
    sk = kept[np.argsort(kept[:, 0])]
    d = np.empty(n, np.float64)
    prev = -1
    for i in range(n):
        j, bd = _nearest(samples[i, 0], samples[i, 1], samples[i, 2], sk, prev)
        prev = j
        d[i] = bd
    for r in range(m):
        slot = drop[r]
        out[slot] = samples[_draw(d, uniform[r])]
        _lower(d, samples, out[slot])
    return out


def nearest_errors(points: np.ndarray, pal_lab: np.ndarray) -> np.ndarray:
    """Squared distance of each ``N x 3`` point to its nearest colour of ``pal_lab`` (sorted
    by L)."""
    return _nearest_errors(np.ascontiguousarray(points, np.float32).reshape(-1, 3),
                           np.ascontiguousarray(pal_lab, np.float32))


def kmeans_palette(samples: np.ndarray, k: int, *, init: np.ndarray | None = None,
                   iters: int = 4, seed: int = 0, space: str = "oklab", refresh: int = 0
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``k`` palette colours for ``N x 3`` samples in ``space`` (Oklab by default): (``k x 3``
    uint8 sRGB, their coordinates in ``space``).

    Seeded by ``init`` (Oklab, e.g. the previous frame's palette; resized to ``k``) or
    k-means++. The colours are the rounded centroids, deduplicated (so possibly fewer than
    ``k``) and sorted by lightness.
    """
    samples = np.ascontiguousarray(samples, np.float32).reshape(-1, 3)
    if len(samples) == 0:
        samples = np.zeros((1, 3), np.float32)
    k = max(1, min(int(k), len(samples)))
    if init is not None and len(init) >= k:
        centres = np.ascontiguousarray(init[:k], np.float32).copy()
    elif init is not None and len(init) > 0:
        extra = _kmeanspp(samples, k - len(init), np.random.default_rng(seed).random(k))
        centres = np.ascontiguousarray(np.concatenate([init, extra]), np.float32)
    else:
        centres = _kmeanspp(samples, k, np.random.default_rng(seed).random(k))
    # samples in lightness order: each nearest search starts from the previous sample's colour,
    # which is then the right one or next to it (1.8x faster Lloyd iterations, measured)
    samples = np.ascontiguousarray(samples[np.argsort(samples[:, 0], kind="stable")])
    if init is not None and 0 < refresh < k:
        centres = _refresh(samples, centres, int(refresh),
                           np.random.default_rng(seed + 1).random(int(refresh)))
    centres = _kmeans(samples, centres, iters)
    rgb = np.unique(from_space(centres, space), axis=0)
    lab = to_space(rgb[None], space)[0]
    order = np.argsort(lab[:, 0], kind="stable")
    return rgb[order], np.ascontiguousarray(lab[order])


@numba.njit(cache=True, inline="always")
def ign(x, y):  # pragma: no cover - compiled
    """Interleaved gradient noise in [0, 1) at pixel (x, y) (Jimenez 2014)."""
    t = 0.06711056 * x + 0.00583715 * y
    t = t - np.floor(t)
    u = 52.9829189 * t
    return u - np.floor(u)


# serial: on the shared 2-core machine the thread team cost 3x the CPU of the work itself (a
# 480x270 frame's search is ~2 ms); run-level parallelism is the caller's (batch) to give
@numba.njit(cache=True)
def _map(target, canvas, changed, x0, y0, pal, dither, keep_margin, transp, first,
         out):  # pragma: no cover - compiled
    h, w = out.shape
    for yy in range(h):
        y = y0 + yy
        prev = -1
        for xx in range(w):
            x = x0 + xx
            if not changed[y, x]:
                out[yy, xx] = transp
                continue
            v0 = target[y, x, 0]
            v1 = target[y, x, 1]
            v2 = target[y, x, 2]
            j0, e0 = _nearest(v0, v1, v2, pal, prev)
            prev = j0
            if not first:
                c0 = canvas[y, x, 0] - v0
                c1 = canvas[y, x, 1] - v1
                c2 = canvas[y, x, 2] - v2
                ec = np.sqrt(c0 * c0 + c1 * c1 + c2 * c2)
                if ec <= np.sqrt(e0) + keep_margin:
                    out[yy, xx] = transp
                    continue
            pick = j0
            th = ign(x, y)
            if dither > 0.0 and e0 > 1e-10 and th < 0.5 * dither:
                # the colour on the other side of the pixel and the pixel's place between the two
                r0 = 2.0 * v0 - pal[j0, 0]
                r1 = 2.0 * v1 - pal[j0, 1]
                r2 = 2.0 * v2 - pal[j0, 2]
                j1, _ = _nearest(r0, r1, r2, pal, j0)
                if j1 != j0:
                    a0 = pal[j1, 0] - pal[j0, 0]
                    a1 = pal[j1, 1] - pal[j0, 1]
                    a2 = pal[j1, 2] - pal[j0, 2]
                    den = a0 * a0 + a1 * a1 + a2 * a2
                    if den > 0.0:
                        r = ((v0 - pal[j0, 0]) * a0 + (v1 - pal[j0, 1]) * a1
                             + (v2 - pal[j0, 2]) * a2) / den
                        r = min(max(r, 0.0), 0.5) * dither
                        if r > 0.04 and th < r:
                            pick = j1
            out[yy, xx] = pick


def changed_mask(target: np.ndarray, canvas: np.ndarray, threshold: float) -> np.ndarray:
    """Pixels whose Oklab distance from the canvas exceeds ``threshold``."""
    return _changed(target, canvas, np.float32(threshold * threshold))


# serial: three subtractions a pixel cost less than waking a thread team (measured 6x less
# CPU at 480x270 on the shared 2-core machine)
@numba.njit(cache=True)
def _changed(target, canvas, t2):  # pragma: no cover - compiled
    h, w = target.shape[0], target.shape[1]
    out = np.zeros((h, w), np.bool_)
    for y in range(h):
        for x in range(w):
            d = 0.0
            for c in range(3):
                e = target[y, x, c] - canvas[y, x, c]
                d += e * e
            out[y, x] = d > t2
    return out


def map_frame(target: np.ndarray, canvas: np.ndarray, changed: np.ndarray,
              rect: tuple[int, int, int, int], pal_lab: np.ndarray, *, dither: float,
              keep_margin: float, transparent: int, first: bool) -> np.ndarray:
    """Palette indices (``h x w`` uint8) of the rectangle ``(x, y, w, h)`` of a frame.

    Parameters
    ----------
    target, canvas
        ``H x W x 3`` Oklab: the frame wanted and what the decoder shows before it.
    changed
        ``H x W`` bool: pixels to send (the others become ``transparent``).
    pal_lab
        The palette in Oklab, sorted by L.
    dither
        Strength of the ordered two-colour mixing, 0 (nearest colour) to 1 (proportional).
    keep_margin
        A changed pixel stays transparent when the canvas is within its nearest colour's error
        plus this (Oklab distance).
    transparent
        The transparent index.
    first
        The first frame: every pixel is sent, nothing is kept.
    """
    x, y, w, h = rect
    out = np.empty((h, w), np.uint8)
    _map(target, canvas, changed, x, y, np.ascontiguousarray(pal_lab, np.float32),
         float(dither), float(keep_margin), int(transparent), bool(first), out)
    return out


def nearest_reference(lab: np.ndarray, pal_lab: np.ndarray) -> np.ndarray:
    """Index of the nearest palette colour (squared Oklab distance) for each ``... x 3`` pixel."""
    d = ((lab[..., None, :].astype(np.float64) - pal_lab.astype(np.float64)) ** 2).sum(-1)
    return np.argmin(d, axis=-1)
