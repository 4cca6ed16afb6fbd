"""Gray world: the average reflectance of a scene is achromatic.

References
----------
Buchsbaum, G. (1980). A spatial processor model for object colour perception. Journal of the
Franklin Institute, 310(1), 1-26.
"""

from __future__ import annotations

import numpy as np

from brightroom.develop.white_balance._fast import masked_power_mean_fast
from brightroom.develop.white_balance._util import unit

__all__ = ["gray_world"]


def gray_world(
    rgb: np.ndarray, *, mask: np.ndarray, engine: str = "numba", **_: object
) -> np.ndarray:
    """Illuminant as the mean camera RGB of the usable pixels (Buchsbaum 1980).

    Parameters
    ----------
    rgb
        ``H x W x 3`` linear camera RGB (not white balanced).
    mask
        ``H x W`` usable pixels (see :func:`~brightroom.develop.white_balance.valid_mask`).
    engine
        ``"numpy"`` (reference) or ``"numba"`` (one pass, default).

    Returns
    -------
    numpy.ndarray
        Unit-norm camera RGB of the illuminant.

    References
    ----------
    Buchsbaum (1980).
    """
    if engine == "numba":

        return unit(masked_power_mean_fast(rgb, mask, 1.0), "gray_world")
    return unit(rgb[mask].mean(axis=0, dtype=np.float64), "gray_world")
