"""``brightroom batch develop`` on Dask against ``brightroom develop`` of the same files.

Makes N lab-simulated DNGs (the virtual camera, dead-leaves scenes, ``--megapixels`` each), then
runs, as a user would, each as a whole command (start-up counted):

* **serial**: ``brightroom develop in/*.dng -o DIR/`` (one process, one file after another;
  numba and OpenCV use both cores inside each file);
* **batch**: ``brightroom batch develop in/ -o DIR`` with the default local cluster (one
  single-threaded worker per core, as threads of the batch's process);
* **1 x 1** and **2 x 1**: ``--workers 1 --threads-per-worker 1`` and ``--workers 2
  --threads-per-worker 1`` (scaling with one-thread workers);
* **proc**: the default shape with ``--processes`` (spawned worker processes under nannies),
  for the choice of the default (not a bar).

Bars (issue 19): batch wall <= 1.1 x serial; 2 x 1 throughput >= 1.7 x that of 1 x 1; every
batch output decodes to the same pixels as the serial one. The cases alternate over ``--runs``
rounds; medians are printed with the load average, since this machine is shared.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_batch.py [--files 24]
[--megapixels 6] [--runs 2]``
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import brightroom
from brightroom.charts.dead_leaves import dead_leaves
from brightroom.io.dng import write_dng
from brightroom.lab.camera import simulate

CLI = [sys.executable, "-m", "brightroom.cli.main"]


def make_inputs(folder: Path, n: int, megapixels: float) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    h = int(round((megapixels * 1e6 / 1.5) ** 0.5 / 2)) * 2
    w = int(round(h * 1.5 / 2)) * 2
    scene = dead_leaves((h, w), color=True, seed=0)
    files = []
    for i in range(n):
        raw = simulate(scene, lux=100 + 30 * i, seed=i)
        files.append(write_dng(raw, folder / f"img{i:03d}.dng"))
    return files


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the command and its worker processes)."""
    c0, t0 = _children_cpu(), time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{run.stderr}")
    return time.perf_counter() - t0, _children_cpu() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=24)
    ap.add_argument("--megapixels", type=float, default=6.0)
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        t0 = time.perf_counter()
        files = make_inputs(work / "in", args.files, args.megapixels)
        print(f"inputs: {len(files)} DNGs of {args.megapixels:g} MP in {time.perf_counter() - t0:.0f} s")
        # warm numba's cache (compile time stays out of the figures)
        brightroom.develop(files[0], work / "warm.jpg")
        cases = {
            "serial": lambda out: [*CLI, "develop", *map(str, files), "-o", f"{out}/"],
            "batch": lambda out: [*CLI, "batch", "develop", str(work / "in"), "-o", str(out)],
            "1x1": lambda out: [*CLI, "batch", "develop", str(work / "in"), "-o", str(out),
                                "--workers", "1", "--threads-per-worker", "1"],
            "2x1": lambda out: [*CLI, "batch", "develop", str(work / "in"), "-o", str(out),
                                "--workers", "2", "--threads-per-worker", "1"],
            "proc": lambda out: [*CLI, "batch", "develop", str(work / "in"), "-o", str(out),
                                 "--processes"],
        }
        times: dict[str, list[float]] = {k: [] for k in cases}
        cpu: dict[str, list[float]] = {k: [] for k in cases}
        loads = []
        for r in range(args.runs):
            for name, cmd in cases.items():
                out = work / f"out-{name}-{r}"
                loads.append(os.getloadavg()[0])
                wall, used = timed(cmd(out))
                times[name].append(wall)
                cpu[name].append(used)
        # same pixels: the default batch's outputs against the serial ones
        diffs = []
        for f in files:
            a = np.asarray(brightroom.read_image(work / "out-serial-0" / f"{f.stem}.jpg").data)
            b = np.asarray(brightroom.read_image(work / "out-batch-0" / f"{f.stem}.jpg").data)
            diffs.append(float(np.abs(a.astype(np.float64) - b).max()) * 255)
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"machine: {os.cpu_count()} cores, load average during the runs "
              f"{min(loads):.1f}-{max(loads):.1f}")
        print(f"{'case':<8} {'median s':>9} {'best s':>7} {'files/s':>8} {'CPU s':>7}   runs")
        for k, v in times.items():
            print(f"{k:<8} {med[k]:9.2f} {min(v):7.2f} {args.files / med[k]:8.2f} "
                  f"{statistics.median(cpu[k]):7.2f}   " + " ".join(f"{x:.2f}" for x in v))
        print(f"batch / serial wall:          {med['batch'] / med['serial']:.3f}  (bar <= 1.10)")
        print(f"2x1 / 1x1 throughput:         {med['1x1'] / med['2x1']:.3f}  (bar >= 1.70)")
        best = {k: min(v) for k, v in times.items()}  # noise only adds time: a quiet-machine view
        print(f"best-of-runs: batch / serial {best['batch'] / best['serial']:.3f}, "
              f"2x1 / 1x1 {best['1x1'] / best['2x1']:.3f}")
        print(f"processes / threads (default): {med['proc'] / med['batch']:.3f}")
        print(f"same pixels (max |diff|, codes): {max(diffs):.3g} over {len(diffs)} files")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
