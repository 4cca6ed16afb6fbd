"""Fast path of :func:`brightroom.burst.align.search_level`: the same tile search in numba.

Same candidates, same scan order and first-minimum rule, float64 accumulation, edge-clamped
coordinates; parallel over tile rows. The tile sums may be reassociated (``fastmath`` reassoc,
so that they vectorise): costs agree with the NumPy reference (pairwise sums) to ~1e-15
relative, not bit for bit.

:func:`search_fine_cands_numba` fuses the finest level's two steps (choosing among the three
upsampled coarse guesses, then the +-radius L2 search with the 3 x 3 costs for the sub-pixel
fit), evaluating each distinct displacement of a tile once.

References
----------
Hasinoff et al. (2016). Burst photography for high dynamic range and low-light imaging on
mobile cameras. ACM TOG 35(6), 192 (section 4).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["search_level_numba", "search_fine_numba", "search_fine_cands_numba", "costs3x3_numba"]

_FM = {"reassoc", "contract"}


@njit(cache=True, inline="always")
def _clamp(v, hi):  # noqa: ANN001, ANN202 - numba kernel
    if v < 0:
        return 0
    if v > hi:
        return hi
    return v


@njit(cache=True, inline="always", fastmath=_FM)
def _tile_cost(ref, alt, y0, x0, dy, dx, tile, norm):  # noqa: ANN001, ANN202 - numba kernel
    h, w = alt.shape
    c = 0.0
    ya, xa = y0 + dy, x0 + dx
    if ya >= 0 and xa >= 0 and ya + tile <= h and xa + tile <= w:  # no clamping needed
        for u in range(tile):
            for v in range(tile):
                d = np.float64(alt[ya + u, xa + v]) - np.float64(ref[y0 + u, x0 + v])
                if norm == 1:
                    c += abs(d)
                else:
                    c += d * d
        return c
    for u in range(tile):
        yy = _clamp(y0 + u + dy, h - 1)
        for v in range(tile):
            xx = _clamp(x0 + v + dx, w - 1)
            d = np.float64(alt[yy, xx]) - np.float64(ref[y0 + u, x0 + v])
            if norm == 1:
                c += abs(d)
            else:
                c += d * d
    return c


@njit(cache=True, parallel=True, fastmath=_FM)
def _search(ref, alt, tile, step, ny, nx, guess, radius, norm, best, cost):  # noqa: ANN001, ANN202
    for i in prange(ny):
        for j in range(nx):
            gy = guess[i, j, 0]
            gx = guess[i, j, 1]
            bc = np.inf
            by = gy
            bx = gx
            for a in range(-radius, radius + 1):
                for b in range(-radius, radius + 1):
                    c = _tile_cost(ref, alt, i * step, j * step, gy + a, gx + b, tile, norm)
                    if c < bc:
                        bc = c
                        by = gy + a
                        bx = gx + b
            best[i, j, 0] = by
            best[i, j, 1] = bx
            cost[i, j] = bc


@njit(cache=True, parallel=True, fastmath=_FM)
def _costs3(ref, alt, tile, step, ny, nx, disp, out):  # noqa: ANN001, ANN202
    for i in prange(ny):
        for j in range(nx):
            for a in range(3):
                for b in range(3):
                    out[i, j, a, b] = _tile_cost(ref, alt, i * step, j * step,
                                                 disp[i, j, 0] + a - 1, disp[i, j, 1] + b - 1,
                                                 tile, 2)


@njit(cache=True, parallel=True, fastmath=_FM)
def _search_fine(ref, alt, tile, step, ny, nx, guess, radius, best, cost, c3):  # noqa: ANN001, ANN202, E501
    k = 2 * radius + 1
    for i in prange(ny):
        local = np.empty((k, k), np.float64)
        for j in range(nx):
            gy = guess[i, j, 0]
            gx = guess[i, j, 1]
            bc = np.inf
            ba = 0
            bb = 0
            for a in range(k):
                for b in range(k):
                    c = _tile_cost(ref, alt, i * step, j * step, gy + a - radius, gx + b - radius,
                                   tile, 2)
                    local[a, b] = c
                    if c < bc:
                        bc = c
                        ba = a
                        bb = b
            best[i, j, 0] = gy + ba - radius
            best[i, j, 1] = gx + bb - radius
            cost[i, j] = bc
            for a in range(3):
                for b in range(3):
                    la, lb = ba + a - 1, bb + b - 1
                    if 0 <= la < k and 0 <= lb < k:
                        c3[i, j, a, b] = local[la, lb]
                    else:
                        c3[i, j, a, b] = _tile_cost(ref, alt, i * step, j * step,
                                                    best[i, j, 0] + a - 1, best[i, j, 1] + b - 1,
                                                    tile, 2)


@njit(cache=True, parallel=True, fastmath=_FM)
def _search_fine_cands(ref, alt, tile, step, ny, nx, cands, radius, best, cost, c3):  # noqa: ANN001, ANN202, E501
    k = 2 * radius + 1
    nc = cands.shape[0]
    for i in prange(ny):
        local = np.empty((k, k), np.float64)
        cc = np.empty(nc, np.float64)
        for j in range(nx):
            # the guess: first strict minimum over the candidates (each distinct one costed once)
            gy = cands[0, i, j, 0]
            gx = cands[0, i, j, 1]
            gc = np.inf
            for q in range(nc):
                qy = cands[q, i, j, 0]
                qx = cands[q, i, j, 1]
                c = -1.0
                for r in range(q):
                    if cands[r, i, j, 0] == qy and cands[r, i, j, 1] == qx:
                        c = cc[r]
                        break
                if c < 0:
                    c = _tile_cost(ref, alt, i * step, j * step, qy, qx, tile, 2)
                cc[q] = c
                if q == 0 or c < gc:
                    gc = c
                    gy = qy
                    gx = qx
            bc = np.inf
            ba = 0
            bb = 0
            for a in range(k):
                for b in range(k):
                    dy = gy + a - radius
                    dx = gx + b - radius
                    c = -1.0
                    for r in range(nc):
                        if cands[r, i, j, 0] == dy and cands[r, i, j, 1] == dx:
                            c = cc[r]
                            break
                    if c < 0:
                        c = _tile_cost(ref, alt, i * step, j * step, dy, dx, tile, 2)
                    local[a, b] = c
                    if c < bc:
                        bc = c
                        ba = a
                        bb = b
            best[i, j, 0] = gy + ba - radius
            best[i, j, 1] = gx + bb - radius
            cost[i, j] = bc
            for a in range(3):
                for b in range(3):
                    la, lb = ba + a - 1, bb + b - 1
                    if 0 <= la < k and 0 <= lb < k:
                        c3[i, j, a, b] = local[la, lb]
                    else:
                        c3[i, j, a, b] = _tile_cost(ref, alt, i * step, j * step,
                                                    best[i, j, 0] + a - 1, best[i, j, 1] + b - 1,
                                                    tile, 2)


@njit(cache=True, inline="always", fastmath=_FM)
def _tile_cost_blocks(ref, alt, i, j, r0, step, dy, dx, cache, centre, hw):  # noqa: ANN001, ANN202, E501
    """L2 cost of tile ``(i, j)`` (``2 step`` wide) as the sum of its four ``step`` blocks,
    each looked up in / stored into ``cache`` (block rows from ``r0``) when its displacement
    lies within ``hw`` of the block's ``centre``. One call site of :func:`_tile_cost` (each
    inlined copy costs seconds of compilation)."""
    kw = 2 * hw + 1
    c = 0.0
    for q in range(4):
        qy = q // 2
        qx = q - 2 * qy
        r = i - r0 + qy
        cc = j + qx
        ky = dy - centre[r, cc, 0] + hw
        kx = dx - centre[r, cc, 1] + hw
        inside = 0 <= ky < kw and 0 <= kx < kw
        v = cache[r, cc, ky, kx] if inside else -1.0
        if v < 0:
            v = _tile_cost(ref, alt, (i + qy) * step, (j + qx) * step, dy, dx, step, 2)
            if inside:
                cache[r, cc, ky, kx] = v
        c += v
    return c


@njit(cache=True, parallel=True, fastmath=_FM)
def _search_fine_cands_blocks(ref, alt, step, ny, nx, cands, radius, band, best, cost, c3):  # noqa: ANN001, ANN202, E501
    """:func:`_search_fine_cands` for tiles of ``2 step`` overlapping by half: a tile's cost is
    the sum of its four blocks' costs, and a block's cost at a displacement is computed once
    for the (up to four) tiles sharing it. Bands of ``band`` tile rows run in parallel.

    The three kinds of evaluation (the ``nc`` candidates, the ``k x k`` window around the best
    candidate, the 3 x 3 costs around the winner that fall outside the window) run through one
    loop with one call of the (inlined) block cost, which keeps compilation short."""
    k = 2 * radius + 1
    nc = cands.shape[0]
    hw = radius + 2
    kw = 2 * hw + 1
    nbands = (ny + band - 1) // band
    for bi in prange(nbands):
        r0 = bi * band
        r1 = min(r0 + band, ny)
        cache = np.full((r1 - r0 + 1, nx + 1, kw, kw), -1.0)
        centre = np.empty((r1 - r0 + 1, nx + 1, 2), np.int64)
        for r in range(r1 - r0 + 1):
            ti = min(r0 + r, ny - 1)
            for cc in range(nx + 1):
                tj = min(cc, nx - 1)
                centre[r, cc, 0] = cands[0, ti, tj, 0]
                centre[r, cc, 1] = cands[0, ti, tj, 1]
        local = np.empty((k, k), np.float64)
        for i in range(r0, r1):
            for j in range(nx):
                gy = cands[0, i, j, 0]
                gx = cands[0, i, j, 1]
                gc = np.inf
                bc = np.inf
                ba = 0
                bb = 0
                for m in range(nc + k * k + 9):
                    if m < nc:  # the candidates: first strict minimum
                        dy = cands[m, i, j, 0]
                        dx = cands[m, i, j, 1]
                    elif m < nc + k * k:  # the window around the chosen candidate
                        a = (m - nc) // k
                        b = m - nc - a * k
                        dy = gy + a - radius
                        dx = gx + b - radius
                    else:  # the 3 x 3 costs around the winner
                        if m == nc + k * k:
                            best[i, j, 0] = gy + ba - radius
                            best[i, j, 1] = gx + bb - radius
                            cost[i, j] = bc
                        a = (m - nc - k * k) // 3
                        b = m - nc - k * k - 3 * a
                        la, lb = ba + a - 1, bb + b - 1
                        if 0 <= la < k and 0 <= lb < k:
                            c3[i, j, a, b] = local[la, lb]
                            continue
                        dy = best[i, j, 0] + a - 1
                        dx = best[i, j, 1] + b - 1
                    c = _tile_cost_blocks(ref, alt, i, j, r0, step, dy, dx, cache, centre, hw)
                    if m < nc:
                        if m == 0 or c < gc:
                            gc = c
                            gy = dy
                            gx = dx
                    elif m < nc + k * k:
                        local[a, b] = c
                        if c < bc:
                            bc = c
                            ba = a
                            bb = b
                    else:
                        c3[i, j, a, b] = c


def search_fine_cands_numba(ref: np.ndarray, alt: np.ndarray, tile: int, step: int, ny: int,
                            nx: int, cands: np.ndarray, radius: int, *, blocks: bool = True
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Finest level in one pass: pick the best of ``cands`` (``(K, ny, nx, 2)`` int32, first
    strict minimum of the L2 cost, as a radius-0 :func:`search_level` per candidate), then
    :func:`search_fine_numba` around it. With ``blocks`` (and ``tile == 2 * step``) a tile's
    cost is the sum of its four half-tile blocks, each block costed once per displacement for
    the tiles that share it (same value up to float64 rounding).

    Returns ``(best, cost, c3)`` as :func:`search_fine_numba`.
    """
    best = np.empty((ny, nx, 2), np.int32)
    cost = np.empty((ny, nx), np.float64)
    c3 = np.empty((ny, nx, 3, 3), np.float64)
    r = np.ascontiguousarray(ref, dtype=np.float32)
    a = np.ascontiguousarray(alt, dtype=np.float32)
    cd = np.ascontiguousarray(cands, dtype=np.int32)
    if tile == 2 * step and blocks:
        _search_fine_cands_blocks(r, a, int(step), int(ny), int(nx), cd, int(radius), 8, best,
                                  cost, c3)
    else:
        _search_fine_cands(r, a, int(tile), int(step), int(ny), int(nx), cd, int(radius), best,
                           cost, c3)
    return best, cost, c3


def search_fine_numba(ref: np.ndarray, alt: np.ndarray, tile: int, step: int, ny: int, nx: int,
                      guess: np.ndarray, radius: int
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numba version of :func:`brightroom.burst.align.search_fine_numpy` (the 3 x 3 costs of
    the search window are reused for the sub-pixel fit)."""
    best = np.empty((ny, nx, 2), np.int32)
    cost = np.empty((ny, nx), np.float64)
    c3 = np.empty((ny, nx, 3, 3), np.float64)
    _search_fine(np.ascontiguousarray(ref, dtype=np.float32),
                 np.ascontiguousarray(alt, dtype=np.float32), int(tile), int(step), int(ny),
                 int(nx), np.ascontiguousarray(guess, dtype=np.int32), int(radius), best, cost, c3)
    return best, cost, c3


def search_level_numba(ref: np.ndarray, alt: np.ndarray, tile: int, step: int, ny: int, nx: int,
                       guess: np.ndarray, radius: int, norm: int) -> tuple[np.ndarray, np.ndarray]:
    """Numba version of :func:`brightroom.burst.align.search_level` (same arguments, results)."""
    best = np.empty((ny, nx, 2), np.int32)
    cost = np.empty((ny, nx), np.float64)
    _search(np.ascontiguousarray(ref, dtype=np.float32), np.ascontiguousarray(alt, dtype=np.float32),
            int(tile), int(step), int(ny), int(nx), np.ascontiguousarray(guess, dtype=np.int32),
            int(radius), int(norm), best, cost)
    return best, cost


def costs3x3_numba(ref: np.ndarray, alt: np.ndarray, tile: int, step: int, ny: int, nx: int,
                   disp: np.ndarray) -> np.ndarray:
    """Numba version of the 3 x 3 L2 cost surfaces around ``disp``."""
    out = np.empty((ny, nx, 3, 3), np.float64)
    _costs3(np.ascontiguousarray(ref, dtype=np.float32), np.ascontiguousarray(alt, dtype=np.float32),
            int(tile), int(step), int(ny), int(nx), np.ascontiguousarray(disp, dtype=np.int32), out)
    return out
