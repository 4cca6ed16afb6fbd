"""Guided image filter (He, Sun, Tang 2013), with the fast subsampled variant (He, Sun 2015).

The output is locally a linear transform of the guide, ``q = a * I + b``, with ``a`` and ``b``
fitted by least squares over each ``(2r+1)^2`` window and averaged over the windows that cover a
pixel. It moves a coarse matte's edges onto the guide's edges (hair, fur) at O(N) cost. The fast
variant fits ``a`` and ``b`` on an image subsampled by ``s`` and applies them, bilinearly
upsampled, to the full-resolution guide.

:func:`guided_filter` is the NumPy reference (box sums by cumulative sums);
:func:`guided_filter_fast` the same function with OpenCV box filters, tested against it.

References
----------
He, K., Sun, J., Tang, X. (2013). Guided image filtering. IEEE TPAMI 35(6), 1397-1409.

He, K., Sun, J. (2015). Fast guided filter. arXiv:1505.00996.
"""

from __future__ import annotations

import cv2
import numpy as np

from brightroom.errors import ParameterError

__all__ = ["guided_filter", "guided_filter_fast", "box_mean"]


def box_mean(x: np.ndarray, r: int) -> np.ndarray:
    """Mean over ``(2r+1)^2`` windows, windows clipped at the borders (NumPy, float64 sums)."""
    h, w = x.shape
    c = np.zeros((h + 1, w + 1), np.float64)
    c[1:, 1:] = np.cumsum(np.cumsum(x, 0, dtype=np.float64), 1)
    y0 = np.clip(np.arange(h) - r, 0, h)
    y1 = np.clip(np.arange(h) + r + 1, 0, h)
    x0 = np.clip(np.arange(w) - r, 0, w)
    x1 = np.clip(np.arange(w) + r + 1, 0, w)
    s = c[y1][:, x1] - c[y0][:, x1] - c[y1][:, x0] + c[y0][:, x0]
    n = (y1 - y0)[:, None] * (x1 - x0)[None, :]
    return (s / n).astype(np.float32)


def _check(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> None:
    if guide.ndim != 2 or src.shape != guide.shape:
        raise ParameterError(f"guided filter needs a 2-D guide and a source of the same shape, "
                             f"got {guide.shape} and {src.shape}")
    if radius < 1 or eps <= 0:
        raise ParameterError(f"guided filter radius must be >= 1 and eps > 0, got {radius}, {eps}")


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """Guided filter of ``src`` by a grey ``guide`` (both ``H x W``), NumPy reference.

    Parameters
    ----------
    guide, src
        float32 ``H x W``.
    radius
        Window radius in pixels.
    eps
        Regularisation (the variance below which an edge is smoothed away), in guide units^2.

    Returns
    -------
    numpy.ndarray
        float32 ``H x W``.
    """
    _check(guide, src, radius, eps)
    I = guide.astype(np.float32)  # noqa: E741 - the paper's symbol
    p = src.astype(np.float32)
    mi, mp = box_mean(I, radius), box_mean(p, radius)
    var = box_mean(I * I, radius) - mi * mi
    cov = box_mean(I * p, radius) - mi * mp
    a = cov / (var + np.float32(eps))
    b = mp - a * mi
    return (box_mean(a, radius) * I + box_mean(b, radius)).astype(np.float32)


def _box(x: np.ndarray, r: int) -> np.ndarray:
    return cv2.boxFilter(x, cv2.CV_32F, (2 * r + 1, 2 * r + 1), normalize=True,
                         borderType=cv2.BORDER_REFLECT)


def guided_filter_fast(guide: np.ndarray, src: np.ndarray, radius: int, eps: float,
                       subsample: int = 1) -> np.ndarray:
    """:func:`guided_filter` with OpenCV box filters and optional subsampling (He, Sun 2015).

    With ``subsample=1`` this matches :func:`guided_filter` away from the borders (OpenCV
    reflects at the border where the reference clips the window). With ``subsample=s`` the
    coefficients come from a ``1/s`` image with radius ``radius / s``; ``src`` may then be given
    at any (lower) resolution, e.g. a segmentation model's output, and is resized to ``1/s``
    directly.
    """
    s = max(1, int(subsample))
    if s == 1 or np.shape(src) == np.shape(guide):
        _check(guide, src, radius, eps)
    elif np.ndim(guide) != 2 or np.ndim(src) != 2 or radius < 1 or eps <= 0:
        _check(guide, src, radius, eps)
    I = np.ascontiguousarray(guide, np.float32)  # noqa: E741
    p = np.ascontiguousarray(src, np.float32)
    h, w = I.shape
    if s > 1:
        size = (max(1, w // s), max(1, h // s))
        Is = cv2.resize(I, size, interpolation=cv2.INTER_AREA)
        ps = cv2.resize(p, size, interpolation=cv2.INTER_AREA if p.shape[1] > size[0]
                        else cv2.INTER_LINEAR)
        r = max(1, round(radius / s))
    else:
        Is, ps, r = I, p, radius
    mi, mp = _box(Is, r), _box(ps, r)
    var = _box(Is * Is, r) - mi * mi
    cov = _box(Is * ps, r) - mi * mp
    a = cov / (var + np.float32(eps))
    b = mp - a * mi
    ma, mb = _box(a, r), _box(b, r)
    if s > 1:
        ma = cv2.resize(ma, (w, h), interpolation=cv2.INTER_LINEAR)
        mb = cv2.resize(mb, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.multiply(ma, I) + mb
