"""Fast path of :mod:`.menon2007`: the same DDFAPD steps as parallel numba passes.

The reference evaluates each step on whole arrays with :func:`numpy.roll`; here each step is
one pass over the rows (``prange``) that computes only the pixel classes it changes, reading
its neighbours in place. The mosaic is padded exactly as in the reference and every float32
operation is done in the same order, so the decisions (``delta_v >= delta_h``, ties
included) and the results agree with the reference to float32 rounding.

References
----------
.. [1] Menon, D., Andriani, S., Calvagno, G. (2007). Demosaicing with directional filtering
   and a posteriori decision. IEEE Transactions on Image Processing, 16(1), 132-141.
"""

from __future__ import annotations

import numpy as np

from brightroom._jit import njit, prange
from brightroom.develop.demosaic._cfa import pad_to_rggb
from brightroom.types import CFAPattern

MENON2007_MARGIN = 12
"""Reflected border kept around the image (even, to keep the Bayer phase): every output pixel
depends on mosaic samples at most 9 pixels away (4 for the decision, then 1 per later
interpolation step). Shared by the NumPy reference (:mod:`.menon2007`) and this fast path."""

__all__ = ["menon2007_numba"]

_F = np.float32
_HALF = np.float32(0.5)
_QUARTER = np.float32(0.25)
_THIRD = np.float32(1 / 3)
_TWO = np.float32(2)
_THREE = np.float32(3)

# In the padded RGGB mosaic a pixel (y, x) is red when y and x are even, blue when both are
# odd, green otherwise. Passes run over rows 2 .. h - 3 and columns 2 .. w - 3 (the margin
# of the reference, MENON2007_MARGIN = 12, leaves the output untouched by this border).


@njit(nogil=True, cache=True, parallel=True)
def _directional_green(p, gh, gv, g, r, b):  # noqa: ANN001
    # Directional greens at red / blue sites; also seeds g, r, b with the known samples.
    h, w = p.shape
    for y in prange(h):
        inner_row = 2 <= y < h - 2
        for x in range(w):
            v = p[y, x]
            if (y + x) & 1:                       # green site
                g[y, x] = v
                r[y, x] = 0
                b[y, x] = 0
                continue
            g[y, x] = 0
            if y & 1:
                r[y, x] = 0
                b[y, x] = v
            else:
                r[y, x] = v
                b[y, x] = 0
            if inner_row and 2 <= x < w - 2:
                c2 = _TWO * v
                gh[y, x] = (p[y, x - 1] + p[y, x + 1]) * _HALF \
                    + (c2 - p[y, x - 2] - p[y, x + 2]) * _QUARTER
                gv[y, x] = (p[y - 1, x] + p[y + 1, x]) * _HALF \
                    + (c2 - p[y - 2, x] - p[y + 2, x]) * _QUARTER


@njit(nogil=True, cache=True, parallel=True)
def _chroma_gradients(p, gh, gv, dh, dv):  # noqa: ANN001
    # |C(x) - C(x + 2)| at red / blue sites (the decision window reads no other sites).
    h, w = p.shape
    for y in prange(2, h - 4):
        for x in range(2 + (y & 1), w - 4, 2):
            dh[y, x] = abs((p[y, x] - gh[y, x]) - (p[y, x + 2] - gh[y, x + 2]))
            dv[y, x] = abs((p[y, x] - gv[y, x]) - (p[y + 2, x] - gv[y + 2, x]))


@njit(nogil=True, cache=True, parallel=True)
def _decide(gh, gv, dh, dv, g, horiz):  # noqa: ANN001
    h, w = g.shape
    for y in prange(4, h - 4):
        for x in range(4 + (y & 1), w - 4, 2):
            # The window of [1] eq. 8, in the reference's order of summation.
            sh = _F(0)
            sh += dh[y - 2, x - 2]
            sh += dh[y - 2, x]
            sh += dh[y - 1, x - 1]
            sh += _THREE * dh[y, x - 2]
            sh += _THREE * dh[y, x]
            sh += dh[y + 1, x - 1]
            sh += dh[y + 2, x - 2]
            sh += dh[y + 2, x]
            sv = _F(0)
            sv += dv[y - 2, x - 2]
            sv += dv[y, x - 2]
            sv += dv[y - 1, x - 1]
            sv += _THREE * dv[y - 2, x]
            sv += _THREE * dv[y, x]
            sv += dv[y - 1, x + 1]
            sv += dv[y - 2, x + 2]
            sv += dv[y, x + 2]
            hz = sv >= sh
            horiz[y, x] = hz
            g[y, x] = gh[y, x] if hz else gv[y, x]


@njit(nogil=True, cache=True, parallel=True)
def _rb_at_green(p, g, r, b, lo):  # noqa: ANN001
    # R - G and B - G interpolated along the row / column holding the samples.
    h, w = p.shape
    for y in prange(lo, h - lo):
        x0 = lo + ((y + lo + 1) & 1)              # first green column of this row
        if y & 1 == 0:                            # red row: R along the row, B along the column
            for x in range(x0, w - lo, 2):
                gc = g[y, x]
                r[y, x] = gc + ((r[y, x - 1] - g[y, x - 1]) + (r[y, x + 1] - g[y, x + 1])) * _HALF
                b[y, x] = gc + ((b[y - 1, x] - g[y - 1, x]) + (b[y + 1, x] - g[y + 1, x])) * _HALF
        else:
            for x in range(x0, w - lo, 2):
                gc = g[y, x]
                r[y, x] = gc + ((r[y - 1, x] - g[y - 1, x]) + (r[y + 1, x] - g[y + 1, x])) * _HALF
                b[y, x] = gc + ((b[y, x - 1] - g[y, x - 1]) + (b[y, x + 1] - g[y, x + 1])) * _HALF


@njit(nogil=True, cache=True, parallel=True)
def _rb_at_br(r, b, horiz, lo, box):  # noqa: ANN001
    # R at blue sites and B at red sites from R - B along the chosen direction: the mean of
    # the two neighbours (box=False, [1] Section III-B) or of three pixels (box=True, IV).
    h, w = r.shape
    for y in prange(lo, h - lo):
        x0 = lo + ((y + lo) & 1)                  # first red / blue column of this row
        for x in range(x0, w - lo, 2):
            if horiz[y, x]:
                a0 = r[y, x - 1] - b[y, x - 1]
                a2 = r[y, x + 1] - b[y, x + 1]
            else:
                a0 = r[y - 1, x] - b[y - 1, x]
                a2 = r[y + 1, x] - b[y + 1, x]
            if box:
                d = ((a0 + (r[y, x] - b[y, x])) + a2) * _THIRD
            else:
                d = (a0 + a2) * _HALF
            if y & 1:                             # blue site
                r[y, x] = b[y, x] + d
            else:                                 # red site
                b[y, x] = r[y, x] - d


@njit(nogil=True, cache=True, parallel=True)
def _refine_green(r, g, b, horiz, lo):  # noqa: ANN001
    h, w = g.shape
    for y in prange(lo, h - lo):
        x0 = lo + ((y + lo) & 1)
        blue_row = y & 1
        for x in range(x0, w - lo, 2):
            c = b if blue_row else r
            if horiz[y, x]:
                a0 = c[y, x - 1] - g[y, x - 1]
                a2 = c[y, x + 1] - g[y, x + 1]
            else:
                a0 = c[y - 1, x] - g[y - 1, x]
                a2 = c[y + 1, x] - g[y + 1, x]
            g[y, x] = c[y, x] - ((a0 + (c[y, x] - g[y, x])) + a2) * _THIRD


@njit(nogil=True, cache=True, parallel=True)
def _final(r, g, b, horiz, box, top, left, out):  # noqa: ANN001
    # The last R-at-blue / B-at-red step fused with writing the cropped H x W x 3 output
    # (r and b are read, not updated, so rows are independent).
    h, w = out.shape[0], out.shape[1]
    for yo in prange(h):
        y = yo + top
        for xo in range(w):
            x = xo + left
            rv, gv_, bv = r[y, x], g[y, x], b[y, x]
            if ((y + x) & 1) == 0:                # red or blue site
                if horiz[y, x]:
                    a0 = r[y, x - 1] - b[y, x - 1]
                    a2 = r[y, x + 1] - b[y, x + 1]
                else:
                    a0 = r[y - 1, x] - b[y - 1, x]
                    a2 = r[y + 1, x] - b[y + 1, x]
                if box:
                    d = ((a0 + (rv - bv)) + a2) * _THIRD
                else:
                    d = (a0 + a2) * _HALF
                if y & 1:
                    rv = bv + d
                else:
                    bv = rv - d
            out[yo, xo, 0] = rv
            out[yo, xo, 1] = gv_
            out[yo, xo, 2] = bv


def menon2007_numba(cfa: np.ndarray, pattern: CFAPattern, *, refine: bool = True) -> np.ndarray:
    """DDFAPD demosaicing of a checked Bayer mosaic (numba fast path).

    Parameters
    ----------
    cfa
        ``H x W`` float32 Bayer mosaic, already validated. Not modified.
    pattern
        Its Bayer phase.
    refine
        Run the refinement step ([1] Section IV).

    Returns
    -------
    numpy.ndarray
        ``H x W x 3`` float32, equal to
        :func:`~brightroom.develop.demosaic.menon2007.demosaic_menon2007_numpy` to float32
        rounding.

    References
    ----------
    Menon, Andriani, Calvagno (2007), IEEE Trans. Image Processing 16(1), 132-141.
    """
    p, top, left = pad_to_rggb(cfa, pattern, MENON2007_MARGIN)
    shape = p.shape
    gh = np.zeros(shape, np.float32)
    gv = np.zeros(shape, np.float32)
    g = np.empty(shape, np.float32)
    r = np.empty(shape, np.float32)
    b = np.empty(shape, np.float32)
    _directional_green(p, gh, gv, g, r, b)
    dh = np.zeros(shape, np.float32)
    dv = np.zeros(shape, np.float32)
    _chroma_gradients(p, gh, gv, dh, dv)
    horiz = np.zeros(shape, np.bool_)
    _decide(gh, gv, dh, dv, g, horiz)
    del gh, gv, dh, dv
    _rb_at_green(p, g, r, b, 5)
    if refine:
        _rb_at_br(r, b, horiz, 6, False)
        _refine_green(r, g, b, horiz, 7)
        _rb_at_green(p, g, r, b, 8)
    out = np.empty((cfa.shape[0], cfa.shape[1], 3), np.float32)
    _final(r, g, b, horiz, refine, top, left, out)
    return out
