"""Flatten the page: perspective correction to the page's true aspect ratio.

The aspect ratio of the rectangle behind a quad follows from the quad and the camera's focal
length (Zhang and He 2007, section 4): with the principal point at the photo's centre, the focal
length is estimated from the quad itself, or taken from the EXIF 35 mm-equivalent focal length
when the file has one, and the ratio is the ratio of the back-projected side vectors. A nearly
frontal quad (the estimate degenerates) falls back to the ratio of the mean side lengths. A ratio
within 3 % of a standard paper (ISO 216 A-series sqrt(2), US Letter 11/8.5) snaps to it.

The page is then resampled by the homography (OpenCV's ``warpPerspective``, bilinear) at the
scale of the quad's longest side, so no detail is thrown away.

References
----------
Zhang, Z., He, L.-W. (2007). Whiteboard scanning and image enhancement. Digital Signal Processing
17(2), 414-432.
Hartley, R., Zisserman, A. (2004). Multiple View Geometry in Computer Vision, 2nd ed., 4.1 (the
direct linear transform of a homography).
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["PAPER_RATIOS", "page_aspect", "rectify", "homography"]

PAPER_RATIOS = {"A4": 2 ** 0.5, "Letter": 11 / 8.5}
"""Height / width of the standard papers a measured ratio snaps to."""


def page_aspect(corners: np.ndarray, size: tuple[int, int], *, focal_px: float | None = None,
                snap: float = 0.03) -> tuple[float, str | None]:
    """Height / width of the rectangle imaged as ``corners``.

    Parameters
    ----------
    corners
        4 x 2 (x, y), clockwise from the page's top-left.
    size
        ``(height, width)`` of the photo (the principal point is its centre).
    focal_px
        Focal length in pixels if known (from EXIF); else estimated from the quad.
    snap
        Relative tolerance for snapping to :data:`PAPER_RATIOS`.

    Returns
    -------
    ratio : float
        Height / width.
    paper : str or None
        The standard paper it snapped to.
    """
    q = np.asarray(corners, np.float64)
    tl, tr, br, bl = q
    w_mean = 0.5 * (np.hypot(*(tr - tl)) + np.hypot(*(br - bl)))
    h_mean = 0.5 * (np.hypot(*(bl - tl)) + np.hypot(*(br - tr)))
    ratio = h_mean / max(w_mean, 1e-9)
    u0, v0 = size[1] / 2.0, size[0] / 2.0
    m1, m2, m3, m4 = (np.array([p[0], p[1], 1.0]) for p in (tl, tr, bl, br))
    den2 = np.dot(np.cross(m2, m4), m3)
    den3 = np.dot(np.cross(m3, m4), m2)
    if abs(den2) > 1e-9 and abs(den3) > 1e-9:
        k2 = np.dot(np.cross(m1, m4), m3) / den2
        k3 = np.dot(np.cross(m1, m4), m2) / den3
        n2 = k2 * m2 - m1
        n3 = k3 * m3 - m1
        f2 = focal_px ** 2 if focal_px else None
        if f2 is None and abs(n2[2] * n3[2]) > 1e-12:
            f2 = -((n2[0] * n3[0] - (n2[0] * n3[2] + n2[2] * n3[0]) * u0 + n2[2] * n3[2] * u0 ** 2)
                   + (n2[1] * n3[1] - (n2[1] * n3[2] + n2[2] * n3[1]) * v0 + n2[2] * n3[2] * v0 ** 2)
                   ) / (n2[2] * n3[2])
        diag = np.hypot(*size)
        # a plausible phone focal length: 0.4 to 3 times the diagonal
        if f2 is not None and (0.4 * diag) ** 2 < f2 < (3.0 * diag) ** 2:
            A = np.array([[np.sqrt(f2), 0, u0], [0, np.sqrt(f2), v0], [0, 0, 1.0]])
            Ai = np.linalg.inv(A)
            a2, a3 = Ai @ n2, Ai @ n3
            r = np.sqrt(np.dot(a3, a3) / np.dot(a2, a2))
            if 0.2 < r < 5:
                ratio = float(r)
    for name, pr in PAPER_RATIOS.items():
        for cand in (pr, 1 / pr):
            if abs(ratio / cand - 1) < snap:
                return float(cand), name
    return float(ratio), None


def homography(corners: np.ndarray, width: int, height: int) -> np.ndarray:
    """The 3 x 3 map from the photo to a ``width`` x ``height`` page."""
    dst = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    return cv2.getPerspectiveTransform(np.asarray(corners, np.float32), dst)


def rectify(image: np.ndarray, corners: np.ndarray, *, focal_px: float | None = None,
            max_side: int | None = None) -> tuple[np.ndarray, str | None]:
    """The page, resampled to a rectangle of its true aspect ratio.

    Parameters
    ----------
    image
        The photo (uint8 or float32, ``H x W x C``).
    corners
        4 x 2 (x, y), clockwise from the page's top-left.
    focal_px
        As in :func:`page_aspect`.
    max_side
        Cap on the output's long side (default: the quad's longest side).

    Returns
    -------
    page : numpy.ndarray
        The flattened page, same dtype and channels as ``image``.
    paper : str or None
        The standard paper the aspect ratio snapped to.
    """
    q = np.asarray(corners, np.float64)
    ratio, paper = page_aspect(q, image.shape[:2], focal_px=focal_px)
    sides = [np.hypot(*(q[(i + 1) % 4] - q[i])) for i in range(4)]
    longest = max(sides)
    if ratio >= 1:
        h = longest
        w = h / ratio
    else:
        w = longest
        h = w * ratio
    if max_side and max(h, w) > max_side:
        s = max_side / max(h, w)
        h, w = h * s, w * s
    w, h = max(8, round(w)), max(8, round(h))
    H = homography(q, w, h)
    page = cv2.warpPerspective(image, H, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return page, paper
