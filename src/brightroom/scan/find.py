"""Find the page: the four corners of a document in a photo.

Classical, in two steps:

1. **Candidates** on a small copy (long side 640 px): the paper is bright and nearly colourless,
   so a "paperness" map (lightness minus chroma) is split at several levels (Otsu's, fixed
   offsets around it and brighter ones, for a page on a light background) and its large
   components become polygons; the external contours of a
   Canny edge map (Canny 1986) give more. Each convex polygon is reduced to four corners
   (Douglas-Peucker with a growing tolerance, else the minimum-area rectangle) and scored by the
   gradient support along its sides (the fraction of side samples on a strong edge of the right
   direction) times the contrast across them and a mild preference for larger pages.
2. **Refinement** at full resolution: along each side of the best quad, the strongest step edge
   of the right polarity is searched perpendicular to it, a line is fitted to those points with
   iterative trimming (so a finger or another sheet over a side does not pull it), and adjacent
   lines are intersected.

The quad is returned in the photo's pixel coordinates (x, y), ordered clockwise from the
corner nearest the top-left of the photo; :mod:`brightroom.scan.orient` reorders it once the
page's reading orientation is known.

References
----------
Canny, J. (1986). A computational approach to edge detection. IEEE TPAMI 8(6), 679-698.
Douglas, D. H., Peucker, T. K. (1973). Algorithms for the reduction of the number of points
required to represent a digitized line or its caricature. Cartographica 10(2), 112-122.
Otsu, N. (1979). A threshold selection method from gray-level histograms. IEEE TSMC 9(1), 62-66.
Zhang, Z., He, L.-W. (2007). Whiteboard scanning and image enhancement. Digital Signal Processing
17(2), 414-432 (quad detection by edge support, section 3).
"""

from __future__ import annotations

import cv2
import numpy as np

from brightroom.errors import BrightroomError

__all__ = ["PageNotFoundError", "find_page", "order_corners", "refine_corners"]

_SMALL = 640


class PageNotFoundError(BrightroomError):
    """No page (a bright four-sided region with edges) was found in the photo."""


def order_corners(q: np.ndarray) -> np.ndarray:
    """The 4 x 2 quad ordered clockwise (in image coordinates) starting at the corner nearest
    the photo's top-left."""
    q = np.asarray(q, np.float64).reshape(4, 2)
    c = q.mean(axis=0)
    ang = np.arctan2(q[:, 1] - c[1], q[:, 0] - c[0])
    q = q[np.argsort(ang)]  # clockwise on screen (y down)
    start = int(np.argmin(q.sum(axis=1)))
    return np.roll(q, -start, axis=0)


def _to_quad(poly: np.ndarray) -> np.ndarray | None:
    hull = cv2.convexHull(poly.astype(np.float32))
    peri = cv2.arcLength(hull, True)
    for eps in (0.01, 0.02, 0.03, 0.05, 0.08):
        ap = cv2.approxPolyDP(hull, eps * peri, True)
        if len(ap) == 4:
            return ap.reshape(4, 2).astype(np.float64)
        if len(ap) < 4:
            break
    if len(hull) >= 4:
        return _quad_from_hull(hull.reshape(-1, 2).astype(np.float64))
    return None


def _quad_from_hull(h: np.ndarray) -> np.ndarray:
    """Four corners from a convex hull that Douglas-Peucker does not reduce to four: its
    minimum-area rectangle (refinement then moves the sides onto the real edges)."""
    r = cv2.minAreaRect(h.astype(np.float32))
    return cv2.boxPoints(r).astype(np.float64)


def _paperness(small: np.ndarray) -> np.ndarray:
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
    chroma = np.hypot(lab[..., 1] - 128, lab[..., 2] - 128)
    return lab[..., 0] - 1.5 * chroma


def _candidates(small: np.ndarray) -> list[np.ndarray]:
    h, w = small.shape[:2]
    area = h * w
    paper = _paperness(small)
    paper = cv2.GaussianBlur(paper, (5, 5), 0)
    p8 = np.clip(paper, 0, 255).astype(np.uint8)
    otsu, _ = cv2.threshold(p8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    polys: list[np.ndarray] = []
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
    # Otsu's level and around it, and brighter ones for a page on a light background
    for t in [otsu + d for d in (-30, -15, 0, 15, 30, 50, 75, 100) if otsu + d < 245]:
        m = (p8 > t).astype(np.uint8)
        m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, k)
        m = cv2.morphologyEx(m, cv2.MORPH_OPEN, k)
        n, lab, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=4)
        for i in range(1, n):
            if stats[i, cv2.CC_STAT_AREA] < 0.04 * area:
                continue
            comp = (lab == i).astype(np.uint8)
            cs, _ = cv2.findContours(comp, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            if cs:
                polys.append(max(cs, key=cv2.contourArea))
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(cv2.GaussianBlur(gray, (5, 5), 0), 40, 120)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    cs, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    polys += [c for c in cs if cv2.contourArea(cv2.convexHull(c)) > 0.04 * area]
    quads = []
    for p in polys:
        q = _to_quad(p)
        if q is not None and cv2.isContourConvex(q.astype(np.float32).reshape(-1, 1, 2)):
            quads.append(order_corners(q))
    return quads


def _side_samples(a: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    t = (np.arange(n) + 0.5) / n
    pts = a[None] + t[:, None] * (b - a)[None]
    d = b - a
    normal = np.array([d[1], -d[0]]) / (np.hypot(*d) + 1e-9)  # points out of a clockwise quad
    return pts, normal


def _score(quad: np.ndarray, lum: np.ndarray) -> float:
    h, w = lum.shape
    area = cv2.contourArea(quad.astype(np.float32))
    if area < 0.04 * h * w:
        return -1.0
    # angles not too far from a projected rectangle
    sides = [quad[(i + 1) % 4] - quad[i] for i in range(4)]
    lens = [np.hypot(*s) for s in sides]
    if min(lens) < 0.1 * max(lens):
        return -1.0
    support, contrast = [], []
    for i in range(4):
        pts, nrm = _side_samples(quad[i], quad[(i + 1) % 4], 40)
        inside = pts - 4 * nrm
        outside = pts + 4 * nrm
        ok = ((inside[:, 0] >= 0) & (inside[:, 0] < w) & (inside[:, 1] >= 0) & (inside[:, 1] < h)
              & (outside[:, 0] >= 0) & (outside[:, 0] < w) & (outside[:, 1] >= 0) & (outside[:, 1] < h))
        if ok.sum() < 5:
            support.append(0.0)
            contrast.append(0.0)
            continue
        li = cv2.remap(lum, inside[ok, 0].astype(np.float32)[None], inside[ok, 1].astype(np.float32)[None],
                       cv2.INTER_LINEAR)[0]
        lo = cv2.remap(lum, outside[ok, 0].astype(np.float32)[None], outside[ok, 1].astype(np.float32)[None],
                       cv2.INTER_LINEAR)[0]
        step = li - lo
        support.append(float(np.mean(step > 12.0)) * ok.mean())
        contrast.append(float(np.median(np.abs(step))))
    s = float(np.mean(support)) * min(1.0, float(np.mean(contrast)) / 40.0)
    return s * (0.6 + 0.4 * np.sqrt(area / (h * w)))


def refine_corners(lum: np.ndarray, quad: np.ndarray, *, search: float = 12.0) -> np.ndarray:
    """Move each side of ``quad`` onto the strongest bright-inside step edge near it and
    intersect the fitted lines.

    Parameters
    ----------
    lum
        float32 luminance plane (any scale) of the photo.
    quad
        4 x 2 corners (x, y) in ``lum``'s pixels, clockwise.
    search
        How far (pixels) across each side to look.

    Returns
    -------
    numpy.ndarray
        The refined 4 x 2 corners.
    """
    h, w = lum.shape
    gx = cv2.Sobel(lum, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(lum, cv2.CV_32F, 0, 1, ksize=3)
    lines = []
    offs = np.arange(-search, search + 0.5, 1.0)
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        n = int(np.clip(np.hypot(*(b - a)) / 4, 20, 400))
        pts, nrm = _side_samples(a + 0.05 * (b - a), b - 0.05 * (b - a), n)
        grid = pts[:, None, :] + offs[None, :, None] * nrm[None, None, :]
        mx = grid[..., 0].astype(np.float32)
        my = grid[..., 1].astype(np.float32)
        g = (-(cv2.remap(gx, mx, my, cv2.INTER_LINEAR) * nrm[0]
               + cv2.remap(gy, mx, my, cv2.INTER_LINEAR) * nrm[1]))  # bright inside -> positive
        inb = (mx >= 1) & (mx < w - 1) & (my >= 1) & (my < h - 1)
        g = np.where(inb, g, 0)
        j = np.argmax(g, axis=1)
        best = g[np.arange(len(j)), j]
        # sub-pixel peak
        jl, jr = np.clip(j - 1, 0, len(offs) - 1), np.clip(j + 1, 0, len(offs) - 1)
        gl, gr = g[np.arange(len(j)), jl], g[np.arange(len(j)), jr]
        den = gl - 2 * best + gr
        sub = np.where(np.abs(den) > 1e-6, 0.5 * (gl - gr) / np.where(np.abs(den) > 1e-6, den, 1), 0)
        sub = np.clip(sub, -0.5, 0.5)
        p = pts + (offs[j] + sub)[:, None] * nrm[None]
        keep = best > max(0.3 * np.percentile(best, 75), 1e-3)
        p = p[keep]
        if len(p) < 6:
            lines.append(None)
            continue
        for _ in range(4):  # fit, drop the worst quarter, refit
            c = p.mean(axis=0)
            _, vec = np.linalg.eigh(np.cov((p - c).T))
            d = vec[:, 1]  # the principal direction
            nn = np.array([-d[1], d[0]])
            r = np.abs((p - c) @ nn)
            if len(p) < 12:
                break
            p = p[r <= max(np.percentile(r, 75), 0.75)]
        lines.append((c, d))
    out = quad.copy()
    for i in range(4):
        l1, l2 = lines[(i - 1) % 4], lines[i]
        if l1 is None or l2 is None:
            continue
        (c1, d1), (c2, d2) = l1, l2
        A = np.array([d1, -d2]).T
        if abs(np.linalg.det(A)) < 1e-6:
            continue
        t = np.linalg.solve(A, c2 - c1)
        x = c1 + t[0] * d1
        if np.hypot(*(x - quad[i])) < 3 * search:
            out[i] = x
    return out


def find_page(image: np.ndarray) -> tuple[np.ndarray, float]:
    """Detect the page in a photo.

    Parameters
    ----------
    image
        The photo, ``H x W x 3`` (uint8, or float in [0, 1]) in display RGB.

    Returns
    -------
    corners : numpy.ndarray
        4 x 2 float (x, y) in the photo's pixels, clockwise from the corner nearest the photo's
        top-left.
    score : float
        The quad's edge score in [0, 1] (about 0.3 and more for a clear page).

    Raises
    ------
    PageNotFoundError
        No convex four-sided bright region with edges along its sides.
    """
    if image.dtype != np.uint8:
        image = (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)
    H, W = image.shape[:2]
    # a 2000 px copy for the refinement, and the 640 px one for the candidates made from it
    f2 = min(1.0, 2000 / max(H, W))
    mid = cv2.resize(image, (round(W * f2), round(H * f2)), interpolation=cv2.INTER_AREA) if f2 < 1 else image
    f = _SMALL / max(H, W)
    small = cv2.resize(mid, (max(1, round(W * f)), max(1, round(H * f))), interpolation=cv2.INTER_AREA)
    lum = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32)
    best, best_s = None, 0.0
    for q in _candidates(small):
        s = _score(q, lum)
        if s > best_s:
            best, best_s = q, s
    if best is None or best_s < 0.15:
        raise PageNotFoundError(f"no page found (best edge score {best_s:.2f}, need 0.15); "
                                "give the corners (corners=/--corners x1,y1,...)")
    q = refine_corners(lum, best, search=4.0)
    # then on the 2000 px copy (fast, and still sub-pixel at 12 MP)
    lum2 = cv2.GaussianBlur(cv2.cvtColor(mid, cv2.COLOR_RGB2GRAY).astype(np.float32), (3, 3), 0)
    q2 = refine_corners(lum2, q * (f2 / f), search=max(4.0, 3 * f2 / f))
    return order_corners(q2 / f2), best_s
