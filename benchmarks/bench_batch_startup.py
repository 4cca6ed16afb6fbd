"""Where a batch's start-up goes: each piece in a fresh process, in CPU and wall seconds.

On a shared machine wall times swing with the load; CPU seconds (user + system of the process
and its children) say what each piece costs whatever the load. Pieces:

* ``python``: the interpreter alone; ``cli``: ``import brightroom.cli.main`` (what ``brightroom
  develop`` pays before its first file); ``cli+batch``: also ``brightroom.cli.batch``;
* ``distributed``: ``import distributed`` on top of the CLI's imports;
* ``warm``: :func:`brightroom.batch.warm.warm` in a fresh process (the pipeline's imports and
  numba's cached kernels: what the first file of any fresh process pays);
* ``cluster threads`` / ``cluster processes``: start and close a ``LocalCluster`` of 2
  one-thread workers, threads of this process or spawned processes (their imports and the
  preload warm-up included: one round trip per worker after it is up);
* ``hash``: BLAKE2b of ``--files`` inputs of ``--megapixels`` (the manifest's content hashes).

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_batch_startup.py [--files 24]
[--megapixels 6] [--runs 3]``
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

CLUSTER = """
from brightroom.batch import engine
from brightroom.batch.warm import wait
if __name__ == "__main__":
    with engine.connect(workers=2, threads_per_worker=1, processes={processes}) as (c, info):
        c.run(wait)
"""

PIECES = {
    "python": "pass",
    "cli": "import brightroom.cli.main",
    "cli+batch": "import brightroom.cli.main, brightroom.cli.batch",
    "distributed": "import brightroom.cli.main, brightroom.cli.batch, distributed",
    "warm": "from brightroom.batch import warm; warm.warm()",
    "cluster threads": CLUSTER.format(processes=False),
    "cluster processes": CLUSTER.format(processes=True),
}


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measure(code: str, cwd: Path) -> tuple[float, float]:
    script = cwd / "piece.py"
    script.write_text(code)
    c0, t0 = _children_cpu(), time.perf_counter()
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=cwd)
    if run.returncode != 0:
        raise SystemExit(f"{code!r} failed:\n{run.stderr}")
    return time.perf_counter() - t0, _children_cpu() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=24)
    ap.add_argument("--megapixels", type=float, default=6.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-batch-startup-"))
    try:
        from brightroom.batch import warm
        from brightroom.batch.manifest import file_hash

        warm.warm()  # numba's cache is filled before anything is timed
        rows: dict[str, list[tuple[float, float]]] = {k: [] for k in PIECES}
        rows["hash"] = []
        # raw-sized files of random bytes (hashing does not care what they hold)
        size = int(args.megapixels * 1e6 * 2 * 0.95)
        inputs = []
        for i in range(args.files):
            p = work / f"in{i:03d}.dng"
            p.write_bytes(os.urandom(size))
            inputs.append(p)
        loads = []
        for _ in range(args.runs):
            for name, code in PIECES.items():
                loads.append(os.getloadavg()[0])
                rows[name].append(measure(code, work))
            c0, t0 = time.process_time(), time.perf_counter()
            for p in inputs:
                file_hash(p)
            rows["hash"].append((time.perf_counter() - t0, time.process_time() - c0))
        print(f"machine: {os.cpu_count()} cores, load average during the runs "
              f"{min(loads):.1f}-{max(loads):.1f}; medians of {args.runs} runs")
        print(f"{'piece':<18} {'wall s':>7} {'CPU s':>7}")
        for name, v in rows.items():
            print(f"{name:<18} {statistics.median(w for w, _ in v):7.2f} "
                  f"{statistics.median(c for _, c in v):7.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
