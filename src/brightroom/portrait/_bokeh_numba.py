"""Fused full-resolution composite of :func:`brightroom.portrait.bokeh.composite_full` (numba).

One parallel pass per pixel: bilinear upsampling of the working-resolution layers, the focus
weight, foreground recovery, front-layer ``over`` and noise. Tested against the NumPy version.
"""

from __future__ import annotations

from numba import njit, prange


@njit(cache=True, inline="always")
def _coord(i, n_full, n_small):  # pragma: no cover - compiled
    # cv2.INTER_LINEAR pixel-centre mapping, clamped
    f = (i + 0.5) * n_small / n_full - 0.5
    if f < 0.0:
        f = 0.0
    i0 = int(f)
    if i0 > n_small - 1:
        i0 = n_small - 1
    i1 = i0 + 1 if i0 + 1 < n_small else n_small - 1
    return i0, i1, f - i0


@njit(cache=True, parallel=True)
def composite_numba(img, matte, r_w, b, best, nn, na, noise, sigma, r1, out):  # pragma: no cover
    h, w = img.shape[0], img.shape[1]
    hs, ws = b.shape[0], b.shape[1]
    hr, wr = r_w.shape[0], r_w.shape[1]
    nh, nw = noise.shape[0], noise.shape[1]
    has_matte = matte.shape[0] == h
    for y in prange(h):
        y0, y1, fy = _coord(y, h, hs)
        ry0, ry1, rfy = _coord(y, h, hr)
        for x in range(w):
            x0, x1, fx = _coord(x, w, ws)
            rx0, rx1, rfx = _coord(x, w, wr)
            w00 = (1 - fy) * (1 - fx)
            w01 = (1 - fy) * fx
            w10 = fy * (1 - fx)
            w11 = fy * fx
            rr = ((1 - rfy) * ((1 - rfx) * r_w[ry0, rx0] + rfx * r_w[ry0, rx1])
                  + rfy * ((1 - rfx) * r_w[ry1, rx0] + rfx * r_w[ry1, rx1]))
            w0 = 1.0 - abs(rr) / r1
            if w0 < 0.0:
                w0 = 0.0
            if has_matte and matte[y, x] > w0:
                w0 = matte[y, x]
            a = (w00 * na[y0, x0] + w01 * na[y0, x1] + w10 * na[y1, x0] + w11 * na[y1, x1])
            keep = w0 * (1.0 - a)
            nz = noise[y % nh, x % nw] * sigma * (1.0 - keep)
            den = w0 if w0 > 0.05 else 0.05
            for c in range(3):
                bb = (w00 * b[y0, x0, c] + w01 * b[y0, x1, c] + w10 * b[y1, x0, c]
                      + w11 * b[y1, x1, c])
                if w0 >= 1.0:
                    o = img[y, x, c]
                elif w0 <= 0.0:
                    o = bb
                else:
                    be = (w00 * best[y0, x0, c] + w01 * best[y0, x1, c]
                          + w10 * best[y1, x0, c] + w11 * best[y1, x1, c])
                    f = (img[y, x, c] - (1.0 - w0) * be) / den
                    if f < 0.0:
                        f = 0.0
                    o = bb + w0 * (f - bb)
                nv = (w00 * nn[y0, x0, c] + w01 * nn[y0, x1, c] + w10 * nn[y1, x0, c]
                      + w11 * nn[y1, x1, c])
                out[y, x, c] = nv * a + (1.0 - a) * o + nz
    return out
