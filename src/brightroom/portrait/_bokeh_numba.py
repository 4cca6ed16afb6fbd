"""Fused full-resolution composite of :func:`brightroom.portrait.bokeh.composite_full` (numba).

One parallel pass per pixel: bilinear upsampling of the working-resolution layers (cv2
``INTER_LINEAR`` pixel-centre mapping, coordinates tabulated once per row and column), the focus
weight, foreground recovery, front-layer ``over`` and noise. Tested against the NumPy version.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def _table(n_full, n_small):  # pragma: no cover - compiled
    i0 = np.empty(n_full, np.int64)
    i1 = np.empty(n_full, np.int64)
    fr = np.empty(n_full, np.float32)
    for i in range(n_full):
        f = (i + 0.5) * n_small / n_full - 0.5
        if f < 0.0:
            f = 0.0
        a = int(f)
        if a > n_small - 1:
            a = n_small - 1
        i0[i] = a
        i1[i] = a + 1 if a + 1 < n_small else n_small - 1
        fr[i] = f - a
    return i0, i1, fr


@njit(cache=True, parallel=True, fastmath=True)
def composite_numba(img, matte, r_w, b, best, nn, na, noise, sigma, r1, out):  # pragma: no cover
    """``noise``: ``nh x nw x 1`` or ``x 3`` grain tile; ``sigma``: float32 ``1 x L`` or ``3 x L``
    LUT of the grain's standard deviation over the photo's own value of each channel (``L`` points
    spanning 0..1, linear interpolation; one point = constant)."""
    h, w = img.shape[0], img.shape[1]
    hs, ws = b.shape[0], b.shape[1]
    hr, wr = r_w.shape[0], r_w.shape[1]
    nh, nw, nnc = noise.shape[0], noise.shape[1], noise.shape[2]
    has_matte = matte.shape[0] == h
    nsc, nsig = sigma.shape[0], sigma.shape[1]
    has_noise = False
    for j in range(nsc):
        for i in range(nsig):
            if sigma[j, i] > 0:
                has_noise = True
    y0t, y1t, fyt = _table(h, hs)
    x0t, x1t, fxt = _table(w, ws)
    ry0t, ry1t, rfyt = _table(h, hr)
    rx0t, rx1t, rfxt = _table(w, wr)
    nxt = np.empty(w, np.int64)
    for x in range(w):
        nxt[x] = x % nw
    inv_r1 = np.float32(1.0) / r1
    one = np.float32(1.0)
    for y in prange(h):
        # separable bilinear: interpolate the working-resolution rows once per output row
        y0 = y0t[y]
        y1 = y1t[y]
        fy = fyt[y]
        gy = one - fy
        ry0 = ry0t[y]
        ry1 = ry1t[y]
        rfy = rfyt[y]
        rgy = one - rfy
        rrow = np.empty(wr, np.float32)
        for i in range(wr):
            rrow[i] = rgy * r_w[ry0, i] + rfy * r_w[ry1, i]
        arow = np.empty(ws, np.float32)
        brow = np.empty((ws, 3), np.float32)
        erow = np.empty((ws, 3), np.float32)
        nrow = np.empty((ws, 3), np.float32)
        for i in range(ws):
            arow[i] = gy * na[y0, i] + fy * na[y1, i]
            for c in range(3):
                brow[i, c] = gy * b[y0, i, c] + fy * b[y1, i, c]
                erow[i, c] = gy * best[y0, i, c] + fy * best[y1, i, c]
                nrow[i, c] = gy * nn[y0, i, c] + fy * nn[y1, i, c]
        ny = y % nh
        for x in range(w):
            x0 = x0t[x]
            x1 = x1t[x]
            fx = fxt[x]
            gx = one - fx
            rfx = rfxt[x]
            rr = (one - rfx) * rrow[rx0t[x]] + rfx * rrow[rx1t[x]]
            w0 = one - abs(rr) * inv_r1
            if w0 < 0.0:
                w0 = np.float32(0.0)
            if has_matte and matte[y, x] > w0:
                w0 = matte[y, x]
            a = gx * arow[x0] + fx * arow[x1]
            if w0 >= 1.0 and a <= 0.0:
                for c in range(3):
                    out[y, x, c] = img[y, x, c]
                continue
            den = w0 if w0 > 0.05 else np.float32(0.05)
            for c in range(3):
                bb = gx * brow[x0, c] + fx * brow[x1, c]
                if w0 >= 1.0:
                    o = img[y, x, c]
                elif w0 <= 0.0:
                    o = bb
                else:
                    be = gx * erow[x0, c] + fx * erow[x1, c]
                    f = (img[y, x, c] - (one - w0) * be) / den
                    if f < 0.0:
                        f = np.float32(0.0)
                    o = bb + w0 * (f - bb)
                if a > 0.0:
                    nv = gx * nrow[x0, c] + fx * nrow[x1, c]
                    o = nv * a + (one - a) * o
                out[y, x, c] = o
            if has_noise:
                gain = one - w0 * (one - a)
                for c in range(3):
                    lut = c if nsc == 3 else 0
                    if nsig == 1:
                        sg = sigma[lut, 0]
                    else:
                        t = img[y, x, c] * np.float32(nsig - 1)
                        if t < 0.0:
                            t = np.float32(0.0)
                        if t > nsig - 1:
                            t = np.float32(nsig - 1)
                        k = int(t)
                        if k > nsig - 2:
                            k = nsig - 2
                        ft = t - k
                        sg = (one - ft) * sigma[lut, k] + ft * sigma[lut, k + 1]
                    out[y, x, c] += noise[ny, nxt[x], c if nnc == 3 else 0] * sg * gain
    return out
