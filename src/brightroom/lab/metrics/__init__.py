"""Image-quality metrics of the Brightroom lab, one module per standard.

Every metric is a pure function of float32 arrays (``H x W`` or ``H x W x 3``; linear unless a
parameter says otherwise) returning a frozen dataclass with the numbers and the curves and a
``to_dict()`` for JSON. Frequencies are in cycles per pixel.

=====================  ==========================================================  ===========
name in ``METRICS``    what                                                        standard
=====================  ==========================================================  ===========
``sfr``                slanted-edge SFR, MTF50, MTF50P, edge acutance              ISO 12233
``edge_ringing``       overshoot / undershoot / ringing / 10-90 rise of an edge    ISO 12233 D
``dead_leaves_mtf``    noise-compensated texture MTF, texture acutance             CPIQ
``snr``                mean / std SNR of a flat patch (and dB)                     ISO 15739
``visual_noise``       CSF-filtered CIELUV visual noise                            ISO 15739 B
``delta_e_2000``       CIEDE2000                                                   CIE 142
``colorchecker``       24-patch dE00 / dC00, exposure-normalised                   CIE 142
``wb_angular_error``   angle between a neutral and its target, degrees             -
``exposure_error``     EV error on 18 % grey                                       ISO 12232
``dynamic_range``      DR in stops at SNR = 1 and SNR = 10 from a step chart       ISO 15739
``false_colour``       chroma on a neutral target (zone plate)                     -
``moire``              aliasing energy against the truth zone plate                -
=====================  ==========================================================  ===========

Also here, returning plain numbers rather than result dataclasses (so not in ``METRICS``):

* the full-reference image metrics of the colour floor, re-exported from
  :mod:`brightroom.color.metrics` (one implementation for the library, the lab, the tests and
  the benchmarks): ``mse``, ``psnr``, ``exposure_scale``, ``exposure_fitted_psnr`` and
  ``delta_e_image`` (per-pixel CIEDE2000);
* the bokeh metric of :mod:`brightroom.lab.metrics.bokeh`: ``bokeh_errors`` (PSNR overall and
  at the subject's silhouette against the exact layered reference), ``bokeh_score`` and
  ``silhouette_band``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from brightroom.color.metrics import (
    delta_e_image,
    exposure_fitted_psnr,
    exposure_scale,
    mse,
    psnr,
)
from brightroom.lab.metrics._common import (
    VIEWING_CONDITIONS,
    ViewingCondition,
    csf_blue_yellow,
    csf_luminance,
    csf_red_green,
    get_viewing,
)
from brightroom.lab.metrics.artefacts import (
    FalseColourResult,
    MoireResult,
    RingingResult,
    edge_ringing,
    false_colour,
    moire,
)
from brightroom.lab.metrics.bokeh import bokeh_errors, bokeh_score, silhouette_band
from brightroom.lab.metrics.colour import (
    ColorCheckerResult,
    colorchecker_accuracy,
    delta_e_2000,
    lab_to_xyz,
    rgb_to_lab_d50,
    wb_angular_error,
    xyz_to_lab,
)
from brightroom.lab.metrics.exposure import (
    DynamicRangeResult,
    ExposureResult,
    dynamic_range,
    exposure_error,
)
from brightroom.lab.metrics.noise import SNRResult, VisualNoiseResult, snr, visual_noise
from brightroom.lab.metrics.sfr import (
    EdgeProfile,
    SFRResult,
    acutance,
    esf_profile,
    mtf_crossing,
    sfr,
)
from brightroom.lab.metrics.texture import TextureResult, dead_leaves_mtf, radial_psd

METRICS: dict[str, Callable[..., Any]] = {
    "sfr": sfr,
    "edge_ringing": edge_ringing,
    "dead_leaves_mtf": dead_leaves_mtf,
    "snr": snr,
    "visual_noise": visual_noise,
    "delta_e_2000": delta_e_2000,
    "colorchecker": colorchecker_accuracy,
    "wb_angular_error": wb_angular_error,
    "exposure_error": exposure_error,
    "dynamic_range": dynamic_range,
    "false_colour": false_colour,
    "moire": moire,
}
"""Every metric by short name."""

__all__ = [
    "METRICS",
    "sfr",
    "SFRResult",
    "EdgeProfile",
    "esf_profile",
    "acutance",
    "mtf_crossing",
    "dead_leaves_mtf",
    "TextureResult",
    "radial_psd",
    "snr",
    "SNRResult",
    "visual_noise",
    "VisualNoiseResult",
    "delta_e_2000",
    "colorchecker_accuracy",
    "ColorCheckerResult",
    "wb_angular_error",
    "xyz_to_lab",
    "lab_to_xyz",
    "rgb_to_lab_d50",
    "exposure_error",
    "ExposureResult",
    "dynamic_range",
    "DynamicRangeResult",
    "false_colour",
    "FalseColourResult",
    "moire",
    "MoireResult",
    "edge_ringing",
    "RingingResult",
    "ViewingCondition",
    "VIEWING_CONDITIONS",
    "get_viewing",
    "csf_luminance",
    "csf_red_green",
    "csf_blue_yellow",
    "mse",
    "psnr",
    "exposure_scale",
    "exposure_fitted_psnr",
    "delta_e_image",
    "bokeh_errors",
    "bokeh_score",
    "silhouette_band",
]
