"""Night merge on a broadened set of hand-held bursts: worst case and median (issue 10).

Every burst is rendered by the lab's spectral camera (flagship-2022, 5000 K, lens off so the
truth is exactly the scene) with :func:`brightroom.lab.camera.simulate_burst`: hand shake of
2 to 30 px (random translation per frame) with rotation up to 1 degree, a moving subject of
several sizes (a tenth to a third of the frame) and speeds (1 to 12 px per frame), ISO 1600 to
12800, 4 to 15 frames. The cases are a fixed design that covers each factor's range (every
level of each factor appears, and the hardest corner - 30 px, 1 degree, ISO 12800, 4 frames, a
large fast subject - is in the set), not a random draw, so runs are comparable.

For each case the reference frame alone and the night merge (``brightroom.burst.merge``, then
the same ``neutral`` recipe; its raw denoiser sees each input's own noise profile) are scored
against the scene truth with :func:`brightroom.color.metrics.exposure_fitted_psnr` (8-pixel
border), over the whole frame and inside the moving subject (its mask in the reference frame,
the exposure gain fitted on the whole frame). Ghost test: the subject's PSNR in the merge must
not be below the reference frame's.

What is possible, per case: *ideal*, the same frames unshaken and averaged exactly (noise / N,
the denoiser told so); *ceiling*, the reference frame without noise through the same recipe;
*N bound*, ``10 log10(m_s / (m_c + (m_s - m_c) / N))`` with ``m_s`` and ``m_c`` the single and
noise-free frames' MSE: averaging N frames divides at most the noise part of one frame's error
by N (10 log10 N only when the recipe itself makes no error).

Bars (issue 10): worst-case gain >= +5 dB over one frame; no ghost on any case.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_night.py [--quick] [--mp 0.5]
[--cases 0,3,7] [--method hasinoff2016]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import brightroom  # noqa: E402
from brightroom.burst import merge  # noqa: E402
from brightroom.charts import natural  # noqa: E402
from brightroom.charts.scene import scene_truth_rgb  # noqa: E402
from brightroom.color.metrics import exposure_fitted_psnr  # noqa: E402
from brightroom.color.spaces import srgb_decode  # noqa: E402
from brightroom.lab.camera import auto_exposure, simulate_burst  # noqa: E402
from brightroom.lab.camera.burst import SubjectMotion  # noqa: E402
from brightroom.types import NoiseProfile  # noqa: E402

BORDER = 8
BASE_ISO, MAX_ISO = 50.0, 6400.0  # flagship-2022's analog gain range
CCT = 5000.0


@dataclass(frozen=True)
class Case:
    scene: str
    shake_px: float
    rotation_deg: float
    subject: float  # subject side as a fraction of the frame's height
    speed: float  # px per frame
    iso: float
    frames: int
    lux: float = 5.0

    def label(self) -> str:
        return (f"{self.scene} shake {self.shake_px:g}px rot {self.rotation_deg:g}deg "
                f"subject {self.subject:g} @ {self.speed:g}px/f ISO {self.iso:g} "
                f"x{self.frames}")


# a covering design: every level of every factor, the hardest corner included (last)
CASES = (
    Case("coffee", 2, 0.1, 0.2, 3, 6400, 8),
    Case("astronaut", 5, 0.2, 0.1, 1, 1600, 4),
    Case("chelsea", 10, 0.5, 0.33, 6, 3200, 15),
    Case("coffee", 15, 0.3, 0.1, 12, 12800, 8),
    Case("astronaut", 30, 1.0, 0.2, 4, 6400, 6),
    Case("chelsea", 20, 0.8, 0.1, 2, 12800, 15),
    Case("coffee", 8, 1.0, 0.33, 10, 1600, 6),
    Case("astronaut", 2, 0.0, 0.33, 12, 3200, 4),
    Case("chelsea", 30, 0.2, 0.2, 8, 1600, 10),
    Case("coffee", 30, 1.0, 0.33, 12, 12800, 4),
)
# diagnostics (not in the set): case 1 without rotation, and without any shake
EXTRA = (
    Case("astronaut", 5, 0.0, 0.1, 1, 1600, 4),
    Case("astronaut", 0, 0.0, 0.1, 1, 1600, 4),
    Case("astronaut", 0, 0.0, 0.1, 0, 1600, 4),
)


def recipe():
    import importlib

    for m in ("denoise", "white_balance", "demosaic", "highlights", "colour", "output"):
        importlib.import_module(f"brightroom.develop.{m}")
    return brightroom.load_recipe("neutral")


def develop_linear(raw, rec) -> np.ndarray:
    return srgb_decode(brightroom.develop(raw, recipe=rec).data)


def run_case(c: Case, mp: float, rec, seed: int, method: str, options: dict) -> dict:
    scene = natural(c.scene, megapixels=mp)
    truth = scene_truth_rgb(scene, "sRGB", illuminant=CCT)
    h, w = scene.shape
    side = max(8, int(round(c.subject * h)))
    y0, x0 = h // 3, w // 4
    ang = (seed * 0.7) % (2 * np.pi)
    subject = SubjectMotion((y0, x0, min(h, y0 + side), min(w, x0 + side)),
                            velocity=(c.speed * np.sin(ang) * 0.5, c.speed))
    # the camera's analog gain stops at ISO 6400: ISO 12800 is ISO 6400 one stop under (what
    # a phone's digital gain amounts to; the exposure-fitted PSNR ignores the level)
    auto = auto_exposure(lux=c.lux, cct=CCT, max_exposure_time=60.0)
    iso = min(c.iso, MAX_ISO)
    t_exp = auto.exposure_time * auto.gain * BASE_ISO / c.iso
    frames = simulate_burst(scene, n=c.frames, lux=c.lux, cct=CCT, iso=iso, exposure_time=t_exp,
                            shake_px=c.shake_px, rotation_deg=c.rotation_deg,
                            moving_subject=subject, seed=seed, optics=False)
    mask = np.asarray(frames[0].metadata["lab"]["burst"]["subject_mask"], bool)
    single = develop_linear(frames[0], rec)
    t = time.perf_counter()
    merged = merge(frames, ref=0, method=method, **options)
    t_merge = time.perf_counter() - t
    ours = develop_linear(merged, rec)
    p_single, k_s = exposure_fitted_psnr(single, truth, border=BORDER)
    p_ours, k_o = exposure_fitted_psnr(ours, truth, border=BORDER)
    s_single = exposure_fitted_psnr(single, truth, k=k_s, mask=mask, border=BORDER)[0]
    s_ours = exposure_fitted_psnr(ours, truth, k=k_o, mask=mask, border=BORDER)[0]
    info = merged.metadata["burst_merge"]
    # the ideal temporal average: the same frames with no shake and no motion, averaged exactly
    # (noise variance / N, reported to the denoiser as such); the merge can beat it at high ISO
    # with its own spatial (Wiener) denoising, so it is not an upper bound
    still = simulate_burst(scene, n=c.frames, lux=c.lux, cct=CCT, iso=iso, exposure_time=t_exp,
                           shake_px=0.0, rotation_deg=0.0, seed=seed, optics=False)
    prof = still[0].camera.noise_profile
    ideal_raw = still[0].replace(
        cfa=np.mean([f.cfa for f in still], axis=0).astype(np.float32),
        camera=still[0].camera.replace(noise_profile=NoiseProfile(
            tuple(v / c.frames for v in prof.scale), tuple(v / c.frames for v in prof.offset))))
    p_ideal = exposure_fitted_psnr(develop_linear(ideal_raw, rec), truth, border=BORDER)[0]
    # the ceiling: the reference frame without any noise (N -> infinity), the denoiser told so
    # (a profile 1e6 times weaker): the error left is the recipe's own (demosaicking, colour,
    # sharpening); a merge that resamples the mosaic no better than the recipe's demosaic
    # cannot gain more than this over one frame, whatever N
    clean = simulate_burst(scene, n=1, lux=c.lux, cct=CCT, iso=iso, exposure_time=t_exp,
                           shake_px=0.0, rotation_deg=0.0, seed=seed, optics=False,
                           noise=False)[0]
    clean = clean.replace(camera=clean.camera.replace(noise_profile=NoiseProfile(
        tuple(v * 1e-6 for v in prof.scale), tuple(v * 1e-6 for v in prof.offset))))
    p_clean = exposure_fitted_psnr(develop_linear(clean, rec), truth, border=BORDER)[0]
    # the arithmetic: one frame's error is the recipe's own (the clean frame's MSE) plus a noise
    # part; averaging N frames divides at most the noise part by N
    mse_s, mse_c = 10 ** (-p_single / 10), 10 ** (-p_clean / 10)
    bound_n = 10 * np.log10(mse_s / (mse_c + max(mse_s - mse_c, 0.0) / c.frames))
    return {"ideal": p_ideal - p_single, "ceiling": p_clean - p_single, "bound_n": bound_n,
            "case": c, "single": p_single, "ours": p_ours,
            "gain": p_ours - p_single,
            "s_single": s_single, "s_ours": s_ours, "ghost": s_ours - s_single,
            "neff": info["effective_frames"], "rejected": info.get("rejected_tiles", 0.0),
            "t_merge": t_merge}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="0.25 MP scenes")
    ap.add_argument("--mp", type=float, default=None, help="scene megapixels (default 0.5)")
    ap.add_argument("--cases", default=None, help="comma-separated case indices")
    ap.add_argument("--method", default="hasinoff2016")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--option", action="append", default=[],
                    help="a merge option, NAME=VALUE (a number), repeatable")
    args = ap.parse_args()
    mp = args.mp if args.mp is not None else (0.25 if args.quick else 0.5)
    idx = (range(len(CASES)) if args.cases is None
           else [int(v) for v in args.cases.split(",")])
    print(f"# night merge, broadened bursts - {time.strftime('%Y-%m-%d %H:%M')} - "
          f"{os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f} - {mp:g} MP scenes, "
          f"{args.method}")
    pairs = (o.split("=", 1) for o in args.option)
    options = {k: (bool(float(v)) if k == "subpixel" else float(v)) for k, v in pairs}
    if options:
        print(f"merge options: {options}")
    rec = recipe()
    merge(simulate_burst(natural("coffee", megapixels=0.05), n=2, iso=3200, optics=False),
          ref=0, method=args.method)  # warm-up (numba)
    rows = []
    print("| # | case | single dB | merged dB | gain dB | ideal gain dB | ceiling dB | N bound dB | "
          "subject: single | subject: merged | subject diff | Neff | rejected | merge s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for i in idx:
        r = run_case((CASES + EXTRA)[i], mp, rec, args.seed + i, args.method, options)
        rows.append(r)
        print(f"| {i} | {r['case'].label()} | {r['single']:.2f} | {r['ours']:.2f} | "
              f"{r['gain']:+.2f} | {r['ideal']:+.2f} | {r['ceiling']:+.2f} | "
              f"{r['bound_n']:+.2f} | {r['s_single']:.2f} | {r['s_ours']:.2f} | "
              f"{r['ghost']:+.2f} | {r['neff']:.2f} | {r['rejected']:.2f} | "
              f"{r['t_merge']:.2f} |", flush=True)
    gains = [r["gain"] for r in rows]
    ghosts = [r["ghost"] for r in rows]
    worst = min(rows, key=lambda r: r["gain"])
    print(f"\ngain over one frame: worst {min(gains):+.2f} dB ({worst['case'].label()}), "
          f"median {statistics.median(gains):+.2f} dB, best {max(gains):+.2f} dB")
    print(f"ideal merge's gain: worst {min(r['ideal'] for r in rows):+.2f} dB, median "
          f"{statistics.median([r['ideal'] for r in rows]):+.2f} dB; merge / ideal (dB): worst "
          f"{min(r['gain'] / r['ideal'] for r in rows):.2f}")
    print(f"ceiling (noise-free frame) over one frame: worst "
          f"{min(r['ceiling'] for r in rows):+.2f} dB, median "
          f"{statistics.median([r['ceiling'] for r in rows]):+.2f} dB; cases whose ceiling is "
          f"under +5 dB: {[i for i, r in zip(idx, rows) if r['ceiling'] < 5]}")
    print(f"subject (merged - single): worst {min(ghosts):+.2f} dB, median "
          f"{statistics.median(ghosts):+.2f} dB")
    print(f"BAR worst-case gain >= +5 dB: {'MET' if min(gains) >= 5 else 'NOT MET'} "
          f"({min(gains):+.2f} dB)")
    print(f"BAR no ghost (subject PSNR not below the reference frame's) on every case: "
          f"{'MET' if min(ghosts) >= 0 else 'NOT MET'} ({min(ghosts):+.2f} dB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
