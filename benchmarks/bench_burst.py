"""Burst bars: night merge quality vs one frame and vs OpenCV, ghosts, HDR range, speed.

Scenes are rendered by the lab's spectral camera (flagship-2022 preset, 5000 K) as hand-held
bursts (``simulate_burst``: random shake ~2 px, 0.1 deg rotation, a moving subject), lens off
so that the truth is exactly the scene. Every method's output is developed by the same
``neutral`` recipe and scored against ``charts.scene_truth_rgb`` with the same treatment
(decode to linear, least-squares exposure scale against the truth, sRGB re-encode, PSNR over
the image minus an 8-pixel border: :func:`brightroom.color.metrics.exposure_fitted_psnr`):

* ``single``: the reference frame alone (raw denoise with its own noise profile);
* ``ours``: ``brightroom.burst.merge`` (Wiener) then the same recipe (the raw denoiser sees the
  merged noise profile);
* ``average``: our robust-average baseline;
* ``opencv``: ``cv2.fastNlMeansDenoisingColoredMulti`` on the developed 8-bit frames (recipe
  without raw denoise), warped onto the reference with the *ground-truth* warps (its best
  case), temporal window 7 centred on the reference, ``h`` chosen as the best of a sweep
  (also its best case).

Sections: ``quality`` (the PSNR table, 8 frames at ISO 6400, 1-20 lux, including PSNR inside
the moving subject), ``hdr`` (dynamic range on the 14-stop step chart, halo at a bright/dark
edge), ``night`` (a planned burst at 1 lux), ``speed`` (8 x 12 MP align + merge: median time,
MP/s, peak memory).

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_burst.py [--quick] [--section S]``
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

import brightroom  # noqa: E402
from brightroom.burst import AlignParams, BurstWarning, merge, merge_hdr, plan_burst  # noqa: E402
from brightroom.charts import dynamic_range_steps, natural, slanted_edge  # noqa: E402
from brightroom.charts.scene import scene_truth_rgb  # noqa: E402
from brightroom.color.metrics import exposure_fitted_psnr  # noqa: E402
from brightroom.color.spaces import srgb_decode  # noqa: E402
from brightroom.lab.camera import simulate, simulate_burst  # noqa: E402
from brightroom.lab.camera.burst import SubjectMotion  # noqa: E402
from brightroom.types import NoiseProfile  # noqa: E402,F401

BORDER = 8
CCT = 5000.0


def machine() -> str:
    return (f"{platform.platform()} - {platform.processor() or platform.machine()} - "
            f"{os.cpu_count()} cpus - python {sys.version.split()[0]} - numpy {np.__version__} "
            f"- opencv {cv2.__version__}")


def recipe(denoise: bool = True):
    import importlib

    # register the neutral recipe's stages directly (a stage module of another recipe that is
    # being edited must not stop this benchmark)
    for m in ("denoise", "white_balance", "demosaic", "highlights", "colour", "output"):
        importlib.import_module(f"brightroom.develop.{m}")
    r = brightroom.load_recipe("neutral")
    if not denoise:
        from brightroom.develop.recipe import Recipe

        r = Recipe(r.name + "-nodenoise", tuple((n, p) for n, p in r.steps if n != "denoise_raw"),
                   r.description)
    return r


def develop_linear(raw, rec) -> np.ndarray:
    return srgb_decode(brightroom.develop(raw, recipe=rec).data)


def opencv_multi(frames, ref: int, rec, hs=(10, 15, 22, 30, 40)) -> dict[float, np.ndarray]:
    """fastNlMeansDenoisingColoredMulti on 8-bit developed frames warped by the true warps."""
    imgs = []
    for f in frames:
        disp = brightroom.develop(f, recipe=rec).data
        u8 = np.clip(np.rint(disp * 255), 0, 255).astype(np.uint8)
        w = np.asarray(f.metadata["lab"]["burst"]["warp"], np.float64)
        h, wd = u8.shape[:2]
        # frame pixel p shows scene W p; the reference is the scene: dst(q) = frame(W^-1 q)
        imgs.append(cv2.warpAffine(u8, w, (wd, h), flags=cv2.INTER_LINEAR,
                                   borderMode=cv2.BORDER_REFLECT))
    # temporal window 7 centred on the reference
    others = [i for i in range(len(frames)) if i != ref][:6]
    order = others[:3] + [ref] + others[3:]
    stack = [cv2.cvtColor(imgs[i], cv2.COLOR_RGB2BGR) for i in order]
    out = {}
    for h in hs:
        den = cv2.fastNlMeansDenoisingColoredMulti(stack, 3, 7, None, h, h, 7, 21)
        out[h] = srgb_decode(cv2.cvtColor(den, cv2.COLOR_BGR2RGB).astype(np.float32) / 255)
    return out


def section_quality(quick: bool) -> None:
    print("\n## night merge quality: 8 frames, ISO 6400, hand-held, moving subject")
    scenes = ("coffee",) if quick else ("coffee", "astronaut", "chelsea")
    luxes = (5.0,) if quick else (1.0, 5.0, 20.0)
    mp = 0.5 if quick else 1.0
    rec, rec_nd = recipe(True), recipe(False)
    rows = []
    for name in scenes:
        scene = natural(name, megapixels=mp)
        truth = scene_truth_rgb(scene, "sRGB", illuminant=CCT)
        h, w = scene.shape
        box = (h // 3, w // 5, h // 3 + h // 5, w // 5 + w // 6)
        subject = SubjectMotion(box, velocity=(0.5, 3.0))
        for lux in luxes:
            frames = simulate_burst(scene, n=8, lux=lux, cct=CCT, iso=6400, shake_px=2.0,
                                    rotation_deg=0.1, moving_subject=subject, seed=int(lux * 7),
                                    optics=False)
            mask = np.asarray(frames[0].metadata["lab"]["burst"]["subject_mask"], bool)
            single = develop_linear(frames[0], rec)
            t = time.perf_counter()
            merged = merge(frames, ref=0)
            t_merge = time.perf_counter() - t
            ours = develop_linear(merged, rec)
            avg = develop_linear(merge(frames, ref=0, method="average"), rec)
            p_single, k_s = exposure_fitted_psnr(single, truth, border=BORDER)
            p_ours, k_o = exposure_fitted_psnr(ours, truth, border=BORDER)
            p_avg, _ = exposure_fitted_psnr(avg, truth, border=BORDER)
            cvs = opencv_multi(frames, 0, rec_nd)
            cv_scores = {hh: exposure_fitted_psnr(v, truth, border=BORDER)[0]
                         for hh, v in cvs.items()}
            best_h = max(cv_scores, key=cv_scores.get)
            p_cv = cv_scores[best_h]
            s_single = exposure_fitted_psnr(single, truth, k=k_s, mask=mask, border=BORDER)[0]
            s_ours = exposure_fitted_psnr(ours, truth, k=k_o, mask=mask, border=BORDER)[0]
            info = merged.metadata["burst_merge"]
            rows.append((name, lux, p_single, p_ours, p_avg, p_cv, best_h, s_single, s_ours,
                         info["effective_frames"], t_merge))
            print(f"{name:<10} {lux:>4.0f} lux  t={frames[0].camera.exposure_time * 1000:.1f} ms: "
                  f"single {p_single:.2f}  ours {p_ours:.2f}  average {p_avg:.2f}  "
                  f"opencv(h={best_h}) {p_cv:.2f}  | subject: single {s_single:.2f} ours "
                  f"{s_ours:.2f}  | Neff {info['effective_frames']:.2f}  merge {t_merge:.2f} s",
                  flush=True)
    print("\n| scene | lux | single dB | ours dB | ours - single | average dB | OpenCV multi dB "
          "(best h) | ours - OpenCV | subject: single | subject: ours |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]:g} | {r[2]:.2f} | {r[3]:.2f} | {r[3] - r[2]:+.2f} | {r[4]:.2f} | "
              f"{r[5]:.2f} ({r[6]}) | {r[3] - r[5]:+.2f} | {r[7]:.2f} | {r[8]:.2f} |")
    gain = min(r[3] - r[2] for r in rows)
    vs_cv = min(r[3] - r[5] for r in rows)
    subj = min(r[8] - r[7] for r in rows)
    print(f"\nBAR merge >= 5 dB over the reference alone: min {gain:+.2f} dB -> "
          f"{'MET' if gain >= 5 else 'NOT MET'}")
    print(f"BAR beats OpenCV fastNlMeansDenoisingColoredMulti by >= 1 dB: min {vs_cv:+.2f} dB -> "
          f"{'MET' if vs_cv >= 1 else 'NOT MET'}")
    print(f"BAR subject PSNR no worse than the reference alone: min {subj:+.2f} dB -> "
          f"{'MET' if subj >= 0 else 'NOT MET'}")


def _patches(lin: np.ndarray, boxes: np.ndarray, inset: int = 4) -> list[np.ndarray]:
    return [lin[y0 + inset:y1 - inset, x0 + inset:x1 - inset] for y0, x0, y1, x1 in boxes]


def _bracket(scene, evs, lux, seed=0, base_t=None):
    ref = simulate(scene, lux=lux, cct=CCT, iso=100, seed=seed, optics=False)
    t0 = ref.camera.exposure_time if base_t is None else base_t
    frames = []
    for i, ev in enumerate(evs):
        f = simulate_burst(scene, n=1, lux=lux, cct=CCT, iso=100, exposure_time=t0 * 2.0**ev,
                           seed=seed + 10 * i + 1, optics=False, shake_px=0.0,
                           rotation_deg=0.0)[0]
        frames.append(f)
    return frames


def section_hdr(quick: bool) -> None:
    from brightroom.lab.metrics import dynamic_range, edge_ringing

    print("\n## HDR: 14-stop step chart, bracket EV -4 / 0 / +4 vs the EV 0 frame alone")
    scene = dynamic_range_steps(14, peak=8.0, patch_size=40, columns=7, gap=8, background=0.0)
    boxes = np.asarray(scene.ground_truth["boxes"])
    frames = _bracket(scene, (0.0, -4.0, 4.0), lux=300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BurstWarning)
        hdr = merge_hdr(frames, ref=0)
    results = {}
    for label, raw in (("single EV0", frames[0]), ("HDR merge", hdr)):
        g = raw.cfa[1::2, 0::2] if raw.pattern.pattern == "RGGB" else raw.cfa[0::2, 1::2]
        gb = np.asarray(boxes) // 2
        dr = dynamic_range(_patches(g, gb, 2), clip_level=float(raw.saturation[1]) * 0.999)
        results[label] = dr
        print(f"{label:<11}: dynamic range (SNR=1) {dr.dr_snr1:.2f} stops, "
              f"(SNR=10) {dr.dr_snr10:.2f} stops, usable steps "
              f"{int(np.sum(dr.valid))}/{len(dr.valid)}")
    gain = results["HDR merge"].dr_snr1 - results["single EV0"].dr_snr1
    print(f"BAR HDR >= 3 stops more than one frame: {gain:+.2f} stops -> "
          f"{'MET' if gain >= 3 else 'NOT MET'}")
    # halo: a bright/dark slanted edge (100:1), rendered through the recipe with local tone
    edge = slanted_edge(256, contrast=100.0, high=4.0)
    ef = _bracket(edge, (0.0, -4.0), lux=300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BurstWarning)
        he = merge_hdr(ef, ref=0)
    worst = 0.0
    for rec_name in ("default", "neutral"):
        for label, raw in (("HDR merge", he), ("single EV0", ef[0])):
            try:
                img = brightroom.develop(raw, recipe=rec_name)
                rr = edge_ringing(srgb_decode(img.data), smooth_px=0.25)
            except Exception as e:  # noqa: BLE001 - a stage still being built, a clipped edge
                print(f"edge, {label} through {rec_name!r}: not measurable "
                      f"({type(e).__name__}: {e})")
                continue
            print(f"edge, {label} through {rec_name!r}: overshoot {rr.overshoot_pct:.1f} %, "
                  f"undershoot {rr.undershoot_pct:.1f} %, ringing {rr.ringing_pct:.1f} %, "
                  f"dark/bright {rr.dark_level:.3f}/{rr.bright_level:.3f}")
            if label == "HDR merge" and rec_name == "default":
                worst = max(rr.overshoot_pct, rr.undershoot_pct)
    print(f"BAR no halo at a 100:1 edge through local tone mapping (over/undershoot <= 5 %): "
          f"{worst:.1f} % -> {'MET' if worst <= 5 else 'NOT MET'}")


def section_night(quick: bool) -> None:
    print("\n## night mode at 1 lux: planned burst")
    scene = natural("coffee", megapixels=0.5 if quick else 1.0)
    truth = scene_truth_rgb(scene, "sRGB", illuminant=CCT)
    preview = simulate(scene, lux=1.0, cct=CCT, seed=1, optics=False)
    plan = plan_burst(preview, target_snr=30, max_iso=6400)
    print(f"preview {preview.camera.exposure_time * 1000:.0f} ms ISO {preview.camera.iso:.0f} -> "
          f"plan {plan.frames} x {plan.exposure_time * 1000:.0f} ms ISO {plan.iso:.0f} "
          f"(predicted grey SNR {plan.snr_frame:.1f} -> {plan.snr_merged:.1f})")
    frames = simulate_burst(scene, n=plan.frames, lux=1.0, cct=CCT, iso=plan.iso,
                            exposure_time=plan.exposure_time, shake_px=2.0, rotation_deg=0.1,
                            seed=3, optics=False)
    rec = recipe(True)
    single = develop_linear(frames[0], rec)
    ours = develop_linear(merge(frames, ref=0), rec)
    p_single = exposure_fitted_psnr(single, truth, border=BORDER)[0]
    p_ours = exposure_fitted_psnr(ours, truth, border=BORDER)[0]
    print(f"| 1 lux | single frame {p_single:.2f} dB | night merge of "
          f"{plan.frames} {p_ours:.2f} dB |")
    try:
        out = brightroom.develop(merge(frames, ref=0), recipe="default")
        os.makedirs("out", exist_ok=True)
        brightroom.write(out, "out/bench_burst_1lux.jpg", overwrite=True)
        print("wrote out/bench_burst_1lux.jpg (default recipe)")
    except Exception as e:  # noqa: BLE001
        print(f"default recipe unavailable ({type(e).__name__}: {e})")


def _speed_frames(n: int, mp: float, seed: int = 0):
    """n frames of a 12 MP scene: one simulated frame, shifted by whole cells, fresh noise."""
    scene = natural("coffee", megapixels=mp)
    clean = simulate(scene, lux=10, cct=CCT, iso=3200, seed=0, noise=False, optics=False)
    prof = simulate(scene, lux=10, cct=CCT, iso=3200, seed=0, optics=False).camera.noise_profile
    clean = clean.replace(camera=clean.camera.replace(noise_profile=prof))
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(n):
        dy, dx = (0, 0) if k == 0 else (int(v) * 2 for v in rng.integers(-4, 5, 2))
        x = np.roll(clean.cfa, (dy, dx), axis=(0, 1))
        sd = np.sqrt(prof.scale[1] * np.maximum(x, 0) + prof.offset[1]).astype(np.float32)
        noisy = x + sd * rng.standard_normal(x.shape, dtype=np.float32)
        frames.append(clean.replace(cfa=noisy.astype(np.float32)))
    return frames


def section_speed(quick: bool) -> None:
    mp = 2.0 if quick else 12.0
    print(f"\n## speed: 8 x {mp:g} MP frames, align + merge (wiener), median of runs")
    frames = _speed_frames(8, mp)
    print(f"frames {frames[0].shape[1]}x{frames[0].shape[0]} ({frames[0].megapixels:.1f} MP)")
    merge(frames[:2], ref=0)  # warm-up (numba compile, FFT plans)
    times, cpu = [], []
    tracemalloc.start()
    for _ in range(3 if not quick else 2):
        tracemalloc.reset_peak()
        t, c = time.perf_counter(), time.process_time()
        merge(frames, ref=0)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    inputs = sum(f.cfa.nbytes for f in frames)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    med = statistics.median(times)
    total_mp = 8 * frames[0].megapixels
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus "
          "(other workers share the machine: wall time is inflated, CPU time much less)")
    print("| frames | median wall s | spread s | median CPU s (all threads) | MP/s (wall) | "
          "peak traced MiB (merge) | inputs MiB | process max RSS MiB |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| 8 x {frames[0].megapixels:.1f} MP | {med:.2f} | {min(times):.2f}-{max(times):.2f} | "
          f"{statistics.median(cpu):.2f} | {total_mp / med:.1f} | {peak / 2**20:.0f} | "
          f"{inputs / 2**20:.0f} | {rss:.0f} |")
    al = AlignParams()
    t = time.perf_counter()
    from brightroom.burst.align import align

    align(frames[0], frames[1], al)
    print(f"alignment of one pair: {time.perf_counter() - t:.2f} s")
    print(f"BAR <= 3 s median: {'MET' if med <= 3 else 'NOT MET'} ({med:.2f} s); "
          f"BAR peak memory <= 2.5 GB: {'MET' if (peak + inputs) / 2**30 <= 2.5 else 'NOT MET'} "
          f"({(peak + inputs) / 2**30:.2f} GB traced incl. inputs)")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--section", default="all",
                    choices=("all", "quality", "hdr", "night", "speed"))
    args = ap.parse_args()
    print(f"# burst - {time.strftime('%Y-%m-%d %H:%M')} - {machine()}")
    secs = {"quality": section_quality, "hdr": section_hdr, "night": section_night,
            "speed": section_speed}
    for name, fn in secs.items():
        if args.section in ("all", name):
            fn(args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
