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

**Focus** (:func:`resolve_focus`): ``"auto"``, a point in pixels of the picture as a user clicks
on it (``(x, y)`` or ``"x,y"``), or in percent of the frame (``"50%,40%"``). ``"auto"`` focuses on
the person when one is found, else on the camera's own focus when the file records it (Google's
``GFocus``), else on the subject the depth map shows (:func:`~brightroom.portrait.depth.auto_focus`).

**Scale.** A metric map (iPhone disparity, a depth file in metres) is used as it is. A map of
unknown scale (Google Lens Blur's GDepth without units, an uncalibrated stereo pair) only gives
depth ratios; it is scaled so that the subject (the file's focus distance, else the auto focus)
stands at :data:`NOMINAL_SUBJECT_DISTANCE`, a head-and-shoulders portrait distance for the 50 mm
equivalent lens, and ``aperture`` then means what it means on that lens.

**No subject.** Without a depth map the blur needs a person: with no person found (a landscape, a
pet, a still life) :class:`NoSubjectError` says so and nothing is written; the photo is never
blurred around a guessed subject.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from brightroom.color.spaces import srgb_encode
from brightroom.errors import CorruptFileError, InputError, ParameterError
from brightroom.io import read_image, read_metadata
from brightroom.io.depth import (
    DepthMap,
    heic_stereo_pair,
    read_depth,
    read_stereo_pair,
    read_xmp_original,
)
from brightroom.limits import memory_budget
from brightroom.portrait.bokeh import (
    BOKEH_METHODS,
    LENS_STYLES,
    BokehParams,
    coc_radius_px,
    focus_distance_at,
    render_bokeh,
)
from brightroom.portrait.depth import align_depth, auto_focus, layered_depth
from brightroom.portrait.segment import (
    ModelNotFoundError,
    NoSubjectError,
    Segmentation,
    SegmentParams,
    refine_alpha,
    segment,
)
from brightroom.portrait.stereo import StereoParams, depth_from_disparity, disparity, fill_invalid
from brightroom.types import Image

__all__ = ["render_portrait", "portrait_inputs", "PortraitResult", "BokehParams", "SegmentParams",
           "StereoParams", "BOKEH_METHODS", "LENS_STYLES", "NoSubjectError", "ModelNotFoundError",
           "segment", "render_bokeh", "stereo_depth", "resolve_focus", "NOMINAL_SUBJECT_DISTANCE",
           "check_memory"]

NOMINAL_SUBJECT_DISTANCE = 1.5
"""Metres at which the subject of a depth map of unknown scale is placed."""


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
    focus_source
        ``"person"``, ``"file"`` (the camera's recorded focus), ``"depth"`` (the subject the
        depth map shows) or ``"point"`` (the caller's).
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
    focus_source: str = "depth"


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


_FOCUS_HELP = ("expected 'auto', X,Y in pixels of the picture (e.g. 2016,1512) or X%,Y% of the "
               "frame (e.g. 50%,40%)")


def resolve_focus(focus: object, width: int | None = None, height: int | None = None
                  ) -> str | tuple[float, float]:
    """The focus point as fractions of the frame, or ``"auto"``.

    Parameters
    ----------
    focus
        ``"auto"``; ``(x, y)`` or ``"x,y"``: pixels of the picture (0 .. width, 0 .. height, the
        origin at the top-left corner, as a user clicks on it); ``"x%,y%"``: percent of the
        frame.
    width, height
        The picture's size; ``None`` checks the syntax only (and returns ``focus`` itself).

    Raises
    ------
    ParameterError
        Not one of these forms, or a point outside the picture.
    """
    if isinstance(focus, str):
        text = focus.strip()
        if text.lower() == "auto":
            return "auto"
        parts = [t.strip() for t in text.split(",")]
        pct = [t.endswith("%") for t in parts]
        try:
            if len(parts) != 2 or pct[0] != pct[1]:
                raise ValueError
            x, y = (float(t.rstrip("%")) for t in parts)
        except ValueError:
            raise ParameterError(f"focus {focus!r}: {_FOCUS_HELP}") from None
        if not (np.isfinite(x) and np.isfinite(y)):
            raise ParameterError(f"focus {focus!r}: {_FOCUS_HELP}")
        if pct[0]:
            if not (0 <= x <= 100 and 0 <= y <= 100):
                raise ParameterError(f"focus {focus!r}: percentages must be in 0..100")
            return (x / 100, y / 100)
        point = (x, y)
    elif isinstance(focus, (tuple, list)) and len(focus) == 2 and \
            all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                for v in focus):
        point = (float(focus[0]), float(focus[1]))
    else:
        raise ParameterError(f"focus {focus!r}: {_FOCUS_HELP}")
    if width is None or height is None:
        return focus if isinstance(focus, str) else point  # type: ignore[return-value]
    x, y = point
    if not (np.isfinite(x) and np.isfinite(y) and 0 <= x <= width and 0 <= y <= height):
        raise ParameterError(f"focus {x:g},{y:g} is outside the {width}x{height} picture "
                             f"(pixels: x in 0..{width}, y in 0..{height}; or X%,Y%)")
    return (min(x / max(width, 1), 1.0), min(y / max(height, 1), 1.0))


def _working(depth: np.ndarray, data: np.ndarray, size: int) -> np.ndarray:
    h, w = data.shape[:2]
    s = max(1, int(np.ceil(max(h, w) / size)))
    small = data if s == 1 else cv2.resize(data, (w // s, h // s), interpolation=cv2.INTER_AREA)
    return align_depth(depth, small, radius=max(2, small.shape[1] // 150))


def focus_matte(display: np.ndarray, depth: np.ndarray, focus_distance: float,
                params: BokehParams) -> np.ndarray:
    """The in-focus layer of ``depth`` as a full-resolution matte snapped to the photo's edges.

    Pixels whose circle of confusion is under half a working-resolution pixel are the layer;
    its indicator is upsampled and refined with the guided filter on the photo, as the person
    segmentation's mask is (:func:`~brightroom.portrait.segment.refine_alpha`), so a stem or a
    leaf edge in the focus plane gets its own alpha at full resolution."""
    h, w = display.shape[:2]
    s = max(1, int(np.ceil(max(h, w) / params.working_size)))
    r = coc_radius_px(depth, params, w, focus_distance) / s
    coarse = np.clip(1.5 - np.abs(r) * 2, 0, 1).astype(np.float32)  # 1 inside |r| <= 0.25
    return refine_alpha(display, coarse, SegmentParams(eps=1e-3))


def _on(mask: np.ndarray | None, point: tuple[float, float]) -> bool:
    if mask is None:
        return False
    h, w = mask.shape
    return bool(mask[int(round(point[1] * (h - 1))), int(round(point[0] * (w - 1)))] >= 0.5)


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
        A :class:`~brightroom.io.depth.DepthMap` (metric or relative, with the camera's focus
        when the file records it) or a 2-D array in metres, or ``None``.
    right
        The right view of a stereo pair (``depth`` must then be ``None``).
    params
        :class:`BokehParams`.
    focus
        ``"auto"`` or a point: ``(x, y)`` / ``"x,y"`` in pixels of ``image``, ``"x%,y%"`` in
        percent of the frame (:func:`resolve_focus`).
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
    point = resolve_focus(focus, data.shape[1], data.shape[0])
    notes: list[str] = []
    if not isinstance(image, np.ndarray) and image.metadata.get("portrait_original"):
        notes.append(image.metadata["portrait_original"])
    display = data if isinstance(image, np.ndarray) or image.transfer != "linear" else None
    if display is None:

        display = np.clip(srgb_encode(data), 0, 1)
    file_focus: float | None = None
    file_point: tuple[float, float] | None = None
    relative = False
    if right is not None:
        z = stereo_depth(display, right, params=stereo_params)
        source, relative = "stereo", True
    elif depth is not None:
        z = np.asarray(getattr(depth, "depth", depth), np.float32)
        if z.ndim != 2 or z.size == 0:
            raise ParameterError(f"depth must be a 2-D map, got shape {z.shape}")
        source = "file"
        if isinstance(depth, DepthMap):
            relative = not depth.metric
            file_focus, file_point = depth.focus_distance, depth.focus_point
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
            why = f" ({seg.reason})" if seg is not None else ""
            raise NoSubjectError(f"no subject: no person found{why} and no depth map, so there "
                                 "is nothing to keep sharp; give a depth map with --depth FILE "
                                 "or a right view with --stereo RIGHT")
        z = layered_depth(seg.alpha[::4, ::4] if max(data.shape) > 2000 else seg.alpha)
        zw = z
    else:
        zw = _working(z, display, params.working_size)
    matte = seg.alpha if (seg is not None and seg.found) else None
    if seg is not None and not seg.found and source != "layered":
        notes.append(f"no person found ({seg.reason}); used the depth map alone")

    if relative:
        # a map of unknown scale: put its subject at the nominal portrait distance
        anchor = file_focus if file_focus is not None else auto_focus(zw, matte)
        if not np.isfinite(anchor) or anchor <= 0:
            raise ParameterError("depth map has no valid (finite, positive) value")
        k = np.float32(NOMINAL_SUBJECT_DISTANCE / anchor)
        zw = (zw * k).astype(np.float32)
        file_focus = None if file_focus is None else file_focus * float(k)
        notes.append(f"depth of unknown scale: subject placed at {NOMINAL_SUBJECT_DISTANCE:g} m")

    if point == "auto":
        if matte is not None and not (file_point is not None and not _on(matte, file_point)):
            zf, fsrc = auto_focus(zw, matte), "person"
        elif file_focus is not None:
            zf, fsrc = file_focus, "file"
            matte = matte if file_point is not None and _on(matte, file_point) else None
        elif file_point is not None:
            zf, fsrc = focus_distance_at(zw, file_point), "file"
            matte = matte if _on(matte, file_point) else None
        else:
            zf, fsrc = auto_focus(zw, None), "depth"
    else:
        zf, fsrc = focus_distance_at(zw, point), "point"  # type: ignore[arg-type]
        if not _on(matte, point):  # type: ignore[arg-type]
            matte = None  # the subject is not where the focus is: let depth decide
    zf = max(float(zf), params.focal_length * 1e-3 * 1.05)
    if matte is None and source == "stereo":
        # a matched depth map misses structures thinner than its window (stems, leaf edges):
        # the in-focus layer becomes a matte refined on the photo, as the person's is
        matte = focus_matte(display, zw, zf, params)
        notes.append("in-focus layer refined on the photo (thin structures)")
    out = render_bokeh(image, zw, params=replace(params, focus_distance=None), matte=matte,
                       focus_distance=zf, method=method)
    return PortraitResult(out, zw, matte, zf, source,
                          None if seg is None else seg.found, tuple(notes), fsrc)


# ------------------------------------------------------------------------------ from files

BYTES_PER_PIXEL = 44
"""Peak memory of a photo's portrait per pixel, measured (12 MP HEIC with depth: 0.53 GB above
the interpreter's own): the float32 photo (12), the rendered copy (12), the matte (4) and the
guided filter's full-resolution planes (16)."""


def _memory_limit() -> tuple[int | None, str]:
    """The memory the user allows: :func:`brightroom.limits.memory_budget` (one policy for
    every operation: ``$BRIGHTROOM_MEMORY_LIMIT``, ``ulimit``, the cgroup, the memory
    available)."""
    return memory_budget()


def check_memory(path: str | os.PathLike[str], *, limit: int | None = None) -> None:
    """Refuse, before decoding, a photo whose portrait would not fit in memory.

    The need is the pixel count (from the file's header, :func:`~brightroom.io.read_metadata`)
    times :data:`BYTES_PER_PIXEL`; the limit is ``limit`` or the user's (see
    :func:`_memory_limit`). A local check: a general resource policy may replace it.

    Raises
    ------
    InputError
        The need exceeds the limit (the message gives both and how to raise the limit).
    """
    try:
        info = read_metadata(path)
    except InputError:
        return  # the reader will say what is wrong with the file
    w, h = int(info.get("width") or 0), int(info.get("height") or 0)
    need = w * h * BYTES_PER_PIXEL
    where = "the limit given"
    if limit is None:
        limit, where = _memory_limit()
    if limit is not None and need > limit:
        raise InputError(f"{path}: a portrait of this {w}x{h} ({w * h / 1e6:.0f} MP) photo needs "
                         f"about {need / 2**30:.1f} GiB of memory, more than {where} allows "
                         f"({limit / 2**30:.1f} GiB); downscale it first or raise the limit "
                         "(BRIGHTROOM_MEMORY_LIMIT)")

_EMBEDDED_DEPTH = (".heic", ".heif", ".hif", ".jpg", ".jpeg")
_HEIC = (".heic", ".heif", ".hif")


def _embedded_depth(path: Path) -> DepthMap | None:
    if path.suffix.lower() not in _EMBEDDED_DEPTH:
        return None
    try:
        return read_depth(path)
    except CorruptFileError as e:
        raise CorruptFileError(f"{e}; the depth map embedded in the file is unusable (ignore it "
                               "with --no-depth-from-file / depth_from_file=False)") from None
    except InputError:
        return None


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
        :class:`~brightroom.types.Image` or an array; ``image``'s own path for a spatial photo
        (a HEIC declaring a stereo pair).
    depth_from_file
        With neither ``depth`` nor ``stereo``: use the depth map embedded in ``image``'s file, or
        the two views of a HEIC that declares a stereo pair (a ``ster`` group; a burst or a
        collection of pictures is not one). Without either, :func:`render_portrait` builds a
        layered depth from the person segmentation. A Google Lens Blur JPEG's primary picture is
        already blurred: its unblurred original (``GImage:Data``) is the photo then.

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
        A missing or unreadable file (the io layer's errors), views of different sizes, a HEIC
        given as its own right view that declares no stereo pair.
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
        if depth is None and src.suffix.lower() in _HEIC and heic_stereo_pair(src) is not None:
            left, right = read_stereo_pair(src)
            photo = photo.replace(data=left)
        elif isinstance(depth, DepthMap) and depth.metadata.get("has_original"):
            orig = read_xmp_original(src)
            if orig is not None and orig.shape == photo.data.shape:
                photo = photo.replace(
                    data=orig, metadata={**photo.metadata, "portrait_original":
                                         "rendered from the unblurred original (GImage:Data)"})
    return photo, depth, right
