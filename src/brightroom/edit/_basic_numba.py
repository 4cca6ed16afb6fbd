"""The basic panel's pointwise pass as one numba kernel (the fast schedule).

The same arithmetic as :func:`brightroom.edit.basic.apply_basic_reference`, tested against it
(:func:`brightroom.edit.basic.apply_basic` packs the plan into the arguments), pixel by pixel
in parallel over rows: gains, dehaze with the per-pixel transmission bound, the tone gain
(bands of the guided base, contrast, clarity, and the plan's texture, sharpening and noise
planes, differences of the input's log luminance), vibrance and
saturation, HSL and the tone curve. Low-resolution planes (the guided filters' coefficients,
the transmission map) are sampled bilinearly with OpenCV's ``INTER_LINEAR`` pixel-centre
convention, so no full-size upsampled copy is made.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["basic_kernel"]

_FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}
_LN2 = math.log(2.0)


@njit(cache=True, inline="always")
def _coord(i, n_dst, n_src):  # pragma: no cover - compiled
    x = (i + 0.5) * (n_src / n_dst) - 0.5
    if x < 0.0:
        x = 0.0
    k = int(x)
    if k > n_src - 1:
        k = n_src - 1
    k1 = k + 1 if k + 1 < n_src else n_src - 1
    return k, k1, np.float32(x - k)


@njit(cache=True)
def _columns(n_dst, n_src):  # pragma: no cover - compiled
    k0 = np.empty(n_dst, np.int64)
    k1 = np.empty(n_dst, np.int64)
    f = np.empty(n_dst, np.float32)
    for j in range(n_dst):
        k0[j], k1[j], f[j] = _coord(j, n_dst, n_src)
    return k0, k1, f


@njit(cache=True, inline="always")
def _sample(p, y0, y1, fy, x0, x1, fx):  # pragma: no cover - compiled
    top = p[y0, x0] + fx * (p[y0, x1] - p[y0, x0])
    bot = p[y1, x0] + fx * (p[y1, x1] - p[y1, x0])
    return top + fy * (bot - top)


@njit(cache=True, inline="always")
def _lookup(tab, h):  # pragma: no cover - compiled
    k = int(h)  # h in [0, 360)
    f = h - k
    if k > 359:
        k = 359
    k1 = k + 1 if k < 359 else 0
    return tab[k] + f * (tab[k1] - tab[k])


@njit(cache=True, inline="always")
def _wrap(x, period):  # pragma: no cover - compiled
    # x in [-period, 2 period): into [0, period) without fmod
    if x >= period:
        x -= period
    elif x < 0.0:
        x += period
    return x


@njit(cache=True, inline="always")
def _hsv_channel(n, h6, v, s):  # pragma: no cover - compiled
    k = _wrap(n + h6, 6.0)
    return v - v * s * min(max(min(k, 4.0 - k), 0.0), 1.0)


@njit(cache=True, inline="always")
def _table(tables, row, x, lo, k, n):  # pragma: no cover - compiled
    t = (x - lo) * k
    t = min(max(t, 0.0), n - 1.0)
    i = min(int(t), n - 2)
    f = t - i
    return tables[row, i] + f * (tables[row, i + 1] - tables[row, i])


@njit(cache=True, inline="always")
def _curve_value(curve, ch, v, n):  # pragma: no cover - compiled
    t = math.sqrt(min(max(v, 0.0), 1.0)) * n
    k = min(int(t), n - 1)
    f = t - k
    return curve[ch, k] + f * (curve[ch, k + 1] - curve[ch, k])


@njit(nogil=True, cache=True, parallel=True, fastmath=_FASTMATH, error_model="numpy")
def basic_kernel(src, out, gains, flags, fp, ta, tb, ca, cb, tsm, airl, fine, sharp, smooth,
                 hsl, curve, tables):  # pragma: no cover - compiled
    h, w = src.shape[0], src.shape[1]
    use_dz, use_tone, use_cl, use_fine, use_sharp, use_smooth, use_hsl, use_curve = (
        flags[0], flags[1], flags[2], flags[3], flags[4], flags[5], flags[6], flags[7])
    add_haze = flags[8]
    keep = fp[26]
    wkeep = fp[27]
    ev_lo, ev_k = fp[28], fp[29]
    n_ev = tables.shape[1]
    need_d = use_fine or use_sharp or use_smooth or use_tone or use_cl or fp[4] != 0.0
    contrast, texture, sharpening, noise = fp[4], fp[6], fp[7], fp[8]
    sat_k, vib, floor, haze_t = fp[9], fp[10], fp[11], fp[13]
    n_curve = curve.shape[1] - 1
    # the columns' bilinear taps of the low-resolution planes, once per call
    tx0, tx1, tfx = _columns(w, ta.shape[1])
    cx0, cx1, cfx = _columns(w, ca.shape[1])
    dx0, dx1, dfx = _columns(w, tsm.shape[1])
    for i in prange(h):
        ty0, ty1, tfy = _coord(i, h, ta.shape[0])
        cy0, cy1, cfy = _coord(i, h, ca.shape[0])
        dy0, dy1, dfy = _coord(i, h, tsm.shape[0])
        for j in range(w):
            r0, g0, b0 = src[i, j, 0], src[i, j, 1], src[i, j, 2]
            r, g, b = r0 * gains[0], g0 * gains[1], b0 * gains[2]
            if use_dz:
                ar, ag, ab = airl[0], airl[1], airl[2]
                if add_haze:
                    r = r * haze_t + ar * (1.0 - haze_t)
                    g = g * haze_t + ag * (1.0 - haze_t)
                    b = b * haze_t + ab * (1.0 - haze_t)
                else:
                    t = _sample(tsm, dy0, dy1, dfy, dx0[j], dx1[j], dfx[j])
                    t = max(t, 0.1)
                    lo = max((ar - r) / (ar - keep * min(r, ar)),
                             max((ag - g) / (ag - keep * min(g, ag)),
                                 (ab - b) / (ab - keep * min(b, ab))))
                    ov = 0.0
                    if r > ar and r <= 1.0:
                        ov = max(ov, (r - ar) / max(r + wkeep * (1.0 - r) - ar, 1e-6))
                    if g > ag and g <= 1.0:
                        ov = max(ov, (g - ag) / max(g + wkeep * (1.0 - g) - ag, 1e-6))
                    if b > ab and b <= 1.0:
                        ov = max(ov, (b - ab) / max(b + wkeep * (1.0 - b) - ab, 1e-6))
                    t = min(max(t, max(lo, ov)), 1.0)
                    r = (r - ar) / t + ar
                    g = (g - ag) / t + ag
                    b = (b - ab) / t + ab
            d = 0.0
            lum = 0.0
            if need_d:
                lum = math.log2(max(0.2126 * r + 0.7152 * g + 0.0722 * b, floor))
            if use_tone:
                x0, x1, fx = tx0[j], tx1[j], tfx[j]
                base = (_sample(ta, ty0, ty1, tfy, x0, x1, fx) * lum
                        + _sample(tb, ty0, ty1, tfy, x0, x1, fx))
                d += _table(tables, 0, base, ev_lo, ev_k, n_ev)
            if contrast != 0.0:
                d += _table(tables, 1, lum, ev_lo, ev_k, n_ev)
            if use_cl:
                x0, x1, fx = cx0[j], cx1[j], cfx[j]
                base = (_sample(ca, cy0, cy1, cfy, x0, x1, fx) * lum
                        + _sample(cb, cy0, cy1, cfy, x0, x1, fx))
                d += _table(tables, 2, lum, ev_lo, ev_k, n_ev) * (lum - base)
            if use_fine:
                d += texture * fine[i, j]
            if use_sharp:
                d += sharpening * sharp[i, j]
            if use_smooth:
                d -= noise * smooth[i, j]
            if need_d:
                k = math.exp(d * _LN2)
                r, g, b = r * k, g * k, b * k
            if sat_k != 1.0 or vib != 0.0:
                y = 0.2126 * r + 0.7152 * g + 0.0722 * b
                mx = max(r, max(g, b))
                mn = min(r, min(g, b))
                s = (mx - mn) / max(mx, 1e-12) if mx > 0 else 0.0
                kk = sat_k
                if vib != 0.0:
                    skin = 0.5 if (r >= g and g >= b) else 1.0
                    kk = kk * (1.0 + vib * (1.0 - s) * skin)
                room = y / max(y - mn, 1e-12) if y - mn > 1e-12 else 1e9
                kk = min(kk, max(room, 0.0))
                r, g, b = y + kk * (r - y), y + kk * (g - y), y + kk * (b - y)
            if use_hsl:
                r, g, b = max(r, 0.0), max(g, 0.0), max(b, 0.0)
                v = max(r, max(g, b))
                c = v - min(r, min(g, b))
                s = c / max(v, 1e-20) if v > 0 else 0.0
                cc = max(c, 1e-20)
                if c > 0:
                    if v == r:
                        hh = _wrap((g - b) / cc, 6.0)
                    elif v == g:
                        hh = (b - r) / cc + 2.0
                    else:
                        hh = (r - g) / cc + 4.0
                    hh *= 60.0
                else:
                    hh = 0.0
                dh = _lookup(hsl[0], hh)
                fs = _lookup(hsl[1], hh)
                ev = _lookup(hsl[2], hh)
                h2 = _wrap(hh + dh, 360.0)
                s2 = min(max(s * fs, 0.0), 1.0)
                v2 = v * math.exp(ev * s * _LN2) if ev != 0.0 else v
                h6 = h2 / 60.0
                r = _hsv_channel(5.0, h6, v2, s2)
                g = _hsv_channel(3.0, h6, v2, s2)
                b = _hsv_channel(1.0, h6, v2, s2)
            if use_curve:
                r = _curve_value(curve, 0, r, n_curve)
                g = _curve_value(curve, 1, g, n_curve)
                b = _curve_value(curve, 2, b, n_curve)
            out[i, j, 0] = r
            out[i, j, 1] = g
            out[i, j, 2] = b
