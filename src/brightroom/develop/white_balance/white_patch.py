"""White patch (max-RGB): the brightest response of each channel is that of a white surface.

References
----------
Land, E. H. (1977). The retinex theory of color vision. Scientific American, 237(6), 108-128.
"""

from __future__ import annotations

import numpy as np

from brightroom.develop.white_balance._fast import masked_max_fast
from brightroom.develop.white_balance._util import unit

__all__ = ["white_patch"]


def white_patch(
    rgb: np.ndarray, *, mask: np.ndarray, percentile: float = 100.0, engine: str = "numba",
    **_: object,
) -> np.ndarray:
    """Illuminant as the per-channel maximum of the usable pixels (Land 1977).

    Parameters
    ----------
    rgb
        ``H x W x 3`` linear camera RGB.
    mask
        ``H x W`` usable (unclipped, not black) pixels.
    percentile
        100 is Land's max-RGB; a value a little below (e.g. 99.5) makes it robust to noise.
    engine
        ``"numpy"`` (reference) or ``"numba"`` (one pass, default) for the maximum.

    Returns
    -------
    numpy.ndarray
        Unit-norm camera RGB of the illuminant.

    References
    ----------
    Land (1977).
    """
    if percentile >= 100 and engine == "numba":

        return unit(masked_max_fast(rgb, mask), "white_patch")
    px = rgb[mask]
    if percentile >= 100:
        e = px.max(axis=0)
    else:
        e = np.percentile(px, percentile, axis=0)
    return unit(e, "white_patch")
