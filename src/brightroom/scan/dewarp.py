"""Dewarp a curved page (a book spread, a folded receipt) from its text lines.

After perspective correction a curled page still has bowed text lines. Following the idea of
Zucker's page_dewarp (2016), which fits a smooth "cubic sheet" to the text lines' centres, the
bow is modelled from the lines themselves; here in its linear, 2-D form: the vertical
displacement of the page is a polynomial field ``d(x, y) = sum c_ij x^i y^j`` (cubic in x,
quadratic in y, no x-free terms), and every text line k is the curve ``y = y_k + d(x, y_k)``. The
line positions ``y_k`` and the coefficients ``c_ij`` are one linear least-squares problem over the
centre points of all lines (found as horizontally smeared ink blobs, Sauvola-binarised), fitted
twice with the worst points trimmed. The page is then resampled with ``y_src = y + d(x, y)``.
Horizontal foreshortening of the curl (page_dewarp's full 3-D sheet and its camera model) is
not modelled.

A page whose fitted bow is small (under one text line's height: the fit's noise on a flat page
is about half of one) is left as it is.

References
----------
Zucker, M. (2016). Page dewarping. https://mzucker.github.io/2016/08/15/page-dewarping.html
(the cubic-sheet model fitted to text-line centres; source: github.com/mzucker/page_dewarp, MIT).
Sauvola, J., Pietikainen, M. (2000). Adaptive document image binarization. Pattern Recognition
33(2), 225-236.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from brightroom.scan.clean import sauvola

__all__ = ["DewarpFit", "fit_dewarp", "dewarp"]

_POWERS = [(i, j) for i in (1, 2, 3) for j in (0, 1, 2)]


@dataclass(frozen=True)
class DewarpFit:
    """The fitted displacement field (coefficients over normalised x, y in [0, 1]), the number of
    text lines it rests on, the largest bow (pixels), the mean ink height of a line and the
    normalised x range of the text."""

    coef: np.ndarray
    lines: int
    bow: float
    line_height: float
    span: tuple[float, float] = (0.0, 1.0)

    def displacement(self, x: np.ndarray, y: np.ndarray, width: int, height: int) -> np.ndarray:
        """``d(x, y)`` in pixels at page pixels ``x``, ``y`` (held constant left and right of the
        text, where the polynomial has no data)."""
        u, v = np.clip(x / width, *self.span), y / height
        return height * sum(c * u ** i * v ** j for c, (i, j) in zip(self.coef, _POWERS))


def _line_points(gray: np.ndarray) -> tuple[list[np.ndarray], float]:
    h, w = gray.shape
    ink = ~sauvola(gray, window=max(15, (min(h, w) // 40) | 1)) & (gray < 0.75)
    ink = ink.astype(np.uint8)
    # smear the ink along rows by a few letters' width (words merge into lines, lines stay apart)
    kx = max(9, w // 60)
    blobs = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (kx, 1)))
    blobs = cv2.morphologyEx(blobs, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (kx // 2, 1)))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    lines, heights = [], []
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        if bw < 0.25 * w or bh > 0.15 * h or bh < 3:
            continue
        sub = lab[y:y + bh, x:x + bw] == i
        cols = np.flatnonzero(sub.any(axis=0))
        step = max(1, len(cols) // 40)
        pts = []
        for c in cols[::step]:
            ys = np.flatnonzero(sub[:, c])
            pts.append((x + c, y + 0.5 * (ys[0] + ys[-1])))
        lines.append(np.array(pts, np.float64))
        heights.append(area / bw)
    return lines, float(np.median(heights)) if heights else 0.0


def fit_dewarp(page: np.ndarray) -> DewarpFit | None:
    """Fit the displacement field to a flattened, upright page (uint8 RGB or gray).

    Returns
    -------
    DewarpFit or None
        None when fewer than four text lines are found.
    """
    g = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    H, W = g.shape
    f = min(1.0, 1000 / max(H, W))
    small = cv2.resize(g, (max(1, round(W * f)), max(1, round(H * f))), interpolation=cv2.INTER_AREA)
    small = small.astype(np.float32) / 255
    lines, lh = _line_points(small)
    if len(lines) < 4:
        return None
    h, w = small.shape
    keep = [np.ones(len(p), bool) for p in lines]
    coef = np.zeros(len(_POWERS))
    for _ in range(2):
        rows, rhs = [], []
        for k, (p, m) in enumerate(zip(lines, keep)):
            p = p[m]
            u, v0 = p[:, 0] / w, np.full(len(p), np.median(p[:, 1]) / h)
            a = np.zeros((len(p), len(_POWERS) + len(lines)))
            for c, (i, j) in enumerate(_POWERS):
                a[:, c] = u ** i * v0 ** j
            a[:, len(_POWERS) + k] = 1.0
            rows.append(a)
            rhs.append(p[:, 1] / h)
        A, b = np.vstack(rows), np.concatenate(rhs)
        sol, *_ = np.linalg.lstsq(A, b, rcond=None)
        coef = sol[:len(_POWERS)]
        res = np.abs(A @ sol - b) * h
        lim = max(np.percentile(res, 90), 1.0)
        off = 0
        for k, p in enumerate(lines):
            keep[k] = res[off:off + len(p)] <= lim
            off += len(p)
    allx = np.concatenate([p[:, 0] for p in lines]) / w
    span = (float(np.percentile(allx, 1)), float(np.percentile(allx, 99)))
    fit = DewarpFit(coef, len(lines), 0.0, lh / f, span)
    xx, yy = np.meshgrid(np.linspace(span[0] * W, span[1] * W, 17), np.linspace(0, H, 9))
    d = fit.displacement(xx, yy, W, H)
    chord = d[:, :1] + (d[:, -1:] - d[:, :1]) * np.linspace(0, 1, 17)[None]
    bow = float(np.abs(d - chord).max())  # along a line, from its chord: the bow, not a tilt
    return DewarpFit(coef, len(lines), bow, lh / f, span)


def dewarp(page: np.ndarray, fit: DewarpFit | None = None, *,
           min_bow: float = 1.0) -> tuple[np.ndarray, DewarpFit | None]:
    """Straighten the text lines of a flattened page.

    Parameters
    ----------
    page
        uint8 ``H x W x 3`` or ``H x W``, upright.
    fit
        A fit from :func:`fit_dewarp` (default: fitted here).
    min_bow
        Leave the page as it is when the bow is under this many line heights.

    Returns
    -------
    page : numpy.ndarray
        The dewarped page (the input itself when nothing was done).
    fit : DewarpFit or None
        The fit used (None when no text lines were found).
    """
    fit = fit_dewarp(page) if fit is None else fit
    if fit is None or fit.bow < min_bow * fit.line_height:
        return page, fit
    H, W = page.shape[:2]
    # the field on a coarse grid, resized (it is smooth), then one remap
    gx, gy = np.meshgrid(np.linspace(0, W, 65), np.linspace(0, H, 65))
    d = fit.displacement(gx, gy, W, H).astype(np.float32)
    d = cv2.resize(d, (W, H), interpolation=cv2.INTER_CUBIC)
    mx = np.broadcast_to(np.arange(W, dtype=np.float32)[None, :], (H, W))
    my = np.arange(H, dtype=np.float32)[:, None] + d
    out = cv2.remap(page, np.ascontiguousarray(mx), my.astype(np.float32), cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REPLICATE)
    return out, fit
