"""Video files in and out with PyAV (FFmpeg): probing, decoding to float32 frames, atomic encoding.

* :func:`probe_video` gives a :class:`VideoInfo`: frame size, frame rate, frame count, display
  rotation, codec and duration of the first video stream.
* :func:`read_frames` decodes lazily to display-encoded float32 RGB frames (``H x W x 3`` in
  [0, 1]); the file is closed when the iterator ends or is closed. :func:`read_frames_uint8`
  decodes to 8-bit RGB or grey (the luma plane as stored), optionally scaled by FFmpeg, for
  pipelines that work on 8-bit pixels (stabilisation's tracking pass).
* :func:`frame_times` reads every frame's presentation time (seconds) without decoding.
* :class:`VideoWriter` encodes frames (uint8, or float32 display values) as H.264 (libx264,
  ``yuv420p``) by default, to a temporary file beside the target that is renamed into place only
  when complete (:func:`brightroom.files.atomic_write`); it never replaces an existing file or
  an input without ``overwrite``. :func:`write_video` writes a sequence of frames with it.
  ``audio_from`` copies a source file's first audio stream into the output unchanged (no
  re-encoding: the packets keep their timestamps, so sound stays in sync with frames written
  at the source's frame rate from its first frame on).
* :class:`FrameQueue` joins the threads of a decode -> process -> encode pipeline: bounded,
  stoppable, and carrying a producer's exception to the consumer. FFmpeg, NumPy and OpenCV
  release the GIL for their heavy parts, so such stages overlap on a multi-core machine
  (:func:`brightroom.portrait.video.render_video` is built this way).

Frames are decoded as stored: a phone video's display rotation is reported
(:attr:`VideoInfo.rotation`), not applied, and :class:`VideoWriter` can store one.

PyAV is imported on first use (it loads FFmpeg's libraries).

References
----------
FFmpeg libx264 wrapper and x264 presets: https://trac.ffmpeg.org/wiki/Encode/H.264
ISO/IEC 14496-12 (ISO base media file format), 8.3.2: the track header's transformation matrix,
which carries the display rotation.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from brightroom.errors import CorruptFileError, InputError, ParameterError
from brightroom.files import atomic_write

__all__ = ["VideoInfo", "probe_video", "read_frames", "read_frames_uint8", "frame_times",
           "VideoWriter", "write_video", "to_uint8", "FrameQueue", "X264_PRESETS"]

PathLike = str | os.PathLike[str]

X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
                "slower", "veryslow")
"""libx264's speed presets, fastest first."""

_POLL = 0.05  # seconds between checks of the stop event while a queue is full / empty


@dataclass(frozen=True)
class VideoInfo:
    """What :func:`probe_video` finds in a file's first video stream.

    Attributes
    ----------
    width, height
        Frame size in pixels, as decoded (before any display rotation).
    fps
        Average frame rate (the guessed one when the container gives none; 30 when nothing is
        known), as :func:`read_frames` reports it.
    frames
        Frame count from the container, 0 when it does not say.
    rotation
        Display rotation a player applies, in degrees counter-clockwise: 0, 90, 180 or 270.
    codec
        FFmpeg's name of the codec (``"h264"``, ``"hevc"``, ...).
    duration
        Seconds, or None when the container does not say.
    audio
        FFmpeg's name of the first audio stream's codec, None when there is no audio.
    """

    width: int
    height: int
    fps: float
    frames: int
    rotation: int
    codec: str
    duration: float | None
    audio: str | None = None


def _open(p: Path, threads: int) -> tuple[Any, Any]:
    """(container, first video stream) of ``p``, decoding on ``threads`` threads (0: FFmpeg's
    choice)."""
    import av

    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        container = av.open(str(p))
    except Exception as e:
        raise CorruptFileError(f"{p}: cannot open as video ({e})") from None
    if not container.streams.video:
        container.close()
        raise InputError(f"{p}: has no video stream")
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    stream.codec_context.thread_count = threads
    return container, stream


def _fps(stream: Any) -> float:
    return float(stream.average_rate or stream.guessed_rate or 30)


def probe_video(path: PathLike) -> VideoInfo:
    """Size, frame rate, frame count, rotation, codec and duration of a video file.

    The first frame is decoded: FFmpeg hands the display matrix (the rotation) to decoded
    frames; nothing else is.

    Raises
    ------
    InputError
        Missing file or no video stream.
    CorruptFileError
        FFmpeg cannot open the file or decode its first frame.
    """
    p = Path(path)
    container, stream = _open(p, threads=0)
    try:
        rotation = 0
        try:
            for frame in container.decode(stream):
                rotation = int(getattr(frame, "rotation", 0) or 0) % 360
                break
        except Exception as e:
            raise CorruptFileError(f"{p}: decoding failed ({e})") from None
        if stream.duration is not None and stream.time_base is not None:
            duration: float | None = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000  # AV_TIME_BASE
        else:
            duration = None
        audio = (str(container.streams.audio[0].codec_context.name)
                 if container.streams.audio else None)
        return VideoInfo(width=int(stream.codec_context.width),
                         height=int(stream.codec_context.height), fps=_fps(stream),
                         frames=int(stream.frames or 0), rotation=rotation,
                         codec=str(stream.codec_context.name), duration=duration, audio=audio)
    finally:
        container.close()


def read_frames(path: PathLike, *, threads: int = 0) -> tuple[Iterator[np.ndarray], float, int]:
    """Open a video: (iterator of display-encoded float32 RGB frames, fps, frame count or 0).

    Parameters
    ----------
    path
        The video file.
    threads
        FFmpeg decoder threads (0: FFmpeg's choice).

    Returns
    -------
    tuple
        A lazy iterator of ``H x W x 3`` float32 frames in [0, 1] (8-bit RGB / 255; not
        rotated), the frame rate as in :attr:`VideoInfo.fps`, and the container's frame count
        (0 when it does not say). The file is closed when the iterator is exhausted or closed.

    Raises
    ------
    InputError
        Missing file or no video stream.
    CorruptFileError
        FFmpeg cannot open it; while iterating, a frame cannot be decoded.
    """
    p = Path(path)
    container, stream = _open(p, threads)
    fps = _fps(stream)
    count = int(stream.frames or 0)

    def gen() -> Iterator[np.ndarray]:
        try:
            for frame in container.decode(stream):
                # one pass: uint8 -> float32 and / 255 (the same values as astype then divide)
                yield np.divide(frame.to_ndarray(format="rgb24"), np.float32(255),
                                dtype=np.float32)
        except Exception as e:
            if not isinstance(e, GeneratorExit):
                raise CorruptFileError(f"{p}: decoding failed ({e})") from None
            raise
        finally:
            container.close()

    return gen(), fps, count


def read_frames_uint8(path: PathLike, *, format: str = "rgb24",
                      size: tuple[int, int] | None = None,
                      threads: int = 0) -> tuple[Iterator[np.ndarray], float, int]:
    """Open a video: (iterator of uint8 frames, fps, frame count or 0).

    Parameters
    ----------
    path
        The video file.
    format
        ``"rgb24"`` (``H x W x 3`` RGB), ``"gray"`` (``H x W``: the luma plane, converted by
        FFmpeg's swscale from the stored pixel format) or ``"yuv420p"`` (``3H/2 x W``: the
        planes Y, U, V one after the other, as stored for most phone and camera video, so no
        colour conversion is made; other pixel formats are converted; even sizes only).
    size
        ``(width, height)`` to scale to with FFmpeg (area averaging), or None for the stored
        size.
    threads
        FFmpeg decoder threads (0: FFmpeg's choice).

    Raises
    ------
    InputError
        Missing file or no video stream.
    ParameterError
        An unknown ``format``.
    CorruptFileError
        FFmpeg cannot open it; while iterating, a frame cannot be decoded.
    """
    if format not in ("rgb24", "gray", "yuv420p"):
        raise ParameterError(f"{path}: format must be 'rgb24', 'gray' or 'yuv420p', got "
                             f"{format!r}")
    p = Path(path)
    container, stream = _open(p, threads)
    fps = _fps(stream)
    count = int(stream.frames or 0)
    kw: dict[str, Any] = {"format": format}
    if size is not None:
        kw.update(width=int(size[0]), height=int(size[1]), interpolation="AREA")

    def gen() -> Iterator[np.ndarray]:
        try:
            for frame in container.decode(stream):
                if size is None:
                    yield frame.to_ndarray(format=format)
                else:
                    yield frame.reformat(**kw).to_ndarray()
        except Exception as e:
            if not isinstance(e, GeneratorExit):
                raise CorruptFileError(f"{p}: decoding failed ({e})") from None
            raise
        finally:
            container.close()

    return gen(), fps, count


def frame_times(path: PathLike) -> np.ndarray:
    """Presentation time of every frame of the first video stream, in seconds from the first
    frame, in presentation order (read from the packets; nothing is decoded).

    Raises
    ------
    InputError
        Missing file or no video stream.
    CorruptFileError
        FFmpeg cannot open or demux it.
    """
    p = Path(path)
    container, stream = _open(p, threads=0)
    try:
        tb = float(stream.time_base)
        pts = [pk.pts for pk in container.demux(stream) if pk.pts is not None and pk.size]
    except Exception as e:
        raise CorruptFileError(f"{p}: demuxing failed ({e})") from None
    finally:
        container.close()
    t = np.sort(np.asarray(pts, np.float64)) * tb
    return t - t[0] if t.size else t


def to_uint8(frame: np.ndarray, height: int, width: int,
             scratch: np.ndarray | None = None) -> np.ndarray:
    """``(clip(frame, 0, 1) * 255 + 0.5).astype(uint8)`` of the top-left ``height x width``.

    ``scratch``, a float32 ``height x width x 3`` array, is used for the arithmetic (one per
    video saves an allocation a frame); the result is a new array.
    """
    buf = np.empty((height, width, 3), np.float32) if scratch is None else scratch
    np.clip(frame[:height, :width], 0, 1, out=buf)
    buf *= np.float32(255)
    buf += np.float32(0.5)
    return buf.astype(np.uint8)


class VideoWriter:
    """A video file written frame by frame, atomically; a context manager.

    The file appears under ``path`` only when the ``with`` block ends without an exception;
    otherwise nothing is left. The stream is set up on the first frame (or by
    :meth:`open_stream`): its size is the frame's, less an odd last row or column (``yuv420p``
    halves the chroma resolution in both directions).

    Parameters
    ----------
    path
        Output file; FFmpeg chooses the container from the extension (``.mp4``, ``.mov``,
        ``.mkv``, ...). Missing parent directories are created.
    fps
        Frame rate: an integer, a :class:`fractions.Fraction` (``Fraction(30000, 1001)``) or a
        float (taken as the nearest fraction with a denominator up to 1001).
    codec
        FFmpeg encoder ["libx264"].
    crf
        Constant rate factor for libx264/libx265, 0 (lossless) .. 51 [20]; None: the encoder's
        default.
    preset
        libx264/libx265 speed preset, one of :data:`X264_PRESETS` ["veryfast"]; None: the
        encoder's default.
    pix_fmt
        Encoded pixel format ["yuv420p", which every player decodes].
    threads
        Encoder threads (0: the encoder's choice) [0].
    rotation
        Display rotation to store, degrees counter-clockwise: 0, 90, 180 or 270 [0]. The frames
        are encoded as given.
    options
        Further encoder options (FFmpeg's ``-x264-params`` and the like), as strings.
    overwrite
        Replace an existing file (also one of ``inputs``).
    inputs
        Files the video is made from; writing over one needs ``overwrite``.
    audio_from
        A video file whose first audio stream is copied into the output unchanged (none: no
        audio; a file without audio adds none).

    Raises
    ------
    ParameterError
        A bad frame rate, crf, preset or rotation; on leaving the block, a video without frames.
    OutputExistsError
        ``path`` exists (or is an input) and ``overwrite`` is false: on entering the block, and
        again when the file is moved into place.

    Examples
    --------
    >>> with VideoWriter("out.mp4", fps=30) as video:  # doctest: +SKIP
    ...     for frame in frames:
    ...         video.write(frame)
    """

    def __init__(self, path: PathLike, *, fps: int | float | Fraction, codec: str = "libx264",
                 crf: int | None = 20, preset: str | None = "veryfast",
                 pix_fmt: str = "yuv420p", threads: int = 0, rotation: int = 0,
                 options: Mapping[str, str] | None = None, overwrite: bool = False,
                 inputs: Iterable[PathLike] = (), audio_from: PathLike | None = None) -> None:
        self.path = Path(path)
        self._audio_from = Path(audio_from) if audio_from is not None else None
        self._audio_in: Any = None
        self._audio_src: Any = None
        self._audio_out: Any = None
        if isinstance(fps, float):
            if not np.isfinite(fps) or fps <= 0:
                raise ParameterError(f"{self.path}: fps must be positive, got {fps}")
            fps = Fraction(fps).limit_denominator(1001)
        if fps <= 0:
            raise ParameterError(f"{self.path}: fps must be positive, got {fps}")
        if crf is not None and not 0 <= crf <= 51:
            raise ParameterError(f"{self.path}: crf must be in [0, 51], got {crf}")
        if preset is not None and preset not in X264_PRESETS:
            raise ParameterError(f"{self.path}: preset must be one of {X264_PRESETS}, "
                                 f"got {preset!r}")
        if rotation % 90 or not -360 < rotation < 360:
            raise ParameterError(f"{self.path}: rotation must be 0, 90, 180 or 270, got "
                                 f"{rotation}")
        self.fps = fps
        self.codec, self.pix_fmt, self.threads = codec, pix_fmt, threads
        self.rotation = rotation % 360
        self._options = {**({"crf": str(crf)} if crf is not None else {}),
                         **({"preset": preset} if preset is not None else {}),
                         **dict(options or {})}
        self._overwrite, self._inputs = overwrite, tuple(inputs)
        self._stack: contextlib.ExitStack | None = None
        self._container: Any = None
        self._stream: Any = None
        self._from_ndarray: Any = None
        self._scratch: np.ndarray | None = None
        self._flushed = False

    def __enter__(self) -> VideoWriter:
        import av

        if self._container is not None:
            raise ParameterError(f"{self.path}: a VideoWriter writes its file once")
        with contextlib.ExitStack() as stack:
            tmp = stack.enter_context(atomic_write(self.path, overwrite=self._overwrite,
                                                   inputs=self._inputs))
            self._container = av.open(str(tmp), mode="w")
            stack.callback(self._container.close)
            if self._audio_from is not None:
                src, _ = _open(self._audio_from, threads=0)
                stack.callback(src.close)
                if src.streams.audio:
                    self._audio_in, self._audio_src = src, src.streams.audio[0]
            stack.push(self._finish)
            self._from_ndarray = av.VideoFrame.from_ndarray
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc: Any) -> bool:
        stack, self._stack = self._stack, None
        return bool(stack.__exit__(*exc)) if stack is not None else False

    def _finish(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        # the first exit callback: on success, flush (and refuse an empty video); then the
        # container is closed, then atomic_write renames or removes the temporary file
        if exc_type is None:
            if self._stream is None:
                raise ParameterError(f"{self.path}: no frames were written")
            self.flush()
        return False

    @property
    def size(self) -> tuple[int, int] | None:
        """``(width, height)`` of the encoded frames once the stream is set up, else None."""
        if self._stream is None:
            return None
        return int(self._stream.width), int(self._stream.height)

    def open_stream(self, width: int, height: int) -> tuple[int, int]:
        """Set up the video stream for ``width x height`` frames; returns the encoded
        ``(width, height)`` (even). :meth:`write` calls it on the first frame."""
        if self._container is None:
            raise ParameterError(f"{self.path}: use the VideoWriter in a with block")
        if self._stream is not None:
            raise ParameterError(f"{self.path}: the video stream is already set up")
        if width < 2 or height < 2:
            raise ParameterError(f"{self.path}: frames of {width} x {height} are too small")
        stream = self._container.add_stream(self.codec, rate=self.fps)
        stream.width, stream.height = width - width % 2, height - height % 2
        stream.pix_fmt = self.pix_fmt
        stream.codec_context.thread_count = self.threads
        stream.options = dict(self._options)
        if self.rotation:
            if not hasattr(stream, "set_display_rotation"):
                raise ParameterError(f"{self.path}: this PyAV cannot store a display rotation")
            stream.set_display_rotation(self.rotation)
        if self._audio_src is not None:
            try:
                self._audio_out = self._container.add_stream_from_template(self._audio_src)
            except Exception as e:
                raise ParameterError(f"{self.path}: cannot carry the audio of "
                                     f"{self._audio_from} ({e})") from None
        self._stream = stream
        return int(stream.width), int(stream.height)

    def write_yuv420p(self, planes: np.ndarray) -> None:
        """Encode one frame given as ``3H/2 x W`` uint8 planes Y, U, V (``yuv420p``, as
        :func:`read_frames_uint8` gives them): no colour conversion when the stream is
        ``yuv420p`` too. Every frame has the first frame's size (even)."""
        if planes.ndim != 2 or planes.dtype != np.uint8 or planes.shape[0] % 3:
            raise ParameterError(f"{self.path}: yuv420p frames are 3H/2 x W uint8, got "
                                 f"{planes.shape} {planes.dtype}")
        if self._flushed:
            raise ParameterError(f"{self.path}: the video is already flushed")
        fh, fw = planes.shape[0] * 2 // 3, planes.shape[1]
        w, h = self.size or self.open_stream(fw, fh)
        if (fw, fh) != (w, h):
            raise ParameterError(f"{self.path}: a frame of {fw} x {fh} in a video of "
                                 f"{w} x {h}")
        frame = self._from_ndarray(planes, format="yuv420p")
        if self.pix_fmt != "yuv420p":
            frame = frame.reformat(format=self.pix_fmt)
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def write(self, frame: np.ndarray) -> None:
        """Encode one ``H x W x 3`` RGB frame: uint8, or float display values (clipped to
        [0, 1] and rounded, :func:`to_uint8`). Every frame has the first frame's size."""
        if frame.ndim != 3 or frame.shape[2] != 3:
            raise ParameterError(f"{self.path}: frames are H x W x 3 RGB, got {frame.shape}")
        if self._flushed:
            raise ParameterError(f"{self.path}: the video is already flushed")
        fh, fw = frame.shape[:2]
        w, h = self.size or self.open_stream(fw, fh)
        if (fw - fw % 2, fh - fh % 2) != (w, h):
            raise ParameterError(f"{self.path}: a frame of {fw} x {fh} in a video of "
                                 f"{w} x {h}")
        if frame.dtype != np.uint8:
            if self._scratch is None:
                self._scratch = np.empty((h, w, 3), np.float32)
            pix = to_uint8(frame, h, w, self._scratch)
        elif (fw, fh) != (w, h):
            pix = np.ascontiguousarray(frame[:h, :w])
        else:
            pix = frame
        for packet in self._stream.encode(self._from_ndarray(pix, format="rgb24")):
            self._container.mux(packet)

    def flush(self) -> None:
        """Drain the encoder's delayed frames into the file (leaving the ``with`` block does
        it too). No frame can be written after."""
        if self._stream is None or self._flushed:
            return
        for packet in self._stream.encode(None):
            self._container.mux(packet)
        if self._audio_out is not None:
            for packet in self._audio_in.demux(self._audio_src):
                if packet.dts is None:
                    continue
                packet.stream = self._audio_out
                self._container.mux(packet)
        self._flushed = True


def write_video(frames: Iterable[np.ndarray], path: PathLike, *, fps: int | float | Fraction,
                **options: Any) -> Path:
    """Write ``frames`` (uint8 or float display values, ``H x W x 3`` RGB) as a video file,
    atomically; ``options`` are those of :class:`VideoWriter`.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ParameterError
        No frames, frames of different sizes, or a bad option.
    OutputExistsError
        ``path`` exists (or is an input) and ``overwrite`` is false.
    """
    with VideoWriter(path, fps=fps, **options) as video:
        for frame in frames:
            video.write(frame)
    return video.path


class _Failure:
    """An exception raised in a pipeline thread, carried to the consumer through a queue."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class FrameQueue:
    """A bounded queue between two threads of a pipeline that all stop on one event.

    Every wait polls ``stop`` (so a failed stage never leaves another blocked on a full or an
    empty queue); the producer ends the stream with :meth:`close`, or hands its exception on
    with :meth:`fail`; iterating gives the items until the end and raises a handed-on
    exception.

    Parameters
    ----------
    maxsize
        Items held at most (a few frames: memory stays bounded when one stage is slower).
    stop
        Set by whichever stage fails (or by the owner, to stop all stages).
    """

    END = object()
    """What :meth:`get` returns at the end of the stream, or once ``stop`` is set."""

    def __init__(self, maxsize: int, stop: threading.Event) -> None:
        self._queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self.stop = stop

    def put(self, item: object) -> bool:
        """Put ``item`` unless ``stop`` is set first; True when it was put."""
        while not self.stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL)
                return True
            except queue.Full:
                pass
        return False

    def get(self) -> object:
        """The next item, or :attr:`END` once ``stop`` is set."""
        while not self.stop.is_set():
            try:
                return self._queue.get(timeout=_POLL)
            except queue.Empty:
                pass
        return self.END

    def close(self) -> bool:
        """End the stream (the producer is done); False when ``stop`` was set first."""
        return self.put(self.END)

    def fail(self, exc: BaseException) -> bool:
        """Hand ``exc`` to the consumer, which raises it; False when ``stop`` was set first."""
        return self.put(_Failure(exc))

    def __iter__(self) -> Iterator[Any]:
        while True:
            item = self.get()
            if item is self.END:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item
