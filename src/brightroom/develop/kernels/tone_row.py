"""The tone stage's row kernel (numba): exposure, local gain, filmic curve, saturation.

One branch-free pass over a row with the same arithmetic as
:func:`brightroom.develop.tone.local.apply_local_gain` followed by
:func:`brightroom.develop.tone.filmic.filmic` (the NumPy reference). It sits here, beside the
other row kernels, because the row machine (:mod:`.rows`) that runs every pointwise stage, one
stage at a time or fused, calls it.

The filmic ratio ``curve(n) / n`` is evaluated in closed form for ``contrast == 1``: Hable's
``H(x) / x`` simplifies to ``(A (F - E) x + B (F C - E)) / (F (A x^2 + B x + D F))``, finite at
0 and free of cancellation. Other contrasts read it from a square-root-spaced table
(:func:`brightroom.develop.tone.filmic.filmic_ratio_lut`). Above the white point the ratio
exceeds ``1 / n``, so ``min(ratio, 1 / n)`` clips without a branch (the curve never exceeds 1,
so below the white point the ratio is at most ``1 / n``). A global curve passes a constant
gain map (``use_gain = False``). The local gain
(:class:`brightroom.develop.tone.local.LocalGain`) uses bit-level ``log2``/``exp2`` with
degree-6 polynomials on the mantissa / fractional part (:data:`LOG2_POLY`,
:data:`EXP2_POLY`, fitted at import; about 1e-5 EV). The kernels use numba's NumPy error
model: Python's division-by-zero check would stop LLVM from vectorising.
"""

from __future__ import annotations

import numpy as np

from brightroom._jit import njit

FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}
"""LLVM fast-math flags of the row kernels: every flag but ``nnan`` and ``ninf``, so that NaN and
infinity checks (a NaN pixel becomes black, never an index) are not optimised away."""

__all__ = ["FASTMATH", "tone_row", "LOG2_POLY", "EXP2_POLY", "fast_log2", "fast_exp2"]


def _fit(f, deg: int = 6) -> np.ndarray:
    x = 0.5 - 0.5 * np.cos(np.pi * (np.arange(64) + 0.5) / 64)  # Chebyshev nodes in [0, 1]
    return np.polyfit(x, f(x), deg).astype(np.float32)  # highest power first (Horner)


LOG2_POLY = _fit(lambda t: np.log2(1.0 + t))
"""``log2(1 + t)`` on ``[0, 1)``; ``log2 x = exponent + poly(mantissa - 1)``."""

EXP2_POLY = _fit(lambda f: np.exp2(f))
"""``2**f`` on ``[0, 1)``; ``2**y = 2**floor(y) * poly(y - floor(y))``."""


@njit(cache=True, inline="always")
def _horner6(c, x):  # pragma: no cover - compiled
    return ((((((c[0] * x + c[1]) * x + c[2]) * x + c[3]) * x + c[4]) * x + c[5]) * x + c[6])


@njit(cache=True, inline="always", fastmath=FASTMATH, error_model="numpy")
def fast_log2(x, out, ibuf, lp):  # pragma: no cover - compiled
    """``out = log2(x)`` for positive normal float32 ``x`` (1-D), via exponent + polynomial."""
    xi = x.view(np.int32)
    for j in range(x.shape[0]):
        ibuf[j] = (xi[j] & 0x7FFFFF) | 0x3F800000
        out[j] = np.float32((xi[j] >> 23) - 127)
    m = ibuf.view(np.float32)
    for j in range(x.shape[0]):
        out[j] += _horner6(lp, m[j] - np.float32(1.0))


@njit(cache=True, inline="always", fastmath=FASTMATH, error_model="numpy")
def fast_exp2(y, out, ibuf, ep):  # pragma: no cover - compiled
    """``out = 2**y`` for float32 ``y`` in ``[-126, 127]`` (1-D)."""
    for j in range(y.shape[0]):
        n = np.floor(y[j])
        ibuf[j] = (np.int32(n) + 127) << 23
        out[j] = _horner6(ep, y[j] - n)
    p2 = ibuf.view(np.float32)
    for j in range(y.shape[0]):
        out[j] *= p2[j]


@njit(cache=True, inline="always", fastmath=FASTMATH, error_model="numpy")
def tone_row(ai, oi, i, wts, scale, use_gain, ga, gb, y0, y1, wy, floor, maxev,
             sk, hk, mid, lp, ep, use_lut, hc, lut, white, sat):  # pragma: no cover - compiled
    """Tone-map one row ``ai`` (``W x 3``) of image row ``i`` into ``oi``.

    ``ga``/``gb`` are the local-gain coefficients already upsampled along x (``h_small x W``),
    so that only y is interpolated here (``y0``, ``y1``, ``wy``), with contiguous loads.
    ``hc = (k, norm, A(F-E), B(FC-E), F A, F B, F D F)`` for the closed-form filmic ratio
    (``norm = k / H(k Wc)``); ``lut``/``white`` for the tabulated one (``use_lut``).
    """
    w = ai.shape[0]
    zero = np.float32(0.0)
    one = np.float32(1.0)
    tiny = np.float32(1e-20)
    w0, w1, w2 = wts[0], wts[1], wts[2]
    k, norm, p1, p0, q2, q1, q0 = hc[0], hc[1], hc[2], hc[3], hc[4], hc[5], hc[6]
    umax = np.float32(lut.shape[0] - 1)
    kmax = lut.shape[0] - 2
    inv_white = one / white
    gain = np.ones(w, np.float32)
    if use_gain:  # the log-domain gain, on planar row buffers
        fy = wy[i]
        ga0 = ga[y0[i]]
        ga1 = ga[y1[i]]
        gb0 = gb[y0[i]]
        gb1 = gb[y1[i]]
        lum = np.empty(w, np.float32)
        ell = np.empty(w, np.float32)
        ibuf = np.empty(w, np.int32)
        for j in range(w):
            lum[j] = max((w0 * ai[j, 0] + w1 * ai[j, 1] + w2 * ai[j, 2]) * scale, floor)
        fast_log2(lum, ell, ibuf, lp)
        for j in range(w):
            d = ell[j] - mid
            ca = ga0[j] + (ga1[j] - ga0[j]) * fy
            cb = gb0[j] + (gb1[j] - gb0[j]) * fy
            gl = -sk * min(d, zero) - hk * max(d, zero) + ca * ell[j] + cb
            ell[j] = min(max(gl, -maxev), maxev)
        fast_exp2(ell, gain, ibuf, ep)
    if use_lut:
        for j in range(w):
            f = gain[j] * scale
            r = ai[j, 0] * f
            g = ai[j, 1] * f
            b = ai[j, 2] * f
            n = max(max(r, g), b)
            u = min(np.sqrt(max(n, zero) * inv_white) * umax, umax)
            u = u if u == u else zero  # a NaN pixel must not become a table index
            kk = min(np.int32(u), kmax)
            fu = u - np.float32(kk)
            ratio = min(lut[kk] + (lut[kk + 1] - lut[kk]) * fu, one / max(n, tiny))
            oi[j, 0] = r * ratio
            oi[j, 1] = g * ratio
            oi[j, 2] = b * ratio
    else:
        for j in range(w):
            f = gain[j] * scale
            r = ai[j, 0] * f
            g = ai[j, 1] * f
            b = ai[j, 2] * f
            n = max(max(r, g), b)
            x = max(n, zero) * k
            ratio = norm * (p1 * x + p0) / (q2 * x * x + q1 * x + q0)
            ratio = min(ratio, one / max(n, tiny))
            oi[j, 0] = r * ratio
            oi[j, 1] = g * ratio
            oi[j, 2] = b * ratio
    if sat != one:  # a loop of its own: fused, it stops the main loop vectorising
        for j in range(w):
            r = oi[j, 0]
            g = oi[j, 1]
            b = oi[j, 2]
            lum2 = w0 * r + w1 * g + w2 * b
            oi[j, 0] = lum2 + sat * (r - lum2)
            oi[j, 1] = lum2 + sat * (g - lum2)
            oi[j, 2] = lum2 + sat * (b - lum2)
