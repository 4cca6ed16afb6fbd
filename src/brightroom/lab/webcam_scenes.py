"""Webcam-like frames of a ColorChecker held in a room, under a chosen light.

A frame is rendered spectrally, then put through a cheap webcam's processing:

1. **Scene**: a ColorChecker Classic (Ohta's measured spectra,
   :func:`brightroom.charts.colorchecker.colorchecker`) on its black frame, seen at a slight
   perspective at ``position`` and ``width`` (fraction of the frame), in front of a warm grey
   wall with a blue and a red product box (basis reflectances of linear sRGB colours).
2. **Light and sensor**: camera RGB is the response of a virtual camera's spectral
   sensitivities (:mod:`brightroom.lab.camera.spectral`, ``budget-phone`` by default) to the
   reflectance under ``light`` (``"D65"``, ``"A"``, a CCT in kelvin, ...), with a smooth
   vignette.
3. **The webcam's processing** (what makes it untrue): grey-world auto white balance applied
   only partly (``awb_strength``: webcams leave warm light warm), the camera's *daylight*
   colour matrix whatever the light (the DNG ForwardMatrix under D65, then sRGB), a saturation
   boost, auto exposure to a mean of ``target`` linear luminance, the sRGB curve followed by a
   contrast S-curve ``y = x - s sin(2 pi x) / (2 pi)``, a 0.7 px blur, Gaussian noise of
   ``noise`` 8-bit codes, 8-bit quantisation.

The truth is the chart's reference L*a*b* D50 (X-Rite) and the patch boxes in the frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

from brightroom.charts.colorchecker import colorchecker, colorchecker_reference_lab
from brightroom.charts.scene import srgb_to_reflectance
from brightroom.color.spaces import D50_XYZ, bradford_adaptation, get_space, srgb_encode
from brightroom.errors import ParameterError
from brightroom.lab.camera.presets import get_preset
from brightroom.lab.camera.spectral import dng_calibration, illuminant, response_spectra

__all__ = ["WebcamFrame", "webcam_chart_frame", "WEBCAM_LIGHTS"]

WEBCAM_LIGHTS = {"daylight D65": "D65", "tungsten A": "A", "LED 4000K": 4000.0}
"""The three lights of the true-colour bar: name -> :func:`~brightroom.lab.camera.spectral.
illuminant` spec."""

_WALL = (0.42, 0.36, 0.30)  # linear sRGB reflectances of the materials
_BOX_BLUE = (0.05, 0.12, 0.45)
_BOX_RED = (0.50, 0.06, 0.05)
_FRAME = 0.03


@dataclass(frozen=True, eq=False)
class WebcamFrame:
    """A rendered frame: uint8 RGB ``image``, the chart's patch ``boxes`` (``(24, 4)``
    ``y0, x0, y1, x1``, the central half of each patch) and ``reference_lab`` (D50)."""

    image: np.ndarray
    boxes: np.ndarray
    reference_lab: np.ndarray
    light: str


@cache
def _materials(camera: str, light: str | float) -> np.ndarray:
    """Camera RGB (relative) of the 24 patches, frame, wall and boxes under ``light``."""
    sens = get_preset(camera).qe()
    ill = illuminant(light)
    chart = colorchecker(8)
    spectra = np.concatenate([np.asarray(chart.spectra, np.float64),
                              np.full((1, chart.spectra.shape[1]), _FRAME),
                              np.clip(srgb_to_reflectance(np.array([_WALL, _BOX_BLUE,
                                                                    _BOX_RED])), 0, 1)])
    white = response_spectra(sens, ill, np.ones(spectra.shape[1]))
    return response_spectra(sens, ill, spectra) / white[1]


@cache
def _daylight_matrix(camera: str) -> tuple[np.ndarray, np.ndarray]:
    """The webcam's fixed colour matrix (white-balanced camera RGB -> linear sRGB) and its
    daylight neutral."""
    cal = dng_calibration(get_preset(camera).qe(), "D65")
    srgb = get_space("sRGB")
    to_srgb = np.linalg.inv(srgb.to_xyz) @ bradford_adaptation(D50_XYZ, srgb.white)
    return to_srgb @ cal.forward_matrix, np.asarray(cal.neutral)


def webcam_chart_frame(light: str | float = "D65", *, size: tuple[int, int] = (1280, 720),
                       seed: int = 0, position: tuple[float, float] = (0.5, 0.5),
                       width: float = 0.45, tilt: float = 0.08, awb_strength: float = 0.6,
                       saturation: float = 1.15, s_curve: float = 0.3, noise: float = 1.5,
                       target: float = 0.16, camera: str = "budget-phone") -> WebcamFrame:
    """A webcam-like frame of a ColorChecker under ``light`` (see the module notes).

    Parameters
    ----------
    light
        An illuminant name (``"D65"``, ``"A"``, ``"F2"``...) or a CCT in kelvin.
    size
        (width, height) of the frame.
    seed
        Seed of the noise.
    position, width, tilt
        Chart centre (fractions of width and height), its width as a fraction of the frame
        width, and the perspective (fraction by which its right side is shorter).
    awb_strength
        0 (none) .. 1 (full grey world) auto white balance.
    saturation, s_curve, noise, target
        The webcam's saturation boost, contrast S-curve strength, noise (8-bit codes) and auto
        exposure target (mean linear luminance).
    camera
        The virtual camera's sensitivities (a :mod:`brightroom.lab.camera.presets` name).
    """
    w, h = size
    if w < 160 or h < 120:
        raise ParameterError(f"webcam frames need at least 160x120, got {w}x{h}")
    if not 0.15 <= width <= 0.9 or not 0 <= tilt < 0.4 or not 0 <= awb_strength <= 1:
        raise ParameterError("width must be in [0.15, 0.9], tilt in [0, 0.4), awb_strength "
                             "in [0, 1]")
    rng = np.random.default_rng(seed)
    chart = colorchecker(32)
    labels = chart.labels.astype(np.float32)
    ch, cw = labels.shape
    cx, cy = position[0] * w, position[1] * h
    out_w = width * w
    out_h = out_w * ch / cw
    src = np.float32([[0, 0], [cw, 0], [cw, ch], [0, ch]])
    dst = np.float32([[cx - out_w / 2, cy - out_h / 2],
                      [cx + out_w / 2, cy - out_h / 2 * (1 - tilt)],
                      [cx + out_w / 2, cy + out_h / 2 * (1 - tilt)],
                      [cx - out_w / 2, cy + out_h / 2]])
    hmat = cv2.getPerspectiveTransform(src, dst)
    # material index per pixel: 0..23 patches, 24 chart frame, 25 wall, 26 / 27 boxes
    inside = cv2.warpPerspective(np.ones((ch, cw), np.float32), hmat, (w, h),
                                 flags=cv2.INTER_NEAREST, borderValue=0)
    lab = cv2.warpPerspective(labels, hmat, (w, h), flags=cv2.INTER_NEAREST, borderValue=-1)
    mat = np.full((h, w), 25, np.int32)
    mat[int(0.62 * h):int(0.95 * h), int(0.04 * w):int(0.2 * w)] = 26
    mat[int(0.55 * h):int(0.95 * h), int(0.8 * w):int(0.96 * w)] = 27
    mat[inside > 0] = 24
    mat[lab >= 0] = lab[lab >= 0].astype(np.int32)
    cam = _materials(camera, light)[mat].astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((xx - w / 2) ** 2 + (yy - h / 2) ** 2) / (0.25 * (w * w + h * h))
    cam *= (1 - 0.25 * r2)[..., None]
    # the webcam: partial grey-world white balance, daylight matrix, saturation, exposure
    m, neutral = _daylight_matrix(camera)
    means = cam.reshape(-1, 3).mean(0)
    full = means[1] / means
    gains = (1 / neutral) ** (1 - awb_strength) * full ** awb_strength
    rgb = (cam * gains.astype(np.float32)) @ m.T.astype(np.float32)
    y = rgb @ np.float32([0.2126, 0.7152, 0.0722])
    rgb = y[..., None] + saturation * (rgb - y[..., None])
    rgb *= np.float32(target / max(float(y.mean()), 1e-6))
    v = srgb_encode(np.clip(rgb, 0, 1))
    v = v - np.float32(s_curve / (2 * math.pi)) * np.sin(np.float32(2 * math.pi) * v)
    v = cv2.GaussianBlur(v.astype(np.float32), (0, 0), 0.7)
    v = v * 255 + rng.normal(0, noise, v.shape).astype(np.float32)
    img = np.clip(v + 0.5, 0, 255).astype(np.uint8)
    # truth boxes: the central half of each patch, around its warped centre
    centres = np.stack([(chart.ground_truth["boxes"][:, 1] + chart.ground_truth["boxes"][:, 3])
                        / 2, (chart.ground_truth["boxes"][:, 0]
                              + chart.ground_truth["boxes"][:, 2]) / 2], 1)
    pts = cv2.perspectiveTransform(centres[None].astype(np.float32), hmat)[0]
    half = 0.25 * 32 * out_w / cw * (1 - tilt)
    boxes = np.stack([pts[:, 1] - half, pts[:, 0] - half, pts[:, 1] + half,
                      pts[:, 0] + half], 1).round().astype(np.int64)
    name = light if isinstance(light, str) else f"{light:g}K"
    return WebcamFrame(img, boxes, np.asarray(colorchecker_reference_lab(), np.float64), name)
