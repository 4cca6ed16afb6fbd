"""Menon-Andriani-Calvagno DDFAPD demosaicing (NumPy reference).

*Demosaicing with Directional Filtering and a Posteriori Decision*:

1. At every red and blue pixel the green is interpolated twice, horizontally and vertically,
   with the filter ``[-1/4, 1/2, 1/2, 1/2, -1/4]`` (the two nearest greens plus a Laplacian
   correction from the centre colour) [1]_ (eq. 3).
2. The decision is taken *a posteriori*: the chrominance ``C = R - G`` (or ``B - G``) of each
   directional estimate is compared with its value two pixels further along the same
   direction, and the absolute differences are summed over a 5 x 5 window with the weights of
   [1]_ (eq. 8; 3 on the pixel's own row, 1 around). The direction with the smaller total (the
   smoother chrominance) keeps its green.
3. Red and blue are filled by bilinear interpolation of the colour differences: ``R - G`` at
   green pixels, along the row or column that holds red samples; ``R - B`` at blue pixels (and
   ``B - R`` at red pixels) along the direction chosen in step 2 [1]_ (Section III-B).
4. Refinement [1]_ (Section IV): green at red and blue pixels is re-estimated from the
   colour difference averaged over three pixels along the chosen direction, then red and blue
   at green pixels and red / blue at blue / red pixels are re-estimated from it.

The known sample of every pixel is never changed. Works in float32 on values outside [0, 1]
(no clipping). Borders: the mosaic is reflected about its edge pixels.

References
----------
.. [1] Menon, D., Andriani, S., Calvagno, G. (2007). Demosaicing with directional filtering
   and a posteriori decision. IEEE Transactions on Image Processing, 16(1), 132-141.
   doi:10.1109/TIP.2006.884928
"""

from __future__ import annotations

import numpy as np

from brightroom.develop.demosaic._cfa import check_mosaic, pad_to_rggb
from brightroom.develop.demosaic._menon2007_numba import MENON2007_MARGIN, menon2007_numba
from brightroom.types import CFAPattern

__all__ = ["demosaic_menon2007", "demosaic_menon2007_numpy", "MENON2007_MARGIN"]

_F = np.float32


def _sh(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``b[y, x] = a[y + dy, x + dx]`` (wrapping: only ever read inside the margin)."""
    return np.roll(a, (-dy, -dx), axis=(0, 1))


def _avg_h(a: np.ndarray) -> np.ndarray:
    return (_sh(a, 0, -1) + _sh(a, 0, 1)) * _F(0.5)


def _avg_v(a: np.ndarray) -> np.ndarray:
    return (_sh(a, -1, 0) + _sh(a, 1, 0)) * _F(0.5)


def _box_h(a: np.ndarray) -> np.ndarray:
    return (_sh(a, 0, -1) + a + _sh(a, 0, 1)) * _F(1 / 3)


def _box_v(a: np.ndarray) -> np.ndarray:
    return (_sh(a, -1, 0) + a + _sh(a, 1, 0)) * _F(1 / 3)


# Decision window of [1] eq. 8 for the horizontal direction, as (dy, dx, weight); the
# vertical one is its transpose. With D(x) = |C(x) - C(x + 2)| it weighs the chrominance
# differences from two pixels left to two pixels right of the centre (3 on its own row).
_WINDOW = ((-2, -2, 1), (-2, 0, 1), (-1, -1, 1), (0, -2, 3), (0, 0, 3), (1, -1, 1),
           (2, -2, 1), (2, 0, 1))


def demosaic_menon2007_numpy(cfa: np.ndarray, pattern: CFAPattern | str, *,
                             refine: bool = True) -> np.ndarray:
    """DDFAPD demosaicing of Menon et al. (2007), NumPy reference implementation.

    Parameters
    ----------
    cfa
        ``H x W`` float32 Bayer mosaic (any values; not clipped). Not modified.
    pattern
        Its Bayer phase (``block`` must be 1).
    refine
        Run the refinement step of [1]_ Section IV (default, as in the paper's results).

    Returns
    -------
    numpy.ndarray
        ``H x W x 3`` float32 camera RGB; the known sample of every pixel is kept as is.

    References
    ----------
    .. [1] Menon, Andriani, Calvagno (2007), IEEE Trans. Image Processing 16(1), 132-141.
    """
    pattern = check_mosaic(cfa, pattern, where="demosaic_menon2007")
    m = MENON2007_MARGIN
    p, top, left = pad_to_rggb(cfa, pattern, m)
    hp, wp = p.shape
    even_y = (np.arange(hp) % 2 == 0)[:, None]
    even_x = (np.arange(wp) % 2 == 0)[None, :]
    r_m = even_y & even_x                  # RGGB: red at even rows and columns
    b_m = ~even_y & ~even_x
    g_m = ~(r_m | b_m)
    gr_m = g_m & even_y                    # green on a red row
    gb_m = g_m & ~even_y                   # green on a blue row

    # 1. Directional green at red / blue pixels ([1] eq. 3).
    g_h = (_sh(p, 0, -1) + _sh(p, 0, 1)) * _F(0.5) \
        + (_F(2) * p - _sh(p, 0, -2) - _sh(p, 0, 2)) * _F(0.25)
    g_v = (_sh(p, -1, 0) + _sh(p, 1, 0)) * _F(0.5) \
        + (_F(2) * p - _sh(p, -2, 0) - _sh(p, 2, 0)) * _F(0.25)
    g_h = np.where(g_m, p, g_h)
    g_v = np.where(g_m, p, g_v)

    # 2. A posteriori decision on the chrominance gradients ([1] eqs. 6-8).
    c_h = np.where(g_m, _F(0), p - g_h)
    c_v = np.where(g_m, _F(0), p - g_v)
    d_h = np.abs(c_h - _sh(c_h, 0, 2))
    d_v = np.abs(c_v - _sh(c_v, 2, 0))
    delta_h = np.zeros_like(p)
    delta_v = np.zeros_like(p)
    for dy, dx, wgt in _WINDOW:
        delta_h += _F(wgt) * _sh(d_h, dy, dx)
        delta_v += _F(wgt) * _sh(d_v, dx, dy)
    horizontal = delta_v >= delta_h
    g = np.where(g_m, p, np.where(horizontal, g_h, g_v))

    # 3. Red and blue from colour differences ([1] Section III-B).
    r = np.where(r_m, p, _F(0))
    b = np.where(b_m, p, _F(0))
    r, b = _red_blue_at_green(r, g, b, gr_m, gb_m)
    r_b_h, r_b_v = _avg_h(r - b), _avg_v(r - b)
    r = np.where(b_m, b + np.where(horizontal, r_b_h, r_b_v), r)
    b = np.where(r_m, r - np.where(horizontal, r_b_h, r_b_v), b)

    # 4. Refinement ([1] Section IV).
    if refine:
        rg, bg = r - g, b - g
        g = np.where(r_m, r - np.where(horizontal, _box_h(rg), _box_v(rg)), g)
        g = np.where(b_m, b - np.where(horizontal, _box_h(bg), _box_v(bg)), g)
        r, b = _red_blue_at_green(r, g, b, gr_m, gb_m)
        rb = r - b
        rb_dir = np.where(horizontal, _box_h(rb), _box_v(rb))
        r = np.where(b_m, b + rb_dir, r)
        b = np.where(r_m, r - rb_dir, b)

    out = np.stack([r, g, b], axis=-1)[top:top + cfa.shape[0], left:left + cfa.shape[1]]
    return np.ascontiguousarray(out, dtype=np.float32)


def _red_blue_at_green(r: np.ndarray, g: np.ndarray, b: np.ndarray, gr_m: np.ndarray,
                       gb_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Red and blue at green pixels: bilinear interpolation of ``R - G`` / ``B - G`` along
    the row or column that holds the samples of that colour."""
    rg, bg = r - g, b - g
    r = np.where(gr_m, g + _avg_h(rg), np.where(gb_m, g + _avg_v(rg), r))
    b = np.where(gb_m, g + _avg_h(bg), np.where(gr_m, g + _avg_v(bg), b))
    return r, b


def demosaic_menon2007(cfa: np.ndarray, pattern: CFAPattern | str, *,
                       refine: bool = True) -> np.ndarray:
    """DDFAPD demosaicing of Menon et al. (2007): the fast implementation where available.

    Same contract and result (to float32 rounding) as :func:`demosaic_menon2007_numpy`.

    References
    ----------
    Menon, Andriani, Calvagno (2007), IEEE Trans. Image Processing 16(1), 132-141.
    """
    pattern = check_mosaic(cfa, pattern, where="demosaic_menon2007")
    return menon2007_numba(cfa, pattern, refine=refine)
