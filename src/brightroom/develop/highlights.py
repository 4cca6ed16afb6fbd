"""Highlight recovery: the ``highlights`` stage (``camera_rgb -> camera_rgb``).

After white balance each channel clips at its own level (``image.saturation``, equal to the
white-balance gains), so a blown highlight reads e.g. ``(2.0, 1.0, 1.6)``: magenta. Methods
(:data:`HIGHLIGHT_METHODS`, a :class:`~brightroom.methods.Methods` registry; neither is one
paper's method, so both keep descriptive keys):

* ``"clip"``: every channel is clipped at the lowest clip level, so blown areas are neutral
  (dcraw's ``-H 0``).
* ``"reconstruct"`` (default): clipped channels are rebuilt from the unclipped ones with the
  colour ratios of unclipped pixels nearby. The image is cut into 16 x 16 blocks; each block
  records the summed colour of its unclipped, not-dark pixels; blocks without any inherit the
  colour of their neighbourhood by push-pull (a pyramid of weighted averages, Gortler et al.
  1996). For a pixel with clipped channels, the colour ratios ``rho`` are bilinearly
  interpolated from the blocks and scaled by ``k = sum(u_c v_c) / sum(u_c rho_c)``, the
  brightness its unclipped channels imply (``u_c`` = 1 - clip weight); when every channel is
  clipped, ``k = max_c v_c / rho_c``, the least brightness consistent with all readings. A
  clipped channel becomes ``max(v_c, k rho_c)`` (its true value is at least what it read), and
  the clip weight ramps from 0 at ``blend * saturation`` to 1 at ``threshold * saturation``,
  so the result joins the unclipped image without a seam (ramp pixels do not vote for the
  colour). This is the idea of darktable's
  "inpaint opposed" (Hanno Schwalm, darktable 4.2: the chroma of clipped channels taken from
  the unclipped surroundings), with the block statistics and push-pull in place of its
  segment-border averages. Work is done only in the band of rows that holds clipped pixels
  (plus four blocks of margin for the colour) and, there, only in blocks that reach the ramp;
  an image with nothing clipped costs one vectorised read.

References
----------
darktable 4.2 (2022), ``src/iop/hlreconstruct/opposed.c``, "inpaint opposed" highlight
reconstruction (H. Schwalm).

S. J. Gortler, R. Grzeszczuk, R. Szeliski, M. F. Cohen (1996), The lumigraph, SIGGRAPH 96
(push-pull interpolation of scattered samples).

D. Coffin, dcraw.c, ``-H`` highlight modes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from brightroom._jit import njit, prange
from brightroom.develop.params import Params, param
from brightroom.develop.pipeline import StageKind
from brightroom.errors import ParameterError
from brightroom.methods import Methods
from brightroom.types import Image

__all__ = [
    "HIGHLIGHT_METHODS",
    "HighlightParams",
    "recover_highlights",
    "clip_highlights",
    "reconstruct_highlights",
    "Highlights",
]

BLOCK = 16
"""Side of the blocks whose unclipped colour feeds the reconstruction."""

_DARK = 0.1  # unclipped pixels below this fraction of saturation do not vote for the colour

MARGIN = 4
"""Block rows above and below those with clipped pixels whose colour is gathered."""


def _check(rgb: Any, saturation: Any) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(rgb)
    if a.ndim != 3 or a.shape[2] != 3:
        raise ParameterError(f"highlight recovery needs an H x W x 3 image, got {a.shape}")
    s = np.asarray(saturation, np.float32).reshape(-1)
    if s.size == 1:
        s = np.repeat(s, 3)
    if s.size != 3 or not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise ParameterError(f"saturation must be 3 positive clip levels, got {saturation!r}")
    return a.astype(np.float32, copy=False), s


def clip_highlights(rgb: np.ndarray, saturation: Any) -> np.ndarray:
    """Clip every channel at the lowest clip level, so clipped areas are neutral.

    Parameters
    ----------
    rgb
        ``H x W x 3`` float32 white-balanced camera RGB.
    saturation
        Per-channel clip levels.

    Returns
    -------
    numpy.ndarray
        A new float32 image, ``min(rgb, min(saturation))``.

    References
    ----------
    dcraw ``-H 0``.
    """
    a, s = _check(rgb, saturation)
    return np.minimum(a, np.float32(s.min()))


# ------------------------------------------------------------------------------------------
# block statistics and the colour map


def _block_stats_numpy(a: np.ndarray, s: np.ndarray, t_lo: float, t_hi: float
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    h, w, _ = a.shape
    nby, nbx = -(-h // BLOCK), -(-w // BLOCK)
    pad = np.zeros((nby * BLOCK, nbx * BLOCK, 3), np.float32)
    pad[:h, :w] = a
    valid = np.zeros((nby * BLOCK, nbx * BLOCK), bool)
    valid[:h, :w] = True
    rel = pad / s
    hot = (rel >= t_lo).any(axis=2) & valid
    nclip = int(((rel >= t_hi).any(axis=2) & valid).sum())
    good = valid & ~hot & (rel.max(axis=2) >= _DARK)
    sums = (pad * good[..., None]).reshape(nby, BLOCK, nbx, BLOCK, 3).sum(axis=(1, 3))
    ngood = good.reshape(nby, BLOCK, nbx, BLOCK).sum(axis=(1, 3))
    nhot = hot.reshape(nby, BLOCK, nbx, BLOCK).sum(axis=(1, 3))
    return sums.astype(np.float64), ngood.astype(np.float64), nhot, nclip


@njit(nogil=True, cache=True, parallel=True, fastmath=True, error_model="numpy")
def _block_stats_numba(a, s, t_lo, t_hi, dark, block):  # pragma: no cover - compiled
    h, w, _ = a.shape
    nby = (h + block - 1) // block
    nbx = (w + block - 1) // block
    sums = np.zeros((nby, nbx, 3), np.float64)
    ngood = np.zeros((nby, nbx), np.float64)
    nhot = np.zeros((nby, nbx), np.int64)
    nclip = np.zeros(nby, np.int64)
    l0, l1, l2 = t_lo * s[0], t_lo * s[1], t_lo * s[2]
    c0, c1, c2 = t_hi * s[0], t_hi * s[1], t_hi * s[2]
    d0, d1, d2 = dark * s[0], dark * s[1], dark * s[2]
    one = np.float32(1.0)
    zero = np.float32(0.0)
    for by in prange(nby):
        acc = np.zeros((6, w), np.float32)  # per column: r, g, b of good pixels, good, hot, clip
        for i in range(by * block, min(h, (by + 1) * block)):
            for j in range(w):  # branch-free, vectorisable
                r = a[i, j, 0]
                g = a[i, j, 1]
                b = a[i, j, 2]
                hot = one if (r >= l0) | (g >= l1) | (b >= l2) else zero
                clip = one if (r >= c0) | (g >= c1) | (b >= c2) else zero
                lit = one if (r >= d0) | (g >= d1) | (b >= d2) else zero
                good = (one - hot) * lit
                acc[0, j] += r * good
                acc[1, j] += g * good
                acc[2, j] += b * good
                acc[3, j] += good
                acc[4, j] += hot
                acc[5, j] += clip
        nc = 0
        for bx in range(nbx):
            t = np.zeros(6, np.float64)
            for j in range(bx * block, min(w, (bx + 1) * block)):
                for k in range(6):
                    t[k] += acc[k, j]
            sums[by, bx, 0] = t[0]
            sums[by, bx, 1] = t[1]
            sums[by, bx, 2] = t[2]
            ngood[by, bx] = t[3]
            nhot[by, bx] = np.int64(t[4])
            nc += np.int64(t[5])
        nclip[by] = nc
    return sums, ngood, nhot, nclip.sum()


def _push_pull(sums: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Fill blocks without samples from their neighbourhood (push-pull, Gortler et al. 1996).

    Returns the colour ratios ``rho`` (summing to 1) of every block.
    """
    levels = [(sums, weight)]
    while max(levels[-1][1].shape) > 1:
        s, w = levels[-1]
        h2, w2 = -(-s.shape[0] // 2), -(-s.shape[1] // 2)
        ps = np.zeros((2 * h2, 2 * w2, 3))
        pw = np.zeros((2 * h2, 2 * w2))
        ps[: s.shape[0], : s.shape[1]] = s
        pw[: w.shape[0], : w.shape[1]] = w
        levels.append((ps.reshape(h2, 2, w2, 2, 3).sum(axis=(1, 3)),
                       pw.reshape(h2, 2, w2, 2).sum(axis=(1, 3))))
    s, w = levels[-1]
    col = s / np.maximum(w, 1e-12)[..., None] if w[0, 0] > 0 else np.ones_like(s)
    for s, w in reversed(levels[:-1]):
        up = np.repeat(np.repeat(col, 2, axis=0), 2, axis=1)[: s.shape[0], : s.shape[1]]
        own = s / np.maximum(w, 1e-12)[..., None]
        # blocks with samples keep theirs; sparse ones lean on the coarser level
        alpha = np.minimum(w, 1.0)[..., None]
        col = alpha * own + (1 - alpha) * up
    col = np.maximum(col, 1e-6)
    return (col / col.sum(axis=2, keepdims=True)).astype(np.float32)


def _interp_index(n: int, nb: int) -> tuple[np.ndarray, np.ndarray]:
    u = np.clip((np.arange(n) + 0.5) / BLOCK - 0.5, 0, nb - 1)
    i0 = np.minimum(np.floor(u).astype(np.int64), max(nb - 2, 0))
    return i0, (u - i0).astype(np.float32)


# ------------------------------------------------------------------------------------------
# per-pixel reconstruction


def _reconstruct_numpy(a, s, rho, t_lo, t_hi):
    h, w, _ = a.shape
    nby, nbx = rho.shape[:2]
    y0, wy = _interp_index(h, nby)
    x0, wx = _interp_index(w, nbx)
    y1, x1 = np.minimum(y0 + 1, nby - 1), np.minimum(x0 + 1, nbx - 1)
    wy, wx = wy[:, None, None], wx[None, :, None]
    r = ((rho[y0][:, x0] * (1 - wx) + rho[y0][:, x1] * wx) * (1 - wy)
         + (rho[y1][:, x0] * (1 - wx) + rho[y1][:, x1] * wx) * wy)
    wc = np.clip((a / s - t_lo) / (t_hi - t_lo), 0, 1)
    u = 1 - wc
    den = (u * r).sum(axis=2)
    k_part = (u * a).sum(axis=2) / np.maximum(den, 1e-12)
    k_all = (a / r).max(axis=2)
    k = np.where(den > 1e-6, k_part, k_all)
    rec = np.maximum(a, k[..., None] * r)
    return (a + wc * (rec - a)).astype(np.float32)


@njit(nogil=True, cache=True, parallel=True, fastmath=True, error_model="numpy")
def _reconstruct_numba(a, out, s, rho, y0, wy, x0, wx, nhot, t_lo, t_hi, block):  # pragma: no cover
    """Every pixel of ``out`` written, row after row: copied in blocks where nothing reaches
    the ramp, else rebuilt by a branch-free formula (``out = v`` where every clip weight is 0).
    The block colours are interpolated along y once per row, then along x per pixel."""
    h, w, _ = a.shape
    nby, nbx = nhot.shape
    inv = np.float32(1.0) / (t_hi - t_lo)
    one = np.float32(1.0)
    zero = np.float32(0.0)
    eps = np.float32(1e-6)
    i0 = one / s[0]
    i1 = one / s[1]
    i2 = one / s[2]
    for by in prange(nby):
        ry = np.empty((nbx, 3), np.float32)
        for i in range(by * block, min(h, (by + 1) * block)):
            ya = y0[i]
            yb = min(ya + 1, nby - 1)
            fy = wy[i]
            for bx in range(nbx):
                for c in range(3):
                    ry[bx, c] = rho[ya, bx, c] * (one - fy) + rho[yb, bx, c] * fy
            for bx in range(nbx):
                ja = bx * block
                jb = min(w, ja + block)
                if nhot[by, bx] == 0:  # nothing in the block reaches the ramp: copied
                    for j in range(ja, jb):
                        out[i, j, 0] = a[i, j, 0]
                        out[i, j, 1] = a[i, j, 1]
                        out[i, j, 2] = a[i, j, 2]
                    continue
                j = ja
                while j < jb:  # runs of pixels between the same two block centres
                    xa = x0[j]
                    je = j + 1
                    while je < jb and x0[je] == xa:
                        je += 1
                    xb = min(xa + 1, nbx - 1)
                    a0 = ry[xa, 0]
                    a1 = ry[xa, 1]
                    a2 = ry[xa, 2]
                    d0 = ry[xb, 0] - a0
                    d1 = ry[xb, 1] - a1
                    d2 = ry[xb, 2] - a2
                    for jj in range(j, je):  # branch-free, vectorisable
                        fx = wx[jj]
                        r0 = a0 + fx * d0
                        r1 = a1 + fx * d1
                        r2 = a2 + fx * d2
                        v0 = a[i, jj, 0]
                        v1 = a[i, jj, 1]
                        v2 = a[i, jj, 2]
                        w0 = min(max((v0 * i0 - t_lo) * inv, zero), one)
                        w1 = min(max((v1 * i1 - t_lo) * inv, zero), one)
                        w2 = min(max((v2 * i2 - t_lo) * inv, zero), one)
                        den = (one - w0) * r0 + (one - w1) * r1 + (one - w2) * r2
                        k_part = (((one - w0) * v0 + (one - w1) * v1 + (one - w2) * v2)
                                  / max(den, eps))
                        k_all = max(max(v0 / r0, v1 / r1), v2 / r2)
                        k = k_part if den > eps else k_all
                        out[i, jj, 0] = v0 + w0 * (max(v0, k * r0) - v0)
                        out[i, jj, 1] = v1 + w1 * (max(v1, k * r1) - v1)
                        out[i, jj, 2] = v2 + w2 * (max(v2, k * r2) - v2)
                    j = je


def reconstruct_highlights(
    rgb: np.ndarray,
    saturation: Any,
    *,
    threshold: float = 0.99,
    blend: float = 0.9,
    fast: bool = True,
) -> np.ndarray:
    """Rebuild clipped channels from the colour of nearby unclipped pixels.

    Parameters
    ----------
    rgb
        ``H x W x 3`` float32 white-balanced camera RGB (not modified).
    saturation
        Per-channel clip levels (``image.saturation``).
    threshold
        A channel at or above ``threshold * saturation`` counts as clipped.
    blend
        Reconstruction fades in from ``blend * saturation`` to ``threshold * saturation``.
    fast
        Use the numba path (the NumPy reference otherwise).

    Returns
    -------
    numpy.ndarray
        float32 image; the input itself (not a copy) when no channel reaches ``threshold``.

    References
    ----------
    See the module docstring.
    """
    a, s = _check(rgb, saturation)
    if not 0 < blend < threshold <= 1:
        raise ParameterError(f"need 0 < blend < threshold <= 1, got blend={blend!r}, "
                             f"threshold={threshold!r}")
    a = np.ascontiguousarray(a)
    band = _active_band(_row_relative_max(a, s), blend, threshold)
    if band is None:
        return a  # nothing clipped: the image is returned as it is
    r0, r1 = band
    sub = a[r0:r1]
    if not fast:
        out = a.copy()
    else:  # the band is written whole by the kernel; only the rows outside it are copied
        out = np.empty_like(a)
        out[:r0] = a[:r0]
        out[r1:] = a[r1:]
    if fast:
        sums, ngood, nhot, _ = _block_stats_numba(sub, s, np.float32(blend),
                                                  np.float32(threshold), np.float32(_DARK),
                                                  BLOCK)
    else:
        sums, ngood, nhot, _ = _block_stats_numpy(sub, s, blend, threshold)
    rho = _push_pull(sums, ngood)
    if not fast:
        out[r0:r1] = _reconstruct_numpy(sub, s, rho, blend, threshold)
        return out
    h = sub.shape[0]
    y0, wy = _interp_index(h, rho.shape[0])
    x0, wx = _interp_index(a.shape[1], rho.shape[1])
    _reconstruct_numba(sub, out[r0:r1], s, rho, y0, wy, x0, wx, nhot, np.float32(blend),
                       np.float32(threshold), BLOCK)
    return out


@njit(nogil=True, cache=True, parallel=True, fastmath=True, error_model="numpy")
def _row_lane_max(flat, inv48):  # pragma: no cover - compiled
    """Per-row maxima of ``flat * inv48`` over 48 lanes (16 pixels x 3 channels), vectorised."""
    h, n = flat.shape
    mx = np.empty((h, 48), np.float32)
    nb = n // 48
    for i in prange(h):
        r = flat[i]
        acc = np.full(48, -np.inf, np.float32)
        for b in range(nb):
            base = b * 48
            for k in range(48):
                acc[k] = max(acc[k], r[base + k] * inv48[k])
        for j in range(nb * 48, n):
            k = j - nb * 48
            acc[k] = max(acc[k], r[j] * inv48[k])
        for k in range(48):
            mx[i, k] = acc[k]
    return mx


def _row_relative_max(a: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``h x 3`` maximum of each channel over each row, relative to its clip level."""
    h, w, _ = a.shape
    inv48 = np.tile((1.0 / s).astype(np.float32), 16)
    lanes = _row_lane_max(a.reshape(h, w * 3), inv48)
    return lanes.reshape(h, 16, 3).max(axis=1)


def _active_band(rel: np.ndarray, blend: float, threshold: float) -> tuple[int, int] | None:
    """Rows ``[r0, r1)`` (whole blocks) around every row that reaches the blend ramp.

    ``None`` when no channel reaches ``threshold``.
    """
    h = rel.shape[0]
    if not (rel >= threshold).any():
        return None
    hot = np.nonzero((rel >= blend).any(axis=1))[0]
    r0 = max(0, (hot[0] // BLOCK - MARGIN) * BLOCK)
    r1 = min(h, (hot[-1] // BLOCK + 1 + MARGIN) * BLOCK)
    return int(r0), int(r1)


def _reconstruct(rgb: np.ndarray, saturation: Any, **kw: Any) -> np.ndarray:
    return reconstruct_highlights(rgb, saturation, **kw)


def _clip(rgb: np.ndarray, saturation: Any, **kw: Any) -> np.ndarray:
    return clip_highlights(rgb, saturation)


HIGHLIGHT_METHODS: Methods[Callable[..., np.ndarray]] = Methods("highlight")
"""Highlight methods by name: ``f(rgb, saturation, **options) -> rgb``."""
HIGHLIGHT_METHODS.register(
    "clip", _clip,
    cite="Coffin, D., dcraw.c, highlight mode -H 0 (clip every channel at the lowest level).")
HIGHLIGHT_METHODS.register(
    "reconstruct", _reconstruct,
    cite="After darktable 4.2 (2022), src/iop/hlreconstruct/opposed.c, 'inpaint opposed' "
         "(H. Schwalm), with push-pull block colours (Gortler et al. 1996, The lumigraph).")
HIGHLIGHT_METHODS.freeze()


def recover_highlights(rgb: np.ndarray, saturation: Any, *, method: str = "reconstruct",
                       **options: Any) -> np.ndarray:
    """Dispatch to a :data:`HIGHLIGHT_METHODS` entry.

    Parameters
    ----------
    rgb
        ``H x W x 3`` float32 white-balanced camera RGB.
    saturation
        Per-channel clip levels.
    method
        A key of :data:`HIGHLIGHT_METHODS` (case ignored): ``"clip"`` or ``"reconstruct"``.
    **options
        Passed to the method (``threshold``, ``blend``, ``fast`` for ``"reconstruct"``).

    Returns
    -------
    numpy.ndarray
        The recovered image.
    """
    return HIGHLIGHT_METHODS.get(method)(rgb, saturation, **options)


@dataclass(frozen=True)
class HighlightParams(Params):
    """Parameters of the ``highlights`` stage."""

    method: str = param("reconstruct", choices=HIGHLIGHT_METHODS.choices(),
                        doc="'clip' (neutral) or 'reconstruct' (colour from unclipped pixels)")
    threshold: float = param(0.99, range=(0.5, 1.0), units="x saturation",
                             doc="a channel at or above this fraction of its clip level is clipped")
    blend: float = param(0.9, range=(0.3, 0.999), units="x saturation",
                         doc="reconstruction fades in from this fraction of the clip level")


class Highlights(StageKind):
    """Highlight recovery: neutral clip or reconstruction of clipped channels (camera_rgb)."""

    name = "highlights"
    takes = "camera_rgb"
    gives = "camera_rgb"
    params = HighlightParams

    def render(self, frame: Image, params: HighlightParams, plan: None) -> Image:
        if params.method == "clip":
            m = float(min(frame.saturation))
            if float(frame.data.max()) <= m:
                return frame.replace(saturation=(m, m, m))
            return frame.replace(data=clip_highlights(frame.data, frame.saturation),
                                 saturation=(m, m, m))
        if not params.blend < params.threshold:
            raise ParameterError(f"highlights: blend {params.blend} must be below threshold "
                                 f"{params.threshold}")
        out = reconstruct_highlights(frame.data, frame.saturation, threshold=params.threshold,
                                     blend=params.blend)
        return frame if out is frame.data else frame.replace(data=out)
