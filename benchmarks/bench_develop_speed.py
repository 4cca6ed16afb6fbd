"""Develop speed and memory bars, against rawpy/LibRaw in the same run.

* File to file: a 12 MP DNG (simulated by the lab, flagship-2022 preset, ISO 400) to a JPEG with
  the ``default`` recipe (raw denoise and local tone mapping included):
  ``read_raw -> develop -> write`` (quality 92).
  Peer: ``rawpy.imread -> postprocess(AHD, use_camera_wb=True) -> the same JPEG writer``.
  Median of N interleaved runs after a warm-up (numba compile excluded); prints the ratio.
* Peak memory of one 12 MP file-to-file run, in a fresh process (peak RSS above the RSS before
  the run, after imports and a small warm-up), compared with the output image's size.
* ``--big``: a 108 MP quad-Bayer raw (12000 x 9000, quad-RGGB) developed with ``default`` in a
  fresh process; peak RSS reported against the 4 GB bar.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_develop_speed.py [--runs 7] [--big]``
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
CACHE = HERE.parent / ".bench_cache"


def make_dng(path: Path, megapixels: float, pattern: str, iso: float = 400) -> Path:
    """Simulate and write a raw once; reuse it afterwards."""
    if path.exists():
        return path
    from brightroom.charts import natural
    from brightroom.io import write_dng
    from brightroom.lab.camera import simulate

    path.parent.mkdir(parents=True, exist_ok=True)
    scene = natural("astronaut", megapixels=megapixels)
    raw = simulate(scene, "flagship-2022", lux=300, cct=4500, iso=iso, pattern=pattern, seed=3)
    del scene
    return write_dng(raw, path, overwrite=True)


def ours(dng: Path, out: Path, recipe: str = "default") -> None:
    import brightroom

    photo = brightroom.develop(brightroom.read_raw(dng), recipe=recipe)
    brightroom.write(photo, out, overwrite=True, quality=92)


def peer(dng: Path, out: Path) -> None:
    import rawpy

    from brightroom.io import write_image
    from brightroom.types import Image

    with rawpy.imread(str(dng)) as r:
        rgb = r.postprocess(demosaic_algorithm=rawpy.DemosaicAlgorithm.AHD, use_camera_wb=True)
    img = Image(rgb.astype(np.float32) / np.float32(255), space="display", transfer="sRGB")
    write_image(img, out, overwrite=True, quality=92)


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_memory(dng: str, out: str, warm: str) -> None:
    """Run in a fresh process: warm up on a small file, then measure one big run."""
    ours(Path(warm), Path(out).with_name("warm.jpg"))
    import gc

    gc.collect()
    base = _rss_mb()
    before_peak = _peak_mb()
    t = time.perf_counter()
    ours(Path(dng), Path(out))
    dt = time.perf_counter() - t
    print(f"{base:.1f} {before_peak:.1f} {_peak_mb():.1f} {dt:.3f}")


def measure_memory(dng: Path, out: Path, warm: Path) -> tuple[float, float, float]:
    res = subprocess.run([sys.executable, __file__, "--child", str(dng), str(out), str(warm)],
                         capture_output=True, text=True, check=True)
    base, before_peak, peak, dt = map(float, res.stdout.split()[-4:])
    return peak - base, max(peak, before_peak), dt


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--big", action="store_true", help="also the 108 MP quad-Bayer memory bar")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child_memory(*args.child)
        return 0
    import rawpy

    import brightroom

    print(f"# develop speed - {time.strftime('%Y-%m-%d %H:%M')} - {platform.platform()} - "
          f"{os.cpu_count()} cpus - python {sys.version.split()[0]} - brightroom "
          f"{brightroom.__version__} - rawpy {rawpy.__version__}")
    dng = make_dng(CACHE / "astronaut-12mp.dng", 12.0, "RGGB")
    warm = make_dng(CACHE / "astronaut-1mp.dng", 1.0, "RGGB")
    out = CACHE / "out"
    out.mkdir(exist_ok=True)
    raw = brightroom.read_raw(dng)
    print(f"input: {dng.name} {raw.shape[1]}x{raw.shape[0]} ({raw.megapixels:.1f} MP), "
          f"{dng.stat().st_size / 2**20:.1f} MiB")
    # warm-up: numba compilation and caches
    ours(warm, out / "w.jpg")
    ours(dng, out / "ours.jpg")
    peer(dng, out / "peer.jpg")
    t_ours, t_peer = [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        ours(dng, out / "ours.jpg")
        t_ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        peer(dng, out / "peer.jpg")
        t_peer.append(time.perf_counter() - t)
    mo, mp = float(np.median(t_ours)), float(np.median(t_peer))
    print(f"file to file, default recipe: ours median {mo:.3f} s (min {min(t_ours):.3f}, "
          f"max {max(t_ours):.3f}); rawpy AHD median {mp:.3f} s; speed-up x{mp / mo:.2f}")
    # per-stage breakdown (in-process, informational)
    recipe = brightroom.load_recipe("default")
    t = time.perf_counter()
    frame = brightroom.read_raw(dng)
    print(f"  read_raw {1e3 * (time.perf_counter() - t):6.1f} ms")
    for stage in recipe.pipeline().stages:
        t = time.perf_counter()
        frame = stage(frame)
        print(f"  {stage.name:<12} {1e3 * (time.perf_counter() - t):6.1f} ms")
    t = time.perf_counter()
    brightroom.write(frame, out / "ours.jpg", overwrite=True, quality=92)
    print(f"  write jpeg {1e3 * (time.perf_counter() - t):6.1f} ms")

    inc, _, _ = measure_memory(dng, out / "mem.jpg", warm)
    h, w = raw.shape
    out8, out32 = h * w * 3 / 2**20, h * w * 12 / 2**20
    print(f"peak memory of one run above baseline: {inc:.0f} MiB = {inc / out8:.1f}x the 8-bit "
          f"output ({out8:.0f} MiB), {inc / out32:.2f}x the float32 output ({out32:.0f} MiB)")
    print(f"BAR <= 0.3 s median: {'MET' if mo <= 0.3 else 'NOT MET'} ({mo:.3f} s)")
    print(f"BAR >= 2x faster than rawpy: {'MET' if mp / mo >= 2 else 'NOT MET'} (x{mp / mo:.2f})")
    if args.big:
        big = make_dng(CACHE / "astronaut-108mp-quad.dng", 108.0, "quad-RGGB")
        inc, peak, dt = measure_memory(big, out / "big.jpg", warm)
        print(f"108 MP quad-Bayer, default recipe: {dt:.1f} s, peak RSS {peak / 1024:.2f} GiB "
              f"(+{inc / 1024:.2f} GiB over baseline) -> BAR 4 GB "
              f"{'MET' if peak <= 4096 else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
