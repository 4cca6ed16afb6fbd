"""Gyro logs: reading them, and synchronising them with the optical motion.

A gyro log is a series of timestamped angular rates ``(w_x, w_y, w_z)`` (rad/s) of the camera
body. Three sources are read (:func:`read_gyro`):

* **Gyroflow's** ``.gcsv`` (``GYROFLOW IMU LOG``): ``key,value`` header lines (``tscale``,
  ``gscale``, ``orientation``, ``frame_readout_time`` in ms), then a ``t,gx,gy,gz[,...]`` table of
  scaled integers;
* **a plain CSV** of ``t, wx, wy, wz`` (seconds, rad/s; a header row is optional, columns
  beyond the fourth are ignored);
* **GoPro GPMF** telemetry, the ``gpmd`` data stream of a GoPro MP4 (read with PyAV; the
  ``GYRO`` samples of each packet with their ``SCAL``, spread evenly over the packet's time).

Synchronisation (:func:`synchronise`): the log's clock and the video's differ by an unknown
offset, and the axes of the gyro, their signs and the lens's focal length are unknown too. For
each candidate offset ``delta`` the rotation the log integrates over every frame interval
``[t_{k-1} + delta, t_k + delta]`` is fitted to the optical motion of that pair of frames (its
translation of the frame centre and its roll, in centred pixel coordinates) by least squares,
one linear map (3 x 3, and a constant for the gyro's bias) for the whole clip; the offset with
the smallest residual wins, refined to a fraction of a millisecond by a parabola through its
neighbours and a second search, with the pairs the fit disagrees with (moving objects, lost
tracks) left out. Cross-correlating the rates with the optical motion is the approach of
Karpenko et al. (2011) and of Gyroflow; the fitted map stands in for a lens profile and an IMU
orientation, which a synthetic or unknown camera does not have.

The fitted map then turns the log into frame-to-frame motion (:meth:`GyroSync.pair_motion`):
the rotation of every pair of frames from the gyro, free of the tracker's errors on moving
objects, low texture or blur; the zoom (which a gyro cannot see) from the optical motion.
:func:`fuse` combines the two per pair where they agree, weighing each by the inverse of its
noise variance (the gyro's from its samples' own noise, the optical's from the rest of the
residual), and takes the gyro's alone where they do not: neither source's noise is left whole.

References
----------
Karpenko, A., Jacobs, D., Baek, J., Levoy, M. (2011). Digital video stabilization and rolling
shutter correction using gyroscopes. Stanford CSTR 2011-03.

GoPro (2017-2024). GPMF introduction: the GoPro Metadata Format (github.com/gopro/gpmf-parser,
the KLV layout: four-character key, type, structure size, repeat count, 32-bit aligned).
"""

from __future__ import annotations

import csv
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from brightroom.errors import CorruptFileError, InputError, ParameterError

__all__ = ["GyroLog", "GyroSync", "read_gyro", "parse_gcsv", "parse_csv", "parse_gpmf",
           "write_gcsv", "synchronise", "fuse", "rate_noise", "MAX_OFFSET_S"]

MAX_OFFSET_S = 0.5
"""Largest clock offset (seconds, either sign) :func:`synchronise` looks for by default."""


@dataclass(frozen=True)
class GyroLog:
    """Timestamped angular rates.

    Attributes
    ----------
    t
        ``N`` increasing sample times (seconds, the log's clock).
    rates
        ``N x 3`` angular rates (rad/s) about the camera's x, y, z axes (as oriented by the
        file, when it says).
    source
        The file (for messages).
    readout_ms
        Rolling-shutter readout time the file states (Gyroflow's ``frame_readout_time``), or None.
    """

    t: np.ndarray
    rates: np.ndarray
    source: str = ""
    readout_ms: float | None = None

    @property
    def span(self) -> tuple[float, float]:
        """``(first, last)`` sample time."""
        return float(self.t[0]), float(self.t[-1])


def _checked(t: np.ndarray, rates: np.ndarray, src: str,
             readout_ms: float | None = None) -> GyroLog:
    t = np.asarray(t, np.float64)
    rates = np.asarray(rates, np.float64)
    if t.ndim != 1 or rates.shape != (t.size, 3):
        raise ParameterError(f"{src}: a gyro log needs a time and three rates per sample")
    if t.size < 4:
        raise ParameterError(f"{src}: the gyro log has {t.size} sample(s); at least 4 needed")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(rates))):
        raise ParameterError(f"{src}: the gyro log holds non-finite values")
    order = np.argsort(t, kind="stable")
    t, rates = t[order], rates[order]
    keep = np.concatenate([[True], np.diff(t) > 0])
    t, rates = t[keep], rates[keep]
    if t.size < 4:
        raise ParameterError(f"{src}: the gyro log's timestamps do not increase")
    return GyroLog(t, rates, src, readout_ms)


_AXES = {"x": 0, "y": 1, "z": 2}


def _orientation(text: str, src: str) -> tuple[np.ndarray, np.ndarray]:
    """Gyroflow's ``orientation`` (three letters naming the sensor axis that gives camera x, y
    and z; lower case: negated) -> (indices, signs)."""
    t = text.strip()
    if len(t) != 3 or sorted(t.lower()) != ["x", "y", "z"]:
        raise ParameterError(f"{src}: orientation must be three letters of x, y, z, got {text!r}")
    idx = np.array([_AXES[c.lower()] for c in t])
    sign = np.array([-1.0 if c.islower() else 1.0 for c in t])
    return idx, sign


def parse_gcsv(text: str, src: str = "<gcsv>") -> GyroLog:
    """A Gyroflow ``.gcsv`` log (``GYROFLOW IMU LOG`` header, ``key,value`` lines, then a
    ``t,gx,gy,gz`` table of integers scaled by ``tscale`` and ``gscale``)."""
    lines = text.splitlines()
    if not lines or not lines[0].strip().upper().startswith("GYROFLOW IMU LOG"):
        raise ParameterError(f"{src}: not a Gyroflow log (the first line must be "
                             "'GYROFLOW IMU LOG')")
    meta: dict[str, str] = {}
    start = None
    for i, line in enumerate(lines[1:], 1):
        parts = [p.strip() for p in line.split(",")]
        if parts[0].lower() == "t":
            start = i
            break
        if len(parts) >= 2:
            meta[parts[0].lower()] = parts[1]
    if start is None:
        raise ParameterError(f"{src}: the Gyroflow log has no 't,gx,gy,gz' table")
    cols = [c.strip().lower() for c in lines[start].split(",")]
    try:
        ic = [cols.index(c) for c in ("t", "gx", "gy", "gz")]
    except ValueError:
        raise ParameterError(f"{src}: the table needs columns t, gx, gy, gz; got "
                             f"{','.join(cols)}") from None
    try:
        tscale = float(meta.get("tscale", "0.001"))
        gscale = float(meta.get("gscale", "1"))
        readout = float(meta["frame_readout_time"]) if "frame_readout_time" in meta else None
    except ValueError as e:
        raise ParameterError(f"{src}: a header value is not a number ({e})") from None
    rows = []
    for k, line in enumerate(lines[start + 1:], start + 2):
        if not line.strip():
            continue
        parts = line.split(",")
        try:
            rows.append([float(parts[i]) for i in ic])
        except (ValueError, IndexError):
            raise ParameterError(f"{src}: line {k} is not a row of numbers: "
                                 f"{line.strip()[:40]!r}") from None
    if not rows:
        raise ParameterError(f"{src}: the Gyroflow log has no samples")
    a = np.asarray(rows)
    rates = a[:, 1:4] * gscale
    if "orientation" in meta:
        idx, sign = _orientation(meta["orientation"], src)
        rates = rates[:, idx] * sign
    return _checked(a[:, 0] * tscale, rates, src, readout)


def parse_csv(text: str, src: str = "<csv>") -> GyroLog:
    """A plain CSV of ``t, wx, wy, wz`` (seconds, rad/s); an optional header row of names;
    comma, semicolon or tab separated."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ParameterError(f"{src}: the gyro CSV is empty")
    try:
        dialect = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
        delim = dialect.delimiter
    except csv.Error:
        delim = ","
    rows = []
    for k, line in enumerate(lines):
        parts = [p.strip() for p in line.split(delim)]
        try:
            vals = [float(p) for p in parts[:4]]
        except ValueError:
            if k == 0:
                continue  # the header row
            raise ParameterError(f"{src}: row {k + 1} is not numbers: {line.strip()[:40]!r}"
                                 ) from None
        if len(vals) < 4:
            raise ParameterError(f"{src}: row {k + 1} has {len(vals)} column(s); a gyro CSV "
                                 "needs t, wx, wy, wz")
        rows.append(vals)
    if not rows:
        raise ParameterError(f"{src}: the gyro CSV has no rows of numbers")
    a = np.asarray(rows)
    return _checked(a[:, 0], a[:, 1:4], src)


# --- GoPro GPMF (KLV) ---

_GPMF_TYPES = {"b": ">i1", "B": ">u1", "s": ">i2", "S": ">u2", "l": ">i4", "L": ">u4",
               "f": ">f4", "d": ">f8", "j": ">i8", "J": ">u8"}


def _klv(buf: bytes, start: int, end: int):
    """Iterate ``(key, type, size, repeat, payload offset)`` over KLV items in ``buf``."""
    i = start
    while i + 8 <= end:
        key = buf[i:i + 4].decode("latin-1")
        typ = chr(buf[i + 4])
        size = buf[i + 5]
        rep = struct.unpack(">H", buf[i + 6:i + 8])[0]
        n = size * rep
        if i + 8 + n > end:
            raise CorruptFileError(f"GPMF item {key!r} runs past its container")
        yield key, typ, size, rep, i + 8
        i += 8 + (n + 3) // 4 * 4


def parse_gpmf(payload: bytes) -> np.ndarray:
    """The ``GYRO`` samples (``M x 3``, rad/s, in the order the file stores its axes) of one
    GPMF payload (``DEVC`` / ``STRM`` nesting; each stream's ``SCAL`` divides its samples)."""
    out: list[np.ndarray] = []

    def walk(start: int, end: int) -> None:
        scal: np.ndarray | None = None
        for key, typ, size, rep, off in _klv(payload, start, end):
            if typ == "\0":
                walk(off, off + size * rep)
            elif key == "SCAL" and typ in _GPMF_TYPES:
                scal = np.frombuffer(payload, _GPMF_TYPES[typ], size * rep //
                                     np.dtype(_GPMF_TYPES[typ]).itemsize, off).astype(np.float64)
            elif key == "GYRO" and typ in _GPMF_TYPES:
                dt = np.dtype(_GPMF_TYPES[typ])
                ncomp = size // dt.itemsize
                v = np.frombuffer(payload, dt, ncomp * rep, off).astype(np.float64)
                v = v.reshape(rep, ncomp)
                if scal is not None:
                    v = v / (scal if scal.size == ncomp else scal[0])
                if ncomp >= 3:
                    out.append(v[:, :3])

    walk(0, len(payload))
    return np.concatenate(out) if out else np.zeros((0, 3))


def _read_gpmf_video(p: Path) -> GyroLog:
    from brightroom.io.video import _open  # lazy: PyAV only for this source

    try:
        import av
    except ImportError:  # pragma: no cover - PyAV is a dependency
        raise InputError(f"{p}: PyAV is needed to read GPMF") from None
    container, _ = _open(p, threads=0)
    try:
        data = [s for s in container.streams if s.type == "data"]
        gp = [s for s in data if (s.metadata or {}).get("handler_name", "").find("GoPro MET") >= 0
              or getattr(s.codec_context, "codec_tag", "") == "gpmd"] or data
        if not gp:
            raise ParameterError(f"{p}: the file carries no gyro data (no GPMF 'gpmd' stream)")
        st = gp[0]
        tb = float(st.time_base) if st.time_base else 1.0
        ts, rs = [], []
        for pk in container.demux(st):
            if pk.size == 0 or pk.pts is None:
                continue
            g = parse_gpmf(bytes(pk))
            if not len(g):
                continue
            t0 = pk.pts * tb
            dur = (pk.duration or 0) * tb or 1.0
            ts.append(t0 + (np.arange(len(g)) + 0.5) * dur / len(g))
            rs.append(g)
    except av.error.FFmpegError as e:
        raise CorruptFileError(f"{p}: demuxing the telemetry failed ({e})") from None
    finally:
        container.close()
    if not rs:
        raise ParameterError(f"{p}: the GPMF stream has no GYRO samples")
    return _checked(np.concatenate(ts), np.concatenate(rs), str(p))


def read_gyro(path: str | Path) -> GyroLog:
    """A gyro log from a Gyroflow ``.gcsv``, a plain CSV, or a video's GoPro GPMF telemetry.

    Raises
    ------
    InputError
        A missing file.
    ParameterError
        A file in none of these formats, or too few samples.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    with p.open("rb") as fh:
        head = fh.read(4096)
    if p.suffix.lower() in (".mp4", ".mov", ".360", ".lrv") or head[4:8] == b"ftyp":
        return _read_gpmf_video(p)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ParameterError(f"{p}: not a gyro log (not text; expected a Gyroflow .gcsv or a CSV "
                             "of t, wx, wy, wz)") from None
    if text.lstrip().upper().startswith("GYROFLOW"):
        return parse_gcsv(text, str(p))
    return parse_csv(text, str(p))


def write_gcsv(log: GyroLog, path: str | Path, *, tscale: float = 1e-6,
               gscale: float = 1e-5) -> Path:
    """Write ``log`` as a Gyroflow ``.gcsv`` (integers scaled by ``tscale``, ``gscale``)."""
    p = Path(path)
    lines = ["GYROFLOW IMU LOG", "version,1.3", "id,brightroom_lab", "orientation,XYZ",
             f"tscale,{tscale!r}", f"gscale,{gscale!r}"]
    if log.readout_ms is not None:
        lines.append(f"frame_readout_time,{log.readout_ms!r}")
    lines.append("t,gx,gy,gz")
    ti = np.round(log.t / tscale).astype(np.int64)
    gi = np.round(log.rates / gscale).astype(np.int64)
    lines += [f"{a},{b},{c},{d}" for a, (b, c, d) in zip(ti, gi, strict=True)]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


# --- synchronisation ---


@dataclass(frozen=True)
class GyroSync:
    """A gyro log synchronised with a clip's optical motion.

    Attributes
    ----------
    offset_s
        Log time = video time + ``offset_s``.
    gain
        ``4 x 3`` map from ``(integrated rotation over a frame interval, 1)`` to the pair's
        optical ``(t_x, t_y, angle)`` (centred pixels, radians).
    residual
        RMS residual of the fit (pixels; angles weighed by the half diagonal).
    optical_rms
        RMS of the optical motion fitted (same units): ``residual / optical_rms`` near 0 means
        the log explains the motion.
    inliers
        Pairs the final fit used.
    """

    offset_s: float
    gain: np.ndarray
    residual: float
    optical_rms: float
    inliers: int

    def pair_motion(self, log: GyroLog, times: np.ndarray) -> np.ndarray:
        """``N-1 x 3`` ``(t_x, t_y, angle)`` per pair of frames at video ``times`` from the log."""
        d = _integrated(log, np.asarray(times, np.float64) + self.offset_s)
        return np.hstack([d, np.ones((d.shape[0], 1))]) @ self.gain


def _cumulative(log: GyroLog) -> np.ndarray:
    dt = np.diff(log.t)[:, None]
    inc = 0.5 * (log.rates[1:] + log.rates[:-1]) * dt
    return np.vstack([np.zeros((1, 3)), np.cumsum(inc, axis=0)])


def _integrated(log: GyroLog, times: np.ndarray, cum: np.ndarray | None = None) -> np.ndarray:
    """Rotation integrated over each interval ``[times[k-1], times[k]]`` (``len - 1 x 3``)."""
    c = _cumulative(log) if cum is None else cum
    at = np.stack([np.interp(times, log.t, c[:, j]) for j in range(3)], axis=1)
    return np.diff(at, axis=0)


def _fit(d: np.ndarray, o: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, float]:
    a = np.hstack([d, np.ones((d.shape[0], 1))]) * w[:, None]
    g, *_ = np.linalg.lstsq(a, o * w[:, None], rcond=None)
    r = (a @ g - o * w[:, None])
    return g, float(np.sqrt(np.sum(r ** 2) / max(w.sum(), 1)))


def synchronise(log: GyroLog, times: np.ndarray, optical: np.ndarray, *,
                valid: np.ndarray | None = None, scale_px: float = 1.0,
                max_offset_s: float = MAX_OFFSET_S, step_s: float = 0.002) -> GyroSync:
    """Find the log's time offset and its map to the optical motion.

    Parameters
    ----------
    log
        The gyro log.
    times
        ``N`` frame times (seconds, the video's clock).
    optical
        ``N-1 x 3`` optical ``(t_x, t_y, angle)`` of each pair of frames (centred pixels,
        radians; the frame ``t-1 -> t`` similarity).
    valid
        ``N-1`` bool: pairs the tracker measured (lost pairs left out).
    scale_px
        Pixels per radian of roll in the fit (the half diagonal).
    max_offset_s
        The offsets searched, ``[-max_offset_s, max_offset_s]``.
    step_s
        Step of the coarse search.

    Raises
    ------
    ParameterError
        The log does not cover the clip at any offset searched, or the clip has too few
        measured pairs to synchronise against.
    """
    times = np.asarray(times, np.float64)
    o = np.asarray(optical, np.float64).copy()
    o[:, 2] *= scale_px
    ok = np.ones(len(o), bool) if valid is None else np.asarray(valid, bool).copy()
    lo, hi = log.span
    dur = times[-1] - times[0]
    if hi - lo < dur:
        raise ParameterError(f"{log.source}: the gyro log covers {hi - lo:.2f} s; the clip lasts "
                             f"{dur:.2f} s")
    cand = np.arange(-max_offset_s, max_offset_s + 1e-12, step_s)
    cand = cand[(times[0] + cand >= lo) & (times[-1] + cand <= hi)]
    if cand.size == 0:
        raise ParameterError(f"{log.source}: the gyro log ({lo:.2f}-{hi:.2f} s) does not cover the "
                             f"clip ({times[0]:.2f}-{times[-1]:.2f} s) at any offset within "
                             f"+-{max_offset_s:g} s")
    if ok.sum() < 8:
        raise ParameterError(f"{log.source}: {int(ok.sum())} measured pairs of frames; too few "
                             "to synchronise the gyro log against")
    cum = _cumulative(log)

    def score(deltas: np.ndarray, w: np.ndarray) -> np.ndarray:
        return np.array([_fit(_integrated(log, times + dl, cum), o, w)[1] for dl in deltas])

    w = ok.astype(np.float64)
    s = score(cand, w)
    best = float(cand[int(np.argmin(s))])
    # leave out the pairs the fit at the best offset disagrees with (moving objects, lost
    # tracks), then search again finely around it
    for _ in range(2):
        g, _ = _fit(_integrated(log, times + best, cum), o, w)
        res = np.linalg.norm(np.hstack([_integrated(log, times + best, cum),
                                        np.ones((len(o), 1))]) @ g - o, axis=1)
        med = np.median(res[ok]) if ok.any() else 0.0
        w = (ok & (res <= max(4.0 * 1.4826 * med, 0.05))).astype(np.float64)
        fine = np.arange(best - 2 * step_s, best + 2 * step_s + 1e-12, step_s / 10)
        fine = fine[(times[0] + fine >= lo) & (times[-1] + fine <= hi)]
        if fine.size:
            sf = score(fine, w)
            i = int(np.argmin(sf))
            best = float(fine[i])
            if 0 < i < len(fine) - 1:  # parabola through the minimum and its neighbours
                y0, y1, y2 = sf[i - 1], sf[i], sf[i + 1]
                den = y0 - 2 * y1 + y2
                if den > 0:
                    best += float(0.5 * (y0 - y2) / den * (fine[1] - fine[0]))
    g, r = _fit(_integrated(log, times + best, cum), o, w)
    rms = float(np.sqrt(np.sum((o * w[:, None]) ** 2) / max(w.sum(), 1)))
    g = g.copy()
    g[:, 2] /= scale_px
    return GyroSync(best, g, r, rms, int(w.sum()))


def rate_noise(log: GyroLog) -> np.ndarray:
    """Per-axis white-noise standard deviation (rad/s) of the log's samples, robustly from their
    second differences (variance ``6 sigma^2`` for white noise; the camera's own motion, smooth
    at the log's rate, adds little, which makes this an upper bound)."""
    d2 = np.diff(log.rates, n=2, axis=0)
    if len(d2) < 3:
        return np.full(3, np.inf)
    mad = np.median(np.abs(d2 - np.median(d2, axis=0)), axis=0)
    return 1.4826 * mad / np.sqrt(6.0)


def fuse(log: GyroLog, sync: GyroSync, times: np.ndarray, optical: np.ndarray,
         valid: np.ndarray | None = None, *, scale_px: float = 1.0) -> np.ndarray:
    """``N-1 x 3`` pair motion ``(t_x, t_y, angle)`` from both sources: per component, the
    inverse-variance weighted mean of the optical motion and the gyro's (its variance from the
    log's sample noise integrated over a frame and carried through the fitted map; the
    optical's from what is left of the residual's), where the optical pair agrees with the gyro;
    the gyro's alone where it does not (moving objects, lost tracks) or was not measured."""
    times = np.asarray(times, np.float64)
    o = np.asarray(optical, np.float64)
    g = sync.pair_motion(log, times)
    ok = np.ones(len(o), bool) if valid is None else np.asarray(valid, bool)
    unit = np.array([1.0, 1.0, scale_px])
    res = (o - g) * unit
    dist = np.linalg.norm(res, axis=1)
    if not ok.any():
        return g
    med = np.median(dist[ok])
    agree = ok & (dist <= max(4.0 * 1.4826 * med, 0.05))
    if agree.sum() < 8:
        return g
    # gyro: white noise sigma per sample, integrated over a frame interval T with samples dt
    # apart: variance sigma^2 dt T per axis, through the map
    dt = float(np.median(np.diff(log.t)))
    frame = float(np.median(np.diff(times)))
    var_axes = rate_noise(log) ** 2 * dt * frame
    var_g = (sync.gain[:3] ** 2 * var_axes[:, None]).sum(axis=0) * unit ** 2
    r = res[agree]
    var_r = (1.4826 * np.median(np.abs(r - np.median(r, axis=0)), axis=0)) ** 2
    var_o = np.maximum(var_r - var_g, 0.1 * var_r)
    wo = np.where(var_o > 0, 1.0 / np.maximum(var_o, 1e-30), 0.0)
    wg = np.where(var_g > 0, 1.0 / np.maximum(var_g, 1e-30), 1e30)
    k = wo / (wo + wg)  # the optical's share, per component
    out = g.copy()
    out[agree] = g[agree] + k * (o[agree] - g[agree])
    return out
