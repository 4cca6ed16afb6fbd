"""Burst alignment: HDR+ coarse-to-fine tile matching on a downsampled grey image.

Every frame of a hand-held burst is aligned to a reference frame by a per-tile displacement
field, so that small rotations, rolling-shutter shear and parallax are followed tile by tile:

1. The mosaic is reduced to a grey image at the resolution of one CFA *plane* by averaging
   each ``period x period`` colour cell (2 x 2 for Bayer). A displacement of ``d`` grey pixels
   is a displacement of ``period * d`` mosaic pixels, so the Bayer phase is kept.
2. A Gaussian pyramid of that grey image (downsampling factors ``(1, 2, 4, 4)``) is searched
   coarse to fine: at each level, each tile looks for the displacement minimising its L2
   (coarse levels) or L1 (finest level) distance within ``radius`` of the guess propagated
   from the level above (HDR+ also tries the guesses of the two next-nearest coarse tiles).
3. With sub-pixel refinement (the default), the finest level is matched with L2 on a lightly
   blurred pair (Gaussian, sigma 1), and a 2-D quadratic is fitted to the 3 x 3 costs around
   the best integer displacement.

The finest level's tiles *are* the merge tiles: ``tile`` grey pixels wide, overlapping by half
(``step = tile // 2``), on a grey image padded by ``tile // 2`` on every side (see
:func:`tile_grid`), so that a raised-cosine overlap-add of the tiles covers every pixel with
weights summing to one.

The NumPy search (:func:`search_level`) is the reference; :mod:`._align_numba` is the fast path
of the same function, tested against it.

References
----------
Hasinoff, S. W., Sharlet, D., Geiss, R., Adams, A., Barron, J. T., Kainz, F., Chen, J.,
Levoy, M. (2016). Burst photography for high dynamic range and low-light imaging on mobile
cameras. ACM Transactions on Graphics 35(6), 192 (section 4, alignment).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from brightroom.burst._align_numba import (
    search_fine_cands_numba,
    search_fine_numba,
    search_level_numba,
)
from brightroom.errors import MergeError, ParameterError
from brightroom.types import RawImage

__all__ = [
    "AlignParams",
    "Alignment",
    "TileGrid",
    "align",
    "align_gray",
    "reference_pyramid",
    "cfa_gray",
    "tile_grid",
    "pad_for_grid",
    "search_level",
    "choose_reference",
    "gradient_energy",
]


@dataclass(frozen=True)
class AlignParams:
    """Parameters of the coarse-to-fine alignment.

    Attributes
    ----------
    tile
        Tile side at the finest level, in grey (= CFA plane) pixels; also the merge tile (8..64,
        even). 16 grey pixels are 32 mosaic pixels for Bayer.
    factors
        Downsampling factor of each pyramid level relative to the one below (first is 1).
    radii
        Search radius (pixels of that level) per level. HDR+ uses 4 at every coarse level;
        2 suffices below the coarsest (the upsampled guess is off by at most half the factor,
        and the two next-nearest coarse guesses are tried too) and costs 3 times less.
    coarse_tile
        Tile side at the coarser levels.
    subpixel
        Fit a quadratic to the finest level's L2 costs for a sub-pixel displacement.
    backend
        ``"auto"`` (numba when importable), ``"numba"`` or ``"numpy"`` (the reference).
    """

    tile: int = 16
    factors: tuple[int, ...] = (1, 2, 4, 4)
    radii: tuple[int, ...] = (1, 2, 2, 4)
    coarse_tile: int = 8
    subpixel: bool = True
    backend: str = "auto"

    def __post_init__(self) -> None:
        if not (8 <= self.tile <= 64 and self.tile % 2 == 0):
            raise ParameterError(f"alignment tile {self.tile} must be an even size in 8..64")
        if not (4 <= self.coarse_tile <= 64 and self.coarse_tile % 2 == 0):
            raise ParameterError(f"coarse tile {self.coarse_tile} must be an even size in 4..64")
        if len(self.factors) != len(self.radii) or not self.factors:
            raise ParameterError(f"factors {self.factors} and radii {self.radii} need one value "
                                 "per pyramid level")
        if self.factors[0] != 1 or any(int(f) < 1 for f in self.factors):
            raise ParameterError(f"pyramid factors {self.factors} must start with 1, all >= 1")
        if any(int(r) < 1 or int(r) > 16 for r in self.radii):
            raise ParameterError(f"search radii {self.radii} must be in 1..16")
        if self.backend not in ("auto", "numba", "numpy"):
            raise ParameterError(f"alignment backend {self.backend!r} is not auto, numba or numpy")


@dataclass(frozen=True)
class TileGrid:
    """Overlapping tiles over a padded plane.

    Tile ``(i, j)`` covers rows ``i * step .. i * step + tile`` and columns ``j * step ..`` of
    the plane padded by ``pad`` pixels at the top and left (and enough at the bottom and right
    to reach ``padded_shape``).
    """

    shape: tuple[int, int]
    tile: int
    step: int
    pad: int
    ny: int
    nx: int

    @property
    def padded_shape(self) -> tuple[int, int]:
        """Shape of the padded plane the tiles lie on."""
        return ((self.ny - 1) * self.step + self.tile, (self.nx - 1) * self.step + self.tile)


def tile_grid(shape: tuple[int, int], tile: int) -> TileGrid:
    """Tiles of ``tile`` pixels overlapping by half over a plane of ``shape``, padded by half a tile.

    Every pixel of the plane is then covered by exactly 2 x 2 tiles, whose raised-cosine windows
    sum to one.
    """
    h, w = shape
    step = tile // 2
    pad = step
    ny = -(-(h + 2 * pad - tile) // step) + 1
    nx = -(-(w + 2 * pad - tile) // step) + 1
    return TileGrid((h, w), tile, step, pad, max(ny, 1), max(nx, 1))


def pad_for_grid(plane: np.ndarray, grid: TileGrid) -> np.ndarray:
    """Reflect-pad ``plane`` to ``grid.padded_shape`` (``grid.pad`` at the top and left)."""
    h, w = plane.shape
    ph, pw = grid.padded_shape
    return np.pad(plane, ((grid.pad, ph - h - grid.pad), (grid.pad, pw - w - grid.pad)),
                  mode="reflect")


def cfa_gray(cfa: np.ndarray, period: int = 2) -> np.ndarray:
    """Average each ``period x period`` cell of a mosaic: a grey image at plane resolution.

    Rows and columns beyond the last whole cell are dropped.
    """
    h, w = cfa.shape
    hh, ww = h // period, w // period
    out = np.zeros((hh, ww), np.float32)
    for i in range(period):
        for j in range(period):
            out += cfa[i: hh * period: period, j: ww * period: period]
    out *= np.float32(1.0 / (period * period))
    return out


def gradient_energy(gray: np.ndarray) -> float:
    """Mean squared gradient of a grey image (a sharpness score; higher is sharper)."""
    g = gray.astype(np.float32)
    gx = g[:, 1:] - g[:, :-1]
    gy = g[1:, :] - g[:-1, :]
    return float(np.mean(gx.astype(np.float64) ** 2) + np.mean(gy.astype(np.float64) ** 2))


def choose_reference(frames: list[RawImage], candidates: int = 3) -> int:
    """Index of the sharpest of the first ``candidates`` frames (largest gradient energy).

    Frames are compared at the same exposure (grey divided by its mean), so a brighter frame
    does not win by contrast alone.

    References
    ----------
    Hasinoff et al. (2016), section 4: the reference is the sharpest of the first three frames,
    to keep shutter lag low.
    """
    if not frames:
        raise MergeError("choose_reference: no frames")
    scores = []
    for f in frames[:candidates]:
        g = cfa_gray(f.cfa, f.pattern.period)
        # downsample by 2 first: noise at the Nyquist frequency would otherwise dominate
        small = cv2.resize(g, (max(g.shape[1] // 2, 1), max(g.shape[0] // 2, 1)),
                           interpolation=cv2.INTER_AREA)
        m = float(np.mean(small))
        scores.append(gradient_energy(small) / max(m * m, 1e-12))
    return int(np.argmax(scores))


def _downsample(img: np.ndarray, factor: int) -> np.ndarray:
    """Gaussian blur (sigma ~ factor / 2) then decimation by ``factor``."""
    if factor == 1:
        return img
    sigma = 0.5 * factor
    k = int(2 * round(2 * sigma) + 1)
    b = cv2.GaussianBlur(img, (k, k), sigma, borderType=cv2.BORDER_REFLECT)
    return np.ascontiguousarray(b[factor // 2 :: factor, factor // 2 :: factor])


def _level_grid(shape: tuple[int, int], tile: int) -> tuple[int, int, int]:
    step = tile  # coarse levels: abutting tiles, as in HDR+
    ny = max(-(-(shape[0] - tile) // step) + 1, 1)
    nx = max(-(-(shape[1] - tile) // step) + 1, 1)
    return ny, nx, step


def _pad_to(img: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    h, w = img.shape
    if h >= shape[0] and w >= shape[1]:
        return img
    return np.pad(img, ((0, max(shape[0] - h, 0)), (0, max(shape[1] - w, 0))), mode="edge")


def search_level(ref: np.ndarray, alt: np.ndarray, tile: int, step: int, ny: int, nx: int,
                 guess: np.ndarray, radius: int, norm: int) -> tuple[np.ndarray, np.ndarray]:
    """Best integer displacement of every tile within ``radius`` of ``guess`` (NumPy reference).

    Parameters
    ----------
    ref, alt
        Grey images of one pyramid level (float32), ``ref`` large enough for the tiles.
    tile, step, ny, nx
        Tile ``(i, j)`` covers ``ref[i*step : i*step+tile, j*step : j*step+tile]``.
    guess
        ``ny x nx x 2`` int32 initial displacements ``(dy, dx)``.
    radius
        Candidates are ``guess + (a, b)`` for ``|a|, |b| <= radius``, scanned row-major; the
        first minimum wins.
    norm
        1 (sum of absolute differences) or 2 (sum of squared differences).

    Returns
    -------
    best : numpy.ndarray
        ``ny x nx x 2`` int32 displacements: ``alt[y + dy, x + dx]`` matches ``ref[y, x]``
        (coordinates outside ``alt`` are clamped to its edge).
    cost : numpy.ndarray
        ``ny x nx`` float64 cost of the best displacement.
    """
    h, w = alt.shape
    oy = (np.arange(ny) * step)[:, None, None, None] + np.arange(tile)[None, None, :, None]
    ox = (np.arange(nx) * step)[None, :, None, None] + np.arange(tile)[None, None, None, :]
    win = np.lib.stride_tricks.sliding_window_view(ref, (tile, tile))[::step, ::step][:ny, :nx]
    win = win.astype(np.float64)
    best = guess.astype(np.int32).copy()
    best_cost = np.full((ny, nx), np.inf)
    gy = guess[:, :, 0][:, :, None, None]
    gx = guess[:, :, 1][:, :, None, None]
    for a in range(-radius, radius + 1):
        iy = np.clip(oy + gy + a, 0, h - 1)
        for b in range(-radius, radius + 1):
            ix = np.clip(ox + gx + b, 0, w - 1)
            d = alt[iy, ix] - win
            c = (np.abs(d) if norm == 1 else d * d).sum(axis=(2, 3))
            better = c < best_cost
            best_cost = np.where(better, c, best_cost)
            best[..., 0] = np.where(better, guess[..., 0] + a, best[..., 0])
            best[..., 1] = np.where(better, guess[..., 1] + b, best[..., 1])
    return best, best_cost


def _costs3x3_numpy(ref: np.ndarray, alt: np.ndarray, tile: int, step: int, ny: int, nx: int,
                    disp: np.ndarray) -> np.ndarray:
    """``ny x nx x 3 x 3`` L2 costs around ``disp`` (reference for the sub-pixel fit)."""
    h, w = alt.shape
    oy = (np.arange(ny) * step)[:, None, None, None] + np.arange(tile)[None, None, :, None]
    ox = (np.arange(nx) * step)[None, :, None, None] + np.arange(tile)[None, None, None, :]
    win = np.lib.stride_tricks.sliding_window_view(ref, (tile, tile))[::step, ::step][:ny, :nx]
    win = win.astype(np.float64)
    out = np.empty((ny, nx, 3, 3))
    gy = disp[:, :, 0][:, :, None, None]
    gx = disp[:, :, 1][:, :, None, None]
    for a in range(3):
        iy = np.clip(oy + gy + a - 1, 0, h - 1)
        for b in range(3):
            ix = np.clip(ox + gx + b - 1, 0, w - 1)
            d = alt[iy, ix] - win
            out[:, :, a, b] = (d * d).sum(axis=(2, 3))
    return out


def search_fine_numpy(ref: np.ndarray, alt: np.ndarray, tile: int, step: int, ny: int, nx: int,
                      guess: np.ndarray, radius: int
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Finest-level L2 search plus the 3 x 3 L2 costs around the winner (NumPy reference)."""
    disp, cost = search_level(ref, alt, tile, step, ny, nx, guess, radius, 2)
    return disp, cost, _costs3x3_numpy(ref, alt, tile, step, ny, nx, disp)


# Least-squares fit of c(x, y) = A x^2 + B y^2 + C xy + D x + E y + F on the 3 x 3 grid.
_YY, _XX = np.mgrid[-1:2, -1:2]
_DESIGN = np.stack([_XX.ravel() ** 2, _YY.ravel() ** 2, (_XX * _YY).ravel(), _XX.ravel(),
                    _YY.ravel(), np.ones(9)], axis=1).astype(np.float64)
_PINV = np.linalg.pinv(_DESIGN)


def subpixel_offsets(costs: np.ndarray) -> np.ndarray:
    """Sub-pixel offsets ``(dy, dx)`` in [-0.5, 0.5] from ``... x 3 x 3`` cost surfaces.

    Fits a 2-D quadratic by least squares (Hasinoff et al. 2016, section 4) and returns its
    minimum, or 0 where the fitted surface is not a bowl.
    """
    c = costs.reshape(-1, 9)
    coef = c @ _PINV.T
    a, b, cc, d, e = (coef[:, k] for k in range(5))
    det = 4 * a * b - cc * cc
    ok = (a > 0) & (b > 0) & (det > 1e-12 * np.maximum(np.abs(a * b), 1e-300))
    safe = np.where(ok, det, 1.0)
    x = (cc * e - 2 * b * d) / safe
    y = (cc * d - 2 * a * e) / safe
    x = np.where(ok, np.clip(x, -0.5, 0.5), 0.0)
    y = np.where(ok, np.clip(y, -0.5, 0.5), 0.0)
    return np.stack([y, x], axis=-1).reshape(costs.shape[:-2] + (2,))


def _use_numba(backend: str) -> bool:
    if backend == "numpy":
        return False
    try:
        import numba  # noqa: F401
    except ImportError:
        if backend == "numba":
            raise ParameterError("alignment backend 'numba' requested but numba is not installed"
                                 ) from None
        return False
    return True


@dataclass(frozen=True, eq=False)
class Alignment:
    """A per-tile displacement field from a reference frame to another frame.

    Attributes
    ----------
    grid
        The tiles (grey/plane pixels, padded coordinates).
    displacement
        ``ny x nx x 2`` int32 ``(dy, dx)`` in grey pixels: ``alt[y + dy, x + dx]`` matches
        ``ref[y, x]`` inside tile ``(i, j)``. In mosaic pixels it is ``period`` times larger,
        which keeps the CFA phase.
    subpixel
        ``ny x nx x 2`` float32 residual in [-0.5, 0.5] grey pixels (zeros without refinement).
    cost
        ``ny x nx`` mean squared (or, without sub-pixel refinement, absolute) grey difference
        per pixel at the chosen displacement.
    """

    grid: TileGrid
    displacement: np.ndarray
    subpixel: np.ndarray
    cost: np.ndarray

    @property
    def flow(self) -> np.ndarray:
        """Total displacement (integer + sub-pixel), ``ny x nx x 2`` float32, grey pixels."""
        return self.displacement.astype(np.float32) + self.subpixel


def _pyramid(gray: np.ndarray, factors: tuple[int, ...]) -> list[np.ndarray]:
    levels = [gray]
    for f in factors[1:]:
        levels.append(_downsample(levels[-1], int(f)))
    return levels


def reference_pyramid(ref: np.ndarray, params: AlignParams = AlignParams()) -> list[np.ndarray]:
    """The padded Gaussian pyramid of a reference grey image, reusable across frames."""
    grid = tile_grid(ref.shape, params.tile)
    return _pyramid(pad_for_grid(np.ascontiguousarray(ref, dtype=np.float32), grid),
                    params.factors)


def align_gray(ref: np.ndarray, alt: np.ndarray, params: AlignParams = AlignParams(), *,
               ref_pyramid: list[np.ndarray] | None = None) -> Alignment:
    """Align grey image ``alt`` to ``ref`` (both at plane resolution, same shape).

    ``ref_pyramid`` (from :func:`reference_pyramid`) avoids rebuilding the reference's pyramid
    for every frame.
    """
    if ref.shape != alt.shape:
        raise MergeError(f"align: frames differ in size, {ref.shape} vs {alt.shape}")
    grid = tile_grid(ref.shape, params.tile)
    ref_pyr = ref_pyramid if ref_pyramid is not None else reference_pyramid(ref, params)
    a0 = pad_for_grid(np.ascontiguousarray(alt, dtype=np.float32), grid)
    return _align_padded(ref_pyr, a0, grid, params)


def _fine_blur(img: np.ndarray) -> np.ndarray:
    """The light blur of the finest level before the L2 / sub-pixel search."""
    return cv2.GaussianBlur(img, (5, 5), 1.0, borderType=cv2.BORDER_REFLECT)


def _align_padded(ref_pyr: list[np.ndarray], a0: np.ndarray, grid: TileGrid, params: AlignParams,
                  ref_fine: np.ndarray | None = None) -> Alignment:
    """:func:`align_gray` on a grey image already padded to ``grid`` (``ref_fine``: the
    reference's blurred finest level, reusable across frames)."""
    use_nb = _use_numba(params.backend)
    if use_nb:
        search, search_fine = search_level_numba, search_fine_numba
    else:
        search, search_fine = search_level, search_fine_numpy
    if ref_pyr[0].shape != a0.shape:
        raise MergeError(f"align: reference pyramid {ref_pyr[0].shape} does not fit {a0.shape}")
    alt_pyr = _pyramid(a0, params.factors)
    nlev = len(params.factors)
    disp = None
    prev = None  # (ny, nx, step, tile) of the coarser level
    for lev in range(nlev - 1, -1, -1):
        r, a = ref_pyr[lev], alt_pyr[lev]
        if lev == 0:
            t = params.tile
            ny, nx, step = grid.ny, grid.nx, grid.step
        else:
            t = min(params.coarse_tile, max(4, (min(r.shape) // 2) * 2))
            ny, nx, step = _level_grid(r.shape, t)
        r = _pad_to(r, ((ny - 1) * step + t, (nx - 1) * step + t))
        if disp is None:
            guess = np.zeros((ny, nx, 2), np.int32)
        else:
            pny, pnx, pstep, pt = prev
            f = int(params.factors[lev + 1])
            cy = (np.arange(ny) * step + t / 2) / f
            cx = (np.arange(nx) * step + t / 2) / f
            fy, fx = (cy - pt / 2) / pstep, (cx - pt / 2) / pstep
            iy = np.clip(np.rint(fy), 0, pny - 1).astype(int)
            ix = np.clip(np.rint(fx), 0, pnx - 1).astype(int)
            # HDR+: also try the two next-nearest coarse tiles' displacements
            jy = np.clip(np.where(fy >= iy, iy + 1, iy - 1), 0, pny - 1)
            jx = np.clip(np.where(fx >= ix, ix + 1, ix - 1), 0, pnx - 1)
            cands = [(disp[iy[:, None], ix[None, :]] * f).astype(np.int32),
                     (disp[jy[:, None], ix[None, :]] * f).astype(np.int32),
                     (disp[iy[:, None], jx[None, :]] * f).astype(np.int32)]
        if lev == 0 and params.subpixel:
            # finest level: L2 on a lightly blurred pair, whose cost surface is close to
            # quadratic within +-1 pixel, so the same costs serve the sub-pixel fit
            r = _fine_blur(r) if ref_fine is None else ref_fine
            a = _fine_blur(a)
        norm = 2 if (lev > 0 or params.subpixel) else 1
        fused = lev == 0 and params.subpixel and use_nb and disp is not None
        if fused:
            # fused: the candidates' costs and the fine search, each displacement costed once
            disp, cost, c3 = search_fine_cands_numba(r, a, t, step, ny, nx, np.stack(cands),
                                                     int(params.radii[0]))
        elif disp is not None:
            best_c = None
            for cand in cands:
                _, c = search(np.ascontiguousarray(r), np.ascontiguousarray(a), t, step, ny, nx,
                              cand, 0, norm)
                if best_c is None:
                    guess, best_c = cand, c
                else:
                    take = c < best_c
                    guess = np.where(take[..., None], cand, guess)
                    best_c = np.where(take, c, best_c)
        if fused:
            pass
        elif lev == 0 and params.subpixel:
            disp, cost, c3 = search_fine(np.ascontiguousarray(r), np.ascontiguousarray(a), t,
                                         step, ny, nx, np.ascontiguousarray(guess),
                                         int(params.radii[0]))
        else:
            disp, cost = search(np.ascontiguousarray(r), np.ascontiguousarray(a), t, step, ny,
                                nx, np.ascontiguousarray(guess), int(params.radii[lev]), norm)
        prev = (ny, nx, step, t)
    if params.subpixel:
        sub = subpixel_offsets(c3).astype(np.float32)
    else:
        sub = np.zeros(disp.shape, np.float32)
    return Alignment(grid, disp.astype(np.int32), sub,
                     (cost / (grid.tile * grid.tile)).astype(np.float32))


def align(ref: RawImage, alt: RawImage, params: AlignParams = AlignParams(), *,
          gain: float = 1.0) -> Alignment:
    """Align raw frame ``alt`` to raw frame ``ref`` (HDR+ tile alignment).

    Parameters
    ----------
    ref, alt
        Frames of one burst (same size and CFA pattern).
    params
        :class:`AlignParams`.
    gain
        Multiplies ``alt``'s grey image before matching (the exposure ratio of a bracket).

    Returns
    -------
    Alignment
        Displacements in grey (plane) pixels; multiply by ``ref.pattern.period`` for mosaic
        pixels.

    References
    ----------
    Hasinoff et al. (2016), section 4.
    """
    if ref.shape != alt.shape:
        raise MergeError(f"align: frames differ in size, {ref.shape} vs {alt.shape}")
    if ref.pattern != alt.pattern:
        raise MergeError(f"align: CFA patterns differ, {ref.pattern.name} vs {alt.pattern.name}")
    p = ref.pattern.period
    g_ref = cfa_gray(ref.cfa, p)
    g_alt = cfa_gray(alt.cfa, p)
    if gain != 1.0:
        g_alt = g_alt * np.float32(gain)
    return align_gray(g_ref, g_alt, params)
