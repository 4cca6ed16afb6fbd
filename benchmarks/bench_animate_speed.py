"""Speed of MP4 -> GIF (issue 14's speed bar: a 3 s 480x270 clip at 30 fps in <= 2 s), stage by
stage, with gifski's time on the same frames in the same run.

For each clip of ``bench_animate`` (480x270, 90 frames, written as H.264 CRF 14 by ffmpeg):

* ``total``: ``brightroom.animate(mp4, out.gif)`` (decode included; numba compiled beforehand),
  wall (``perf_counter``) and CPU (``process_time``, all threads) - the median of ``--runs``;
* the stages of that path timed one by one (video decode, working-space conversion, noise
  estimate, temporal filter, encode: palettes + mapping/dither + LZW), and the same with
  ``max_size`` (half the q90 file, so the quality search runs);
* gifski 1.7.1 at ``-Q 90`` from PNG frames (its wall and the CPU of the child).

The load average is printed, since the machine is shared: CPU times and ratios hold better than
wall times under load.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_animate_speed.py [--runs 3]
[--clips pan,subject,sky]``
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_animate as ba  # noqa: E402
import brightroom  # noqa: E402
from brightroom.animate import encoder as enc  # noqa: E402
from brightroom.animate.frames import load_clip  # noqa: E402
from brightroom.animate.run import encode_clip  # noqa: E402
from brightroom.animate.temporal import temporal_sigma  # noqa: E402


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def gifski(src: list[np.ndarray], tmp: Path) -> tuple[int, float, float]:
    """bench_animate's gifski run (quality 90): bytes, wall seconds and the process's CPU."""
    c0 = _child_cpu()
    data, dt = ba.gifski(src, tmp, 90)
    return len(data), dt, _child_cpu() - c0


def stages(mp4: Path, max_size: int | None) -> list[tuple[str, float, float]]:
    rows = []
    clip, w, c = _timed(lambda: load_clip([mp4]))
    rows.append(("decode", w, c))
    lab, w, c = _timed(lambda: enc.oklab_frames(clip.frames, "srgb"))
    rows.append(("to working space", w, c))
    noise, w, c = _timed(lambda: enc.estimate_noise(lab))
    rows.append(("noise estimate", w, c))
    lab2, w, c = _timed(lambda: temporal_sigma(lab, noise))
    rows.append(("temporal filter", w, c))
    _, w, c = _timed(lambda: enc.estimate_noise(lab2))
    rows.append(("noise estimate 2", w, c))
    r, w, c = _timed(lambda: encode_clip(clip, "gif", quality=90))
    rows.append(("encode_clip q90 (all above but decode)", w, c))
    if max_size is not None:
        r2, w, c = _timed(lambda: encode_clip(clip, "gif", quality=100, max_size=max_size))
        rows.append((f"encode_clip max_size {max_size} ({r2.encodes} encodes)", w, c))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--clips", default="pan,subject,sky")
    ap.add_argument("--no-gifski", action="store_true")
    ap.add_argument("--stages", action="store_true", help="also time the stages one by one")
    args = ap.parse_args()
    print(f"# bench_animate_speed  {os.cpu_count()} cores, shared, load "
          f"{os.getloadavg()[0]:.1f}")
    warm, _ = ba.clip_pan(96, 64, 4)
    brightroom.animate(warm, fps=30, format="gif")
    brightroom.animate(warm, fps=30, format="gif", max_size=20000)
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        for name in args.clips.split(","):
            src, _ = ba.CLIPS[name](480, 270, 90)
            mp4 = tmp / f"{name}.mp4"
            ba._mp4(src, mp4)
            ws, cs = [], []
            size = 0
            for _ in range(args.runs):
                r, w, c = _timed(lambda m=mp4: brightroom.animate(m, tmp / "o.gif", overwrite=True))
                ws.append(w)
                cs.append(c)
                size = r.size
            line = (f"{name}: ours wall {np.median(ws):.2f} s (min {min(ws):.2f}) CPU "
                    f"{np.median(cs):.2f} s, {size} B")
            if not args.no_gifski:
                gn, gw, gc = gifski(src, tmp)
                line += (f"; gifski wall {gw:.2f} s CPU {gc:.2f} s, {gn} B; ratio wall "
                         f"{np.median(ws) / gw:.2f} CPU {np.median(cs) / max(gc, 1e-9):.2f}")
            print(line + f"  (load {os.getloadavg()[0]:.1f})", flush=True)
            if args.stages:
                for st, w, c in stages(mp4, size // 2):
                    print(f"   {st:48s} wall {w:6.2f} s  CPU {c:6.2f} s", flush=True)
    print(f"# load at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
