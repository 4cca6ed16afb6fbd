"""RGB colour spaces and transfer curves.

The RGB -> XYZ matrices are the published ones (IEC 61966-2-1 sRGB, SMPTE EG 432-1 Display P3,
...), the values of colour-science's ``RGB_COLOURSPACES``, written out as float64 so that the
pipeline does not import colour-science (tested against it).
The transfer curves are written out so that they run on float32 arrays without copies beyond the
output.

References
----------
IEC 61966-2-1:1999, Multimedia systems and equipment - Colour measurement and management -
Part 2-1: Default RGB colour space - sRGB.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from brightroom.errors import ParameterError

__all__ = [
    "RGBSpace",
    "RGB_SPACES",
    "get_space",
    "rgb_to_xyz_matrix",
    "xyz_to_rgb_matrix",
    "rgb_to_rgb_matrix",
    "srgb_encode",
    "srgb_decode",
    "TRANSFERS",
    "encode",
    "decode",
    "luminance",
    "D50_XYZ",
    "D65_XYZ",
    "bradford_adaptation",
]

D65_XYZ = np.array([0.95047, 1.0, 1.08883])
D50_XYZ = np.array([0.96422, 1.0, 0.82521])

# RGB -> XYZ matrices of the spaces Brightroom writes, as their standards publish them (sRGB:
# IEC 61966-2-1:1999 eq. (F.7); Adobe RGB (1998): Adobe's specification 4.3.5.3; ProPhoto RGB:
# ROMM RGB, ISO 22028-2:2013 (D50)) or as the normalised primary matrix of their primaries and
# white (SMPTE RP 177-1993; Display P3: SMPTE EG 432-1 primaries with D65; ITU-R BT.2020), the
# values colour-science's RGB_COLOURSPACES give (tests/test_spaces.py checks them against it).
# Written here so that developing a photo does not import colour-science (about 1 s).
_MATRICES = {
    "sRGB": ((0.4124, 0.3576, 0.1805), (0.2126, 0.7152, 0.0722), (0.0193, 0.1192, 0.9505)),
    "Display P3": ((0.486570948648216, 0.2656676931690931, 0.1982172852343625),
                   (0.2289745640697487, 0.6917385218365064, 0.079286914093745),
                   (-3.9720755169334855e-17, 0.04511338185890264, 1.0439443689009757)),
    "ProPhoto RGB": ((0.7977, 0.1352, 0.0313), (0.288, 0.7119, 0.0001), (0.0, 0.0, 0.8249)),
    "Adobe RGB (1998)": ((0.57667, 0.18556, 0.18823), (0.29734, 0.62736, 0.07529),
                         (0.02703, 0.07069, 0.99134)),
    "ITU-R BT.2020": ((0.6369580483012912, 0.1446169035862084, 0.16888097516417208),
                      (0.262700212011267, 0.6779980715188711, 0.05930171646986195),
                      (4.994106574466074e-17, 0.028072693049087445, 1.0609850577107909)),
}


@dataclass(frozen=True, eq=False)
class RGBSpace:
    """A linear RGB space: its matrix to CIE XYZ and its white point (XYZ, Y = 1)."""

    name: str
    to_xyz: np.ndarray
    white: np.ndarray
    transfer: str


@cache
def get_space(name: str) -> RGBSpace:
    """The :class:`RGBSpace` called ``name`` (``"sRGB"``, ``"Display P3"``, ...)."""
    if name not in _MATRICES:
        raise ParameterError(f"unknown colour space {name!r}; known: {', '.join(_MATRICES)}")
    m = np.array(_MATRICES[name], dtype=np.float64)
    white = m @ np.ones(3)
    transfer = "sRGB" if name in ("sRGB", "Display P3") else "gamma"
    m.setflags(write=False)
    return RGBSpace(name, m, white, transfer)


RGB_SPACES: tuple[str, ...] = tuple(_MATRICES)


def rgb_to_xyz_matrix(name: str) -> np.ndarray:
    """3 x 3 matrix from linear ``name`` RGB to XYZ (its own white point)."""
    return get_space(name).to_xyz


def xyz_to_rgb_matrix(name: str) -> np.ndarray:
    """3 x 3 matrix from XYZ to linear ``name`` RGB."""
    return np.linalg.inv(get_space(name).to_xyz)


def bradford_adaptation(src_white: np.ndarray, dst_white: np.ndarray) -> np.ndarray:
    """Bradford chromatic adaptation matrix (XYZ to XYZ) from ``src_white`` to ``dst_white``.

    References
    ----------
    Lam, K. M. (1985). Metamerism and colour constancy. PhD thesis, University of Bradford.
    """
    b = np.array([[0.8951, 0.2664, -0.1614],
                  [-0.7502, 1.7135, 0.0367],
                  [0.0389, -0.0685, 1.0296]])
    s = b @ np.asarray(src_white, dtype=np.float64)
    d = b @ np.asarray(dst_white, dtype=np.float64)
    return np.linalg.inv(b) @ np.diag(d / s) @ b


def rgb_to_rgb_matrix(src: str, dst: str) -> np.ndarray:
    """Matrix from linear ``src`` RGB to linear ``dst`` RGB, Bradford-adapting white points."""
    s, d = get_space(src), get_space(dst)
    adapt = bradford_adaptation(s.white, d.white)
    return np.linalg.inv(d.to_xyz) @ adapt @ s.to_xyz


def srgb_encode(x: np.ndarray) -> np.ndarray:
    """The sRGB opto-electronic transfer function (IEC 61966-2-1), float32 in, float32 out.

    Values below 0 are clipped to 0; values above 1 are encoded on the same curve (so > 1).
    """
    x = np.maximum(np.asarray(x, dtype=np.float32), np.float32(0))
    lo = x * np.float32(12.92)
    hi = np.float32(1.055) * np.power(x, np.float32(1 / 2.4)) - np.float32(0.055)
    return np.where(x <= np.float32(0.0031308), lo, hi).astype(np.float32, copy=False)


def srgb_decode(v: np.ndarray) -> np.ndarray:
    """Inverse of :func:`srgb_encode`: encoded sRGB values to linear light."""
    v = np.asarray(v, dtype=np.float32)
    lo = v / np.float32(12.92)
    hi = np.power((np.maximum(v, 0) + np.float32(0.055)) / np.float32(1.055), np.float32(2.4))
    return np.where(v <= np.float32(0.04045), lo, hi).astype(np.float32, copy=False)


TRANSFERS = {"sRGB": (srgb_encode, srgb_decode)}


def encode(x: np.ndarray, transfer: str = "sRGB") -> np.ndarray:
    """Apply the named transfer curve (linear to encoded)."""
    try:
        return TRANSFERS[transfer][0](x)
    except KeyError:
        raise ParameterError(f"unknown transfer {transfer!r}; known: {', '.join(TRANSFERS)}") from None


def decode(v: np.ndarray, transfer: str = "sRGB") -> np.ndarray:
    """Invert the named transfer curve (encoded to linear)."""
    try:
        return TRANSFERS[transfer][1](v)
    except KeyError:
        raise ParameterError(f"unknown transfer {transfer!r}; known: {', '.join(TRANSFERS)}") from None


def luminance(rgb: np.ndarray, space: str = "sRGB") -> np.ndarray:
    """Relative luminance Y of linear ``space`` RGB (``H x W x 3``) as float32 ``H x W``."""
    w = get_space(space).to_xyz[1].astype(np.float32)
    return np.asarray(rgb, dtype=np.float32) @ w
