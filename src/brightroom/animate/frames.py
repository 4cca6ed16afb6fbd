"""An animation's frames and timing from what a user has: a video, a Live Photo, a burst or a
list of frames; resizing, frame-rate change, boomerang.

:class:`Clip` is 8-bit sRGB frames (``H x W x 3`` uint8, all one size) with each frame's
duration in milliseconds. :func:`load_clip` builds one:

* one video file PyAV reads (``start``, ``duration`` in seconds; the frame rate is the stream's);
* an iPhone Live Photo: its HEIC and MOV (either, or both, given; the MOV holds the motion);
* photos (anything :func:`brightroom.io.read` opens) or raws, developed through a recipe
  (:func:`brightroom.develop.run.develop`), or a folder of them (sorted by name), at ``fps``.

:func:`resize_clip` scales to a width with area averaging (down) or bicubic interpolation (up);
:func:`retime` resamples to a lower frame rate by the frames' own timestamps (so durations stay
exact: frame k shows from ``round(k * 1000 / fps)`` ms); :func:`boomerang` plays forward then
back without repeating the turning frames.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from brightroom.develop.run import develop
from brightroom.errors import InputError, ParameterError
from brightroom.io import IMAGE_EXTENSIONS, RAW_EXTENSIONS, read
from brightroom.io.video import read_frames_uint8
from brightroom.types import Image, LinearRawImage, RawImage

__all__ = ["Clip", "load_clip", "resize_clip", "retime", "boomerang", "VIDEO_EXTENSIONS",
           "durations_at"]

PathLike = str | os.PathLike[str]
VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".gif", ".3gp")
"""Extensions read as video (through PyAV)."""
_LIVE_PHOTO_STILLS = (".heic", ".heif", ".jpg", ".jpeg")


@dataclass(frozen=True)
class Clip:
    """Frames (uint8 sRGB, one size) and each one's duration in ms."""

    frames: tuple[np.ndarray, ...]
    durations_ms: tuple[float, ...]
    source: str = ""

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        h, w = self.frames[0].shape[:2]
        return w, h

    @property
    def fps(self) -> float:
        """Mean frame rate."""
        return 1000.0 * len(self.frames) / max(sum(self.durations_ms), 1e-9)


def durations_at(n: int, fps: float) -> tuple[float, ...]:
    """Durations of ``n`` frames at ``fps``, in ms, each a whole number, summing to the exact
    running time (frame k starts at ``round(k * 1000 / fps)``)."""
    starts = np.round(np.arange(n + 1) * 1000.0 / fps)
    return tuple(float(d) for d in np.diff(starts))


def _to_uint8(data: np.ndarray) -> np.ndarray:
    return (np.clip(data, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def _video(path: Path, start: float, duration: float | None,
           progress: Callable[[int], None] | None) -> Clip:
    # uint8 straight from FFmpeg: the same values as float32 / 255 rounded back, without the
    # two passes over every frame
    it, fps, _ = read_frames_uint8(path)
    first = int(round(start * fps))
    last = None if duration is None else first + max(1, int(round(duration * fps)))
    frames: list[np.ndarray] = []
    try:
        for i, f in enumerate(it):
            if i < first:
                continue
            if last is not None and i >= last:
                break
            frames.append(f)
            if progress is not None:
                progress(1)
    finally:
        it.close()  # type: ignore[attr-defined]
    if not frames:
        raise InputError(f"{path}: no frames"
                         + (f" from {start:g} s" if start else "")
                         + (f" in {duration:g} s" if duration is not None else ""))
    return Clip(tuple(frames), durations_at(len(frames), fps), str(path))


def _still(obj: object, recipe: object, name: str) -> np.ndarray:
    img = read(obj) if isinstance(obj, (str, os.PathLike)) else obj
    if isinstance(img, (RawImage, LinearRawImage)):
        img = develop(img, recipe=recipe if recipe is not None else "default")  # type: ignore[arg-type]
    if isinstance(img, Image):
        data = img.data
    elif isinstance(img, np.ndarray):
        data = img
    else:
        raise InputError(f"{name}: not an image (got {type(img).__name__})")
    if data.ndim == 2:
        data = np.repeat(data[..., None], 3, axis=2)
    if data.ndim != 3 or data.shape[2] < 3:
        raise InputError(f"{name}: expected an H x W x 3 image, got shape {data.shape}")
    data = data[..., :3]
    return data if data.dtype == np.uint8 else _to_uint8(np.asarray(data, np.float32))


def _expand(inputs: Sequence[object]) -> list[object]:
    out: list[object] = []
    exts = set(IMAGE_EXTENSIONS) | set(RAW_EXTENSIONS)
    for obj in inputs:
        if isinstance(obj, (str, os.PathLike)) and Path(obj).is_dir():
            files = sorted(p for p in Path(obj).iterdir()
                           if p.is_file() and p.suffix.lower() in exts)
            if not files:
                raise InputError(f"{obj}: folder holds no images or raws")
            out.extend(files)
        else:
            out.append(obj)
    return out


def _live_photo_motion(paths: Sequence[Path]) -> Path | None:
    """The MOV of a Live Photo given as its still, its MOV, or both; None if not one."""
    movs = [p for p in paths if p.suffix.lower() in (".mov", ".mp4")]
    stills = [p for p in paths if p.suffix.lower() in _LIVE_PHOTO_STILLS]
    if len(paths) == 2 and len(movs) == 1 and len(stills) == 1:
        return movs[0]
    if len(paths) == 1 and stills:
        for ext in (".MOV", ".mov"):
            cand = stills[0].with_suffix(ext)
            if cand.is_file():
                return cand
    return None


def load_clip(inputs: Sequence[object], *, fps: float | None = None, start: float = 0.0,
              duration: float | None = None, recipe: object = None,
              transform: Callable[[np.ndarray], np.ndarray] | None = None,
              progress: Callable[[int], None] | None = None) -> Clip:
    """The frames and timing of ``inputs`` (see the module docstring).

    Parameters
    ----------
    inputs
        One video, a Live Photo (still and/or MOV), or photos/raws/folders/arrays/images.
    fps
        Frame rate of a list of photos (default 10); for a video, see :func:`retime`.
    start, duration
        Seconds of a video to use.
    recipe
        Recipe for raws (a name, a file or a :class:`~brightroom.develop.recipe.Recipe`).
    transform
        Applied to every frame (float32 ``H x W x 3`` display values in [0, 1]), e.g. a look.
    progress
        Called with 1 for every frame read.

    Raises
    ------
    InputError
        No inputs, a missing file, a video without frames, frames of different sizes.
    """
    if not inputs:
        raise InputError("no inputs: give a video, a Live Photo, photos or a folder")
    if start < 0 or (duration is not None and duration <= 0):
        raise ParameterError(f"start {start!r} s and duration {duration!r} s: expected start >= 0 "
                             "and duration > 0")
    paths = [Path(o) for o in inputs if isinstance(o, (str, os.PathLike))]
    for p in paths:
        if not p.exists():
            raise InputError(f"{p}: no such file")
    motion = _live_photo_motion(paths) if len(paths) == len(inputs) else None
    if motion is None and len(inputs) == 1 and paths and paths[0].suffix.lower() in VIDEO_EXTENSIONS:
        motion = paths[0]
    if motion is not None:
        clip = _video(motion, start, duration, progress)
    else:
        items = _expand(inputs)
        frames = []
        for obj in items:
            name = str(obj) if isinstance(obj, (str, os.PathLike)) else type(obj).__name__
            if isinstance(obj, (str, os.PathLike)) and Path(obj).suffix.lower() in VIDEO_EXTENSIONS:
                raise InputError(f"{obj}: a video among {len(items)} inputs; give one video alone")
            f = _still(obj, recipe, name)
            if frames and f.shape != frames[0].shape:
                raise InputError(f"{name}: frame of {f.shape[1]}x{f.shape[0]}, but the first "
                                 f"frame is {frames[0].shape[1]}x{frames[0].shape[0]}; all frames "
                                 "must be one size")
            frames.append(f)
            if progress is not None:
                progress(1)
        rate = 10.0 if fps is None else float(fps)
        clip = Clip(tuple(frames), durations_at(len(frames), rate), "frames")
    if transform is not None:
        clip = Clip(tuple(_to_uint8(np.asarray(transform(f.astype(np.float32) / 255.0), np.float32))
                          for f in clip.frames), clip.durations_ms, clip.source)
    return clip


def resize_clip(clip: Clip, width: int | None = None, height: int | None = None) -> Clip:
    """``clip`` at ``width`` (and ``height``; the other kept in proportion), area-averaged when
    shrinking, bicubic when enlarging."""
    w0, h0 = clip.size
    if width is None and height is None:
        return clip
    if width is not None and width < 1 or height is not None and height < 1:
        raise ParameterError(f"size {width}x{height}: expected positive")
    w = int(width) if width is not None else max(1, int(round(w0 * height / h0)))  # type: ignore[operator]
    h = int(height) if height is not None else max(1, int(round(h0 * w / w0)))
    if (w, h) == (w0, h0):
        return clip
    interp = cv2.INTER_AREA if w < w0 else cv2.INTER_CUBIC
    return Clip(tuple(cv2.resize(f, (w, h), interpolation=interp) for f in clip.frames),
                clip.durations_ms, clip.source)


def retime(clip: Clip, fps: float) -> Clip:
    """``clip`` at a frame rate no higher than its own: at each new frame time the source frame
    showing then is taken; durations are whole milliseconds (:func:`durations_at`)."""
    if fps <= 0:
        raise ParameterError(f"fps {fps!r}: expected > 0")
    starts = np.concatenate([[0.0], np.cumsum(clip.durations_ms)])
    total = starts[-1]
    if fps >= clip.fps * 0.999:
        return clip
    n = max(1, int(round(total * fps / 1000.0)))
    times = np.arange(n) * 1000.0 / fps
    idx = np.clip(np.searchsorted(starts, times + 1e-6, side="right") - 1, 0, len(clip.frames) - 1)
    return Clip(tuple(clip.frames[i] for i in idx), durations_at(n, fps), clip.source)


def boomerang(clip: Clip) -> Clip:
    """Forward, then backward without repeating the first and last frames."""
    if len(clip.frames) < 3:
        return clip
    back = list(range(len(clip.frames) - 2, 0, -1))
    return Clip(clip.frames + tuple(clip.frames[i] for i in back),
                clip.durations_ms + tuple(clip.durations_ms[i] for i in back), clip.source)
