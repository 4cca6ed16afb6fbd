"""Film grain: seeded, luminance-dependent, spatially correlated noise.

Photographic grain is a random field whose visibility peaks in the mid-tones and falls towards
black (little exposed silver / dye) and white (saturated density). We draw white Gaussian noise
from a seeded generator, blur it with a Gaussian of standard deviation ``size`` pixels (grain
clumps; scaled with the image so a preview and the full image look alike), normalise it to unit
standard deviation, and add it to every channel with amplitude

``a(L) = amount * 2 sqrt(L (1 - L))``

where ``L`` is the pixel's Rec. 709 luma (display-encoded): a semicircle-like profile, equal to
``amount`` at mid-grey and 0 at pure black and white. The same seed gives the same grain.

References
----------
.. [1] Newson, A., Delon, J., Galerne, B. (2017). A stochastic film grain model for
   resolution-independent rendering. Computer Graphics Forum 36(8), 684-699 (grain as a
   Boolean-model random field whose variance follows the local density, maximal in the
   mid-tones).
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

from brightroom.errors import ParameterError
from brightroom.looks.grade import luma

__all__ = ["film_grain"]

_REFERENCE_SIDE = 4000.0  # grain size is defined for a 4000-pixel long side


def film_grain(rgb: np.ndarray, amount: float = 0.03, size: float = 1.0, seed: int = 0,
               colour: float = 0.0) -> np.ndarray:
    """Add luminance-dependent film grain to an ``H x W x 3`` image.

    Parameters
    ----------
    rgb
        ``H x W x 3`` float32, display-encoded.
    amount
        Grain standard deviation at mid-grey, in display units (0..0.3).
    size
        Grain blur in pixels at a 4000-pixel long side (scaled with the image), 0..10.
    seed
        Random seed: the same seed gives the same grain.
    colour
        Fraction of independent per-channel grain mixed in (0 = monochrome grain).

    Returns
    -------
    numpy.ndarray
        float32, same shape; the input is not modified.
    """
    if not 0 <= amount <= 0.3:
        raise ParameterError(f"grain amount must be in [0, 0.3], got {amount!r}")
    if not 0 <= size <= 10:
        raise ParameterError(f"grain size must be in [0, 10] pixels, got {size!r}")
    if not 0 <= colour <= 1:
        raise ParameterError(f"grain colour must be in [0, 1], got {colour!r}")
    a = np.asarray(rgb, dtype=np.float32)
    if a.ndim != 3 or a.shape[2] != 3:
        raise ParameterError(f"film grain needs an H x W x 3 image, got shape {a.shape}")
    if amount == 0:
        return a.copy()
    h, w = a.shape[:2]
    sigma = size * max(h, w) / _REFERENCE_SIDE
    rng = np.random.default_rng(seed)

    def field(shape: tuple[int, ...]) -> np.ndarray:
        n = rng.standard_normal(shape, dtype=np.float32)
        if sigma > 0.05:
            n = gaussian_filter(n, sigma=(sigma, sigma) + (0,) * (len(shape) - 2), mode="wrap")
            n /= max(float(n.std()), 1e-12)
        return n

    g = field((h, w))[..., None]
    if colour > 0:
        g = (1 - colour) * g + colour * field((h, w, 3))
    L = np.clip(luma(a), 0, 1)[..., None]
    amp = np.float32(amount) * 2 * np.sqrt(L * (1 - L))
    return (a + amp * g).astype(np.float32)
