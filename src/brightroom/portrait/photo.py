"""Portrait mode for one photo: depth (the file's own map, stereo or layered from segmentation),
focus and lens-true bokeh.

:func:`render_portrait` is the whole path for a photo in memory; :func:`portrait_inputs` reads
what it needs from files (the photo, a depth file or the depth map embedded in a HEIC/JPEG, a
stereo pair or an iPhone spatial photo's two views)::

    from brightroom.portrait.bokeh import BokehParams
    from brightroom.portrait.photo import portrait_inputs, render_portrait

    photo, depth, right = portrait_inputs("IMG_0001.heic")
    result = render_portrait(photo, depth=depth, right=right, params=BokehParams(f_number=1.8))
    result.image  # same encoding as the input

The public entry point is :func:`brightroom.portrait` (photos and videos, files in and out).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from brightroom.color.spaces import srgb_encode
from brightroom.errors import InputError, ParameterError
from brightroom.io import read_image
from brightroom.io.depth import DepthMap, read_depth, read_stereo_pair
from brightroom.portrait.bokeh import (
    BOKEH_METHODS,
    LENS_STYLES,
    BokehParams,
    focus_distance_at,
    render_bokeh,
)
from brightroom.portrait.depth import align_depth, auto_focus, layered_depth
from brightroom.portrait.segment import (
    ModelNotFoundError,
    NoSubjectError,
    Segmentation,
    SegmentParams,
    segment,
)
from brightroom.portrait.stereo import StereoParams, depth_from_disparity, disparity, fill_invalid
from brightroom.types import Image

__all__ = ["render_portrait", "portrait_inputs", "PortraitResult", "BokehParams", "SegmentParams",
           "StereoParams", "BOKEH_METHODS", "LENS_STYLES", "NoSubjectError", "ModelNotFoundError",
           "segment", "render_bokeh", "stereo_depth"]


@dataclass(frozen=True, eq=False)
class PortraitResult:
    """What :func:`render_portrait` made and how.

    Attributes
    ----------
    image
        The rendered photo (same space and encoding as the input).
    depth
        float32 depth map used (metres, at the working size).
    matte
        Subject matte at full resolution, or ``None``.
    focus_distance
        Metres.
    depth_source
        ``"file"``, ``"stereo"`` or ``"layered"``.
    person_found
        Whether segmentation found a person (``None``: not run).
    notes
        Human-readable remarks (fallbacks taken).
    """

    image: Image | np.ndarray
    depth: np.ndarray
    matte: np.ndarray | None
    focus_distance: float
    depth_source: str
    person_found: bool | None
    notes: tuple[str, ...] = field(default_factory=tuple)


def stereo_depth(left: np.ndarray, right: np.ndarray, *, focal_px: float | None = None,
                 baseline_m: float = 0.0195, params: StereoParams | None = None) -> np.ndarray:
    """Depth in metres from a stereo pair (SGBM + WLS, :mod:`brightroom.portrait.stereo`).

    Without calibration the scale is nominal: ``focal_px`` defaults to 0.8 x the width (a
    ~64 degree field of view) and ``baseline_m`` to 19.5 mm (an assumption for iPhone spatial
    photos); the relative depth, which is what the blur follows, does not depend on them.
    Unknown disparities are filled along rows from the farther side (:func:`fill_invalid`).
    """
    d = fill_invalid(disparity(left, right, params=params))
    f = focal_px if focal_px is not None else 0.8 * np.shape(left)[1]
    z = depth_from_disparity(d, f, baseline_m)
    return np.where(np.isfinite(z), z, np.inf).astype(np.float32)


def _working(depth: np.ndarray, data: np.ndarray, size: int) -> np.ndarray:
    h, w = data.shape[:2]
    s = max(1, int(np.ceil(max(h, w) / size)))
    small = data if s == 1 else cv2.resize(data, (w // s, h // s), interpolation=cv2.INTER_AREA)
    return align_depth(depth, small, radius=max(2, small.shape[1] // 150))


def render_portrait(image: Image | np.ndarray, *, depth: object = None,
                    right: np.ndarray | None = None, params: BokehParams | None = None,
                    focus: str | tuple[float, float] = "auto", use_segmentation: bool = True,
                    segment_params: SegmentParams | None = None,
                    stereo_params: StereoParams | None = None,
                    method: str = "layered") -> PortraitResult:
    """Portrait mode for one photo.

    Parameters
    ----------
    image
        :class:`~brightroom.types.Image` or display-encoded float32 ``H x W x 3``.
    depth
        A :class:`~brightroom.io.depth.DepthMap` or a 2-D array in metres, or ``None``.
    right
        The right view of a stereo pair (``depth`` must then be ``None``).
    params
        :class:`BokehParams`.
    focus
        ``"auto"`` (the person, else the nearest large region) or ``(x, y)`` fractions.
    use_segmentation
        Run the person segmentation (needed without depth).

    Raises
    ------
    NoSubjectError
        No depth given and no person found.
    ModelNotFoundError
        No depth given and the segmentation model is not installed.
    """
    params = params or BokehParams()
    if depth is not None and right is not None:
        raise ParameterError("give either a depth map or a right view, not both")
    data = image if isinstance(image, np.ndarray) else image.data
    if not isinstance(data, np.ndarray) or data.ndim != 3 or data.shape[2] != 3:
        raise ParameterError(f"portrait needs an H x W x 3 image, got {getattr(data, 'shape', None)}")
    notes: list[str] = []
    display = data if isinstance(image, np.ndarray) or image.transfer != "linear" else None
    if display is None:

        display = np.clip(srgb_encode(data), 0, 1)
    if right is not None:
        z = stereo_depth(display, right, params=stereo_params)
        source = "stereo"
    elif depth is not None:
        z = np.asarray(getattr(depth, "depth", depth), np.float32)
        source = "file"
    else:
        z, source = None, "layered"

    seg: Segmentation | None = None
    if use_segmentation:
        try:
            seg = segment(display, params=segment_params)
        except ModelNotFoundError:
            if z is None:
                raise
            notes.append("segmentation model not installed; used depth alone")
    if z is None:
        if seg is None or not seg.found:
            raise NoSubjectError("no person found and no depth map given; give one with "
                                 "--depth FILE or a right view with --stereo RIGHT")
        z = layered_depth(seg.alpha[::4, ::4] if max(data.shape) > 2000 else seg.alpha)
        zw = z
    else:
        zw = _working(z, display, params.working_size)
    matte = seg.alpha if (seg is not None and seg.found) else None
    if seg is not None and not seg.found:
        notes.append("no person found; used the depth map alone")

    if focus == "auto":
        zf = auto_focus(zw, matte)
    else:
        if not (isinstance(focus, tuple) and len(focus) == 2):
            raise ParameterError(f"focus must be 'auto' or (x, y) fractions, got {focus!r}")
        zf = focus_distance_at(zw, focus)
        if matte is not None:
            h, w = matte.shape
            if matte[int(round(focus[1] * (h - 1))), int(round(focus[0] * (w - 1)))] < 0.5:
                matte = None  # the subject is not where the focus is: let depth decide
    out = render_bokeh(image, zw, params=replace(params, focus_distance=None), matte=matte,
                       focus_distance=zf, method=method)
    return PortraitResult(out, zw, matte, zf, source,
                          None if seg is None else seg.found, tuple(notes))


# ------------------------------------------------------------------------------ from files

_EMBEDDED_DEPTH = (".heic", ".heif", ".hif", ".jpg", ".jpeg")
_HEIC = (".heic", ".heif", ".hif")


def _embedded_depth(path: Path) -> DepthMap | None:
    if path.suffix.lower() not in _EMBEDDED_DEPTH:
        return None
    try:
        return read_depth(path)
    except InputError:
        return None


def _heic_views(path: Path) -> int:
    if path.suffix.lower() not in _HEIC:
        return 1
    import pillow_heif

    try:
        return len(pillow_heif.open_heif(str(path)))
    except Exception:
        return 1


def _view(view: Image | np.ndarray) -> np.ndarray:
    return view.data if isinstance(view, Image) else np.asarray(view, np.float32)


def portrait_inputs(
    image: Image | np.ndarray | str | os.PathLike[str],
    *,
    depth: DepthMap | np.ndarray | str | os.PathLike[str] | None = None,
    stereo: Image | np.ndarray | str | os.PathLike[str] | None = None,
    depth_from_file: bool = True,
) -> tuple[Image | np.ndarray, DepthMap | np.ndarray | None, np.ndarray | None]:
    """The photo, its depth and its right view, as :func:`render_portrait` takes them.

    Parameters
    ----------
    image
        The photo: an :class:`~brightroom.types.Image`, a display-encoded ``H x W x 3`` array or
        an image file (HEIC/JPEG/PNG/TIFF/AVIF).
    depth
        A depth map in metres: a :class:`~brightroom.io.depth.DepthMap`, a 2-D array, or a file
        (:func:`~brightroom.io.depth.read_depth`: HEIC/JPEG with embedded depth, PNG/TIFF/NPY).
    stereo
        The right view of a stereo pair (``image`` is the left view): a file, an
        :class:`~brightroom.types.Image` or an array; ``image``'s own path for an iPhone spatial
        photo (a HEIC holding both views).
    depth_from_file
        With neither ``depth`` nor ``stereo``: use the depth map embedded in ``image``'s file, or
        the second view of a two-view HEIC. Without either, :func:`render_portrait` builds a
        layered depth from the person segmentation.

    Returns
    -------
    (image, depth, right)
        ``depth`` or ``right`` (a display-encoded array) or both ``None``. For a spatial photo
        ``image`` holds the left view.

    Raises
    ------
    ParameterError
        Both ``depth`` and ``stereo``.
    InputError
        A missing or unreadable file (the io layer's errors), views of different sizes.
    """
    if depth is not None and stereo is not None:
        raise ParameterError("give either a depth map or a right view (stereo), not both")
    src = None if isinstance(image, (Image, np.ndarray)) else Path(image)
    photo = read_image(src) if src is not None else image
    right = None
    if stereo is not None:
        if isinstance(stereo, (Image, np.ndarray)):
            right = _view(stereo)
        elif src is not None and Path(stereo).resolve() == src.resolve():
            left, right = read_stereo_pair(src)
            photo = photo.replace(data=left)
        elif src is not None:
            _, right = read_stereo_pair(src, stereo)
        else:
            right = read_image(stereo).data
        a, b = _view(photo), right
        if a.shape != b.shape:
            raise InputError(f"stereo views differ in size: {a.shape[1]}x{a.shape[0]} vs "
                             f"{b.shape[1]}x{b.shape[0]}; both views must have the same size")
    elif depth is not None:
        if not isinstance(depth, (DepthMap, np.ndarray)):
            depth = read_depth(depth)
    elif depth_from_file and src is not None:
        depth = _embedded_depth(src)
        if depth is None and _heic_views(src) >= 2:
            left, right = read_stereo_pair(src)
            photo = photo.replace(data=left)
    return photo, depth, right
