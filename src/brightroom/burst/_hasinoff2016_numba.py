"""Fast path of :func:`brightroom.burst.hasinoff2016.merge_wiener`: fused numba kernels.

The Fourier transforms stay in ``scipy.fft`` (multi-threaded pocketfft); these kernels fuse
what happens between them, in the same order and with the same formulas as the NumPy
reference: the tile gather at integer displacements, the sub-pixel phase ramp, the tile
mismatch test, the pairwise Wiener shrinkage and accumulation, the spatial shrinkage, and the
windowed overlap-add (same additions in the same order as
:func:`brightroom.burst.tiles.overlap_add`).

References
----------
Hasinoff et al. (2016). Burst photography for high dynamic range and low-light imaging on
mobile cameras. ACM TOG 35(6), 192 (section 5).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["gather_tiles_into", "wiener_accumulate", "wiener_finish", "overlap_add_window",
           "blocks_to_planes"]


@njit(cache=True, parallel=True)
def gather_tiles_into(padded, disp, i0, i1, tile, step, out):  # noqa: ANN001, ANN201
    """``out[i - i0, j, p] = padded[p, i*step + dy + u, j*step + dx + v]`` (edge-clamped)."""
    np_, hp, wp = padded.shape
    nx = out.shape[1]
    for ii in prange(i1 - i0):
        i = i0 + ii
        for j in range(nx):
            y0 = i * step + disp[i, j, 0]
            x0 = j * step + disp[i, j, 1]
            inside = y0 >= 0 and x0 >= 0 and y0 + tile <= hp and x0 + tile <= wp
            for p in range(np_):
                for u in range(tile):
                    if inside:
                        for v in range(tile):
                            out[ii, j, p, u, v] = padded[p, y0 + u, x0 + v]
                    else:
                        yy = min(max(y0 + u, 0), hp - 1)
                        for v in range(tile):
                            xx = min(max(x0 + v, 0), wp - 1)
                            out[ii, j, p, u, v] = padded[p, yy, xx]


@njit(cache=True, parallel=True, fastmath={"reassoc", "contract"})
def wiener_accumulate(t0, tz, sub, fy, fx, noise_d, expect, mismatch, wpar, subpixel,  # noqa: ANN001, ANN201, E501
                      acc, sum_a, sum_1ma2, motion=0.0):
    """One alternate frame's contribution; returns the number of rejected tiles.

    ``tz`` is left as it is: the phase-shifted coefficient is recomputed (with the same
    complex64 product) in the second pass rather than written back.
    """
    ci, nx, np_, ty, tx = t0.shape
    bad_count = np.zeros(ci, np.int64)
    two_pi = 2.0 * math.pi
    for i in prange(ci):
        ey = np.empty(ty, np.complex64)
        ex = np.empty(tx, np.complex64)
        ph = np.ones((ty, tx), np.complex64)
        for j in range(nx):
            sy = sub[i, j, 0]
            sx = sub[i, j, 1]
            if subpixel:  # the phase ramp is separable: exp(2 pi i (sy fy + sx fx))
                for u in range(ty):
                    ang = two_pi * sy * fy[u]
                    ey[u] = complex(math.cos(ang), math.sin(ang))
                for v in range(tx):
                    ang = two_pi * sx * fx[v]
                    ex[v] = complex(math.cos(ang), math.sin(ang))
                for u in range(ty):
                    for v in range(tx):
                        ph[u, v] = ey[u] * ex[v]
            energy = 0.0
            for p in range(np_):
                for u in range(ty):
                    for v in range(tx):
                        z = tz[i, j, p, u, v]
                        if subpixel:
                            z = z * ph[u, v]
                        d = t0[i, j, p, u, v] - z
                        energy += (d.real * d.real + d.imag * d.imag) * wpar[v]
            bad = energy > mismatch * expect[i, j]
            if bad:
                bad_count[i] += 1
            shrink = np.float32(1.0)
            if motion > 0:
                ex_ = expect[i, j]
                ratio = max(energy / (ex_ if ex_ > 0 else 1.0), 1.0)
                shrink = np.float32(ratio ** motion)
            for p in range(np_):
                nd = noise_d[i, j, p] / shrink if motion > 0 else noise_d[i, j, p]
                for u in range(ty):
                    for v in range(tx):
                        z = tz[i, j, p, u, v]
                        if subpixel:
                            z = z * ph[u, v]
                        d = t0[i, j, p, u, v] - z
                        if bad:
                            acc[i, j, p, u, v] += z + d
                            sum_a[i, j, p, u, v] += np.float32(1.0)
                        else:
                            d2 = d.real * d.real + d.imag * d.imag
                            den = d2 + nd
                            a = np.float32(d2 / den) if den > 0 else np.float32(0.0)
                            acc[i, j, p, u, v] += z + a * d
                            sum_a[i, j, p, u, v] += a
                            sum_1ma2[i, j, p, u, v] += (1 - a) * (1 - a)
    return bad_count.sum()


@njit(cache=True, parallel=True)
def wiener_finish(acc, sum_a, sum_1ma2, sigma2, nf, n, spatial, wpar):  # noqa: ANN001, ANN201
    """Divide by the frame count, apply the spatial shrinkage; returns the noise-fraction sum."""
    ci, nx, np_, ty, tx = acc.shape
    part = np.zeros(ci, np.float64)
    inv = np.float32(1.0 / nf)
    nf2 = np.float32(nf * nf)
    for i in prange(ci):
        s = 0.0
        for j in range(nx):
            for p in range(np_):
                sg = sigma2[i, j, p]
                for u in range(ty):
                    for v in range(tx):
                        sa = np.float32(1.0) + sum_a[i, j, p, u, v]
                        frac = (sa * sa + sum_1ma2[i, j, p, u, v]) / nf2
                        s += frac * wpar[v]
                        m = acc[i, j, p, u, v] * inv
                        if spatial > 0:
                            m2 = m.real * m.real + m.imag * m.imag
                            den = m2 + np.float32(spatial * n) * sg * frac
                            m = m * (np.float32(m2 / den) if den > 0 else np.float32(0.0))
                        acc[i, j, p, u, v] = m
        part[i] = s
    return part.sum()


@njit(cache=True, parallel=True)
def _overlap_add_window(blocks, tiles, win, i0):  # noqa: ANN001, ANN202
    ci, nx, np_, t, _ = tiles.shape
    s = t // 2
    for p in prange(np_):
        for qy in range(2):
            for qx in range(2):
                for ii in range(ci):
                    for j in range(nx):
                        for u in range(s):
                            for v in range(s):
                                blocks[p, i0 + qy + ii, qx + j, u, v] += (
                                    tiles[ii, j, p, qy * s + u, qx * s + v]
                                    * win[qy * s + u, qx * s + v])


def overlap_add_window(blocks: np.ndarray, tiles: np.ndarray, win: np.ndarray, i0: int) -> None:
    """``overlap_add(blocks, tiles * win, grid, i0)`` without the windowed copy."""
    _overlap_add_window(blocks, np.ascontiguousarray(tiles, dtype=np.float32),
                        np.ascontiguousarray(win, dtype=np.float32), int(i0))


@njit(cache=True, parallel=True)
def _blocks_to_planes(blocks, pad, out):  # noqa: ANN001, ANN202
    np_, h, w = out.shape
    bx_n = blocks.shape[2]
    s = blocks.shape[3]
    for y in prange(h):
        by = (y + pad) // s
        u = (y + pad) % s
        for p in range(np_):
            row = out[p, y]
            for bx in range(bx_n):
                x0 = bx * s - pad
                if x0 >= 0 and x0 + s <= w:
                    for v in range(s):
                        row[x0 + v] = blocks[p, by, bx, u, v]
                else:
                    for v in range(s):
                        x = x0 + v
                        if 0 <= x < w:
                            row[x] = blocks[p, by, bx, u, v]


def blocks_to_planes(blocks: np.ndarray, pad: int, shape: tuple[int, int]) -> np.ndarray:
    """:func:`brightroom.burst.tiles.blocks_to_planes` in one pass."""
    out = np.empty((blocks.shape[0],) + tuple(shape), np.float32)
    _blocks_to_planes(blocks, int(pad), out)
    return out
