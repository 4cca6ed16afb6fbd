"""Local tone mapping: shadows lifted and highlights held, without halos.

The gain is designed on a small copy and applied at full resolution (the HDR+ and bilateral
guided upsampling habit):

1. **Small luminance.** The image is area-downsampled by 8 and its luminance ``L`` taken in
   log2 (``l``), exposure included.
2. **Base and detail.** An edge-aware base ``B`` of ``l`` is a self-guided filter (He, Sun,
   Tang 2013) with a window of about 1/16 of the short side and ``eps = 0.25 EV^2``, so edges
   of more than about half a stop stay sharp in the base; ``D = l - B`` is the local detail.
   This is the base/detail split of Durand & Dorsey (2002) with the guided filter in place of
   the bilateral filter.
3. **Gain.** Around middle grey the base is compressed: below grey by ``shadows`` (0 = kept,
   1 = pulled to grey), above grey by ``highlights``: ``c(x) = -shadows (x - m)`` below
   ``m = log2 0.18`` and ``-highlights (x - m)`` above. The detail is scaled by ``detail``.
   The target log gain is ``strength * (c(B) + (detail - 1) D)``.
4. **Global part exact, local part upsampled.** The same compression applied to each pixel's
   own log luminance, ``strength * c(l)``, is a global tone curve: it is evaluated exactly at
   full resolution and cannot halo. Only the residual ``r = target - strength * c(l)``, which
   is near zero wherever the base follows the image (at strong edges, the base is the image),
   is carried from the small image: it is fitted, in 3 x 3 windows, as a linear function
   ``a l + b`` of the log luminance (a guided filter, as in He & Sun's fast guided filter and
   Chen et al.'s bilateral guided upsampling), and the coefficients are bilinearly upsampled.
   The full-resolution log gain ``strength * c(l) + a l + b`` is limited to +-4 EV so deep
   shadows are not pushed into noise (the result stays monotone: below the limit the gain
   falls more slowly than the luminance rises). (The fast path
   evaluates ``log2`` and ``exp2`` with polynomials accurate to about 1e-5 EV.)
5. The filmic curve (:mod:`.filmic`) follows.

HDR+ reaches a similar result by fusing synthetic exposures with exposure fusion on a
Laplacian pyramid (Hasinoff et al. 2016, Mertens et al. 2007); the base/detail route was taken
because it costs a few milliseconds on the 1/64-size image.

References
----------
S. W. Hasinoff, D. Sharlet, R. Geiss, A. Adams, J. T. Barron, F. Kainz, J. Chen, M. Levoy
(2016), Burst photography for high dynamic range and low-light imaging on mobile cameras,
ACM Transactions on Graphics 35(6), 192.

T. Mertens, J. Kautz, F. Van Reeth (2007), Exposure fusion, Pacific Graphics 2007, 382-390.

F. Durand, J. Dorsey (2002), Fast bilateral filtering for the display of high-dynamic-range
images, ACM Transactions on Graphics 21(3), 257-266.

K. He, J. Sun, X. Tang (2013), Guided image filtering, IEEE TPAMI 35(6), 1397-1409.

K. He, J. Sun (2015), Fast guided filter, arXiv:1505.00996.

J. Chen, A. Adams, N. Wadhwa, S. W. Hasinoff (2016), Bilateral guided upsampling, ACM
Transactions on Graphics 35(6), 203.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from brightroom.errors import ParameterError

from .filmic import MIDDLE_GREY, _weights

__all__ = ["FACTOR", "LocalGain", "guided_filter", "local_gain", "apply_local_gain",
           "upsample_index", "small_luminance", "limit_ev", "LUM_FLOOR", "MAX_EV"]

FACTOR = 8
"""Downsampling factor of the image the gain is designed on."""

LUM_FLOOR = 2.0**-20
"""Luminance floor before taking log2 (black and negative noise)."""

MAX_EV = 4.0
"""Largest local gain, in EV, either way."""

_BASE_EPS = 0.25  # EV^2
_UP_EPS = 1e-3  # EV^2
_UP_RADIUS = 1


def _box(x: np.ndarray, radius: int) -> np.ndarray:
    k = 2 * radius + 1
    return cv2.boxFilter(x, -1, (k, k), normalize=True, borderType=cv2.BORDER_REFLECT)


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Box-averaged guided filter coefficients: ``src ~ mean_a * guide + mean_b``.

    Parameters
    ----------
    guide, src
        ``h x w`` float32 images.
    radius
        Box radius in pixels.
    eps
        Regularisation (in guide units squared).

    Returns
    -------
    tuple of numpy.ndarray
        ``(mean_a, mean_b)``.

    References
    ----------
    He, Sun, Tang (2013), algorithm 1.
    """
    g = np.ascontiguousarray(guide, dtype=np.float32)
    p = np.ascontiguousarray(src, dtype=np.float32)
    mg = _box(g, radius)
    mp = _box(p, radius)
    cov = _box(g * p, radius) - mg * mp
    var = np.maximum(_box(g * g, radius) - mg * mg, 0)
    a = (cov / (var + np.float32(eps))).astype(np.float32)
    b = (mp - a * mg).astype(np.float32)
    return _box(a, radius), _box(b, radius)


@dataclass(frozen=True, eq=False)
class LocalGain:
    """A local gain: full-resolution log gain ``lim(c(l) + a(x) l + b(x))``.

    ``c(l) = -shadows_k (l - m)`` below ``m = log2 0.18`` and ``-highlights_k (l - m)`` above
    (the global part, ``*_k`` include the strength); ``a`` and ``b`` are small (``h/8 x w/8``)
    and bilinearly upsampled; ``l = log2 L`` with ``L`` the luminance after ``scale`` (the
    exposure factor), floored at ``LUM_FLOOR``; ``lim`` clips to +-``MAX_EV``.
    """

    a: np.ndarray
    b: np.ndarray
    scale: float
    shadows_k: float
    highlights_k: float
    shape: tuple[int, int]


def _small(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    hs, ws = max(1, -(-h // FACTOR)), max(1, -(-w // FACTOR))
    return cv2.resize(rgb, (ws, hs), interpolation=cv2.INTER_AREA)


def small_luminance(rgb: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Luminance of the 1/8-size area-downsampled image (float32)."""
    return (_small(np.asarray(rgb, np.float32)) @ _weights(weights)).astype(np.float32)


def local_gain(
    rgb: np.ndarray,
    *,
    scale: float = 1.0,
    shadows: float = 0.4,
    highlights: float = 0.3,
    detail: float = 1.0,
    strength: float = 1.0,
    weights: np.ndarray | None = None,
    small_lum: np.ndarray | None = None,
) -> LocalGain:
    """Design the local gain of an image on its 1/8-size copy.

    Parameters
    ----------
    rgb
        ``H x W x 3`` float32 scene-linear RGB.
    scale
        Exposure factor applied before tone mapping (``2**EV``).
    shadows, highlights
        How far (0..1) the base below / above middle grey is pulled towards grey.
    detail
        Factor on the local (coarse-scale) detail: 1 keeps it, > 1 adds local contrast.
    strength
        Scales the whole log gain (0 = no local gain).
    weights
        Luminance weights of the RGB space.
    small_lum
        The small luminance if already computed (see :func:`small_luminance`).

    Returns
    -------
    LocalGain

    References
    ----------
    See the module docstring.
    """
    for name, v, lo, hi in (("shadows", shadows, 0, 1), ("highlights", highlights, 0, 1),
                            ("detail", detail, 0, 4), ("strength", strength, 0, 1)):
        if not np.isfinite(v) or not lo <= v <= hi:
            raise ParameterError(f"local tone {name} must be in [{lo}, {hi}], got {v!r}")
    if not scale > 0 or not np.isfinite(scale):
        raise ParameterError(f"exposure scale must be > 0, got {scale!r}")
    h, w = np.shape(rgb)[:2]
    lum = small_luminance(rgb, weights) if small_lum is None else small_lum
    lum = np.nan_to_num(lum, nan=0.0, posinf=0.0, neginf=0.0)  # one bad pixel must not spread
    L = np.maximum(lum * np.float32(scale), np.float32(LUM_FLOOR))
    ell = np.log2(L).astype(np.float32)
    r_base = max(2, int(round(min(L.shape) / 16)))
    ma, mb = guided_filter(ell, ell, r_base, _BASE_EPS)
    base = ma * ell + mb
    det = ell - base
    sk, hk = strength * shadows, strength * highlights
    target = _compress(base, sk, hk) + strength * (detail - 1.0) * det
    resid = (target - _compress(ell, sk, hk)).astype(np.float32)
    a, b = guided_filter(ell, resid, _UP_RADIUS, _UP_EPS)
    return LocalGain(a.astype(np.float32), b.astype(np.float32), float(scale), float(sk),
                     float(hk), (h, w))


def _compress(x: np.ndarray, sk: float, hk: float) -> np.ndarray:
    d = x - np.float32(np.log2(MIDDLE_GREY))
    return np.where(d < 0, -sk * d, -hk * d).astype(np.float32)


def limit_ev(g: np.ndarray) -> np.ndarray:
    """Limit of a log gain to +-``MAX_EV``."""
    return np.clip(g, -MAX_EV, MAX_EV).astype(np.float32)


def upsample_index(n: int, n_small: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bilinear source indices and weights (pixel-centre aligned, clamped) for ``n`` pixels."""
    src = np.clip((np.arange(n) + 0.5) * (n_small / n) - 0.5, 0, n_small - 1)
    i0 = np.floor(src).astype(np.int64)
    i1 = np.minimum(i0 + 1, n_small - 1)
    return i0, i1, (src - i0).astype(np.float32)


def apply_local_gain(rgb: np.ndarray, gain: LocalGain,
                     weights: np.ndarray | None = None) -> np.ndarray:
    """Multiply ``rgb * scale`` by its full-resolution gain (NumPy reference).

    Returns
    -------
    numpy.ndarray
        float32 ``rgb * scale * 2**lim(c(l) + a l + b)``.
    """
    a = np.asarray(rgb, np.float32) * np.float32(gain.scale)
    h, w = a.shape[:2]
    y0, y1, wy = upsample_index(h, gain.a.shape[0])
    x0, x1, wx = upsample_index(w, gain.a.shape[1])
    wy, wx = wy[:, None], wx[None, :]

    def up(m: np.ndarray) -> np.ndarray:
        return ((m[y0][:, x0] * (1 - wx) + m[y0][:, x1] * wx) * (1 - wy)
                + (m[y1][:, x0] * (1 - wx) + m[y1][:, x1] * wx) * wy)

    ell = np.log2(np.maximum(a @ _weights(weights), np.float32(LUM_FLOOR)))
    g = _compress(ell, gain.shadows_k, gain.highlights_k) + up(gain.a) * ell + up(gain.b)
    g = np.exp2(limit_ev(g)).astype(np.float32)
    return (a * g[..., None]).astype(np.float32)
