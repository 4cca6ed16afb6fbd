"""The X-Rite ColorChecker Classic (24 patches): measured spectra, reference values and geometry.

Patch spectra are Ohta's measurements as shipped by colour-science
(``SDS_COLOURCHECKERS["ColorChecker N Ohta"]``); the chart's reference CIE L*a*b* (D50) are
X-Rite's post-November-2014 values (``CCS_COLOURCHECKERS["ColorChecker24 - After November
2014"]``). Patches are rendered as labelled pixels so that any camera and illuminant sees the
measured spectra, not an RGB approximation.

Geometry
--------
The chart is a 6 x 4 grid of cells one *patch pitch* wide. In grid units, ``u`` runs 0..6 along
the top row from "dark skin" to "bluish green" and ``v`` 0..4 down to the neutral row; patch
``k`` (0-based, row-major) is centred at ``(k % 6 + 0.5, k // 6 + 0.5)`` and its printed square
covers about 84 % of its cell (:data:`COLORCHECKER_PATCH_FRACTION`). A chart found in a photo
is a homography from grid units to pixels (:func:`colorchecker_grid_homography`: from the
grid's four outer corners, from detected patch quadrilaterals, or from three patch centres);
:func:`colorchecker_patch_boxes` turns it into one axis-aligned sample box per patch, the
largest square centred on the patch inside its central region, whatever the chart's rotation
or perspective. Every user (the detector, the lab's photo measurement and the calibration)
places patches through these two functions.

References
----------
McCamy, C. S., Marcus, H., Davidson, J. G. (1976). A color-rendition chart. Journal of Applied
Photographic Engineering 2(3), 95-99.
Ohta, N. (1997). The Basis of Color Reproduction Engineering (spectral data as distributed
with colour-science).
X-Rite (2014). New color specifications for ColorChecker SG and Classic charts.
Hartley, R., Zisserman, A. (2004). Multiple View Geometry in Computer Vision, 2nd ed.,
section 4.1 (the homography from point correspondences).
"""

from __future__ import annotations

import math
import warnings
from functools import cache
from typing import Any

import cv2
import numpy as np

from brightroom.charts.scene import Scene, _align, _colour, scene_truth_rgb, spectra_xyz
from brightroom.errors import ChartNotFoundError, ParameterError

__all__ = ["colorchecker", "colorchecker_spectra", "colorchecker_reference_lab",
           "COLORCHECKER_NAMES", "COLORCHECKER_NEUTRALS", "COLORCHECKER_WB_NEUTRALS",
           "COLORCHECKER_MID_GREYS", "COLORCHECKER_GREY18", "COLORCHECKER_PATCH_FRACTION",
           "COLORCHECKER_SAMPLE_FRACTION", "COLORCHECKER_GRID_CORNERS",
           "colorchecker_grid_centres", "colorchecker_grid_homography",
           "colorchecker_grid_to_image", "colorchecker_patch_boxes"]

COLORCHECKER_NAMES: tuple[str, ...] = (
    "dark skin", "light skin", "blue sky", "foliage", "blue flower", "bluish green",
    "orange", "purplish blue", "moderate red", "purple", "yellow green", "orange yellow",
    "blue", "green", "red", "yellow", "magenta", "cyan",
    "white 9.5 (.05 D)", "neutral 8 (.23 D)", "neutral 6.5 (.44 D)", "neutral 5 (.70 D)",
    "neutral 3.5 (1.05 D)", "black 2 (1.5 D)",
)
"""Patch names, row-major from "dark skin" (X-Rite)."""

COLORCHECKER_NEUTRALS: tuple[int, ...] = (18, 19, 20, 21, 22, 23)
"""The neutral row, white 9.5 to black 2 (0-based indices, bright to dark)."""
COLORCHECKER_WB_NEUTRALS: tuple[int, ...] = (19, 20, 21, 22)
"""Neutral 8 to neutral 3.5: the greys to white-balance on (white may clip, black is noisy)."""
COLORCHECKER_MID_GREYS: tuple[int, int] = (20, 21)
"""Neutral 6.5 and neutral 5: the middle greys an exposure is normalised on."""
COLORCHECKER_GREY18 = 21
"""Neutral 5 (.70 D), the chart's 18 % grey (ISO 12232 exposure reference)."""

COLORCHECKER_PATCH_FRACTION = 0.84
"""Printed patch side over the patch pitch (measured on a real chart: 90 px patches at a 107 px
pitch)."""
COLORCHECKER_SAMPLE_FRACTION = 0.5
"""Side of a sample box as a fraction of the printed patch side: its central half, clear of
edge blur, sharpening halos and placement error."""
COLORCHECKER_GRID_CORNERS: tuple[tuple[float, float], ...] = ((0.0, 0.0), (6.0, 0.0), (6.0, 4.0),
                                                                (0.0, 4.0))
"""Outer corners of the patch grid in grid units: at "dark skin", "bluish green", "black",
"white" (clockwise as printed)."""


@cache
def colorchecker_spectra() -> np.ndarray:
    """The 24 patch reflectances (Ohta), ``(24, 81)`` on 380-780 nm every 5 nm, row-major."""
    colour = _colour()
    sds = colour.SDS_COLOURCHECKERS["ColorChecker N Ohta"]
    keys = list(sds)
    if len(keys) != 24:
        raise ParameterError(f"expected 24 ColorChecker spectra, colour-science has {len(keys)}")
    a = np.stack([_align(sds[k]) for k in keys])
    a.setflags(write=False)
    return a


@cache
def colorchecker_reference_lab() -> np.ndarray:
    """X-Rite's reference CIE L*a*b* (D50, 2 degree) of the 24 patches (after Nov. 2014)."""
    colour = _colour()
    cc = colour.CCS_COLOURCHECKERS["ColorChecker24 - After November 2014"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xyy = np.array(list(cc.data.values()), dtype=np.float64)
        xyz = colour.xyY_to_XYZ(xyy)
        lab = colour.XYZ_to_Lab(xyz, cc.illuminant)
    lab.setflags(write=False)
    return lab


_EDGE_TOLERANCE = 1e-6  # pixels


def colorchecker_grid_centres() -> np.ndarray:
    """``(24, 2)`` patch centres ``(u, v)`` in grid units (see the module notes), row-major."""
    k = np.arange(24)
    return np.stack([k % 6 + 0.5, k // 6 + 0.5], axis=1).astype(np.float64)


def colorchecker_grid_homography(*, corners: Any = None, quads: Any = None,
                                 centres: Any = None) -> np.ndarray:
    """3 x 3 homography from ColorChecker grid units to image pixels ``(x, y)``.

    Parameters
    ----------
    corners
        ``4 x 2`` ``(x, y)``: the outer corners of the patch grid, starting at the corner of
        "dark skin", then clockwise (as seen in the image): "bluish green", "black", "white".
        Exact perspective map of the four points.
    quads
        ``24 x 4 x 2`` detected patch quadrilaterals ``(x, y)`` (chart order); the homography
        is the least-squares fit to their centres.
    centres
        ``3 x 2`` ``(x, y)`` centres of "dark skin", "bluish green" and "white" (patches 1, 6,
        19): an affine map (no perspective).

    Returns
    -------
    numpy.ndarray
        float64 ``3 x 3``, ``[x, y, 1] ~ H [u, v, 1]``.

    Raises
    ------
    ParameterError
        Not exactly one placement given, a wrong shape, non-finite values, corners enclosing
        less than 24 patches of 4 x 4 pixels, or collinear centres.
    ChartNotFoundError
        The quadrilaterals do not fit a plane.

    References
    ----------
    Hartley, R., Zisserman, A. (2004). Multiple View Geometry in Computer Vision, 2nd ed.,
    section 4.1.
    """
    if sum(v is not None for v in (corners, quads, centres)) != 1:
        raise ParameterError("pass exactly one of corners, quads or centres")
    if corners is not None:
        c = np.asarray(corners, dtype=np.float64)
        if c.shape != (4, 2) or not np.all(np.isfinite(c)):
            raise ParameterError(f"corners must be 4 (x, y) points, got shape {c.shape}")
        src = np.array(COLORCHECKER_GRID_CORNERS, dtype=np.float32)
        d1, d2 = c[2] - c[0], c[3] - c[1]
        area = 0.5 * abs(float(d1[0] * d2[1] - d1[1] * d2[0]))
        if area < 24 * 16:
            raise ParameterError(f"corners {c.tolist()} enclose {area:.0f} px^2; need a chart "
                                 f"of at least 24 patches of 4 x 4 px")
        return cv2.getPerspectiveTransform(src, c.astype(np.float32))
    if quads is not None:
        q = np.asarray(quads, dtype=np.float64)
        if q.shape != (24, 4, 2):
            raise ParameterError(f"quads must be 24 x 4 x 2, got {q.shape}")
        hmat, _ = cv2.findHomography(colorchecker_grid_centres(), q.mean(axis=1), 0)
        if hmat is None:
            raise ChartNotFoundError("the detected ColorChecker patches do not fit a plane")
        return hmat
    p = np.asarray(centres, dtype=np.float64)
    if p.shape != (3, 2) or not np.all(np.isfinite(p)):
        raise ParameterError(f"patch centres must be 3 (x, y) points, got {np.shape(centres)}")
    (ax, ay), (bx, by) = p[1] - p[0], p[2] - p[0]
    if not abs(ax * by - ay * bx) > 1e-9:
        raise ParameterError(f"patch centres {p.tolist()} are collinear")
    g = np.concatenate([colorchecker_grid_centres()[[0, 5, 18]], np.ones((3, 1))], axis=1)
    affine = np.linalg.solve(g, p).T
    return np.vstack([affine, [0.0, 0.0, 1.0]])


def colorchecker_grid_to_image(hmat: np.ndarray, uv: Any) -> np.ndarray:
    """Map grid-unit points ``(..., 2)`` ``(u, v)`` through ``hmat`` to pixels ``(x, y)``."""
    p = np.asarray(uv, dtype=np.float64)
    return cv2.perspectiveTransform(p.reshape(-1, 1, 2), np.asarray(hmat, np.float64)
                                    ).reshape(p.shape)


def colorchecker_patch_boxes(hmat: np.ndarray, shape: tuple[int, int] | None = None, *,
                             fraction: float = COLORCHECKER_SAMPLE_FRACTION) -> np.ndarray:
    """One axis-aligned sample box per ColorChecker patch of a placed chart.

    Each box is the largest axis-aligned square centred on the patch centre inside the
    patch's central square of side ``fraction`` of the printed patch (``fraction *``
    :data:`COLORCHECKER_PATCH_FRACTION` grid units), mapped through ``hmat``: it stays inside
    the patch at any rotation or perspective. Pixels count when their centres lie in the
    square or on its edge (at least one pixel).

    Parameters
    ----------
    hmat
        Homography from grid units to pixels (:func:`colorchecker_grid_homography`).
    shape
        ``(height, width)`` of the image; every box must lie inside it. None: not checked.
    fraction
        Side of the sampled square over the printed patch side, in (0, 1]; default
        :data:`COLORCHECKER_SAMPLE_FRACTION` (the central half).

    Returns
    -------
    numpy.ndarray
        ``(24, 4)`` int64 ``y0, x0, y1, x1`` (end exclusive), row-major from "dark skin".

    Raises
    ------
    ParameterError
        ``fraction`` outside (0, 1].
    ChartNotFoundError
        A box falls outside the image.
    """
    if not 0 < fraction <= 1:
        raise ParameterError(f"sample fraction {fraction!r} must be in (0, 1]")
    c = colorchecker_grid_centres()
    s = 0.5 * fraction * COLORCHECKER_PATCH_FRACTION
    offs = np.array([[-s, -s], [s, -s], [s, s], [-s, s]])
    img_q = colorchecker_grid_to_image(hmat, c[:, None, :] + offs[None])
    ctr = colorchecker_grid_to_image(hmat, c)
    boxes = np.zeros((24, 4), np.int64)
    for k in range(24):
        q = img_q[k]
        # orientation-independent: inward distance from the centre to every edge line
        half = np.inf
        for i in range(4):
            p0, p1 = q[i], q[(i + 1) % 4]
            e = p1 - p0
            n = np.array([e[1], -e[0]]) / max(float(np.hypot(*e)), 1e-12)
            dist = abs(float(np.dot(ctr[k] - p0, n)))
            half = min(half, dist / (abs(n[0]) + abs(n[1])))
        # a pixel whose centre lies on the square's edge counts (up to rounding error), so that
        # a regular grid gives equal boxes
        half = max(half, 0.5) + _EDGE_TOLERANCE
        x0, x1 = int(math.ceil(ctr[k, 0] - half)), int(math.floor(ctr[k, 0] + half)) + 1
        y0, y1 = int(math.ceil(ctr[k, 1] - half)), int(math.floor(ctr[k, 1] + half)) + 1
        if shape is not None:
            h, w = shape
            if x0 < 0 or y0 < 0 or x1 > w or y1 > h:
                raise ChartNotFoundError(f"ColorChecker patch {k + 1} ({COLORCHECKER_NAMES[k]}) "
                                         f"falls outside the {w} x {h} image")
        boxes[k] = (y0, x0, y1, x1)
    return boxes


def colorchecker(
    patch_size: int = 32,
    *,
    gap: int | None = None,
    border: int | None = None,
    background: float = 0.03,
) -> Scene:
    """A ColorChecker Classic: 4 rows x 6 columns of measured spectra on a black frame.

    Parameters
    ----------
    patch_size
        Side of each square patch in pixels (>= 4).
    gap
        Black frame between patches (default ``patch_size // 4``).
    border
        Black frame around the grid (default ``patch_size // 2``).
    background
        Neutral reflectance of the frame (the real frame is about 3 %).

    Returns
    -------
    Scene
        With ``labels`` 0..23 on the patches (row-major, "dark skin" first) and
        ``ground_truth``: ``names``, ``boxes`` (``(24, 4)`` int ``y0, x0, y1, x1``, end
        exclusive), ``centers`` (``(24, 2)`` float ``y, x``), ``lab_d50_reference``
        (X-Rite 2014), ``xyz_d65`` (from the spectra, white Y = 1).

    References
    ----------
    McCamy, Marcus, Davidson (1976); X-Rite (2014), see the module docstring.
    """
    if patch_size < 4:
        raise ParameterError(f"ColorChecker patch size {patch_size} must be >= 4 pixels")
    gap = patch_size // 4 if gap is None else int(gap)
    border = patch_size // 2 if border is None else int(border)
    if gap < 0 or border < 0:
        raise ParameterError(f"gap {gap} and border {border} must be >= 0")
    h = 2 * border + 4 * patch_size + 3 * gap
    w = 2 * border + 6 * patch_size + 5 * gap
    labels = np.full((h, w), -1, dtype=np.int32)
    boxes = np.zeros((24, 4), dtype=np.int64)
    for k in range(24):
        r, c = divmod(k, 6)
        y0 = border + r * (patch_size + gap)
        x0 = border + c * (patch_size + gap)
        boxes[k] = (y0, x0, y0 + patch_size, x0 + patch_size)
        labels[y0:y0 + patch_size, x0:x0 + patch_size] = k
    spectra = colorchecker_spectra()
    rgb = np.full((h, w, 3), background, dtype=np.float32)
    scene = Scene(rgb=rgb, name="colorchecker", labels=labels, spectra=spectra)
    # D65 sRGB preview of the patches (the simulator uses the spectra)
    preview = scene_truth_rgb(scene, "sRGB", "D65")
    centers = np.stack([(boxes[:, 0] + boxes[:, 2] - 1) / 2,
                        (boxes[:, 1] + boxes[:, 3] - 1) / 2], axis=1)
    truth = {
        "chart": "colorchecker",
        "names": COLORCHECKER_NAMES,
        "boxes": boxes,
        "centers": centers,
        "lab_d50_reference": np.array(colorchecker_reference_lab()),
        "xyz_d65": spectra_xyz(spectra, "D65"),
        "background": float(background),
    }
    return Scene(rgb=preview, name="colorchecker", labels=labels, spectra=spectra,
                 ground_truth=truth)
