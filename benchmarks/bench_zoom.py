"""Zoom (issue 16): multi-frame super-resolution against single-frame demosaic and upscaling.

Sections (``--section``, default all):

* ``resolution``: lab-simulated hand-held bursts (:func:`brightroom.lab.camera.zoom.
  simulate_zoom_burst`: the scene at 2x the sensor's resolution, sub-pixel shake, ISO 100,
  400 and 1600, 8 and 15 frames) of a colour dead-leaves chart and a natural photo
  (scikit-image's astronaut). At 2x: PSNR against the 2x truth of our merge and of the
  single-frame peer (the reference frame demosaiced by MLRI, Kiku et al. 2014, in the gamma
  domain, then OpenCV bicubic 2x); MTF50 (ISO 12233 e-SFR, :func:`brightroom.lab.metrics.sfr`)
  of a slanted edge, ours over the peer. At 1x: PSNR against the area-downsampled truth, ours
  vs MLRI (the best single-frame demosaic of the project, BENCHMARKS.md issue 2) and Menon 2007.
  PSNR peak: the truth's 99.5th percentile; 12 px borders left out.
* ``falsecolour``: a grey zone plate at 1x; the lab's false-colour metric (mean CIELAB chroma
  after dividing by the as-shot neutral) of ours vs MLRI.
* ``ghost``: a dead-leaves subject moving 3 px per frame over a uniform background, ISO 400,
  8 frames, 1x; PSNR inside the subject (frame 0's mask) of ours vs MLRI of the reference.
* ``upscale``: the single-frame fallback, DCCI (Zhou et al. 2012) vs OpenCV Lanczos-4 and
  bicubic: scikit-image photos area-downsampled 2x and enlarged back, PSNR (linear, peak 1).
* ``speed``: 8 frames of 12 MP (4000 x 3000, an enlarged photo with sub-pixel shifts and
  noise) to a 12 MP 1x result, and the 2x of the central 3 MP crop (``zoom=2``); median of
  ``--runs`` after a warm-up; the peer in the same run: MLRI of one 12 MP frame (+ bicubic 2x of
  the crop for the zoom).

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_zoom.py [--section S] [--quick]``
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from brightroom.burst.superres import superres  # noqa: E402
from brightroom.burst.upscale import upscale  # noqa: E402
from brightroom.charts import dead_leaves, natural, slanted_edge, zone_plate  # noqa: E402
from brightroom.color.metrics import psnr  # noqa: E402
from brightroom.develop.demosaic import demosaic  # noqa: E402
from brightroom.lab.camera.burst import SubjectMotion  # noqa: E402
from brightroom.lab.camera.zoom import area_downsample, simulate_zoom_burst  # noqa: E402
from brightroom.lab.metrics.artefacts import false_colour  # noqa: E402
from brightroom.lab.metrics.sfr import sfr  # noqa: E402
from brightroom.types import CameraInfo, CFAPattern, NoiseProfile, RawImage  # noqa: E402

B = 12


def _load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def _p(a: np.ndarray, b: np.ndarray, peak: float, border: int = B) -> float:
    c = border
    return psnr(a[c:-c, c:-c] / peak, b[c:-c, c:-c] / peak)


def _mlri(raw: RawImage) -> np.ndarray:
    return demosaic(raw.cfa, raw.pattern, method="kiku2014", domain="gamma")


def resolution(quick: bool) -> None:
    print(f"## resolution ({_load()})")
    size = 384 if quick else 512
    scenes = {"dead leaves": dead_leaves((size, size), seed=6, rmin=1.0, color=True),
              "astronaut": natural("astronaut", size=(size, size))}
    isos = (100, 1600) if quick else (100, 400, 1600)
    counts = (8,) if quick else (8, 15)
    print("| scene | ISO | frames | 2x ours dB | 2x bicubic(MLRI) dB | gain | 1x ours dB | 1x MLRI dB "
          "| 1x Menon dB | gain vs best |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, sc in scenes.items():
        for iso in isos:
            for n in counts:
                frames, truth = simulate_zoom_burst(sc, n=n, factor=2, iso=iso, seed=2)
                pk = float(np.percentile(truth, 99.5))
                t1 = area_downsample(truth, 2)
                ml = _mlri(frames[0])
                mn = demosaic(frames[0].cfa, frames[0].pattern, method="menon2007")
                bic = cv2.resize(ml, (truth.shape[1], truth.shape[0]),
                                 interpolation=cv2.INTER_CUBIC)
                o2 = superres(frames, scale=2, ref=0).data
                o1 = superres(frames, scale=1, ref=0).data
                p2, pb = _p(o2, truth, pk, 2 * B), _p(bic, truth, pk, 2 * B)
                p1, pm, pn = _p(o1, t1, pk), _p(ml, t1, pk), _p(mn, t1, pk)
                print(f"| {name} | {iso} | {n} | {p2:.2f} | {pb:.2f} | {p2 - pb:+.2f} | {p1:.2f} | "
                      f"{pm:.2f} | {pn:.2f} | {p1 - max(pm, pn):+.2f} |", flush=True)
    print("\nMTF50 of a slanted edge (5 deg, 4:1), cycles per output pixel at 2x:")
    print("| ISO | ours | bicubic(MLRI) | ratio | truth (lens only) |")
    print("|---|---|---|---|---|")
    edge = slanted_edge((256, 256))
    for iso in isos:
        frames, truth = simulate_zoom_burst(edge, n=8, factor=2, iso=iso, seed=1)
        ml = _mlri(frames[0])
        bic = cv2.resize(ml, (256, 256), interpolation=cv2.INTER_CUBIC)
        o2 = superres(frames, scale=2, ref=0).data
        c = 40
        m_o, m_b = sfr(o2[c:-c, c:-c]).mtf50, sfr(bic[c:-c, c:-c]).mtf50
        m_t = sfr(truth[c:-c, c:-c]).mtf50
        print(f"| {iso} | {m_o:.3f} | {m_b:.3f} | x{m_o / m_b:.2f} | {m_t:.3f} |", flush=True)


def falsecolour(quick: bool) -> None:
    print(f"\n## false colour on a zone plate, 1x ({_load()})")
    print("| ISO | ours mean C*ab | MLRI mean C*ab | ours p99 | MLRI p99 |")
    print("|---|---|---|---|---|")
    zp = zone_plate((512, 512), f_max=0.5)
    for iso in ((100,) if quick else (100, 1600)):
        frames, _ = simulate_zoom_burst(zp, n=8, factor=2, iso=iso, seed=3)
        neutral = np.asarray(frames[0].camera.as_shot_neutral, np.float32)
        o1 = superres(frames, scale=1, ref=0).data / neutral
        ml = _mlri(frames[0]) / neutral
        c = B
        fo = false_colour(np.clip(o1[c:-c, c:-c], 0, None))
        fm = false_colour(np.clip(ml[c:-c, c:-c], 0, None))
        print(f"| {iso} | {fo.mean_chroma:.2f} | {fm.mean_chroma:.2f} | {fo.p99_chroma:.2f} | "
              f"{fm.p99_chroma:.2f} |", flush=True)


def _rp(a: np.ndarray, truth: np.ndarray, m: np.ndarray, pk: float) -> float:
    d = (a - truth)[m] / pk
    return float(-10 * np.log10(np.mean(d * d)))


def ghost(quick: bool) -> None:
    print(f"\n## moving subject, ISO 400, 8 frames, 1x ({_load()})")
    print("| seed | subject PSNR ours | subject PSNR MLRI (one frame) | static PSNR ours | static "
          "MLRI |")
    print("|---|---|---|---|---|")
    for seed in ((2,) if quick else (2, 5, 9)):
        scene = dead_leaves((256, 256), seed=seed + 4, rmin=2.0, color=True)
        subject = SubjectMotion((96, 96, 160, 160), velocity=(0.0, 3.0))
        frames, truth = simulate_zoom_burst(scene, n=8, factor=2, iso=400, seed=seed,
                                            moving_subject=subject)
        mask = frames[0].metadata["lab"]["zoom"]["subject_mask"]
        union = np.zeros_like(mask)
        for f in frames:
            union |= f.metadata["lab"]["zoom"]["subject_mask"]
        static = ~cv2.dilate(union.astype(np.uint8), np.ones((17, 17), np.uint8)).astype(bool)
        t1 = area_downsample(truth, 2)
        pk = float(np.percentile(truth, 99.5))
        o1 = superres(frames, scale=1, ref=0).data
        ml = _mlri(frames[0])

        print(f"| {seed} | {_rp(o1, t1, mask, pk):.2f} | {_rp(ml, t1, mask, pk):.2f} | "
              f"{_rp(o1, t1, static, pk):.2f} | {_rp(ml, t1, static, pk):.2f} |", flush=True)


def upscale_section(quick: bool) -> None:
    from skimage import data as skdata

    print(f"\n## single-frame 2x upscale ({_load()})")
    print("| photo | DCCI (zhou2012) dB | Lanczos-4 dB | bicubic dB | DCCI - Lanczos |")
    print("|---|---|---|---|---|")
    for name in (("astronaut", "coffee") if quick else ("astronaut", "coffee", "chelsea",
                                                       "rocket")):
        hi = getattr(skdata, name)().astype(np.float32) / 255.0
        h, w = (hi.shape[0] // 2) * 2, (hi.shape[1] // 2) * 2
        hi = hi[:h, :w]
        lo = cv2.resize(hi, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        r = {m: psnr(upscale(lo, 2, method=m)[8:-8, 8:-8], hi[8:-8, 8:-8])
             for m in ("zhou2012", "lanczos", "bicubic")}
        print(f"| {name} | {r['zhou2012']:.2f} | {r['lanczos']:.2f} | {r['bicubic']:.2f} | "
              f"{r['zhou2012'] - r['lanczos']:+.2f} |", flush=True)


def _speed_frames(n: int = 8) -> list[RawImage]:
    from skimage import data as skdata

    h, w = 3000, 4000
    rgb = cv2.resize(skdata.astronaut().astype(np.float32) / 255, (w, h),
                     interpolation=cv2.INTER_CUBIC) * 0.5
    pat = CFAPattern("RGGB")
    idx = pat.channel_index(h, w)
    rng = np.random.default_rng(0)
    cam = CameraInfo(make="Bench", model="12MP", noise_profile=NoiseProfile((1e-4,) * 3,
                                                                            (1e-6,) * 3))
    frames = []
    for k in range(n):
        dx, dy = rng.normal(0, 1.5, 2) if k else (0.0, 0.0)
        warped = cv2.warpAffine(rgb, np.float32([[1, 0, dx], [0, 1, dy]]), (w, h),
                                flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        cfa = np.take_along_axis(warped, idx[..., None], 2)[..., 0]
        cfa = (cfa + rng.normal(0, 0.01, (h, w))).astype(np.float32)
        frames.append(RawImage(cfa, pat, camera=cam))
    return frames


def speed(runs: int) -> None:
    print(f"\n## speed ({_load()})")
    frames = _speed_frames()
    superres(frames[:2], zoom=4, ref=0)  # compile / load the kernels
    rows = []
    for label, kw in (("8 x 12 MP -> 12 MP (1x)", dict(scale=1)),
                      ("8 x 12 MP, central 3 MP crop -> 2x (12 MP)", dict(zoom=2, scale=2))):
        ts, tp, tc = [], [], []
        for _ in range(runs):
            t0, c0 = time.perf_counter(), time.process_time()
            superres(frames, ref=0, **kw)
            ts.append(time.perf_counter() - t0)
            tc.append(time.process_time() - c0)
            t0 = time.perf_counter()
            ml = _mlri(frames[0])
            if kw.get("zoom"):
                crop = ml[750:2250, 1000:3000]
                cv2.resize(crop, (4000, 3000), interpolation=cv2.INTER_CUBIC)
            tp.append(time.perf_counter() - t0)
        rows.append((label, float(np.median(ts)), float(np.median(tc)), float(np.median(tp))))
    print("| case | ours median s | ours CPU s (all threads) | peer (one-frame MLRI [+ bicubic]) s "
          "| ratio |")
    print("|---|---|---|---|---|")
    for label, a, c, b in rows:
        print(f"| {label} | {a:.2f} | {c:.2f} | {b:.2f} | x{a / b:.2f} |")
    print(_load())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--section", default="all",
                    choices=["all", "resolution", "falsecolour", "ghost", "upscale", "speed"])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} cpus, python {platform.python_version()}"
          f", {_load()}")
    s = args.section
    if s in ("all", "resolution"):
        resolution(args.quick)
    if s in ("all", "falsecolour"):
        falsecolour(args.quick)
    if s in ("all", "ghost"):
        ghost(args.quick)
    if s in ("all", "upscale"):
        upscale_section(args.quick)
    if s in ("all", "speed"):
        speed(args.runs)


if __name__ == "__main__":
    main()
