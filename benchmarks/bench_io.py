"""Benchmark brightroom.io on 12 MP data: DNG read, DNG write, JPEG write.

Each case warms up once, then takes the median (and min/max) of ``--runs`` runs (>= 5), runs
the peer in the same process, and prints ``ours``, ``peer`` and ``ratio`` (ours / peer; below 1
means we are faster) plus the machine.

* DNG read: ``read_raw`` (fast path: mosaic + tags + normalisation to float32) vs rawpy
  ``imread`` + ``raw_image_visible`` (LibRaw open + unpack, integers only, no normalisation).
* DNG write: ``write_dng`` (float32 -> counts, tags, atomic rename) vs ``tifffile.imwrite`` of the
  same uint16 mosaic (no DNG tags).
* JPEG write, quality 92: ``write_image`` (float32 display image -> clip/round -> encode ->
  EXIF + ICC -> atomic rename) vs Pillow ``Image.save`` and ``cv2.imwrite``, both given the
  already-quantised uint8 pixels (so the peers do less work than we do).

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_io.py``
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import rawpy  # noqa: E402
import tifffile  # noqa: E402
from PIL import Image as PILImage  # noqa: E402

from brightroom.io import read_raw, write_dng, write_image  # noqa: E402
from brightroom.io.images import quantize_fast  # noqa: E402
from brightroom.types import CameraInfo, CFAPattern, Image, RawImage, normalize_mosaic  # noqa: E402

H, W = 3000, 4000  # 12 MP


def timeit(fn: Callable[[], object], runs: int) -> tuple[float, float, float]:
    fn()  # warm-up (numba compile, page cache, imports)
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e3, min(ts) * 1e3, max(ts) * 1e3


def report(name: str, ours: tuple[float, float, float], peer_name: str,
           peer: tuple[float, float, float]) -> None:
    print(f"{name:<12} ours {ours[0]:8.1f} ms [{ours[1]:.1f}-{ours[2]:.1f}]   "
          f"{peer_name:<22} {peer[0]:8.1f} ms [{peer[1]:.1f}-{peer[2]:.1f}]   "
          f"ratio {ours[0] / peer[0]:5.2f}")


def machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return (f"{platform.platform()} | {platform.processor() or platform.machine()} | "
            f"{os.cpu_count()} CPUs | load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} | "
            f"Python {platform.python_version()} | numpy {np.__version__} | "
            f"rawpy {rawpy.__version__} (LibRaw {'.'.join(map(str, rawpy.libraw_version))}) | "
            f"OpenCV {cv2.__version__}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    runs = max(5, args.runs)
    print(f"machine: {machine()}")
    print(f"median of {runs} runs after one warm-up, [min-max]")
    rng = np.random.default_rng(0)
    counts = rng.integers(512, 16384, (H, W)).astype(np.uint16)
    raw = RawImage(normalize_mosaic(counts, 512, 16383), CFAPattern("RGGB"),
                   CameraInfo(make="Brightroom", model="Bench", iso=100),
                   black_level=512, white_level=16383)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    pix = np.stack([xx / W, yy / H, 0.5 + 0.3 * np.sin(xx / 50) * np.cos(yy / 70)], -1)
    pix = np.clip(pix + rng.normal(0, 0.01, pix.shape), 0, 1).astype(np.float32)
    img = Image(pix, space="display", transfer="sRGB", metadata={"recipe": 'name = "bench"\n'})
    u8 = quantize_fast(pix, 8)
    bgr = np.ascontiguousarray(u8[..., ::-1])

    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        dng = write_dng(raw, d / "bench.dng")

        def rawpy_read() -> None:
            with rawpy.imread(str(dng)) as r:
                r.raw_image_visible  # noqa: B018 - forces unpack

        report("DNG read", timeit(lambda: read_raw(dng), runs), "rawpy open+unpack",
               timeit(rawpy_read, runs))
        report("DNG write", timeit(lambda: write_dng(raw, d / "w.dng", overwrite=True), runs),
               "tifffile.imwrite u16",
               timeit(lambda: tifffile.imwrite(d / "t.tif", counts), runs))
        ours = timeit(lambda: write_image(img, d / "o.jpg", overwrite=True), runs)
        report("JPEG write", ours, "Pillow save (u8)",
               timeit(lambda: PILImage.fromarray(u8).save(d / "p.jpg", quality=92), runs))
        report("JPEG write", ours, "cv2.imwrite (u8)",
               timeit(lambda: cv2.imwrite(str(d / "c.jpg"), bgr,
                                          [cv2.IMWRITE_JPEG_QUALITY, 92]), runs))


if __name__ == "__main__":
    main()
