"""X-Trans demosaicing: Brightroom's ``markesteijn2013`` against LibRaw's, on the same DNG files.

Quality, two sets of truths:

* **lab**: the virtual camera (``brightroom.lab.camera.simulate``, preset ``flagship-2022``,
  D50-ish 5000 K, lens off so the truth is sharp) photographs scikit-image's photos through an
  X-Trans layout; the truth is the same scene's camera RGB without the mosaic (the lab's
  ``rgb_to_raw`` applied to the scene), in normalised units. Noise on (``--noise``) or off.
* **photo**: scikit-image's photos decoded to linear light taken as camera RGB and sampled
  through the X-Trans layout (as ``bench_demosaic.py`` does for Bayer).

Both resample the photos to 0.8 MP in linear light (Lanczos; LibRaw's ``xtrans_interpolate``
refuses images under 512 pixels a side, and chelsea is 300 x 451).

Every mosaic is written as an X-Trans DNG with Brightroom's writer and read back; ours
demosaics ``read_raw``'s mosaic (``domain="linear"`` and ``"gamma"``, the square-root domain
of :mod:`brightroom.develop.demosaic.gamma`), LibRaw (rawpy) postprocesses *the same file* with its
``xtrans_interpolate`` (one pass: ``demosaic_algorithm=PPG``, which LibRaw maps to
Markesteijn's one-pass method for X-Trans; three passes: ``AHD``) in raw colour, linear, no
white balance, no auto-brightness, no maximum adjustment (``adjust_maximum_thr=0``: by
default LibRaw rescales a frame whose brightest pixel is above 75 % of white), 16 bits.
PSNR (peak 1) on the interior (12 pixels cropped),
linear and after sRGB encoding (clipped). LibRaw's output is clipped to [0, 1] (16-bit
integers); ours is compared clipped too, for fairness.

Speed: one 12 MP X-Trans mosaic; median of ``--runs`` runs after a warm-up, ours (numba) and
LibRaw's one-pass ``xtrans_interpolate`` (its whole ``postprocess``, which also scales and
converts) in the same process, with the process CPU time beside the wall time.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_xtrans.py [--runs N] [--quick]``

References
----------
Markesteijn, F. (2013), in D. Coffin, dcraw.c 9.20, ``xtrans_interpolate``; LibRaw 0.22.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numba  # noqa: E402
import numpy as np  # noqa: E402
import rawpy  # noqa: E402
from skimage import data as skdata  # noqa: E402

from brightroom.charts.natural import natural  # noqa: E402
from brightroom.color.metrics import psnr  # noqa: E402
from brightroom.color.spaces import srgb_decode, srgb_encode  # noqa: E402
from brightroom.develop.demosaic import demosaic  # noqa: E402
from brightroom.io import read_raw, write_dng  # noqa: E402
from brightroom.lab.camera import simulate  # noqa: E402
from brightroom.lab.camera.simulate import scene_electrons  # noqa: E402
from brightroom.types import CameraInfo, CFAPattern, RawImage  # noqa: E402

IMAGES = ("astronaut", "coffee", "chelsea", "rocket")
CROP = 12
OURS = {"linear": "Brightroom markesteijn2013", "gamma": "Brightroom markesteijn2013 gamma"}
LIBRAW = {"LibRaw 1-pass": rawpy.DemosaicAlgorithm.PPG,
          "LibRaw 3-pass": rawpy.DemosaicAlgorithm.AHD}


def libraw_rgb(path: Path, algorithm: rawpy.DemosaicAlgorithm) -> np.ndarray:
    with rawpy.imread(str(path)) as r:
        out = r.postprocess(demosaic_algorithm=algorithm, output_color=rawpy.ColorSpace.raw,
                            gamma=(1, 1), no_auto_bright=True, user_wb=[1.0, 1.0, 1.0, 1.0],
                            output_bps=16, user_flip=0, highlight_mode=rawpy.HighlightMode.Clip,
                            adjust_maximum_thr=0.0)
    return out.astype(np.float32) / np.float32(65535)


def scores(out: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    out = np.clip(out, 0, 1)
    t = np.clip(truth, 0, 1)
    return (psnr(out, t, border=CROP), psnr(srgb_encode(out), srgb_encode(t), border=CROP))


SCENE_MP = 0.8  # LibRaw's xtrans_interpolate refuses images under 512 pixels a side


def lab_case(name: str, noise: bool, tmp: Path, pattern: CFAPattern) -> tuple[RawImage, np.ndarray]:
    scene = natural(name, megapixels=SCENE_MP)
    raw = simulate(scene, "flagship-2022", pattern=pattern, optics=False, noise=noise,
                   gain_map=False, lux=1000.0, cct=5000.0, seed=1)
    truth = scene_electrons(scene, np.asarray(raw.metadata["lab"]["rgb_to_raw"]), None, 1.0)
    return raw, truth


def photo_case(name: str, pattern: CFAPattern) -> tuple[RawImage, np.ndarray]:
    truth = np.ascontiguousarray(natural(name, megapixels=SCENE_MP).rgb, dtype=np.float32)
    idx = pattern.channel_index(*truth.shape[:2]).astype(np.intp)
    cfa = np.ascontiguousarray(np.take_along_axis(truth, idx[..., None], 2)[..., 0])
    raw = RawImage(cfa, pattern, camera=CameraInfo(as_shot_neutral=(1.0, 1.0, 1.0)),
                   black_level=(0.0,) * 4, white_level=1.0)
    return raw, truth


def quality(images: tuple[str, ...], tmp: Path, noise: bool) -> None:
    rows: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for kind in ("lab", "photo"):
        for i, name in enumerate(images):
            pattern = CFAPattern.xtrans(i % 6, (2 * i) % 6)  # vary the phase
            raw, truth = lab_case(name, noise, tmp, pattern) if kind == "lab" else \
                photo_case(name, pattern)
            path = write_dng(raw, tmp / f"{kind}-{name}.dng", overwrite=True)
            back = read_raw(path)
            assert back.pattern == pattern
            res = rows.setdefault(kind, {})
            for dom in ("linear", "gamma"):
                ours = demosaic(back.cfa, back.pattern, domain=dom)
                res.setdefault(OURS[dom], []).append(scores(ours, truth))
            for label, alg in LIBRAW.items():
                res.setdefault(label, []).append(scores(libraw_rgb(path, alg), truth))
    for kind, res in rows.items():
        what = (f"lab camera (flagship-2022, lens off, noise {'on' if noise else 'off'})"
                if kind == "lab" else "photos as linear camera RGB")
        print(f"\nX-Trans PSNR (dB), {what}, mean over {len(images)} images, "
              f"{CROP}-pixel border cropped, same DNG for every method")
        print(f"{'method':<34}{'linear':>9}{'sRGB':>9}{'min sRGB':>10}")
        for m, v in res.items():
            a = np.array(v)
            print(f"{m:<34}{a[:, 0].mean():9.2f}{a[:, 1].mean():9.2f}{a[:, 1].min():10.2f}")
        for ours in OURS.values():
            ref = np.array(res[ours])
            for m in LIBRAW:
                a = np.array(res[m])
                print(f"  {ours[11:]} - {m:<22}{ref[:, 0].mean() - a[:, 0].mean():+9.2f}"
                      f"{ref[:, 1].mean() - a[:, 1].mean():+9.2f}")


def _timed(fn, runs: int) -> tuple[float, float, float]:
    fn()
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return float(np.median(wall)), float(np.std(wall)), float(np.median(cpu))


def speed(runs: int, tmp: Path, quick: bool) -> None:
    h, w = (1500, 2000) if quick else (3000, 4000)
    pattern = CFAPattern.xtrans()
    truth = srgb_decode(skdata.astronaut()[..., :3].astype(np.float32) / np.float32(255))
    reps = (-(-h // truth.shape[0]), -(-w // truth.shape[1]), 1)
    big = np.tile(truth, reps)[:h, :w]
    idx = pattern.channel_index(h, w).astype(np.intp)
    cfa = np.ascontiguousarray(np.take_along_axis(big, idx[..., None], 2)[..., 0])
    raw = RawImage(cfa, pattern, camera=CameraInfo(as_shot_neutral=(1.0, 1.0, 1.0)),
                   black_level=(0.0,) * 4, white_level=1.0)
    path = write_dng(raw, tmp / "speed.dng", overwrite=True)
    back = read_raw(path)
    ours = _timed(lambda: demosaic(back.cfa, back.pattern), runs)
    peer = _timed(lambda: libraw_rgb(path, rawpy.DemosaicAlgorithm.PPG), runs)
    mp = h * w / 1e6
    print(f"\nX-Trans demosaic speed, {mp:.0f} MP, median of {runs} runs (wall s, spread; cpu s)")
    print(f"{'':<30}{'wall':>8}{'spread':>8}{'cpu':>8}")
    print(f"{'ours markesteijn2013 (numba)':<30}{ours[0]:8.3f}{ours[1]:8.3f}{ours[2]:8.3f}")
    print(f"{'LibRaw 1-pass postprocess':<30}{peer[0]:8.3f}{peer[1]:8.3f}{peer[2]:8.3f}")
    print(f"ratio ours / peer: wall {ours[0] / peer[0]:.2f}, cpu {ours[2] / peer[2]:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="two images, a 3 MP speed case")
    ap.add_argument("--noise", action="store_true", help="lab raws with sensor noise")
    args = ap.parse_args()
    print(f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cpus, "
          f"numba {numba.__version__} ({numba.config.NUMBA_NUM_THREADS} threads), "
          f"rawpy {rawpy.__version__} / LibRaw {'.'.join(map(str, rawpy.libraw_version))}, "
          f"load {os.getloadavg()[0]:.2f}")
    images = IMAGES[:2] if args.quick else IMAGES
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        quality(images, tmp, args.noise)
        speed(args.runs, tmp, args.quick)
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
