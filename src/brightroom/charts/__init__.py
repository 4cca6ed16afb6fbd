"""Test charts and scenes with exact ground truth.

Every chart returns a :class:`~brightroom.charts.scene.Scene`: linear reflectance over a fixed
spectral basis (or measured spectra, for the ColorChecker), plus what is known about it.
"""

from brightroom.charts.colorchecker import (
    COLORCHECKER_GREY18,
    COLORCHECKER_MID_GREYS,
    COLORCHECKER_NAMES,
    COLORCHECKER_NEUTRALS,
    COLORCHECKER_WB_NEUTRALS,
    colorchecker,
    colorchecker_grid_homography,
    colorchecker_patch_boxes,
    colorchecker_reference_lab,
    colorchecker_spectra,
)
from brightroom.charts.dead_leaves import dead_leaves
from brightroom.charts.detect import ColorCheckerDetection, colorchecker_boxes, detect_colorchecker
from brightroom.charts.flat import flat
from brightroom.charts.gray_steps import dynamic_range_steps, gray_steps
from brightroom.charts.natural import NATURAL_SCENES, natural
from brightroom.charts.scene import (
    WAVELENGTHS,
    Scene,
    basis,
    cmfs,
    illuminant_sd,
    scene_truth_rgb,
    scene_xyz,
    spectra_xyz,
    srgb_to_reflectance,
)
from brightroom.charts.slanted_edge import slanted_edge
from brightroom.charts.zone_plate import zone_plate

__all__ = [
    "WAVELENGTHS",
    "Scene",
    "basis",
    "cmfs",
    "illuminant_sd",
    "scene_xyz",
    "scene_truth_rgb",
    "spectra_xyz",
    "srgb_to_reflectance",
    "slanted_edge",
    "colorchecker",
    "colorchecker_spectra",
    "colorchecker_reference_lab",
    "COLORCHECKER_NAMES",
    "COLORCHECKER_NEUTRALS",
    "COLORCHECKER_WB_NEUTRALS",
    "COLORCHECKER_MID_GREYS",
    "COLORCHECKER_GREY18",
    "colorchecker_grid_homography",
    "colorchecker_patch_boxes",
    "gray_steps",
    "dynamic_range_steps",
    "dead_leaves",
    "zone_plate",
    "flat",
    "natural",
    "NATURAL_SCENES",
    "detect_colorchecker",
    "colorchecker_boxes",
    "ColorCheckerDetection",
]
