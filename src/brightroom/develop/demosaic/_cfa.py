"""Shared helpers of the demosaicing methods: input checks and phase alignment.

Every Bayer method is written once for the ``RGGB`` phase. The other three phases (and odd
sizes) are handled by padding the mosaic by reflection so that a red sample lands on an even
row and column, running the ``RGGB`` core, and cropping back. Reflection about a pixel
(``numpy.pad(mode="reflect")``) keeps the colour of every padded sample consistent with the
Bayer lattice, because the lattice has period 2 and the reflection maps row ``-k`` to row ``k``.
"""

from __future__ import annotations

import numpy as np

from brightroom.errors import ParameterError
from brightroom.types import CFAPattern

__all__ = ["check_mosaic", "pad_to_rggb", "rggb_offsets"]


def check_mosaic(cfa: object, pattern: object, *, bayer_only: bool = True,
                 where: str = "demosaic") -> CFAPattern:
    """Validate a mosaic and its pattern; return the pattern as a :class:`CFAPattern`.

    Parameters
    ----------
    cfa
        Must be a 2-D float32 :class:`numpy.ndarray` at least one CFA tile in size.
    pattern
        A :class:`CFAPattern` or a name accepted by :meth:`CFAPattern.parse` (``"RGGB"``,
        ``"quad-GRBG"``...).
    bayer_only
        Refuse patterns whose ``block`` is not 1.
    where
        Name of the caller, for the error messages.

    Raises
    ------
    ParameterError
        On a non-array, a wrong number of dimensions, a dtype other than float32, an unknown
        pattern, a quad pattern where only Bayer is accepted, or a mosaic smaller than a tile.
    """
    if isinstance(pattern, str):
        pattern = CFAPattern.parse(pattern)
    if not isinstance(pattern, CFAPattern):
        raise ParameterError(f"{where}: pattern must be a CFAPattern or a name such as 'RGGB', "
                             f"got {pattern!r}")
    if not isinstance(cfa, np.ndarray):
        raise ParameterError(f"{where}: the mosaic must be a numpy array, got {type(cfa).__name__}")
    if cfa.ndim != 2:
        raise ParameterError(f"{where}: the mosaic must be 2-D (H x W), got shape {cfa.shape}")
    if cfa.dtype != np.float32:
        raise ParameterError(f"{where}: the mosaic must be float32 (normalised once with "
                             f"brightroom.types.normalize_mosaic), got {cfa.dtype}")
    if bayer_only and pattern.block != 1:
        raise ParameterError(f"{where}: {pattern.name} is not a Bayer pattern; remosaic or bin it "
                             f"first (brightroom.develop.demosaic.quad)")
    p = pattern.period
    if cfa.shape[0] < p or cfa.shape[1] < p:
        raise ParameterError(f"{where}: mosaic of shape {cfa.shape} is smaller than one "
                             f"{p} x {p} {pattern.name} tile")
    return pattern


def rggb_offsets(pattern: CFAPattern) -> tuple[int, int]:
    """Row and column offsets ``(oy, ox)`` such that pixel ``(y, x)`` of a mosaic in
    ``pattern`` sits at position ``((y + oy) % 2, (x + ox) % 2)`` of the ``RGGB`` cell."""
    ry, rx = pattern.offset("R")
    return ry, rx


def pad_to_rggb(cfa: np.ndarray, pattern: CFAPattern, margin: int) -> tuple[np.ndarray, int, int]:
    """Reflect-pad a Bayer mosaic so that it is ``RGGB``, of even size, with ``margin`` spare
    pixels on every side.

    Returns
    -------
    padded, top, left
        The padded mosaic (a new array) and where the original's ``[0, 0]`` lies in it, so
        that ``padded[top:top + H, left:left + W]`` is the input.
    """
    if margin % 2:
        raise ValueError("margin must be even")
    oy, ox = rggb_offsets(pattern)
    h, w = cfa.shape
    top, left = margin + oy, margin + ox
    bottom = margin + (top + h) % 2
    right = margin + (left + w) % 2
    return np.pad(cfa, ((top, bottom), (left, right)), mode="reflect"), top, left


_SITES = {"R": (0, 0), "Gr": (0, 1), "Gb": (1, 0), "B": (1, 1)}
"""Position of each pixel class in the ``RGGB`` cell: ``Gr`` is green on a red row, ``Gb``
green on a blue row."""


class RGGBLattice:
    """A Bayer mosaic, reflect-padded to ``RGGB``, read one pixel class at a time.

    ``at(site, dy, dx)`` is a (strided, read-only use) view holding, for every pixel of class
    ``site`` in the working region, the mosaic sample ``dy`` rows and ``dx`` columns away. All
    such views have the same shape ``(h / 2, w / 2)``, so a demosaicing filter is plain array
    arithmetic on them. :meth:`assemble` puts per-class results together and crops back to
    the input's size.

    Parameters
    ----------
    cfa, pattern
        The checked Bayer mosaic and its phase.
    margin
        Even number of spare pixels kept around the image; at least the filter radius.
    """

    def __init__(self, cfa: np.ndarray, pattern: CFAPattern, margin: int) -> None:
        self.padded, self.top, self.left = pad_to_rggb(cfa, pattern, margin)
        self.margin = margin
        hp, wp = self.padded.shape
        self.shape = (hp - 2 * margin, wp - 2 * margin)
        self.input_shape = cfa.shape

    def at(self, site: str, dy: int = 0, dx: int = 0) -> np.ndarray:
        """Samples at offset ``(dy, dx)`` from every pixel of class ``site``."""
        py, px = _SITES[site]
        if max(abs(dy), abs(dx)) > self.margin:
            raise ValueError(f"offset ({dy}, {dx}) exceeds the margin {self.margin}")
        h, w = self.shape
        y0 = self.margin + py + dy
        x0 = self.margin + px + dx
        return self.padded[y0:y0 + h:2, x0:x0 + w:2]

    def assemble(self, planes: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]) -> np.ndarray:
        """``H x W x 3`` float32 image from ``{site: (r, g, b)}`` for the four classes."""
        h, w = self.shape
        full = np.empty((h, w, 3), dtype=np.float32)
        for site, rgb in planes.items():
            py, px = _SITES[site]
            for c in range(3):
                full[py::2, px::2, c] = rgb[c]
        y0, x0 = self.top - self.margin, self.left - self.margin
        hi, wi = self.input_shape
        return np.ascontiguousarray(full[y0:y0 + hi, x0:x0 + wi])
