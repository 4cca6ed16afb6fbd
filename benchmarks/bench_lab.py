"""Lab bar: a full ``lab score`` run of one pipeline takes <= 60 s on the 2-core machine.

For ``brightroom:default``, ``brightroom:neutral`` and the peer ``rawpy`` (LibRaw AHD):

* time the full scoring run (the ``full`` plan: 5 lighting conditions, every chart), median of
  ``--runs`` runs after a warm-up run on the tiny plan (numba compilation excluded);
* print the overall score and the sub-scores side by side, and a few key measurements;
* reproducibility: two runs with the same seed, maximum absolute difference over every score
  (overall, attributes, per condition, components) and every measured number;
* print the machine.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_lab.py [--runs 3] [--camera ...]``
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

BAR_S = 60.0
PIPELINES = ("brightroom:default", "brightroom:neutral", "rawpy")
KEY_METRICS = (("de00_mean", ".2f"), ("wb_error_deg", ".2f"), ("ev_error", "+.2f"),
               ("mtf50", ".3f"), ("texture_acutance", ".3f"), ("snr_db", ".1f"),
               ("visual_noise", ".2f"), ("overshoot_pct", ".1f"), ("false_colour_chroma", ".2f"),
               ("moire_index", ".1f"), ("dr_stops", ".1f"))


def machine() -> str:
    import numpy as np

    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs "
            f"({platform.processor() or 'unknown'}), Python {platform.python_version()}, "
            f"NumPy {np.__version__}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def all_numbers(r) -> dict[str, float]:
    """Every score and measured number of a run, flattened."""
    out = {"overall": r.score.overall}
    out.update({f"attr/{k}": v for k, v in r.score.attributes.items() if v is not None})
    for c, attrs in r.score.per_condition.items():
        out.update({f"cond/{c}/{a}": v for a, v in attrs.items()})
    for c, attrs in r.score.components.items():
        for a, comps in attrs.items():
            out.update({f"comp/{c}/{a}/{m}": v for m, v in comps.items()})
    for c in r.conditions:
        out.update({f"metric/{c.condition.name}/{k}": v for k, v in c.metrics.items()
                    if v is not None})
    return out


def max_abs_diff(a: dict[str, float], b: dict[str, float]) -> tuple[float, str]:
    if set(a) != set(b):
        return math.inf, f"different keys: {sorted(set(a) ^ set(b))[:4]}"
    worst, key = 0.0, ""
    for k in a:
        d = abs(a[k] - b[k])
        if d > worst:
            worst, key = d, k
    return worst, key


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="timed full runs per pipeline [3]")
    ap.add_argument("--camera", default="flagship-2022")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pipelines", nargs="*", default=list(PIPELINES))
    args = ap.parse_args()

    from brightroom.lab.run import run_lab
    from brightroom.lab.score import SCORE_VERSION

    print(f"machine: {machine()}")
    print(f"camera {args.camera}, seed {args.seed}, plan full, score version {SCORE_VERSION}, "
          f"{args.runs} timed runs after a warm-up")
    results, times, repro, failed = {}, {}, {}, {}
    for name in args.pipelines:
        try:
            run_lab(name, camera=args.camera, seed=args.seed, conditions="tiny")  # warm-up
            ts, runs = [], []
            for _ in range(max(args.runs, 2)):
                t = time.perf_counter()
                runs.append(run_lab(name, camera=args.camera, seed=args.seed, conditions="full"))
                ts.append(time.perf_counter() - t)
        except Exception as e:  # report and go on with the other pipelines
            failed[name] = f"{type(e).__name__}: {' '.join(str(e).split())[:160]}"
            print(f"{name:<20} FAILED  {failed[name]}")
            continue
        results[name], times[name] = runs[0], ts
        repro[name] = max_abs_diff(all_numbers(runs[0]), all_numbers(runs[1]))
        r = runs[0]
        stage = {k: sum(c.timings[k] for c in r.conditions) for k in ("simulate_s", "pipeline_s",
                                                                      "measure_s")}
        print(f"{name:<20} full run median {statistics.median(ts):6.2f} s (min {min(ts):.2f}, "
              f"max {max(ts):.2f}; simulate {stage['simulate_s']:.2f} s, pipeline "
              f"{stage['pipeline_s']:.2f} s, measure {stage['measure_s']:.2f} s) "
              f"{'OK' if statistics.median(ts) <= BAR_S else 'OVER'} vs bar {BAR_S:.0f} s")
    if not results:
        return 1
    names = list(results)
    w = max(20, *(len(n) + 2 for n in names))
    print()
    print(f"{'score':<22}" + "".join(f"{n:>{w}}" for n in names))
    first = results[names[0]]
    for attr in ["overall", *first.score.attributes]:
        row = []
        for n in names:
            v = results[n].score.overall if attr == "overall" else results[n].score.attributes[attr]
            row.append(f"{'excluded' if v is None else f'{v:.1f}':>{w}}")
        print(f"{attr:<22}" + "".join(row))
    for cond in [c.condition.name for c in first.conditions]:
        print(f"\nmeasurements at {cond}")
        for key, fmt in KEY_METRICS:
            vals = []
            for n in names:
                c = next(c for c in results[n].conditions if c.condition.name == cond)
                v = c.metrics.get(key, "n/a")
                vals.append(f"{'n/a' if v == 'n/a' else ('failed' if v is None else format(v, fmt)):>{w}}")
            if any(v.strip() != "n/a" for v in vals):
                print(f"  {key:<20}" + "".join(vals))
    print("\nreproducibility (two full runs, same seed): max |difference| over all scores and metrics")
    for n in names:
        d, k = repro[n]
        print(f"  {n:<20} {d:.3g}  ({k or 'all equal'}) {'OK' if d <= 1e-6 else 'NOT REPRODUCIBLE'}")
    for n, msg in failed.items():
        print(f"  {n:<20} not run: {msg}")
    ok = all(statistics.median(times[n]) <= BAR_S and repro[n][0] <= 1e-6 for n in names)
    return 0 if ok and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
