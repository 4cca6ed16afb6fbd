"""Malvar-He-Cutler high-quality linear demosaicing (NumPy reference).

Bilinear interpolation corrected by a scaled Laplacian of the channel that *is* known at the
pixel, with the gains the paper optimised on the Kodak set (alpha = 1/2, beta = 5/8,
gamma = 3/4). The result is four fixed 5 x 5 filters (paper, Fig. 2), with weights in
multiples of 1/16, that sum to one and reproduce flat fields and linear ramps exactly.

The default demosaicing method: :mod:`._malvar2004_numba` is a fused, parallel second
implementation of exactly this function, tested against it.

References
----------
.. [1] Malvar, H. S., He, L.-W., Cutler, R. (2004). High-quality linear interpolation for
   demosaicing of Bayer-patterned color images. Proceedings of the IEEE International
   Conference on Acoustics, Speech, and Signal Processing (ICASSP 2004), vol. 3, 485-488.
   doi:10.1109/ICASSP.2004.1326587
"""

from __future__ import annotations

import numpy as np

from brightroom.develop.demosaic._cfa import RGGBLattice, check_mosaic
from brightroom.develop.demosaic._malvar2004_numba import malvar2004_numba
from brightroom.types import CFAPattern

__all__ = ["demosaic_malvar2004", "demosaic_malvar2004_numpy"]


def demosaic_malvar2004_numpy(cfa: np.ndarray, pattern: CFAPattern | str) -> np.ndarray:
    """Malvar et al. (2004) demosaicing, NumPy reference implementation.

    Parameters
    ----------
    cfa
        ``H x W`` float32 Bayer mosaic (any values; not clipped). Not modified.
    pattern
        Its Bayer phase (``block`` must be 1).

    Returns
    -------
    numpy.ndarray
        ``H x W x 3`` float32 camera RGB; the known sample of every pixel is kept as is.
        Borders are handled by reflecting the mosaic about its edge pixels (which keeps the
        Bayer phase of the padded samples).

    References
    ----------
    Malvar, He, Cutler (2004), ICASSP, vol. 3, 485-488, Fig. 2.
    """
    pattern = check_mosaic(cfa, pattern, where="demosaic_malvar2004")
    lat = RGGBLattice(cfa, pattern, margin=2)
    at = lat.at
    f = np.float32

    def g_at_rb(s: str) -> np.ndarray:
        # Fig. 2 "G at R locations": 4 centre, 2 at the 4 greens, -1 at the 4 same-colour
        # samples two pixels away.
        near = at(s, -1, 0) + at(s, 1, 0) + at(s, 0, -1) + at(s, 0, 1)
        far = at(s, -2, 0) + at(s, 2, 0) + at(s, 0, -2) + at(s, 0, 2)
        return (f(4) * at(s) + f(2) * near - far) * f(1 / 8)

    def rb_at_br(s: str) -> np.ndarray:
        # "R at B locations": 6 centre, 2 at the 4 diagonals, -3/2 at the 4 far cross samples.
        diag = at(s, -1, -1) + at(s, -1, 1) + at(s, 1, -1) + at(s, 1, 1)
        far = at(s, -2, 0) + at(s, 2, 0) + at(s, 0, -2) + at(s, 0, 2)
        return (f(6) * at(s) + f(2) * diag - f(1.5) * far) * f(1 / 8)

    def rb_at_g(s: str, horizontal: bool) -> np.ndarray:
        # "R at G, R row": 5 centre, 4 at the two horizontal neighbours, -1 two pixels away
        # horizontally and at the 4 diagonals, +1/2 two pixels away vertically. The
        # vertical variant is its transpose.
        if horizontal:
            near = at(s, 0, -1) + at(s, 0, 1)
            far_along = at(s, 0, -2) + at(s, 0, 2)
            far_across = at(s, -2, 0) + at(s, 2, 0)
        else:
            near = at(s, -1, 0) + at(s, 1, 0)
            far_along = at(s, -2, 0) + at(s, 2, 0)
            far_across = at(s, 0, -2) + at(s, 0, 2)
        diag = at(s, -1, -1) + at(s, -1, 1) + at(s, 1, -1) + at(s, 1, 1)
        return (f(5) * at(s) + f(4) * near - far_along - diag + f(0.5) * far_across) * f(1 / 8)

    return lat.assemble({
        "R": (at("R"), g_at_rb("R"), rb_at_br("R")),
        "Gr": (rb_at_g("Gr", True), at("Gr"), rb_at_g("Gr", False)),
        "Gb": (rb_at_g("Gb", False), at("Gb"), rb_at_g("Gb", True)),
        "B": (rb_at_br("B"), g_at_rb("B"), at("B")),
    })


def demosaic_malvar2004(cfa: np.ndarray, pattern: CFAPattern | str) -> np.ndarray:
    """Malvar et al. (2004) demosaicing: the fast (numba, parallel) implementation.

    Same contract and same result (to float32 rounding) as
    :func:`demosaic_malvar2004_numpy`; falls back to it where numba is unavailable.

    References
    ----------
    Malvar, He, Cutler (2004), ICASSP, vol. 3, 485-488.
    """
    pattern = check_mosaic(cfa, pattern, where="demosaic_malvar2004")
    return malvar2004_numba(cfa, pattern)
