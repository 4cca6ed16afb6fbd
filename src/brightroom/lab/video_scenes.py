"""Test clips with known motion: a camera window moving over large real photos.

A canvas is tiled from scikit-image's bundled photographs (astronaut, coffee, rocket, Hubble deep
field, retina — large dark low-texture areas — and a motorcycle), each enlarged to 1100 x 900.
A virtual camera looks at it along an *intended* path (still, a pan with eased starts and stops,
a zoom) with hand shake added: translation and roll as sums of sines between 1 and 10 Hz. Moving
objects (discs cut from another photo) cross the frame on their own paths. The truth is returned
with the frames: per frame the camera path ``(c_x, c_y, theta, log s)`` in the convention of
:mod:`brightroom.video.grundmann2011` (frame centre in canvas pixels relative to the first
intended frame), for the intended and for the shaken camera, and a mask of the moving objects.

:func:`add_sensor_noise` turns clean display frames into a low-light clip with the lab's sensor
noise model (:func:`brightroom.lab.camera.sensor.noise_profile`, Poisson-Gaussian in linear
light, at an ISO).

:func:`render_clip` with ``readout`` renders a rolling-shutter sensor: row ``y`` sees the camera
``readout (y - (H - 1) / 2) / H`` frames after the frame's time.

:func:`gyro_log` is the synthetic gyro a camera moving along the true path would log: its
angular rates (pan and tilt as rotations of a lens of a given focal length, roll), sampled on
the log's own clock (offset from the video's), with sensor noise and bias.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.errors import ParameterError
from brightroom.lab.camera.sensor import Sensor, noise_profile

__all__ = ["ShakeClip", "canvas", "intended_path", "shake", "render_clip", "shaky_clip",
           "add_sensor_noise", "gyro_log", "KINDS"]

KINDS = ("still", "pan", "zoom", "walk")


@cache
def canvas() -> np.ndarray:
    """The 3300 x 1800 uint8 RGB canvas of real photos (cached)."""
    import skimage.data as d  # lazy: scikit-image's data loads on first use only

    tiles = [d.astronaut(), d.coffee(), d.rocket(), d.hubble_deep_field(), d.retina(),
             d.stereo_motorcycle()[0]]
    tw, th = 1100, 900
    rows = []
    for r in range(2):
        rows.append(np.concatenate([cv2.resize(t[..., :3], (tw, th), interpolation=cv2.INTER_CUBIC)
                                    for t in tiles[3 * r:3 * r + 3]], axis=1))
    return np.ascontiguousarray(np.concatenate(rows, axis=0))


def _ease(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0, 1)
    return t * t * (3 - 2 * t)


def intended_path(kind: str, n: int, fps: float = 30.0) -> np.ndarray:
    """``n x 4`` intended camera path ``(c_x, c_y, theta, log s)`` of a clip kind.

    * ``still``: no motion;
    * ``pan``: still for 1 s, eases (0.5 s) into a 200 px/s pan, eases out, still;
    * ``zoom``: eases into a 25 % zoom (log scale), out of it;
    * ``walk``: a slow diagonal pan (120 px/s right, 30 px/s down) with a 0.5 Hz sway.
    """
    if kind not in KINDS:
        raise ParameterError(f"clip kind must be one of {KINDS}, got {kind!r}")
    t = np.arange(n) / fps
    p = np.zeros((n, 4))
    dur = n / fps
    if kind == "pan":
        a, b = 1.0, max(dur - 1.0, 1.6)
        v = 200.0
        # eased velocity profile, integrated
        vel = v * (_ease((t - a) / 0.5) - _ease((t - b + 0.5) / 0.5))
        p[:, 0] = np.cumsum(vel) / fps
        p[:, 0] -= p[0, 0]
    elif kind == "zoom":
        a = 1.0
        p[:, 3] = np.log(1.25) * (_ease((t - a) / 1.5) - _ease((t - dur + 1.5) / 1.0))
    elif kind == "walk":
        p[:, 0] = 120.0 * t
        p[:, 1] = 30.0 * t + 12.0 * np.sin(2 * np.pi * 0.5 * t)
    return p


def shake(n: int, fps: float = 30.0, *, amp_px: float = 8.0, roll_deg: float = 1.0,
          freqs: tuple[float, ...] = (1.3, 3.1, 6.7, 9.4), seed: int = 0) -> np.ndarray:
    """``n x 4`` hand shake (translation, roll; no zoom): sums of sines at ``freqs`` Hz with
    random phases, scaled so that each axis peaks near ``amp_px`` (and ``roll_deg``), the
    higher frequencies weaker (1/f)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fps
    out = np.zeros((n, 4))
    for ax, amp in ((0, amp_px), (1, amp_px), (2, np.deg2rad(roll_deg))):
        s = np.zeros(n)
        for f in freqs:
            s += np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) / f
        s /= max(np.abs(s).max(), 1e-9)
        out[:, ax] = amp * s
    return out


@dataclass(frozen=True)
class ShakeClip:
    """A rendered test clip.

    Attributes
    ----------
    frames
        ``N x H x W x 3`` uint8 RGB.
    intended, true
        ``N x 4`` camera paths ``(c_x, c_y, theta, log s)``: the intended one and the shaken
        one the frames were rendered with.
    moving
        ``N x H x W`` bool: pixels of moving objects.
    fps
        Frame rate.
    """

    frames: np.ndarray
    intended: np.ndarray
    true: np.ndarray
    moving: np.ndarray
    fps: float


def _frame_warp(p: np.ndarray, w: int, h: int, origin: tuple[float, float]) -> np.ndarray:
    """Map frame pixel -> canvas pixel for camera ``p``."""
    s = np.exp(p[3])
    c, sn = s * np.cos(p[2]), s * np.sin(p[2])
    cx, cy = (w - 1) / 2, (h - 1) / 2
    a = np.array([[c, -sn], [sn, c]])
    t = np.array([p[0] + origin[0], p[1] + origin[1]]) - a @ [cx, cy]
    return np.hstack([a, t[:, None]])


def render_clip(true: np.ndarray, size: tuple[int, int] = (1280, 720), *, fps: float = 30.0,
                objects: int = 1, origin: tuple[float, float] | None = None,
                intended: np.ndarray | None = None, seed: int = 0,
                readout: float = 0.0) -> ShakeClip:
    """Render frames of the camera path ``true`` over :func:`canvas`, with ``objects`` moving
    discs (150 px across) crossing the frame.

    ``readout`` > 0 renders a rolling-shutter sensor: row ``y`` of frame ``t`` sees the camera
    at ``t + readout (y - (H - 1) / 2) / H`` frames (the path interpolated by a cubic spline;
    ``readout`` is the readout time in frames, the middle row the frame's time)."""
    w, h = size
    cv = canvas()
    if origin is None:
        origin = (w / 2 + 120.0, cv.shape[0] / 2 - 0.0)
    n = true.shape[0]
    frames = np.empty((n, h, w, 3), np.uint8)
    moving = np.zeros((n, h, w), bool)
    rng = np.random.default_rng(seed + 17)
    import skimage.data as d  # lazy: scikit-image's data loads on first use only
    cat = cv2.resize(d.chelsea(), (200, 200))
    r = 75
    disc = np.zeros((2 * r, 2 * r), np.uint8)
    cv2.circle(disc, (r, r), r, 255, -1)
    tex = cat[50:50 + 2 * r, 50:50 + 2 * r]
    starts = [(rng.uniform(0.1, 0.3) * w, rng.uniform(0.2, 0.8) * h) for _ in range(objects)]
    vels = [(rng.uniform(4, 9), rng.uniform(-2, 2)) for _ in range(objects)]
    spline = None
    if readout > 0:
        from scipy.interpolate import CubicSpline  # lazy: scipy only for rolling-shutter clips

        spline = CubicSpline(np.arange(n), true, axis=0) if n > 1 else None
    xs = np.arange(w, dtype=np.float64)[None, :]
    ys = np.arange(h, dtype=np.float64)[:, None]
    for t in range(n):
        if spline is None:
            m = _frame_warp(true[t], w, h, origin)
            frames[t] = cv2.warpAffine(cv, m, (w, h), flags=cv2.INTER_CUBIC
                                       | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT)
        else:  # row y is exposed readout * (y - (h - 1) / 2) / h frames after the frame's time
            rows = spline(t + readout * (np.arange(h) - (h - 1) / 2) / h)
            ms = np.stack([_frame_warp(p, w, h, origin) for p in rows])  # h x 2 x 3
            mx = ms[:, 0, 0, None] * xs + ms[:, 0, 1, None] * ys + ms[:, 0, 2, None]
            my = ms[:, 1, 0, None] * xs + ms[:, 1, 1, None] * ys + ms[:, 1, 2, None]
            frames[t] = cv2.remap(cv, mx.astype(np.float32), my.astype(np.float32),
                                  cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
        for (x0, y0), (vx, vy) in zip(starts, vels, strict=True):
            x, y = int(x0 + vx * t) % w, int(y0 + vy * t) % h
            y1, y2, x1, x2 = max(y - r, 0), min(y + r, h), max(x - r, 0), min(x + r, w)
            if y2 <= y1 or x2 <= x1:
                continue
            dm = disc[y1 - (y - r):y2 - (y - r), x1 - (x - r):x2 - (x - r)] > 0
            frames[t, y1:y2, x1:x2][dm] = tex[y1 - (y - r):y2 - (y - r),
                                              x1 - (x - r):x2 - (x - r)][dm]
            moving[t, y1:y2, x1:x2] |= dm
    return ShakeClip(frames, true if intended is None else intended, true, moving, fps)


def shaky_clip(kind: str = "pan", n: int = 150, *, size: tuple[int, int] = (1280, 720),
               fps: float = 30.0, amp_px: float = 8.0, roll_deg: float = 1.0,
               objects: int = 1, seed: int = 0, readout: float = 0.0) -> ShakeClip:
    """A clip of ``kind`` (see :func:`intended_path`) with hand shake and moving objects
    (``readout``: a rolling shutter's readout time in frames, :func:`render_clip`)."""
    it = intended_path(kind, n, fps)
    true = it + shake(n, fps, amp_px=amp_px, roll_deg=roll_deg, seed=seed)
    clip = render_clip(true, size, fps=fps, objects=objects, intended=it, seed=seed,
                       readout=readout)
    return clip


def gyro_log(true: np.ndarray, fps: float = 30.0, *, offset_s: float = 0.0,
             rate_hz: float = 200.0, focal_px: float = 1000.0, noise: float = 0.002,
             bias: float = 0.001, pad_s: float = 0.6, seed: int = 0):
    """The gyro log (:class:`~brightroom.video.gyro.GyroLog`) of a camera moving along the
    ``N x 4`` path ``true``: body rates ``w_z = d theta / dt`` (roll) and ``(w_y, -w_x) =
    R(-theta) dc/dt / (s f)`` (yaw and pitch, for a lens of ``focal_px`` pixels), from a cubic
    spline through the frames, sampled at ``rate_hz`` from ``pad_s`` before the first frame to
    ``pad_s`` after the last, stamped on a clock ``offset_s`` ahead of the video's (log time =
    video time + offset), with white noise (``noise`` rad/s) and a constant bias."""
    from scipy.interpolate import CubicSpline  # lazy: scipy only for synthetic logs

    from brightroom.video.gyro import GyroLog  # lazy: the lab makes logs only on demand

    n = true.shape[0]
    sp = CubicSpline(np.arange(n) / fps, true, axis=0)
    tv = np.arange(-pad_s, (n - 1) / fps + pad_s, 1.0 / rate_hz)
    p, dp = sp(tv), sp(tv, 1)
    c, s = np.cos(p[:, 2]), np.sin(p[:, 2])
    sc = np.exp(p[:, 3]) * focal_px
    vx = (c * dp[:, 0] + s * dp[:, 1]) / sc
    vy = (-s * dp[:, 0] + c * dp[:, 1]) / sc
    rates = np.stack([-vy, vx, dp[:, 2]], axis=1)
    rng = np.random.default_rng(seed)
    rates = rates + noise * rng.standard_normal(rates.shape) + bias * rng.uniform(-1, 1, 3)
    return GyroLog(tv + offset_s, rates, "<synthetic gyro>")


def add_sensor_noise(frames: np.ndarray, iso: float, *, seed: int = 0,
                     sensor: Sensor | None = None, exposure_time: float = 1 / 30,
                     level: float = 1.0) -> np.ndarray:
    """Low-light frames: clean display uint8 frames decoded to linear light (scaled by
    ``level``), Poisson-Gaussian noise of the lab's sensor at ``iso`` added (variance
    ``scale * x + offset``, :func:`~brightroom.lab.camera.sensor.noise_profile`), encoded back
    to sRGB uint8."""
    sen = sensor or Sensor()
    prof = noise_profile(sen, iso / sen.base_iso, exposure_time)
    a, b = float(prof.scale[1]), float(prof.offset[1])
    rng = np.random.default_rng(seed)
    out = np.empty_like(frames)
    for i, f in enumerate(frames):
        lin = srgb_decode(f.astype(np.float32) / 255) * np.float32(level)
        sd = np.sqrt(np.maximum(a * lin + b, 0)).astype(np.float32)
        noisy = lin + sd * rng.standard_normal(lin.shape, dtype=np.float32)
        out[i] = np.clip(srgb_encode(np.clip(noisy, 0, 1)) * 255 + 0.5, 0, 255).astype(np.uint8)
    return out


# --- measurement: an independent tracker (dense DIS flow + LMedS), not the room's KLT ---

_POINTS = np.array([[0.0, 0.0], [-1, -1], [1, -1], [1, 1], [-1, 1]])


def measure_motion(path: str, *, width: int = 640, step: int = 8) -> tuple[np.ndarray, float]:
    """``(N-1 x 2 x 3 maps frame t-1 -> frame t in full-resolution pixels, scale)`` of a video,
    by an estimator independent of :mod:`brightroom.video.motion`: dense DIS optical flow
    (Kroeger et al. 2016) on grey frames ``width`` wide, sampled every ``step`` pixels, and a
    similarity fitted by least median of squares (Rousseeuw 1984), so that moving objects do
    not count. ``scale`` is full-resolution pixels per measured pixel."""
    from brightroom.io.video import probe_video, read_frames_uint8  # lazy: io only here

    info = probe_video(path)
    sw = min(width, info.width) // 2 * 2
    sh = int(round(info.height * sw / info.width)) // 2 * 2
    f = info.width / sw
    frames, _, _ = read_frames_uint8(path, format="gray", size=(sw, sh))
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    gy, gx = np.mgrid[step // 2:sh:step, step // 2:sw:step]
    src = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    prev = None
    out = []
    off = np.array([[1, 0, 0.5 * f - 0.5], [0, 1, 0.5 * f - 0.5], [0, 0, 1]])
    s, si = np.diag([f, f, 1.0]), np.diag([1 / f, 1 / f, 1.0])
    for g in frames:
        if prev is not None:
            flow = dis.calc(prev, g, None)
            dst = src + flow[gy.ravel(), gx.ravel()]
            m, _ = cv2.estimateAffinePartial2D(src, dst, method=cv2.LMEDS, refineIters=20)
            if m is None:
                m = np.array([[1.0, 0, 0], [0, 1.0, 0]])
            full = off @ s @ np.vstack([m, [0, 0, 1]]) @ si @ np.linalg.inv(off)
            out.append(full[:2])
        prev = g
    return np.asarray(out).reshape(-1, 2, 3), f


def point_paths(pairs: np.ndarray, width: int, height: int) -> np.ndarray:
    """``N x 5 x 2`` positions of the content seen at frame 0's centre and corners (90 % of
    the half-size) in every frame, from pair maps."""
    cx, cy = (width - 1) / 2, (height - 1) / 2
    pts0 = _POINTS * [0.9 * width / 2, 0.9 * height / 2] + [cx, cy]
    n = pairs.shape[0] + 1
    out = np.zeros((n, 5, 2))
    m = np.eye(3)
    out[0] = pts0
    for t in range(1, n):
        m = np.vstack([pairs[t - 1], [0, 0, 1]]) @ m
        out[t] = pts0 @ m[:2, :2].T + m[:2, 2]
    return out


def lowpass(paths: np.ndarray, window: int = 31) -> np.ndarray:
    """The low-frequency part of paths (along axis 0): a quadratic Savitzky-Golay fit over
    ``window`` frames (a second at 30 fps), which keeps still segments, constant pans and
    constant accelerations exactly (a Gaussian would bend the eased starts and stops)."""
    from scipy.signal import savgol_filter  # lazy: scipy only for measurement

    window = min(window, len(paths) - (1 - len(paths) % 2))
    return savgol_filter(paths, window, 2, axis=0, mode="interp") if window > 3 else paths


def residual_shake(paths: np.ndarray, *, fps: float = 30.0, trim: int = 15) -> float:
    """RMS (pixels per frame) of the high-pass part of the inter-frame motion of
    :func:`point_paths`: the frame-to-frame displacement of the five points minus its quadratic
    Savitzky-Golay low-pass over half a second (which keeps pans, eased starts and stops, and
    zooms), ``trim`` frames at each end left out. A sine shake of amplitude ``A`` pixels at
    ``f`` Hz well above 1 Hz reads about ``2 pi f A / (fps sqrt 2)``."""
    v = np.diff(paths, axis=0)
    hp = v - lowpass(v, int(round(fps / 2)) // 2 * 2 + 1)
    hp = hp[trim:len(hp) - trim] if len(hp) > 2 * trim + 2 else hp
    return float(np.sqrt(np.mean(np.sum(hp ** 2, axis=-1))))


def _sim(p: np.ndarray) -> np.ndarray:
    s = np.exp(p[3])
    c, sn = s * np.cos(p[2]), s * np.sin(p[2])
    return np.array([[c, -sn, p[0]], [sn, c, p[1]], [0, 0, 1.0]])


def intended_points(intended: np.ndarray, start: np.ndarray) -> np.ndarray:
    """``N x K x 2``: where a camera following the ``intended`` path exactly sees the content
    that frame 0 shows at ``start`` (``K x 2``, centred pixel coordinates)."""
    m0 = _sim(intended[0])
    world = start @ m0[:2, :2].T + m0[:2, 2]
    out = np.zeros((len(intended),) + start.shape)
    for t, p in enumerate(intended):
        mi = np.linalg.inv(_sim(p))
        out[t] = world @ mi[:2, :2].T + mi[:2, 2]
    return out


def path_error(paths: np.ndarray, intended: np.ndarray, crop: float, width: int, height: int,
               *, window: int = 61, trim: int = 15) -> float:
    """Largest distance (input pixels) between the low-passed (:func:`lowpass` over ``window``
    frames, two seconds at 30 fps: below about half a hertz) measured point paths of an output
    and the intended camera's, after a constant offset per point is taken out.

    The output shows the crop window enlarged ``1 / crop``: its centred pixel coordinates times
    ``crop`` are the virtual camera's, which should move as the intended camera does."""
    cx, cy = (width - 1) / 2, (height - 1) / 2
    meas = (lowpass(paths, window) - [cx, cy]) * crop
    want = lowpass(intended_points(intended, (paths[0] - [cx, cy]) * crop), window)
    d = meas - want
    d = d[trim:len(d) - trim] if len(d) > 2 * trim + 2 else d
    d = d - d.mean(axis=0)
    return float(np.sqrt(np.sum(d ** 2, axis=-1)).max())


def output_points(true: np.ndarray, warps: np.ndarray, width: int, height: int) -> np.ndarray:
    """``N x 5 x 2``: exactly where a stabilised output shows the content its frame 0 shows at
    the centre and corners, from the clip's ``true`` camera path and the output's ``warps``
    (``N x 2 x 3`` output pixel -> input pixel): the truth :func:`measure_motion` estimates."""
    cx, cy = (width - 1) / 2, (height - 1) / 2
    c = np.array([[1, 0, cx], [0, 1, cy], [0, 0, 1.0]])
    ci = np.linalg.inv(c)
    pts = _POINTS * [0.9 * width / 2, 0.9 * height / 2]
    full = [_sim(true[t]) @ ci @ np.vstack([warps[t], [0, 0, 1]]) @ c for t in range(len(true))]
    world = pts @ full[0][:2, :2].T + full[0][:2, 2]
    out = np.zeros((len(true), 5, 2))
    for t, m in enumerate(full):
        mi = np.linalg.inv(m)
        out[t] = world @ mi[:2, :2].T + mi[:2, 2] + [cx, cy]
    return out
