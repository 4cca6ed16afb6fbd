"""Brightroom's public Python API: every capability of the ``brightroom`` command, by the same names.

>>> import brightroom
>>> photo = brightroom.develop("IMG_0001.dng", "IMG_0001.jpg", recipe="default")  # doctest: +SKIP
>>> brightroom.portrait("IMG_0002.heic", "portrait.jpg", aperture=1.4)            # doctest: +SKIP
>>> brightroom.look_apply(photo, "film", "film.jpg", strength=0.7)                # doctest: +SKIP

The names are re-exported lazily by the package root (``brightroom.<name>``, listed in
``brightroom.__all__``); this module is where the functions are written. How the CLI maps onto
them:

* a command is a function of the same name (``brightroom develop`` -> :func:`develop`,
  ``brightroom portrait`` -> :func:`portrait`, ``brightroom calibrate`` -> :func:`calibrate`,
  ``brightroom demo`` -> :func:`demo`);
* a sub-command ``brightroom <group> <action>`` is ``<group>_<action>``
  (``brightroom look apply`` -> :func:`look_apply`, ``brightroom lab score`` -> :func:`lab_score`);
* every option is a keyword of the same name (``--aperture`` -> ``aperture=``,
  ``--patch-size`` -> ``patch_size=``); ``-o/--output`` is ``output``, and a negative flag
  ``--no-X`` is ``X=False`` (``--no-lab`` -> ``lab=False``). Options that only choose how the
  CLI prints (``--json``) have no keyword: the functions return the data.

Functions that write a file take it as ``output`` and check it before any work: an existing file
(or one of the inputs) is never replaced without ``overwrite=True``, and every write is atomic.
Inputs may be files or objects in memory (:class:`~brightroom.types.RawImage`,
:class:`~brightroom.types.Image`); results are returned either way.

Errors are the :mod:`brightroom.errors` hierarchy (:class:`BrightroomError` and its
subclasses), with messages that name the file or value and what was expected.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from brightroom import __all__ as __all__  # the public names are declared once, in the root
from brightroom.develop.pipeline import SCHEDULES as SCHEDULES
from brightroom.develop.pipeline import Pipeline
from brightroom.develop.recipe import Recipe as Recipe
from brightroom.develop.recipe import list_recipes as list_recipes
from brightroom.develop.run import WB_PRESETS as WB_PRESETS
from brightroom.develop.run import develop as _develop
from brightroom.develop.run import resolve_recipe
from brightroom.errors import BrightroomError as BrightroomError
from brightroom.errors import ChartNotFoundError as ChartNotFoundError
from brightroom.errors import CorruptFileError as CorruptFileError
from brightroom.errors import InputError as InputError
from brightroom.errors import MergeError as MergeError
from brightroom.errors import OutputExistsError as OutputExistsError
from brightroom.errors import ParameterError as ParameterError
from brightroom.errors import PipelineError as PipelineError
from brightroom.errors import RecipeError as RecipeError
from brightroom.errors import UnsupportedFormatError as UnsupportedFormatError
from brightroom.errors import UnsupportedRawError as UnsupportedRawError
from brightroom.files import atomic_write
from brightroom.io import WRITE_EXTENSIONS as WRITE_EXTENSIONS
from brightroom.io import read as read
from brightroom.io import read_image as read_image
from brightroom.io import read_raw as read_raw
from brightroom.io import write as write
from brightroom.io.atomic import check_output
from brightroom.io.raw import RawFormatWarning as RawFormatWarning
from brightroom.types import Image as Image
from brightroom.types import LinearRawImage as LinearRawImage
from brightroom.types import RawImage as RawImage

if TYPE_CHECKING:  # annotations only; the names resolve lazily (see _LAZY)
    from brightroom.animate.run import AnimateResult
    from brightroom.color.lut import LUT3D, LUTSequence
    from brightroom.edit.params import EditList
    from brightroom.edit.preview import Preview as EditPreview
    from brightroom.edit.run import EditResult
    from brightroom.io.depth import DepthMap
    from brightroom.lab.leaderboard import Entry
    from brightroom.lab.run import LabResults
    from brightroom.live.engine import LiveSession, LiveStats
    from brightroom.looks import Look
    from brightroom.portrait.photo import PortraitResult
    from brightroom.portrait.video import VideoStats
    from brightroom.scan.page import ScanPage
    from brightroom.video.denoise import VideoDenoiseResult
    from brightroom.video.stabilize import StabilizeResult

PathLike = str | os.PathLike[str]
_F = TypeVar("_F", bound=Callable[..., Any])

BURST_MODES = ("auto", "night", "hdr", "superres")
"""Burst modes of :func:`develop` and :func:`merge`: ``"auto"``, ``"night"``, ``"hdr"``,
``"superres"`` (the burst package's ``MODES``, written here so that the command line need not
load it)."""
ZOOM_RANGE = (1.0, 10.0)
SCALE_RANGE = (1.0, 3.0)
PORTRAIT_PRESETS = ("quality", "light")
"""Video presets of :func:`portrait`: ``"quality"`` (the general segmentation model, blur at
960 px) and ``"light"`` (the landscape model at 256x144, blur at 480 px, fast x264)."""
LIVE_EFFECTS = ("blur", "replace", "none")
"""Background effects of :func:`live`: ``"blur"`` (normalised masked blur, no halo),
``"replace"`` (an image behind the person), ``"none"``."""
LAB_PLANS = ("full", "quick")
"""Shooting plans of :func:`lab_score`: ``"full"`` (ranked) and ``"quick"`` (two conditions, a
preview ranked separately). ``"tiny"`` exists for tests."""

# Public names whose home loads heavy libraries (scipy, OpenCV, numba, mediapipe): resolved on
# first use (PEP 562), so that ``brightroom develop`` never loads the burst, lab, looks or
# portrait rooms. ``merge`` is :func:`brightroom.burst.night.merge_burst`: read, check, align
# and merge a burst (``mode`` ``"auto"``, ``"night"`` or ``"hdr"``, ``ref``) into one RawImage.
_LAZY = {
    "merge": ("brightroom.burst", "merge_burst"),
    "BurstWarning": ("brightroom.burst", "BurstWarning"),
    "LUT3D": ("brightroom.color.lut", "LUT3D"),
    "DemoResult": ("brightroom.lab.demo", "DemoResult"),
    "demo": ("brightroom.lab.demo", "demo"),
    "MEASURE_CHARTS": ("brightroom.lab.measure", "MEASURE_CHARTS"),
    "LabResults": ("brightroom.lab.run", "LabResults"),
    "Look": ("brightroom.looks", "Look"),
    "CALIBRATION_METHODS": ("brightroom.looks.calibrate", "CALIBRATION_METHODS"),
    "LENS_STYLES": ("brightroom.portrait.bokeh", "LENS_STYLES"),
    "PortraitResult": ("brightroom.portrait.photo", "PortraitResult"),
    "ModelNotFoundError": ("brightroom.portrait.segment", "ModelNotFoundError"),
    "NoSubjectError": ("brightroom.portrait.segment", "NoSubjectError"),
    "VideoStats": ("brightroom.portrait.video", "VideoStats"),
    "LiveStats": ("brightroom.live.engine", "LiveStats"),
    "LiveSession": ("brightroom.live.engine", "LiveSession"),
    "VideoDenoiseResult": ("brightroom.video.denoise", "VideoDenoiseResult"),
    "StabilizeResult": ("brightroom.video.stabilize", "StabilizeResult"),
    "AnimateResult": ("brightroom.animate.run", "AnimateResult"),
    "EDIT_BANDS": ("brightroom.edit.params", "BANDS"),
    "EditList": ("brightroom.edit.params", "EditList"),
    "EditPreview": ("brightroom.edit.preview", "Preview"),
    "EditResult": ("brightroom.edit.run", "EditResult"),
    "EditWarning": ("brightroom.edit.run", "EditWarning"),
    "PageNotFoundError": ("brightroom.scan.find", "PageNotFoundError"),
    "SCAN_LANGS": ("brightroom.scan.ocr", "LANGS"),
    "OCREngineMissingError": ("brightroom.scan.ocr", "OCREngineMissingError"),
    "ScanPage": ("brightroom.scan.page", "ScanPage"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value  # resolved once
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

SCAN_MODES = ("color", "gray", "bw")
"""Modes of :func:`scan`: ``"color"``, ``"gray"``, ``"bw"`` (Sauvola binarisation)."""
SCAN_OCR = ("ppocr", "tesseract", "none")
"""OCR engines of :func:`scan`: ``"ppocr"`` (PP-OCRv4 from its wheel), ``"tesseract"``, ``"none"``."""
SCAN_OUTPUTS = (".pdf", ".png", ".jpg", ".jpeg", ".txt")
"""Output kinds of :func:`scan`: a searchable PDF (several photos: one page each), or for one photo
the flattened page as PNG/JPEG, or its text."""

_VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v", ".mkv", ".webm")
ANIMATE_FORMATS = (".gif", ".webp", ".png", ".apng")
"""Output extensions of :func:`animate`: ``.gif``, ``.webp``, ``.png`` and ``.apng`` (APNG); the
animate room's ``FORMATS`` (a test checks), written here so that the command line need not load
it."""
GIF_PALETTES = ("frame", "shared")
"""GIF palette modes of :func:`animate`: ``"frame"`` (a palette per frame, kept stable where
nothing moves) and ``"shared"`` (one for the whole animation); the encoder's ``PALETTE_MODES``."""
GIF_COLOUR_SPACES = ("oklab", "srgb")
"""Colour spaces of :func:`animate`'s GIF/APNG palettes: ``"srgb"`` and ``"oklab"``; the animate
room's ``COLOUR_SPACES``."""


def _carries_package(package: str) -> Callable[[_F], _F]:
    """Give the decorated function the namespace of the subpackage it shares its name with.

    ``brightroom.develop`` and ``brightroom.portrait`` are both API functions and subpackages.
    The package root binds the name to the function (see :mod:`brightroom`); with the package's
    module dictionary as the function's ``__dict__`` (a writable attribute of every function),
    ``brightroom.develop.recipe`` still names the :mod:`brightroom.develop.recipe` module, and a
    submodule imported later (``import brightroom.develop.tone``) appears on the function too,
    since the import system binds it in that same dictionary.
    """

    def bind(fn: _F) -> _F:
        fn.__dict__ = importlib.import_module(package).__dict__
        return fn

    return bind


# ----------------------------------------------------------------------------- helpers

def _path(obj: object) -> Path | None:
    """``obj`` as a path, or ``None`` when it is an object in memory."""
    return Path(obj) if isinstance(obj, (str, os.PathLike)) else None


def _paths(objs: Sequence[object]) -> tuple[Path, ...]:
    return tuple(p for p in (_path(o) for o in objs) if p is not None)


def _check_image_output(output: PathLike, overwrite: bool, inputs: Sequence[Path]) -> Path:
    """Fail before any work if ``output`` cannot be written as an image."""
    out = Path(output)
    if out.suffix.lower() not in WRITE_EXTENSIONS:
        raise UnsupportedFormatError(f"{out}: unsupported image format "
                                     f"{out.suffix or '(no extension)'!r}; supported: "
                                     f"{', '.join(WRITE_EXTENSIONS)}")
    return check_output(out, overwrite=overwrite, inputs=inputs)


def _as_image(image: Image | np.ndarray | PathLike) -> Image | np.ndarray:
    """An image given in memory as it is, or read from its file."""
    src = _path(image)
    if src is not None:
        return read_image(src)
    if not isinstance(image, (Image, np.ndarray)):
        raise ParameterError(f"expected an Image or an image file, got {type(image).__name__}")
    return image


def _kept_bit_depth(source: Image, output: Path) -> int | None:
    """The bit depth that keeps ``source``'s where the output format has it (PNG, TIFF; HEIC
    10 or 12, AVIF 10 for a source of more than 8 bits)."""
    depth = source.metadata.get("bit_depth")
    ext = output.suffix.lower()
    if ext in (".heic", ".heif", ".avif"):
        if not depth or int(depth) <= 8:
            return None
        return 10 if ext == ".avif" or int(depth) < 12 else 12
    if ext not in (".png", ".tif", ".tiff"):
        return None
    if depth and int(depth) == 32 and ext != ".png":
        return 32
    return 8 if not depth or int(depth) <= 8 else 16


# ----------------------------------------------------------------------------- develop

def load_recipe(recipe: str | PathLike | Recipe, *, wb: str | float | None = None) -> Recipe:
    """A recipe by shipped name or file, with an optional white-balance override.

    Parameters
    ----------
    recipe
        A shipped recipe name (:func:`list_recipes`: ``"default"``, ``"neutral"``), a ``.toml``
        recipe file, or a :class:`~brightroom.develop.recipe.Recipe` (returned as is).
    wb
        Replace the recipe's white balance (as ``--wb`` does): ``"as-shot"``, ``"auto"``, a
        preset (:data:`WB_PRESETS`) or a colour temperature in kelvin (``5600``, ``"5600K"``).

    Returns
    -------
    Recipe

    Raises
    ------
    RecipeError
        Unknown recipe name, malformed recipe file.
    InputError
        Missing or unreadable recipe file.
    ParameterError
        A ``wb`` that is none of the above, or outside 1500..15000 K.
    """
    return resolve_recipe(recipe, wb)


@_carries_package("brightroom.develop")
def develop(
    raw: RawImage | LinearRawImage | PathLike | Sequence[RawImage | PathLike],
    output: PathLike | None = None,
    *,
    recipe: str | PathLike | Recipe = "default",
    wb: str | float | None = None,
    schedule: str = "fused",
    burst: bool = False,
    mode: str = "auto",
    ref: int | None = None,
    quality: int = 92,
    overwrite: bool = False,
    matrix: str | PathLike | None = None,
    zoom: float = 1.0,
    scale: float | None = None,
) -> Image:
    """Develop a raw image (or a merged burst) into a finished photo: ``brightroom develop``.

    Parameters
    ----------
    raw
        A :class:`RawImage` or a raw file (any LibRaw format, DNG included); with ``burst``, the
        frames or files of one burst.
    output
        Write the photo there (JPEG/PNG/TIFF/HEIC/AVIF by extension, :func:`write`), checked
        before developing. An HDR merge written as HEIC or AVIF carries an ISO 21496-1 HDR gain
        map (the highlights of the merge that the tone curve compressed), which HDR displays
        show and other readers ignore.
    recipe
        A shipped recipe name (``"default"``, ``"neutral"``), a recipe file or a
        :class:`~brightroom.develop.recipe.Recipe` (:func:`load_recipe`).
    wb
        Override the recipe's white balance: ``"as-shot"``, ``"auto"``, a preset
        (:data:`WB_PRESETS`) or kelvin.
    schedule
        How the pipeline runs (:data:`SCHEDULES`): ``"fused"`` (neighbouring row stages in one
        pass) or ``"reference"`` (stage after stage); the same image within float rounding.
    burst
        Treat ``raw`` as one burst, aligned and merged into one photo (:func:`merge`).
    mode
        Burst mode (:data:`BURST_MODES`): ``"auto"`` (HDR when the exposures differ, else
        night), ``"night"``, ``"hdr"`` or ``"superres"`` (hand-held multi-frame
        super-resolution, :func:`superres`).
    ref
        Burst reference frame (0-based); by default the sharpest of the first three (night) or
        the median exposure (HDR).
    quality
        JPEG/HEIC/AVIF quality of ``output``, 1-100.
    overwrite
        Replace an existing ``output``.
    matrix
        Override the recipe's colour matrix (``--matrix``): ``"dng"`` (the raw's; a raw
        without one falls back to the identity with a warning), ``"identity"`` (camera RGB as
        the output space), or a matrix file: a Brightroom camera profile (``.json``, from
        ``brightroom look calibrate``) or 9 numbers of a DNG ColorMatrix (XYZ D65 to camera).
    zoom
        ``mode="superres"``: digital zoom, 1..10 (the centre ``1/zoom`` of the frame).
    scale
        ``mode="superres"``: output pixels per sensor pixel, 1..3 (1: super-resolution as a
        demosaic replacement); by default ``zoom`` clamped to 1..3.

    Returns
    -------
    Image
        Display-encoded, with the recipe used in ``metadata["recipe"]`` (TOML) and, for a burst,
        ``metadata["burst_merge"]``.

    Raises
    ------
    InputError
        A missing or unreadable file (:class:`UnsupportedRawError`, :class:`CorruptFileError`).
    OutputExistsError
        ``output`` exists (or is an input) and ``overwrite`` is false.
    RecipeError, ParameterError, PipelineError
        A bad recipe, ``wb``, ``schedule`` or burst option.
    MergeError
        Burst frames that cannot be merged.

    Examples
    --------
    >>> photo = brightroom.develop("IMG_0001.dng", recipe="neutral", wb="auto")  # doctest: +SKIP
    >>> brightroom.develop(["a.dng", "b.dng", "c.dng"], "night.jpg", burst=True,
    ...                    mode="night")                                        # doctest: +SKIP
    """
    if burst:
        if isinstance(raw, (str, os.PathLike, RawImage, LinearRawImage)):
            raise ParameterError("burst=True needs the frames of a burst (a list of raw files or "
                                 "RawImages), got one")
        inputs = _paths(list(raw))
    else:
        if not isinstance(raw, (str, os.PathLike, RawImage, LinearRawImage)):
            raise ParameterError("develop takes one raw image (a RawImage or a raw file); pass "
                                 "burst=True to merge several into one photo")
        if mode != "auto" or ref is not None:
            raise ParameterError("mode and ref choose how a burst is merged; pass burst=True")
        inputs = _paths([raw])
    if mode not in BURST_MODES:
        raise ParameterError(f"burst mode {mode!r} is not one of {', '.join(BURST_MODES)}")
    if mode == "superres":
        scale, zoom = _check_zoom(scale, zoom)
    elif zoom != 1.0 or scale is not None:
        raise ParameterError("zoom and scale are options of the super-resolution burst mode; "
                             "pass burst=True, mode='superres'")
    rec = resolve_recipe(recipe, wb, matrix)  # a bad recipe, wb or matrix fails before any file
    if output is not None:
        _check_image_output(output, overwrite, inputs)
    if burst and mode == "superres":
        from brightroom.burst import develop_burst  # lazy: start-up cost of the command line

        photo = develop_burst(list(raw), recipe=rec, mode=mode, ref=ref, schedule=schedule,
                              zoom=zoom, scale=scale)
    elif burst and output is not None and Path(output).suffix.lower() in _GAIN_MAP_EXTENSIONS:
        photo = _develop_burst_with_gain_map(list(raw), rec, mode, ref, schedule)
    elif burst:
        from brightroom.burst import develop_burst  # lazy: start-up cost of the command line

        photo = develop_burst(list(raw), recipe=rec, mode=mode, ref=ref, schedule=schedule)
    else:
        photo = _develop(raw, recipe=rec, schedule=schedule)
    if output is not None:
        write(photo, output, quality=quality, overwrite=overwrite, inputs=inputs)
    return photo


_GAIN_MAP_EXTENSIONS = (".heic", ".heif", ".avif")


def _check_zoom(scale: float | None, zoom: float) -> tuple[float, float]:
    """``zoom`` in :data:`ZOOM_RANGE`, ``scale`` in :data:`SCALE_RANGE` (default: ``zoom``
    clamped to it); the burst room's ``check_zoom``, written here so that a bad value fails
    before any file is read, without loading the burst room."""
    try:
        z = float(zoom)
    except (TypeError, ValueError):
        raise ParameterError(f"zoom {zoom!r} is not a number") from None
    if not ZOOM_RANGE[0] <= z <= ZOOM_RANGE[1]:
        raise ParameterError(f"zoom {zoom!r} is out of range: it must be in "
                             f"{ZOOM_RANGE[0]:g}..{ZOOM_RANGE[1]:g}")
    if scale is None:
        return min(max(z, SCALE_RANGE[0]), SCALE_RANGE[1]), z
    try:
        s = float(scale)
    except (TypeError, ValueError):
        raise ParameterError(f"scale {scale!r} is not a number") from None
    if not SCALE_RANGE[0] <= s <= SCALE_RANGE[1]:
        raise ParameterError(f"scale {scale!r} is out of range: super-resolution supports "
                             f"{SCALE_RANGE[0]:g}..{SCALE_RANGE[1]:g}")
    return s, z


def _develop_burst_with_gain_map(frames: list, rec: Recipe, mode: str, ref: int | None,
                                 schedule: str) -> Image:
    """:func:`develop_burst`, and for an HDR merge an ISO 21496-1 gain map in
    ``metadata["hdr_gain_map"]``: from the developed photo to the merge's scene-linear
    rendition after the recipe's ``colour`` stage (before tone mapping compressed its
    highlights). The photo itself is what :func:`develop_burst` gives."""
    from brightroom.burst import merge_burst  # lazy: start-up cost of the command line
    from brightroom.io.images.gainmap import hdr_gain_map  # lazy: start-up cost of the command line
    merged = merge_burst(frames, mode=mode, ref=ref)
    photo = _develop(merged, recipe=rec, schedule=schedule)
    info = dict(merged.metadata.get("burst_merge", {"frames": 1, "method": "single"}))
    meta = {**photo.metadata, "burst_merge": info}
    if info.get("method") == "hdr":
        stages = rec.pipeline().stages
        names = [st.name for st in stages]
        if "colour" in names:
            head = Pipeline(stages[: names.index("colour") + 1], f"{rec.name} (HDR rendition)")
            linear = head(merged, schedule=schedule)
            if linear.shape == photo.shape and linear.primaries == photo.primaries:
                gm = hdr_gain_map(photo.data, linear.data)
                if gm is not None:
                    meta["hdr_gain_map"] = gm
    return photo.replace(metadata=meta)


def night(
    frames: Sequence[RawImage | PathLike],
    output: PathLike | None = None,
    *,
    recipe: str | PathLike | Recipe = "default",
    wb: str | float | None = None,
    ref: int | None = None,
    schedule: str = "fused",
    quality: int = 92,
    overwrite: bool = False,
) -> Image:
    """Night mode: align and merge a burst of equal exposures, then develop it.

    ``brightroom develop --burst --mode night``: the same as :func:`develop` with
    ``burst=True, mode="night"`` (the HDR+ pairwise Wiener merge, Hasinoff et al. 2016).

    Parameters
    ----------
    frames
        The raw files or :class:`RawImage` frames of one burst (equal exposures).
    output
        Write the photo there, checked before any work.
    recipe, wb, ref, schedule, quality, overwrite
        As for :func:`develop`.

    Returns
    -------
    Image
        With ``metadata["burst_merge"]`` describing the merge.
    """
    return develop(frames, output, recipe=recipe, wb=wb, schedule=schedule, burst=True,
                   mode="night", ref=ref, quality=quality, overwrite=overwrite)


def hdr(
    frames: Sequence[RawImage | PathLike],
    output: PathLike | None = None,
    *,
    recipe: str | PathLike | Recipe = "default",
    wb: str | float | None = None,
    ref: int | None = None,
    schedule: str = "fused",
    quality: int = 92,
    overwrite: bool = False,
) -> Image:
    """HDR: merge an exposure bracket into one high-dynamic-range raw, then develop it.

    ``brightroom develop --burst --mode hdr``: the same as :func:`develop` with
    ``burst=True, mode="hdr"`` (:func:`brightroom.burst.hdr.merge_hdr`; frames of equal
    exposure fall back to the night merge, with a :class:`BurstWarning`).

    Parameters
    ----------
    frames
        The raw files or :class:`RawImage` frames of one exposure bracket.
    output
        Write the photo there, checked before any work.
    recipe, wb, ref, schedule, quality, overwrite
        As for :func:`develop`.

    Returns
    -------
    Image
        With ``metadata["burst_merge"]`` describing the merge.
    """
    return develop(frames, output, recipe=recipe, wb=wb, schedule=schedule, burst=True,
                   mode="hdr", ref=ref, quality=quality, overwrite=overwrite)


def superres(
    frames: Sequence[RawImage | PathLike],
    output: PathLike | None = None,
    *,
    zoom: float = 1.0,
    scale: float | None = None,
    recipe: str | PathLike | Recipe = "default",
    wb: str | float | None = None,
    ref: int | None = None,
    schedule: str = "fused",
    quality: int = 92,
    overwrite: bool = False,
) -> Image:
    """Zoom: hand-held multi-frame super-resolution of a raw burst, then develop it.

    ``brightroom develop --burst --mode superres [--zoom Z] [--scale S]``: the same as
    :func:`develop` with ``burst=True, mode="superres"``. The CFA samples of every frame are
    aligned to sub-pixel accuracy and merged onto a grid ``scale`` times finer than the
    sensor's, with anisotropic kernels and per-pixel robustness (Wronski et al. 2019,
    :mod:`brightroom.burst.wronski2019`); a burst of one frame is demosaiced and enlarged by
    the single-frame edge-directed upscaler (Zhou et al. 2012), with a :class:`BurstWarning`.

    Parameters
    ----------
    frames
        The raw files or :class:`RawImage` frames of one hand-held burst (same camera and
        size; 8-15 frames work best).
    output
        Write the photo there, checked before any work.
    zoom
        Digital zoom, 1..10: the centre ``1/zoom`` of the frame (each side) is rendered.
    scale
        Output pixels per sensor pixel, 1..3; by default ``zoom`` clamped to 1..3 (so ``zoom=2``
        gives a photo of the sensor's pixel count).
    recipe, wb, ref, schedule, quality, overwrite
        As for :func:`develop`.

    Returns
    -------
    Image
        With ``metadata["burst_merge"]`` describing the merge (``method`` ``"wronski2019"``,
        ``scale``, ``zoom``, ``region``, per-frame ``robustness``).
    """
    return develop(frames, output, recipe=recipe, wb=wb, schedule=schedule, burst=True,
                   mode="superres", ref=ref, quality=quality, overwrite=overwrite, zoom=zoom,
                   scale=scale)


# ----------------------------------------------------------------------------- portrait

@_carries_package("brightroom.portrait")
def portrait(
    image: Image | PathLike,
    output: PathLike | None = None,
    *,
    aperture: float = 2.0,
    focal: float = 50.0,
    focus: str | tuple[float, float] = "auto",
    depth: DepthMap | np.ndarray | PathLike | None = None,
    stereo: Image | np.ndarray | PathLike | None = None,
    style: str = "circle",
    depth_from_file: bool = True,
    preset: str = "quality",
    quality: int = 92,
    overwrite: bool = False,
) -> PortraitResult | VideoStats:
    """Portrait mode: lens-true background blur for a photo or a video (``brightroom portrait``).

    Parameters
    ----------
    image
        A photo (:class:`Image`, or a HEIC/JPEG/PNG/TIFF/AVIF file) or a video file (``.mp4``,
        ``.mov``, ``.m4v``, ``.mkv``, ``.webm``; ``output`` is then required).
    output
        Write the result there: a photo (format by extension, :func:`write`) or, for a video,
        an H.264 MP4. Checked before any work.
    aperture
        Simulated f-number.
    focal
        Full-frame equivalent focal length in mm.
    focus
        ``"auto"`` (the person; else the camera's recorded focus, Google's ``GFocus``; else the
        subject the depth map shows), or the point to focus on: ``(x, y)`` or ``"x,y"`` in
        pixels of the picture (origin top-left, as a user clicks on it), or ``"x%,y%"`` in
        percent of the frame.
    depth
        Photo only: a depth map in metres (a file: HEIC/JPEG with embedded depth, PNG/TIFF/NPY;
        or a 2-D array).
    stereo
        Photo only: the right view of a stereo pair (``image`` is the left view); ``image``'s own
        file for an iPhone spatial photo.
    style
        Lens character (:data:`LENS_STYLES`).
    depth_from_file
        Use a depth map embedded in ``image``'s file (or the second view of a two-view HEIC)
        when neither ``depth`` nor ``stereo`` is given; else the depth comes from the person
        segmentation.
    preset
        Video only (:data:`PORTRAIT_PRESETS`): ``"quality"`` or ``"light"``.
    quality
        JPEG/HEIC/AVIF quality of a photo ``output``, 1-100.
    overwrite
        Replace an existing ``output``.

    Returns
    -------
    PortraitResult or VideoStats
        For a photo: the rendered image, the depth used, the focus distance, where the depth came
        from (``depth_source``) and notes on fallbacks taken. For a video: frame counts and speed.

    Raises
    ------
    NoSubjectError
        No depth and no person found ("no subject": nothing is written; a landscape, a pet or a
        still life needs a depth map).
    ModelNotFoundError
        No depth and the segmentation model is not installed.
    InputError, OutputExistsError, ParameterError
        Missing inputs, views of different sizes, an existing ``output``, bad parameters, a
        photo whose portrait would need more memory than the limit
        (:func:`~brightroom.portrait.photo.check_memory`).
    """
    from brightroom.portrait.bokeh import BokehParams  # lazy: start-up cost of the command line
    from brightroom.portrait.photo import (  # lazy: start-up cost of the command line
        check_memory,
        portrait_inputs,
        render_portrait,
        resolve_focus,
    )
    from brightroom.portrait.video import VideoParams, render_video  # lazy: start-up cost of the command line
    params = BokehParams(f_number=aperture, focal_length=focal, style=style)  # validates
    resolve_focus(focus)  # the syntax, before any work
    if preset not in PORTRAIT_PRESETS:
        raise ParameterError(f"unknown portrait preset {preset!r}; known: "
                             f"{', '.join(PORTRAIT_PRESETS)}")
    src = _path(image)
    if src is not None and not src.exists():
        raise InputError(f"{src}: no such file")
    inputs = () if src is None else (src,)
    if src is not None and src.suffix.lower() in _VIDEO_EXTENSIONS:
        if output is None:
            raise ParameterError(f"{src}: the portrait of a video needs an output file")
        if depth is not None or stereo is not None:
            raise ParameterError(f"{src}: depth and stereo apply to photos; a video's depth "
                                 "comes from the person segmentation")
        check_output(output, overwrite=overwrite, inputs=inputs)
        video = VideoParams.light() if preset == "light" else VideoParams()
        return render_video(src, output, params=params, video=video, focus=focus,
                            overwrite=overwrite)
    if output is not None:
        _check_image_output(output, overwrite, inputs)
    if src is not None:
        check_memory(src)
    photo, z, right = portrait_inputs(image, depth=depth, stereo=stereo,
                                      depth_from_file=depth_from_file)
    result = render_portrait(photo, depth=z, right=right, params=params, focus=focus)
    if output is not None:
        write(result.image, output, quality=quality, overwrite=overwrite, inputs=inputs)
    return result


# ----------------------------------------------------------------------------- scan

def _scan_photo(photo: Image | np.ndarray | PathLike) -> tuple[np.ndarray, str]:
    """A photo as uint8 display RGB, upright as its EXIF orientation says, and its name."""
    from brightroom.io.images.heif import exif_orient  # lazy: keeps the API's import light

    if isinstance(photo, np.ndarray):
        a = photo
        name = "(array)"
    else:
        img = photo if isinstance(photo, Image) else read_image(photo)
        name = str(photo) if not isinstance(photo, Image) else str(img.metadata.get("path", "(image)"))
        a = img.data
        o = int(img.metadata.get("orientation", 1) or 1)
        if o != 1:
            a = exif_orient(a, o)
    if a.ndim == 2:
        a = np.dstack([a] * 3)
    if a.ndim != 3 or a.shape[2] not in (3, 4):
        raise InputError(f"{name}: a photo must be H x W x 3; got shape {a.shape}")
    a = a[..., :3]
    if a.dtype != np.uint8:
        a = (np.clip(a, 0, 1) * 255 + 0.5).astype(np.uint8)
    return np.ascontiguousarray(a), name


def _scan_corners(corners: str | Sequence[Any] | None, n: int) -> list[tuple[np.ndarray, bool] | None]:
    """``corners`` as 4 x 2 numbers and whether they are fractions of the photo (``"%"``)."""
    if corners is None:
        return [None] * n
    relative = False
    if isinstance(corners, str):
        tokens = [v.strip() for v in corners.replace(";", ",").split(",") if v.strip()]
        pct = [t.endswith("%") for t in tokens]
        if any(pct) and not all(pct):
            raise ParameterError(f"corners {corners!r}: all in pixels or all in percent, not mixed")
        relative = bool(pct) and all(pct)
        try:
            vals = [float(t.rstrip("%")) / (100.0 if relative else 1.0) for t in tokens]
        except ValueError:
            raise ParameterError(f"corners {corners!r}: expected 8 numbers x1,y1,...,x4,y4 "
                                 "(pixels, or percent of the photo's width and height)") from None
    else:
        vals = [float(v) for v in np.asarray(corners, np.float64).ravel()]
    if len(vals) != 8:
        raise ParameterError(f"corners: expected 8 numbers (x1,y1,...,x4,y4); got {len(vals)}")
    if not np.all(np.isfinite(vals)):
        raise ParameterError(f"corners: the numbers must be finite; got {vals}")
    if n != 1:
        raise ParameterError(f"corners apply to one photo; got {n} photos")
    return [(np.array(vals, np.float64).reshape(4, 2), relative)]


def find_page(photo: Image | np.ndarray | PathLike) -> tuple[np.ndarray, float]:
    """The page's four corners in a photo: what :func:`scan` finds before flattening.

    For a page editor (the studio drags these corners) or a check before a long batch; an edge
    score below 0.15 is no page (see :func:`brightroom.scan.find.find_page`).

    Parameters
    ----------
    photo
        A HEIC/JPEG/PNG/TIFF file, an :class:`Image` or a uint8 ``H x W x 3`` array; EXIF
        orientation is honoured, as in :func:`scan`.

    Returns
    -------
    corners : numpy.ndarray
        4 x 2 (x, y) in the upright photo's pixels, clockwise from the corner nearest its
        top-left (pass them to :func:`scan` as ``corners``).
    score : float
        The quad's edge score in [0, 1] (about 0.3 and more for a clear page).

    Raises
    ------
    PageNotFoundError
        No page in the photo.
    InputError, CorruptFileError
        A missing, truncated or non-image file (one line naming it).
    """
    from brightroom.scan.find import find_page as _find  # lazy: start-up cost of the command line

    if not isinstance(photo, (Image, np.ndarray)) and not Path(photo).exists():
        raise InputError(f"{photo}: no such file")
    a, _ = _scan_photo(photo)
    return _find(a)


@_carries_package("brightroom.scan")
def scan(
    photos: Image | np.ndarray | PathLike | Sequence[Image | np.ndarray | PathLike],
    output: PathLike | None = None,
    *,
    mode: str = "color",
    lang: str = "auto",
    ocr: str = "ppocr",
    corners: str | Sequence[float] | np.ndarray | None = None,
    dewarp: bool = True,
    quality: int = 80,
    overwrite: bool = False,
) -> list[ScanPage]:
    """Scan phone photos of pages into a searchable PDF (``brightroom scan``).

    Each photo: the page is found (or ``corners`` are used), flattened to its true aspect
    ratio, turned upright, cleaned of shadows and uneven light, rendered in ``mode`` and read
    by ``ocr``.

    Parameters
    ----------
    photos
        One photo or several (HEIC/JPEG/PNG/TIFF files, :class:`Image` objects or uint8 arrays);
        EXIF orientation is honoured.
    output
        ``.pdf``: one page per photo, in order, each the page image with an invisible text
        layer. For one photo also ``.png``/``.jpg`` (the flattened page) or ``.txt`` (its text).
        Checked before any work; written atomically, so no partial file is left behind.
    mode
        :data:`SCAN_MODES`: ``"color"``, ``"gray"`` or ``"bw"``.
    lang
        :data:`SCAN_LANGS`: ``"auto"`` (per page), ``"eng"``, ``"chi_sim"``, ``"eng+chi_sim"``.
    ocr
        :data:`SCAN_OCR`: ``"ppocr"``, ``"tesseract"`` or ``"none"`` (no text layer).
    corners
        The page's four corners in the photo's pixels, ``"x1,y1,x2,y2,x3,y3,x4,y4"`` or 4 x 2
        numbers (any order), or in percent of the upright photo's width and height
        (``"10%,5%,90%,6%,92%,95%,8%,94%"``), for one photo; default: found
        (:func:`find_page`).
    dewarp
        Straighten the bowed text lines of a curved page (a book, a folded receipt).
    quality
        JPEG quality of the page images (color and gray modes).
    overwrite
        Replace an existing ``output``.

    Returns
    -------
    list of ScanPage
        Per photo: ``corners`` (in the input photo's pixels, top-left, top-right, bottom-right,
        bottom-left of the page as it reads), ``text``, ``lang``, ``image``, ``notes``.

    Raises
    ------
    PageNotFoundError
        A photo without a page (and no ``corners``).
    OCREngineMissingError
        The OCR engine is not installed (the message names the package).
    InputError, CorruptFileError, OutputExistsError, ParameterError
        Missing, truncated or non-image inputs (one line naming the file), an existing
        ``output``, bad options.
    """
    from brightroom.scan.ocr import LANGS as SCAN_LANGS  # lazy: start-up cost of the command line
    from brightroom.scan.page import scan_page  # lazy: start-up cost of the command line
    from brightroom.scan.pdf import pdf_bytes  # lazy: start-up cost of the command line
    items = list(photos) if isinstance(photos, (list, tuple)) else [photos]
    if not items:
        raise ParameterError("scan needs at least one photo")
    if mode not in SCAN_MODES:
        raise ParameterError(f"unknown scan mode {mode!r}; expected one of {', '.join(SCAN_MODES)}")
    if lang not in SCAN_LANGS:
        raise ParameterError(f"unknown OCR language {lang!r}; expected one of {', '.join(SCAN_LANGS)}")
    if ocr not in SCAN_OCR:
        raise ParameterError(f"unknown OCR engine {ocr!r}; expected one of {', '.join(SCAN_OCR)}")
    given = _scan_corners(corners, len(items))
    inputs = _paths(items)
    for p in inputs:
        if not p.exists():
            raise InputError(f"{p}: no such file")
    ext = None
    if output is not None:
        ext = Path(output).suffix.lower()
        if ext not in SCAN_OUTPUTS:
            raise UnsupportedFormatError(f"{output}: scan writes {', '.join(SCAN_OUTPUTS)}; "
                                         f"got {ext or 'no extension'!r}")
        if ext != ".pdf" and len(items) > 1:
            raise ParameterError(f"{output}: {len(items)} photos make a multi-page .pdf; {ext} takes one")
        check_output(output, overwrite=overwrite, inputs=inputs)
    engine = None if ocr == "none" else ocr
    pages = []
    for item, g in zip(items, given):
        photo, _ = _scan_photo(item)
        q = None
        if g is not None:
            q, relative = g
            if relative:  # fractions of the upright photo's width and height
                q = q * np.array([photo.shape[1], photo.shape[0]], np.float64)
        pages.append(scan_page(photo, corners=q, mode=mode, ocr_method=engine, lang=lang,
                               dewarp=dewarp))
    if ext in (".png", ".jpg", ".jpeg"):
        im = pages[0].image
        data = np.dstack([im] * 3) if im.ndim == 2 else im
        write(Image(data.astype(np.float32) / 255, space="display", transfer="sRGB"), output,
              quality=quality, overwrite=overwrite, inputs=inputs)
    elif ext is not None:
        with atomic_write(output, overwrite=overwrite, inputs=inputs) as tmp:
            if ext == ".pdf":
                tmp.write_bytes(pdf_bytes([p.pdf_page(quality) for p in pages]))
            else:
                tmp.write_text(pages[0].text + "\n", encoding="utf-8")
    return pages
# ----------------------------------------------------------------------------- video

def stabilize(
    video: PathLike,
    output: PathLike,
    *,
    smoothness: float = 1.0,
    crop: str | float = "auto",
    gyro: PathLike | None = None,
    rolling_shutter: float | None = None,
    horizon_lock: bool = False,
    fill: bool = False,
    denoise: bool = False,
    overwrite: bool = False,
) -> StabilizeResult:
    """Stabilise a video (``brightroom stabilize``): KLT motion, an L1-optimal camera path
    (Grundmann et al. 2011) with the most area kept, audio copied in sync.

    Parameters
    ----------
    video, output
        Input video (any format FFmpeg reads) and the output file (H.264).
    smoothness
        Multiplier of the path's smoothness weights [1].
    crop
        ``"auto"`` (adaptive: the most area, at least 85 %) or the percentage of the width and
        height kept (30-100).
    gyro
        Gyro log (Gyroflow ``.gcsv``, a CSV of ``t, wx, wy, wz`` in s and rad/s, or a GoPro
        MP4's GPMF telemetry), synchronised with the optical motion (time offset within
        0.5 s); it gives the rotation of every pair of frames.
    rolling_shutter
        Readout time in milliseconds, for the per-row rolling-shutter correction; None takes
        the gyro log's ``frame_readout_time`` when it has one.
    horizon_lock
        Keep the first frame's horizon.
    fill
        Keep the whole frame (or the given ``crop``) and fill uncovered borders from
        neighbouring frames.
    denoise
        Also denoise (:func:`video_denoise`) in the same run, before stabilising.
    overwrite
        Replace an existing output.

    Returns
    -------
    StabilizeResult
        Frames, speed, crop and area kept, the camera path and the stabilised path, notes.

    Raises
    ------
    InputError
        Missing file, no video stream, zero frames; CorruptFileError for an unreadable codec.
    ParameterError
        A bad option or gyro file.
    OutputExistsError
        The output exists (or is the input) without ``overwrite``.
    """
    from brightroom.video.stabilize import stabilize_video  # lazy: start-up cost of the command line
    src = Path(video)
    check_output(output, overwrite=overwrite, inputs=(src,))
    return stabilize_video(src, output, smoothness=smoothness, crop=crop, gyro=gyro,
                           rolling_shutter=rolling_shutter, horizon_lock=horizon_lock,
                           fill=fill, denoise=denoise, overwrite=overwrite)


def video_denoise(
    video: PathLike,
    output: PathLike,
    *,
    strength: float = 1.0,
    overwrite: bool = False,
) -> VideoDenoiseResult:
    """Denoise a low-light video (``brightroom video denoise``): neighbouring frames aligned
    and merged robustly in linear light, driven by the noise level estimated from the clip.

    Parameters
    ----------
    video, output
        Input video and output file (H.264).
    strength
        Multiplier of the estimated noise level the merge works with [1].
    overwrite
        Replace an existing output.

    Returns
    -------
    VideoDenoiseResult
        Frames, speed, the estimated noise level.

    Raises
    ------
    InputError
        Missing file, no video stream, zero frames.
    ParameterError
        A bad strength.
    OutputExistsError
        The output exists (or is the input) without ``overwrite``.
    """
    from brightroom.video.denoise import denoise_video  # lazy: start-up cost of the command line
    src = Path(video)
    check_output(output, overwrite=overwrite, inputs=(src,))
    return denoise_video(src, output, strength=strength, overwrite=overwrite)


# ----------------------------------------------------------------------------- live

def live_frames(
    input: PathLike,
    *,
    effect: str = "blur",
    background: PathLike | None = None,
    beauty: float = 0.0,
    look: str | None = None,
    size: tuple[int, int] | None = None,
    fps: float | None = None,
    realtime: bool = False,
    segment_every: int = 1,
    adaptive: bool = True,
    frames: int = 300,
    true_colour: PathLike | None = None,
    calibrate: bool = False,
    steady_exposure: bool = False,
) -> LiveSession:
    """The live engine as an iterable of processed uint8 RGB frames (``session.stats``).

    Parameters
    ----------
    input
        A video file, a webcam (``/dev/videoN``), an ``rtsp://`` / ``rtmp://`` / ``http(s)://``
        stream, or ``synthetic`` (a test source of ``frames`` frames at ``size`` and ``fps``).
    effect
        One of :data:`LIVE_EFFECTS` [``"blur"``]; ``"replace"`` needs ``background``.
    background
        The image (or video) that replaces the background with ``effect="replace"``.
    beauty
        Skin smoothing 0..1 [0].
    look
        A look name (:func:`look_list`) or ``.toml`` file.
    size, fps
        (width, height) and frame rate asked of the source; frames are resized to ``size``.
    realtime
        Play a file at its own rate (frames the engine cannot keep up with are dropped).
    segment_every, adaptive
        Run the person model on every N-th frame; lower that rate under load.
    frames
        Length of the synthetic source.
    true_colour
        A webcam profile (JSON) applied to every frame (before the look); with ``calibrate``
        the file a new profile is written to.
    calibrate
        Fit a true-colour profile from a ColorChecker held in frame and apply it from then on
        (``session.profile``; :func:`live` writes it to ``true_colour``).
    steady_exposure
        Cancel a webcam's pumping auto exposure and white balance (gains that hold the
        channel means on their 2 s average).

    Returns
    -------
    LiveSession
        An iterable of processed uint8 RGB frames; ``session.stats`` holds the counts.

    Raises
    ------
    InputError
        The source cannot be opened (``SourceError``), a bad background image.
    ParameterError
        A bad option.
    """
    from brightroom.live.engine import (  # lazy: start-up cost of the command line
        LiveParams,
        LiveSession,
        open_source,
        synthetic_source,
    )
    params = LiveParams(effect=effect, background=None if background is None
                        else os.fspath(background), beauty=beauty, look=look,
                        segment_every=segment_every, adaptive=adaptive,
                        true_colour=None if true_colour is None else os.fspath(true_colour),
                        calibrate=calibrate, steady_exposure=steady_exposure)
    spec = os.fspath(input)
    if spec == "synthetic":
        source = synthetic_source(size or (640, 360), fps or 30.0, frames, realtime=realtime)
    else:
        source = open_source(spec, size=size, fps=fps, realtime=realtime)
    return LiveSession(source, params)


def live(
    input: PathLike,
    output: PathLike,
    *,
    effect: str = "blur",
    background: PathLike | None = None,
    beauty: float = 0.0,
    look: str | None = None,
    size: tuple[int, int] | None = None,
    fps: float | None = None,
    realtime: bool = False,
    segment_every: int = 1,
    adaptive: bool = True,
    frames: int = 300,
    true_colour: PathLike | None = None,
    calibrate: bool = False,
    steady_exposure: bool = False,
    preview: int | None = None,
    stats: PathLike | None = None,
    overwrite: bool = False,
    progress: Callable[[Any], None] | None = None,
) -> LiveStats:
    """Live filters to an MP4 file (``brightroom live``): :func:`live_frames` encoded as H.264.

    Parameters
    ----------
    input, effect, background, beauty, look, size, fps, realtime, segment_every, adaptive, frames
        As :func:`live_frames`.
    true_colour, calibrate, steady_exposure
        As :func:`live_frames`; with ``calibrate`` the fitted profile is written to
        ``true_colour`` when the stream ends (``stats.calibration`` has its dE00 before and
        after).
    output
        The MP4 file, or ``"virtualcam"``: a virtual webcam (needs the optional
        ``pyvirtualcam`` module and v4l2loopback).
    preview
        Also serve an MJPEG preview page on ``http://127.0.0.1:PORT/`` (0: any free port;
        ``stats.preview_url`` says which, from the first frame on).
    stats
        A JSON file: ``frames_in``, ``frames_out``, ``dropped``, ``fps``, ``latency_ms_p50``,
        ``latency_ms_p95`` and more.
    overwrite
        Replace existing ``output`` / ``stats``.
    progress
        Called with the running :class:`LiveStats` after each frame.

    Returns
    -------
    LiveStats
        Counts, rate, latency; ``error`` says why a source stopped early (the file then holds
        the frames up to that point).

    Raises
    ------
    InputError
        The source cannot be opened or gave no frames.
    OutputExistsError
        ``output``, ``stats`` or (with ``calibrate``) ``true_colour`` exists without
        ``overwrite``.
    ChartNotFoundError
        With ``calibrate``: no ColorChecker was found in the stream (the video is written).
    OutputUnavailableError
        ``virtualcam`` without ``pyvirtualcam`` (the message says what to install), a preview
        port in use.
    """
    from brightroom.live.engine import stream_to_file  # lazy: start-up cost of the command line
    from brightroom.live.outputs import PreviewServer, VirtualCamera  # lazy: start-up cost
    vcam = os.fspath(output) == "virtualcam"
    if not vcam:
        check_output(output, overwrite=overwrite,
                     inputs=(input,) if os.path.exists(input) else ())
    if stats is not None:
        check_output(stats, overwrite=overwrite)
    if calibrate and true_colour is not None:
        check_output(true_colour, overwrite=overwrite)
    session = live_frames(input, effect=effect, background=background, beauty=beauty, look=look,
                          size=size, fps=fps, realtime=realtime, segment_every=segment_every,
                          adaptive=adaptive, frames=frames, true_colour=true_colour,
                          calibrate=calibrate, steady_exposure=steady_exposure)
    sinks: list[Any] = []
    try:
        if vcam:
            sinks.append(VirtualCamera(session.source.fps or 30.0))
        if preview is not None:
            server = PreviewServer(preview)
            sinks.append(server)
            session.stats.preview_url = server.url
    except BaseException:
        for s in sinks:
            s.close()
        session.source.close()
        raise
    st = stream_to_file(session, None if vcam else output, overwrite=overwrite,
                        stats_path=stats, progress=progress, sinks=sinks)
    if calibrate and true_colour is not None:
        if session.profile is None:
            cal = st.calibration or {}
            raise ChartNotFoundError(
                f"{input}: no ColorChecker found in {cal.get('frames_tried', 0)} frames tried "
                f"(charts read: {cal.get('charts_found', 0)} of 3); {output} is written without "
                "true colour. Hold the chart flat and facing the camera, about a fifth of the "
                "frame wide")
        session.profile.save(true_colour, overwrite=overwrite)
    return st


# ----------------------------------------------------------------------------- looks

def look_list() -> tuple[Look, ...]:
    """The built-in looks (``brightroom look list``), by name.

    Returns
    -------
    tuple of Look
        Each with its ``name`` and ``description``.
    """
    from brightroom.looks import list_looks, load_look  # lazy: start-up cost of the command line
    return tuple(load_look(name) for name in list_looks())


def look_apply(
    image: Image | PathLike,
    look: str | PathLike | Look,
    output: PathLike | None = None,
    *,
    strength: float = 1.0,
    quality: int = 92,
    bit_depth: int | None = None,
    overwrite: bool = False,
) -> Image:
    """Apply a creative look to a finished photo (``brightroom look apply``).

    Parameters
    ----------
    image
        A display (or linear) :class:`Image`, or a JPEG/PNG/TIFF/HEIC/AVIF file.
    look
        A built-in look name (:func:`look_list`), a ``.toml`` look file, a ``.cube`` / ``.3dl`` /
        ``.clf`` / ``.ctf`` LUT, or a :class:`~brightroom.looks.Look`.
    output
        Write the graded photo there (format by extension), keeping the input's bit depth where
        the format has it (8 or 16-bit PNG; 8, 16 or 32-bit TIFF; 10 or 12-bit HEIC, 10-bit
        AVIF) and, for HEIC/AVIF, the input's XMP, depth map and HDR gain map. The input's EXIF
        (GPS, lens, ...) is carried. Checked before any work.
    strength
        0 = unchanged, 1 = the look as designed, up to 2.
    quality
        JPEG/HEIC/AVIF quality of ``output``, 1-100 (100: a lossless HEIC).
    bit_depth
        The output's bit depth instead of the kept one (:func:`write`: PNG 8/16, TIFF 8/16/32,
        HEIC 8/10/12, AVIF 8/10).
    overwrite
        Replace an existing ``output``.

    Returns
    -------
    Image
        Same space, size and metadata (plus ``metadata["look"]``).

    Raises
    ------
    ParameterError
        Unknown look, bad strength, an image that is not display or linear RGB.
    RecipeError, InputError
        A malformed look or LUT file, a missing photo.
    OutputExistsError
        ``output`` exists (or is the input) and ``overwrite`` is false.
    """
    from brightroom.looks import apply_look, load_look  # lazy: start-up cost of the command line
    inputs = _paths([image])
    if output is not None:
        _check_image_output(output, overwrite, inputs)
    lk = load_look(look)  # a bad look fails before the photo is read
    source = _as_image(image)
    graded = apply_look(source, lk, strength=strength)
    if output is not None:
        depth = bit_depth if bit_depth is not None else _kept_bit_depth(source, Path(output))
        write(graded, output, quality=quality, bit_depth=depth, overwrite=overwrite,
              inputs=inputs)
    return graded


def look_export(
    look: str | PathLike | Look,
    output: PathLike | None = None,
    *,
    size: int = 33,
    strength: float = 1.0,
    drop_spatial: bool = False,
    linear_max: float | None = None,
    bit_depth: int = 12,
    overwrite: bool = False,
) -> LUT3D | LUTSequence:
    """Bake a look into a 3D LUT (``brightroom look export``).

    Parameters
    ----------
    look
        A built-in look name, a ``.toml`` look file or a :class:`~brightroom.looks.Look`.
    output
        Write the LUT there: ``.cube`` (Adobe; with ``linear_max`` a DaVinci Resolve shaper +
        3D ``.cube``) or ``.3dl`` (Autodesk Lustre, ``bit_depth``-bit codes). Checked before
        any work.
    size
        LUT points per axis.
    strength
        0..2, as for :func:`look_apply`.
    drop_spatial
        Leave out grain and vignette, which depend on the pixel position and cannot be a LUT
        (a look with them is refused otherwise).
    linear_max
        Make the LUT for scene-referred linear RGB in ``[0, linear_max]`` (a 1D sRGB-curve
        shaper, then the 3D table), as the ``look`` recipe stage applies it; ``.cube`` only.
    bit_depth
        ``.3dl`` output codes: 10, 12 or 16 bits.
    overwrite
        Replace an existing ``output``.

    Returns
    -------
    LUT3D or LUTSequence
        On sRGB-encoded values; with ``linear_max``, the shaper and the table.
    """
    from brightroom.color.lut import check_lut_output, write_lut  # lazy: start-up cost of the command line
    from brightroom.looks import bake_look  # lazy: start-up cost of the command line
    if output is not None:
        check_lut_output(output)
        check_output(output, overwrite=overwrite)
        if linear_max is not None and Path(output).suffix.lower() != ".cube":
            raise ParameterError(f"{output}: a LUT with a shaper (linear_max) is written as a "
                                 "Resolve .cube; a .3dl holds one 3D table on [0, 1]")
    lut = bake_look(look, size=size, strength=strength, drop_spatial=drop_spatial,
                    linear_max=linear_max)
    if output is not None:
        write_lut(lut, output, bit_depth=bit_depth, overwrite=overwrite)
    return lut


def look_match(
    image: Image | np.ndarray | PathLike,
    reference: Image | np.ndarray | PathLike,
    output: PathLike | None = None,
    *,
    strength: float = 1.0,
    overwrite: bool = False,
) -> LUT3D:
    """A look that gives ``image`` the colours of ``reference`` (``brightroom look match``).

    The colour statistics of the two photos are matched in l-alpha-beta (Reinhard et al. 2001)
    and the transfer is baked into a 3D LUT, usable as a look on other photos.

    Parameters
    ----------
    image
        The photo to grade (:class:`Image`, sRGB-encoded array or file).
    reference
        The photo whose look to take (:class:`Image`, sRGB-encoded array or file).
    output
        Write the LUT there as a ``.cube`` or ``.3dl`` file. Checked before any work.
    strength
        0..1.
    overwrite
        Replace an existing ``output``.

    Returns
    -------
    LUT3D

    References
    ----------
    Reinhard, E., Ashikhmin, M., Gooch, B., Shirley, P. (2001). Color transfer between images.
    IEEE CG&A 21(5), 34-41.
    """
    from brightroom.color.lut import check_lut_output, write_lut  # lazy: start-up cost of the command line
    from brightroom.looks.transfer import transfer_lut  # lazy: start-up cost of the command line
    if output is not None:
        check_lut_output(output)
        check_output(output, overwrite=overwrite, inputs=_paths([image, reference]))
    lut = transfer_lut(_as_image(image), _as_image(reference), strength=strength)
    if output is not None:
        write_lut(lut, output, overwrite=overwrite)
    return lut


def look_learn(
    before: Image | np.ndarray | PathLike,
    after: Image | np.ndarray | PathLike,
    output: PathLike | None = None,
    *,
    size: int = 33,
    smoothness: float = 1e-6,
    resize: bool = False,
    overwrite: bool = False,
) -> LUT3D:
    """Learn a look from a before/after pair of the same photo (``brightroom look learn``).

    Fits the 3D LUT that turns ``before`` into ``after`` by lattice regression
    (:func:`brightroom.looks.transfer.lut_from_pair`); only global colour edits can be learnt.

    Parameters
    ----------
    before, after
        The same photo before and after the edit (:class:`Image`, display-encoded arrays or
        files).
    output
        Write the LUT there as a ``.cube`` or ``.3dl`` file. Checked before any work.
    size
        LUT points per axis.
    smoothness
        Weight of the curvature penalty; larger is smoother.
    resize
        Resample ``after`` to the size of ``before`` instead of refusing different sizes.
    overwrite
        Replace an existing ``output``.

    Returns
    -------
    LUT3D
        Titled after the two files.
    """
    from brightroom.color.lut import check_lut_output, write_lut  # lazy: start-up cost of the command line
    from brightroom.looks.transfer import lut_from_pair  # lazy: start-up cost of the command line
    inputs = _paths([before, after])
    if output is not None:
        check_lut_output(output)
        check_output(output, overwrite=overwrite, inputs=inputs)
    for p in inputs:
        if not p.exists():
            raise InputError(f"{p}: no such file")
    title = (f"learned from {inputs[0].name} -> {inputs[1].name}" if len(inputs) == 2
             else "learned look")
    lut = lut_from_pair(_as_image(before), _as_image(after), size=size, smoothness=smoothness,
                        resize=resize, title=title)
    if output is not None:
        write_lut(lut, output, overwrite=overwrite)
    return lut


def calibrate(
    chart: PathLike,
    output: PathLike,
    *,
    method: str = "matrix",
    patches: Sequence[tuple[float, float]] | None = None,
    patch_size: float | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Fit a camera profile from a ColorChecker shot (``brightroom calibrate``).

    Parameters
    ----------
    chart
        A photo of an X-Rite ColorChecker Classic: raw/DNG (measured on the photosites) or
        JPEG/PNG/TIFF (decoded from sRGB).
    output
        The ``.cube`` LUT to write; the profile is also written as JSON beside it (``output``
        with ``.json``). Both are checked before any work.
    method
        Correction model (:data:`CALIBRATION_METHODS`): ``"matrix"`` (3x3) or
        ``"root-polynomial"``.
    patches
        The pixel centres ``(row, column)`` of the dark skin, bluish green and white patches,
        when no chart detector is available.
    patch_size
        With ``patches``: the side of the square sampled in each patch, in pixels [half the
        patch spacing].
    overwrite
        Replace existing outputs.

    Returns
    -------
    dict
        JSON-ready report: ``method``, ``de00_before`` / ``de00_after`` (``mean``, ``median``,
        ``max`` CIEDE2000), ``profile``, ``input``, ``output``.

    Raises
    ------
    ChartNotFoundError
        No ``patches`` and no chart detector available, or the chart was not found.
    ParameterError
        Unknown method, bad patches.
    OutputExistsError
        An output exists and ``overwrite`` is false.
    """
    from brightroom.looks.calibrate import (  # lazy: start-up cost of the command line
        calibrate_file,
        grid_boxes,
    )
    out = Path(output)
    if out.suffix.lower() != ".cube":
        raise ParameterError(f"{out}: calibrate writes a .cube LUT (and its .json profile "
                             "beside it); name the output NAME.cube")
    for p in (out, out.with_suffix(".json")):
        check_output(p, overwrite=overwrite, inputs=(chart,))
    boxes = None if patches is None else grid_boxes(patches, patch_size)
    return calibrate_file(chart, out, method=method, boxes=boxes, overwrite=overwrite)


# ----------------------------------------------------------------------------- edit

@_carries_package("brightroom.edit")
def edit(
    image: Image | RawImage | LinearRawImage | PathLike,
    output: PathLike | None = None,
    *,
    exposure: float | None = None,
    contrast: float | None = None,
    highlights: float | None = None,
    shadows: float | None = None,
    whites: float | None = None,
    blacks: float | None = None,
    temperature: float | None = None,
    tint: float | None = None,
    vibrance: float | None = None,
    saturation: float | None = None,
    texture: float | None = None,
    clarity: float | None = None,
    dehaze: float | None = None,
    sharpening: float | None = None,
    noise_reduction: float | None = None,
    vignette: float | None = None,
    grain: float | None = None,
    hsl: Sequence[str] | dict[str, float] | None = None,
    crop: str | Sequence[float] | None = None,
    rotate: float | None = None,
    straighten: str | float | None = None,
    upright: str | None = None,
    vertical: float | None = None,
    horizontal: float | None = None,
    flip: str | None = None,
    heal: Sequence[str | Sequence[float]] | None = None,
    dust: bool = False,
    auto: bool = False,
    xmp: PathLike | None = None,
    edits: PathLike | EditList | None = None,
    look: str | PathLike | None = None,
    recipe: str | PathLike | Recipe = "default",
    save: bool = True,
    xmp_output: PathLike | None = None,
    quality: int = 92,
    bit_depth: int | None = None,
    overwrite: bool = False,
) -> EditResult:
    """Edit a photo with Lightroom's vocabulary, non-destructively (``brightroom edit``).

    Every control works on linear light: on a raw inside the develop pipeline (the ``edit``
    stage after ``tone``), on a JPEG/PNG/TIFF/HEIC/AVIF after its sRGB curve is undone. The
    edit list (:class:`EditList`) is saved beside the input as ``<input>.brightroom.toml`` and
    embedded in the output's recipe; the input is never changed.

    Parameters
    ----------
    image
        A raw file or :class:`RawImage`, or a finished photo (file or display :class:`Image`).
    output
        Write the photo there (format by extension), checked before any work.
    exposure
        -5..+5 EV: ``2**EV`` times linear light.
    contrast, highlights, shadows, whites, blacks, vibrance, saturation, texture, clarity, dehaze
        -100..+100, Lightroom's basic panel (0 changes nothing).
    temperature
        Raw: white balance in kelvin (2000..50000). Finished photo: relative shift -100..100.
    tint
        -150..150 (+ magenta).
    sharpening, noise_reduction, vignette, grain
        Detail and effects: sharpening 0..150, noise reduction 0..100, post-crop vignette
        -100..100 (- darkens the corners), grain 0..100.
    hsl
        ``"BAND.hue|sat|lum=N"`` items (BAND one of :data:`EDIT_BANDS`), -100..100.
    crop
        ``X,Y,W,H`` in the input's pixels (string or 4 numbers).
    rotate
        Degrees clockwise; multiples of 90 are exact quarter turns, the rest a free rotation.
    straighten
        ``"auto"`` (level the horizon / verticals found as lines; a :class:`EditWarning` and
        no rotation when there are none) or degrees clockwise.
    upright
        Lightroom's Upright: ``"level"`` (as ``straighten="auto"``), ``"vertical"`` (converging
        verticals made parallel and upright, by a virtual camera tilt and roll) or ``"full"``
        (also the horizontals, by a pan); an :class:`EditWarning` and no correction when the
        photo has no usable vertical lines.
    vertical, horizontal
        Perspective by hand: the virtual camera's tilt (+ widens the top) and pan (+ widens
        the right side), degrees, -40..40.
    flip
        ``"h"``, ``"v"`` or ``"hv"``.
    heal
        ``X,Y,R`` spots in the input's pixels (strings or 3 numbers each).
    dust
        Find dust spots on the photo's flat areas and heal them (they join the heal spots of
        the edit list, :attr:`EditResult.dust`).
    auto
        Set exposure, contrast, whites, blacks and vibrance from the photo (those not given).
    xmp
        A Lightroom / Camera Raw ``.xmp`` sidecar or preset whose ``crs:`` settings are
        applied (over ``edits``, under the keywords); unmapped ones are in
        :attr:`EditResult.unmapped`.
    edits
        An edit list file (``.toml``) or :class:`EditList` to start from.
    look
        A look applied after the edits (:func:`look_apply`'s names and files).
    recipe
        The develop recipe of a raw input.
    save
        Save the edit list beside the input file (``--no-save``: do not).
    xmp_output
        Also write the edit list as Camera Raw XMP there.
    quality, bit_depth, overwrite
        As for :func:`look_apply`.

    Returns
    -------
    EditResult
        The photo, the resolved edit list, the unmapped XMP settings, the files written.

    Raises
    ------
    ParameterError
        A control out of its range (naming it), a crop or heal point outside the image.
    RecipeError
        A malformed edit list or XMP (naming the file and the problem).
    InputError, OutputExistsError
        A missing input, an existing output without ``overwrite``.
    """
    from brightroom.edit.run import edit_photo  # lazy: start-up cost of the command line
    src = _path(image)
    inputs = _paths([image] + [p for p in (xmp, edits) if isinstance(p, (str, os.PathLike))])
    if output is not None:
        _check_image_output(output, overwrite, inputs)
    if xmp_output is not None:
        check_output(xmp_output, overwrite=overwrite, inputs=inputs)
    if src is not None and not src.exists():
        raise InputError(f"{src}: no such file")
    controls = {"exposure": exposure, "contrast": contrast, "highlights": highlights,
                "shadows": shadows, "whites": whites, "blacks": blacks,
                "temperature": temperature, "tint": tint, "vibrance": vibrance,
                "saturation": saturation, "texture": texture, "clarity": clarity,
                "dehaze": dehaze, "sharpening": sharpening, "noise_reduction": noise_reduction,
                "vignette": vignette, "grain": grain}
    res = edit_photo(image, controls=controls, hsl=hsl or (), crop=crop, rotate=rotate,
                     straighten=straighten, upright=upright, vertical=vertical,
                     horizontal=horizontal, flip=flip, heal=heal or (), dust=dust, auto=auto,
                     xmp=xmp,
                     edits=edits, look=look, recipe=recipe, save=save, xmp_output=xmp_output,
                     overwrite=overwrite)
    if output is not None:
        depth = bit_depth if bit_depth is not None else _kept_bit_depth(res.image, Path(output))
        write(res.image, output, quality=quality, bit_depth=depth, overwrite=overwrite,
              inputs=inputs)
    return res


def edit_preview(
    image: Image | RawImage | LinearRawImage | PathLike,
    *,
    recipe: str | PathLike | Recipe = "default",
    max_pixels: int = 2_000_000,
) -> EditPreview:
    """A screen-size working copy for interactive editing (:class:`EditPreview`).

    The photo is developed (a raw, by ``recipe`` up to its edit stage) or linearised once and
    downsampled to ``max_pixels``; ``preview.render(edit_list)`` then re-renders in tens of
    milliseconds, as the full-size :func:`edit` would, at screen size (linear RGB; encode
    with ``preview.render_display``).

    Parameters
    ----------
    image
        A raw file or :class:`RawImage`, or a finished photo (file or display :class:`Image`).
    recipe
        The develop recipe of a raw input.
    max_pixels
        The preview's pixel budget [2 MP].

    Returns
    -------
    EditPreview
        Holds the working image and the plan cache; ``render(EditList)`` gives linear RGB.
    """
    from brightroom.edit.preview import Preview as EditPreview  # lazy: start-up cost of the command line
    from brightroom.edit.run import linear_input  # lazy: start-up cost of the command line
    linear, raw = linear_input(image, recipe)
    return EditPreview(linear.data, max_pixels=max_pixels, raw=raw)


# ----------------------------------------------------------------------------- the lab

@dataclass(frozen=True, eq=False)
class LabScoreResult:
    """What :func:`lab_score` did.

    Attributes
    ----------
    results
        The full :class:`~brightroom.lab.run.LabResults` (``results.score`` is the score).
    report
        ``report.html`` (with ``results.json`` beside it), or ``None`` without an output.
    entry
        The leaderboard row id, or ``None`` when the result was not stored.
    leaderboard
        The leaderboard database the result went to, or ``None``.
    """

    results: LabResults
    report: Path | None
    entry: int | None
    leaderboard: Path | None


@dataclass(frozen=True)
class LabRanking:
    """What :func:`lab_compare` found: the ranking of one score version and plan.

    Attributes
    ----------
    score_version, plan, camera
        What was ranked (``camera`` ``None``: every camera).
    leaderboard
        The database read.
    ranking
        :class:`~brightroom.lab.leaderboard.Entry` rows, best overall first.
    other_score_versions
        Score versions present in the database but not ranked (not comparable).
    """

    score_version: str
    plan: str
    camera: str | None
    leaderboard: Path
    ranking: tuple[Entry, ...]
    other_score_versions: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"score_version": self.score_version, "plan": self.plan, "camera": self.camera,
                "leaderboard": str(self.leaderboard), "ranking": [r.to_dict() for r in self.ranking],
                "other_score_versions": list(self.other_score_versions)}


def lab_score(
    pipeline: str,
    output: PathLike | None = None,
    *,
    camera: str = "flagship-2022",
    seed: int = 0,
    plan: str = "full",
    leaderboard: PathLike | bool | None = None,
    overwrite: bool = False,
) -> LabScoreResult:
    """Score a pipeline in the virtual lab (``brightroom lab score``).

    Photographs the chart wall under every lighting condition of ``plan`` with a virtual camera,
    runs the pipeline, measures and scores (:func:`brightroom.lab.run.run_lab`).

    Parameters
    ----------
    pipeline
        ``"brightroom:<recipe>"`` (or a recipe name / ``.toml``), ``"rawpy[:algorithm]"``, or
        ``"cmd:<command with {input} and {output}>"``.
    output
        A directory that receives ``report.html`` and ``results.json``.
    camera
        Camera preset: ``"flagship-2022"``, ``"budget-phone"``, ``"one-inch"``.
    seed
        Noise seed (>= 0); the same seed gives the same scores.
    plan
        Shooting plan (:data:`LAB_PLANS`): ``"full"`` (ranked) or ``"quick"`` (a preview,
        ranked separately).
    leaderboard
        Where to store the result: ``None`` (default) or ``True`` for the default database
        (``$BRIGHTROOM_LEADERBOARD`` or ``$XDG_DATA_HOME/brightroom/leaderboard.sqlite``), a path,
        or ``False`` not to store it (``--no-leaderboard``).
    overwrite
        Replace an existing ``report.html`` / ``results.json`` in ``output`` (checked before
        any work).

    Returns
    -------
    LabScoreResult

    Raises
    ------
    ParameterError
        Unknown camera, plan or pipeline name, bad seed.
    PipelineError
        The pipeline failed or returned an unusable image (never a zero score).
    InputError
        ``output`` is a file, or the leaderboard cannot be opened.
    """
    from brightroom.lab.conditions import check_camera  # lazy: start-up cost of the command line
    from brightroom.lab.leaderboard import Leaderboard  # lazy: start-up cost of the command line
    from brightroom.lab.report import write_report  # lazy: start-up cost of the command line
    from brightroom.lab.report.html import REPORT_FILES  # lazy: start-up cost of the command line
    from brightroom.lab.run import run_lab  # lazy: start-up cost of the command line
    check_camera(camera)
    out = None if output is None else Path(output)
    if out is not None and out.exists() and not out.is_dir():
        raise InputError(f"{out}: -o must be a directory")
    for name in REPORT_FILES if out is not None else ():
        check_output(out / name, overwrite=overwrite)
    results = run_lab(pipeline, camera=camera, seed=seed, conditions=plan)
    report = None if out is None else write_report(results, out, overwrite=overwrite)
    entry = where = None
    if leaderboard is not False:
        with Leaderboard(None if leaderboard in (None, True) else leaderboard) as lb:
            entry = lb.add(results)
            where = lb.path
    return LabScoreResult(results, report, entry, where)


def lab_compare(
    *,
    camera: str | None = None,
    score_version: str | None = None,
    plan: str = "full",
    leaderboard: PathLike | None = None,
) -> LabRanking:
    """Rank the scored pipelines (``brightroom lab compare``).

    Only results of one score version and one plan are ranked together: others are not
    comparable. Reading never creates a database.

    Parameters
    ----------
    camera
        Only this camera preset (every camera when ``None``).
    score_version
        The score version to rank [the current one].
    plan
        Shooting plan (``"full"`` or ``"quick"``).
    leaderboard
        The database [the default one, as for :func:`lab_score`].

    Returns
    -------
    LabRanking
    """
    from brightroom.lab.conditions import check_camera  # lazy: start-up cost of the command line
    from brightroom.lab.leaderboard import (  # lazy: start-up cost of the command line
        Leaderboard,
        default_path,
    )
    from brightroom.lab.score import SCORE_VERSION  # lazy: start-up cost of the command line
    version = score_version or SCORE_VERSION
    if camera is not None:
        check_camera(camera)
    path = Path(leaderboard).expanduser() if leaderboard else default_path()
    rows: list[Entry] = []
    others: list[str] = []
    if path.exists():
        with Leaderboard(path, read_only=True) as lb:
            rows = lb.ranking(camera, version, plan)
            others = [v for v in lb.score_versions() if v != version]
    return LabRanking(version, plan, camera, path, tuple(rows), tuple(others))


def lab_measure(
    photo: PathLike,
    *,
    chart: str,
    roi: Sequence[float] | None = None,
    corners: Sequence[float] | Sequence[tuple[float, float]] | None = None,
) -> dict[str, Any]:
    """Measure a real photo of a test chart (``brightroom lab measure``).

    Parameters
    ----------
    photo
        The photo: JPEG/PNG/TIFF/HEIC/AVIF (linearised with its colour space's curve) or raw
        (developed with the ``neutral`` recipe).
    chart
        One of :data:`MEASURE_CHARTS`: ``"colorchecker"``, ``"slanted-edge"``, ``"gray-steps"``.
    roi
        ``(x, y, w, h)``: the region holding the chart.
    corners
        ColorChecker only: the patch grid's four corners ``(x, y)`` (or eight numbers),
        clockwise from dark skin; used instead of detection.

    Returns
    -------
    dict
        JSON-ready measurement (:func:`brightroom.lab.measure.measure_photo`).

    Raises
    ------
    ParameterError
        Unknown chart, bad ``roi`` or ``corners``.
    InputError
        Missing or unreadable photo.
    ChartNotFoundError
        The chart is not in the photo.
    """
    from brightroom.lab.measure import (  # lazy: start-up cost of the command line
        MEASURE_CHARTS,
        measure_photo,
    )
    if chart not in MEASURE_CHARTS:
        raise ParameterError(f"unknown chart {chart!r}; known: {', '.join(MEASURE_CHARTS)}")
    p = Path(photo)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    if roi is not None:
        vals = np.asarray(roi, dtype=np.float64).ravel()
        if vals.size != 4 or not np.all(np.isfinite(vals)) or np.any(np.abs(vals) > 1e7):
            raise ParameterError(f"roi {tuple(roi)!r}: expected 4 finite numbers X, Y, W, H")
    roi_px = None if roi is None else tuple(int(round(float(v))) for v in roi)
    if corners is not None:
        flat = np.asarray(corners, dtype=np.float64).reshape(-1)
        if not np.all(np.isfinite(flat)):
            raise ParameterError(f"corners {tuple(flat.tolist())!r}: expected finite numbers")
        corners = tuple(zip(flat[0::2].tolist(), flat[1::2].tolist()))
    return measure_photo(p, chart, roi=roi_px, corners=corners)


# ----------------------------------------------------------------------------- animate

@_carries_package("brightroom.animate")
def animate(
    inputs: PathLike | Sequence[PathLike | Image | np.ndarray],
    output: PathLike | None = None,
    *,
    fps: float | None = None,
    width: int | None = None,
    start: float = 0.0,
    duration: float | None = None,
    max_size: int | str | None = None,
    quality: float | None = None,
    loop: int = 0,
    boomerang: bool = False,
    still: str | PathLike | np.ndarray | None = None,
    recipe: str | PathLike | Recipe | None = None,
    look: str | PathLike | Look | None = None,
    palette: str = "frame",
    colour_space: str = "srgb",
    dither: float | None = None,
    format: str | None = None,
    overwrite: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> AnimateResult:
    """An animated GIF, WebP or APNG from a video, a Live Photo, a burst or frames
    (``brightroom animate``).

    Parameters
    ----------
    inputs
        One video file (anything PyAV reads), an iPhone Live Photo (its HEIC and/or MOV), or
        photos, raws (developed with ``recipe``), folders of them, :class:`Image` objects or
        ``H x W x 3`` arrays, all one size.
    output
        ``.gif``, ``.webp``, ``.png`` or ``.apng`` (:data:`ANIMATE_FORMATS`). Checked before
        any work; written atomically, never over an input or an existing file without
        ``overwrite``. None: nothing is written (give ``format``), the bytes are returned.
    fps
        Frame rate: for photos, the rate they play at (default 10); for a video, a lower rate
        to resample to (by timestamps). GIF plays at most 50 fps.
    width
        Output width in pixels (height in proportion; area filter when shrinking).
    start, duration
        Seconds of a video to use.
    max_size
        Byte budget (an int or text: ``"2MB"``, ``"500k"``, ``"1.5MiB"``): the best quality
        that fits, by search; the file is within the limit and, when the limit is reachable,
        at most 5 % below it. Unreachable: a :class:`ParameterError` giving the smallest size.
    quality
        1-100 (default 90); with ``max_size`` the highest quality tried (default 100).
    loop
        Number of plays, 0 = forever.
    boomerang
        Play forward then back.
    still
        Cinemagraph: ``"auto"`` or a mask image (white = moving) of the output size; the rest
        is frozen at the first frame.
    recipe
        Recipe for raw inputs (default ``"default"``).
    look
        A look applied to every frame (:func:`look_list` names, or a look/LUT file).
    palette
        GIF palettes (:data:`GIF_PALETTES`).
    colour_space
        Where GIF and APNG colours are chosen (:data:`GIF_COLOUR_SPACES`): ``"srgb"`` (the
        default: the best PSNR and SSIM per byte measured) or ``"oklab"`` (perceptual).
    dither
        GIF ordered-dither strength, 0 (none) to 1; default by quality (0.3 at the top,
        none below about 80). Dithering is never applied where a pixel sits on a palette colour.
    format
        ``"gif"``, ``"webp"`` or ``"apng"`` when there is no ``output``.
    overwrite
        Replace an existing ``output``.
    progress
        Called as ``progress(stage, done, total)`` (total 0 when unknown).

    Returns
    -------
    AnimateResult
        Format, size, frames, the durations and loop count as written, the quality used.

    Raises
    ------
    InputError
        No inputs, missing files, a video without frames, frames or a mask of the wrong size.
    ParameterError
        Bad options, or an unreachable ``max_size`` (the message gives the smallest size).
    OutputExistsError
        ``output`` exists or is an input, without ``overwrite``.
    """
    from brightroom.animate.encoder import PALETTE_MODES  # noqa: I001  # lazy: start-up cost
    from brightroom.animate.frames import boomerang as _boomerang  # lazy: start-up cost
    from brightroom.animate.frames import load_clip, resize_clip, retime  # lazy: start-up cost
    from brightroom.animate.run import AnimateResult, encode_clip, format_of, parse_size  # lazy: start-up
    from brightroom.animate.still import cinemagraph, live_mask  # lazy: start-up cost of the command line
    from brightroom.looks import load_look  # lazy: start-up cost of the command line
    from brightroom.looks.looks import apply_look_array  # lazy: start-up cost of the command line
    items: list = [inputs] if isinstance(inputs, (str, os.PathLike, Image, np.ndarray)) else list(inputs)
    srcs = _paths(items)
    if output is not None:
        fmt = format_of(str(output))
        still_path = _path(still) if isinstance(still, (str, os.PathLike)) and still != "auto" else None
        check_output(output, overwrite=overwrite,
                     inputs=srcs + ((still_path,) if still_path is not None else ()))
    elif format in ("gif", "webp", "apng"):
        fmt = format
    else:
        raise ParameterError(f"format {format!r}: without an output give gif, webp or apng")
    budget = parse_size(max_size)
    if palette not in PALETTE_MODES:
        raise ParameterError(f"unknown GIF palette {palette!r}; known: {', '.join(PALETTE_MODES)}")
    if quality is None:
        quality = 100.0 if budget is not None else 90.0
    if not 1 <= float(quality) <= 100:
        raise ParameterError(f"quality {quality!r}: expected 1 to 100")
    if colour_space not in GIF_COLOUR_SPACES:
        raise ParameterError(f"unknown colour space {colour_space!r}; known: "
                             f"{', '.join(GIF_COLOUR_SPACES)}")
    if dither is not None and not 0 <= float(dither) <= 1:
        raise ParameterError(f"dither {dither!r}: expected 0 to 1")
    if fps is not None and not fps > 0:
        raise ParameterError(f"fps {fps!r}: expected > 0")
    rec = load_recipe(recipe) if recipe is not None else None
    transform = None
    if look is not None:
        lk = load_look(look)

        def transform(rgb: np.ndarray) -> np.ndarray:
            return np.clip(apply_look_array(rgb, lk), 0.0, 1.0)

    mask = None
    if isinstance(still, (str, os.PathLike)) and str(still) != "auto":
        mask = read_image(still).data
    elif isinstance(still, np.ndarray):
        mask = still
    counter = [0]

    def tick(n: int) -> None:
        counter[0] += n
        if progress is not None:
            progress("reading", counter[0], 0)

    clip = load_clip(items, fps=fps, start=start, duration=duration, recipe=rec,
                     transform=transform, progress=tick)
    if fps is not None and clip.source != "frames":
        clip = retime(clip, fps)
    clip = resize_clip(clip, width)
    if still is not None:
        name = str(still) if isinstance(still, (str, os.PathLike)) else "mask"
        m = live_mask(clip, "auto" if mask is None else mask, name=name)
        clip = cinemagraph(clip, m)
    if boomerang:
        clip = _boomerang(clip)
    enc = encode_clip(clip, fmt, quality=quality, max_size=budget, loop=loop, palette=palette,
                      space=colour_space, dither=dither, progress=progress)
    path = None
    if output is not None:
        with atomic_write(output, overwrite=overwrite, inputs=srcs) as tmp:
            tmp.write_bytes(enc.data)
        path = Path(output)
    return AnimateResult(path, fmt, enc.width, enc.height, len(enc.durations_ms),
                         enc.durations_ms, enc.loop, len(enc.data), enc.quality, budget,
                         enc.encodes, enc.data)
