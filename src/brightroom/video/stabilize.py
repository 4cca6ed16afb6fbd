"""Video stabilisation: KLT motion, an L1-optimal path, an adaptive crop, audio kept.

Two passes over the file:

1. **Motion.** Frames are decoded as reduced grey pictures (FFmpeg scales them) and tracked
   (:mod:`brightroom.video.motion`): a similarity per pair of frames, moving objects rejected
   by RANSAC. Optionally a gyro log, synchronised against that optical motion, gives the
   rotation of every pair instead (:mod:`brightroom.video.gyro`).
2. **Path and render.** The camera path is smoothed by the L1-optimal linear programme with
   the crop-window constraint (:mod:`brightroom.video.grundmann2011`); each frame is warped
   once (bilinear, OpenCV) from input to output, the crop window enlarged to the full frame,
   and encoded; the source's audio is copied packet for packet. Frame ``t`` of the output is
   frame ``t`` of the input, at the same time: no frame is dropped, added or delayed. With a
   rolling-shutter readout time, each row is resampled at the camera pose of its own exposure
   in the same resampling (:mod:`brightroom.video.rolling_shutter`).

With ``fill`` the crop may be larger than the path allows and the uncovered border is filled
from the nearest neighbouring frames (each warped into the output frame through its own path);
what no neighbour covers repeats the edge pixels.

A clip with fewer than 3 frames, or where most pairs of frames have too few tracks (too
featureless), is passed through unchanged in content, with a note.

References
----------
Grundmann, M., Kwatra, V., Essa, I. (2011). Auto-directed video stabilization with robust L1
optimal camera paths. CVPR 2011.

Matsushita, Y., Ofek, E., Ge, W., Tang, X., Shum, H.-Y. (2006). Full-frame video
stabilization with motion inpainting. IEEE TPAMI 28(7), 1150-1163 (border fill from
neighbouring frames).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from brightroom.errors import InputError, ParameterError
from brightroom.files import check_output
from brightroom.io.video import FrameQueue, VideoWriter, probe_video, read_frames_uint8
from brightroom.video.grundmann2011 import (
    CameraPath,
    PathParams,
    output_warps,
    similarity_matrix,
    similarity_params,
    solve_path,
)
from brightroom.video.gyro import GyroLog, GyroSync, fuse, read_gyro, synchronise
from brightroom.video.motion import (
    KLTTracker,
    MotionTrack,
    TrackParams,
    camera_path,
    track_width,
)
from brightroom.video.rolling_shutter import (
    frame_velocity,
    readout_frames,
    refit_pairs,
    warp_rs,
)

__all__ = ["StabilizeResult", "estimate_motion", "stabilize_frames", "stabilize_video",
           "gyro_pairs",
           "FILL_NEIGHBOURS"]

FILL_NEIGHBOURS = 8
"""Frames on each side the border fill looks at."""
_QUEUE = 6


@dataclass(frozen=True)
class StabilizeResult:
    """What :func:`stabilize_video` did.

    Attributes
    ----------
    output
        The written file.
    frames
        Frames written (= frames read).
    fps
        Frames per second of the whole run (both passes).
    crop
        Crop ratio; the area kept is ``crop ** 2``.
    path
        ``N x 4`` stabilised path ``(q_x, q_y, phi, log sigma)`` (pixels, radians).
    camera
        ``N x 4`` measured camera path ``(c_x, c_y, theta, log s)``.
    lost
        Pairs of frames without enough tracks.
    passed_through
        True when the clip was copied without stabilisation (see ``notes``).
    notes
        Fallbacks taken.
    gyro_offset_s
        The gyro log's time offset found by synchronisation (None without gyro).
    seconds
        Wall time of the whole run.
    size
        ``(width, height)`` of the frames.
    readout_ms
        The rolling-shutter readout corrected for (milliseconds), or None.
    """

    output: Path
    frames: int
    fps: float
    crop: float
    path: np.ndarray
    camera: np.ndarray
    lost: int
    passed_through: bool = False
    notes: tuple[str, ...] = ()
    gyro_offset_s: float | None = None
    seconds: float = 0.0
    size: tuple[int, int] = (0, 0)
    readout_ms: float | None = None

    @property
    def warps(self) -> np.ndarray:
        """``N x 2 x 3`` maps output pixel -> input pixel that were applied."""
        return output_warps(self.path, self.camera, self.crop, *self.size)

    @property
    def area(self) -> float:
        """Fraction of the frame's area kept."""
        return self.crop ** 2


def _luma_small(planes: np.ndarray, w: int, h: int, sw: int, sh: int) -> np.ndarray:
    y = planes[:h]
    return y if (sw, sh) == (w, h) else cv2.resize(y, (sw, sh), interpolation=cv2.INTER_AREA)


def _track_size(w: int, h: int, p: TrackParams) -> tuple[int, int]:
    sw = track_width(w, p)
    return sw, int(round(h * sw / w)) // 2 * 2


def estimate_motion(path: str | Path, params: TrackParams | None = None,
                    progress: Callable[[int], None] | None = None,
                    keep_bytes: int = 0) -> tuple[MotionTrack, float, int,
                                                  list[np.ndarray] | None]:
    """Pass 1: ``(motion of every pair of frames, fps, N, frames)`` of a video file.

    ``frames`` are the decoded ``yuv420p`` frames (:func:`read_frames_uint8`) when they fit in
    ``keep_bytes`` (so that pass 2 need not decode again), else None.
    """
    p = params or TrackParams()
    info = probe_video(path)
    w, h = info.width, info.height
    if w % 2 or h % 2:
        raise InputError(f"{path}: frames of {w} x {h}; stabilisation needs even sizes")
    sw, sh = _track_size(w, h, p)
    frames, fps, _ = read_frames_uint8(path, format="yuv420p")
    tr = KLTTracker((w, h), (sw, sh), p)
    kept: list[np.ndarray] | None = [] if keep_bytes > 0 else None
    n = 0
    for f in _threaded(frames):
        tr.add(_luma_small(f, w, h, sw, sh))
        n += 1
        if kept is not None:
            kept.append(f)
            if n * f.nbytes > keep_bytes:
                kept = None
        if progress is not None:
            progress(n)
    res = tr.result()
    if n == 0:
        raise InputError(f"{path}: the video has no frames")
    return res, fps, n, kept


def _threaded(it: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    """``it`` run ahead on its own thread (decoding overlaps the consumer's work)."""
    stop = threading.Event()
    q: FrameQueue = FrameQueue(_QUEUE, stop)

    def produce() -> None:
        try:
            for f in it:
                if not q.put(f):
                    return
            q.close()
        except BaseException as e:  # handed to the consumer
            q.fail(e)

    th = threading.Thread(target=produce, daemon=True)
    th.start()
    try:
        yield from q
    finally:
        stop.set()
        th.join()
        close = getattr(it, "close", None)
        if close is not None:
            close()


_S2 = np.array([[0.5, 0, -0.25], [0, 0.5, -0.25], [0, 0, 1.0]])  # full -> half-res pixels
_S2I = np.linalg.inv(_S2)


def warp_yuv420p(planes: np.ndarray, warp: np.ndarray, w: int, h: int, *,
                 interp: int = cv2.INTER_LINEAR, border: int = cv2.BORDER_REPLICATE,
                 value: int = 0) -> np.ndarray:
    """Warp ``3H/2 x W`` yuv420p planes by ``warp`` (output pixel -> input pixel, full
    resolution; the chroma planes through the same map at their half resolution)."""
    out = np.empty_like(planes)
    flags = interp | cv2.WARP_INVERSE_MAP
    out[:h] = cv2.warpAffine(planes[:h], warp, (w, h), flags=flags, borderMode=border,
                             borderValue=value)
    wc = (_S2 @ np.vstack([warp, [0, 0, 1.0]]) @ _S2I)[:2]
    q = h // 4  # each chroma plane: h/2 rows of w/2, stored as h/4 rows of w
    for i in range(2):
        plane = planes[h + i * q:h + (i + 1) * q].reshape(h // 2, w // 2)
        res = cv2.warpAffine(plane, wc, (w // 2, h // 2), flags=flags, borderMode=border,
                             borderValue=value)
        out[h + i * q:h + (i + 1) * q] = res.reshape(q, w)
    return out


def _warp(f: np.ndarray, warp: np.ndarray, w: int, h: int, *,
          interp: int = cv2.INTER_LINEAR, border: int = cv2.BORDER_REPLICATE,
          rs: tuple[np.ndarray, float] | None = None) -> np.ndarray:
    # per-row rolling-shutter correction in the same resampling (not for the coverage masks of
    # the fill, which it moves by a pixel or two)
    if rs is not None and rs[1] > 0 and interp != cv2.INTER_NEAREST:
        return warp_rs(f, warp, rs[0], rs[1], w, h, border=border)
    if f.ndim == 3 or f.shape[0] == h:  # RGB, or a mask of the frame's size
        return cv2.warpAffine(f, warp, (w, h), flags=interp | cv2.WARP_INVERSE_MAP,
                              borderMode=border, borderValue=0)
    return warp_yuv420p(f, warp, w, h, interp=interp, border=border)


def stabilize_frames(frames: Iterator[np.ndarray], path: CameraPath, width: int, height: int,
                     *, fill: bool = False, velocity: np.ndarray | None = None,
                     readout: float = 0.0) -> Iterator[np.ndarray]:
    """Warp decoded ``yuv420p`` frames (``3H/2 x W`` uint8) or RGB frames (``H x W x 3``)
    along a solved path (pass 2), in order; with ``fill``, uncovered borders come from the
    nearest neighbouring frames. With ``velocity`` (``N x 3 x 3`` motion generators,
    :func:`~brightroom.video.rolling_shutter.frame_velocity`) and ``readout`` (frames), each
    row is also corrected for the rolling shutter."""
    warps = path.warps(width, height)

    def rs(t: int) -> tuple[np.ndarray, float] | None:
        return None if velocity is None or readout <= 0 else (velocity[t], readout)

    if not fill:
        for t, f in enumerate(frames):
            yield _warp(f, warps[t], width, height, rs=rs(t))
        return
    k = FILL_NEIGHBOURS
    buf: deque[tuple[int, np.ndarray]] = deque()
    it = iter(frames)
    done = False
    t = 0
    ones: np.ndarray | None = None
    while True:
        while not done and (not buf or buf[-1][0] < t + k):
            try:
                buf.append((buf[-1][0] + 1 if buf else 0, next(it)))
            except StopIteration:
                done = True
        while buf and buf[0][0] < t - k:
            buf.popleft()
        cur = [f for i, f in buf if i == t]
        if not cur:
            return
        if ones is None:
            ones = np.full(cur[0].shape[:2], 255, np.uint8)
        out = _warp(cur[0], warps[t], width, height, rs=rs(t))
        valid = _warp(ones, warps[t], width, height, interp=cv2.INTER_NEAREST,
                      border=cv2.BORDER_CONSTANT)
        if valid.min() == 0:
            for _, i, f in sorted((abs(i - t), i, f) for i, f in buf if i != t):
                hole = valid == 0
                if not hole.any():
                    break
                wk = output_warps(path.params[t][None], path.camera[i][None], path.crop,
                                  width, height)[0]
                got = _warp(f, wk, width, height, border=cv2.BORDER_CONSTANT, rs=rs(i))
                gv = _warp(ones, wk, width, height, interp=cv2.INTER_NEAREST,
                           border=cv2.BORDER_CONSTANT)
                take = hole & (gv > 0)
                out[take] = got[take]
                valid[take] = 255
        yield out
        t += 1


def stabilize_video(src: str | Path, output: str | Path, *, smoothness: float = 1.0,
                    crop: str | float = "auto", horizon_lock: bool = False, fill: bool = False,
                    gyro: str | Path | None = None, rolling_shutter: float | None = None,
                    codec: str = "libx264", crf: int = 18, preset: str = "superfast",
                    overwrite: bool = False, keep_bytes: int = 512 << 20,
                    denoise: bool = False,
                    track: TrackParams | None = None,
                    progress: Callable[[str, int, int], None] | None = None
                    ) -> StabilizeResult:
    """Stabilise a video file (both passes), keeping its audio.

    Parameters
    ----------
    src, output
        Input video (any format FFmpeg reads) and output file (H.264 by default; ``codec``
        ``"libx265"`` for H.265).
    smoothness
        Multiplier of the path's smoothness weights [1].
    crop
        ``"auto"`` (the adaptive crop: the most area, at least 85 %, for the smoothness) or the
        percentage of the frame's width (and height) kept, 30-100.
    horizon_lock
        Keep the output's roll at the first frame's.
    fill
        Fill uncovered borders from neighbouring frames (with ``crop`` above what the path
        alone allows).
    gyro
        A gyro log (Gyroflow ``.gcsv``, a CSV of ``t, wx, wy, wz`` in s and rad/s, or a GoPro
        MP4's GPMF telemetry, :func:`~brightroom.video.gyro.read_gyro`): synchronised with the
        optical motion (time offset within 0.5 s, axes and focal length fitted), it gives the
        rotation of every pair of frames.
    rolling_shutter
        Sensor readout time in milliseconds (top to bottom row) for the per-row correction
        (:mod:`brightroom.video.rolling_shutter`); None takes the gyro log's
        ``frame_readout_time`` when it has one, 0 corrects nothing.
    denoise
        Denoise (:mod:`brightroom.video.denoise`) the frames before warping them, in the same
        pass.
    codec, crf, preset
        Encoder settings.
    overwrite
        Replace an existing output.
    keep_bytes
        Memory the decoded frames of pass 1 may keep for pass 2 (a clip that does not fit is
        decoded twice) [512 MiB].
    track
        Tracker settings.
    progress
        Called as ``progress(stage, done, total)`` (stage ``"motion"`` or ``"render"``).

    Returns
    -------
    StabilizeResult

    Raises
    ------
    InputError
        Missing file, no video stream, zero frames.
    CorruptFileError
        An unreadable codec or a damaged stream.
    ParameterError
        A bad option, a gyro file in no known format, or one that does not cover the clip.
    OutputExistsError
        ``output`` exists (or is ``src``) without ``overwrite``.
    """
    t0 = time.perf_counter()
    src, output = Path(src), Path(output)
    check_output(output, overwrite=overwrite, inputs=(src,))
    if smoothness < 0:
        raise ParameterError(f"smoothness must be >= 0, got {smoothness}")
    fixed_crop: float | None
    if crop == "auto":
        fixed_crop = None
    else:
        try:
            pct = float(crop)
        except (TypeError, ValueError):
            raise ParameterError(f"crop must be 'auto' or a percentage, got {crop!r}") from None
        if not 30 <= pct <= 100:
            raise ParameterError(f"crop must be a percentage in [30, 100], got {pct}")
        fixed_crop = pct / 100
    if rolling_shutter is not None and not 0 <= rolling_shutter <= 100:
        raise ParameterError(f"rolling shutter readout must be in [0, 100] ms, got "
                             f"{rolling_shutter}")
    log = None
    if gyro is not None:
        log = read_gyro(gyro)
    info = probe_video(src)
    w, h = info.width, info.height
    n_hint = info.frames
    cb = (lambda i: progress("motion", i, n_hint)) if progress else None
    track_res, fps, n, kept = estimate_motion(src, track, cb, keep_bytes=keep_bytes)
    pairs, lost = track_res.pairs, track_res.lost
    notes: list[str] = []
    gyro_offset = None
    readout_ms = rolling_shutter
    if readout_ms is None and log is not None and log.readout_ms is not None:
        readout_ms = log.readout_ms
        notes.append(f"{gyro}: rolling-shutter readout {readout_ms:g} ms, from the gyro log")
    rho = readout_frames(readout_ms, fps) if readout_ms else 0.0
    prm = PathParams(smoothness=smoothness, horizon_lock=horizon_lock)
    passthrough = n < 3 or lost > 0.5 * (n - 1)
    velocity = None
    if passthrough:
        why = (f"{n} frame(s): too short to stabilise" if n < 3 else
               f"{lost} of {n - 1} frame pairs have too few features: too featureless")
        notes.append(f"{src}: {why}; passed through unchanged")
        cam = np.zeros((n, 4))
        solved = CameraPath(cam.copy(), cam, 1.0)
        rho = 0.0
    else:
        if rho > 0:  # the similarities were fitted to rolling-shutter tracks: refit
            pairs = refit_pairs(track_res.points, pairs, rho, h)
            track_res = MotionTrack(pairs, track_res.inliers, track_res.lost, track_res.points)
        if log is not None:
            pairs, sync = gyro_pairs(track_res, log, fps, w, h)
            gyro_offset = sync.offset_s
            notes.append(f"{gyro}: synchronised at {1000 * sync.offset_s:+.1f} ms (fit residual "
                         f"{sync.residual:.2f} of {sync.optical_rms:.2f} px)")
        cam = camera_path(pairs, w, h)
        if rho > 0:
            velocity = frame_velocity(pairs)
        if fill and fixed_crop is None:
            fixed_crop = 1.0
        if fill:
            prm = PathParams(smoothness=smoothness, horizon_lock=horizon_lock, min_crop=0.3)
            solved = _solve_fill(cam, w, h, fps, fixed_crop, prm)
        else:
            solved = solve_path(cam, w, h, fps=fps, crop=fixed_crop, params=prm)
    done = 0
    with VideoWriter(output, fps=info.fps, codec=codec, crf=crf, preset=preset,
                     rotation=info.rotation, overwrite=overwrite, inputs=(src,),
                     audio_from=src) as video:
        if denoise:
            from brightroom.video.denoise import denoise_frames  # lazy: numba kernels, an option
            kept = None
            frames: Iterator[np.ndarray] = denoise_frames(
                _threaded(read_frames_uint8(src, format="rgb24")[0]), (w, h))
        elif kept is not None:
            frames = iter(kept)
        else:
            frames = _threaded(read_frames_uint8(src, format="yuv420p")[0])
        for f in stabilize_frames(frames, solved, w, h, fill=fill, velocity=velocity,
                                  readout=rho):
            if f.ndim == 3:
                video.write(f)
            else:
                video.write_yuv420p(f)
            done += 1
            if progress is not None:
                progress("render", done, n)
        kept = None
    if done != n:
        raise InputError(f"{src}: {n} frames in the first pass, {done} in the second")
    secs = time.perf_counter() - t0
    return StabilizeResult(output=output, frames=n, fps=n / secs if secs > 0 else 0.0,
                           crop=solved.crop, path=solved.params, camera=cam, lost=lost,
                           passed_through=passthrough, notes=tuple(notes),
                           gyro_offset_s=gyro_offset, seconds=secs, size=(w, h),
                           readout_ms=float(readout_ms) if rho > 0 else None)


def gyro_pairs(track: MotionTrack, log: GyroLog, fps: float, width: int,
               height: int) -> tuple[np.ndarray, GyroSync]:
    """The pair maps with their rotation (translation of the frame centre and roll) from the
    gyro log, synchronised against the optical ``track`` and fused with it
    (:func:`~brightroom.video.gyro.fuse`); the zoom stays optical."""
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    to_c = np.array([[1.0, 0, -cx], [0, 1.0, -cy], [0, 0, 1.0]])
    from_c = np.array([[1.0, 0, cx], [0, 1.0, cy], [0, 0, 1.0]])
    a = np.zeros((len(track.pairs), 3, 3))
    a[:, :2] = track.pairs
    a[:, 2, 2] = 1.0
    prm = similarity_params(to_c @ a @ from_c)
    times = np.arange(len(track.pairs) + 1) / fps
    scale = 0.5 * float(np.hypot(width, height))
    sync = synchronise(log, times, prm[:, :3], valid=track.inliers > 0, scale_px=scale)
    prm[:, :3] = fuse(log, sync, times, prm[:, :3], track.inliers > 0, scale_px=scale)
    return (from_c @ similarity_matrix(prm) @ to_c)[:, :2], sync


def _solve_fill(cam: np.ndarray, w: int, h: int, fps: float, crop: float,
                prm: PathParams) -> CameraPath:
    """The path for a crop the frames alone may not cover: solved at the crop its constraint
    allows (adaptive from 30 %), then shown at ``crop`` (borders filled from neighbours)."""
    inner = solve_path(cam, w, h, fps=fps, crop=None, params=prm)
    return CameraPath(inner.params, inner.camera, max(crop, inner.crop))
