"""The ``domain="gamma"`` option of the demosaicing dispatcher: interpolate in a square-root
domain, return linear values.

Colour-difference interpolation (Malvar's Laplacian corrections, Menon's ``R - G`` and
``B - G`` planes) assumes that the colour difference is smoother than the colours. Under
shading a scene's colour *ratios* are what stay constant (Cok's constant-hue assumption [1]_),
and differences of compressively encoded values approximate ratios. Encoding with a square
root (gamma 2) has a second merit: it approximately stabilises the variance of shot noise
(Anscombe [2]_), so shadows and highlights are weighed alike. A linear toe below
``TOE = 0.0031308`` (the break point of the sRGB curve) keeps the slope finite at black, and
the curve is extended to negative values by odd symmetry, so nothing is clipped:

``f(x) = x / sqrt(TOE)`` for ``|x| < TOE``, ``sign(x) sqrt(|x|)`` otherwise (continuous).

After demosaicing the result is decoded with the exact inverse and the measured samples are
put back unchanged. On scikit-image's photos this gains 0.5-1.5 dB PSNR in linear terms and
3.5-4.5 dB in sRGB terms (``benchmarks/bench_demosaic.py``). Caveat: on noisy data the
interpolated (not the measured) values of dark pixels are biased slightly low (Jensen's
inequality through the square); denoise first, or keep ``"linear"`` at high ISO.

:func:`gamma_demosaic_numpy` is the reference; the dispatcher runs the numba fast path of
:mod:`._gamma_numba`, tested against it.

References
----------
.. [1] Cok, D. R. (1987). Signal processing method and apparatus for producing interpolated
   chrominance values in a sampled color image signal. US Patent 4,642,678.
.. [2] Anscombe, F. J. (1948). The transformation of Poisson, binomial and
   negative-binomial data. Biometrika, 35(3/4), 246-254.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from brightroom.develop.demosaic._gamma_numba import (
    gamma_decode_restore_numba,
    gamma_encode_numba,
)
from brightroom.develop.demosaic.quad import remosaic
from brightroom.types import CFAPattern

__all__ = [
    "TOE",
    "gamma_encode",
    "gamma_decode",
    "gamma_demosaic_numpy",
    "gamma_demosaic",
    "gamma_remosaic_demosaic",
]

TOE = np.float32(0.0031308)
"""Below this magnitude the curve is linear (slope ``1 / sqrt(TOE)``)."""
_ROOT = np.float32(np.sqrt(np.float32(0.0031308)))


def gamma_encode(x: np.ndarray) -> np.ndarray:
    """The square-root curve with a linear toe, odd-extended (new float32 array)."""
    x = np.asarray(x, dtype=np.float32)
    m = np.abs(x)
    return np.where(m < TOE, x / _ROOT, np.sign(x) * np.sqrt(m)).astype(np.float32)


def gamma_decode(v: np.ndarray) -> np.ndarray:
    """Exact inverse of :func:`gamma_encode`."""
    v = np.asarray(v, dtype=np.float32)
    return np.where(np.abs(v) < _ROOT, v * _ROOT, np.sign(v) * (v * v)).astype(np.float32)


def gamma_demosaic_numpy(cfa: np.ndarray, pattern: CFAPattern,
                         fn: Callable[[np.ndarray, CFAPattern], np.ndarray]) -> np.ndarray:
    """Demosaic a Bayer mosaic with method ``fn`` in the encoded domain (NumPy reference).

    Returns
    -------
    numpy.ndarray
        ``H x W x 3`` float32, linear; the sampled channel of each pixel equals ``cfa``.
    """
    out = gamma_decode(fn(gamma_encode(cfa), pattern))
    # Decoding the encoded samples is exact only to rounding: put the measured ones back.
    idx = pattern.channel_index(*cfa.shape).astype(np.intp)[..., None]
    np.put_along_axis(out, idx, cfa[..., None], axis=2)
    return out


def gamma_demosaic(cfa: np.ndarray, pattern: CFAPattern,
                   fn: Callable[[np.ndarray, CFAPattern], np.ndarray], *,
                   known: np.ndarray | None = None, encoded: np.ndarray | None = None
                   ) -> np.ndarray:
    """Same as :func:`gamma_demosaic_numpy`, with the numba encode / decode passes.

    ``encoded`` (the mosaic already encoded) and ``known`` (the linear samples to put back,
    default ``cfa``) serve :func:`gamma_remosaic_demosaic`.
    """
    if encoded is None:
        encoded = gamma_encode_numba(cfa)
    rgb = fn(encoded, pattern)
    return gamma_decode_restore_numba(rgb, cfa if known is None else known, pattern.cell)


def gamma_remosaic_demosaic(cfa: np.ndarray, pattern: CFAPattern,
                            fn: Callable[[np.ndarray, CFAPattern], np.ndarray]) -> np.ndarray:
    """Quad (nona, hexadeca) mosaic: encode, remosaic, demosaic with ``fn``, decode.

    Remosaicing in the encoded domain helps for the same reason as demosaicing there. The
    samples put back are the quad samples where the Bayer colour is the quad colour, and the
    decoded remosaiced values elsewhere.
    """

    encoded, bayer = remosaic(gamma_encode(cfa), pattern)
    known = gamma_decode(encoded)
    same = pattern.channel_index(*cfa.shape) == bayer.channel_index(*cfa.shape)
    known[same] = cfa[same]
    return gamma_demosaic(known, bayer, fn, known=known, encoded=encoded)
