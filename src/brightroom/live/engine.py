"""The live engine: sources, a pipelined generator of processed frames, MP4 and statistics.

Pipeline (:class:`LiveSession`)::

    capture thread --q_in (bounded)--> segment thread --q_seg (bounded)--> render (caller)
                                                                            --> yield / encoder

* **Capture** reads the source (:func:`open_source`). A *live* source (a webcam, a stream, or
  a file with ``realtime=True``, paced to its own frame rate) never waits: when ``q_in`` is
  full its oldest frame is **dropped and counted** (the newest goes on). A file without
  ``realtime`` is read as fast as the pipeline takes it (nothing dropped).
* **Segment** runs the MediaPipe selfie model (:mod:`brightroom.portrait.segment`) on every
  ``segment_every``-th frame and propagates the last matte to the frames between (the
  temporal smoothing of :class:`brightroom.portrait.video.MaskSmoother` runs on the model's
  masks). With ``adaptive`` the rate is lowered (``segment_every`` up to
  ``max_segment_every``, one step per 5 frames) while the engine is behind (frames dropped or
  waiting), and raised back after 30 frames without either.
* **Render** (the caller's thread, the generator) refines the matte on the frame (guided
  filter), applies the effect (:mod:`brightroom.live.effects`: masked blur, replacement),
  beauty and the look, and yields uint8 RGB. Latency is measured from the frame's arrival
  (capture) to the moment it is handed on (yielded).

OpenCV, NumPy, FFmpeg and the DNN release the GIL in their heavy parts, so the threads
overlap on a multi-core machine.
"""

from __future__ import annotations

import collections
import contextlib
import json
import math
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from brightroom.errors import BrightroomError, InputError, ParameterError
from brightroom.files import atomic_write, check_output
from brightroom.io.video import VideoWriter, read_frames_uint8
from brightroom.live.effects import (
    ColourTable,
    ExposureSmoother,
    beauty,
    blurred_background,
    composite,
    covering_background,
    load_background,
    look_function,
    skin_mask,
)
from brightroom.live.truecolour import ChartCalibrator, TrueColourProfile, load_profile
from brightroom.portrait.he2013 import guided_filter_fast
from brightroom.portrait.segment import MODEL_INPUT, SEGMENT_METHODS, SegmentParams
from brightroom.portrait.video import MaskSmoother

__all__ = ["LiveParams", "LiveStats", "LiveSession", "Source", "SourceError", "open_source",
           "synthetic_source", "array_source", "sized_frames", "refine_matte", "model_matte",
           "AlphaSmoother", "VideoBackground", "VIDEO_SUFFIXES", "live_frames",
           "stream_to_file", "EFFECTS"]

EFFECTS = ("blur", "replace", "none")
_POLL = 0.05


class SourceError(InputError):
    """The source cannot be opened, stopped mid-stream or changed size."""


@dataclass(frozen=True)
class LiveParams:
    """Parameters of the live engine.

    Attributes
    ----------
    effect
        ``"blur"``, ``"replace"`` (needs ``background``) or ``"none"`` ["blur"].
    background
        Replacement image, or a video (:data:`VIDEO_SUFFIXES`, looped) with
        ``effect="replace"``.
    blur_sigma
        Background blur, Gaussian sigma in pixels of a 1280-wide frame (scaled) [12].
    beauty
        Skin smoothing strength 0..1 [0].
    look
        A look (built-in name or ``.toml``) or None.
    look_strength
        0..2 [1].
    model
        Segmentation model ``"landscape"`` (256x144) or ``"general"`` ["landscape"].
    segment_every
        Run the model on every N-th frame, propagate the matte between [1].
    adaptive
        Lower the segmentation rate under load before dropping frames [True].
    max_segment_every
        The adaptive rate's limit [4].
    ema, motion_threshold
        Temporal matte smoothing (:class:`~brightroom.portrait.video.MaskSmoother` on the
        model's mask, :class:`AlphaSmoother` on the refined matte) [0.6, 0.02: on the lab
        portrait clip 0.08 let the mask trail a moving subject by 0.86 frames, 0.02 by 0.38].
    queue
        Frames held between stages [1]: a live source's oldest waiting frame is dropped for
        a new one.
    true_colour
        A webcam profile (JSON, :mod:`brightroom.live.truecolour`) applied to every frame
        before the look; with ``calibrate`` the file the new profile is written to.
    calibrate
        Look for a ColorChecker in the stream, fit a profile from it and apply it from then on
        [False].
    calibrate_method
        The colour model: ``"matrix"`` or ``"finlayson2015"`` ["finlayson2015"].
    schedule
        ``"numba"`` (the fused composite and table pass) or ``"numpy"`` (the reference)
        ["numba"].
    steady_exposure
        Cancel a webcam's pumping auto exposure and white balance
        (:class:`~brightroom.live.effects.ExposureSmoother`) [False].
    """

    effect: str = "blur"
    background: str | None = None
    blur_sigma: float = 12.0
    beauty: float = 0.0
    look: str | None = None
    look_strength: float = 1.0
    model: str = "landscape"
    segment_every: int = 1
    adaptive: bool = True
    max_segment_every: int = 4
    ema: float = 0.6
    motion_threshold: float = 0.02
    queue: int = 1
    true_colour: str | None = None
    calibrate: bool = False
    calibrate_method: str = "finlayson2015"
    schedule: str = "numba"
    steady_exposure: bool = False

    def __post_init__(self) -> None:
        if self.effect not in EFFECTS:
            raise ParameterError(f"effect must be one of {EFFECTS}, got {self.effect!r}")
        if self.effect == "replace" and not self.background:
            raise ParameterError("effect 'replace' needs a background image")
        if not 0 <= self.beauty <= 1:
            raise ParameterError(f"beauty must be in [0, 1], got {self.beauty}")
        if not self.blur_sigma > 0:
            raise ParameterError(f"blur_sigma must be > 0, got {self.blur_sigma}")
        if self.model not in MODEL_INPUT:
            raise ParameterError(f"model must be one of {tuple(MODEL_INPUT)}, got {self.model!r}")
        if not 1 <= self.segment_every <= self.max_segment_every:
            raise ParameterError(f"segment_every must be in [1, {self.max_segment_every}], "
                                 f"got {self.segment_every}")
        if self.queue < 1:
            raise ParameterError(f"queue must be >= 1, got {self.queue}")
        if self.schedule not in ("numba", "numpy"):
            raise ParameterError(f"schedule must be 'numba' or 'numpy', got {self.schedule!r}")
        if self.calibrate and not self.true_colour:
            raise ParameterError("calibrate needs true_colour: the profile file to write")


@dataclass
class LiveStats:
    """What a session did: frames read from the source, frames handed on, frames dropped,
    handed-on fps, latency percentiles (arrival to hand-off, ms), frames segmented, the
    final segmentation rate, wall seconds, CPU seconds of the process, and the error that
    ended the stream early (a source lost mid-stream), if any."""

    frames_in: int = 0
    frames_out: int = 0
    dropped: int = 0
    fps: float = 0.0
    latency_ms_p50: float = 0.0
    latency_ms_p95: float = 0.0
    segmented: int = 0
    segment_every: int = 1
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    error: str | None = None
    calibration: dict | None = None
    preview_url: str | None = None

    def to_json(self) -> dict:
        """The ``--stats`` record."""
        d = asdict(self)
        for k in ("fps", "latency_ms_p50", "latency_ms_p95", "seconds", "cpu_seconds"):
            d[k] = round(d[k], 3)
        return d


class Source:
    """A source of uint8 RGB frames: ``iter()`` gives them; ``fps``, ``live`` (frames come at
    their own pace and must not be waited for) and ``name``."""

    def __init__(self, frames: Callable[[], Iterator[np.ndarray]], fps: float, live: bool,
                 name: str, close: Callable[[], None] | None = None) -> None:
        self._frames, self.fps, self.live, self.name = frames, fps, live, name
        self._close = close

    def __iter__(self) -> Iterator[np.ndarray]:
        return self._frames()

    def close(self) -> None:
        """Release the device or file."""
        if self._close is not None:
            self._close()


def synthetic_source(size: tuple[int, int] = (320, 180), fps: float = 30.0, frames: int = 60, *,
                     realtime: bool = False, seed: int = 0) -> Source:
    """A synthetic test source: a skin-coloured head-and-shoulders shape moving slowly over a
    saturated, textured background (``size`` is (width, height))."""
    w, h = size
    if w < 16 or h < 16 or frames < 1 or fps <= 0:
        raise ParameterError(f"synthetic source needs size >= 16x16, frames >= 1, fps > 0; got "
                             f"{w}x{h}, {frames}, {fps}")
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    bg = np.stack([0.2 + 0.6 * (xx / w), 0.5 + 0.3 * np.sin(yy / 9), 0.8 - 0.5 * (yy / h)], -1)
    bg = np.clip(bg + rng.normal(0, 0.03, bg.shape), 0, 1).astype(np.float32)
    skin = np.array([0.87, 0.66, 0.55], np.float32)
    shirt = np.array([0.1, 0.2, 0.75], np.float32)

    def gen() -> Iterator[np.ndarray]:
        t0 = time.perf_counter()
        for i in range(frames):
            cx = w * (0.5 + 0.1 * math.sin(2 * math.pi * i / max(frames, 60)))
            head = ((xx - cx) / (0.12 * w)) ** 2 + ((yy - 0.42 * h) / (0.2 * h)) ** 2 <= 1
            body = (((xx - cx) / (0.3 * w)) ** 2 + ((yy - 1.05 * h) / (0.4 * h)) ** 2 <= 1)
            img = bg.copy()
            img[body] = shirt
            img[head] = skin
            if realtime:
                wait = t0 + i / fps - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
            yield (img * 255 + 0.5).astype(np.uint8)

    return Source(gen, fps, realtime, f"synthetic {w}x{h}@{fps:g}")


def array_source(frames: Sequence[np.ndarray], fps: float = 30.0, *, realtime: bool = False,
                 repeat: int = 1, name: str = "frames") -> Source:
    """A source of given uint8 RGB frames, played ``repeat`` times (a benchmark's clip held in
    memory, so that decoding is not measured); ``realtime`` paces them at ``fps`` and makes
    the source live (frames the engine cannot take are dropped)."""
    if not frames or repeat < 1 or fps <= 0:
        raise ParameterError("array_source needs frames, repeat >= 1 and fps > 0")
    shapes = {f.shape for f in frames}
    if len(shapes) != 1 or frames[0].dtype != np.uint8 or frames[0].ndim != 3:
        raise ParameterError(f"array_source needs uint8 H x W x 3 frames of one size, got "
                             f"{sorted(shapes)}")

    def gen() -> Iterator[np.ndarray]:
        t0 = time.perf_counter()
        i = 0
        for _ in range(repeat):
            for f in frames:
                if realtime:
                    wait = t0 + i / fps - time.perf_counter()
                    if wait > 0:
                        time.sleep(wait)
                i += 1
                yield f

    return Source(gen, fps, realtime, name)


def sized_frames(frames: Iterator[np.ndarray], name: str,
                 size: tuple[int, int] | None = None) -> Iterator[np.ndarray]:
    """Frames of one size: resized to ``size`` (width, height) when given; without it a frame
    of another size than the first raises :class:`SourceError` (the stream ends there)."""
    first: tuple[int, int] | None = None
    for i, img in enumerate(frames):
        fh, fw = img.shape[:2]
        if size is not None:
            if (fw, fh) != tuple(size):
                img = cv2.resize(img, tuple(size), interpolation=cv2.INTER_AREA)
        elif first is None:
            first = (fw, fh)
        elif first != (fw, fh):
            raise SourceError(f"{name}: the source changed size from {first[0]}x{first[1]} to "
                              f"{fw}x{fh} at frame {i} (give a size to resize every frame)")
        yield img


def open_source(spec: str | os.PathLike[str], *, size: tuple[int, int] | None = None,
                fps: float | None = None, realtime: bool = False) -> Source:
    """Open a source through PyAV: a video file (played at its own rate with ``realtime``), a
    V4L2 webcam (``/dev/videoN``), or an ``rtsp://``, ``rtmp://``, ``http(s)://`` stream.

    ``size`` (width, height) and ``fps`` are asked of a webcam; frames of another size are
    resized to ``size`` when given. Without ``size`` a source that changes size mid-stream
    raises :class:`SourceError`, as does one that cannot be opened or stops with an error.
    """
    import av  # lazy: start-up cost (PyAV loads FFmpeg)

    s = os.fspath(spec)
    is_stream = s.split("://", 1)[0].lower() in ("rtsp", "rtmp", "http", "https", "udp", "srt")
    is_cam = s.startswith("/dev/video")
    options: dict[str, str] = {}
    fmt = None
    if is_cam:
        fmt = "v4l2"
        if size:
            options["video_size"] = f"{size[0]}x{size[1]}"
        if fps:
            options["framerate"] = f"{fps:g}"
    elif s.lower().startswith("rtsp://"):
        options["rtsp_transport"] = "tcp"
    elif not is_stream and not Path(s).is_file():
        raise SourceError(f"{s}: no such file, webcam (/dev/videoN) or stream URL")
    try:
        container = av.open(s, format=fmt, options=options, timeout=10.0)
        stream = container.streams.video[0]
    except (av.FFmpegError, OSError, IndexError) as e:
        raise SourceError(f"{s}: cannot open the source ({e})") from None
    stream.thread_type = "AUTO"
    rate = float(stream.average_rate or stream.guessed_rate or fps or 30)
    live = is_cam or is_stream or realtime
    closed = threading.Event()

    def gen() -> Iterator[np.ndarray]:
        t0 = time.perf_counter()
        i = 0
        decoded = (f.to_ndarray(format="rgb24") for f in container.decode(stream))
        try:
            for img in sized_frames(decoded, s, size):
                if realtime and not (is_cam or is_stream):
                    wait = t0 + i / rate - time.perf_counter()
                    if wait > 0:
                        time.sleep(wait)
                i += 1
                yield img
        except (av.FFmpegError, OSError) as e:
            raise SourceError(f"{s}: the source stopped at frame {i} ({e})") from None
        finally:
            close()

    def close() -> None:
        if not closed.is_set():
            closed.set()
            container.close()

    return Source(gen, rate, live, s, close)


VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi")
"""Background files played as a looping video behind the person (others are images)."""


class VideoBackground:
    """A looping video behind the person, decoded in its own thread, resized and centre-cropped
    to cover half the frame's size (the composite upsamples it) and handed over through a
    queue of two; the render never waits for it after the first frame (it reuses the last).

    Raises
    ------
    InputError
        The file is missing, has no video stream or cannot be opened.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._read = read_frames_uint8
        self.path = os.fspath(path)
        frames, _, _ = read_frames_uint8(self.path)  # opens it now: a bad file fails here
        first = next(iter(frames), None)
        if first is None:
            raise InputError(f"{self.path}: the background video has no frames")
        self._q: queue.Queue = queue.Queue(maxsize=2)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: np.ndarray | None = None
        self.error: BaseException | None = None

    def _loop(self, size: tuple[int, int]) -> None:
        try:
            while not self._stop.is_set():
                frames, _, _ = self._read(self.path)
                n = 0
                for f in frames:
                    bg = covering_background(f.astype(np.float32) * np.float32(1 / 255), size)
                    while not self._stop.is_set():
                        try:
                            self._q.put(bg, timeout=_POLL)
                            break
                        except queue.Full:
                            pass
                    if self._stop.is_set():
                        return
                    n += 1
                if n == 0:
                    return
        except BaseException as e:  # kept: the render goes on with the last frame
            self.error = e

    def frame(self, size: tuple[int, int]) -> np.ndarray:
        """The next background frame for frames of ``size`` (width, height)."""
        half = (max(1, size[0] // 2), max(1, size[1] // 2))
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, args=(half,), daemon=True,
                                            name="brightroom-live-background")
            self._thread.start()
        try:
            self._last = self._q.get(timeout=5.0) if self._last is None else \
                self._q.get_nowait()
        except queue.Empty:
            if self._last is None:
                raise InputError(f"{self.path}: the background video gave no frame "
                                 f"({self.error or 'timeout'})") from None
        return self._last

    def close(self) -> None:
        """Stop the decoder thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


class LiveSession:
    """The pipelined engine over ``source``; iterate for processed uint8 RGB frames.

    ``stats`` is up to date after each frame. A source lost mid-stream ends the iteration and
    is kept in ``stats.error`` (and in ``error``) rather than raised, so that a consumer can
    close its output properly; any other failure is raised. ``close()`` stops the threads.
    ``segmenter``, when given, replaces the model: ``f(rgb_model_size_float) -> mask``.
    """

    def __init__(self, source: Source, params: LiveParams | None = None, *,
                 segmenter: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
        self.source = source
        self.params = p = params or LiveParams()
        self.stats = LiveStats(segment_every=p.segment_every)
        self.error: BrightroomError | None = None
        self._stop = threading.Event()
        self._q_in: queue.Queue = queue.Queue(maxsize=p.queue)
        self._q_seg: queue.Queue = queue.Queue(maxsize=p.queue)
        self._latency: collections.deque[float] = collections.deque(maxlen=10000)
        self._look_fn = look_function(p.look, p.look_strength) if p.look else None
        self.profile: TrueColourProfile | None = None
        if p.true_colour and not p.calibrate:
            self.profile = load_profile(p.true_colour)
        self._table = self._colour_table()
        self._calibrator = ChartCalibrator(method=p.calibrate_method) if p.calibrate else None
        self._q_cal: queue.Queue = queue.Queue(maxsize=1)
        self._calibrating = self._calibrator is not None
        self._rendered = 0
        self._background = None
        self._video_bg: VideoBackground | None = None
        if p.effect == "replace":
            assert p.background is not None
            if Path(p.background).suffix.lower() in VIDEO_SUFFIXES:
                self._video_bg = VideoBackground(p.background)
            else:
                self._background = load_background(p.background)
        self._cover: np.ndarray | None = None
        self._alpha_smoother = AlphaSmoother(p.ema)
        self._exposure = ExposureSmoother(source.fps or 30.0) if p.steady_exposure else None
        sp = SegmentParams(model=p.model, refine=False)
        seg = SEGMENT_METHODS["mediapipe_selfie"]
        self._segment = segmenter or (lambda rgb: seg(rgb, sp))
        self._threads: list[threading.Thread] = []
        self._seg_ready = threading.Event()
        self._started = False

    # --------------------------------------------------------------- stages
    def _put(self, q: queue.Queue, item: object) -> bool:
        while not self._stop.is_set():
            try:
                q.put(item, timeout=_POLL)
                return True
            except queue.Full:
                pass
        return False

    def _get(self, q: queue.Queue) -> object:
        while not self._stop.is_set():
            try:
                return q.get(timeout=_POLL)
            except queue.Empty:
                pass
        return None

    def _capture(self) -> None:
        st = self.stats
        try:
            # a live source is read once the model is loaded in its thread: the first frames
            # would otherwise be dropped while it loads
            while not self._seg_ready.wait(_POLL):
                if self._stop.is_set():
                    return
            for img in self.source:
                if self._stop.is_set():
                    return
                t = time.perf_counter()
                st.frames_in += 1
                if self.source.live:
                    # a live source is never waited for; when the queue is full its *oldest*
                    # frame is dropped, so that what is processed next is the newest (latency
                    # stays one frame, not a queue's worth)
                    while True:
                        try:
                            self._q_in.put_nowait((t, img))
                            break
                        except queue.Full:
                            try:
                                self._q_in.get_nowait()
                                st.dropped += 1
                            except queue.Empty:
                                pass
                elif not self._put(self._q_in, (t, img)):
                    return
            self._put(self._q_in, ("end", None))
        except BaseException as e:  # carried to the consumer
            self._put(self._q_in, ("error", e))
        finally:
            self.source.close()

    def _segment_loop(self) -> None:
        p, st = self.params, self.stats
        every = p.segment_every
        smoother = MaskSmoother(p.ema, p.motion_threshold)
        mask: np.ndarray | None = None
        i = last_drops = calm = since = 0
        try:
            try:
                if p.effect != "none" or p.beauty > 0:  # load the model in this thread
                    w, h = MODEL_INPUT[p.model]
                    self._segment(np.zeros((h, w, 3), np.float32))
            finally:
                self._seg_ready.set()
            while True:
                item = self._get(self._q_in)
                if item is None:
                    return
                t, img = item
                if t in ("end", "error"):
                    self._put(self._q_seg, item)
                    return
                if p.adaptive and self.source.live:
                    # behind: frames were dropped since the last frame, or one is waiting;
                    # the rate goes up one step at a time (each step given 5 frames to tell)
                    # and back down after 30 frames with neither
                    dropped, last_drops = st.dropped - last_drops, st.dropped
                    behind = dropped > 0 or self._q_in.qsize() >= p.queue
                    calm = 0 if behind else calm + 1
                    since += 1
                    if behind and every < p.max_segment_every and since >= 5:
                        every, since = every + 1, 0
                    elif calm >= 30 and every > p.segment_every:
                        every, calm, since = every - 1, 0, 0
                    st.segment_every = every
                if p.effect != "none" or p.beauty > 0:
                    if mask is None or i % every == 0:
                        coarse, grey = model_matte(img, self._segment, p.model)
                        mask = smoother.update(coarse, grey)
                        st.segmented += 1
                i += 1
                if not self._put(self._q_seg, (t, img, mask)):
                    return
        except BaseException as e:  # carried to the consumer
            self._put(self._q_seg, ("error", e))

    def _render(self, img: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        p = self.params
        table = self._table
        if self._exposure is not None:
            g = self._exposure.gains(img)
            if np.abs(g - 1).max() > 0.004:  # about one code at mid-grey
                img = cv2.multiply(img, tuple(float(v) for v in g) + (0.0,), dtype=cv2.CV_8U)
        if mask is None or (p.effect == "none" and p.beauty == 0):
            return img if table is None else table(img, method=p.schedule)
        f = img.astype(np.float32) * np.float32(1 / 255)
        grey = cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)
        alpha = self._alpha_smoother.update(refine_matte(f, mask, grey), grey)
        h, w = img.shape[:2]
        if p.beauty > 0:
            f = beauty(f, p.beauty, skin_mask(img, alpha))
        if p.effect == "blur":
            bg = blurred_background(f, alpha, p.blur_sigma * w / 1280)
        elif p.effect == "replace" and self._video_bg is not None:
            bg = self._video_bg.frame((w, h))
        elif p.effect == "replace":
            assert self._background is not None
            if self._cover is None or self._cover.shape[:2] != (h, w):
                self._cover = covering_background(self._background, (w, h))
            bg = self._cover
        else:
            bg = f
        return composite(f, alpha, bg, table, method=p.schedule)

    def _colour_table(self) -> ColourTable | None:
        """The true-colour profile and the look composed into one table (or None)."""
        prof, look = self.profile, self._look_fn
        if prof is None and look is None:
            return None
        if prof is None:
            assert look is not None
            return ColourTable(look, "look")
        if look is None:
            return ColourTable(prof, "true colour")
        return ColourTable(lambda rgb: look(prof(rgb)), "true colour + look")

    def _calibrate_loop(self) -> None:
        """Read the chart off frames the render offers (every third; a live source's are
        dropped while the last is still being read) until the profile is fitted; then the
        colour table switches to it."""
        cal, st = self._calibrator, self.stats
        assert cal is not None
        try:
            while not self._stop.is_set():
                img = self._get(self._q_cal)
                if img is None:
                    return
                prof = cal.offer(img)
                st.calibration = {"frames_tried": cal.tried, "charts_found": cal.found}
                if prof is not None:
                    self.profile = prof
                    self._table = self._colour_table()
                    st.calibration.update(prof.report())
                    return
        except Exception as e:  # kept, not raised: the stream goes on without true colour
            st.calibration = {"frames_tried": cal.tried, "charts_found": cal.found,
                              "error": str(e) if isinstance(e, BrightroomError)
                              else f"{type(e).__name__}: {e}"}
        finally:
            self._calibrating = False

    # --------------------------------------------------------------- iteration
    def start(self) -> None:
        """Start the capture and segment threads (the first ``next()`` does it)."""
        if self._started:
            return
        self._started = True
        # warm the render's compiled kernels on a tiny frame (numba loads them on first use)
        tiny = np.zeros((8, 8, 3), np.uint8)
        composite(tiny.astype(np.float32), np.zeros((8, 8), np.float32),
                  np.zeros((2, 2, 3), np.float32), self._table, method=self.params.schedule)
        self._t0, self._cpu0 = time.perf_counter(), time.process_time()
        stages = [(self._capture, "capture"), (self._segment_loop, "segment")]
        if self._calibrator is not None:
            stages.append((self._calibrate_loop, "calibrate"))
        for fn, name in stages:
            t = threading.Thread(target=fn, name=f"brightroom-live-{name}", daemon=True)
            t.start()
            self._threads.append(t)

    def __iter__(self) -> Iterator[np.ndarray]:
        self.start()
        st = self.stats
        try:
            while True:
                item = self._get(self._q_seg)
                if item is None:
                    return
                t = item[0]
                if t == "end":
                    return
                if t == "error":
                    e = item[1]
                    if isinstance(e, SourceError) and st.frames_out > 0:
                        self.error, st.error = e, str(e)
                        return
                    raise e
                _, img, mask = item
                if self._calibrating and self._rendered % 3 == 0:
                    if self.source.live:  # a live stream is never held up by the chart
                        with contextlib.suppress(queue.Full):
                            self._q_cal.put_nowait(img)
                    else:  # a file waits for the chart reader (the same result each run)
                        while self._calibrating and not self._stop.is_set():
                            try:
                                self._q_cal.put(img, timeout=_POLL)
                                break
                            except queue.Full:
                                pass
                self._rendered += 1
                out = self._render(img, mask)
                self._latency.append(time.perf_counter() - t)
                st.frames_out += 1
                self._update()
                yield out
        finally:
            self.close()

    def _update(self, final: bool = False) -> None:
        st = self.stats
        st.seconds = time.perf_counter() - self._t0
        st.cpu_seconds = time.process_time() - self._cpu0
        st.fps = st.frames_out / st.seconds if st.seconds > 0 else 0.0
        # percentiles of the last 10000 frames, every 16th frame and at the end
        if self._latency and (final or st.frames_out % 16 == 1):
            lat = np.asarray(self._latency) * 1000
            st.latency_ms_p50, st.latency_ms_p95 = (float(v) for v in
                                                    np.percentile(lat, [50, 95]))

    def close(self) -> None:
        """Stop the threads and release the source."""
        self._stop.set()
        if self._video_bg is not None:
            self._video_bg.close()
        for t in self._threads:
            t.join(timeout=5)
        if self._started:
            self._update(final=True)


def refine_matte(frame: np.ndarray, mask: np.ndarray, grey: np.ndarray | None = None
                 ) -> np.ndarray:
    """The coarse matte at the frame's size, its edges snapped to the frame's by the guided
    filter (He et al. 2013, radius 8 px of a 1280-wide frame, run at up to 1/4 size);
    ``grey`` is the frame's grey when already at hand."""
    h, w = frame.shape[:2]
    s = max(1, min(4, w // 320))
    if s == 1:
        return np.ascontiguousarray(np.clip(cv2.resize(mask, (w, h)), 0, 1), np.float32)
    if grey is None:
        grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    r = max(2, round(8 * w / 1280))
    alpha = np.clip(guided_filter_fast(grey, mask, r, 1e-3, subsample=s), 0, 1)
    return np.ascontiguousarray(alpha, np.float32)


class AlphaSmoother:
    """Temporal smoothing of the refined full-size matte, reset where the frame moves.

    The guided filter passes the frame's own noise into the matte at its edges (the output is
    ``a I + b`` with the noisy frame ``I``), which smoothing the model's coarse mask cannot
    remove. So ``alpha_t = ema * alpha_t-1 + (1 - ema) * refined_t`` except where the frame's
    grey at 1/4 size changed by more than ``motion`` since the previous frame (dilated by one
    pixel there), where the new matte is taken as it is: no lag on motion.
    """

    def __init__(self, ema: float = 0.6, motion: float = 0.03) -> None:
        if not 0 <= ema < 1 or not motion > 0:
            raise ParameterError(f"ema must be in [0, 1) and motion > 0, got {ema}, {motion}")
        self.ema, self.motion = ema, motion
        self._alpha: np.ndarray | None = None
        self._grey: np.ndarray | None = None

    def update(self, alpha: np.ndarray, grey: np.ndarray) -> np.ndarray:
        """Feed one refined matte and the frame's grey (float32, full size); returns the
        smoothed matte."""
        h, w = alpha.shape
        small = cv2.resize(grey, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
        prev, pg = self._alpha, self._grey
        self._grey = small
        if self.ema == 0 or prev is None or pg is None or prev.shape != alpha.shape:
            self._alpha = alpha
            return alpha
        moving = cv2.dilate((cv2.absdiff(small, pg) > self.motion).view(np.uint8),
                            np.ones((3, 3), np.uint8))
        out = cv2.addWeighted(prev, self.ema, alpha, 1 - self.ema, 0.0)
        if moving.any():
            full = cv2.resize(moving, (w, h), interpolation=cv2.INTER_NEAREST)
            cv2.copyTo(alpha, full, out)
        self._alpha = out
        return out


def model_matte(frame8: np.ndarray, segment: Callable[[np.ndarray], np.ndarray],
                model: str = "landscape") -> tuple[np.ndarray, np.ndarray]:
    """The model's coarse matte of a uint8 frame and the frame's grey at the matte's size (what
    :class:`~brightroom.portrait.video.MaskSmoother` takes)."""
    small = cv2.resize(frame8, MODEL_INPUT[model], interpolation=cv2.INTER_AREA)
    sf = small.astype(np.float32) * np.float32(1 / 255)
    coarse = np.asarray(segment(sf), np.float32)
    grey = cv2.cvtColor(sf, cv2.COLOR_RGB2GRAY)
    if coarse.shape != grey.shape:
        grey = cv2.resize(grey, coarse.shape[::-1])
    return coarse, grey


def live_frames(source: Source, params: LiveParams | None = None, *,
                segmenter: Callable[[np.ndarray], np.ndarray] | None = None) -> LiveSession:
    """The engine over ``source`` (see :class:`LiveSession`)."""
    return LiveSession(source, params, segmenter=segmenter)


def stream_to_file(session: LiveSession, output: str | os.PathLike[str] | None, *,
                   crf: int = 23, preset: str = "ultrafast", overwrite: bool = False,
                   stats_path: str | os.PathLike[str] | None = None,
                   progress: Callable[[LiveStats], None] | None = None,
                   sinks: Sequence[Callable[[np.ndarray], None]] = ()) -> LiveStats:
    """Encode a session's frames as H.264 MP4 in an encoder thread (bounded queue), and hand
    each frame to ``sinks`` (:mod:`brightroom.live.outputs`: preview, virtual camera).

    The file is written atomically when the stream ends, also when the source was lost
    mid-stream (the frames up to then; ``stats.error`` says why); ``stats_path`` gets the
    statistics as JSON. On any other failure nothing is written. ``output=None`` writes no
    file (the sinks only). Sinks with a ``close()`` are closed at the end.
    """
    dst = None if output is None else Path(output)
    if dst is not None:
        check_output(dst, overwrite=overwrite)
    if stats_path is not None:
        check_output(stats_path, overwrite=overwrite)
    fps = session.source.fps or 30
    stop = threading.Event()
    q: queue.Queue = queue.Queue(maxsize=4)
    failed: list[BaseException] = []
    writer = None if dst is None else VideoWriter(dst, fps=round(fps) or 30, crf=crf,
                                                  preset=preset, overwrite=overwrite)

    def encode() -> None:
        assert writer is not None
        try:
            while True:
                try:
                    frame = q.get(timeout=_POLL)
                except queue.Empty:
                    if stop.is_set():
                        return
                    continue
                if frame is None:
                    return
                h, w = frame.shape[:2]
                if h % 2 == 0 and w % 2 == 0:
                    # OpenCV's BT.601 limited-range I420 conversion (within 2 codes of
                    # FFmpeg's on decoding) is half the cost of PyAV's rgb24 path
                    writer.write_yuv420p(cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420))
                else:
                    writer.write(frame)
        except BaseException as e:
            failed.append(e)
            stop.set()

    with contextlib.ExitStack() as stack:
        for sink in sinks:
            close = getattr(sink, "close", None)
            if close is not None:
                stack.callback(close)
        if writer is not None:
            stack.enter_context(writer)
        th = threading.Thread(target=encode, name="brightroom-live-encode", daemon=True)
        if writer is not None:
            th.start()
        try:
            for frame in session:
                for sink in sinks:
                    sink(frame)
                while writer is not None and not stop.is_set():
                    try:
                        q.put(frame, timeout=_POLL)
                        break
                    except queue.Full:
                        pass
                if failed:
                    raise failed[0]
                if progress is not None:
                    progress(session.stats)
            if writer is not None:
                q.put(None)
                th.join()
            if failed:
                raise failed[0]
            if session.stats.frames_out == 0:
                raise SourceError(f"{session.source.name}: the source gave no frames")
            if writer is not None:
                writer.flush()
        finally:
            stop.set()
            session.close()
            if th.is_alive():
                th.join()
    if stats_path is not None:
        text = json.dumps(session.stats.to_json(), indent=1)
        with atomic_write(stats_path, overwrite=overwrite) as tmp:
            tmp.write_text(text + "\n")
    return session.stats
