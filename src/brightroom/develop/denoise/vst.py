"""Generalised Anscombe transform for Poisson-Gaussian raw noise.

Raw noise in normalised units has variance ``scale * x + offset`` (the DNG ``NoiseProfile``).
Writing ``y = x / scale`` (photo-electron-like units) and ``s2 = offset / scale**2`` (the read
noise in those units), the generalised Anscombe transform

    z = 2 * sqrt(max(y + 3/8 + s2, 0))

makes the noise approximately Gaussian with unit variance at every signal level, so one sigma
drives the filter everywhere.

The inverse is the algebraic one plus the leading bias term of Makitalo & Foi's exact unbiased
inverse (``+1/4`` for a perfectly smoothed value), weighted by how much noise variance the
filter removed: ``y = z**2 / 4 - 3/8 - s2 + (1 - v) / 4`` where ``v`` is the fraction of the
unit noise variance left in the filtered value. With ``v = 1`` (nothing filtered) it is the
exact inverse of the forward transform, with ``v = 0`` it is the closed-form unbiased inverse
to first order in ``1/z``.

References
----------
F. J. Anscombe (1948), The transformation of Poisson, binomial and negative-binomial data,
Biometrika 35(3/4), 246-254.

M. Makitalo, A. Foi (2013), Optimal inversion of the generalized Anscombe transformation for
Poisson-Gaussian noise, IEEE Transactions on Image Processing 22(1), 91-103.
"""

from __future__ import annotations

import numpy as np

__all__ = ["anscombe_forward", "anscombe_inverse"]


def anscombe_forward(x: np.ndarray, scale: float, offset: float) -> np.ndarray:
    """Generalised Anscombe transform of normalised raw values with variance ``scale*x+offset``.

    Parameters
    ----------
    x
        Normalised raw values (float32, any shape).
    scale, offset
        Noise model of ``x``: variance ``scale * x + offset``; ``scale > 0``.

    Returns
    -------
    numpy.ndarray
        float32 values whose noise has unit standard deviation.

    References
    ----------
    Makitalo & Foi (2013), see the module docstring.
    """
    s2 = offset / (scale * scale)
    y = np.asarray(x, dtype=np.float32) / np.float32(scale)
    return (2.0 * np.sqrt(np.maximum(y + np.float32(0.375 + s2), 0))).astype(np.float32)


def anscombe_inverse(z: np.ndarray, scale: float, offset: float,
                     residual: np.ndarray | float = 1.0) -> np.ndarray:
    """Inverse of :func:`anscombe_forward`, bias-corrected for the noise the filter removed.

    Parameters
    ----------
    z
        Transformed (and filtered) values.
    scale, offset
        The noise model used by the forward transform.
    residual
        Fraction of the unit noise variance still in ``z`` (1 = unfiltered, 0 = fully smoothed).

    Returns
    -------
    numpy.ndarray
        float32 values in normalised raw units.

    References
    ----------
    Makitalo & Foi (2013), see the module docstring.
    """
    s2 = offset / (scale * scale)
    z = np.asarray(z, dtype=np.float32)
    y = 0.25 * z * z - np.float32(0.375 + s2) + 0.25 * (1.0 - np.asarray(residual, np.float32))
    return (y * np.float32(scale)).astype(np.float32)
