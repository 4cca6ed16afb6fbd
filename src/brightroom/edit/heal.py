"""Heal and remove: fill a spot or a brushed region with real texture from elsewhere in the photo.

Space: linear RGB (any float32 ``H x W x 3``).

The method is Lightroom's and GIMP's "heal": a *source* patch is copied into the hole and
blended into its surroundings.

1. **Source search** (the nearest-patch problem that PatchMatch, Barnes et al. 2009, solves
   approximately; for one region an exhaustive search is cheap): the patch around the hole is
   compared, on a ring of context pixels around the hole only (the hole itself is unknown),
   with every patch within six hole radii by masked sum of squared differences (OpenCV's
   ``matchTemplate`` with a mask); candidates whose hole would overlap the target are skipped.
   The ``sources`` (4) best distinct candidates are kept.
2. **Texture-matched mean.** On random texture (grass, gravel) no copy is correlated with the
   hidden truth, so a copy with the truth's texture costs twice its variance in squared error
   where a smooth fill costs it once (about 3 dB of PSNR), and the mean of ``k`` copies has
   less error but also less texture. The fill is the mean of the ``sources`` (8) best plus
   ``lambda`` times the *finest scale* of the best source's difference from that mean (the
   difference less its Gaussian blur at ``band`` = 0.6 pixels), with the least ``lambda``
   (at most 6) that brings the fill's gradient energy to ``texture`` (0.6) times that of the
   surrounding ring (the truth's texture, as well as it can be known). Gradient energy grows
   with the square of the frequency and squared error does not, so the finest scale restores
   the look of the texture (its gradients) at the least cost in error.
3. **Poisson blending** (Pérez, Gangnet & Blake 2003): the filled pixels are the source plus a
   harmonic correction ``c`` (``laplacian c = 0`` inside the hole) that equals
   ``target - source`` on the hole's boundary, solved as a sparse linear system. The source's
   gradients, its texture, are kept; the colour and brightness follow the surroundings.

``method="criminisi2004"`` is the exemplar-based inpainting of Criminisi, Pérez & Toyama
(2004), which fills from the boundary inwards a small patch at a time in the order of the
isophotes meeting the front (:func:`heal_criminisi2004`); on the benchmark's photos it keeps
all of the texture (0.9-1.5 x) at 1-3.4 dB less PSNR than the default
(``benchmarks/bench_edit.py``).

Smooth diffusion fills (OpenCV's ``inpaint``, Telea 2004) reach a higher PSNR on random
texture but flatten it (0.1-0.3 x of its gradient energy); this fill keeps 0.6-0.9 x of it
within 1 dB of Telea's PSNR on gravel, skin, wood and fur, within 0.9-1.3 dB on grass.

References
----------
Criminisi, A., Pérez, P., Toyama, K. (2004). Region filling and object removal by
exemplar-based image inpainting. IEEE TIP 13(9), 1200-1212.
Barnes, C., Shechtman, E., Finkelstein, A., Goldman, D. B. (2009). PatchMatch: a randomized
correspondence algorithm for structural image editing. ACM TOG 28(3), 24.
Pérez, P., Gangnet, M., Blake, A. (2003). Poisson image editing. ACM TOG 22(3), 313-318.
Telea, A. (2004). An image inpainting technique based on the fast marching method. Journal of
Graphics Tools 9(1), 23-34.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import spsolve

from brightroom.errors import ParameterError

__all__ = ["heal_spot", "heal_region", "disk_mask", "HEAL_METHODS", "heal_poisson_patch",
           "heal_criminisi2004"]


def disk_mask(shape: tuple[int, ...], x: float, y: float, radius: float) -> np.ndarray:
    """Boolean ``H x W`` disk of ``radius`` pixels centred at ``(x, y)`` (pixel centres)."""
    h, w = shape[:2]
    yy, xx = np.ogrid[:h, :w]
    return (xx - x) ** 2 + (yy - y) ** 2 <= radius ** 2


def _poisson(target: np.ndarray, source: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """``source + c`` inside ``hole`` with ``c`` harmonic, ``c = target - source`` outside."""
    idx = -np.ones(hole.shape, np.int64)
    ys, xs = np.nonzero(hole)
    n = len(ys)
    idx[ys, xs] = np.arange(n)
    diff = (target - source).astype(np.float64)
    rows, cols, vals = [np.arange(n)], [np.arange(n)], [np.full(n, 4.0)]
    rhs = np.zeros((n, target.shape[2]))
    h, w = hole.shape
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        ny, nx = np.clip(ys + dy, 0, h - 1), np.clip(xs + dx, 0, w - 1)
        inside = hole[ny, nx]
        rows.append(np.arange(n)[inside])
        cols.append(idx[ny[inside], nx[inside]])
        vals.append(np.full(int(inside.sum()), -1.0))
        rhs[~inside] += diff[ny[~inside], nx[~inside]]
    a = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                   shape=(n, n)).tocsc()
    c = spsolve(a, rhs)
    out = target.copy()
    out[ys, xs] = (source[ys, xs] + c.reshape(n, -1)).astype(np.float32)
    return out


def _grad_energy(a: np.ndarray, where: np.ndarray) -> float:
    gy, gx = np.gradient(a.mean(-1))
    return float(np.mean((gx * gx + gy * gy)[where]))


def heal_poisson_patch(rgb: np.ndarray, mask: np.ndarray, *, search: float = 6.0,
                       sources: int = 8, texture: float = 0.6, band: float = 0.6
                       ) -> np.ndarray:
    """Fill the pixels where ``mask`` is true from the best-matching patches, Poisson-blended
    (Barnes et al. 2009's nearest-patch problem solved exhaustively, the texture-matched mean
    of the module docstring, Pérez et al. 2003's blend).

    Parameters
    ----------
    rgb
        ``H x W x 3`` float32.
    mask
        ``H x W`` boolean: the region to replace (a spot, a brushed stroke).
    search
        How far to look for the source, in multiples of the region's radius.
    sources
        How many of the best, distinct sources to average (1: the best one only).
    texture
        The gradient energy wanted in the fill, as a fraction of its surroundings' (see the
        module docstring); 0 takes the plain mean of the sources.
    band
        The detail added back is the best source's difference from the mean less its
        Gaussian blur at ``band`` pixels (its finest scale; 0: the whole difference, at most
        once).

    Returns
    -------
    numpy.ndarray
        A new image; pixels outside ``mask`` are unchanged.
    """
    a = np.ascontiguousarray(rgb, np.float32)
    m = np.asarray(mask, bool)
    if m.shape != a.shape[:2]:
        raise ParameterError(f"heal mask {m.shape} does not fit the image {a.shape[:2]}")
    if sources < 1 or not 0 <= texture <= 2 or band < 0:
        raise ParameterError(f"heal sources must be >= 1, texture in [0, 2] and band >= 0, got "
                             f"{sources}, {texture:g}, {band:g}")
    if not m.any():
        return a.copy()
    h, w = a.shape[:2]
    ys, xs = np.nonzero(m)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    rad = max(y1 - y0, x1 - x0) / 2
    margin = max(3, int(np.ceil(0.6 * rad)))
    py0, py1 = y0 - margin, y1 + margin
    px0, px1 = x0 - margin, x1 + margin
    reach = int(np.ceil(search * max(rad, 4))) + margin
    pad = reach + margin
    big = cv2.copyMakeBorder(a, pad, pad, pad, pad, cv2.BORDER_REFLECT)
    hole = np.zeros((py1 - py0, px1 - px0), bool)
    hole[margin:margin + (y1 - y0), margin:margin + (x1 - x0)] = m[y0:y1, x0:x1]
    ring = cv2.dilate(hole.astype(np.uint8), np.ones((3, 3), np.uint8),
                      iterations=margin).astype(bool) & ~hole
    templ = big[py0 + pad:py1 + pad, px0 + pad:px1 + pad]
    sy0, sx0 = py0 + pad - reach, px0 + pad - reach
    region = big[sy0:py1 + pad + reach, sx0:px1 + pad + reach]
    wmask = np.repeat(ring[..., None], 3, axis=2).astype(np.float32)
    cost = cv2.matchTemplate(region, templ, cv2.TM_SQDIFF, mask=wmask)
    oy, ox = np.mgrid[-reach:reach + 1, -reach:reach + 1]
    cost = cost[:oy.shape[0], :ox.shape[1]]
    # a source whose hole overlaps the target's (or lies mostly outside the photo) is no source
    hy, hx = np.nonzero(hole)
    span_y, span_x = (hy.max() - hy.min() + 1), (hx.max() - hx.min() + 1)
    overlap = (np.abs(oy) < span_y) & (np.abs(ox) < span_x)
    cy, cx = (y0 + y1) / 2 + oy, (x0 + x1) / 2 + ox
    outside = (cy < 0) | (cy >= h) | (cx < 0) | (cx >= w)
    cost = np.where(overlap | outside | ~np.isfinite(cost), np.inf, cost)
    if not np.isfinite(cost).any():
        raise ParameterError(f"no source found for a heal region of radius {rad:.0f} px on a "
                             f"{w} x {h} image")
    picks = []
    supp = max(2, int(rad))
    for _ in range(sources):
        if not np.isfinite(cost).any():
            break
        by, bx = np.unravel_index(int(np.argmin(cost)), cost.shape)
        picks.append(region[by:by + templ.shape[0], bx:bx + templ.shape[1]])
        cost[max(0, by - supp):by + supp + 1, max(0, bx - supp):bx + supp + 1] = np.inf
    best = _poisson(templ, picks[0], hole)
    blended = best
    if len(picks) > 1 and texture > 0:
        # the mean of the k best sources is the lower-error fill, the best one alone keeps all
        # of its texture: add the least of the best one's fine detail that brings the hole's
        # gradient energy to ``texture`` times its surroundings'
        mean = _poisson(templ, np.mean(picks, axis=0).astype(np.float32), hole)
        want = texture * _grad_energy(templ, ring)
        core = cv2.erode(hole.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        core = core if core.any() else hole
        detail = best - mean
        if band > 0:
            detail = detail - cv2.GaussianBlur(detail, (0, 0), band)
        for lam in np.linspace(0, 1 if band <= 0 else 6, 61):
            blended = mean + np.float32(lam) * detail
            if _grad_energy(blended, core) >= want:
                break
    out = a.copy()
    # write back the part of the patch that lies inside the photo
    qy0, qx0 = max(py0, 0), max(px0, 0)
    qy1, qx1 = min(py1, h), min(px1, w)
    sub = blended[qy0 - py0:qy1 - py0, px0 * 0 + qx0 - px0:qx1 - px0]
    keep = hole[qy0 - py0:qy1 - py0, qx0 - px0:qx1 - px0]
    view = out[qy0:qy1, qx0:qx1]
    view[keep] = sub[keep]
    return out


def heal_criminisi2004(rgb: np.ndarray, mask: np.ndarray, *, search: float = 6.0,
                       patch: int | None = None) -> np.ndarray:
    """Exemplar-based inpainting (Criminisi, Pérez & Toyama 2004): fill the region where
    ``mask`` is true from its boundary inwards, a small patch at a time.

    At each step the front pixel of highest priority ``P = C D`` is filled: ``C`` the mean
    confidence of its patch (1 for known pixels, the confidence of the patch that filled a
    pixel for filled ones), ``D = |grad(I)-perp . n| + 0.001`` the strength of the isophote
    meeting the front (``n`` its normal; the image gradient is read on a Telea fill of the hole,
    an approximation of the paper's nearest known gradient), so linear structures are
    continued first. Its unknown pixels are copied from the source patch (wholly outside the
    region, within ``search`` region radii) that best matches its known and already filled
    pixels (sum of squared differences, OpenCV's masked ``matchTemplate``).

    Parameters
    ----------
    rgb
        ``H x W x 3`` float32, not modified.
    mask
        ``H x W`` boolean: the region to replace.
    search
        How far to look for sources, in multiples of the region's radius (at least 24 px).
    patch
        The patch side (odd), by default a third of the region's diameter, 7..13 pixels.

    Returns
    -------
    numpy.ndarray
        A new image; pixels outside ``mask`` are unchanged.
    """
    a = np.ascontiguousarray(rgb, np.float32)
    m = np.asarray(mask, bool)
    if m.shape != a.shape[:2]:
        raise ParameterError(f"heal mask {m.shape} does not fit the image {a.shape[:2]}")
    if not m.any():
        return a.copy()
    h, w = a.shape[:2]
    ys, xs = np.nonzero(m)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    rad = max(y1 - y0, x1 - x0) / 2
    if patch is None:
        patch = int(np.clip(round(2 * rad / 3), 7, 13)) | 1
    if patch < 3 or patch % 2 == 0:
        raise ParameterError(f"heal patch side must be odd and >= 3, got {patch}")
    half = patch // 2
    reach = max(24, int(np.ceil(search * rad))) + half
    # the working window: the region, its search reach, clipped to the photo
    wy0, wy1 = max(0, y0 - reach), min(h, y1 + reach)
    wx0, wx1 = max(0, x0 - reach), min(w, x1 + reach)
    pad = half
    win = cv2.copyMakeBorder(a[wy0:wy1, wx0:wx1], pad, pad, pad, pad, cv2.BORDER_REFLECT)
    hole = np.pad(m[wy0:wy1, wx0:wx1], pad, constant_values=False)
    inside = np.pad(np.ones((wy1 - wy0, wx1 - wx0), bool), pad, constant_values=False)
    # sources: patches with no hole pixel and not off the photo
    bad = (hole | ~inside).astype(np.uint8)
    src_ok = cv2.dilate(bad, np.ones((patch, patch), np.uint8)) == 0
    src_ok = src_ok[half:src_ok.shape[0] - half, half:src_ok.shape[1] - half]
    if not src_ok.any():
        raise ParameterError(f"no source found for a heal region of radius {rad:.0f} px on a "
                             f"{w} x {h} image")
    grey = win @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    g8 = np.clip(grey / max(float(grey.max()), 1e-6) * 255, 0, 255).astype(np.uint8)
    guide = cv2.inpaint(g8, hole.astype(np.uint8), 3, cv2.INPAINT_TELEA).astype(np.float32)
    gx = cv2.Sobel(guide, cv2.CV_32F, 1, 0, ksize=3) / (8 * 255)
    gy = cv2.Sobel(guide, cv2.CV_32F, 0, 1, ksize=3) / (8 * 255)
    conf = (~hole).astype(np.float32)
    todo = hole.copy()
    out = win.copy()
    box = np.ones((patch, patch), np.float32) / (patch * patch)
    cost_inf = np.float32(np.inf)
    while todo.any():
        known = ~todo
        front = todo & (cv2.dilate(known.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
        cterm = cv2.filter2D(conf * known, -1, box, borderType=cv2.BORDER_CONSTANT)
        sm = cv2.GaussianBlur(known.astype(np.float32), (0, 0), 1.0)
        nx, ny = cv2.Sobel(sm, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(sm, cv2.CV_32F, 0, 1, ksize=3)
        nn = np.hypot(nx, ny) + 1e-6
        dterm = np.abs(-gy * nx + gx * ny) / nn + 1e-3
        pr = np.where(front, cterm * dterm, -1.0)
        py, px = np.unravel_index(int(np.argmax(pr)), pr.shape)
        py = int(np.clip(py, half, out.shape[0] - half - 1))
        px = int(np.clip(px, half, out.shape[1] - half - 1))
        sl = (slice(py - half, py + half + 1), slice(px - half, px + half + 1))
        tk = (~todo[sl] & inside[sl]).astype(np.float32)
        if tk.sum() == 0:
            tk = inside[sl].astype(np.float32)
        cost = cv2.matchTemplate(win, np.ascontiguousarray(out[sl]), cv2.TM_SQDIFF,
                                 mask=np.repeat(tk[..., None], 3, axis=2))
        cost = np.where(src_ok & np.isfinite(cost), cost, cost_inf)
        by, bx = np.unravel_index(int(np.argmin(cost)), cost.shape)
        if not np.isfinite(cost[by, bx]):
            raise ParameterError(f"no source found for a heal region of radius {rad:.0f} px "
                                 f"on a {w} x {h} image")
        fill = todo[sl]
        src = win[by:by + patch, bx:bx + patch]
        out[sl][fill] = src[fill]
        conf[sl][fill] = cterm[py, px]
        todo[sl] = todo[sl] & ~fill
    res = a.copy()
    core = out[pad:out.shape[0] - pad, pad:out.shape[1] - pad]
    view = res[wy0:wy1, wx0:wx1]
    mm = m[wy0:wy1, wx0:wx1]
    view[mm] = core[mm]
    return res


HEAL_METHODS = {"poisson-patch": heal_poisson_patch, "criminisi2004": heal_criminisi2004}
"""Heal methods: ``poisson-patch`` (the default: the best patches' mean with the best one's
finest detail, Poisson-blended) and ``criminisi2004`` (exemplar-based, boundary inwards, small
patches)."""


def heal_region(rgb: np.ndarray, mask: np.ndarray, *, method: str = "poisson-patch",
                search: float = 6.0) -> np.ndarray:
    """Fill the pixels where ``mask`` is true with texture from elsewhere in the photo, by
    ``method`` (:data:`HEAL_METHODS`); pixels outside ``mask`` are unchanged."""
    if method not in HEAL_METHODS:
        raise ParameterError(f"unknown heal method {method!r}; known: {', '.join(HEAL_METHODS)}")
    return HEAL_METHODS[method](rgb, mask, search=search)


def heal_spot(rgb: np.ndarray, x: float, y: float, radius: float, *,
              method: str = "poisson-patch") -> np.ndarray:
    """Heal a round spot of ``radius`` pixels at ``(x, y)`` (:func:`heal_region`)."""
    h, w = rgb.shape[:2]
    if not (0 <= x < w and 0 <= y < h):
        raise ParameterError(f"heal point ({x:g}, {y:g}) lies outside the {w} x {h} image")
    if radius <= 0:
        raise ParameterError(f"heal radius must be > 0 pixels, got {radius:g}")
    return heal_region(rgb, disk_mask(rgb.shape, x, y, radius), method=method)
