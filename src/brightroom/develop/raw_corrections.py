"""Corrections on the raw mosaic: bad pixels and lens shading (``cfa -> cfa`` stages).

* ``bad_pixels``: hot and dead pixels are found against their eight same-colour neighbours
  (the pixels one colour period away, horizontally, vertically and diagonally). A pixel is bad
  when it lies outside the range of those neighbours by more than ``threshold`` noise sigmas,
  sigma taken from the camera noise profile at the neighbours' mean level, or, without a
  profile, a robust per-channel sigma (1.4826 x the median absolute deviation of each pixel
  from its neighbours' median; Donoho & Johnstone 1994). Being outside the neighbour range,
  and not only far from their median, spares one-pixel lines and points of real detail that
  agree with at least one neighbour. A bad pixel is replaced by the median of its eight
  neighbours, the rule of dcraw/darktable's hot-pixel filters.
* ``lens_shading``: the DNG ``GainMap`` opcode (Adobe DNG Specification 1.6, opcode list 2,
  ``GainMap``): ``raw.gain_map`` (:class:`~brightroom.types.GainMap`) holds ``h x w x 4``
  gains, one plane per 2 x 2 cell position in raster order. With the DNG placement it carries
  (area, ``MapOrigin``, ``MapSpacing``), pixel ``y`` of the
  area sits at map row ``((y - top) / (bottom - top) - origin) / spacing``; without it the
  grid's first and last points lie on the first and last pixel. The gain
  of a pixel is the bilinear interpolation of its cell position's plane. An optional
  parametric correction of natural vignetting multiplies by ``1 / cos^4(theta)`` with
  ``tan(theta) = vignetting * r``, ``r`` the distance from the centre over the half-diagonal,
  i.e. ``(1 + (vignetting * r)^2)^2``.

Saturation under lens shading: a pixel that clipped at level ``s`` reads ``g * s`` after a gain
``g``, so clipping is no longer one level. The stage sets each channel's ``saturation`` to the
*smallest* gain of that channel times the old level: every pixel that clipped anywhere is at or
above it, so highlight recovery still finds all of them (conservatively: an unclipped value in
a strongly corrected corner may also count as clipped). Pixel values are not clipped. The
``gain_map`` is removed from the returned raw so it is never applied twice.

References
----------
Adobe (2023), Digital Negative (DNG) Specification 1.7, chapter 7, opcode ``GainMap`` (9).

D. Coffin, dcraw.c, ``remove_zeroes`` / ``bad_pixels``; darktable ``src/iop/hotpixels.c``.

D. L. Donoho, I. M. Johnstone (1994), Ideal spatial adaptation by wavelet shrinkage,
Biometrika 81(3), 425-455.

M. Aggarwal, H. Hua, N. Ahuja (2001), On cosine-fourth and vignetting effects in real lenses,
ICCV 2001, 472-479.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from brightroom._jit import njit, prange
from brightroom.develop.params import Params, param
from brightroom.develop.pipeline import StageKind
from brightroom.errors import ParameterError
from brightroom.types import CFAPattern, GainMap, LinearRawImage, NoiseProfile, RawImage

__all__ = [
    "BadPixelParams",
    "LensShadingParams",
    "bad_pixel_sigma_model",
    "find_bad_pixels",
    "correct_bad_pixels",
    "gain_map_gains",
    "lens_shading_gain",
    "correct_lens_shading",
    "correct_lens_shading_rgb",
    "BadPixels",
    "LensShading",
]

_NEIGHBOURS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


# --------------------------------------------------------------------------------------------
# bad pixels


def _mirror_index(n: int, s: int, d: int) -> np.ndarray:
    """Index ``i + d*s`` mirrored by one period at the borders (stays on the same colour)."""
    i = np.arange(n) + d * s
    i = np.where(i < 0, i + 2 * s, i)
    return np.where(i >= n, i - 2 * s, i)


def _neighbour_stack(cfa: np.ndarray, s: int) -> np.ndarray:
    h, w = cfa.shape
    return np.stack([cfa[_mirror_index(h, s, dy)][:, _mirror_index(w, s, dx)]
                     for dy, dx in _NEIGHBOURS])


def bad_pixel_sigma_model(
    cfa: np.ndarray,
    pattern: CFAPattern,
    noise_profile: NoiseProfile | None = None,
    wb: tuple[float, float, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-raster-cell-position noise model ``sigma^2 = scale * level + offset`` (4 + 4 values).

    With a profile the model is the profile (scaled by white-balance gains already applied);
    without one, ``scale = 0`` and ``offset`` is the square of a robust per-channel sigma: 1.4826
    times the median absolute deviation of each pixel from its 8-neighbour median, on one row
    pair in 32 and one column pair in 4.

    An X-Trans mosaic has no 2 x 2 cell: every position gets the noisiest channel's model (a
    threshold that never flags more than the per-colour one would).
    """
    if pattern.is_xtrans:
        sc, of = bad_pixel_sigma_model(cfa, CFAPattern("RGGB"), noise_profile, wb) \
            if noise_profile is not None else (None, None)
        if sc is None:
            sc, of = _sigma_model_xtrans(cfa, pattern)
        return np.full(4, sc.max(), np.float32), np.full(4, of.max(), np.float32)
    cell = pattern.cell.ravel()
    if noise_profile is not None:
        g = np.ones(3) if wb is None else np.asarray(wb, np.float64)
        sc = np.array([noise_profile.scale[c] * g[c] for c in cell], np.float32)
        of = np.array([noise_profile.offset[c] * g[c] ** 2 for c in cell], np.float32)
        return sc, of
    s = pattern.period
    h, w = cfa.shape
    def pick(n: int, every: int) -> np.ndarray:
        idx = np.arange(0, n, every * s)
        idx = np.concatenate([idx + d for d in range(s)])
        return np.sort(idx[idx < n])

    sub, subc = pick(h, 32), pick(w, 4)  # every 32nd row pair, every 4th column pair
    stack = np.stack([cfa[_mirror_index(h, s, dy)[sub]][:, _mirror_index(w, s, dx)[subc]]
                      for dy, dx in _NEIGHBOURS])
    stack.sort(axis=0)
    med = 0.5 * (stack[3] + stack[4])
    dev = np.abs(cfa[sub][:, subc] - med)
    chan = pattern.channel_index(h, w)[sub][:, subc]
    sig = np.zeros(3, np.float64)
    for c in range(3):
        d = dev[chan == c]
        sig[c] = 1.4826 * np.median(d) if d.size else 0.0
    # the deviation from a median of 8 noisy neighbours has ~1.07x the pixel sigma
    sig = np.maximum(sig / 1.07, 1e-6)
    return np.zeros(4, np.float32), np.array([sig[c] ** 2 for c in cell], np.float32)


def _sigma_model_xtrans(cfa: np.ndarray, pattern: CFAPattern) -> tuple[np.ndarray, np.ndarray]:
    """The robust per-channel sigma of :func:`bad_pixel_sigma_model` on a 6 x 6 layout."""
    s, (h, w) = pattern.period, cfa.shape
    stack = np.stack([cfa[_mirror_index(h, s, dy)][:, _mirror_index(w, s, dx)]
                      for dy, dx in _NEIGHBOURS])[:, ::8, ::2]
    stack.sort(axis=0)
    dev = np.abs(cfa[::8, ::2] - 0.5 * (stack[3] + stack[4]))
    chan = pattern.channel_index(h, w)[::8, ::2]
    sig = np.array([1.4826 * np.median(dev[chan == c]) if np.any(chan == c) else 0.0
                    for c in range(3)])
    return np.zeros(3, np.float32), (np.maximum(sig / 1.07, 1e-6) ** 2).astype(np.float32)


def _position_plane(pattern: CFAPattern, h: int, w: int) -> np.ndarray:
    """Raster cell position (0..3) of every pixel: ``(row % 2) * 2 + col % 2`` per colour block."""
    b = pattern.block
    r = (np.arange(h) // b) % 2
    c = (np.arange(w) // b) % 2
    return (r[:, None] * 2 + c[None, :]).astype(np.int64)


def find_bad_pixels(
    cfa: np.ndarray,
    pattern: CFAPattern,
    *,
    threshold: float = 8.0,
    noise_profile: NoiseProfile | None = None,
    wb: tuple[float, float, float] | None = None,
) -> np.ndarray:
    """Boolean mask of hot and dead pixels (NumPy reference).

    Parameters
    ----------
    cfa
        ``H x W`` float32 normalised mosaic.
    pattern
        Its colour filter layout.
    threshold
        How many noise sigmas outside its neighbours' range a pixel must be.
    noise_profile, wb
        The sensor noise model and any white-balance gains already in ``cfa``.

    Returns
    -------
    numpy.ndarray
        ``H x W`` bool, True where the pixel is bad.

    References
    ----------
    See the module docstring.
    """
    cfa = _check_mosaic(cfa, pattern)
    sc, of = bad_pixel_sigma_model(cfa, pattern, noise_profile, wb)
    stack = _neighbour_stack(cfa, pattern.period)
    pos = _position_plane(pattern, *cfa.shape)
    mean = stack.mean(axis=0)
    sigma = np.sqrt(np.maximum(sc[pos] * np.maximum(mean, 0) + of[pos], 0))
    t = np.float32(threshold) * sigma
    return (cfa - stack.max(axis=0) > t) | (stack.min(axis=0) - cfa > t)


def _check_mosaic(cfa: Any, pattern: CFAPattern) -> np.ndarray:
    a = np.asarray(cfa)
    if a.ndim != 2:
        raise ParameterError(f"a mosaic must be 2-D, got shape {a.shape}")
    s = pattern.period
    if a.shape[0] < 2 * s or a.shape[1] < 2 * s:
        raise ParameterError(f"mosaic {a.shape} is too small for {pattern.name} neighbours")
    return a.astype(np.float32, copy=False)


@njit(cache=True, inline="always")
def _median8(v0, v1, v2, v3, v4, v5, v6, v7):  # pragma: no cover - compiled
    vals = np.array([v0, v1, v2, v3, v4, v5, v6, v7])
    vals.sort()
    return np.float32(0.5) * (vals[3] + vals[4])


@njit(nogil=True, cache=True, parallel=True, fastmath=True, error_model="numpy")
def _bad_pixels_numba(cfa, out, s, sc_cols, of_cols, rowsel, threshold):  # pragma: no cover
    h, w = cfa.shape
    zero = np.float32(0.0)
    eighth = np.float32(0.125)
    for i in prange(h):
        iu = i - s if i - s >= 0 else i + s
        idn = i + s if i + s < h else i - s
        sc = sc_cols[rowsel[i]]
        of = of_cols[rowsel[i]]
        bad = np.empty(w, np.uint8)
        nbad = 0
        for j in range(s, w - s):  # interior: branch-free, vectorisable
            v0 = cfa[iu, j - s]
            v1 = cfa[iu, j]
            v2 = cfa[iu, j + s]
            v3 = cfa[i, j - s]
            v4 = cfa[i, j + s]
            v5 = cfa[idn, j - s]
            v6 = cfa[idn, j]
            v7 = cfa[idn, j + s]
            lo = min(min(min(v0, v1), min(v2, v3)), min(min(v4, v5), min(v6, v7)))
            hi = max(max(max(v0, v1), max(v2, v3)), max(max(v4, v5), max(v6, v7)))
            m = max((v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7) * eighth, zero)
            t = threshold * np.sqrt(max(sc[j] * m + of[j], zero))
            x = cfa[i, j]
            out[i, j] = x
            f = np.uint8((x - hi > t) | (lo - x > t))
            bad[j] = f
            nbad += f
        for e in range(2 * s):  # the border columns: neighbours mirrored
            j = e if e < s else w - 2 * s + e
            jl = j - s if j - s >= 0 else j + s
            jr = j + s if j + s < w else j - s
            v0 = cfa[iu, jl]
            v1 = cfa[iu, j]
            v2 = cfa[iu, jr]
            v3 = cfa[i, jl]
            v4 = cfa[i, jr]
            v5 = cfa[idn, jl]
            v6 = cfa[idn, j]
            v7 = cfa[idn, jr]
            lo = min(min(min(v0, v1), min(v2, v3)), min(min(v4, v5), min(v6, v7)))
            hi = max(max(max(v0, v1), max(v2, v3)), max(max(v4, v5), max(v6, v7)))
            m = max((v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7) * eighth, zero)
            t = threshold * np.sqrt(max(sc[j] * m + of[j], zero))
            x = cfa[i, j]
            if x - hi > t or lo - x > t:
                out[i, j] = _median8(v0, v1, v2, v3, v4, v5, v6, v7)
            else:
                out[i, j] = x
        if nbad == 0:
            continue
        for j in range(s, w - s):
            if bad[j]:
                out[i, j] = _median8(cfa[iu, j - s], cfa[iu, j], cfa[iu, j + s], cfa[i, j - s],
                                     cfa[i, j + s], cfa[idn, j - s], cfa[idn, j],
                                     cfa[idn, j + s])
    return out


def correct_bad_pixels(
    cfa: np.ndarray,
    pattern: CFAPattern,
    *,
    threshold: float = 8.0,
    noise_profile: NoiseProfile | None = None,
    wb: tuple[float, float, float] | None = None,
    fast: bool = True,
) -> np.ndarray:
    """Replace hot and dead pixels by the median of their eight same-colour neighbours.

    Parameters
    ----------
    cfa
        ``H x W`` float32 normalised mosaic (not modified).
    pattern
        Its colour filter layout (neighbours are one period, ``2 * block``, away).
    threshold
        How many noise sigmas outside its neighbours' range a pixel must be to count as bad.
    noise_profile, wb
        The sensor noise model and any white-balance gains already in ``cfa``; without a
        profile a robust sigma is estimated from the mosaic.
    fast
        Use the numba path (the NumPy reference otherwise).

    Returns
    -------
    numpy.ndarray
        The corrected float32 mosaic.

    References
    ----------
    See the module docstring.
    """
    if not threshold > 0 or not np.isfinite(threshold):
        raise ParameterError(f"bad-pixel threshold must be > 0 sigmas, got {threshold!r}")
    cfa = _check_mosaic(cfa, pattern)
    if fast:
        sc, of = bad_pixel_sigma_model(cfa, pattern, noise_profile, wb)
        h, w = cfa.shape
        b = pattern.block
        colp = (np.arange(w) // b) % 2
        rowsel = ((np.arange(h) // b) % 2).astype(np.int64)
        sc_cols = np.ascontiguousarray(np.stack([sc[colp], sc[2 + colp]]))
        of_cols = np.ascontiguousarray(np.stack([of[colp], of[2 + colp]]))
        cfa = np.ascontiguousarray(cfa)
        # outputs are allocated by NumPy (huge pages), not inside numba
        return _bad_pixels_numba(cfa, np.empty_like(cfa), pattern.period, sc_cols, of_cols,
                                 rowsel, np.float32(threshold))
    mask = find_bad_pixels(cfa, pattern, threshold=threshold, noise_profile=noise_profile, wb=wb)
    out = cfa.copy()
    if mask.any():
        stack = _neighbour_stack(cfa, pattern.period)[:, mask]
        out[mask] = np.median(stack, axis=0)
    return out


@dataclass(frozen=True)
class BadPixelParams(Params):
    """Parameters of the ``bad_pixels`` stage."""

    enabled: bool = param(True, doc="find and replace hot/dead pixels")
    threshold: float = param(8.0, range=(1.0, 100.0), units="noise sigmas",
                             doc="how far outside its neighbours' range a bad pixel lies")


class BadPixels(StageKind):
    """Hot/dead pixel correction against the eight same-colour neighbours (cfa -> cfa)."""

    name = "bad_pixels"
    takes = "cfa"
    gives = "cfa"
    params = BadPixelParams
    linear_raw = "skip"  # a converter already interpolated a linear raw's bad pixels

    def render(self, frame: RawImage, params: BadPixelParams, plan: None) -> RawImage:
        if not params.enabled:
            return frame
        out = correct_bad_pixels(frame.cfa, frame.pattern, threshold=params.threshold,
                                 noise_profile=frame.camera.noise_profile, wb=frame.wb)
        return frame.replace(cfa=out)


# --------------------------------------------------------------------------------------------
# lens shading


def _grid_weights(n: int, points: int, axis_geometry: tuple[float, float, float, float] | None
                  = None) -> tuple[np.ndarray, np.ndarray]:
    """Bilinear index and weight of ``n`` pixels on ``points`` grid points.

    Without geometry the grid is corner-aligned (first and last point on the first and last
    pixel). With DNG geometry ``(start, end, origin, spacing)`` (area rows/columns, map
    origin and spacing in relative coordinates), pixel ``y`` sits at map coordinate
    ``((y - start) / (end - start) - origin) / spacing``, clamped to the map.
    """
    if points == 1:
        return np.zeros(n, np.int64), np.zeros(n, np.float32)
    y = np.arange(n, dtype=np.float64)
    if axis_geometry is None:
        u = y * ((points - 1) / max(n - 1, 1))
    else:
        start, end, origin, spacing = axis_geometry
        if not end > start or not spacing > 0:
            raise ParameterError(f"bad gain-map geometry {axis_geometry!r}")
        u = ((y - start) / (end - start) - origin) / spacing
    u = np.clip(u, 0, points - 1)
    i0 = np.minimum(np.floor(u).astype(np.int64), points - 2)
    return i0, (u - i0).astype(np.float32)


def _axis_geometry(gm: GainMap, axis: int) -> tuple[float, float, float, float] | None:
    """``(start, end, origin, spacing)`` of ``axis`` (0 = rows) of a map, ``None`` if corner-aligned."""
    if gm.area is None:
        return None
    return (gm.area[axis], gm.area[axis + 2], gm.origin[axis], gm.spacing[axis])


def _check_gain_map(gain_map: GainMap | np.ndarray) -> GainMap:
    """A :class:`~brightroom.types.GainMap` (an ``h x w x 4`` array is taken as corner-aligned)."""
    return gain_map if isinstance(gain_map, GainMap) else GainMap(gain_map)


def lens_shading_gain(
    shape: tuple[int, int],
    pattern: CFAPattern,
    gain_map: GainMap | np.ndarray | None = None,
    vignetting: float = 0.0,
) -> np.ndarray:
    """The full-resolution gain of every mosaic pixel (NumPy reference).

    Parameters
    ----------
    shape
        ``(H, W)`` of the mosaic.
    pattern
        Its colour filter layout (the cell position of a pixel selects its gain-map plane).
    gain_map
        The DNG gain map (its area, origin and spacing place it; an ``h x w x 4`` array is a
        corner-aligned one), or ``None``.
    vignetting
        ``tan`` of the half-diagonal field angle for the ``cos^4`` correction (0 = off).

    Returns
    -------
    numpy.ndarray
        ``H x W`` float32 gains.

    References
    ----------
    DNG Specification, ``GainMap``; Aggarwal, Hua, Ahuja (2001).
    """
    h, w = shape
    gain = np.ones((h, w), np.float32)
    if gain_map is not None:
        gm = _check_gain_map(gain_map)
        g = gm.gains
        y0, wy = _grid_weights(h, g.shape[0], _axis_geometry(gm, 0))
        x0, wx = _grid_weights(w, g.shape[1], _axis_geometry(gm, 1))
        y1 = np.minimum(y0 + 1, g.shape[0] - 1)
        x1 = np.minimum(x0 + 1, g.shape[1] - 1)
        pos = _position_plane(pattern, h, w)
        wy_, wx_ = wy[:, None], wx[None, :]
        for p in range(4):
            gp = g[..., p]
            full = ((gp[y0][:, x0] * (1 - wx_) + gp[y0][:, x1] * wx_) * (1 - wy_)
                    + (gp[y1][:, x0] * (1 - wx_) + gp[y1][:, x1] * wx_) * wy_)
            gain = np.where(pos == p, full, gain)
    if vignetting:
        yy = (np.arange(h, dtype=np.float32) - (h - 1) / 2)[:, None]
        xx = (np.arange(w, dtype=np.float32) - (w - 1) / 2)[None, :]
        r2 = (yy * yy + xx * xx) / np.float32(((h - 1) / 2) ** 2 + ((w - 1) / 2) ** 2)
        gain = gain * (1 + np.float32(vignetting**2) * r2) ** 2
    return gain.astype(np.float32)


@njit(nogil=True, cache=True, parallel=True, fastmath=True, error_model="numpy")
def _shade_numba(cfa, out, g, y0, wy, x0, wx, colp, rowp, v2, dy2, dx2):  # pragma: no cover
    h, w = cfa.shape
    gh, gw = g.shape[0], g.shape[1]
    one = np.float32(1.0)
    for i in prange(h):
        a = y0[i]
        b = min(a + 1, gh - 1)
        fy = wy[i]
        gy = np.empty((2, gw), np.float32)  # this row's two planes, interpolated in y
        for q in range(2):
            p = rowp[i] + q
            for c in range(gw):
                gy[q, c] = g[a, c, p] * (one - fy) + g[b, c, p] * fy
        for j in range(w):
            q = colp[j]
            c = x0[j]
            d = min(c + 1, gw - 1)
            gain = gy[q, c] + (gy[q, d] - gy[q, c]) * wx[j]
            if v2 > 0:
                r = one + v2 * (dy2[i] + dx2[j])
                gain *= r * r
            out[i, j] = cfa[i, j] * gain
    return out


def gain_map_gains(gain_map: GainMap | np.ndarray, pattern: CFAPattern | None) -> np.ndarray:
    """Smallest gain of each channel (R, G, B) over a gain map: the new clip-level factor.

    ``pattern`` ``None``: a linear raw's map, one plane per channel. A non-Bayer mosaic's map
    has four equal planes (:class:`LensShading`), so every channel gets its minimum.
    """
    g = _check_gain_map(gain_map).gains
    if pattern is None:
        return np.array([float(g[..., c].min()) for c in range(3)])
    if pattern.is_xtrans:
        return np.full(3, float(g.min()))
    cell = pattern.cell.ravel()
    return np.array([min(float(g[..., p].min()) for p in range(4) if cell[p] == c)
                     for c in range(3)])


def correct_lens_shading(
    cfa: np.ndarray,
    pattern: CFAPattern,
    gain_map: GainMap | np.ndarray | None = None,
    *,
    vignetting: float = 0.0,
    fast: bool = True,
) -> np.ndarray:
    """Multiply a mosaic by its lens-shading gains.

    Parameters
    ----------
    cfa
        ``H x W`` float32 normalised mosaic (not modified).
    pattern
        Its colour filter layout.
    gain_map
        The DNG gain map (see :func:`lens_shading_gain`), or ``None``.
    vignetting
        ``tan`` of the half-diagonal field angle of a ``cos^4`` falloff to undo (0 = off).
    fast
        Use the numba path (the NumPy reference otherwise).

    Returns
    -------
    numpy.ndarray
        The corrected float32 mosaic (values are not clipped).

    References
    ----------
    DNG Specification, ``GainMap``; Aggarwal, Hua, Ahuja (2001).
    """
    if not vignetting >= 0 or not np.isfinite(vignetting):
        raise ParameterError(f"vignetting must be a finite value >= 0, got {vignetting!r}")
    cfa = np.asarray(cfa, dtype=np.float32)
    if cfa.ndim != 2:
        raise ParameterError(f"a mosaic must be 2-D, got shape {cfa.shape}")
    if gain_map is None and vignetting == 0:
        return cfa.copy()
    if not fast:
        return (cfa * lens_shading_gain(cfa.shape, pattern, gain_map, vignetting)
                ).astype(np.float32)
    h, w = cfa.shape
    gm = GainMap(np.ones((1, 1, 4), np.float32)) if gain_map is None else \
        _check_gain_map(gain_map)
    g = gm.gains
    y0, wy = _grid_weights(h, g.shape[0], _axis_geometry(gm, 0))
    x0, wx = _grid_weights(w, g.shape[1], _axis_geometry(gm, 1))
    r2 = max(((h - 1) / 2) ** 2 + ((w - 1) / 2) ** 2, 1e-12)
    dy2 = ((np.arange(h) - (h - 1) / 2) ** 2 / r2).astype(np.float32)
    dx2 = ((np.arange(w) - (w - 1) / 2) ** 2 / r2).astype(np.float32)
    b = pattern.block
    colp = ((np.arange(w) // b) % 2).astype(np.int64)
    rowp = ((np.arange(h) // b) % 2 * 2).astype(np.int64)
    cfa = np.ascontiguousarray(cfa)
    return _shade_numba(cfa, np.empty_like(cfa), np.ascontiguousarray(g), y0, wy, x0, wx,
                        colp, rowp, np.float32(vignetting**2), dy2, dx2)


@dataclass(frozen=True)
class LensShadingParams(Params):
    """Parameters of the ``lens_shading`` stage."""

    enabled: bool = param(True, doc="apply the raw file's gain map (DNG GainMap opcode)")
    vignetting: float = param(0.0, range=(0.0, 2.0), units="tan(half-diagonal angle)",
                              doc="extra cos^4 natural-vignetting correction; 0 = off")


class LensShading(StageKind):
    """Lens-shading (vignetting and colour shading) correction from the gain map (cfa -> cfa).

    Provides ``lens_shading``; the gain map is removed from the frame so that it is never
    applied twice.
    """

    name = "lens_shading"
    takes = "cfa"
    gives = "cfa"
    params = LensShadingParams
    provides = frozenset({"lens_shading"})
    linear_raw = "render"

    def render(self, frame: RawImage | LinearRawImage, params: LensShadingParams, plan: None
               ) -> RawImage | LinearRawImage:
        state = frame.state.replace(lens_shading=True)
        gm = frame.gain_map if params.enabled else None
        if gm is None and params.vignetting == 0:
            return frame.replace(state=state)
        if isinstance(frame, LinearRawImage):
            out = correct_lens_shading_rgb(frame.data, gm, vignetting=params.vignetting)
            sat = np.asarray(frame.saturation, np.float64)
            if gm is not None:
                sat = sat * gain_map_gains(gm, None)
            return frame.replace(data=out, gain_map=None, state=state,
                                 saturation=tuple(float(s) for s in sat))
        if gm is not None and frame.pattern.is_xtrans:
            g = gm.gains
            if not all(np.array_equal(g[..., 0], g[..., k]) for k in range(1, 4)):
                raise ParameterError("a gain map with a plane per 2x2 position does not fit an "
                                     "X-Trans mosaic; only a colour-independent map applies")
        out = correct_lens_shading(frame.cfa, frame.pattern, gm, vignetting=params.vignetting)
        sat = np.asarray(frame.saturation, np.float64)
        if gm is not None:
            sat = sat * gain_map_gains(gm, frame.pattern)
        return frame.replace(cfa=out, gain_map=None, saturation=tuple(float(s) for s in sat),
                             state=state)


# --------------------------------------------------------------------------------------------
# lens shading on a linear raw (RGB form)


def _plane_gain(h: int, w: int, plane: np.ndarray, gm: GainMap) -> np.ndarray:
    """Bilinear interpolation of one gain-map plane over an ``h x w`` image (float32)."""
    y0, wy = _grid_weights(h, plane.shape[0], _axis_geometry(gm, 0))
    x0, wx = _grid_weights(w, plane.shape[1], _axis_geometry(gm, 1))
    y1 = np.minimum(y0 + 1, plane.shape[0] - 1)
    x1 = np.minimum(x0 + 1, plane.shape[1] - 1)
    rows = (plane[y0] * (1 - wy[:, None]) + plane[y1] * wy[:, None]).astype(np.float32)
    return (rows[:, x0] * (1 - wx[None, :]) + rows[:, x1] * wx[None, :]).astype(np.float32)


def correct_lens_shading_rgb(
    data: np.ndarray,
    gain_map: GainMap | None = None,
    *,
    vignetting: float = 0.0,
) -> np.ndarray:
    """Multiply a linear raw (``H x W x n``, n = 1 or 3) by its lens-shading gains.

    The RGB form of :func:`correct_lens_shading`: plane ``c`` of the gain map (one per
    channel, ``h x w x 3``) is interpolated bilinearly with the map's DNG placement and
    multiplies channel ``c`` (a monochrome frame takes plane 0); the ``cos^4`` vignetting
    correction is the same. Returns a new float32 array (values are not clipped).
    """
    if not vignetting >= 0 or not np.isfinite(vignetting):
        raise ParameterError(f"vignetting must be a finite value >= 0, got {vignetting!r}")
    a = np.asarray(data, dtype=np.float32)
    if a.ndim != 3 or a.shape[2] not in (1, 3):
        raise ParameterError(f"a linear raw must be H x W x 1 or 3, got shape {a.shape}")
    h, w, n = a.shape
    out = a.copy()
    if gain_map is not None:
        gm = _check_gain_map(gain_map)
        for c in range(n):
            out[:, :, c] *= _plane_gain(h, w, gm.gains[..., min(c, gm.gains.shape[2] - 1)], gm)
    if vignetting:
        yy = (np.arange(h, dtype=np.float32) - (h - 1) / 2)[:, None]
        xx = (np.arange(w, dtype=np.float32) - (w - 1) / 2)[None, :]
        r2 = (yy * yy + xx * xx) / np.float32(max(((h - 1) / 2) ** 2 + ((w - 1) / 2) ** 2,
                                                  1e-12))
        out *= ((1 + np.float32(vignetting**2) * r2) ** 2)[:, :, None]
    return out
