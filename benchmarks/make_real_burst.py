"""Make a hand-held-like burst of real DNG frames from one real DNG (for the CLI burst timing).

Each frame is the real mosaic cropped at an even offset (a whole-cell shift: the Bayer phase is
kept), i.e. the camera moved by a few pixels between exposures; frame ``k`` gets fresh noise from
the file's own noise level (estimated from the mosaic, MAD of plane detail) so that the frames
are not bit-identical, and is written as an uncompressed DNG by :func:`brightroom.io.dng.write_dng`.

Run: ``.venv/bin/python benchmarks/make_real_burst.py ../shared/data/colorchecker-canon.dng
out/real-burst -n 3``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from brightroom.io.dng import write_dng
from brightroom.io.raw import read_raw

SHIFTS = [(0, 0), (2, 4), (-4, 2), (6, -2), (-2, -6), (4, 6), (-6, -4), (8, 0)]


def make_burst(src: str | Path, out: str | Path, n: int = 3, margin: int = 16,
               seed: int = 0) -> list[Path]:
    """Write ``n`` shifted crops of ``src`` (fresh noise each) to ``out/frame-k.dng``."""
    raw = read_raw(src)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    h, w = raw.cfa.shape
    rng = np.random.default_rng(seed)
    d = raw.cfa[2:, 2:] - raw.cfa[:-2, 2:] - raw.cfa[2:, :-2] + raw.cfa[:-2, :-2]
    sd = 1.4826 * float(np.median(np.abs(d - np.median(d)))) / 2.0
    paths = []
    for k in range(n):
        dy, dx = SHIFTS[k % len(SHIFTS)]
        y0, x0 = margin + dy, margin + dx
        cfa = raw.cfa[y0:h - 2 * margin + y0, x0:w - 2 * margin + x0].copy()
        if k:
            cfa += np.float32(sd * 0.5) * rng.standard_normal(cfa.shape, dtype=np.float32)
            np.clip(cfa, 0, 1, out=cfa)
        frame = raw.replace(cfa=cfa.astype(np.float32), gain_map=None, warp=None)
        paths.append(write_dng(frame, out / f"frame-{k}.dng", overwrite=True))
    return paths


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("-n", type=int, default=3)
    a = ap.parse_args()
    for p in make_burst(a.src, a.out, a.n):
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
