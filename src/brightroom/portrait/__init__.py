"""Portrait mode: person segmentation, depth (phone map, stereo or layered) and lens-true bokeh.

:func:`render_portrait` is the whole path for one photo::

    from brightroom.io import read_image
    from brightroom.io.depth import read_depth
    from brightroom.portrait import render_portrait
    from brightroom.portrait.bokeh import BokehParams

    photo = read_image("IMG_0001.heic")
    result = render_portrait(photo, depth=read_depth("IMG_0001.heic"),
                             params=BokehParams(f_number=1.8))
    result.image  # same encoding as the input

Modules: :mod:`~brightroom.portrait.segment` (offline model + guided-filter edges),
:mod:`~brightroom.portrait.depth` (alignment, layered depth, auto focus),
:mod:`~brightroom.portrait.stereo` (SGBM + WLS), :mod:`~brightroom.portrait.bokeh` (rendering,
:data:`~brightroom.portrait.bokeh.BOKEH_METHODS`, :data:`~brightroom.portrait.bokeh.LENS_STYLES`),
:mod:`~brightroom.portrait.video` (temporally smoothed masks; the files through
:mod:`brightroom.io.video`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from brightroom.color.spaces import srgb_encode
from brightroom.errors import ParameterError
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

__all__ = ["render_portrait", "PortraitResult", "BokehParams", "SegmentParams", "StereoParams",
           "BOKEH_METHODS", "LENS_STYLES", "NoSubjectError", "ModelNotFoundError", "segment",
           "render_bokeh", "stereo_depth"]


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
