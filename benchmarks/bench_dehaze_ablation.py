"""Where the dehaze bar (issue 13) is lost: the benchmark's hazed scenes (``bench_edit``'s
``bench_dehaze``: I = J t + A (1 - t), A = 0.85) dehazed by a NumPy re-statement of
``brightroom.edit.dehaze`` with one decision changed at a time, or with the true ``t`` and /
or ``A`` given (oracles). A diagnosis, not the shipped code: the bar's figure is bench_edit's.

Run: ``OPENBLAS_NUM_THREADS=1 nice .venv/bin/python benchmarks/bench_dehaze_ablation.py``
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import cv2
import numpy as np
from skimage import data

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_edit  # noqa: E402
from brightroom.color.metrics import psnr  # noqa: E402
from brightroom.color.spaces import srgb_decode, srgb_encode  # noqa: E402
from brightroom.edit import dehaze as D  # noqa: E402
from brightroom.edit.basic import _small  # noqa: E402


def scenes() -> dict:
    sc = {}
    photos = {n: getattr(data, n)() for n in ("astronaut", "coffee", "chelsea", "rocket",
                                              "hubble_deep_field", "immunohistochemistry")}
    photos["motorcycle_left"] = data.stereo_motorcycle()[0]
    for n, im in photos.items():
        im = im[..., :3]
        h, w = im.shape[:2]
        ramp = np.linspace(1.6, 0.3, h, dtype=np.float32)[:, None] * np.ones((1, w), np.float32)
        sc[n] = (im, ramp, (1.2,))
    for n, (im, d) in bench_edit._depth_scenes().items():
        sc[n.split(" ")[0]] = (im, 0.3 + 1.3 * d, (0.8, 1.2))
    return sc


def dehaze(hazy: np.ndarray, true_t: np.ndarray, *, black: float = 0.1, omega: float = 0.95,
           t0: float = 0.1, lerp: bool = False, ascale: float = 1.0, oracle_t: bool = False,
           oracle_a: bool = False) -> np.ndarray:
    """``plan_dehaze`` + ``recover`` with one decision changed (see the module docstring).
    ``lerp``: the amount as the fraction of the recovered veil removed (``I + omega (J - I)``)
    instead of He et al.'s ``t = 1 - omega dark``; ``ascale``: the airlight times this."""
    a = np.maximum(_small(hazy), 0)
    h, w = a.shape[:2]
    r = max(1, round(max(h, w) / 80))
    dark = D.dark_channel(a, r)
    n = max(1, int(dark.size * 0.001))
    c = a.reshape(-1, 3)[np.argpartition(dark.ravel(), -n)[-n:]]
    A = np.full(3, 0.85, np.float32) if oracle_a else c[int(np.argmax(c.sum(1)))]
    A = np.clip(A * ascale, 0.05, 1).astype(np.float32)
    if oracle_t:
        t = true_t
    else:
        t = 1 - np.float32(1.0 if lerp else omega) * D.dark_channel(a / A, r)
        grey = np.ascontiguousarray(a @ np.array([0.2126, 0.7152, 0.0722], np.float32))
        t = D._guided(grey, t.astype(np.float32), max(2, round(max(h, w) / 20)), 1e-3)
        t = cv2.resize(np.clip(t, t0, 1).astype(np.float32), (hazy.shape[1], hazy.shape[0]),
                       interpolation=cv2.INTER_LINEAR)
    saved = D.BLACK_KEEP, D._T0
    D.BLACK_KEEP, D._T0 = black, t0
    try:
        j = D.recover(hazy, A, t.astype(np.float32))
    finally:
        D.BLACK_KEEP, D._T0 = saved
    return hazy + np.float32(omega) * (j - hazy) if lerp else j


def clipped(rgb: np.ndarray) -> float:
    e = srgb_encode(np.clip(rgb, 0, None))
    return 100 * float(np.mean((e >= 254.5 / 255).any(-1) | (e <= 0.5 / 255).all(-1)))


VARIANTS = {
    "as shipped": {},
    "oracle t (estimated A)": dict(oracle_t=True),
    "oracle t and A, no black bound": dict(oracle_t=True, oracle_a=True, black=0.0),
    "J >= 0 (black bound 0)": dict(black=0.0),
    "omega 1": dict(omega=1.0),
    "amount as veil fraction": dict(lerp=True),
    "veil fraction, t0 0.02, black 0.02": dict(lerp=True, t0=0.02, black=0.02),
    "airlight x 1.1": dict(ascale=1.1),
}


def main() -> None:
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    sc = scenes()
    for label, kw in VARIANTS.items():
        gains, cells = [], []
        for name, (im, depth, betas) in sc.items():
            clean = srgb_decode(im.astype(np.float32) / 255)
            for beta in betas:
                t = np.exp(-beta * depth).astype(np.float32)
                hazy = (clean * t[..., None] + 0.85 * (1 - t[..., None])).astype(np.float32)
                out = dehaze(hazy, t, **kw)
                g = (psnr(srgb_encode(np.clip(out, 0, 1)), srgb_encode(clean))
                     - psnr(srgb_encode(hazy), srgb_encode(clean)))
                gains.append(g)
                cells.append(f"{name[:10]} {beta:.1f} {g:+.1f} ({clipped(out) - clipped(clean):+.2f})")
        g = np.array(gains)
        print(f"{label}: median {np.median(g):+.2f} dB, worst {g.min():+.2f}, "
              f"{int((g >= 6).sum())}/{len(g)} >= +6 | " + "; ".join(cells), flush=True)


if __name__ == "__main__":
    main()
