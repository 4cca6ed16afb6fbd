"""Measuring real photographs of real test charts.

:func:`measure_photo` opens a photo, brings it to *linear* RGB and measures one chart in it:

* ``"colorchecker"`` (:func:`measure_colorchecker`): the 24-patch ColorChecker Classic, found
  with OpenCV's ``mcc`` detector (:mod:`brightroom.charts.detect`) or placed from four manual
  corners; per-patch CIELAB and CIEDE2000 against X-Rite's reference, exposure-normalised as in
  :func:`brightroom.lab.metrics.colorchecker_accuracy`; white-balance angular error and
  neutrality (a*, b*, R/G, B/G) of the neutral row; exposure error of neutral 5; SNR of the
  neutral patches.
* ``"slanted-edge"`` (:func:`measure_slanted_edge`): a straight edge 2-20 degrees off axis is
  searched (:mod:`brightroom.charts.find_edge`) and measured with the ISO 12233 e-SFR
  (:func:`brightroom.lab.metrics.sfr`): MTF50, MTF50P, MTF at Nyquist/2 and Nyquist, edge angle,
  CPIQ acutance, overshoot/undershoot.
* ``"gray-steps"`` (:func:`measure_gray_steps`): a row/column/grid of uniform grey patches is
  found (:mod:`brightroom.charts.detect_steps`); per step mean, noise and SNR, the tone curve
  (OECF) and the dynamic range (:func:`brightroom.lab.metrics.dynamic_range`).

Linearisation (the space every measurement is made in)
------------------------------------------------------
* Finished images (JPEG, PNG 8/16-bit, TIFF, HEIC, AVIF): the primaries come from the embedded
  ICC profile (:func:`brightroom.io.identify_icc`: sRGB, Display P3, Adobe RGB, ...); untagged or
  unrecognised profiles are taken as sRGB (said in the result). The transfer curve is undone:
  the sRGB curve for sRGB and Display P3, a pure 563/256 power for Adobe RGB (1998) and 1.8 for
  ProPhoto RGB. The result is scene-referred only as far as the camera's rendering is (a
  camera JPEG's tone curve is part of what is measured; the OECF shows it).
* Raws (any LibRaw format, DNG): developed with Brightroom's colorimetric ``neutral`` recipe
  (as-shot white balance, DNG colour matrices, no tone curve, no sharpening) at the camera's
  exposure (its auto exposure off) to sRGB, then the
  sRGB curve is undone: linear sRGB (D65). We measure there rather than in white-balanced camera
  RGB because the chart's reference values are colorimetric (CIELAB D50): measuring the
  developed image scores the whole colour path (white balance + matrix) the way a user sees it.

Coordinates: ``roi`` is ``(x, y, w, h)`` and ``corners`` are ``(x, y)`` pixels of the stored
image (EXIF orientation is *not* applied; for raws, the developed image, which has the raw's
active-area size). Frequencies are in cycles per pixel.

References
----------
McCamy, C. S., Marcus, H., Davidson, J. G. (1976). A color-rendition chart. J. Appl. Photogr.
Eng. 2(3), 95-99. X-Rite (2014), ColorChecker Classic reference L*a*b* (D50).
CIE 142-2001 / Sharma, Wu, Dalal (2005), CIEDE2000.
ISO 12233:2017, e-SFR (slanted edge). IEEE 1858-2016 (CPIQ) acutance.
ISO 14524:2009, OECF. ISO 15739:2013, noise and dynamic range. ISO 12232:2019, 18 % grey.
Hordley, S. D., Finlayson, G. D. (2006). Reevaluation of color constancy algorithm
performance. JOSA A 23(5), 1008-1020 (angular error).
Marrero Fernandez, P. D. et al. (2019). Fast and robust multiple ColorChecker detection using
deep convolutional neural networks. Image and Vision Computing 81, 15-24 (cv2.mcc).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from brightroom.charts import detect as chart_detect
from brightroom.charts.colorchecker import (
    COLORCHECKER_GREY18,
    COLORCHECKER_GRID_CORNERS,
    COLORCHECKER_NAMES,
    COLORCHECKER_NEUTRALS,
    COLORCHECKER_WB_NEUTRALS,
    colorchecker_grid_centres,
    colorchecker_grid_homography,
    colorchecker_grid_to_image,
    colorchecker_patch_boxes,
    colorchecker_reference_lab,
)
from brightroom.charts.detect_steps import find_gray_steps
from brightroom.charts.find_edge import find_slanted_edges
from brightroom.color.spaces import decode, get_space, srgb_encode
from brightroom.develop.recipe import load_recipe
from brightroom.develop.run import develop
from brightroom.errors import BrightroomError, ChartNotFoundError, InputError, ParameterError
from brightroom.io import read
from brightroom.lab.metrics import (
    colorchecker_accuracy,
    dynamic_range,
    edge_ringing,
    exposure_error,
    lab_to_xyz,
    rgb_to_lab_d50,
    sfr,
    snr,
    wb_angular_error,
)
from brightroom.lab.metrics.exposure import patch_stats
from brightroom.types import Image, RawImage

__all__ = [
    "MEASURE_CHARTS",
    "measure_photo",
    "load_linear",
    "LinearPhoto",
    "measure_colorchecker",
    "measure_slanted_edge",
    "measure_gray_steps",
]

MEASURE_CHARTS: tuple[str, ...] = ("colorchecker", "slanted-edge", "gray-steps")
"""Chart names :func:`measure_photo` knows."""

_ALIASES = {"colorchecker": "colorchecker", "color-checker": "colorchecker",
            "macbeth": "colorchecker", "slanted-edge": "slanted-edge", "edge": "slanted-edge",
            "sfr": "slanted-edge", "gray-steps": "gray-steps", "grey-steps": "gray-steps",
            "steps": "gray-steps", "oecf": "gray-steps"}

_DETECT_MAX_SIDE = 2000  # larger frames are searched for the ColorChecker at reduced size

_GAMMA_TRANSFERS = {"Adobe RGB (1998)": 563.0 / 256.0, "ProPhoto RGB": 1.8}


# --------------------------------------------------------------------------- loading

def _check_chart(chart: str) -> str:
    key = str(chart).strip().lower().replace("_", "-")
    if key not in _ALIASES:
        raise ParameterError(f"unknown chart {chart!r}; known: {', '.join(MEASURE_CHARTS)}")
    return _ALIASES[key]


@dataclass(frozen=True, eq=False)
class LinearPhoto:
    """A photo brought to linear RGB for measuring.

    Attributes
    ----------
    linear
        float32 ``H x W x 3`` linear RGB in ``space``.
    space
        Its RGB space name (``"sRGB"``, ``"Display P3"``, ...).
    info
        JSON-ready description: ``file``, ``source`` (``"raw"`` or the image format),
        ``colour_space``, ``transfer`` undone, ``icc``, ``linearisation``, size.
    display
        The display-encoded image the linear data came from (the file's pixels, or the
        ``neutral`` develop of a raw).
    raw
        The raw image for raw files, else None.
    """

    linear: np.ndarray
    space: str
    info: dict[str, Any]
    display: Any
    raw: Any = None


def load_linear(path: str | os.PathLike[str]) -> LinearPhoto:
    """Read a photo and bring it to linear RGB (see the module docstring for how).

    Parameters
    ----------
    path
        A raw (developed with the ``neutral`` recipe) or a JPEG/PNG/TIFF/HEIC/AVIF.

    Returns
    -------
    LinearPhoto

    Raises
    ------
    InputError (and subclasses)
        The io layer's errors, naming the file.
    """

    obj = read(path)
    info: dict[str, Any] = {"file": str(path)}
    raw = None
    if isinstance(obj, RawImage):

        raw = obj
        # at the camera's exposure (BaselineExposure, no auto exposure): the photo is measured,
        # not re-metered
        recipe = load_recipe("neutral").with_params("exposure", auto=False)
        img = develop(obj, recipe=recipe)
        info["source"] = "raw"
        info["linearisation"] = ("developed with the 'neutral' recipe (as-shot white balance, "
                                 "DNG matrices) at the camera's exposure (no auto exposure) to "
                                 "sRGB, then the sRGB curve undone")
        info["as_shot_neutral"] = (list(obj.camera.as_shot_neutral)
                                   if obj.camera.as_shot_neutral else None)
    elif isinstance(obj, Image):
        img = obj
        info["source"] = str(obj.metadata.get("format", "image"))
        info["bit_depth"] = obj.metadata.get("bit_depth")
        icc = obj.metadata.get("icc")
        info["icc"] = ("none (taken as sRGB)" if not icc else
                       (obj.metadata.get("icc_space") or "unrecognised (taken as sRGB)"))
        info["linearisation"] = "the transfer curve of its colour space undone"
    else:  # pragma: no cover - io.read returns one of the two
        raise InputError(f"{path}: unexpected object {type(obj).__name__} from brightroom.io")
    space = img.primaries if img.primaries != "camera" else "sRGB"
    get_space(space)  # raises for an unknown space
    data = np.asarray(img.data, dtype=np.float32)
    if img.transfer == "linear":
        lin = data.copy()
        info["transfer"] = "linear"
    elif space in _GAMMA_TRANSFERS and raw is None:
        gam = _GAMMA_TRANSFERS[space]
        lin = np.power(np.clip(data, 0, None), np.float32(gam)).astype(np.float32)
        info["transfer"] = f"gamma {gam:.4g}"
    else:
        lin = decode(data, img.transfer)
        info["transfer"] = img.transfer
    info["colour_space"] = space
    info["width"], info["height"] = int(lin.shape[1]), int(lin.shape[0])
    return LinearPhoto(linear=lin, space=space, info=info, display=img, raw=raw)


# --------------------------------------------------------------------------- ColorChecker

def _refine_boxes(lin: np.ndarray, boxes: np.ndarray, hmat: np.ndarray) -> np.ndarray:
    """Move each box (by up to 0.2 patch pitch) to where the patch is most uniform.

    Manual corners are often clicked on the chart's frame instead of the patch grid; the most
    uniform window near each expected centre is then still inside its patch.
    """
    c = colorchecker_grid_centres()
    ctr = colorchecker_grid_to_image(hmat, c)
    right = colorchecker_grid_to_image(hmat, c + [1.0, 0.0])
    down = colorchecker_grid_to_image(hmat, c + [0.0, 1.0])
    h, w = lin.shape[:2]
    out = boxes.copy()
    steps = np.linspace(-0.2, 0.2, 5)
    for k in range(24):
        y0, x0, y1, x1 = boxes[k]
        best, best_cost = (0, 0), np.inf
        for su in steps:
            for sv in steps:
                d = su * (right[k] - ctr[k]) + sv * (down[k] - ctr[k])
                dx, dy = int(round(d[0])), int(round(d[1]))
                if y0 + dy < 0 or x0 + dx < 0 or y1 + dy > h or x1 + dx > w:
                    continue
                win = lin[y0 + dy:y1 + dy, x0 + dx:x1 + dx].reshape(-1, 3)
                m = win.mean(axis=0)
                cost = float((win.std(axis=0) / max(float(m.sum()), 1e-6)).sum())
                # prefer the expected place among equally uniform windows
                cost *= 1.0 + 0.05 * (su * su + sv * sv)
                if cost < best_cost:
                    best, best_cost = (dy, dx), cost
        out[k] += np.array([best[0], best[1], best[0], best[1]])
    return out


def _patch_means(lin: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    return np.array([lin[a:c, b:d].reshape(-1, 3).mean(axis=0, dtype=np.float64)
                     for a, b, c, d in boxes])


def _neutrals_ordered(means: np.ndarray, space: str) -> bool:
    y = means[list(COLORCHECKER_NEUTRALS)] @ get_space(space).to_xyz[1]
    return bool(y[0] >= 0.97 * y[1] and np.all(np.diff(y[1:]) < 0))


_DIHEDRAL = [[0, 1, 2, 3], [1, 2, 3, 0], [2, 3, 0, 1], [3, 0, 1, 2],
             [0, 3, 2, 1], [3, 2, 1, 0], [2, 1, 0, 3], [1, 0, 3, 2]]


def _clipped(lin: np.ndarray, box: np.ndarray, level: float) -> bool:
    a, b, c, d = box
    return bool(np.mean(np.any(lin[a:c, b:d] >= level, axis=-1)) > 0.01)


def measure_colorchecker(image_linear_rgb: Any, *, corners: Any = None, space: str = "sRGB",
                         detection: Any = None, clip_level: float = 0.999) -> dict[str, Any]:
    """Colour accuracy, white balance, exposure and noise from a photo of a ColorChecker.

    Parameters
    ----------
    image_linear_rgb
        ``H x W x 3`` *linear* RGB in ``space`` (or an Image whose data is linear).
    corners
        Optional manual placement: ``4 x 2`` ``(x, y)`` outer corners of the patch grid, the
        corner at "dark skin" first, then clockwise. Without it the chart is detected.
        When the neutral row does not come out ordered (white to black), the other seven
        corner orders are tried and the result says so (``corners_reordered``).
    space
        RGB space of the data (``"sRGB"``, ``"Display P3"``, ...).
    detection
        A :class:`~brightroom.charts.detect.ColorCheckerDetection` already made on this image
        (used instead of detecting again).
    clip_level
        Linear level from which a pixel counts as clipped (clipped patches are flagged and left
        out of the white-balance average).

    Returns
    -------
    dict
        JSON-ready: ``delta_e00_mean``, ``delta_e00_max``, ``delta_e00_median``,
        ``delta_c00_mean``, ``exposure_scale``, ``wb_angular_error_deg``,
        ``neutral_mean_abs_a``, ``neutral_mean_abs_b``, ``exposure_ev`` (neutral 5 against its
        reference luminance), ``patches`` (24 entries: name, box, linear RGB, Lab, reference
        Lab, dE00, dC00, clipped), ``neutrals`` (6 entries: a*, b*, R/G, B/G, angular error,
        SNR), ``corners`` and ``detection`` (``"cv2.mcc"`` or ``"corners"``).

    Raises
    ------
    ChartNotFoundError
        No chart found (and no corners given).

    References
    ----------
    McCamy et al. (1976); CIE 142-2001; Sharma et al. (2005); Hordley & Finlayson (2006);
    ISO 12232:2019; ISO 15739:2013.
    """

    lin = np.asarray(getattr(image_linear_rgb, "data", image_linear_rgb), dtype=np.float32)
    if lin.ndim != 3 or lin.shape[2] != 3:
        raise InputError(f"measure_colorchecker needs an H x W x 3 linear image, got shape "
                         f"{lin.shape}")
    sp = get_space(space)
    ref = np.array(colorchecker_reference_lab())
    reordered = False
    if corners is not None:
        c = np.asarray(corners, dtype=np.float64).reshape(-1, 2)
        if c.shape != (4, 2):
            raise ParameterError(f"corners must be 4 (x, y) points, got {c.size} numbers")
        how = "corners"
        chosen = None
        for perm in _DIHEDRAL:
            cc = c[perm]
            try:
                hm = colorchecker_grid_homography(corners=cc)
                boxes = _refine_boxes(lin, colorchecker_patch_boxes(hm, lin.shape[:2]), hm)
            except ChartNotFoundError:
                continue
            means = _patch_means(lin, boxes)
            if chosen is None:
                chosen = (cc, boxes, means)  # the given order, if it fits the frame
            if _neutrals_ordered(means, space):
                reordered = perm != _DIHEDRAL[0]
                chosen = (cc, boxes, means)
                break
        if chosen is None:
            raise ChartNotFoundError(f"the corners {c.tolist()} put ColorChecker patches "
                                     f"outside the {lin.shape[1]} x {lin.shape[0]} image")
        corners_used, boxes, means = chosen
    else:

        det = detection if detection is not None else chart_detect.detect_colorchecker(lin)
        how = "cv2.mcc"
        hmat = colorchecker_grid_homography(quads=det.quads)
        boxes = colorchecker_patch_boxes(hmat, lin.shape[:2])
        means = _patch_means(lin, boxes)
        if not _neutrals_ordered(means, space):
            # chart upside down relative to the detector's order
            flipped = means[::-1]
            if _neutrals_ordered(flipped, space):
                boxes, means, reordered = boxes[::-1], flipped, True
            else:
                raise ChartNotFoundError("the ColorChecker found has no ordered neutral row "
                                         "(white to black); probably a false detection")
        corners_used = colorchecker_grid_to_image(hmat, COLORCHECKER_GRID_CORNERS)
        if reordered:
            corners_used = corners_used[[2, 3, 0, 1]]
    if not np.all(means @ sp.to_xyz[1] > 0):
        raise ChartNotFoundError("some ColorChecker patches read zero or negative luminance; "
                                 "the placement is probably wrong")
    cc_res = colorchecker_accuracy(means, ref, space)
    # the same chart after a von Kries white balance on neutrals 20-23: separates the white
    # balance error from the colour-matrix error
    grey = means[list(COLORCHECKER_WB_NEUTRALS)].mean(axis=0)
    wb_fixed = (colorchecker_accuracy(means * (grey[1] / grey), ref, space)
                if np.all(grey > 0) else None)
    clipped = [_clipped(lin, b, clip_level) for b in boxes]
    # white balance: each usable neutral normalised to unit luminance, then summed
    ylum = means @ sp.to_xyz[1]
    use = [k for k in COLORCHECKER_NEUTRALS if not clipped[k] and ylum[k] > 0]
    if not use:
        use = list(COLORCHECKER_WB_NEUTRALS)
    wb_vec = sum(means[k] / ylum[k] for k in use)
    wb_all = float(wb_angular_error(wb_vec))
    lab_raw = rgb_to_lab_d50(means * cc_res.exposure_scale, space)
    y_ref = lab_to_xyz(ref)[:, 1]
    gy0, gx0, gy1, gx1 = boxes[COLORCHECKER_GREY18]
    ex = exposure_error(lin[gy0:gy1, gx0:gx1].astype(np.float64) @ sp.to_xyz[1],
                        target=float(y_ref[COLORCHECKER_GREY18]))
    neutrals = []
    for k in COLORCHECKER_NEUTRALS:
        a, b, c, d = boxes[k]
        patch = lin[a:c, b:d].astype(np.float64)
        s = snr(patch, detrend=True) if min(c - a, d - b) >= 3 else None
        g = means[k, 1]
        neutrals.append({
            "patch": k + 1, "name": COLORCHECKER_NAMES[k],
            "a": float(lab_raw[k, 1]), "b": float(lab_raw[k, 2]), "L": float(lab_raw[k, 0]),
            "chroma": float(math.hypot(lab_raw[k, 1], lab_raw[k, 2])),
            "r_over_g": float(means[k, 0] / g) if g > 0 else None,
            "b_over_g": float(means[k, 2] / g) if g > 0 else None,
            "wb_angular_error_deg": float(wb_angular_error(means[k])) if ylum[k] > 0 else None,
            "snr": float(s["Y"][2]) if s is not None and math.isfinite(s["Y"][2]) else None,
            "snr_db": float(s["Y"][3]) if s is not None and math.isfinite(s["Y"][3]) else None,
            "clipped": clipped[k],
        })
    patches = []
    for k in range(24):
        patches.append({
            "patch": k + 1, "name": COLORCHECKER_NAMES[k],
            "box": [int(v) for v in boxes[k]],  # y0, x0, y1, x1
            "rgb_linear": [float(v) for v in means[k]],
            "lab": [float(v) for v in cc_res.measured_lab[k]],
            "reference_lab": [float(v) for v in ref[k]],
            "delta_e00": float(cc_res.delta_e[k]),
            "delta_c00": float(cc_res.delta_c[k]),
            "clipped": clipped[k],
        })
    core = neutrals[:-1]  # white 9.5 .. neutral 3.5 (black 2 is noisy)
    return {
        "chart": "colorchecker",
        "detection": how,
        "corners": [[float(x), float(y)] for x, y in np.asarray(corners_used)],
        "corners_reordered": bool(reordered),
        "colour_space": space,
        "delta_e00_mean": cc_res.mean,
        "delta_e00_median": cc_res.median,
        "delta_e00_max": cc_res.max,
        "delta_c00_mean": cc_res.mean_c,
        "delta_c00_max": cc_res.max_c,
        "exposure_scale": cc_res.exposure_scale,
        "delta_e00_mean_wb_corrected": wb_fixed.mean if wb_fixed is not None else None,
        "wb_angular_error_deg": wb_all,
        "neutral_mean_abs_a": float(np.mean([abs(n["a"]) for n in core])),
        "neutral_mean_abs_b": float(np.mean([abs(n["b"]) for n in core])),
        "neutral_mean_chroma": float(np.mean([n["chroma"] for n in core])),
        "neutral_r_over_g": float(np.mean([n["r_over_g"] for n in core])),
        "neutral_b_over_g": float(np.mean([n["b_over_g"] for n in core])),
        "exposure_ev": ex.ev_error,
        "exposure_target": ex.target,
        "grey_snr_db": neutrals[COLORCHECKER_NEUTRALS.index(COLORCHECKER_GREY18)]["snr_db"],
        "clipped_patches": int(sum(clipped)),
        "patches": patches,
        "neutrals": neutrals,
        "reference": "X-Rite ColorChecker Classic, after November 2014 (CIELAB D50)",
    }


# --------------------------------------------------------------------------- slanted edge

def _roi_xywh(roi: Any, shape: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    """``(x, y, w, h)`` to ``(y0, y1, x0, x1)``, checked against the frame."""
    if roi is None:
        return None
    try:
        x, y, w, h = (int(round(float(v))) for v in roi)
    except (TypeError, ValueError):
        raise ParameterError(f"roi must be 4 numbers x, y, w, h, got {roi!r}") from None
    H, W = shape[:2]
    if w < 8 or h < 8 or x < 0 or y < 0 or x + w > W or y + h > H:
        raise ParameterError(f"roi {(x, y, w, h)} (x, y, w, h) must be at least 8 x 8 and lie "
                             f"inside the {W} x {H} image")
    return y, y + h, x, x + w


def measure_slanted_edge(image: Any, *, roi: Any = None, min_angle_deg: float = 2.0,
                         max_angle_deg: float = 20.0) -> dict[str, Any]:
    """ISO 12233 e-SFR of a slanted edge found in a linear image.

    Parameters
    ----------
    image
        ``H x W`` or ``H x W x 3`` *linear* image (or an Image whose data is linear).
    roi
        Optional ``(x, y, w, h)`` region to search. If no edge is found in it by the search,
        the whole ROI is measured as one edge region.
    min_angle_deg, max_angle_deg
        Accepted edge tilt from the nearest axis.

    Returns
    -------
    dict
        JSON-ready: ``mtf50``, ``mtf50p``, ``mtf_nyquist_half`` (SFR at 0.25 cycles/pixel),
        ``mtf_nyquist``, ``mtf50_rgb`` (per channel, RGB input), ``angle_deg``,
        ``orientation``, ``edge_acutance``, ``overshoot_pct``, ``undershoot_pct``,
        ``rise_10_90_px``, ``contrast``, ``roi`` (x, y, w, h),
        ``freqs`` / ``mtf`` (to Nyquist) and ``candidates`` (edges found).

    Raises
    ------
    ChartNotFoundError
        No measurable slanted edge.

    References
    ----------
    ISO 12233:2017 clause 6 and Annex D; IEEE 1858-2016 (CPIQ acutance).
    """

    a = np.asarray(getattr(image, "data", image), dtype=np.float32)
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] == 3)):
        raise InputError(f"measure_slanted_edge needs H x W or H x W x 3, got shape {a.shape}")
    r = _roi_xywh(roi, a.shape)
    cands = find_slanted_edges(a, roi=r, min_angle_deg=min_angle_deg,
                               max_angle_deg=max_angle_deg)
    regions: list[tuple[tuple[int, int, int, int], float]] = [(c.roi, c.contrast) for c in cands]
    if r is not None:
        regions.append((r, float("nan")))
    errors = []
    for reg, contrast in regions:
        try:
            res = sfr(a, roi=reg)
        except BrightroomError as e:
            errors.append(str(e))
            continue
        if not (min_angle_deg - 0.5 <= abs(res.angle_deg) <= max_angle_deg + 0.5) or \
                not math.isfinite(res.mtf50):
            errors.append(f"edge at {reg}: angle {res.angle_deg:.1f} deg, MTF50 {res.mtf50}")
            continue
        ring = edge_ringing(res.edge, smooth_px=0.25)
        nyq = res.freqs <= 0.5 + 1e-9
        y0, y1, x0, x1 = reg
        per_channel = None
        if a.ndim == 3:  # per-channel MTF50: lateral colour / demosaicking differences
            per_channel = []
            for ch in "RGB":
                try:
                    per_channel.append(sfr(a, roi=reg, channel=ch).mtf50)
                except BrightroomError:
                    per_channel.append(float("nan"))
        return {
            "chart": "slanted-edge",
            "mtf50": res.mtf50,
            "mtf50p": res.mtf50p,
            "mtf_nyquist_half": float(np.interp(0.25, res.freqs, res.mtf)),
            "mtf_nyquist": res.mtf_nyquist,
            "mtf50_rgb": per_channel,
            "angle_deg": res.angle_deg,
            "orientation": res.orientation,
            "polarity": res.polarity,
            "edge_acutance": res.edge_acutance,
            "overshoot_pct": ring.overshoot_pct,
            "undershoot_pct": ring.undershoot_pct,
            "rise_10_90_px": ring.rise_10_90_px,
            "contrast": float(ring.bright_level / ring.dark_level)
            if ring.dark_level > 0 else contrast,
            "roi": [int(x0), int(y0), int(x1 - x0), int(y1 - y0)],
            "frequency_unit": "cycles/pixel",
            "freqs": [float(v) for v in res.freqs[nyq]],
            "mtf": [float(v) for v in res.mtf[nyq]],
            "candidates": len(cands),
        }
    where = "in the ROI" if r is not None else "in the frame"
    detail = f" ({errors[0]})" if errors else ""
    raise ChartNotFoundError(f"no slanted edge ({min_angle_deg:g}-{max_angle_deg:g} deg off "
                             f"axis) found {where}{detail}; pass --roi x,y,w,h around one")


# --------------------------------------------------------------------------- grey steps

def measure_gray_steps(image: Any, *, roi: Any = None,
                       densities: Sequence[float] | None = None) -> dict[str, Any]:
    """Per-step signal and noise, tone curve (OECF) and dynamic range of a grey step chart.

    Parameters
    ----------
    image
        ``H x W x 3`` (or ``H x W``) *linear* image (or an Image whose data is linear).
    roi
        Optional ``(x, y, w, h)`` region holding the chart.
    densities
        Optional nominal densities of the steps, lightest first (e.g. ``0.05 + 0.1 k`` for an
        ISO 14524 20-step chart). With them the OECF is reported against the scene luminance
        (``10 ** -density``) and its log-log slope (``gamma``, 1 for a linear rendering).

    Returns
    -------
    dict
        JSON-ready: ``steps`` (brightest first: box, mean, RGB mean, noise, SNR, encoded value,
        relative stops), ``dynamic_range_stops`` (SNR = 1), ``dynamic_range_snr10_stops``,
        ``oecf`` (``output_linear``, ``output_encoded``, and with ``densities``
        ``scene_relative`` and ``gamma``), ``layout``.

    Raises
    ------
    ChartNotFoundError
        No step chart found.

    References
    ----------
    ISO 14524:2009 (OECF); ISO 15739:2013 (noise, dynamic range).
    """

    a = np.asarray(getattr(image, "data", image), dtype=np.float32)
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] == 3)):
        raise InputError(f"measure_gray_steps needs H x W or H x W x 3, got shape {a.shape}")
    r = _roi_xywh(roi, a.shape)
    det = find_gray_steps(a, roi=r)
    gray = a.astype(np.float64) @ np.array([0.2126729, 0.7151522, 0.0721750]) \
        if a.ndim == 3 else a.astype(np.float64)
    patches = [gray[y0:y1, x0:x1] for y0, x0, y1, x1 in det.boxes]
    steps = []
    top = None
    for k, ((y0, x0, y1, x1), p) in enumerate(zip(det.boxes, patches, strict=True)):
        m, sd = patch_stats(p, detrend=True)
        top = m if top is None else top
        rgb = (a[y0:y1, x0:x1].reshape(-1, 3).mean(axis=0, dtype=np.float64)
               if a.ndim == 3 else np.array([m, m, m]))
        steps.append({
            "step": k + 1, "box": [int(y0), int(x0), int(y1), int(x1)],
            "mean": m, "rgb_mean": [float(v) for v in rgb], "noise": sd,
            "snr": m / sd if sd > 0 else None,
            "snr_db": 20 * math.log10(m / sd) if sd > 0 and m > 0 else None,
            "encoded": float(srgb_encode(np.float32(max(m, 0.0)))),
            "stops_below_brightest": math.log2(top / m) if m > 0 and top > 0 else None,
        })
    out: dict[str, Any] = {"chart": "gray-steps", "layout": det.layout, "n_steps": len(steps)}
    try:
        dr = dynamic_range(patches, clip_level=1.0, floor_level=0.0)
        out.update({"dynamic_range_stops": dr.dr_snr1, "dynamic_range_snr10_stops": dr.dr_snr10,
                    "dynamic_range_extrapolated": dr.extrapolated,
                    "steps_used": int(dr.valid.sum()),
                    "noise_model_a": dr.noise_a, "noise_model_b": dr.noise_b})
    except BrightroomError as e:
        out.update({"dynamic_range_stops": None, "dynamic_range_snr10_stops": None,
                    "dynamic_range_error": str(e)})
    oecf: dict[str, Any] = {
        "output_linear": [s["mean"] for s in steps],
        "output_encoded": [s["encoded"] for s in steps],
    }
    if densities is not None:
        d = np.asarray(densities, dtype=np.float64)
        if d.ndim != 1 or d.size != len(steps):
            raise ParameterError(f"densities: {d.size} values for {len(steps)} steps found")
        scene = 10.0 ** -np.sort(d)  # lightest first, as the steps
        out_lin = np.array(oecf["output_linear"])
        ok = out_lin > 0
        oecf["scene_relative"] = [float(v) for v in scene]
        if ok.sum() >= 2:
            gamma, _ = np.polyfit(np.log(scene[ok]), np.log(out_lin[ok]), 1)
            oecf["gamma"] = float(gamma)
    out["oecf"] = oecf
    out["steps"] = steps
    out["span_stops"] = (math.log2(steps[0]["mean"] / steps[-1]["mean"])
                         if steps[-1]["mean"] > 0 else None)
    return out


# --------------------------------------------------------------------------- photos

def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return _jsonable(v.tolist())
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def measure_photo(path: str | os.PathLike[str], chart: str, *, roi: Any = None,
                  corners: Any = None) -> dict[str, Any]:
    """Measure a chart in a photo file.

    Parameters
    ----------
    path
        The photo: a raw (developed with the ``neutral`` recipe) or a JPEG/PNG/TIFF/HEIC/AVIF
        (linearised with its ICC space's curve; untagged = sRGB).
    chart
        ``"colorchecker"``, ``"slanted-edge"`` or ``"gray-steps"``.
    roi
        ``(x, y, w, h)`` pixels: where to look for the edge or the steps (for a ColorChecker,
        the detector searches only there).
    corners
        ColorChecker only: ``4`` ``(x, y)`` points (or 8 numbers), the outer corners of the
        patch grid starting at "dark skin", clockwise; used instead of detection.

    Returns
    -------
    dict
        JSON-ready (plain floats, lists, strings; non-finite values as None): the chart's
        measurement (see :func:`measure_colorchecker`, :func:`measure_slanted_edge`,
        :func:`measure_gray_steps`) plus ``file``, ``source``, ``colour_space``,
        ``linearisation``/``transfer`` and the image size.

    Raises
    ------
    ParameterError
        Unknown chart, or a bad ``roi`` / ``corners``.
    InputError
        Unreadable photo (the io layer's error, naming the file).
    ChartNotFoundError
        The chart is not in the photo (the message names the file).
    """
    name = _check_chart(chart)
    if corners is not None and name != "colorchecker":
        raise ParameterError(f"corners are only used for the colorchecker chart, not {name!r}")
    photo = load_linear(path)
    lin = photo.linear
    try:
        if name == "colorchecker":
            res = _photo_colorchecker(photo, roi, corners)
        elif name == "slanted-edge":
            res = measure_slanted_edge(lin, roi=roi)
        else:
            res = measure_gray_steps(lin, roi=roi)
    except ChartNotFoundError as e:
        if name == "colorchecker" and corners is None:
            raise ChartNotFoundError(f"{path}: no ColorChecker found; pass --corners "
                                     f"x1,y1,...,x4,y4 (the patch grid's corners, clockwise "
                                     f"from dark skin) [{e}]") from e
        raise ChartNotFoundError(f"{path}: {e}") from e
    return _jsonable({**photo.info, **res})


def _photo_colorchecker(photo: LinearPhoto, roi: Any, corners: Any) -> dict[str, Any]:

    lin, space = photo.linear, photo.space
    if corners is not None:
        return measure_colorchecker(lin, corners=corners, space=space)
    r = _roi_xywh(roi, lin.shape)
    y0, y1, x0, x1 = r if r is not None else (0, lin.shape[0], 0, lin.shape[1])
    # detector inputs, most faithful first: the raw mosaic (same pixel grid as its develop),
    # the stored display rendering, the linear data (rendered by the detector itself)
    frames: list[Any] = []
    h, w = y1 - y0, x1 - x0
    scale = min(1.0, _DETECT_MAX_SIDE / max(h, w))
    if photo.raw is not None and r is None and photo.raw.cfa.shape[:2] == lin.shape[:2] \
            and scale == 1.0:
        frames.append(photo.raw)
    if photo.display.space == "display":
        frames.append((np.clip(photo.display.data[y0:y1, x0:x1], 0, 1) * 255 + 0.5)
                      .astype(np.uint8))
    frames.append(lin[y0:y1, x0:x1])
    last: Exception | None = None
    for f in frames:
        try:
            if scale < 1.0 and isinstance(f, np.ndarray):
                # the detector's cost grows with the frame: find the chart on a smaller copy
                f = cv2.resize(f, (max(1, round(w * scale)), max(1, round(h * scale))),
                               interpolation=cv2.INTER_AREA)
            det = chart_detect.detect_colorchecker(f)
            sx = w / f.shape[1] if isinstance(f, np.ndarray) else 1.0
            sy = h / f.shape[0] if isinstance(f, np.ndarray) else 1.0

            def to_full(pts: np.ndarray, sx: float = sx, sy: float = sy) -> np.ndarray:
                # pixel-centre coordinates: x_full = (x_small + 0.5) * sx - 0.5 (+ ROI offset)
                return np.stack([(pts[..., 0] + 0.5) * sx - 0.5 + x0,
                                 (pts[..., 1] + 0.5) * sy - 0.5 + y0], axis=-1)

            if sx != 1.0 or sy != 1.0 or r is not None:
                det = type(det)(boxes=det.boxes, quads=to_full(det.quads),
                                corners=to_full(det.corners), cost=det.cost)
            return measure_colorchecker(lin, space=space, detection=det)
        except ChartNotFoundError as e:
            last = e
    raise ChartNotFoundError(str(last) if last else "no ColorChecker found")
