"""Single-frame upscaling: the fallback of a one-frame zoom.

``upscale(image, scale, method=...)`` looks ``method`` up in :data:`UPSCALE_METHODS`:

* ``"zhou2012"`` (alias ``"dcci"``, default): directional cubic convolution interpolation
  (DCCI). The image is doubled on the corner-aligned grid (original pixels kept at even
  positions): first the diagonal pixels, each interpolated with the cubic convolution kernel
  ``(-1, 9, 9, -1) / 16`` along the diagonal of smaller gradient (``(1 + G1) / (1 + G2) >
  1.15``), or a blend of both diagonals weighted by ``1 / (1 + G^5)`` where neither dominates;
  then the remaining pixels alike along the horizontal and vertical. Directions are chosen on
  the luminance and shared by the channels. The doubled image is resampled onto the requested
  grid (the centre-aligned grid of ``cv2.resize``) by cubic interpolation.
* ``"lanczos"``: OpenCV's Lanczos-4 resize (the peer); ``"bicubic"``: OpenCV's bicubic.

Space: any linear or encoded ``H x W x C`` float32 image (channels last); the output is
``round(H * scale) x round(W * scale) x C``.

References
----------
Zhou, D., Shen, X., Dong, W. (2012). Image zooming using directional cubic convolution
interpolation. IET Image Processing 6(6), 627-634.
Keys, R. (1981). Cubic convolution interpolation for digital image processing. IEEE Trans.
ASSP 29(6), 1153-1160 (the ``(-1, 9, 9, -1) / 16`` midpoint weights, a = -1/2).
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from brightroom.errors import ParameterError
from brightroom.methods import Methods

__all__ = ["UPSCALE_METHODS", "upscale", "dcci2x"]

_T = 1.15  # the paper's edge threshold
_K = 5.0  # the exponent of the blending weights


def _cubic_mid(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    return (9.0 * (b + c) - (a + d)) * np.float32(1.0 / 16.0)


def _blend(g1: np.ndarray, g2: np.ndarray, p1: np.ndarray, p2: np.ndarray) -> np.ndarray:
    """Interpolation along direction 1 (gradient ``g1``) or 2, or their weighted blend."""
    r = (1.0 + g1) / (1.0 + g2)
    w1 = 1.0 / (1.0 + g1 ** _K)
    w2 = 1.0 / (1.0 + g2 ** _K)
    mix = (w1[..., None] * p1 + w2[..., None] * p2) / (w1 + w2)[..., None]
    out = np.where((r > _T)[..., None], p2, mix)
    return np.where((1.0 / r > _T)[..., None], p1, out).astype(np.float32)


def dcci2x(image: np.ndarray) -> np.ndarray:
    """Double ``image`` (``H x W x C``) by DCCI on the corner-aligned grid.

    Returns ``2H x 2W x C`` float32 with ``out[2i, 2j] == image[i, j]`` (the last row and
    column interpolate towards the reflected border).
    """
    img = np.asarray(image, np.float32)
    if img.ndim == 2:
        return dcci2x(img[:, :, None])[:, :, 0]
    h, w, nc = img.shape
    p = 3
    a = np.pad(img, ((p, p), (p, p), (0, 0)), mode="reflect")
    lum = a.mean(axis=2)
    # the working grid: 2 (H + 2p) x 2 (W + 2p), originals at even positions
    big = np.zeros((2 * a.shape[0], 2 * a.shape[1], nc), np.float32)
    big[0::2, 0::2] = a
    bl = np.zeros(big.shape[:2], np.float32)
    bl[0::2, 0::2] = lum
    hb, wb = big.shape[:2]

    # step 1: diagonal pixels (odd, odd), from the 4 x 4 originals around them
    def orig(arr: np.ndarray, du: int, dv: int) -> np.ndarray:
        """Original ``(i + du, j + dv)`` for every diagonal pixel between ``i, i+1``."""
        n0, n1 = arr.shape[:2]
        return arr[1 + du: n0 - 2 + du, 1 + dv: n1 - 2 + dv]

    g45 = np.zeros(orig(lum, 0, 0).shape, np.float32)
    g135 = np.zeros_like(g45)
    for u in range(-1, 2):
        for v in range(-1, 2):
            # 45 degrees (up-right): (u, v + 1) - (u + 1, v); 135 degrees: (u, v) - (u + 1, v + 1)
            g45 += np.abs(orig(lum, u, v + 1) - orig(lum, u + 1, v))
            g135 += np.abs(orig(lum, u, v) - orig(lum, u + 1, v + 1))
    p45 = _cubic_mid(orig(a, 2, -1), orig(a, 1, 0), orig(a, 0, 1), orig(a, -1, 2))
    p135 = _cubic_mid(orig(a, -1, -1), orig(a, 0, 0), orig(a, 1, 1), orig(a, 2, 2))
    diag = _blend(g45, g135, p45, p135)
    big[3: 3 + 2 * diag.shape[0]: 2, 3: 3 + 2 * diag.shape[1]: 2] = diag
    bl[3: 3 + 2 * diag.shape[0]: 2, 3: 3 + 2 * diag.shape[1]: 2] = diag.mean(axis=2)

    # step 2: the (even, odd) and (odd, even) pixels, from the quincunx lattice around them
    m = 6  # border of the working grid left out (reflected data)
    ys, xs = np.mgrid[m: hb - m, m: wb - m]
    todo = ((ys + xs) % 2) == 1
    yy, xx = ys[todo], xs[todo]
    gh = np.zeros(yy.shape, np.float32)
    gv = np.zeros(yy.shape, np.float32)
    for u, v in ((0, 0), (1, 1), (1, -1), (-1, 1), (-1, -1), (2, 0), (-2, 0), (0, 2), (0, -2)):
        gh += np.abs(bl[yy + u, xx + v - 1] - bl[yy + u, xx + v + 1])
        gv += np.abs(bl[yy + u - 1, xx + v] - bl[yy + u + 1, xx + v])
    ph = _cubic_mid(big[yy, xx - 3], big[yy, xx - 1], big[yy, xx + 1], big[yy, xx + 3])
    pv = _cubic_mid(big[yy - 3, xx], big[yy - 1, xx], big[yy + 1, xx], big[yy + 3, xx])
    big[yy, xx] = _blend(gh, gv, ph, pv)
    return np.ascontiguousarray(big[2 * p: 2 * p + 2 * h, 2 * p: 2 * p + 2 * w])


def _out_shape(shape: tuple[int, ...], scale: float) -> tuple[int, int]:
    return max(int(round(shape[0] * scale)), 1), max(int(round(shape[1] * scale)), 1)


def upscale_zhou2012(image: np.ndarray, scale: float) -> np.ndarray:
    """DCCI doubling, then cubic resampling onto the centre-aligned grid of ``scale``."""
    img = np.asarray(image, np.float32)
    big = dcci2x(img)
    ho, wo = _out_shape(img.shape, scale)
    # output pixel k sits at input (k + 0.5) / s - 0.5, i.e. at twice that on the doubled grid
    my = (2.0 * ((np.arange(ho) + 0.5) * (img.shape[0] / ho) - 0.5)).astype(np.float32)
    mx = (2.0 * ((np.arange(wo) + 0.5) * (img.shape[1] / wo) - 0.5)).astype(np.float32)
    mapx = np.broadcast_to(mx[None, :], (ho, wo)).copy()
    mapy = np.broadcast_to(my[:, None], (ho, wo)).copy()
    out = cv2.remap(big, mapx, mapy, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    return out.reshape((ho, wo) + img.shape[2:]).astype(np.float32)


def _cv2(interp: int) -> Callable[[np.ndarray, float], np.ndarray]:
    def fn(image: np.ndarray, scale: float) -> np.ndarray:
        img = np.asarray(image, np.float32)
        ho, wo = _out_shape(img.shape, scale)
        out = cv2.resize(img, (wo, ho), interpolation=interp)
        return out.reshape((ho, wo) + img.shape[2:]).astype(np.float32)

    return fn


UPSCALE_METHODS: Methods[Callable[[np.ndarray, float], np.ndarray]] = Methods("upscaling")
"""Single-frame upscalers by name: ``f(image, scale) -> image``."""
UPSCALE_METHODS.register(
    "zhou2012", upscale_zhou2012, aliases=("dcci",),
    cite="Zhou, D., Shen, X., Dong, W. (2012). Image zooming using directional cubic "
         "convolution interpolation. IET Image Processing 6(6), 627-634.")
UPSCALE_METHODS.register(
    "lanczos", _cv2(cv2.INTER_LANCZOS4),
    cite="Duchon, C. E. (1979). Lanczos filtering in one and two dimensions. J. Applied "
         "Meteorology 18(8), 1016-1022 (OpenCV's 8 x 8 Lanczos-4 resize).")
UPSCALE_METHODS.register(
    "bicubic", _cv2(cv2.INTER_CUBIC),
    cite="Keys, R. (1981). Cubic convolution interpolation for digital image processing. IEEE "
         "Trans. ASSP 29(6), 1153-1160 (OpenCV's bicubic resize).")
UPSCALE_METHODS.freeze()


def upscale(image: np.ndarray, scale: float, *, method: str = "zhou2012") -> np.ndarray:
    """Enlarge an ``H x W (x C)`` float image ``scale`` times (1..8) with one image alone.

    Raises
    ------
    ParameterError
        ``scale`` outside 1..8, an unknown ``method`` or a non-image array.
    """
    if not (1.0 <= float(scale) <= 8.0):
        raise ParameterError(f"upscale factor {scale!r} is out of range 1..8")
    a = np.asarray(image)
    if a.ndim not in (2, 3) or min(a.shape[:2]) < 4:
        raise ParameterError(f"upscale needs an H x W (x C) image of at least 4 x 4, got "
                             f"shape {a.shape}")
    return UPSCALE_METHODS[method](a.astype(np.float32), float(scale))
