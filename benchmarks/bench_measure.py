"""Benchmark of brightroom.lab.measure: real and simulated photos of charts.

1. The real Canon ColorChecker DNG (``../shared/data/colorchecker-canon.dng``): found without
   manual corners, measured after the ``neutral`` develop; the peer is LibRaw's own as-shot
   rendering of the same file (rawpy ``postprocess``, linear sRGB) measured the same way.
2. Simulated photos (``lab.camera.simulate`` -> ``neutral`` -> JPEG q95 and 16-bit PNG ->
   ``measure_photo``) against the simulator's truth: ColorChecker dE00 / white balance,
   slanted-edge MTF50 against ``camera_mtf``, grey-step span against the chart's densities.
3. Runtimes: median of repeated ``measure_*`` calls on linear arrays after a warm-up, and one
   end-to-end ``measure_photo`` of the DNG (read + develop + detect + measure).

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_measure.py [--quick]``
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import brightroom  # noqa: E402
from brightroom import charts  # noqa: E402
from brightroom.color.spaces import decode  # noqa: E402
from brightroom.lab.camera import camera_mtf, simulate  # noqa: E402
from brightroom.lab.measure import (  # noqa: E402
    load_linear,
    measure_colorchecker,
    measure_gray_steps,
    measure_photo,
    measure_slanted_edge,
)

REPO = Path(__file__).resolve().parents[1]
CANON = REPO.parent / "shared" / "data" / "colorchecker-canon.dng"


def machine() -> str:
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
            f"{platform.processor() or 'unknown CPU'}, Python {platform.python_version()}, "
            f"numpy {np.__version__}")


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm-up
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts), (max(ts) - min(ts))


def real_dng(repeat: int) -> None:
    print("\n== Real ColorChecker DNG (Canon EOS 550D), no manual corners ==")
    if not CANON.exists():
        print(f"skipped: {CANON} is absent")
        return
    t = time.perf_counter()
    r = measure_photo(CANON, "colorchecker")
    t_photo = time.perf_counter() - t
    print(f"detection {r['detection']}, corners {np.round(r['corners'], 1).tolist()}")
    print(f"{'':28}{'ours':>10}{'peer':>10}{'ratio':>8}   (peer: LibRaw as-shot render)")
    peer = None
    try:
        import rawpy

        with rawpy.imread(str(CANON)) as raw:
            rgb = raw.postprocess(use_camera_wb=True, gamma=(1, 1), no_auto_bright=True,
                                  output_bps=16, output_color=rawpy.ColorSpace.sRGB)
        peer = measure_colorchecker(rgb.astype(np.float32) / 65535)
    except ImportError:
        pass
    for key in ("delta_e00_mean", "delta_e00_max", "delta_c00_mean",
                "delta_e00_mean_wb_corrected", "wb_angular_error_deg", "neutral_mean_abs_a",
                "neutral_mean_abs_b", "neutral_r_over_g", "neutral_b_over_g", "exposure_ev",
                "grey_snr_db"):
        o = r[key]
        p = peer[key] if peer else float("nan")
        ratio = o / p if peer and p else float("nan")
        print(f"{key:<28}{o:10.3f}{p:10.3f}{ratio:8.3f}")
    print("neutral patches (a*, b*, R/G, B/G, SNR dB):")
    for n in r["neutrals"]:
        print(f"  {n['patch']:>2} {n['name']:<22} a* {n['a']:6.2f}  b* {n['b']:6.2f}  "
              f"R/G {n['r_over_g']:.3f}  B/G {n['b_over_g']:.3f}  SNR {n['snr_db']:.1f} dB")
    photo = load_linear(CANON)
    lin, space = photo.linear, photo.space
    med, spread = timed(lambda: measure_colorchecker(lin, space=space), repeat)
    print(f"time: measure_photo end to end {t_photo:.2f} s (once); measure_colorchecker on the "
          f"{lin.shape[1]}x{lin.shape[0]} linear frame {med * 1e3:.0f} ms (median of {repeat}, "
          f"spread {spread * 1e3:.0f} ms)")
    try:
        e = measure_slanted_edge(lin)
        print(f"slanted-edge search on the same frame: MTF50 {e['mtf50']:.3f} c/px at "
              f"{e['angle_deg']:.1f} deg, ROI {e['roi']} (the chart's frame edge)")
    except brightroom.errors.BrightroomError as ex:
        print(f"slanted-edge search on the same frame: {ex}")
    try:
        g = measure_gray_steps(lin)
        print(f"gray-steps search on the same frame: {g['n_steps']} steps ({g['layout']}), "
              f"span {g['span_stops']:.2f} stops")
    except brightroom.errors.BrightroomError as ex:
        print(f"gray-steps search on the same frame: {ex}")


def _photo(scene, camera: str, lux: float, tmp: Path, name: str, seed: int = 1):
    raw = simulate(scene, camera, lux=lux, cct=5000, seed=seed)
    img = brightroom.develop(raw, recipe="neutral")
    jpg = brightroom.write(img, tmp / f"{name}.jpg", quality=95)
    png = brightroom.write(img, tmp / f"{name}.png", bit_depth=16)
    return raw, img, {"jpg": jpg, "png": png}


def _mtf50_truth(camera: str) -> float:
    f = np.linspace(0, 0.5, 5001)
    m = camera_mtf(f, camera)
    return float(f[np.argmax(m < 0.5)])


def simulated(quick: bool, repeat: int) -> None:
    cams = [("flagship-2022", 300.0), ("flagship-2022", 10.0), ("one-inch", 100.0)]
    if not quick:
        cams += [("budget-phone", 300.0), ("budget-phone", 5.0)]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print("\n== Simulated ColorChecker (neutral recipe), truth: X-Rite Lab / neutral greys ==")
        print(f"{'camera':<15}{'lux':>6}{'file':>5}{'dE00 mean':>10}{'dE00 max':>9}"
              f"{'WB deg':>8}{'|a*|':>6}{'|b*|':>6}{'EV':>7}")
        for cam, lux in cams:
            _, _, files = _photo(charts.colorchecker(32), cam, lux, tmp, f"cc-{cam}-{lux:g}")
            for ext, p in files.items():
                r = measure_photo(p, "colorchecker")
                print(f"{cam:<15}{lux:6g}{ext:>5}{r['delta_e00_mean']:10.2f}"
                      f"{r['delta_e00_max']:9.2f}{r['wb_angular_error_deg']:8.2f}"
                      f"{r['neutral_mean_abs_a']:6.2f}{r['neutral_mean_abs_b']:6.2f}"
                      f"{r['exposure_ev']:7.2f}")
        print("\n== Simulated slanted edge (5 deg), truth: camera_mtf (lens x pixel) MTF50 ==")
        print(f"{'camera':<15}{'lux':>6}{'file':>5}{'truth':>8}{'ours':>8}{'err %':>7}"
              f"{'angle':>7}{'MTF Nyq/2':>10}{'overshoot %':>12}")
        for cam, lux in cams:
            _, _, files = _photo(charts.slanted_edge((200, 240), angle_deg=5.0), cam, lux, tmp,
                                 f"edge-{cam}-{lux:g}")
            truth = _mtf50_truth(cam)
            for ext, p in files.items():
                r = measure_photo(p, "slanted-edge")
                err = 100 * (r["mtf50"] / truth - 1)
                print(f"{cam:<15}{lux:6g}{ext:>5}{truth:8.3f}{r['mtf50']:8.3f}{err:7.1f}"
                      f"{r['angle_deg']:7.2f}{r['mtf_nyquist_half']:10.3f}"
                      f"{r['overshoot_pct']:12.2f}")
        print("  (low light: the neutral recipe's noise reduction lowers the MTF - a real "
              "effect of the pipeline, not of the measurement)")
        print("\n== Simulated grey steps (12 x 0.15 D, one row), truth: 10**-density ==")
        scene = charts.gray_steps(12, density_step=0.15, columns=12, patch_size=24)
        refl = np.asarray(scene.ground_truth["reflectances"])
        span_truth = math.log2(refl[0] / refl[-1])
        print(f"{'camera':<15}{'lux':>6}{'file':>5}{'steps':>6}{'span':>7}{'truth':>7}"
              f"{'max |ratio err| %':>18}{'DR (SNR=1)':>11}")
        for cam, lux in cams:
            _, _, files = _photo(scene, cam, lux, tmp, f"steps-{cam}-{lux:g}")
            for ext, p in files.items():
                try:
                    r = measure_photo(p, "gray-steps")
                except brightroom.errors.ChartNotFoundError as ex:
                    print(f"{cam:<15}{lux:6g}{ext:>5}  not found: {ex}")
                    continue
                m = np.array([s["mean"] for s in r["steps"]])
                if m.size == refl.size:
                    rat = m / refl
                    err = 100 * float(np.max(np.abs(rat / rat[0] - 1)))
                else:
                    err = float("nan")
                dr = r["dynamic_range_stops"]
                print(f"{cam:<15}{lux:6g}{ext:>5}{r['n_steps']:6d}{r['span_stops']:7.2f}"
                      f"{span_truth:7.2f}{err:18.1f}{dr if dr is not None else float('nan'):11.2f}")
        # runtimes on arrays
        _, img, _ = _photo(charts.colorchecker(32), "flagship-2022", 300.0, tmp, "t-cc")
        lin_cc = decode(img.data, "sRGB")
        _, img, _ = _photo(charts.slanted_edge((200, 240), angle_deg=5.0), "flagship-2022",
                           300.0, tmp, "t-edge")
        lin_edge = decode(img.data, "sRGB")
        _, img, _ = _photo(scene, "flagship-2022", 300.0, tmp, "t-steps")
        lin_steps = decode(img.data, "sRGB")
        print(f"\n== Runtimes (median of {repeat} after a warm-up, one thread) ==")
        for name, fn, shape in (
            ("measure_colorchecker", lambda: measure_colorchecker(lin_cc), lin_cc.shape),
            ("measure_slanted_edge", lambda: measure_slanted_edge(lin_edge), lin_edge.shape),
            ("measure_gray_steps", lambda: measure_gray_steps(lin_steps), lin_steps.shape),
        ):
            med, spread = timed(fn, repeat)
            print(f"{name:<22}{shape[1]}x{shape[0]:<6}{med * 1e3:8.1f} ms  "
                  f"(spread {spread * 1e3:.1f} ms)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer cameras and repeats")
    args = ap.parse_args(argv)
    repeat = 3 if args.quick else 7
    print(f"bench_measure on {machine()}")
    real_dng(repeat)
    simulated(args.quick, repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
