"""Fast paths of :mod:`brightroom.burst.wronski2019`: Lucas-Kanade refinement and accumulation.

The same arithmetic as :func:`~brightroom.burst.wronski2019.refine_flow_numpy` and
:func:`~brightroom.burst.wronski2019.accumulate_numpy`, one tile (one output row) per
iteration of a parallel loop; tested against them.

References
----------
Wronski, B. et al. (2019). Handheld multi-frame super-resolution. ACM TOG 38(4), 28.
Baker, S., Matthews, I. (2004). Lucas-Kanade 20 years on. IJCV 56(3), 221-255.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["refine_flow_numba", "accumulate_numba"]


@njit(cache=True, inline="always")
def _bilin(img, y, x):  # noqa: ANN001, ANN202 - numba kernel
    h, w = img.shape
    if y < 0.0:
        y = 0.0
    if y > h - 1.0:
        y = h - 1.0
    if x < 0.0:
        x = 0.0
    if x > w - 1.0:
        x = w - 1.0
    y0 = int(math.floor(y))
    x0 = int(math.floor(x))
    if y0 > h - 2:
        y0 = max(h - 2, 0)
    if x0 > w - 2:
        x0 = max(w - 2, 0)
    fy = y - y0
    fx = x - x0
    y1 = min(y0 + 1, h - 1)
    x1 = min(x0 + 1, w - 1)
    a = np.float64(img[y0, x0])
    b = np.float64(img[y0, x1])
    c = np.float64(img[y1, x0])
    d = np.float64(img[y1, x1])
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy


@njit(cache=True, inline="always")
def _bilin3(img, y, x, ch):  # noqa: ANN001, ANN202 - numba kernel
    h, w = img.shape[0], img.shape[1]
    if y < 0.0:
        y = 0.0
    if y > h - 1.0:
        y = h - 1.0
    if x < 0.0:
        x = 0.0
    if x > w - 1.0:
        x = w - 1.0
    y0 = int(math.floor(y))
    x0 = int(math.floor(x))
    if y0 > h - 2:
        y0 = max(h - 2, 0)
    if x0 > w - 2:
        x0 = max(w - 2, 0)
    fy = y - y0
    fx = x - x0
    y1 = min(y0 + 1, h - 1)
    x1 = min(x0 + 1, w - 1)
    return ((img[y0, x0, ch] * (1 - fx) + img[y0, x1, ch] * fx) * (1 - fy)
            + (img[y1, x0, ch] * (1 - fx) + img[y1, x1, ch] * fx) * fy)


@njit(cache=True, parallel=True)
def refine_flow_numba(ref, alt, gy, gx, tile, step, ny, nx, flow, iterations):  # noqa: ANN001, ANN201
    """Lucas-Kanade refinement of each tile's translation (see ``refine_flow_numpy``)."""
    out = np.empty((ny, nx, 2), np.float32)
    for i in prange(ny):
        for j in range(nx):
            y0 = i * step
            x0 = j * step
            hyy = 0.0
            hxx = 0.0
            hxy = 0.0
            for u in range(tile):
                for v in range(tile):
                    a = np.float64(gy[y0 + u, x0 + v])
                    b = np.float64(gx[y0 + u, x0 + v])
                    hyy += a * a
                    hxx += b * b
                    hxy += a * b
            det = hyy * hxx - hxy * hxy
            fy = np.float64(flow[i, j, 0])
            fx = np.float64(flow[i, j, 1])
            ok = det > 1e-12 * max((hyy + hxx) ** 2, 1e-300)
            if ok:
                for _ in range(iterations):
                    by = 0.0
                    bx = 0.0
                    for u in range(tile):
                        for v in range(tile):
                            e = np.float64(ref[y0 + u, x0 + v]) - _bilin(
                                alt, y0 + u + fy, x0 + v + fx)
                            by += np.float64(gy[y0 + u, x0 + v]) * e
                            bx += np.float64(gx[y0 + u, x0 + v]) * e
                    ddy = (hxx * by - hxy * bx) / det
                    ddx = (hyy * bx - hxy * by) / det
                    fy += min(max(ddy, -1.0), 1.0)
                    fx += min(max(ddx, -1.0), 1.0)
            out[i, j, 0] = fy
            out[i, j, 1] = fx
    return out


@njit(cache=True, parallel=True, fastmath={"contract", "afn"})
def accumulate_numba(cfa, tile, flow, step, rob, use_rob, omega, oy, ox, scale, prior,  # noqa: ANN001, ANN201
                     use_prior, num, den):
    """Add one frame's weighted CFA samples to ``num`` and ``den`` (see ``accumulate_numpy``)."""
    h, w = cfa.shape
    ho, wo = num.shape[0], num.shape[1]
    hh, ww = omega.shape[1], omega.shape[2]
    ny, nx = flow.shape[0], flow.shape[1]
    inv = 1.0 / scale
    for k in prange(ho):
        py = oy + (k + 0.5) * inv - 0.5
        gyc = (py - 0.5) / 2.0
        gu = int(round(gyc))  # rint: round half to even, as np.rint
        if gu < 0:
            gu = 0
        if gu > hh - 1:
            gu = hh - 1
        ty = gyc / step
        if ty < 0.0:
            ty = 0.0
        if ty > ny - 1.0:
            ty = ny - 1.0
        ti0 = int(math.floor(ty))
        if ti0 > ny - 2:
            ti0 = max(ny - 2, 0)
        ti1 = min(ti0 + 1, ny - 1)
        wy = ty - ti0
        for m in range(wo):
            px = ox + (m + 0.5) * inv - 0.5
            gxc = (px - 0.5) / 2.0
            gv = int(round(gxc))
            if gv < 0:
                gv = 0
            if gv > ww - 1:
                gv = ww - 1
            tx = gxc / step
            if tx < 0.0:
                tx = 0.0
            if tx > nx - 1.0:
                tx = nx - 1.0
            tj0 = int(math.floor(tx))
            if tj0 > nx - 2:
                tj0 = max(nx - 2, 0)
            tj1 = min(tj0 + 1, nx - 1)
            wx = tx - tj0
            fyv = ((flow[ti0, tj0, 0] * (1 - wx) + flow[ti0, tj1, 0] * wx) * (1 - wy)
                   + (flow[ti1, tj0, 0] * (1 - wx) + flow[ti1, tj1, 0] * wx) * wy)
            fxv = ((flow[ti0, tj0, 1] * (1 - wx) + flow[ti0, tj1, 1] * wx) * (1 - wy)
                   + (flow[ti1, tj0, 1] * (1 - wx) + flow[ti1, tj1, 1] * wx) * wy)
            ay = py + 2.0 * fyv
            ax = px + 2.0 * fxv
            a = omega[0, gu, gv]
            b = omega[1, gu, gv]
            c = omega[2, gu, gv]
            r = rob[gu, gv] if use_rob else np.float32(1.0)
            if r <= 0.0:
                continue
            qy0 = int(round(ay))
            qx0 = int(round(ax))
            n0 = np.float32(0.0)
            n1 = np.float32(0.0)
            n2 = np.float32(0.0)
            d0 = np.float32(0.0)
            d1 = np.float32(0.0)
            d2 = np.float32(0.0)
            for dy in range(-1, 2):
                qy = min(max(qy0 + dy, 0), h - 1)
                ey = np.float32(qy - ay)
                for dx in range(-1, 2):
                    qx = min(max(qx0 + dx, 0), w - 1)
                    ex = np.float32(qx - ax)
                    wgt = np.float32(math.exp(-0.5 * (a * ey * ey + 2 * b * ey * ex
                                                      + c * ex * ex))) * r
                    val = cfa[qy, qx]
                    ch = tile[qy % 2, qx % 2]
                    if use_prior:
                        sy = (qy - 2.0 * fyv - oy + 0.5) * scale - 0.5
                        sx = (qx - 2.0 * fxv - ox + 0.5) * scale - 0.5
                        val = np.float32(val - _bilin3(prior, sy, sx, ch))
                    if ch == 0:
                        n0 += wgt * val
                        d0 += wgt
                    elif ch == 1:
                        n1 += wgt * val
                        d1 += wgt
                    else:
                        n2 += wgt * val
                        d2 += wgt
            num[k, m, 0] += n0
            num[k, m, 1] += n1
            num[k, m, 2] += n2
            den[k, m, 0] += d0
            den[k, m, 1] += d1
            den[k, m, 2] += d2
