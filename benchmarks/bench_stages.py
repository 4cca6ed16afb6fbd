"""Benchmark of the image-quality stages on a 12 MP frame, against OpenCV peers.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_stages.py [--quick]``

Each case is warmed up (numba compiled, caches filled), then timed ``--repeat`` times (>= 5);
the median and the minimum are printed (the minimum is the better estimate on a shared
machine), with the peer's median and ``ours / peer``. Then the PSNR gain of raw denoising on
simulated raws (a linear mosaic made from scikit-image photos, Poisson-Gaussian noise of a
phone-like sensor) at ISO 100, 800, 3200 and 6400. The machine and its load are printed first.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import cv2  # noqa: E402
import numba  # noqa: E402
import numpy as np  # noqa: E402
import skimage.data  # noqa: E402

from brightroom.color.metrics import psnr  # noqa: E402
from brightroom.develop.denoise import denoise_raw  # noqa: E402
from brightroom.develop.highlights import clip_highlights, reconstruct_highlights  # noqa: E402
from brightroom.develop.raw_corrections import (  # noqa: E402
    correct_bad_pixels,
    correct_lens_shading,
)
from brightroom.develop.sharpen import sharpen  # noqa: E402
from brightroom.develop.tone import tone_map  # noqa: E402
from brightroom.types import CFAPattern, NoiseProfile  # noqa: E402

RGGB = CFAPattern("RGGB")


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return (f"{cpu}, {os.cpu_count()} cores, numba {numba.__version__} "
            f"({numba.config.NUMBA_NUM_THREADS} threads), OpenCV {cv2.__version__} "
            f"({cv2.getNumThreads()} threads), numpy {np.__version__}, load avg "
            f"{', '.join(f'{x:.1f}' for x in load)}")


def srgb_to_linear(img: np.ndarray) -> np.ndarray:
    img = img.astype(np.float64) / 255
    return np.where(img <= 0.04045, img / 12.92, ((img + 0.055) / 1.055) ** 2.4)


def photo_linear(name: str, shape: tuple[int, int] | None = None) -> np.ndarray:
    """A scikit-image photo decoded to linear RGB, resized to ``shape`` (native if None)."""
    img = getattr(skimage.data, name)()[..., :3]
    if shape is not None:
        img = cv2.resize(img, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
    return srgb_to_linear(img).astype(np.float32)


def mosaic(lin: np.ndarray) -> np.ndarray:
    h, w = lin.shape[0] // 2 * 2, lin.shape[1] // 2 * 2
    cfa = np.empty((h, w), np.float32)
    cfa[0::2, 0::2] = lin[0:h:2, 0:w:2, 0]
    cfa[0::2, 1::2] = lin[0:h:2, 1:w:2, 1]
    cfa[1::2, 0::2] = lin[1:h:2, 0:w:2, 1]
    cfa[1::2, 1::2] = lin[1:h:2, 1:w:2, 2]
    return cfa


def iso_profile(iso: float) -> NoiseProfile:
    g = iso / 100
    return NoiseProfile((1e-4 * g,) * 3, (4e-8 * g * g + 1e-7,) * 3)


def add_noise(clean: np.ndarray, prof: NoiseProfile, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a, b = prof.scale[0], prof.offset[0]
    x = rng.poisson(np.maximum(clean, 0) / a) * a + rng.normal(0, np.sqrt(b), clean.shape)
    return x.astype(np.float32)


def timeit(fn, repeat: int) -> tuple[float, float]:
    fn()
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts)) * 1e3, float(np.min(ts)) * 1e3


def cpu_time_1thread(fn, repeat: int = 3) -> float:
    """Minimum CPU time (ms) of ``fn`` with numba and OpenCV on one thread.

    On a shared machine wall time measures the neighbours as much as the code; the CPU time
    of one thread does not (it is about twice the wall time on two idle cores).
    """
    nt, ct = numba.get_num_threads(), cv2.getNumThreads()
    numba.set_num_threads(1)
    cv2.setNumThreads(1)
    try:
        fn()
        ts = []
        for _ in range(repeat):
            t0 = time.process_time()
            fn()
            ts.append(time.process_time() - t0)
        return float(np.min(ts)) * 1e3
    finally:
        numba.set_num_threads(nt)
        cv2.setNumThreads(ct)


def planes(cfa: np.ndarray) -> list[np.ndarray]:
    return [np.ascontiguousarray(cfa[i::2, j::2]) for i in (0, 1) for j in (0, 1)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="skip the slow NLM / Mertens peers")
    args = ap.parse_args()
    repeat = max(5, args.repeat)
    print("machine:", machine())
    shape = (3000, 4000)
    lin = photo_linear("astronaut", shape) * 0.8
    clean = mosaic(lin)
    prof = iso_profile(800)
    raw = add_noise(clean, prof)
    raw_hot = raw.copy()
    rng = np.random.default_rng(1)
    raw_hot.flat[rng.integers(0, raw.size, 2000)] = 1.0
    gm = (1 + 0.5 * rng.random((13, 17, 4))).astype(np.float32)
    sat = (2.0, 1.0, 1.5)
    wb_rgb = (lin * np.array(sat, np.float32) * 1.6).astype(np.float32)
    clipped = np.minimum(wb_rgb, np.array(sat, np.float32))
    frac = float(np.mean((clipped >= np.array(sat, np.float32) * 0.99).any(axis=2)))
    little = np.minimum(lin * np.array(sat, np.float32), np.array(sat, np.float32))
    little[1000:1100, 2000:2200] = np.array(sat, np.float32)  # a small blown lamp
    little_frac = float(np.mean((little >= np.array(sat, np.float32) * 0.99).any(axis=2)))
    rgb = np.clip(lin * 1.2, 0, None).astype(np.float32)

    def bilateral_peer():
        return [cv2.bilateralFilter(p, 5, 0.05, 2) for p in planes(raw)]

    def nlm_peer():
        return [cv2.fastNlMeansDenoising(np.clip(p * 255, 0, 255).astype(np.uint8), None, 5, 5,
                                         15) for p in planes(raw)]

    def reinhard_peer():
        return cv2.createTonemapReinhard(1.0, 0, 0, 0).process(rgb)

    ldr = [np.clip(rgb * 255 * e, 0, 255).astype(np.uint8) for e in (0.5, 1.0, 4.0)]

    def mertens_peer():
        return cv2.createMergeMertens().process(ldr)

    def usm_peer():
        blur = cv2.GaussianBlur(rgb, (0, 0), 1.0)
        return cv2.addWeighted(rgb, 1.5, blur, -0.5, 0)

    full_gain = np.empty_like(raw)

    def shading_peer():
        for k, (i, j) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
            full_gain[i::2, j::2] = cv2.resize(gm[..., k], (shape[1] // 2, shape[0] // 2))
        return raw * full_gain

    cases = [
        ("bad_pixels", lambda: correct_bad_pixels(raw_hot, RGGB, noise_profile=prof),
         "cv2.medianBlur 3x3 on 4 planes",
         lambda: [cv2.medianBlur(p, 3) for p in planes(raw_hot)]),
        ("lens_shading", lambda: correct_lens_shading(raw, RGGB, gm, vignetting=0.5),
         "cv2.resize gain + multiply", shading_peer),
        ("denoise_raw guided", lambda: denoise_raw(raw, RGGB, noise_profile=prof),
         "cv2.bilateralFilter d=5 on 4 planes", bilateral_peer),
        ("highlights reconstruct", lambda: reconstruct_highlights(little, sat),
         "np.minimum (clip)", lambda: clip_highlights(little, sat)),
        ("highlights heavy clip", lambda: reconstruct_highlights(clipped, sat),
         "np.minimum (clip)", lambda: clip_highlights(clipped, sat)),
        ("tone filmic", lambda: tone_map(rgb, method="filmic"),
         "cv2 TonemapReinhard", reinhard_peer),
        ("tone local", lambda: tone_map(rgb, method="local"),
         "cv2 TonemapReinhard", reinhard_peer),
        ("sharpen", lambda: sharpen(rgb), "cv2 GaussianBlur+addWeighted (RGB)", usm_peer),
    ]
    if not args.quick:
        cases += [
            ("denoise_raw nlm", lambda: denoise_raw(raw, RGGB, noise_profile=prof, method="nlm"),
             "cv2.fastNlMeansDenoising 8-bit, 4 planes", nlm_peer),
            ("tone local", lambda: tone_map(rgb, method="local"), "cv2 MergeMertens (3 exp.)",
             mertens_peer),
        ]
    print(f"\n12 MP ({shape[1]} x {shape[0]}), {repeat} runs after warm-up; "
          f"highlights: {100 * little_frac:.2f} % of pixels clipped (heavy: {100 * frac:.1f} %)")
    print(f"{'stage':24s} {'ours med':>9s} {'ours min':>9s} {'cpu 1thr':>9s}  {'peer':38s} "
          f"{'peer med':>9s} {'cpu 1thr':>9s} {'ratio':>6s}")
    total = total_cpu = 0.0
    default_chain = {"denoise_raw guided", "highlights reconstruct", "tone local", "sharpen"}
    seen = set()
    for name, ours, peer_name, peer in cases:
        rep = 3 if "nlm" in name or "Mertens" in peer_name else repeat
        om, omin = timeit(ours, rep)
        pm, _ = timeit(peer, rep)
        oc = cpu_time_1thread(ours, min(rep, 3))
        pc = cpu_time_1thread(peer, min(rep, 3))
        print(f"{name:24s} {om:9.1f} {omin:9.1f} {oc:9.1f}  {peer_name:38s} {pm:9.1f} {pc:9.1f} "
              f"{oc / pc:6.2f}")
        if name in default_chain and name not in seen:
            total += omin
            total_cpu += oc
            seen.add(name)
    print(f"\ndefault chain (denoise guided + highlights + tone local + sharpen): sum of wall "
          f"minima {total:.1f} ms, sum of 1-thread CPU {total_cpu:.1f} ms "
          f"(~{total_cpu / 2:.0f} ms wall on 2 idle cores)")

    print("\ndenoise PSNR gain (dB) on simulated raws at native resolution (astronaut, coffee, "
          "chelsea; mean)")
    print(f"{'ISO':>6s} {'noisy':>7s} {'guided':>7s} {'nlm':>7s} {'bilateral':>9s}")
    photos = [photo_linear(n) * 0.8 for n in ("astronaut", "coffee", "chelsea")]
    for iso in (100, 800, 3200, 6400):
        p = iso_profile(iso)
        rows = []
        for k, ph in enumerate(photos):
            c = mosaic(ph)
            n = add_noise(c, p, seed=k)
            base = psnr(n, c)
            g = psnr(denoise_raw(n, RGGB, noise_profile=p), c) - base
            nl = psnr(denoise_raw(n, RGGB, noise_profile=p, method="nlm"), c) - base
            sig = float(np.sqrt(p.variance(0.18)))
            bl = np.empty_like(n)
            for i in (0, 1):
                for j in (0, 1):
                    bl[i::2, j::2] = cv2.bilateralFilter(np.ascontiguousarray(n[i::2, j::2]), 5,
                                                         2 * sig, 2)
            rows.append((base, g, nl, psnr(bl, c) - base))
        m = np.mean(rows, axis=0)
        print(f"{iso:6d} {m[0]:7.2f} {m[1]:+7.2f} {m[2]:+7.2f} {m[3]:+9.2f}")


if __name__ == "__main__":
    main()
