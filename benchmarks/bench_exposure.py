"""Auto exposure: middle grey on real and simulated scenes, black patch, cost; LibRaw as the peer.

Run::

    nice .venv/bin/python benchmarks/bench_exposure.py [--quick]

Measures, in one run:

* the real ColorChecker DNG (``../shared/data/colorchecker-canon.dng``) with ``default``,
  ``neutral`` and rawpy/LibRaw ``postprocess`` with its auto-bright (camera white balance,
  linear sRGB output): neutral 5's exposure error against its reference luminance (the lab's
  :func:`~brightroom.lab.measure.measure_colorchecker`), the black patch's L* and its chroma
  noise (standard deviation of a*, b* in the patch, and after a 9 x 9 box blur: the
  low-frequency blotches);
* the lab's chart walls at 1, 5, 20, 100 and 1000 lux (:data:`~brightroom.lab.conditions.FULL_PLAN`,
  flagship-2022): neutral 5 of the wall's ColorChecker against its spectral reference, and the
  18 % flat field against 0.18;
* the other real raws (``../shared/data``, ``tests/data/raw``): mean output level (sRGB code
  and L*) and the metered EV;
* the cost of the exposure stage and of the shadow chroma operation, ms per 12 MP (row stages
  from ``colour`` on, fused, with and without them).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
import warnings
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
W709 = np.array([0.2126, 0.7152, 0.0722])


def lstar(y: float) -> float:
    return float(116 * np.cbrt(y) - 16) if y > 0.008856 else float(903.3 * y)


def chroma_noise(lin: np.ndarray, box) -> tuple[float, float]:
    import colour

    y0, x0, y1, x1 = box
    m = max(1, (y1 - y0) // 6)
    p = np.clip(lin[y0 + m:y1 - m, x0 + m:x1 - m], 0, None)
    lab = colour.XYZ_to_Lab(colour.sRGB_to_XYZ(p, apply_cctf_decoding=False)).astype(np.float32)
    low = cv2.blur(lab, (9, 9))
    return (float(math.hypot(lab[..., 1].std(), lab[..., 2].std())),
            float(math.hypot(low[..., 1].std(), low[..., 2].std())))


def rawpy_linear(path: Path) -> np.ndarray:
    import rawpy

    with rawpy.imread(str(path)) as r:
        rgb = r.postprocess(use_camera_wb=True, output_bps=16, gamma=(1, 1),
                            output_color=rawpy.ColorSpace.sRGB)  # auto-bright on (default)
    return rgb.astype(np.float32) / 65535


def real_chart() -> list[dict]:
    import brightroom
    from brightroom.color.spaces import decode
    from brightroom.lab.measure import measure_colorchecker

    path = SHARED / "colorchecker-canon.dng"
    raw = brightroom.read_raw(path)
    rows = []
    for name in ("default", "neutral", "rawpy"):
        if name == "rawpy":
            lin = rawpy_linear(path)
        else:
            lin = decode(np.clip(brightroom.develop(raw, recipe=name).data, 0, 1), "sRGB")
        m = measure_colorchecker(lin)
        blk = m["patches"][23]
        y = float(np.asarray(blk["rgb_linear"]) @ W709)
        cn, low = chroma_noise(lin, blk["box"])
        rows.append({"who": name, "grey_ev": m["exposure_ev"], "black_L": lstar(y),
                     "black_chroma": cn, "black_chroma_low": low})
    return rows


def lab_walls(quick: bool) -> list[dict]:
    import brightroom
    from brightroom.color.difference import lab_to_xyz
    from brightroom.color.spaces import decode
    from brightroom.io import write_dng
    from brightroom.lab.camera import simulate
    from brightroom.lab.conditions import FULL_PLAN, chart_wall
    from brightroom.lab.run import _spectral_reference_lab

    rows = []
    conds = FULL_PLAN.conditions[::2] if quick else FULL_PLAN.conditions
    for i, cond in enumerate(conds):
        wall = chart_wall(cond, FULL_PLAN.sizes)
        raw = simulate(wall.scene, "flagship-2022", lux=cond.lux, cct=cond.cct, seed=100 + i)
        chart = wall.charts["colorchecker"]
        y_ref = lab_to_xyz(_spectral_reference_lab(chart))[:, 1]
        with tempfile.TemporaryDirectory() as tmp:
            dng = write_dng(raw, Path(tmp) / "wall.dng")
            outs = {r: decode(np.clip(brightroom.develop(raw, recipe=r).data, 0, 1), "sRGB")
                    for r in ("default", "neutral")}
            outs["rawpy"] = rawpy_linear(dng)
        cy0, cx0 = wall.boxes["colorchecker"][:2]
        py0, px0, py1, px1 = np.asarray(chart.ground_truth["boxes"])[21]
        m = max(1, (py1 - py0) // 4)
        fy0, fx0, fy1, fx1 = wall.boxes["flat"]
        fm = (fy1 - fy0) // 6
        for who, lin in outs.items():
            grey = lin[cy0 + py0 + m:cy0 + py1 - m, cx0 + px0 + m:cx0 + px1 - m] @ W709
            flat = lin[fy0 + fm:fy1 - fm, fx0 + fm:fx1 - fm] @ W709
            rows.append({"lux": cond.lux, "who": who, "iso": raw.camera.iso,
                         "grey_ev": math.log2(float(grey.mean()) / float(y_ref[21])),
                         "flat_ev": math.log2(float(flat.mean()) / 0.18)})
    return rows


def other_raws() -> list[dict]:
    import brightroom

    files = [SHARED / "linear-dng-canon6d.dng", ROOT / "tests/data/raw/pidng-nomatrix.dng",
             ROOT / "tests/data/raw/lab-mono.dng", ROOT / "tests/data/raw/lab-xtrans.dng",
             ROOT / "tests/data/raw/lab-linear-opcodes.dng",
             ROOT / "tests/data/golden/lab-astronaut.dng"]
    rows = []
    for f in files:
        if not f.is_file():
            continue
        for recipe in ("default", "neutral"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                img = brightroom.develop(f, recipe=recipe)
            from brightroom.color.spaces import decode

            lin = decode(np.clip(img.data, 0, 1), "sRGB")
            y = float(np.mean(lin @ W709))
            rows.append({"file": f.name, "recipe": recipe, "mean_code": float(img.data.mean() * 255),
                         "mean_L": lstar(y), "clipped_pct": float(np.mean(img.data >= 0.999) * 100),
                         "metered_ev": img.metadata.get("exposure", {}).get("ev")})
    return rows


def _best(fn, repeat: int) -> float:
    """Best CPU time (all threads of this process) of ``repeat`` runs, ms: on a shared machine
    the CPU time a run takes varies far less than its wall time."""
    fn()  # compile, warm
    ts = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        ts.append(time.process_time() - t)
    return 1000 * float(min(ts))


def cost(repeat: int) -> dict:
    from brightroom.develop.exposure import ExposureParams, meter
    from brightroom.develop.faces import find_faces
    from brightroom.develop.recipe import Recipe, load_recipe
    from brightroom.develop.rowops import Matrix, area_downsample, run_ops
    from brightroom.develop.tone import luminance_weights, shadow_chroma
    from brightroom.types import CameraInfo, FrameState, Image, WhiteBalance

    rng = np.random.default_rng(0)
    h, w = 3000, 4000
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 0.02 + 0.1 * (1 + np.sin(xx / 300.0) * np.cos(yy / 200.0))
    data = np.repeat(base[..., None], 3, 2) * np.array([1.1, 1.0, 0.8], np.float32)
    data = (data + rng.normal(0, 0.003, data.shape)).astype(np.float32)
    wts = luminance_weights("sRGB")
    small = area_downsample(data, 8)
    lum = (small @ wts).astype(np.float32)
    op = shadow_chroma(small, (h, w), wts)
    scale = Matrix(np.eye(3) * 1.5)
    out = {
        "meter": _best(lambda: meter(lum, ExposureParams()), repeat),
        "faces": _best(lambda: find_faces(small), repeat),
        "chroma_design": _best(lambda: shadow_chroma(small, (h, w), wts), repeat),
        "pass_plain": _best(lambda: run_ops(data, (scale,)), repeat),
        "pass_chroma": _best(lambda: run_ops(data, (scale, op)), repeat),
    }
    cam = CameraInfo(color_matrix1=np.eye(3))
    state = FrameState(white_balance=WhiteBalance(neutral=(1.0, 1.0, 1.0), mode="as-shot"))
    img = Image(data, space="camera_rgb", primaries="camera", camera=cam, state=state)
    full = load_recipe("default")
    k = [n for n, _ in full.steps].index("colour")
    with_ = Recipe("with", full.steps[k:]).pipeline()
    without = Recipe("without", tuple((n, p) for n, p in full.steps[k:] if n != "exposure")
                     ).with_params("tone", chroma_nr=0.0).pipeline()
    out["rows_without"] = _best(lambda: without(img), repeat)
    out["rows_with"] = _best(lambda: with_(img), repeat)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="three lab walls, fewer repeats")
    args = ap.parse_args()
    if not (SHARED / "colorchecker-canon.dng").is_file():
        print(f"{SHARED} absent: the real ColorChecker DNG is needed", file=sys.stderr)
        return 1
    print("## real ColorChecker DNG (Canon 550D), neutral 5 vs its reference luminance")
    print("who       grey EV  black L*  black chroma sd (all / 9x9 low-pass)")
    for r in real_chart():
        print(f"{r['who']:<9} {r['grey_ev']:+7.2f}  {r['black_L']:7.1f}   "
              f"{r['black_chroma']:5.2f} / {r['black_chroma_low']:5.2f}")
    print("\n## lab chart walls (flagship-2022): neutral 5 and the 18% flat field, EV error")
    print("lux      who      ISO    grey EV  flat EV")
    rows = lab_walls(args.quick)
    for r in rows:
        print(f"{r['lux']:<8g} {r['who']:<8} {r['iso']:<6.0f} {r['grey_ev']:+7.2f}  "
              f"{r['flat_ev']:+7.2f}")
    for who in ("default", "neutral", "rawpy"):
        worst = max((r for r in rows if r["who"] == who), key=lambda r: abs(r["grey_ev"]))
        print(f"worst {who}: {worst['grey_ev']:+.2f} EV at {worst['lux']:g} lux")
    print("\n## other real / made raws: mean output")
    print("file                       recipe   mean code  mean L*  clipped %  metered EV")
    for r in other_raws():
        ev = r["metered_ev"]
        print(f"{r['file']:<26} {r['recipe']:<8} {r['mean_code']:9.1f}  {r['mean_L']:7.1f}  "
              f"{r['clipped_pct']:9.2f}  {'' if ev is None else f'{ev:+.2f}'}")
    c = cost(3 if args.quick else 7)
    print("\n## cost per 12 MP (best CPU time of the runs, all threads, ms)")
    print(f"meter on the 1/8 preview {c['meter']:.1f}; BlazeFace {c['faces']:.1f}; shadow chroma "
          f"design {c['chroma_design']:.1f}; a row pass with a scale {c['pass_plain']:.0f}, with the "
          f"scale and the chroma op {c['pass_chroma']:.0f} "
          f"(+{c['pass_chroma'] - c['pass_plain']:.0f})")
    print(f"default's row stages colour..output fused: without exposure and chroma "
          f"{c['rows_without']:.0f}, with {c['rows_with']:.0f} "
          f"(+{c['rows_with'] - c['rows_without']:.0f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
