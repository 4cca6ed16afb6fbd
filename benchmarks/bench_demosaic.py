"""Demosaicing quality and speed: Brightroom's methods against OpenCV's.

Quality: scikit-image's bundled photos (astronaut, coffee, chelsea, rocket) are taken as sRGB,
decoded to linear light (IEC 61966-2-1), sampled through each of the four Bayer phases and
demosaiced. PSNR (peak 1) is measured on the interior (2 pixels cropped) in linear terms and
after sRGB encoding (clipped to [0, 1]), and averaged over the 4 images x 4 phases. Peers:
OpenCV's ``cvtColor`` Bayer conversions (bilinear, ``_EA`` edge-aware, ``_VNG``) on the mosaic
quantised to uint16 (VNG only exists for uint8 in OpenCV, so it gets 8-bit linear data, which
costs it accuracy in the shadows; the row says so). Rows ``... gamma`` interpolate in a
square-root domain (``domain="gamma"``) and decode; the output is linear as for the others.

Speed: a 12 MP (4000 x 3000) mosaic made from the astronaut photo; median (and spread) of
``--runs`` timed runs after one warm-up run, ours and the peer in the same process. The
rows pair each method with the OpenCV conversion of the same class. The ``cpu`` column is
the process CPU time (all threads, page faults included): on a machine shared with other
jobs the wall time can be several times larger than on an idle one, the CPU time much less.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_demosaic.py [--runs N] [--quick]
[--speed-only]``

References
----------
Malvar, He, Cutler (2004), ICASSP; Menon, Andriani, Calvagno (2007), IEEE TIP 16(1);
Chang, Chan et al. (1999), Color filter array recovery using a threshold-based variable number
of gradients, Proc. SPIE 3650 (VNG, OpenCV's ``_VNG``).
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
import skimage  # noqa: E402
from skimage import data as skdata  # noqa: E402

from brightroom.color.metrics import psnr  # noqa: E402
from brightroom.color.spaces import srgb_decode, srgb_encode  # noqa: E402
from brightroom.develop.demosaic import DEMOSAIC_METHODS, demosaic  # noqa: E402
from brightroom.develop.demosaic.malvar2004 import demosaic_malvar2004_numpy  # noqa: E402
from brightroom.develop.demosaic.menon2007 import demosaic_menon2007_numpy  # noqa: E402
from brightroom.develop.demosaic.quad import bin_cfa, remosaic, remosaic_numpy  # noqa: E402
from brightroom.types import BAYER_PATTERNS, CFAPattern  # noqa: E402

IMAGES = ("astronaut", "coffee", "chelsea", "rocket")
CROP = 2


def cv2_codes(pattern: str) -> dict[str, tuple[int, type]]:
    """OpenCV conversions for ``pattern`` (four-letter names: top-left colour first)."""
    return {
        "cv2 bilinear": (getattr(cv2, f"COLOR_Bayer{pattern}2RGB"), np.uint16),
        "cv2 EA": (getattr(cv2, f"COLOR_Bayer{pattern}2RGB_EA"), np.uint16),
        "cv2 VNG (8-bit)": (getattr(cv2, f"COLOR_Bayer{pattern}2RGB_VNG"), np.uint8),
    }


def run_cv2(cfa: np.ndarray, code: int, dtype: type) -> np.ndarray:
    peak = np.iinfo(dtype).max
    q = np.clip(np.rint(cfa * peak), 0, peak).astype(dtype)
    return cv2.cvtColor(q, code).astype(np.float32) / np.float32(peak)


def mosaic(img: np.ndarray, pattern: CFAPattern) -> np.ndarray:
    idx = pattern.channel_index(*img.shape[:2]).astype(np.intp)
    return np.ascontiguousarray(np.take_along_axis(img, idx[..., None], axis=2)[..., 0])


def linear_photo(name: str) -> np.ndarray:
    rgb = getattr(skdata, name)()[..., :3]
    return srgb_decode(rgb.astype(np.float32) / np.float32(255))


def quality(images: tuple[str, ...]) -> None:
    rows: dict[str, list[tuple[float, float]]] = {}
    for name in images:
        truth = linear_photo(name)
        truth_enc = srgb_encode(np.clip(truth, 0, 1))
        for pat_name in BAYER_PATTERNS:
            pat = CFAPattern(pat_name)
            cfa = mosaic(truth, pat)
            outs = {m: demosaic(cfa, pat, method=m) for m in DEMOSAIC_METHODS}
            for m in ("malvar2004", "menon2007"):
                outs[f"{m} gamma"] = demosaic(cfa, pat, method=m, domain="gamma")
            for peer, (code, dtype) in cv2_codes(pat_name).items():
                outs[peer] = run_cv2(cfa, code, dtype)
            for m, out in outs.items():
                enc = srgb_encode(np.clip(out, 0, 1))
                rows.setdefault(m, []).append((psnr(out, truth, border=CROP),
                                                psnr(enc, truth_enc, border=CROP)))
    print(f"\nDemosaic PSNR (dB), mean over {len(images)} images x 4 phases, "
          f"{CROP}-pixel border cropped")
    print(f"{'method':<20}{'linear':>9}{'sRGB':>9}{'min sRGB':>10}")
    for m, v in rows.items():
        a = np.array(v)
        print(f"{m:<20}{a[:, 0].mean():9.2f}{a[:, 1].mean():9.2f}{a[:, 1].min():10.2f}")


def quad_quality(images: tuple[str, ...]) -> None:
    rows: dict[str, list[tuple[float, float]]] = {}
    for name in images:
        truth = linear_photo(name)
        for block in (2, 3):
            h, w = (s - s % (2 * block) for s in truth.shape[:2])
            t = truth[:h, :w]
            pat = CFAPattern("RGGB", block)
            cfa = mosaic(t, pat)
            for method in ("malvar2004", "menon2007"):
                for dom in ("linear", "gamma"):
                    out = demosaic(cfa, pat, method=method, domain=dom)
                    label = f"b{block} remosaic + {method}{' gamma' if dom == 'gamma' else ''}"
                    rows.setdefault(label, []).append(
                        (psnr(out, t, border=CROP), psnr(srgb_encode(np.clip(out, 0, 1)),
                                                         srgb_encode(np.clip(t, 0, 1)), border=CROP)))
            means = t.reshape(h // block, block, w // block, block, 3).mean(axis=(1, 3))
            out = demosaic(cfa, pat, method="menon2007", quad="bin")
            rows.setdefault(f"b{block} bin + menon2007 (vs block means)", []).append(
                (psnr(out, means, border=CROP), psnr(srgb_encode(np.clip(out, 0, 1)),
                                                     srgb_encode(np.clip(means, 0, 1)), border=CROP)))
    print(f"\nQuad (b2) / nona (b3) RGGB mosaics, PSNR (dB), mean over {len(images)} images")
    print(f"{'pipeline':<40}{'linear':>9}{'sRGB':>9}")
    for m, v in rows.items():
        a = np.array(v)
        print(f"{m:<40}{a[:, 0].mean():9.2f}{a[:, 1].mean():9.2f}")


def timeit(fn, runs: int) -> tuple[float, float, float]:  # noqa: ANN001
    """Median wall time, its spread (max - min) and median CPU time (all threads), in ms."""
    fn()                                     # warm-up (numba compile / cache load, page-in)
    t, c = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        t.append(time.perf_counter() - t0)
        c.append(time.process_time() - c0)
    t = np.array(t) * 1e3
    return float(np.median(t)), float(t.max() - t.min()), float(np.median(c) * 1e3)


def speed(runs: int, slow_runs: int) -> None:
    img = cv2.resize(linear_photo("astronaut"), (4000, 3000), interpolation=cv2.INTER_LINEAR)
    pat = CFAPattern("RGGB")
    cfa = mosaic(img, pat)
    codes = cv2_codes("RGGB")
    q16 = np.clip(np.rint(cfa * 65535), 0, 65535).astype(np.uint16)
    q8 = np.clip(np.rint(cfa * 255), 0, 255).astype(np.uint8)
    peers = {
        "cv2 bilinear": lambda: cv2.cvtColor(q16, codes["cv2 bilinear"][0]),
        "cv2 EA": lambda: cv2.cvtColor(q16, codes["cv2 EA"][0]),
        "cv2 VNG (8-bit)": lambda: cv2.cvtColor(q8, codes["cv2 VNG (8-bit)"][0]),
    }
    ours = [
        ("bilinear (NumPy)", lambda: demosaic(cfa, pat, method="bilinear"), "cv2 bilinear", runs),
        ("malvar2004 (numba)", lambda: demosaic(cfa, pat, method="malvar2004"), "cv2 bilinear",
         runs),
        ("malvar2004 (numba)", lambda: demosaic(cfa, pat, method="malvar2004"), "cv2 EA", runs),
        ("malvar2004 gamma", lambda: demosaic(cfa, pat, method="malvar2004", domain="gamma"),
         "cv2 EA", runs),
        ("malvar2004 (NumPy ref)", lambda: demosaic_malvar2004_numpy(cfa, pat), "cv2 EA",
         slow_runs),
        ("menon2007 (numba)", lambda: demosaic(cfa, pat, method="menon2007"), "cv2 VNG (8-bit)",
         runs),
        ("menon2007 gamma", lambda: demosaic(cfa, pat, method="menon2007", domain="gamma"),
         "cv2 VNG (8-bit)", runs),
        ("menon2007 (NumPy ref)", lambda: demosaic_menon2007_numpy(cfa, pat), "cv2 VNG (8-bit)",
         slow_runs),
    ]
    peer_t = {k: timeit(f, runs) for k, f in peers.items()}
    print(f"\nSpeed on a {cfa.shape[1]} x {cfa.shape[0]} mosaic ({cfa.size / 1e6:.0f} MP), "
          f"median of {runs} runs after warm-up (NumPy references: {slow_runs} runs), ms")
    print("(wall ms: median and spread; cpu: median process time, all threads)")
    print(f"{'ours':<24}{'ms':>8}{'spread':>8}{'cpu':>8}   {'peer':<16}{'ms':>7}{'cpu':>7}"
          f"{'ratio':>7}")
    for label, fn, peer, n in ours:
        t, s, c = timeit(fn, n)
        pt, _, pc = peer_t[peer]
        print(f"{label:<24}{t:8.1f}{s:8.1f}{c:8.1f}   {peer:<16}{pt:7.1f}{pc:7.1f}{t / pt:7.2f}")
    quad = CFAPattern("RGGB", 2)
    qcfa = mosaic(img, quad)
    for label, fn in (("quad remosaic (numba)", lambda: remosaic(qcfa, quad)),
                      ("quad remosaic (NumPy ref)", lambda: remosaic_numpy(qcfa, quad)),
                      ("quad bin", lambda: bin_cfa(qcfa, quad)),
                      ("quad bin + malvar2004", lambda: demosaic(qcfa, quad, quad="bin"))):
        t, s, c = timeit(fn, slow_runs)
        print(f"{label:<26}{t:6.1f}{s:8.1f}{c:8.1f}   (12 MP quad-Bayer input)")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} logical CPUs; numba {numba.__version__} "
            f"({numba.get_num_threads()} threads), numpy {np.__version__}, "
            f"OpenCV {cv2.__version__} ({cv2.getNumThreads()} threads), "
            f"scikit-image {skimage.__version__}, Python {platform.python_version()}; "
            f"load average {os.getloadavg()[0]:.1f} (machine shared with other jobs)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="timed runs per fast method (>= 5)")
    ap.add_argument("--quick", action="store_true", help="one image, fewer slow runs")
    ap.add_argument("--speed-only", action="store_true", help="skip the PSNR tables")
    args = ap.parse_args()
    print("Machine:", machine())
    if not args.speed_only:
        quality(IMAGES[:1] if args.quick else IMAGES)
        quad_quality(IMAGES[:1] if args.quick else IMAGES)
    speed(max(args.runs, 5), 2 if args.quick else 5)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
