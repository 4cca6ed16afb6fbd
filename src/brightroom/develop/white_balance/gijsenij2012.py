"""Two lights and a smooth per-pixel blend weight: white balance for mixed illumination.

Gijsenij, Lu & Gevers (2012) estimate the light locally, on patches sampled over the image, with a
single-light method, cluster the local estimates into the number of lights in the scene, and
give every pixel a light that mixes the cluster lights by its patch's position between them.
Here the local estimator is :mod:`~brightroom.develop.white_balance.barron2017` (FFCC) on the
tiles of a ``5 x 5`` grid of overlapping windows of the preview; the two lights are the FFCC
estimates of the pooled histograms of each of two clusters (weighted 2-means of the tile
estimates in log-chroma); a tile's weight is the position of its estimate along the segment
between the two lights, clipped to [0, 1]; the tile weights are interpolated bilinearly and
smoothed to a per-pixel map. When the two lights differ by less than ``min_separation_deg`` the
scene is taken as lit by one light (the weight is 1 everywhere).

Limits: two lights at most; a light seen only in one small region (less than about a tile,
1/25 of the frame) is not found; the weight follows tiles, not object edges, so at a sharp shadow
boundary the transition is about a tile wide; surfaces whose colour a single-light estimator
mistakes for a light change (a large saturated wall) can pull a tile towards a false second
light. The later colour stage uses one colour matrix (that of the global neutral) for all pixels.
On the two-light renders of ``benchmarks/bench_awb.py`` (mean per-pixel error) it does not yet
beat one global light: median 4.02 degrees with ``locus_white_patch`` tiles and 4.60 with FFCC
tiles, against 3.72 for global ``locus_white_patch``; tile estimates on 1/9 of a 192-pixel
preview are too noisy. It stays an option, off by default.

References
----------
Gijsenij, A., Lu, R., Gevers, T. (2012). Color constancy for multiple light sources. IEEE
Transactions on Image Processing, 21(2), 697-707.

Barron, J. T., Tsai, Y.-T. (2017). Fast Fourier Color Constancy. CVPR.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from brightroom.develop.white_balance.barron2017 import (
    FFCCModel,
    camera_prior,
    estimate_uv,
    featurize,
    histograms,
    load_model,
    neutral_space,
    uv_to_rgb,
)
from brightroom.errors import InputError
from brightroom.types import CameraInfo

__all__ = ["two_lights", "pixel_neutrals"]


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    c = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    return float(np.degrees(np.arccos(min(max(c, -1.0), 1.0))))


def two_lights(
    rgb: np.ndarray,
    *,
    mask: np.ndarray,
    camera: CameraInfo | None = None,
    model: FFCCModel | None = None,
    grid: int = 5,
    min_separation_deg: float = 2.0,
    smooth: float = 0.5,
    estimator: Callable[..., np.ndarray] | None = None,
    saturation: float | tuple[float, float, float] = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two camera neutrals and the per-pixel weight of the first (Gijsenij et al. 2012).

    Parameters
    ----------
    rgb
        ``H x W x 3`` linear camera RGB, not white balanced (the stage's preview).
    mask
        ``H x W`` usable pixels.
    camera
        For the normalised space of :func:`~brightroom.develop.white_balance.barron2017.neutral_space`.
    model
        The FFCC model (default: the shipped one).
    grid
        Tiles per side; each window spans two tiles (50 % overlap).
    min_separation_deg
        Below this angle between the two lights the scene counts as one light.
    smooth
        Gaussian smoothing of the weight map, in tiles.
    estimator
        Local single-light method ``f(rgb, *, mask, camera, saturation) -> (3,)`` (an entry of
        ``AWB_METHODS``); ``None`` (default) is FFCC, whose two lights are then re-estimated
        from the pooled histograms of their tiles. Other estimators' lights are the weighted
        means of their clusters.
    saturation
        Clip level, passed to ``estimator``.

    Returns
    -------
    light1, light2 : numpy.ndarray
        ``(3,)`` camera neutrals, green = 1 (equal when one light was found).
    weight : numpy.ndarray
        ``H x W`` float32 in [0, 1]: the share of ``light1`` at each pixel.

    References
    ----------
    Gijsenij, Lu & Gevers (2012); Barron & Tsai (2017).
    """
    m = model or load_model()
    t = neutral_space(camera, m)
    loc = camera_prior(camera, m)
    h, w = rgb.shape[:2]
    ys = np.linspace(0, h, grid + 2).astype(int)
    xs = np.linspace(0, w, grid + 2).astype(int)
    ests, wts, hists, cells = [], [], [], []
    for i in range(grid):
        for j in range(grid):
            sl = (slice(ys[i], ys[i + 2]), slice(xs[j], xs[j + 2]))
            sub, msk = rgb[sl], mask[sl]
            uv, fw = featurize(sub, msk, t)
            if len(uv[0]) < max(16, msk.size // 20):
                continue
            hist = histograms(uv, m, fw)
            if estimator is None:
                est, _ = estimate_uv(hist, m, loc)
            else:
                x = t @ estimator(sub, mask=msk, camera=camera, saturation=saturation)
                if np.any(x <= 0):
                    continue
                est = np.array([np.log(x[1] / x[0]), np.log(x[1] / x[2])])
            ests.append(est)
            wts.append(len(uv[0]))
            hists.append(hist * len(uv[0]))
            cells.append((i, j))
    if estimator is None:
        g_feat, g_w = featurize(rgb, mask, t)
        g_uv, _ = estimate_uv(histograms(g_feat, m, g_w), m, loc)
        g = np.linalg.solve(t, uv_to_rgb(g_uv))
    else:
        g = np.asarray(estimator(rgb, mask=mask, camera=camera, saturation=saturation), float)
        g_uv = g
    if np.any(g <= 0):
        raise InputError(f"mixed white balance: global estimate {g_uv} is not physical")
    one = (g / g[1], g / g[1], np.ones((h, w), np.float32))
    if len(ests) < 2:
        return one
    e = np.asarray(ests)
    wt = np.asarray(wts, np.float64)
    # weighted 2-means in log-chroma, started from the two most distant estimates
    d = ((e[:, None] - e[None]) ** 2).sum(-1)
    a, b = np.unravel_index(np.argmax(d), d.shape)
    c = e[[a, b]].copy()
    lab = np.zeros(len(e), int)
    for _ in range(20):
        lab = np.argmin(((e[:, None] - c[None]) ** 2).sum(-1), axis=1)
        if np.all(lab == lab[0]):
            return one
        new = np.stack([np.average(e[lab == k], axis=0, weights=wt[lab == k]) for k in (0, 1)])
        if np.allclose(new, c):
            break
        c = new
    hs = np.asarray(hists)
    lights_uv = []
    for k in (0, 1):
        if estimator is not None:
            lights_uv.append(c[k])
            continue
        pooled = hs[lab == k].sum(axis=0)
        tot = pooled.sum(axis=(1, 2), keepdims=True)
        lights_uv.append(estimate_uv(pooled / np.where(tot > 0, tot, 1), m, loc)[0])
    lights = [np.linalg.solve(t, uv_to_rgb(x)) for x in lights_uv]
    if any(np.any(x <= 0) for x in lights) or _angle(lights[0], lights[1]) < min_separation_deg:
        return one
    # a tile's weight: where its estimate lies between the two lights
    p0, p1 = lights_uv
    seg = p0 - p1
    tw = np.clip(((e - p1) @ seg) / float(seg @ seg), 0.0, 1.0)
    grid_w = np.full((grid, grid), np.nan)
    for (i, j), v in zip(cells, tw):
        grid_w[i, j] = v
    fill = float(np.average(tw, weights=wt))
    grid_w = np.where(np.isnan(grid_w), fill, grid_w).astype(np.float32)
    if smooth > 0:
        grid_w = cv2.GaussianBlur(grid_w, (0, 0), smooth, borderType=cv2.BORDER_REPLICATE)
    # tile centres sit at the window centres: resize a padded grid so edges extrapolate flat
    wmap = cv2.resize(grid_w, (w, h), interpolation=cv2.INTER_LINEAR)
    l1, l2 = (x / x[1] for x in lights)
    return l1, l2, np.clip(wmap, 0.0, 1.0).astype(np.float32)


def pixel_neutrals(light1: np.ndarray, light2: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``H x W x 3`` camera neutral at every pixel: ``w light1 + (1 - w) light2`` (green = 1)."""
    wgt = np.asarray(weight, np.float32)[..., None]
    return (wgt * np.asarray(light1, np.float32) + (1 - wgt) * np.asarray(light2, np.float32))
