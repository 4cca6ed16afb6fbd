"""Automatic white balance accuracy: spectral renders of unseen cameras and lights, and a real DNG.

**Spectral test set.** The ``test`` split of :mod:`brightroom.lab.awb_dataset`, disjoint from
the ``train`` split that ``tools/train_awb.py`` fits ``barron2017`` on:

* cameras: Nikon D5100 (NPL measurements), the lab's ``budget-phone`` preset and 3 random
  Gaussian sensitivity sets (seed 1); training used the Sigma SD Merrill, the ``flagship-2022``
  preset, 4 perturbed copies of it and 10 other Gaussian sets;
* lights: Planckian 2300 / 2700 / 3200 K and CIE daylight 4500-9500 K (on the locus), FL4, FL6,
  FL10, FL12, FL3.9-FL3.15 and the CIE LEDs B2, B4, RGB1, V2 (off the locus; none used in
  training), and two-light mixes of them;
* scenes: scikit-image's astronaut, coffee, chelsea, rocket and motorcycle photos and crops
  (Mallett & Yuksel 2019 spectra), and Mondrians of ColorChecker spectra; training used other
  photos, textures, reflectance sets and dead-leaves scenes of Munsell colours.

Each render (camera RGB with shot and read noise, clipped at 1, DNG ColorMatrix1 (A) and
ColorMatrix2 (D65) fitted per camera) is sampled through an RGGB mosaic and binned by
:func:`~brightroom.develop.white_balance.mosaic_preview`, as the stage does. The error is the
angle between the estimate and the camera's response to a white under the light; for a
two-light render it is the mean over pixels of the angle to each pixel's own light (so a global
estimate is charged for the light it misses, and ``barron2017 + mixed``, the spatially varying
option, is scored on the same footing). Median, mean, 95th percentile and maximum, per method,
for all renders and by kind of light. ``barron2017 (no matrix)`` runs without the camera's
colour matrices (the documented fallback).

**Real DNG.** ``../shared/data/colorchecker-canon.dng`` (Canon EOS 550D, a camera never seen in
training): the chart is found (``brightroom.charts.detect``), the truth is the mean camera RGB of
its six neutral patches (each normalised to green = 1), and each method's neutral (on the
stage's preview) is compared with it (``camera RGB``). ``developed`` is the issue's measure: the
image developed with the ``neutral`` recipe and that neutral, then
:func:`brightroom.lab.measure.measure_colorchecker`'s angular error of the neutral row in
linear sRGB.

The bar: median <= 1.5 degrees on the spectral test set and <= 3 degrees on the real DNG for
the default method. ``--timing`` times AWB on a 12 MP mosaic's preview instead.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_awb.py [--quick | --timing]``

References
----------
Mallett, I., Yuksel, C. (2019). Spectral primary decomposition for rendering with sRGB
reflectance. EGSR.

Hordley, S. D., Finlayson, G. D. (2006). Reevaluation of color constancy algorithm performance.
JOSA A, 23(5), 1008-1020 (median angular error).

Barron, J. T., Tsai, Y.-T. (2017). Fast Fourier Color Constancy. CVPR.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from brightroom.color.profile import (  # noqa: E402
    angular_error,
    camera_to_rgb_matrix,
    neutral_to_temperature,
)
from brightroom.develop.colour import apply_matrix  # noqa: E402
from brightroom.develop.white_balance import (  # noqa: E402
    AWB_METHODS,
    DEFAULT_AWB_METHOD,
    WhiteBalanceParams,
    estimate_illuminant,
    estimate_lights,
    mosaic_preview,
    white_balance,
)
from brightroom.lab import awb_dataset  # noqa: E402
from brightroom.types import CameraInfo, CFAPattern, RawImage  # noqa: E402

DNG = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "colorchecker-canon.dng"
if not DNG.exists():
    DNG = Path("/work/shared/data/colorchecker-canon.dng")


def mosaic(rgb: np.ndarray, pattern: CFAPattern) -> np.ndarray:
    """Sample an ``H x W x 3`` image through ``pattern`` into a float32 mosaic."""
    idx = pattern.channel_index(*rgb.shape[:2]).astype(np.intp)
    return np.take_along_axis(rgb, idx[..., None], axis=2)[..., 0].astype(np.float32)


def _kind(name: str, mixed: bool) -> str:
    light = name.split(" | ")[1]
    if mixed:
        return "two lights"
    if light.startswith(("FL", "LED")):
        return "off locus (FL, LED)"
    return "on locus (Planck, D)"


def _stats(e: np.ndarray) -> str:
    return (f"{np.median(e):8.2f}{e.mean():8.2f}{np.percentile(e, 95):8.2f}{e.max():8.2f}")


def spectral(args: argparse.Namespace) -> None:
    pattern = CFAPattern("RGGB")
    methods = [*AWB_METHODS, "barron2017 (no matrix)", "barron2017 + mixed",
               "locus_white_patch + mixed"]
    errors: dict[str, list[float]] = {m: [] for m in methods}
    times: dict[str, list[float]] = {m: [] for m in methods}
    kinds: list[str] = []
    n_m, lps, mps = (4, 3, 1) if args.quick else (12, 6, 2)
    for case in awb_dataset.cases("test", n_mondrians=n_m, lights_per_scene=lps,
                                  mixed_per_scene=mps, seed=0, size=384):
        preview = mosaic_preview(mosaic(case.rgb, pattern), pattern)
        h, w = preview.shape[:2]
        if case.truth_map is not None:
            tm = cv2.resize(case.truth_map, (w, h), interpolation=cv2.INTER_AREA)
            tm /= np.linalg.norm(tm, axis=-1, keepdims=True)
        else:
            tm = None
        kinds.append(_kind(case.name, case.mixed))

        def err(est: np.ndarray, tm: np.ndarray | None = tm, truth=case.truth) -> float:
            if tm is None:
                return float(angular_error(est, truth)) if est.ndim == 1 else \
                    float(np.mean(angular_error(est, truth)))
            return float(np.mean(angular_error(est, tm)))

        for m in methods:
            t0 = time.perf_counter()
            if m == "barron2017 (no matrix)":
                est = estimate_illuminant(preview, method="barron2017", camera=CameraInfo())
            elif m.endswith(" + mixed"):
                l1, l2, wgt = estimate_lights(preview, camera=case.camera, method=m.split()[0])
                est = wgt[..., None] * l1 + (1 - wgt[..., None]) * l2
            else:
                est = estimate_illuminant(preview, method=m, camera=case.camera)
            times[m].append(time.perf_counter() - t0)
            errors[m].append(err(est))
    kinds_a = np.asarray(kinds)
    counts = ", ".join(f"{k}: {np.sum(kinds_a == k)}" for k in dict.fromkeys(kinds))
    print(f"Spectral test set: {len(kinds)} renders ({counts}); "
          f"cameras: {', '.join(s.name for s in awb_dataset.cameras('test'))}")
    print("Angular error, degrees (two lights: mean over pixels of the error to each pixel's light)")
    print(f"{'method':<24}{'median':>8}{'mean':>8}{'p95':>8}{'max':>8}{'ms/img':>9}"
          f"   median by light: on locus / off locus / two lights")
    for m in methods:
        e = np.asarray(errors[m])
        by = " / ".join(f"{np.median(e[kinds_a == k]):.2f}" for k in
                        ("on locus (Planck, D)", "off locus (FL, LED)", "two lights"))
        print(f"{m:<24}{_stats(e)}{1e3 * np.median(times[m]):9.2f}   {by}")


def _chart_gray(raw: RawImage) -> np.ndarray:
    """Mean camera RGB (green = 1) of the chart's six neutral patches, found by cv2.mcc."""
    from brightroom.charts.detect import detect_colorchecker

    det = detect_colorchecker(raw)
    idx = raw.pattern.channel_index(*raw.cfa.shape)
    rows = []
    for y0, x0, y1, x1 in det.boxes[18:24]:
        sub, si = raw.cfa[y0:y1, x0:x1], idx[y0:y1, x0:x1]
        rows.append([float(sub[si == k].mean()) for k in range(3)])
    g = np.asarray(rows)
    # the detector's order may run black -> white: either way, these are the six neutrals
    return (g / g[:, 1:2]).mean(axis=0)


def _developed_error(raw: RawImage, neutral: np.ndarray) -> float:
    from brightroom.develop.run import develop, resolve_recipe
    from brightroom.lab.measure import decode, measure_colorchecker

    r = resolve_recipe("neutral").with_params(
        "white_balance", mode="custom", neutral=tuple(float(v) for v in neutral))
    img = develop(raw, recipe=r)
    lin = decode(np.asarray(img.data, np.float32), img.transfer)
    return float(measure_colorchecker(lin)["wb_angular_error_deg"])


def real_dng() -> None:
    if not DNG.exists():
        print(f"real DNG: {DNG} not found (../shared/data is absent); skipped")
        return
    from brightroom.io.raw import read_raw

    raw = read_raw(DNG)
    cam = raw.camera
    gray = _chart_gray(raw)
    cct, tint = neutral_to_temperature(cam, gray)
    print(f"\nReal DNG {DNG.name} ({cam.make} {cam.model}, never seen in training): chart gray in "
          f"camera RGB {np.round(gray, 4).tolist()}, {cct:.0f} K, tint {tint:+.2f}")
    print(f"{'method':<22}{'camera RGB':>11}{'developed':>11}{'CCT K':>8}{'tint':>7}")
    prev = mosaic_preview(raw.cfa, raw.pattern)
    rows = [("as-shot", np.asarray(cam.as_shot_neutral, np.float64))]
    for m in AWB_METHODS:
        rows.append((m, estimate_illuminant(prev, method=m, camera=cam,
                                            saturation=raw.saturation)))
    auto = white_balance(raw, WhiteBalanceParams(mode="auto"))
    rows.append((f"--wb auto ({DEFAULT_AWB_METHOD})", np.asarray(auto.state.white_balance.neutral)))
    for name, n in rows:
        n = n / n[1]
        c, t = neutral_to_temperature(cam, n)
        print(f"{name:<22}{angular_error(n, gray):11.2f}{_developed_error(raw, n):11.2f}"
              f"{c:8.0f}{t:+7.2f}")
    mixed = white_balance(raw, WhiteBalanceParams(mode="auto", mixed=True)).state.white_balance
    if mixed.lights is not None:
        lm = mixed.lights
        c1, c2 = (neutral_to_temperature(cam, np.asarray(x))[0] for x in (lm.light1, lm.light2))
        print(f"mixed=True: two lights, {c1:.0f} K and {c2:.0f} K; share of the first "
              f"{float(lm.weight.mean()):.2f} of the frame")
    else:
        print("mixed=True: one light found")


def timing(repeat: int = 15) -> None:
    """Median time of AWB on a 12 MP mosaic's preview, and of the whole stage."""
    camera = awb_dataset.camera_info(awb_dataset.cameras("test")[0])
    rng = np.random.default_rng(0)
    h, w = 3000, 4000
    from brightroom.color.spaces import srgb_decode

    lin = srgb_decode(rng.uniform(0, 1, (h // 8, w // 8, 3)).astype(np.float32))
    img = np.repeat(np.repeat(lin, 8, 0), 8, 1) * np.float32(0.8)
    pat = CFAPattern("RGGB")
    raw = RawImage(cfa=mosaic(img, pat), pattern=pat, camera=camera)
    del img

    def med(fn) -> str:
        fn()
        ts = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        return f"{1e3 * np.median(ts):7.2f} {1e3 * np.min(ts):7.2f}"

    prev = mosaic_preview(raw.cfa, pat)
    print(f"12 MP ({w}x{h}) timings over {repeat} runs, ms:  median     min")
    print(f"  memcpy of the mosaic (reference)      {med(lambda: raw.cfa.copy())}")
    print(f"  mosaic_preview -> {prev.shape[1]}x{prev.shape[0]}            "
          f"{med(lambda: mosaic_preview(raw.cfa, pat))}")
    for m in AWB_METHODS:
        print(f"  estimate_illuminant {m:<18}"
              f"{med(lambda m=m: estimate_illuminant(prev, method=m, camera=camera))}")
    print(f"  estimate_lights (mixed)               "
          f"{med(lambda: estimate_lights(prev, camera=camera))}")
    for label, p in (("as-shot", WhiteBalanceParams(mode="as-shot")),
                     ("auto", WhiteBalanceParams(mode="auto")),
                     ("auto, mixed", WhiteBalanceParams(mode="auto", mixed=True))):
        r = raw.replace(camera=camera.replace(as_shot_neutral=(0.5, 1.0, 0.7))) \
            if label == "as-shot" else raw
        print(f"  white_balance stage, {label:<17}{med(lambda r=r, p=p: white_balance(r, p))}")
    rgb = np.random.default_rng(1).uniform(0, 1, (h, w, 3)).astype(np.float32)
    m3 = camera_to_rgb_matrix(camera, np.array([0.5, 1.0, 0.7]))
    print(f"  colour: apply_matrix (cv2.transform)  {med(lambda: apply_matrix(rgb, m3))}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a smaller spectral test set")
    ap.add_argument("--timing", action="store_true", help="only time AWB and the stage at 12 MP")
    ap.add_argument("--real-only", action="store_true", help="only the real DNG")
    args = ap.parse_args()
    if args.timing:
        timing()
    else:
        if not args.real_only:
            spectral(args)
        real_dng()
    print(f"machine: {platform.machine()} {platform.processor() or ''} "
          f"{os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}, Python "
          f"{platform.python_version()}, numpy {np.__version__}")


if __name__ == "__main__":
    main()
