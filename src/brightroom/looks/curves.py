"""Tone curves: monotone piecewise-cubic interpolation through control points.

A tone curve is given by control points ``(x_i, y_i)`` with strictly increasing ``x`` and
non-decreasing ``y``. The Fritsch-Carlson construction picks Hermite tangents so that the cubic
between neighbouring points never overshoots: the curve is monotone wherever the data are, so a
curve never reverses tones (no solarisation) however the points are placed.

Tangents (Fritsch & Carlson 1980, steps 1-5): secants ``d_k = (y_{k+1} - y_k) / h_k``; interior
tangents ``m_k = (d_{k-1} + d_k) / 2`` (0 where the secants differ in sign or either is 0), end
tangents the end secants; then where ``alpha = m_k / d_k`` and ``beta = m_{k+1} / d_k`` leave the
circle ``alpha^2 + beta^2 <= 9``, both are scaled by ``tau = 3 / sqrt(alpha^2 + beta^2)``.
Outside ``[x_0, x_n]`` the curve continues as straight lines with the end tangents.

References
----------
.. [1] Fritsch, F. N., Carlson, R. E. (1980). Monotone piecewise cubic interpolation. SIAM
   Journal on Numerical Analysis, 17(2), 238-246.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from brightroom.color.lut import LUT1D, apply_lut
from brightroom.errors import ParameterError

__all__ = ["fritsch_carlson_tangents", "MonotoneCurve", "tone_curve"]


def fritsch_carlson_tangents(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Hermite tangents at the control points that keep the cubic monotone (Fritsch-Carlson 1980).

    Parameters
    ----------
    x, y
        Control points, ``x`` strictly increasing (float64, at least 2 points).

    Returns
    -------
    numpy.ndarray
        The tangent at each point.

    References
    ----------
    .. [1] Fritsch, F. N., Carlson, R. E. (1980). Monotone piecewise cubic interpolation. SIAM
       J. Numer. Anal. 17(2), 238-246.
    """
    h = np.diff(x)
    d = np.diff(y) / h
    m = np.empty_like(y)
    m[0], m[-1] = d[0], d[-1]
    if len(x) > 2:
        m[1:-1] = 0.5 * (d[:-1] + d[1:])
        flat = (d[:-1] * d[1:]) <= 0
        m[1:-1][flat] = 0.0
    for k in range(len(d)):
        if d[k] == 0:
            m[k] = m[k + 1] = 0.0
            continue
        a, b = m[k] / d[k], m[k + 1] / d[k]
        s = a * a + b * b
        if s > 9:
            tau = 3.0 / np.sqrt(s)
            m[k], m[k + 1] = tau * a * d[k], tau * b * d[k]
    return m


class MonotoneCurve:
    """A monotone cubic curve through control points (callable on arrays).

    Parameters
    ----------
    points
        ``(x, y)`` pairs, at least 2, ``x`` strictly increasing, ``y`` non-decreasing.
    """

    def __init__(self, points: Sequence[Sequence[float]]) -> None:
        p = np.asarray(points, dtype=np.float64)
        if p.ndim != 2 or p.shape[1] != 2 or p.shape[0] < 2:
            raise ParameterError(f"a tone curve needs at least 2 (x, y) points, got {points!r}")
        if not np.all(np.isfinite(p)):
            raise ParameterError(f"tone curve points must be finite, got {points!r}")
        if np.any(np.diff(p[:, 0]) <= 0):
            raise ParameterError(f"tone curve x values must increase strictly, got {p[:, 0].tolist()}")
        if np.any(np.diff(p[:, 1]) < 0):
            raise ParameterError(f"tone curve y values must not decrease, got {p[:, 1].tolist()}")
        self.x, self.y = p[:, 0].copy(), p[:, 1].copy()
        self.m = fritsch_carlson_tangents(self.x, self.y)
        self._lut = None

    def __call__(self, v: np.ndarray | float) -> np.ndarray:
        """Evaluate at ``v`` (float64 out; cubic Hermite inside, linear outside)."""
        v = np.asarray(v, dtype=np.float64)
        x, y, m = self.x, self.y, self.m
        k = np.clip(np.searchsorted(x, v, side="right") - 1, 0, len(x) - 2)
        h = x[k + 1] - x[k]
        t = (v - x[k]) / h
        t2, t3 = t * t, t * t * t
        out = ((2 * t3 - 3 * t2 + 1) * y[k] + (t3 - 2 * t2 + t) * h * m[k]
               + (-2 * t3 + 3 * t2) * y[k + 1] + (t3 - t2) * h * m[k + 1])
        out = np.where(v < x[0], y[0] + (v - x[0]) * m[0], out)
        return np.where(v > x[-1], y[-1] + (v - x[-1]) * m[-1], out)

    def table(self, n: int = 4097) -> tuple[np.ndarray, np.ndarray]:
        """``n`` samples over ``[x_0, x_n]`` (uniform), for :meth:`fast`."""
        xs = np.linspace(self.x[0], self.x[-1], n)
        return xs, self(xs)

    def fast(self, v: np.ndarray) -> np.ndarray:
        """float32 evaluation through a uniform 4097-sample table with linear interpolation, in
        parallel (:func:`brightroom.color.lut.apply_lut` on a 1D LUT); error below 1e-6 for
        curves on [0, 1], exact linear extension outside."""

        a = np.asarray(v, dtype=np.float32)
        if self._lut is None:
            xs, ys = self.table()
            self._lut = LUT1D(np.repeat(ys[:, None], 3, axis=1), domain_min=xs[0],
                              domain_max=xs[-1])
        flat = a.reshape(-1)
        pad = (-flat.size) % 3
        if pad:
            flat = np.concatenate([flat, np.zeros(pad, np.float32)])
        out = apply_lut(flat.reshape(-1, 3), self._lut).reshape(-1)[: a.size].reshape(a.shape)
        x0, x1 = np.float32(self.x[0]), np.float32(self.x[-1])
        lo, hi = a < x0, a > x1
        if lo.any():
            out[lo] = (self.y[0] + (a[lo] - self.x[0]) * self.m[0]).astype(np.float32)
        if hi.any():
            out[hi] = (self.y[-1] + (a[hi] - self.x[-1]) * self.m[-1]).astype(np.float32)
        return out


def tone_curve(rgb: np.ndarray, points: Sequence[Sequence[float]], *, mode: str = "rgb") -> np.ndarray:
    """Apply a monotone tone curve to ``H x W x 3`` (or ``(..., 3)``) values.

    Parameters
    ----------
    rgb
        float32 values, normally display-encoded in [0, 1].
    points
        Control points of the curve (see :class:`MonotoneCurve`).
    mode
        ``"rgb"``: the curve on each channel (contrast also raises saturation, as on film);
        ``"luma"``: the curve on Rec. 709 luma, RGB scaled by the luma ratio (hue and
        saturation kept).

    Returns
    -------
    numpy.ndarray
        float32, same shape; the input is not modified.

    References
    ----------
    .. [1] Fritsch, F. N., Carlson, R. E. (1980). Monotone piecewise cubic interpolation. SIAM
       J. Numer. Anal. 17(2), 238-246.
    """
    curve = MonotoneCurve(points)
    a = np.asarray(rgb, dtype=np.float32)
    ev = curve.fast
    if mode == "rgb":
        return ev(a)
    if mode == "luma":
        w = np.array([0.2126, 0.7152, 0.0722], np.float32)
        luma = a @ w
        new = ev(luma)
        ratio = np.where(luma > 1e-6, new / np.maximum(luma, 1e-6), 1.0).astype(np.float32)
        out = a * ratio[..., None]
        dark = luma <= 1e-6
        if dark.any():
            out[dark] = a[dark] + (new[dark] - luma[dark])[:, None]
        return out.astype(np.float32)
    raise ParameterError(f"tone curve mode must be 'rgb' or 'luma', got {mode!r}")
