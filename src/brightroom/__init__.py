"""Brightroom: an open computational camera.

>>> import brightroom
>>> raw = brightroom.read("IMG_0001.dng")                               # doctest: +SKIP
>>> photo = brightroom.develop(raw, recipe="default", wb="auto")        # doctest: +SKIP
>>> brightroom.write(photo, "IMG_0001.jpg")                             # doctest: +SKIP
>>> brightroom.portrait("IMG_0002.heic", "portrait.jpg", aperture=1.4)  # doctest: +SKIP

The public API is every name in ``__all__``: whatever the ``brightroom`` command does, by the
same words (``brightroom look apply --strength`` is ``brightroom.look_apply(..., strength=)``;
see :mod:`brightroom.api` for the rules). The functions are written in :mod:`brightroom.api`,
or, where a capability's function already is the API, there (``read``, ``read_raw``,
``read_image`` and ``write`` are :mod:`brightroom.io`'s, ``merge`` is
:func:`brightroom.burst.night.merge_burst`, ``list_recipes`` is
:func:`brightroom.develop.recipe.list_recipes`, ``demo`` is :func:`brightroom.lab.demo.demo`),
and :mod:`brightroom.api` imports them. This package re-exports every name lazily (PEP 562), so
that ``import brightroom`` loads nothing else until a name is used.

``develop``, ``portrait``, ``scan``, ``edit`` and ``animate`` are both API functions and
subpackages (the pipeline internals in :mod:`brightroom.develop`, the portrait internals in
:mod:`brightroom.portrait`, the document scanner in :mod:`brightroom.scan`, the editor's in
:mod:`brightroom.edit`, the animated-image encoders in :mod:`brightroom.animate`). The import
system binds a subpackage as an attribute of its parent once, when the subpackage is first
loaded. This module loads them (their ``__init__`` modules import nothing) and removes that
binding, so ``brightroom.develop`` is always resolved by :func:`__getattr__` to the function, and
no later import (``import brightroom.develop.recipe``) rebinds it: the package is already loaded.
The function carries the package's namespace as its ``__dict__``, so
``brightroom.develop.recipe`` and ``import brightroom.develop.recipe as recipe`` still name the
module.
"""

from __future__ import annotations

import importlib as _importlib
from typing import Any

from brightroom._version import __version__ as __version__

__all__ = [
    # files
    "read", "read_raw", "read_image", "write",
    # develop
    "develop", "load_recipe", "list_recipes",
    # bursts
    "merge", "night", "hdr", "superres",
    # portrait
    "portrait",
    # document scanning
    "scan", "find_page",
    # animated images
    "animate", "AnimateResult", "ANIMATE_FORMATS", "GIF_PALETTES", "GIF_COLOUR_SPACES",
    # video
    "stabilize", "video_denoise",
    # live filters
    "live", "live_frames", "LiveStats", "LiveSession", "LIVE_EFFECTS",
    # looks and calibration
    "look_list", "look_apply", "look_export", "look_match", "look_learn", "calibrate",
    # editing
    "edit", "edit_preview",
    # the lab
    "lab_score", "lab_compare", "lab_measure", "demo",
    # types
    "RawImage", "Image", "Recipe", "Look", "LUT3D", "PortraitResult", "VideoStats", "StabilizeResult",
    "VideoDenoiseResult", "LabResults",
    "LabScoreResult", "LabRanking", "DemoResult", "LinearRawImage", "ScanPage", "EditList",
    "EditResult", "EditPreview",
    # errors and warnings
    "BrightroomError", "InputError", "UnsupportedRawError", "CorruptFileError",
    "UnsupportedFormatError", "OutputExistsError", "RecipeError", "ParameterError",
    "PipelineError", "ChartNotFoundError", "MergeError", "NoSubjectError", "ModelNotFoundError",
    "PageNotFoundError", "OCREngineMissingError",
    "BurstWarning", "RawFormatWarning", "EditWarning",
    # choices
    "WB_PRESETS", "SCHEDULES", "BURST_MODES", "LENS_STYLES", "PORTRAIT_PRESETS",
    "CALIBRATION_METHODS", "LAB_PLANS", "MEASURE_CHARTS", "WRITE_EXTENSIONS",
    "SCAN_MODES", "SCAN_LANGS", "SCAN_OCR", "SCAN_OUTPUTS", "EDIT_BANDS",
]

# Load the subpackages that share a name with an API function, then drop the attribute the
# import system bound for each: from now on __getattr__ answers those names (see above).
for _package in ("develop", "portrait", "scan", "edit", "animate", "live"):
    _importlib.import_module(f"{__name__}.{_package}")
    del globals()[_package]
del _package


def __getattr__(name: str) -> Any:
    if name in __all__:
        value = getattr(_importlib.import_module(f"{__name__}.api"), name)
        globals()[name] = value  # resolved once
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
