"""The four half-resolution planes of a Bayer mosaic and their luma/chroma rotation.

A Bayer mosaic (or a quad/nona/hexadeca mosaic, block by block) is split into planes that each
hold one position of the 2 x 2 colour cell. Denoising works on these planes, so that it never
mixes colours, and on an orthonormal luma/chroma rotation of them (a 4-point Haar/Hadamard
transform over R, G1, G2, B), so that chroma noise can be filtered harder than luma while
Gaussian noise of unit variance stays unit variance in every channel.

References
----------
D. Menon, G. Calvagno (2011), Color image demosaicking: an overview, Signal Processing: Image
Communication 26(8-9), 518-533 (the luma/chroma view of the Bayer cell).
"""

from __future__ import annotations

import numpy as np

from brightroom.types import CFAPattern

__all__ = ["YC_MATRIX", "cell_roles", "position_matrix", "split_planes", "merge_planes",
           "usable_shape"]

_S = np.float32(1.0 / np.sqrt(2.0))
YC_MATRIX = np.array(
    [
        [0.5, 0.5, 0.5, 0.5],  # Y  = (R + G1 + G2 + B) / 2
        [_S, 0.0, 0.0, -_S],  # C1 = (R - B) / sqrt 2
        [-0.5, 0.5, 0.5, -0.5],  # C2 = (G1 + G2 - R - B) / 2
        [0.0, _S, -_S, 0.0],  # C3 = (G1 - G2) / sqrt 2
    ],
    dtype=np.float32,
)
"""Orthonormal rotation of ``[R, G1, G2, B]`` into one luma and three chroma channels."""


def cell_roles(pattern: CFAPattern) -> np.ndarray:
    """Role of each raster position of the 2 x 2 cell: 0 = R, 1 = first G, 2 = second G, 3 = B."""
    cell = pattern.cell.ravel()
    roles = np.empty(4, dtype=np.int64)
    g = 0
    for p, c in enumerate(cell):
        if c == 0:
            roles[p] = 0
        elif c == 2:
            roles[p] = 3
        else:
            roles[p] = 1 + g
            g += 1
    return roles


def position_matrix(pattern: CFAPattern) -> np.ndarray:
    """``4 x 4`` matrix taking the raster-ordered cell values to ``[Y, C1, C2, C3]``."""
    return np.ascontiguousarray(YC_MATRIX[:, cell_roles(pattern)])


def usable_shape(shape: tuple[int, int], pattern: CFAPattern) -> tuple[int, int]:
    """The largest top-left part of a mosaic made of whole tiles."""
    p = pattern.period
    return (shape[0] // p * p, shape[1] // p * p)


def split_planes(cfa: np.ndarray, pattern: CFAPattern) -> np.ndarray:
    """Split a mosaic into ``(block**2, 4, h, w)`` planes (cell positions in raster order).

    ``cfa`` must be made of whole tiles (see :func:`usable_shape`).
    """
    b = pattern.block
    p = pattern.period
    hh, ww = cfa.shape[0] // p, cfa.shape[1] // p
    v = cfa.reshape(hh, 2, b, ww, 2, b)  # Y, cy, by, X, cx, bx
    v = v.transpose(2, 5, 1, 4, 0, 3)  # by, bx, cy, cx, Y, X
    return np.ascontiguousarray(v.reshape(b * b, 4, hh, ww))


def merge_planes(planes: np.ndarray, pattern: CFAPattern) -> np.ndarray:
    """Inverse of :func:`split_planes`."""
    b = pattern.block
    _, _, hh, ww = planes.shape
    v = planes.reshape(b, b, 2, 2, hh, ww).transpose(4, 2, 0, 5, 3, 1)
    return np.ascontiguousarray(v.reshape(hh * 2 * b, ww * 2 * b))
