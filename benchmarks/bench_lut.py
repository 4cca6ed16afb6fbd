"""3D LUT application speed: a 33^3 LUT on a 12 MP float32 photo, ours against colour-science.

The image is a 4000 x 3000 mosaic of scikit-image's photos (astronaut, coffee, chelsea, rocket),
resized with bicubic interpolation, so pixel neighbours are as coherent as in a real photo. The
LUT is a smooth "look" (a contrast curve, a warm/cool split and a saturation change baked into a
33^3 table). A uniform-noise image is timed too, as the worst case (every pixel lands in a random
lattice cell, so table reads miss the caches and the tetrahedron branch is unpredictable).

Ours: :func:`brightroom.color.lut.apply_lut` (numba, parallel, float32). Peer: colour-science's
``LUT3D.apply(..., interpolator=table_interpolation_tetrahedral)`` (NumPy, float64), run in the
same process over the same 12 MP in four 3 MP slices (to bound its memory). Both warm up first;
the median of the runs is printed with the spread, the ratio and the machine. The bar: ours
<= 0.15 s and agreement within 1e-4.

The CPU time (all threads) is printed too: on a machine shared with other jobs the wall time
depends on the load, the CPU time much less.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_lut.py [--runs N]``

References
----------
Kasson, J. M., Nin, S. I., Plouffe, W., Hafner, J. L. (1995). Performing color space conversions
with three-dimensional linear interpolation. J. Electronic Imaging 4(3), 226-250.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from brightroom.color.lut import LUT3D, apply_lut  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import colour


def photo_12mp() -> np.ndarray:
    """A 3000 x 4000 float32 mosaic of four scikit-image photos."""
    import cv2
    import skimage.data

    tiles = []
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        a = getattr(skimage.data, name)().astype(np.float32) / 255
        tiles.append(cv2.resize(a, (2000, 1500), interpolation=cv2.INTER_CUBIC))
    top = np.concatenate(tiles[:2], axis=1)
    bottom = np.concatenate(tiles[2:], axis=1)
    return np.ascontiguousarray(np.clip(np.concatenate([top, bottom], axis=0), 0, 1))


def look_lut(size: int = 33) -> LUT3D:
    """A smooth creative LUT: S-curve, warm highlights / cool shadows, +20 % saturation."""

    def fn(rgb: np.ndarray) -> np.ndarray:
        x = rgb.astype(np.float64)
        y = x.mean(axis=-1, keepdims=True)
        x = y + 1.2 * (x - y)
        x = 0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0, 1)) * 0.6 + 0.3 * (x - 0.5)
        x = x + np.array([0.03, 0.0, -0.03]) * (y - 0.5)
        return x.astype(np.float32)

    return LUT3D.from_function(fn, size, title="bench look")


def timed(fn, runs: int, cpu: list[float] | None = None) -> list[float]:  # noqa: ANN001
    out = []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        out.append(time.perf_counter() - t0)
        if cpu is not None:
            cpu.append(time.process_time() - c0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--peer-runs", type=int, default=1)
    args = ap.parse_args()

    img = photo_12mp()
    noise = np.random.default_rng(0).random(img.shape, dtype=np.float32)
    lut = look_lut()
    ctable = colour.LUT3D(lut.table.astype(np.float64))
    tet = colour.algebra.table_interpolation_tetrahedral

    apply_lut(img[:64], lut)  # warm-up (numba compile / cache load)
    ours = apply_lut(img, lut)

    def peer() -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.concatenate([ctable.apply(s.astype(np.float64), interpolator=tet)
                                   for s in np.array_split(img, 4, axis=0)], axis=0)

    ref = peer()
    err = float(np.abs(ours - ref).max())

    cpu_times: list[float] = []
    t_ours = timed(lambda: apply_lut(img, lut), args.runs, cpu_times)
    t_noise = timed(lambda: apply_lut(noise, lut), args.runs)
    t_peer = timed(peer, args.peer_runs)
    mo, mn, mp = statistics.median(t_ours), statistics.median(t_noise), statistics.median(t_peer)
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load avg {os.getloadavg()[0]:.2f}")
    print(f"image: {img.shape[1]}x{img.shape[0]} float32 ({img.shape[0] * img.shape[1] / 1e6:.1f} MP),"
          f" LUT {lut.size}^3, tetrahedral")
    print(f"ours (photo): median {mo:.3f} s  (min {min(t_ours):.3f}, max {max(t_ours):.3f}, "
          f"{args.runs} runs); CPU time {statistics.median(cpu_times):.3f} s over all threads "
          f"({statistics.median(cpu_times) / (img.size // 3) * 1e9:.1f} ns per pixel)")
    print(f"ours (uniform noise, worst case): median {mn:.3f} s  (min {min(t_noise):.3f}, "
          f"max {max(t_noise):.3f})")
    print(f"peer colour-science LUT3D.apply tetrahedral: median {mp:.3f} s ({args.peer_runs} run(s))")
    print(f"ratio peer/ours: {mp / mo:.1f}x   max |ours - peer| = {err:.2e}")
    print(f"bar: ours <= 0.15 s: {'PASS' if mo <= 0.15 else 'FAIL'};  agreement <= 1e-4: "
          f"{'PASS' if err <= 1e-4 else 'FAIL'}")


if __name__ == "__main__":
    main()
