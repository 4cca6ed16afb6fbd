"""``look apply`` to HEIC (and AVIF) against ``look apply`` to JPEG, on the same photo.

The photo is the real iPhone HEIC of ../shared/data (4032 x 3024, with a depth map and an HDR
gain map), or, without it, a 12 MP mosaic of scikit-image photos saved as HEIC first. Each case
is the whole command as a user runs it: :func:`brightroom.look_apply` reading the file, applying
the ``vibrant`` look and writing the output. The peer is the same call writing a JPEG: the bar
is HEIC within 1.5x of it. The cases alternate, after one warm-up each (numba's and FFmpeg's
first calls); the median of the runs is printed with the spread, wall and CPU time (all threads:
on a machine shared with other jobs the wall time depends on the load, the CPU time much less),
and the ratios. Also timed: the same with a JPEG input (the read is then cheap, so the encoder
weighs more), 10-bit HEIC, and AVIF.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_look_heic.py [--runs N]``
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import brightroom  # noqa: E402
    from brightroom.io import read_image, write_image  # noqa: E402
    from brightroom.types import Image  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def source(tmp: Path) -> Path:
    real = SHARED / "iphone-portrait-depth.heic"
    if real.is_file():
        return real
    import cv2
    import skimage.data

    tiles = [cv2.resize(getattr(skimage.data, n)().astype(np.float32) / 255, (2016, 1512),
                        interpolation=cv2.INTER_CUBIC)
             for n in ("astronaut", "coffee", "chelsea", "rocket")]
    a = np.concatenate([np.concatenate(tiles[:2], 1), np.concatenate(tiles[2:], 1)], 0)
    a = np.clip(a, 0, 1).astype(np.float32)
    return write_image(Image(a, space="display", transfer="sRGB"), tmp / "mosaic.heic")


def timed(fn) -> tuple[float, float]:  # noqa: ANN001
    t, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        src = source(tmp)
        jpg_in = tmp / "in.jpg"
        write_image(read_image(src), jpg_in, quality=95)
        cases = {
            "HEIC in -> JPEG": (src, "out.jpg", {}),
            "HEIC in -> HEIC": (src, "out.heic", {}),
            "HEIC in -> HEIC 10-bit": (src, "out10.heic", {"bit_depth": 10}),
            "HEIC in -> AVIF": (src, "out.avif", {}),
            "JPEG in -> JPEG": (jpg_in, "j.jpg", {}),
            "JPEG in -> HEIC": (jpg_in, "j.heic", {}),
        }
        times: dict[str, list[tuple[float, float]]] = {k: [] for k in cases}

        def run(name: str) -> tuple[float, float]:
            inp, out, kw = cases[name]
            if kw.get("bit_depth"):
                def go() -> None:
                    img = brightroom.look_apply(inp, "vibrant")
                    write_image(img, tmp / out, bit_depth=kw["bit_depth"], overwrite=True)
            else:
                def go() -> None:
                    brightroom.look_apply(inp, "vibrant", tmp / out, overwrite=True)
            return timed(go)

        for name in cases:  # warm-up
            run(name)
        for _ in range(args.runs):
            for name in cases:
                times[name].append(run(name))
        print(f"source: {src.name}; {args.runs} runs each after a warm-up")
        print(f"{'case':26s} {'wall s':>8s} {'spread':>7s} {'cpu s':>7s} {'wall/peer':>9s} "
              f"{'cpu/peer':>8s}")
        med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v),
                   max(w for w, _ in v) - min(w for w, _ in v)) for k, v in times.items()}
        for name, (w, c, spread) in med.items():
            peer = med["JPEG in -> JPEG" if name.startswith("JPEG") else "HEIC in -> JPEG"]
            print(f"{name:26s} {w:8.2f} {spread:7.2f} {c:7.2f} {w / peer[0]:9.2f} "
                  f"{c / peer[1]:8.2f}")
        sizes = {p.name: p.stat().st_size for p in tmp.glob("*") if p.name != "in.jpg"}
        print("output bytes:", ", ".join(f"{k} {v}" for k, v in sorted(sizes.items())))
    load = os.getloadavg()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
