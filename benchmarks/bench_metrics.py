"""Benchmark of brightroom.lab.metrics: MTF50 accuracy against analytic truth, and runtimes.

Accuracy: slanted edges blurred by a Gaussian PSF of known sigma and integrated exactly over the
square pixel (closed form), so the truth is ``exp(-2 pi^2 s^2 f^2) sinc(f cos t) sinc(f sin t)``;
white Gaussian noise sets the SNR (edge step / noise std). For each (sigma, angle, SNR) the
table gives the analytic MTF50, the median of ours over seeds, the median % error and the
largest |% error|.

Runtimes: median of repeated calls after a warm-up, one thread.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_metrics.py [--quick]``
No peer: no slanted-edge SFR implementation is pip-installable quickly (sfrmat is MATLAB,
MTF Mapper is C++); the analytic truth is the reference.
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

import numpy as np  # noqa: E402
from scipy.optimize import brentq  # noqa: E402
from scipy.special import ndtr  # noqa: E402

from brightroom.lab.metrics import (  # noqa: E402
    colorchecker_accuracy,
    dead_leaves_mtf,
    delta_e_2000,
    dynamic_range,
    edge_ringing,
    false_colour,
    moire,
    sfr,
    snr,
    visual_noise,
)


def _h2(u, s):
    z = u / s
    return 0.5 * ((u * u + s * s) * ndtr(z) + u * s * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi))


def render_edge(h, w, angle_deg, sigma, lo=0.2, hi=0.8, noise=0.0, seed=0):
    t = math.radians(angle_deg)
    p, q = math.cos(t), abs(math.sin(t))
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    u0 = (x - (w - 1) / 2 - 0.3) * p - (y - (h - 1) / 2) * math.sin(t)
    v = (_h2(u0 + p / 2 + q / 2, sigma) - _h2(u0 + p / 2 - q / 2, sigma)
         - _h2(u0 - p / 2 + q / 2, sigma) + _h2(u0 - p / 2 - q / 2, sigma)) / (p * q)
    img = lo + (hi - lo) * v
    if noise:
        img = img + np.random.default_rng(seed).normal(0.0, noise, img.shape)
    return img.astype(np.float32)


def analytic_mtf50(sigma, angle_deg):
    t = math.radians(angle_deg)

    def m(f):
        return (math.exp(-2 * math.pi ** 2 * sigma ** 2 * f * f)
                * np.sinc(f * math.cos(t)) * np.sinc(f * math.sin(t)))

    return brentq(lambda f: m(f) - 0.5, 1e-6, 1.0)


def timeit(fn, repeat=7):
    fn()
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), (max(ts) - min(ts))


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cpus, "
            f"Python {platform.python_version()}, NumPy {np.__version__}")


def accuracy_table(quick: bool):
    sigmas = (0.6, 1.0, 1.5, 2.0)
    angles = (5.0, 7.5, 10.0)
    snrs = (math.inf, 100.0, 30.0)
    seeds = 3 if quick else 10
    step = 0.6
    rows, all_err = [], {s: [] for s in snrs}
    per_sigma: dict[tuple[float, float], list[float]] = {}
    for sg in sigmas:
        for a in angles:
            truth = analytic_mtf50(sg, a)
            for s in snrs:
                errs, vals = [], []
                for k in range(1 if math.isinf(s) else seeds):
                    img = render_edge(100, 64, a, sg, noise=0.0 if math.isinf(s) else step / s,
                                      seed=k)
                    v = sfr(img).mtf50
                    vals.append(v)
                    errs.append(100 * (v / truth - 1))
                all_err[s].extend(errs)
                per_sigma.setdefault((sg, s), []).extend(errs)
                rows.append((sg, a, s, truth, statistics.median(vals), statistics.median(errs),
                             max(abs(e) for e in errs)))
    print("\nMTF50 accuracy, ROI 100 x 64, edge 0.2 -> 0.8, area-sampled Gaussian PSF")
    print(f"{'sigma':>6} {'angle':>6} {'SNR':>6} {'analytic':>9} {'ours(med)':>10} "
          f"{'err% med':>9} {'|err|% max':>10}")
    for sg, a, s, t, v, e, emax in rows:
        print(f"{sg:6.2f} {a:6.1f} {s:6.0f} {t:9.4f} {v:10.4f} {e:+9.2f} {emax:10.2f}")
    print("\nper sigma, median over angles 5/7.5/10 and seeds (the BAR: |median| < 2 %):")
    for (sg, s), e in sorted(per_sigma.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
        print(f"  sigma {sg:4.2f} SNR {s:>4.0f}: median error {statistics.median(e):+.2f} %")
    for s, e in all_err.items():
        print(f"SNR {s:>4.0f}: median error {statistics.median(e):+.2f} %, "
              f"median |error| {statistics.median(abs(x) for x in e):.2f} %, n = {len(e)}")


def runtimes():
    rng = np.random.default_rng(0)
    edge = render_edge(100, 64, 5.0, 1.0, noise=0.02)
    big_edge = render_edge(400, 200, 5.0, 1.0, noise=0.02)
    dl = rng.random((512, 512)).astype(np.float32)
    flat = (0.3 + 0.01 * rng.normal(size=(256, 256, 3))).astype(np.float32)
    lab1 = rng.uniform(-50, 80, (100_000, 3))
    lab2 = lab1 + rng.normal(0, 3, lab1.shape)
    steps = [(s + 0.01 * rng.normal(size=(64, 64))).astype(np.float32)
             for s in np.geomspace(0.9, 0.001, 20)]
    zp = np.repeat(dl[..., None], 3, axis=2)
    cases = [
        ("sfr 100x64 ROI", lambda: sfr(edge)),
        ("sfr 400x200 ROI", lambda: sfr(big_edge)),
        ("edge_ringing 100x64", lambda: edge_ringing(edge)),
        ("dead_leaves_mtf 512^2 + ref + noise", lambda: dead_leaves_mtf(
            dl, reference=dl, noise_patch=flat[..., 0])),
        ("snr 256^2 RGB", lambda: snr(flat)),
        ("visual_noise 256^2", lambda: visual_noise(flat)),
        ("delta_e_2000 1e5 pairs", lambda: delta_e_2000(lab1, lab2)),
        ("colorchecker_accuracy", lambda: colorchecker_accuracy(
            np.full((24, 3), 0.2), np.tile([50.0, 0, 0], (24, 1)))),
        ("dynamic_range 20 steps 64^2", lambda: dynamic_range(steps)),
        ("false_colour 512^2", lambda: false_colour(zp)),
        ("moire 512^2", lambda: moire(zp, dl)),
    ]
    print(f"\n{'metric':<38} {'median ms':>10} {'spread ms':>10}")
    for name, fn in cases:
        t, spread = timeit(fn)
        print(f"{name:<38} {1e3 * t:10.2f} {1e3 * spread:10.2f}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 seeds instead of 10")
    args = ap.parse_args(argv)
    print("machine:", machine())
    accuracy_table(args.quick)
    runtimes()
    return 0


if __name__ == "__main__":
    sys.exit(main())
