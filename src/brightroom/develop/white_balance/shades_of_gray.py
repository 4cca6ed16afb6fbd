"""Shades of gray: the Minkowski p-norm of the scene is achromatic.

References
----------
Finlayson, G. D., Trezzi, E. (2004). Shades of gray and colour constancy. Proceedings of the
IS&T/SID Twelfth Color Imaging Conference, 37-41.
"""

from __future__ import annotations

import numpy as np

from brightroom.develop.white_balance._fast import masked_max_fast, masked_power_mean_fast
from brightroom.develop.white_balance._util import unit

__all__ = ["shades_of_gray"]


def shades_of_gray(
    rgb: np.ndarray, *, mask: np.ndarray, p: float = 6.0, engine: str = "numba", **_: object
) -> np.ndarray:
    """Illuminant as the Minkowski ``p``-norm of each channel (Finlayson & Trezzi 2004).

    ``p = 1`` is gray world, ``p -> inf`` white patch; the paper finds ``p = 6`` best.

    Parameters
    ----------
    rgb
        ``H x W x 3`` linear camera RGB.
    mask
        ``H x W`` usable pixels.
    p
        Minkowski norm order, >= 1.
    engine
        ``"numpy"`` (reference) or ``"numba"`` (one pass, default).

    Returns
    -------
    numpy.ndarray
        Unit-norm camera RGB of the illuminant.

    References
    ----------
    Finlayson & Trezzi (2004).
    """
    if engine == "numba":

        scale = float(masked_max_fast(rgb, mask).max())
        e = masked_power_mean_fast(rgb, mask, p, scale) ** (1.0 / p)
        return unit(e, "shades_of_gray")
    px = rgb[mask].astype(np.float64)
    scale = px.max()
    e = np.mean((px / scale) ** p, axis=0) ** (1.0 / p)
    return unit(e, "shades_of_gray")
