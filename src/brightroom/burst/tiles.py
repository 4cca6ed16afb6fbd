"""CFA planes, tiles and raised-cosine overlap-add, shared by the merge methods.

A mosaic with a CFA of period ``p`` (2 for Bayer) is split into ``p * p`` planes, one per
position of the colour cell (``plane[k] = cfa[i::p, j::p]`` for ``k = i * p + j``); each plane
holds one colour, so filtering and shifting a plane by whole plane pixels never mixes colours.
Planes are padded to a :class:`~brightroom.burst.align.TileGrid` whose tiles overlap by half;
the modified raised-cosine window of Hasinoff et al. (2016) sums to exactly one over the
overlaps.

References
----------
Hasinoff, S. W. et al. (2016). Burst photography for high dynamic range and low-light imaging
on mobile cameras. ACM TOG 35(6), 192 (section 5: tiles overlapped by half, raised-cosine
window ``1/2 - 1/2 cos(2 pi (x + 1/2) / n)``).
"""

from __future__ import annotations

import numpy as np

from brightroom.burst._tiles_numba import join_planes2
from brightroom.burst.align import Alignment, TileGrid, pad_for_grid
from brightroom.types import CFAPattern

__all__ = ["split_planes", "join_planes", "plane_channels", "raised_cosine", "padded_planes",
           "tile_view", "gather_tiles", "overlap_add", "warp_planes"]


def split_planes(cfa: np.ndarray, period: int) -> np.ndarray:
    """``(p*p, H//p, W//p)`` float32 planes of a mosaic (rows/columns past whole cells dropped)."""
    h, w = cfa.shape
    hh, ww = h // period, w // period
    a = cfa[: hh * period, : ww * period].reshape(hh, period, ww, period)
    return np.ascontiguousarray(a.transpose(1, 3, 0, 2).reshape(period * period, hh, ww),
                                dtype=np.float32)


def join_planes(planes: np.ndarray, period: int, like: np.ndarray) -> np.ndarray:
    """Inverse of :func:`split_planes`, into a copy of ``like`` (which supplies any remainder)."""
    n, hh, ww = planes.shape
    out = np.array(like, dtype=np.float32, copy=True)
    if period == 2 and n == 4 and _numba_ok():

        join_planes2(np.ascontiguousarray(planes, dtype=np.float32), out)
        return out
    a = planes.reshape(period, period, hh, ww).transpose(2, 0, 3, 1).reshape(hh * period,
                                                                             ww * period)
    out[: hh * period, : ww * period] = a
    return out


def _numba_ok() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def plane_channels(pattern: CFAPattern) -> np.ndarray:
    """Colour channel (0 R, 1 G, 2 B) of each plane of :func:`split_planes`."""
    return pattern.tile.ravel().astype(np.int64)


def raised_cosine(n: int) -> np.ndarray:
    """``n x n`` float32 window ``w(y) w(x)``, ``w(k) = 1/2 - 1/2 cos(2 pi (k + 1/2) / n)``."""
    k = np.arange(n)
    w = 0.5 - 0.5 * np.cos(2 * np.pi * (k + 0.5) / n)
    return np.outer(w, w).astype(np.float32)


def padded_planes(planes: np.ndarray, grid: TileGrid) -> np.ndarray:
    """Every plane reflect-padded to the grid."""
    return np.stack([pad_for_grid(p, grid) for p in planes])


def tile_view(padded: np.ndarray, grid: TileGrid, i0: int, i1: int) -> np.ndarray:
    """Tiles of rows ``i0:i1`` as a ``(i1-i0, nx, P, t, t)`` view of padded planes ``(P, Hp, Wp)``."""
    t, s = grid.tile, grid.step
    sub = padded[:, i0 * s: (i1 - 1) * s + t, :]
    v = np.lib.stride_tricks.sliding_window_view(sub, (t, t), axis=(1, 2))[:, ::s, ::s]
    return v[:, : i1 - i0, : grid.nx].transpose(1, 2, 0, 3, 4)


def gather_tiles(padded: np.ndarray, grid: TileGrid, disp: np.ndarray, i0: int,
                 i1: int) -> np.ndarray:
    """Tiles of rows ``i0:i1`` of ``padded`` displaced by integer ``disp`` (edge-clamped).

    Returns ``(i1-i0, nx, P, t, t)`` float32: tile ``(i, j)`` is
    ``padded[:, i*s + dy : i*s + dy + t, j*s + dx : ...]``.
    """
    t, s = grid.tile, grid.step
    _, hp, wp = padded.shape
    d = disp[i0:i1]
    ar = np.arange(t)
    iy = np.clip((np.arange(i0, i1) * s)[:, None, None] + d[:, :, 0, None] + ar, 0, hp - 1)
    ix = np.clip((np.arange(grid.nx) * s)[None, :, None] + d[:, :, 1, None] + ar, 0, wp - 1)
    out = padded[:, iy[:, :, :, None], ix[:, :, None, :]]  # (P, ci, nx, t, t)
    return out.transpose(1, 2, 0, 3, 4)


def overlap_add(blocks: np.ndarray, tiles: np.ndarray, grid: TileGrid, i0: int) -> None:
    """Add windowed ``tiles`` ``(ci, nx, P, t, t)`` into ``blocks`` ``(P, ny+1, nx+1, s, s)``.

    The caller multiplies by the window; tiles overlap by half, so each quadrant of tile
    ``(i, j)`` lands in block ``(i + qy, j + qx)``.
    """
    s = grid.step
    ci = tiles.shape[0]
    q = tiles.transpose(2, 0, 1, 3, 4)  # (P, ci, nx, t, t)
    for qy in (0, 1):
        for qx in (0, 1):
            blocks[:, i0 + qy: i0 + qy + ci, qx: qx + grid.nx] += \
                q[:, :, :, qy * s:(qy + 1) * s, qx * s:(qx + 1) * s]


def blocks_to_planes(blocks: np.ndarray, grid: TileGrid) -> np.ndarray:
    """``(P, ny+1, nx+1, s, s)`` blocks back to ``(P, H, W)`` planes (padding removed)."""
    p, by, bx, s, _ = blocks.shape
    full = blocks.transpose(0, 1, 3, 2, 4).reshape(p, by * s, bx * s)
    h, w = grid.shape
    return np.ascontiguousarray(full[:, grid.pad: grid.pad + h, grid.pad: grid.pad + w])


def warp_planes(padded: np.ndarray, alignment: Alignment, *, rows: int = 16) -> np.ndarray:
    """Planes of another frame moved onto the reference by whole-plane-pixel tile shifts.

    Each tile is taken at its integer displacement, windowed and overlap-added, so tile
    boundaries blend smoothly. Returns ``(P, H, W)`` float32 (padding removed).
    """
    grid = alignment.grid
    p = padded.shape[0]
    win = raised_cosine(grid.tile)
    blocks = np.zeros((p, grid.ny + 1, grid.nx + 1, grid.step, grid.step), np.float32)
    for i0 in range(0, grid.ny, rows):
        i1 = min(i0 + rows, grid.ny)
        overlap_add(blocks, gather_tiles(padded, grid, alignment.displacement, i0, i1) * win,
                    grid, i0)
    return blocks_to_planes(blocks, grid)
