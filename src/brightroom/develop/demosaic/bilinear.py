"""Bilinear demosaicing: the reference baseline.

Each missing sample is the mean of its nearest neighbours of that colour: the four
edge-adjacent greens at a red or blue pixel; the two horizontal (or vertical) reds or blues at
a green pixel; the four diagonal reds or blues at a blue or red pixel. It is exact on linear
ramps and flat fields, and shows the zipper and false-colour artefacts that the better methods
remove.

References
----------
.. [1] Gunturk, B. K., Glotzbach, J., Altunbasak, Y., Schafer, R. W., Mersereau, R. M.
   (2005). Demosaicking: color filter array interpolation. IEEE Signal Processing Magazine,
   22(1), 44-54. (Section "Single-channel interpolation", bilinear interpolation.)
.. [2] Longere, P., Zhang, X., Delahunt, P. B., Brainard, D. H. (2002). Perceptual assessment
   of demosaicing algorithm performance. Proceedings of the IEEE, 90(1), 123-132.
"""

from __future__ import annotations

import numpy as np

from brightroom.develop.demosaic._cfa import RGGBLattice, check_mosaic
from brightroom.types import CFAPattern

__all__ = ["demosaic_bilinear"]


def demosaic_bilinear(cfa: np.ndarray, pattern: CFAPattern | str) -> np.ndarray:
    """Demosaic a Bayer mosaic by bilinear interpolation of each colour plane.

    Parameters
    ----------
    cfa
        ``H x W`` float32 Bayer mosaic (any values; not clipped). Not modified.
    pattern
        Its Bayer phase (``block`` must be 1).

    Returns
    -------
    numpy.ndarray
        ``H x W x 3`` float32 camera RGB. The known sample of every pixel is kept as is.
        Borders are handled by reflecting the mosaic about its edge pixels.

    References
    ----------
    Gunturk et al. (2005), IEEE Signal Processing Magazine 22(1) 44-54.
    """
    pattern = check_mosaic(cfa, pattern, where="demosaic_bilinear")
    lat = RGGBLattice(cfa, pattern, margin=2)
    at = lat.at
    half, quarter = np.float32(0.5), np.float32(0.25)

    def cross(site: str) -> np.ndarray:
        return (at(site, -1, 0) + at(site, 1, 0) + at(site, 0, -1) + at(site, 0, 1)) * quarter

    def diag(site: str) -> np.ndarray:
        return (at(site, -1, -1) + at(site, -1, 1) + at(site, 1, -1) + at(site, 1, 1)) * quarter

    def horiz(site: str) -> np.ndarray:
        return (at(site, 0, -1) + at(site, 0, 1)) * half

    def vert(site: str) -> np.ndarray:
        return (at(site, -1, 0) + at(site, 1, 0)) * half

    return lat.assemble({
        "R": (at("R"), cross("R"), diag("R")),
        "Gr": (horiz("Gr"), at("Gr"), vert("Gr")),
        "Gb": (vert("Gb"), at("Gb"), horiz("Gb")),
        "B": (diag("B"), cross("B"), at("B")),
    })
