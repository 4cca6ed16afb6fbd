"""Portrait video: per-frame person segmentation with temporal smoothing, then bokeh.

Each frame is segmented at the model's size; the coarse mask is smoothed over time with an
exponential moving average that resets where the picture moves (:class:`MaskSmoother`): a pixel
whose brightness changed by more than ``motion_threshold`` since the last frame takes the new
mask at once (no ghost trailing a moving arm), a still pixel averages (no flicker), and a scene
cut (mean change above ``cut_threshold``) resets the whole mask. The smoothed mask is refined on
the full frame with the guided filter and the frame rendered with
:func:`brightroom.portrait.bokeh.render_bokeh` on layered depth (subject plane, background plane).

Video is read and written with :mod:`brightroom.io.video` (PyAV/FFmpeg; H.264 via libx264,
``yuv420p``): :func:`~brightroom.io.video.read_frames` decodes, a
:class:`~brightroom.io.video.VideoWriter` writes to a temporary file beside the target that is
renamed into place only when complete, and :class:`~brightroom.io.video.FrameQueue` joins the
decode, render and encode threads of :func:`render_video`.

References
----------
Bazarevsky, V. et al. (2020). MediaPipe Selfie Segmentation model card (the light 256x144
"landscape" model for video).

He, K., Sun, J., Tang, X. (2013). Guided image filtering. IEEE TPAMI 35(6), 1397-1409.

Wadhwa, N. et al. (2018). Synthetic depth-of-field with a single-camera mobile phone. ACM TOG
37(4), 64.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import cv2
import numba
import numpy as np

from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.errors import InputError, ParameterError
from brightroom.files import check_output
from brightroom.io.video import X264_PRESETS, FrameQueue, VideoWriter, read_frames, to_uint8
from brightroom.portrait.bokeh import (
    BokehParams,
    _convolve,
    _noise_tile,
    coc_radius_px,
    composite_full,
    render_bokeh,
)
from brightroom.portrait.segment import (
    MODEL_INPUT,
    SEGMENT_METHODS,
    SegmentParams,
    refine_alpha,
)

_QUEUE = 4  # frames buffered between pipeline stages
_DECODE_THREADS = 0  # FFmpeg decoder threads in render_video (0 = FFmpeg's choice: measured best)
_ENCODE_THREADS = 0  # x264 threads (0 = x264's choice)

__all__ = ["VideoParams", "VideoStats", "MaskSmoother", "render_frames", "render_video",
           "read_frames"]  # read_frames: brightroom.io.video's, re-exported for existing callers

_to_uint8 = to_uint8  # the encode stage's float -> uint8 step (a name here, so a test can fail it)


@dataclass(frozen=True)
class VideoParams:
    """Parameters of the video path.

    Attributes
    ----------
    model
        Segmentation model: ``"general"`` (256x256) or ``"landscape"`` (256x144, light).
    ema
        Weight of the past in the mask average (0 = no smoothing .. 0.95) [0.6].
    motion_threshold
        Per-pixel brightness change (display units, 0..1) above which the mask resets [0.08].
    cut_threshold
        Mean brightness change that counts as a scene cut [0.25].
    working_size
        Long side of the blur's working resolution [960].
    subject_distance, background_distance
        Layered depth (metres) [1.5, 6].
    refine
        Guided-filter the mask on the full frame [True].
    two_plane
        Use the light two-plane renderer (:func:`two_plane_bokeh`) instead of the general
        layered one [True].
    crf
        x264 quality (0 lossless .. 51) [20].
    preset
        x264 speed preset (``"ultrafast"`` .. ``"veryslow"``) ["veryfast"]; the light preset
        uses ``"ultrafast"`` (the encoder then costs a few ms a 720p frame).
    """

    model: str = "general"
    ema: float = 0.6
    motion_threshold: float = 0.08
    cut_threshold: float = 0.25
    working_size: int = 960
    subject_distance: float = 1.5
    background_distance: float = 6.0
    refine: bool = True
    two_plane: bool = True
    crf: int = 20
    preset: str = "veryfast"

    def __post_init__(self) -> None:
        if not 0 <= self.ema <= 0.95:
            raise ParameterError(f"ema must be in [0, 0.95], got {self.ema}")
        if not 0 < self.motion_threshold < 1 or not 0 < self.cut_threshold < 1:
            raise ParameterError("motion_threshold and cut_threshold must be in (0, 1)")
        if not 0 < self.subject_distance < self.background_distance:
            raise ParameterError("need 0 < subject_distance < background_distance")
        if not 0 <= self.crf <= 51:
            raise ParameterError(f"crf must be in [0, 51], got {self.crf}")
        if self.preset not in X264_PRESETS:
            raise ParameterError(f"preset must be one of {X264_PRESETS}, got {self.preset!r}")

    @classmethod
    def light(cls) -> VideoParams:
        """The light preset: landscape model, blur at 480 px, x264 ``"ultrafast"``."""
        return cls(model="landscape", working_size=480, preset="ultrafast")


@dataclass(frozen=True)
class VideoStats:
    """What :func:`render_video` did: frames, processing fps, the source's fps, frames slower
    than real time (``dropped``: a live pipeline would drop them), frames without a person."""

    frames: int
    fps: float
    source_fps: float
    dropped: int
    no_person: int
    seconds: float


class MaskSmoother:
    """Temporal EMA of coarse masks with a per-pixel motion reset and a scene-cut reset.

    ``m_t = where(|g_t - g_{t-1}| > motion, s_t, ema * m_{t-1} + (1 - ema) * s_t)`` where ``s_t`` is
    the frame's mask and ``g`` the grey frame at the mask's size (blurred by 1 px).
    """

    def __init__(self, ema: float = 0.6, motion_threshold: float = 0.08,
                 cut_threshold: float = 0.25) -> None:
        self.ema, self.motion, self.cut = ema, motion_threshold, cut_threshold
        self.mask: np.ndarray | None = None
        self.grey: np.ndarray | None = None

    def update(self, mask: np.ndarray, grey: np.ndarray) -> np.ndarray:
        """Feed one frame's mask and grey picture (same size); returns the smoothed mask."""
        g = cv2.GaussianBlur(np.asarray(grey, np.float32), (0, 0), 1.0)
        m = np.asarray(mask, np.float32)
        if self.mask is None or self.grey is None or self.mask.shape != m.shape:
            out = m
        else:
            diff = np.abs(g - self.grey)
            if float(diff.mean()) > self.cut:
                out = m
            else:
                moving = cv2.dilate((diff > self.motion).astype(np.uint8),
                                    np.ones((3, 3), np.uint8)) > 0
                avg = self.ema * self.mask + (1 - self.ema) * m
                out = np.where(moving, m, avg).astype(np.float32)
        self.mask, self.grey = out, g
        return out


def _read_frames(path: str | os.PathLike[str], threads: int
                 ) -> tuple[Iterator[np.ndarray], float, int]:
    """The decoder of :func:`render_video`: :func:`brightroom.io.video.read_frames` on
    ``threads`` FFmpeg threads (0 = FFmpeg's choice)."""
    return read_frames(path, threads=threads)


def render_frames(frames: Iterator[np.ndarray], *, params: BokehParams | None = None,
                  video: VideoParams | None = None,
                  focus: str | tuple[float, float] = "auto") -> Iterator[tuple[np.ndarray, bool]]:
    """Render display-encoded RGB frames; yields ``(frame, person_found)``.

    ``focus`` other than ``"auto"`` is accepted for symmetry with photos; the subject plane is
    always the one in focus (video has no depth map).
    """
    return _render_frames(frames, params=params, video=video, focus=focus)


@dataclass(frozen=True)
class _Frame:
    """A decoded frame with its frame-only reductions, computed in :func:`render_video`'s
    decode thread (off the render thread)."""

    rgb: np.ndarray  # display-encoded, known to lie in [0, 1] (decoded 8-bit video)
    model: np.ndarray  # rgb reduced to the segmentation model's input size
    coarse: np.ndarray  # the model's mask of this frame (before temporal smoothing)
    lin: np.ndarray | None  # linear light at the blur's working size (two-plane renderer)


def _work_dims(h: int, w: int, working_size: int) -> tuple[int, int, int]:
    """(factor, width, height) of the two-plane renderer's reduced frame."""
    s = max(1, math.ceil(max(h, w) / working_size))
    return s, max(1, w // s), max(1, h // s)


def _prepare(frame: np.ndarray, video: VideoParams) -> _Frame:
    """The frame-only work of :func:`render_frames` for a frame in [0, 1] (reductions and the
    segmentation model): the segmenter's clip to [0, 1] and its reduction of the full frame
    are then no-ops on the reduced frame, so the result is identical."""
    model = cv2.resize(frame, MODEL_INPUT[video.model], interpolation=cv2.INTER_AREA)
    coarse = SEGMENT_METHODS["mediapipe_selfie"](
        model, SegmentParams(model=video.model, refine=video.refine))
    lin = None
    if video.two_plane:
        _, ws, hs = _work_dims(frame.shape[0], frame.shape[1], video.working_size)
        lin = _decode_lut(cv2.resize(frame, (ws, hs), interpolation=cv2.INTER_AREA))
    return _Frame(frame, model, coarse, lin)


def _render_frames(frames: Iterator[np.ndarray] | Iterator[_Frame], *,
                   params: BokehParams | None, video: VideoParams | None,
                   focus: str | tuple[float, float]) -> Iterator[tuple[np.ndarray, bool]]:
    """:func:`render_frames` of plain frames or of :func:`_prepare`'d ones."""
    params = params or BokehParams()
    video = video or VideoParams()
    params = replace(params, working_size=video.working_size)
    sp = SegmentParams(model=video.model, refine=video.refine)
    seg = SEGMENT_METHODS["mediapipe_selfie"]
    smoother = MaskSmoother(video.ema, video.motion_threshold, video.cut_threshold)
    depth_cache: dict[tuple[int, int], np.ndarray] = {}
    for item in frames:
        lin = None
        if isinstance(item, _Frame):
            frame, small, coarse, lin = item.rgb, item.model, item.coarse, item.lin
        else:
            frame = item
            coarse = seg(frame, sp)
            small = cv2.resize(frame, coarse.shape[::-1], interpolation=cv2.INTER_AREA)
        coarse = smoother.update(coarse, cv2.cvtColor(small, cv2.COLOR_RGB2GRAY))
        sel = coarse > sp.threshold
        found = bool(sel.mean() >= sp.min_area and coarse[sel].mean() >= 0.75) if sel.any() \
            else False
        if not found:
            yield frame, False
            continue
        alpha = refine_alpha(frame, coarse, sp)
        h, w = frame.shape[:2]
        if video.two_plane:
            r = float(coc_radius_px(np.array([[video.background_distance]], np.float32),
                                    params, w, video.subject_distance)[0, 0])
            out = two_plane_bokeh(frame, alpha, r, params, video.working_size, lin=lin)
            yield out, True
            continue
        # flat background plane behind the subject, through the general layered renderer
        key = (h, w)
        if key not in depth_cache:
            depth_cache[key] = np.full((max(1, h // 8), max(1, w // 8)),
                                       video.background_distance, np.float32)
        out = render_bokeh(frame, depth_cache[key], params=params, matte=alpha,
                           focus_distance=video.subject_distance)
        yield np.clip(out, 0, 1), True


def two_plane_bokeh(frame: np.ndarray, alpha: np.ndarray, radius: float, params: BokehParams,
                    working_size: int, *, lin: np.ndarray | None = None) -> np.ndarray:
    """The light video renderer: the sharp subject (``alpha``) over one background plane blurred
    with a CoC of ``radius`` full-resolution pixels (display-encoded frame in and out).

    The background is the frame without the subject (premultiplied by ``1 - alpha``), blurred in
    linear light at a reduced size and normalised, so the subject's hole is filled from its
    surroundings (no halo); the full-resolution composite is the fused numba pass of
    :func:`brightroom.portrait.bokeh.composite_full` (foreground recovery at fractional alpha).
    ``lin``, when given, is the frame already reduced to the working size and linearised (as
    computed here); :func:`render_video` prepares it in its decode thread.
    """
    h, w = frame.shape[:2]
    s, ws, hs = _work_dims(h, w, working_size)
    if lin is None:
        lin = _decode_lut(cv2.resize(frame, (ws, hs), interpolation=cv2.INTER_AREA))
    m = cv2.resize(alpha, (ws, hs), interpolation=cv2.INTER_AREA)
    bgw = np.clip(1 - 2 * m, 0, 1)  # only clear background feeds the blur
    layer = np.empty((hs, ws, 4), np.float32)
    np.multiply(lin, bgw[..., None], out=layer[..., :3])
    layer[..., 3] = bgw
    rs = radius / s
    bl = _convolve(layer, rs, params.lens, (0, 0, hs, ws))
    a = bl[..., 3:4]
    if float(a.min()) < 1e-3:
        wide = cv2.GaussianBlur(cv2.resize(layer, (max(1, ws // 8), max(1, hs // 8)),
                                           interpolation=cv2.INTER_AREA), (0, 0), 2.0)
        wide = cv2.resize(wide, (ws, hs), interpolation=cv2.INTER_LINEAR)
        bl = np.where(a < 1e-3, wide, bl)
    b = bl[..., :3] / np.maximum(bl[..., 3:4], 1e-6)
    b = _encode_lut(b)
    r_w = np.where(m >= 0.5, np.float32(0), np.float32(rs)).astype(np.float32)
    zeros3 = np.zeros_like(b)
    zeros1 = np.zeros((hs, ws), np.float32)
    out = composite_full(frame, alpha, r_w, b, b, zeros3, zeros1, _noise_tile(), 0.0)
    return out


@cache
def _luts() -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(0, 1, 4096, dtype=np.float32)
    return srgb_decode(x), srgb_encode(x)


def _decode_lut(v: np.ndarray) -> np.ndarray:
    """sRGB decode by a 4096-entry table (inputs are 8-bit video: exact to 1/4 code value)."""
    idx = (np.clip(v, 0, 1) * 4095 + 0.5).astype(np.int16)
    return _luts()[0][idx]


def _encode_lut(x: np.ndarray) -> np.ndarray:
    """sRGB encode by a 4096-entry table over [0, 1] (about 1/4 of an 8-bit code value at
    mid-grey, up to 3 codes in the deepest shadows; only used for the blurred background)."""
    idx = (np.clip(x, 0, 1) * 4095 + 0.5).astype(np.int16)
    return _luts()[1][idx]


def render_video(src: str | os.PathLike[str], dst: str | os.PathLike[str], *,
                 params: BokehParams | None = None, video: VideoParams | None = None,
                 focus: str | tuple[float, float] = "auto", overwrite: bool = False
                 ) -> VideoStats:
    """Portrait mode for a video file, written atomically as H.264 MP4.

    Decoding, rendering and encoding run as a three-stage pipeline: a decode thread decodes
    and does the frame-only work (the reductions and the segmentation model) into a small
    bounded queue, the caller's thread renders (temporal smoothing, matte refinement, bokeh;
    numba on one thread fewer than the cores), and an encode thread drains a second bounded
    queue into libx264 (FFmpeg, NumPy, OpenCV and numba release the GIL for the heavy parts,
    so the stages overlap on a multi-core machine). The pixels are those of
    :func:`render_frames` on :func:`read_frames`. Frame order and count are preserved; an error in
    any stage stops the others and is raised here, and the output is then not written.
    ``VideoStats.dropped`` counts frames whose time in the render stage (waiting for the
    decoded frame, rendering, handing it to the encoder) exceeded the source's frame interval.

    Raises
    ------
    InputError
        Missing file, no video stream or no frames.
    CorruptFileError
        The file cannot be opened or decoded.
    OutputExistsError
        ``dst`` exists (or is ``src``) without ``overwrite``.
    """
    src, dst = Path(src), Path(dst)
    check_output(dst, overwrite=overwrite, inputs=(src,))
    frames, fps, _ = _read_frames(src, threads=_DECODE_THREADS)
    video = video or VideoParams()
    n = dropped = no_person = 0
    t_all = time.perf_counter()
    budget = 1.0 / fps if fps > 0 else 1 / 30
    stop = threading.Event()
    q_in = FrameQueue(_QUEUE, stop)
    q_out = FrameQueue(_QUEUE, stop)
    enc_error: list[BaseException] = []

    def decode() -> None:
        try:
            for f in frames:
                if not q_in.put(_prepare(f, video)):
                    return
            q_in.close()
        except BaseException as e:  # carried to the caller
            q_in.fail(e)
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()  # stops the decoder and closes the file

    writer = VideoWriter(dst, fps=round(fps) or 30, crf=video.crf, preset=video.preset,
                         threads=_ENCODE_THREADS, overwrite=overwrite, inputs=(src,))
    with writer:

        def encode() -> None:
            try:
                buf = None
                for frame in q_out:
                    if buf is None:
                        w, h = writer.open_stream(frame.shape[1], frame.shape[0])
                        buf = np.empty((h, w, 3), np.float32)
                    writer.write(_to_uint8(frame, h, w, buf))
                if buf is not None and not stop.is_set():
                    writer.flush()
            except BaseException as e:  # carried to the caller
                enc_error.append(e)
                stop.set()

        workers = [threading.Thread(target=decode, name="brightroom-video-decode", daemon=True),
                   threading.Thread(target=encode, name="brightroom-video-encode", daemon=True)]
        for t in workers:
            t.start()
        # the decode and encode threads keep about one core busy: leave it to them (numba's
        # thread count is per calling thread; the rendered pixels do not depend on it)
        numba_threads = numba.get_num_threads()
        numba.set_num_threads(max(1, min(numba_threads, (os.cpu_count() or 2) - 1)))
        try:
            it = _render_frames(iter(q_in), params=params, video=video, focus=focus)
            while True:
                t0 = time.perf_counter()
                try:
                    frame, found = next(it)
                except StopIteration:
                    break
                if not q_out.put(frame):
                    break  # the encoder failed: its error is raised below
                dt = time.perf_counter() - t0
                n += 1
                dropped += dt > budget
                no_person += not found
            if not enc_error:
                if n == 0:
                    raise InputError(f"{src}: the video has no frames")
                q_out.close()
                workers[1].join()
            if enc_error:
                raise enc_error[0]
        except BaseException:
            stop.set()
            raise
        finally:
            numba.set_num_threads(numba_threads)
            stop.set()  # the decoder may still be reading ahead (the caller stopped early)
            for t in workers:
                t.join()
    secs = time.perf_counter() - t_all
    return VideoStats(n, n / secs if secs > 0 else 0.0, fps, dropped, no_person, secs)
