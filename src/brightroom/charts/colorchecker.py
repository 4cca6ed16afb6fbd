"""The X-Rite ColorChecker Classic (24 patches) with measured spectral reflectances.

Patch spectra are Ohta's measurements as shipped by colour-science
(``SDS_COLOURCHECKERS["ColorChecker N Ohta"]``); the chart's reference CIE L*a*b* (D50) are
X-Rite's post-November-2014 values (``CCS_COLOURCHECKERS["ColorChecker24 - After November
2014"]``). Patches are rendered as labelled pixels so that any camera and illuminant sees the
measured spectra, not an RGB approximation.

References
----------
McCamy, C. S., Marcus, H., Davidson, J. G. (1976). A color-rendition chart. Journal of Applied
Photographic Engineering 2(3), 95-99.
Ohta, N. (1997). The Basis of Color Reproduction Engineering (spectral data as distributed
with colour-science).
X-Rite (2014). New color specifications for ColorChecker SG and Classic charts.
"""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np

from brightroom.charts.scene import Scene, _align, _colour, scene_truth_rgb, spectra_xyz
from brightroom.errors import ParameterError

__all__ = ["colorchecker", "colorchecker_spectra", "colorchecker_reference_lab",
           "COLORCHECKER_NAMES"]

COLORCHECKER_NAMES: tuple[str, ...] = (
    "dark skin", "light skin", "blue sky", "foliage", "blue flower", "bluish green",
    "orange", "purplish blue", "moderate red", "purple", "yellow green", "orange yellow",
    "blue", "green", "red", "yellow", "magenta", "cyan",
    "white 9.5 (.05 D)", "neutral 8 (.23 D)", "neutral 6.5 (.44 D)", "neutral 5 (.70 D)",
    "neutral 3.5 (1.05 D)", "black 2 (1.5 D)",
)


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
