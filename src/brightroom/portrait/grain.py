"""The photo's own noise, measured in its flat regions and synthesised again where it was blurred.

Blurring the background also blurs its sensor noise away, so a portrait's background looks
plastic next to its sharp subject unless the noise is put back - at the *photo's* level and
grain size. A phone picture's noise has been through demosaicing, denoising and compression:
it is weak and spatially correlated, so white noise of a per-pixel estimate looks wrong twice
(far too strong at the pixel scale, Laplacian variance 150 against 2.8 on a clean wall).

Following the film-grain modelling of AV1 (Norkin & Birkbeck 2018), the noise is measured where
the picture is flat, with its spatial spectrum, its colour and its dependence on the grey level:

1. :func:`estimate_grain` cuts the picture into ``block x block`` tiles and sorts them by grey
   level into ``levels`` bins (noise depends on the level: a phone's shadows are 5x noisier than
   its mid-tones after the tone curve). Within each bin the tiles are ranked by texture (the mean
   squared gradient of a 2x-reduced copy) and the flattest ``flat_fraction`` kept: ranking
   within a level keeps noisy dark tiles from losing to clean bright ones. Each kept tile minus
   its best-fitting plane per channel (which removes shading) is noise.
2. Each channel's noise deviation is a function of that channel's level: the median over the
   flat tiles of a level bin of the channel residual's standard deviation (a bin with too few
   flat tiles takes its neighbours' value: AV1's piecewise-linear scaling function, one per
   channel, as a raw noise profile is one per CFA channel); the spectrum is the Fourier
   transform of the grey residuals' mean autocorrelation at short lags (Blackman & Tukey; AV1
   fits an autoregressive model to the same autocorrelation), normalised to unit variance; the
   colour is the channels' correlation (the median over tiles: an edge between two colours of
   one grey level, which the grey's texture measure misses, stays an outlier). Tiles whose
   channel deviation is over twice their level's median are left out.
3. :func:`grain_tile` synthesises a periodic ``size x size x 3`` tile with that spectrum (random
   phases, the amplitude spectrum the square root of the autocorrelation's transform on the
   tile's own grid) and that channel correlation, each channel of unit variance;
   :func:`brightroom.portrait.bokeh.composite_full` adds it where the picture was blurred, each
   channel scaled by its deviation at the photo's own value there (the noise the blur took
   away).

References
----------
Norkin, A., Birkbeck, N. (2018). Film grain synthesis for AV1 video codec. Data Compression
Conference (DCC), 3-12 (flat-block noise estimation, spatial model, intensity scaling function).

Blackman, R. B., Tukey, J. W. (1958). The measurement of power spectra. Dover (the lag-window
spectrum estimate).

Liu, X., Tanaka, M., Okutomi, M. (2013). Single-image noise level estimation for blind denoising.
IEEE TIP 22(12), 5226-5237 (noise measured on weakly textured patches).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np

from brightroom.errors import ParameterError

__all__ = ["NoiseModel", "estimate_grain", "grain_tile", "flat_blocks"]


@dataclass(frozen=True, eq=False)
class NoiseModel:
    """A picture's noise: spectrum, colour, level by grey value and overall deviation.

    Attributes
    ----------
    psd
        float32 ``block x block`` power spectrum (``numpy.fft`` order), summing to 1: the
        noise's spatial correlation.
    levels
        float32 ``3 x L``: each channel's noise standard deviation at ``L`` values of that
        channel evenly spanning 0..1 (the picture's units).
    sigma
        Median standard deviation of the grey (channel mean) noise over the flat tiles.
    blocks
        How many flat tiles were measured (0: too small a picture; the model is then empty).
    colour
        float32 ``3 x 3`` correlation of the channels' noise (all ones: the same noise in every
        channel, as in a grey picture).
    acf
        float32 ``block x block`` tapered autocorrelation (circular lag order, 1 at lag 0) that
        ``psd`` is the transform of; :func:`grain_tile` places it on its own grid, so the
        synthesised grain has these correlations exactly. ``None``: white.
    """

    psd: np.ndarray
    levels: np.ndarray
    sigma: float
    blocks: int
    colour: np.ndarray = field(default_factory=lambda: np.ones((3, 3), np.float32))
    acf: np.ndarray | None = None

    @property
    def empty(self) -> bool:
        return self.blocks == 0 or self.sigma <= 0


def _grey(image: np.ndarray) -> np.ndarray:
    g = np.asarray(image, np.float32)
    if g.ndim == 3 and g.shape[2] == 3:
        return cv2.cvtColor(np.ascontiguousarray(g), cv2.COLOR_RGB2GRAY)
    if g.ndim == 3:
        g = g[..., 0]
    return np.ascontiguousarray(g, np.float32)


def flat_blocks(grey: np.ndarray, block: int, fraction: float, min_blocks: int,
                mask: np.ndarray | None = None, levels: int = 1, stride: int | None = None
                ) -> np.ndarray:
    """``(y, x)`` top-left corners of the flattest ``block x block`` tiles of ``grey``: the
    flattest ``fraction`` (at least ``min_blocks``) of each of ``levels`` grey-level bins, among
    tiles on a grid of step ``stride`` (``block // 2``: overlapping tiles, four times the
    candidates of a tiling, so a small flat area is found wherever it lies).

    Texture is the mean squared gradient of a 2x-reduced copy (reduction averages the noise
    down, the texture much less); tiles where ``mask`` (if given, the size of ``grey``) is not
    all true, and tiles with clipped (black or white) pixels, are left out."""
    grid = _tile_grid(grey, block, mask, levels, stride)
    if grid is None:
        return np.zeros((0, 2), np.int64)
    energy, bins, ok, shape, stride = grid
    out = []
    for k in range(levels):
        idx = np.flatnonzero(ok & (bins == k))
        if idx.size == 0:
            continue
        n = min(idx.size, max(min_blocks, int(round(fraction * idx.size))))
        out.append(idx[np.argpartition(energy[idx], n - 1)[:n]] if n < idx.size else idx)
    if not out:
        return np.zeros((0, 2), np.int64)
    return _corners(np.concatenate(out), shape, stride)


def _corners(order: np.ndarray, shape: tuple[int, int], stride: int) -> np.ndarray:
    r, c = np.unravel_index(order, shape)
    return np.stack([r * stride, c * stride], axis=1).astype(np.int64)


def _tile_grid(grey: np.ndarray, block: int, mask: np.ndarray | None, levels: int,
               stride: int | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int], int] | None:
    """Per tile of the half-tile grid: texture energy, grey-level bin, usable; the grid's shape
    and step. Tile sums are sums of 2 x 2 half-tile sums (one pass over the picture)."""
    h, w = grey.shape
    hb = max(2, block // 2) if stride is None else stride
    if block != 2 * hb or hb % 2:
        raise ParameterError(f"tile grid: block {block} must be twice an even stride, got {hb}")
    ny, nx = h // hb, w // hb
    if ny < 2 or nx < 2:
        return None
    g = np.ascontiguousarray(grey[:ny * hb, :nx * hb], np.float32)

    def halves(x: np.ndarray) -> np.ndarray:  # sums over half-tiles (area reduction)
        f = x.shape[0] // ny
        return cv2.resize(x, (nx, ny), interpolation=cv2.INTER_AREA) * np.float32(f * f)

    def tiles(x: np.ndarray) -> np.ndarray:  # 2 x 2 half-tiles -> tiles
        return x[:-1, :-1] + x[1:, :-1] + x[:-1, 1:] + x[1:, 1:]

    small = cv2.resize(g, (nx * hb // 2, ny * hb // 2), interpolation=cv2.INTER_AREA)
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
    energy = tiles(halves(gx * gx + gy * gy)).ravel()
    mean = tiles(halves(g)) / (block * block)
    # clipping, seen on the 2x-reduced copy (a clipped area, not a lone pixel, matters): no
    # clipped value in a tile, clipped values hold no noise
    clipped = ((small <= 0.005) | (small >= 0.995)).astype(np.float32)
    ok = tiles(halves(clipped)) <= 0
    if mask is not None:
        m = np.asarray(mask, np.float32)[:ny * hb, :nx * hb]
        ok &= tiles(halves(np.ascontiguousarray(m))) >= block * block * 0.999
    lo_v, hi_v = (0.0, 1.0) if levels > 1 else (float(mean.min()), float(mean.max()))
    bins = np.clip((mean.ravel() - lo_v) / max(hi_v - lo_v, 1e-6) * levels, 0, levels - 1)
    return energy, bins.astype(np.int64), ok.ravel(), mean.shape, hb


@lru_cache(maxsize=8)
def _plane_basis(block: int) -> tuple[np.ndarray, np.ndarray]:
    """The least-squares plane fit over a tile: (pseudo-inverse, design matrix)."""
    yy, xx = np.mgrid[0:block, 0:block].astype(np.float64)
    a = np.stack([np.ones(block * block), xx.ravel() / block, yy.ravel() / block], axis=1)
    return np.linalg.pinv(a), a


def estimate_grain(image: np.ndarray, *, mask: np.ndarray | None = None, block: int = 16,
                   flat_fraction: float = 0.05, min_blocks: int = 6, max_blocks: int = 1500,
                   levels: int = 8, quantile: float = 0.5) -> NoiseModel:
    """Measure a picture's noise in its flat regions (see the module notes).

    Parameters
    ----------
    image
        ``H x W x 3`` (or ``H x W``) float32 in the picture's own encoding (display values for a
        display image).
    mask
        Optional ``H x W`` where to look (true = usable).
    block
        Tile side in pixels (a multiple of 4).
    flat_fraction, min_blocks, max_blocks
        Share of each level's tiles taken as flat in the first pass (at least ``min_blocks`` a
        level); at most ``max_blocks`` tiles in all are measured in the second (evenly
        thinned).
    levels
        Grey-level bins of the deviation function.
    quantile
        The deviation of a level is this quantile of its flat tiles' deviations [0.5].

    Returns
    -------
    NoiseModel
        Empty (``blocks == 0``) for pictures too small to measure.
    """
    if not 0 < flat_fraction <= 1 or min_blocks < 1 or levels < 1 or block < 4 or block % 4:
        raise ParameterError(f"estimate_grain: bad parameters block={block}, flat_fraction="
                             f"{flat_fraction}, min_blocks={min_blocks}, levels={levels}")
    img = np.asarray(image, np.float32)
    rgb = img if img.ndim == 3 and img.shape[2] == 3 else _grey(img)[..., None]
    g = _grey(img)
    grid = _tile_grid(g, block, mask, levels)
    if grid is None:
        return NoiseModel(np.full((block, block), 1.0 / block**2, np.float32),
                          np.zeros((3, levels), np.float32), 0.0, 0)
    energy, tbins, ok, shape, stride = grid
    pinv, a = _plane_basis(block)

    def grey_std(corners: np.ndarray) -> np.ndarray:
        t = np.stack([g[y:y + block, x:x + block] for y, x in corners]).reshape(len(corners), -1)
        t = t.astype(np.float64)
        return (t - (t @ pinv.T) @ a.T).std(axis=1)

    # pass 1: the flattest tiles of each level, and the energy a tile of pure noise has
    first, s1 = [], {}
    for k in range(levels):
        idx = np.flatnonzero(ok & (tbins == k))
        if idx.size == 0:
            continue
        n = min(idx.size, max(min_blocks, int(round(flat_fraction * idx.size))),
                max(min_blocks, max_blocks // (2 * levels)))
        pick = idx[np.argpartition(energy[idx], n - 1)[:n]] if n < idx.size else idx
        first.append((k, pick))
    if sum(len(p) for _, p in first) < 4:
        return NoiseModel(np.full((block, block), 1.0 / block**2, np.float32),
                          np.zeros((3, levels), np.float32), 0.0, 0)
    ratios = []
    for k, pick in first:
        sd = grey_std(_corners(pick, shape, stride))
        s1[k] = float(np.median(sd))
        ratios.append(energy[pick] / np.maximum(sd, 1e-12) ** 2)
    c_noise = float(np.median(np.concatenate(ratios)))
    # pass 2: every tile of a level whose texture energy is what noise up to 1.5x the first
    # estimate gives (at a high ISO nearly all tiles of flat areas, so the estimate is not
    # biased towards the quietest ones; at a low ISO textured tiles stay out)
    per_level = max(min_blocks, max_blocks // max(levels, 1))
    chosen = []
    for k, pick in first:
        sel_k = ok & (tbins == k) & (energy <= c_noise * (1.5 * s1[k]) ** 2)
        sel_k[pick] = True
        idx = np.flatnonzero(sel_k)
        if idx.size > per_level:  # evenly thinned, in raster order (spread over the frame)
            idx = idx[np.linspace(0, idx.size - 1, per_level).round().astype(int)]
        chosen.append(idx)
    sel = _corners(np.concatenate(chosen), shape, stride)
    tiles = np.stack([rgb[y:y + block, x:x + block] for y, x in sel])
    nc = tiles.shape[3]
    pinv, a = _plane_basis(block)
    flat = tiles.reshape(len(sel), block * block, nc).transpose(0, 2, 1).astype(np.float64)
    resid = flat - (flat @ pinv.T) @ a.T  # tiles x channels x pixels
    edges = np.linspace(0, 1, levels + 1)
    # outliers: a tile whose channel deviation is over twice its level's median holds texture
    # the grey energy missed; it would dominate the pooled spectrum and correlation
    cstd = resid.std(axis=2)
    gb = np.clip(np.digitize(flat.mean(axis=(1, 2)), edges) - 1, 0, levels - 1)
    med = np.ones_like(cstd)
    for k in np.unique(gb):
        med[gb == k] = np.median(cstd[gb == k], axis=0)
    inl = np.all(cstd <= 2 * np.maximum(med, 1e-12), axis=1)
    if inl.sum() >= 4:
        flat, resid = flat[inl], resid[inl]
    grey_res = resid.mean(axis=1)
    std = grey_res.std(axis=1)
    # the spectrum (Blackman-Tukey): the residuals' mean autocorrelation at lags up to
    # block / 2 - 1, tapered by a Tukey (raised-cosine) window, Fourier-transformed on the tile's grid. Short
    # lags are measured well by every tile (a windowed periodogram of 16 px tiles smears a
    # correlated spectrum); a lag window keeps the spectrum non-negative.
    pad = np.zeros((len(grey_res), 2 * block, 2 * block))
    pad[:, :block, :block] = grey_res.reshape(-1, block, block)
    f = np.fft.fft2(pad)
    acf = np.real(np.fft.ifft2((f * np.conj(f)).mean(axis=0)))
    counts = np.real(np.fft.ifft2(np.abs(np.fft.fft2(np.pad(np.ones((block, block)),
                                                           ((0, block), (0, block))))) ** 2))
    acf = acf / np.maximum(np.round(counts), 1)  # unbiased per lag
    lag = block // 2 - 1
    d = np.fft.fftfreq(2 * block, 1 / (2 * block))  # lags 0, 1, ..., -1
    taper = np.where(np.abs(d) <= lag, 0.5 * (1 + np.cos(np.pi * d / (lag + 1))), 0)
    acf_t = acf * np.outer(taper, taper)
    acf_t /= max(acf_t[0, 0], 1e-30)
    small_acf = np.zeros((block, block))
    for dy in range(-lag, lag + 1):
        for dx in range(-lag, lag + 1):
            small_acf[dy % block, dx % block] = acf_t[dy % (2 * block), dx % (2 * block)]
    psd = np.maximum(np.real(np.fft.fft2(small_acf)), 0)
    psd[0, 0] = 0.0  # the mean is removed, as in the measurement
    psd = (psd / max(psd.sum(), 1e-30)).astype(np.float32)
    # the channels' noise: deviation by the channel's own level (a quantile per bin, empty
    # bins from their neighbours) and their correlation
    cstd = resid.std(axis=2)  # tiles x channels
    cmean = flat.mean(axis=2)
    centres = (edges[:-1] + edges[1:]) / 2
    lv = np.zeros((3, levels))
    for c in range(3):
        ch = min(c, nc - 1)
        cb = np.clip(np.digitize(cmean[:, ch], edges) - 1, 0, levels - 1)
        col = np.full(levels, np.nan)
        for k in range(levels):
            v = cstd[cb == k, ch]
            if v.size >= 3:
                col[k] = np.percentile(v, quantile * 100)
        good = np.isfinite(col)
        fallback = float(np.percentile(cstd[:, ch], quantile * 100))
        lv[c] = np.interp(centres, centres[good], col[good]) if good.any() else fallback
    if nc == 3:
        cov = np.einsum("tcp,tdp->tcd", resid, resid)
        d = np.sqrt(np.maximum(np.einsum("tcc->tc", cov), 1e-30))
        corr = np.median(cov / (d[:, :, None] * d[:, None, :]), axis=0)
        np.fill_diagonal(corr, 1.0)
        corr = np.clip(corr, -1, 1).astype(np.float32)
    else:
        corr = np.ones((3, 3), np.float32)
    # a tile minus its plane keeps only part of a correlated noise's variance: the share
    # kappa = 1 - tr(P R) / N (P the plane projection, R the tile's correlation matrix from
    # the autocorrelation); the deviations are of the noise itself, so divided by sqrt(kappa)
    kappa = _detrend_share(small_acf, block, pinv, a)
    sigma = float(np.percentile(std, quantile * 100)) / np.sqrt(kappa)
    lv = lv / np.sqrt(kappa)
    return NoiseModel(psd, lv.astype(np.float32), sigma, int(len(sel)), corr,
                      small_acf.astype(np.float32))


def _detrend_share(acf: np.ndarray, block: int, pinv: np.ndarray, a: np.ndarray) -> float:
    """The share of a stationary noise's variance (autocorrelation ``acf``, circular lags) that
    survives removing each ``block x block`` tile's least-squares plane."""
    yy, xx = np.divmod(np.arange(block * block), block)
    dy = (yy[:, None] - yy[None, :]) % block
    dx = (xx[:, None] - xx[None, :]) % block
    lim = block // 2
    near = (np.minimum(dy, block - dy) < lim) & (np.minimum(dx, block - dx) < lim)
    r = np.where(near, acf[dy, dx], 0.0)
    proj = a @ pinv  # N x N projection on the plane
    return float(np.clip(1 - np.trace(proj @ r) / (block * block), 0.05, 1.0))


@lru_cache(maxsize=16)
def _tile(acf_bytes: bytes, block: int, colour_bytes: bytes, size: int, seed: int) -> np.ndarray:
    colour = np.frombuffer(colour_bytes, np.float32).reshape(3, 3).astype(np.float64)
    big = np.zeros((size, size))
    if acf_bytes:
        acf = np.frombuffer(acf_bytes, np.float32).reshape(block, block)
        lag = min(block // 2, size // 2)
        for dy in range(-lag + 1, lag):
            for dx in range(-lag + 1, lag):
                big[dy % size, dx % size] = acf[dy % block, dx % block]
    else:
        big[0, 0] = 1.0
    amp = np.sqrt(np.maximum(np.real(np.fft.fft2(big)), 0))
    amp[0, 0] = 0.0
    rng = np.random.default_rng(seed)
    planes = []
    for _ in range(3):
        white = np.fft.fft2(rng.standard_normal((size, size)))
        t = np.real(np.fft.ifft2(white * amp))
        planes.append(t / max(t.std(), 1e-12))
    n = np.stack(planes, axis=-1)  # independent, unit variance, the measured correlations
    # channel correlation: the symmetric square root of the (PSD-clipped) correlation matrix
    sym = (colour + colour.T) / 2
    lam, vec = np.linalg.eigh(sym)
    mix = (vec * np.sqrt(np.maximum(lam, 0))) @ vec.T
    tile = n @ mix.T
    return (tile / np.maximum(tile.std(axis=(0, 1)), 1e-12)).astype(np.float32)


def grain_tile(model: NoiseModel, size: int = 512, seed: int = 7) -> np.ndarray:
    """A periodic ``size x size x 3`` float32 tile with ``model``'s spectrum and channel
    correlation, each channel of unit variance."""
    if size < 8:
        raise ParameterError(f"grain tile size must be >= 8, got {size}")
    acf = b"" if model.acf is None else np.ascontiguousarray(model.acf, np.float32).tobytes()
    block = 0 if model.acf is None else int(model.acf.shape[0])
    colour = np.ascontiguousarray(model.colour, np.float32)
    return _tile(acf, block, colour.tobytes(), int(size), int(seed))
