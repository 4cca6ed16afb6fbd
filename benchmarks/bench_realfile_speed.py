"""Speed on real files, from the first command (issue 20, "Fast from the first command").

Three bars, each with its peer run in the same session:

* **Command line**: one 2.2 MP real DNG (``../shared/data/colorchecker-canon.dng``) to a JPEG,
  ``brightroom develop IN -o OUT --overwrite`` in a fresh process (numba cache warm: one run
  first), against rawpy's three-line script in a fresh process: ``rawpy.imread``,
  ``postprocess(AHD, use_camera_wb=True)`` and the JPEG writer Brightroom uses (libjpeg-turbo
  through OpenCV, quality 92). Interleaved runs; median wall time, median CPU time (user + sys,
  steadier on a shared machine) and peak RSS of each.
* **In process** (warm): ``read_raw -> develop -> write`` (JPEG, quality 92) against
  ``rawpy.imread -> postprocess(AHD) -> the same writer`` on the real DNGs in
  ``../shared/data`` and ``tests/data/raw`` that both develop, and on 12 MP and 24 MP DNGs
  simulated by the lab (flagship-2022, ISO 400). Median of N interleaved runs.
* **Content**: each stage of the ``default`` recipe timed on a frame and on the same frame with
  30 % of its mosaic clipped (scaled so that 30 % of the samples exceed the white level), on
  the real 2.2 MP DNG and the simulated 12 MP one; the ratio of the two per stage (bar: no
  stage costs more than 2x on either).

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_realfile_speed.py [--runs 7]
[--no-24mp] [--only cli --variants --before DIR]``
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = ROOT / ".bench_cache"
SHARED = ROOT.parent / "shared" / "data"
CC_DNG = SHARED / "colorchecker-canon.dng"

PEER_SCRIPT = """
import sys, cv2, rawpy
with rawpy.imread(sys.argv[1]) as r:
    rgb = r.postprocess(demosaic_algorithm=rawpy.DemosaicAlgorithm.AHD, use_camera_wb=True)
cv2.imwrite(sys.argv[2], cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
"""


def brightroom_pkg() -> str:
    """The folder of the brightroom package this interpreter imports."""
    import brightroom

    return str(Path(brightroom.__file__).parent)


def _brightroom_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("brightroom")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "brightroom.cli.main"]


def _timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """(wall s, CPU s of the child, peak RSS MiB of the child) of one fresh process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=None if env is None else {**os.environ, **env})
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed: {err}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


def command_line(runs: int, out: Path, variants: bool = False,
                 before: Path | None = None) -> dict[str, float]:
    """The command-line bar; with ``variants`` also ours with the JIT only (``BRIGHTROOM_AOT=0``)
    and without Brightroom's byte-code caches (a copy of the package without ``.pyc``, run with
    ``PYTHONDONTWRITEBYTECODE``); with ``before`` also an older
    checkout's ``src`` (``PYTHONPATH``), all interleaved in the same runs."""
    ours = [*_brightroom_cmd(), "develop", str(CC_DNG), "-o", str(out / "cli-ours.jpg"),
            "--overwrite"]
    peer = [sys.executable, "-c", PEER_SCRIPT, str(CC_DNG), str(out / "cli-peer.jpg")]
    cases: dict[str, tuple[list[str], dict[str, str] | None]] = {"ours": (ours, None),
                                                                 "peer": (peer, None)}
    if variants:
        cases["ours, JIT only (BRIGHTROOM_AOT=0)"] = (ours, {"BRIGHTROOM_AOT": "0"})
        # a copy of the package without its __pycache__ folders (the AOT build and the
        # manifest travel with it): Brightroom's modules compiled from source on every run,
        # as an editable install with PYTHONDONTWRITEBYTECODE and no .pyc gives
        nopyc = out / "nopyc"
        shutil.rmtree(nopyc, ignore_errors=True)
        shutil.copytree(Path(brightroom_pkg()), nopyc / "brightroom",
                        ignore=shutil.ignore_patterns("__pycache__"))
        cases["ours, no byte-code cache of brightroom"] = (
            [sys.executable, "-m", "brightroom.cli.main", *ours[len(_brightroom_cmd()):]],
            {"PYTHONPATH": str(nopyc), "PYTHONDONTWRITEBYTECODE": "1"})
    if before is not None:
        cases[f"before ({before.name})"] = (
            [sys.executable, "-m", "brightroom.cli.main", *ours[len(_brightroom_cmd()):]],
            {"PYTHONPATH": str(before / "src")})
    for cmd, env in cases.values():
        _timed(cmd, env)  # numba cache warm, files in the page cache
    res: dict[str, list] = {k: [] for k in cases}
    for _ in range(runs):
        for k, (cmd, env) in cases.items():
            res[k].append(_timed(cmd, env))
    med = {k: np.median(np.array(v), axis=0) for k, v in res.items()}
    (ow, oc, om), (pw, pc, pm) = med["ours"], med["peer"]
    print(f"command line, {CC_DNG.name} -> JPEG, median of {runs}:")
    print(f"  ours  brightroom develop   wall {ow:.2f} s  cpu {oc:.2f} s  peak {om:.0f} MiB")
    print(f"  peer  rawpy AHD + cv2 JPEG wall {pw:.2f} s  cpu {pc:.2f} s  peak {pm:.0f} MiB")
    for k in list(cases)[2:]:
        w, c, m = med[k]
        print(f"  {k}: wall {w:.2f} s  cpu {c:.2f} s  peak {m:.0f} MiB  (x{w / pw:.2f} / "
              f"x{c / pc:.2f} of the peer)")
    print(f"  ratio ours/peer: wall x{ow / pw:.2f}, cpu x{oc / pc:.2f}, memory x{om / pm:.2f}")
    return {"wall": ow / pw, "cpu": oc / pc}


def _ours(path: Path, out: Path) -> None:
    import brightroom

    brightroom.write(brightroom.develop(brightroom.read_raw(path)), out, overwrite=True,
                     quality=92)


def _peer(path: Path, out: Path) -> None:
    import cv2
    import rawpy

    with rawpy.imread(str(path)) as r:
        rgb = r.postprocess(demosaic_algorithm=rawpy.DemosaicAlgorithm.AHD, use_camera_wb=True)
    cv2.imwrite(str(out), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])


def _peer_ok(path: Path) -> bool:
    import rawpy

    try:
        with rawpy.imread(str(path)) as r:
            r.postprocess(demosaic_algorithm=rawpy.DemosaicAlgorithm.AHD, use_camera_wb=True)
        return True
    except Exception:  # noqa: BLE001 - LibRaw refuses the file: no peer to compare with
        return False


def _ours_ok(path: Path) -> bool:
    import brightroom

    try:
        brightroom.develop(brightroom.read_raw(path))
        return True
    except brightroom.BrightroomError:
        return False


def in_process(files: list[Path], runs: int, out: Path) -> float:
    print(f"in process (warm), read -> develop (default) -> JPEG, median of {runs} "
          "(cpu: all threads of the process):")
    worst = worst_cpu = np.inf
    for path in files:
        if not (_ours_ok(path) and _peer_ok(path)):
            print(f"  {path.name:<34} skipped (not developed by both)")
            continue
        import brightroom

        mp = brightroom.read_raw(path).megapixels
        _ours(path, out / "ip-ours.jpg")
        _peer(path, out / "ip-peer.jpg")
        to, tp = [], []
        for _ in range(runs):
            t, c = time.perf_counter(), time.process_time()
            _ours(path, out / "ip-ours.jpg")
            to.append((time.perf_counter() - t, time.process_time() - c))
            t, c = time.perf_counter(), time.process_time()
            _peer(path, out / "ip-peer.jpg")
            tp.append((time.perf_counter() - t, time.process_time() - c))
        (mo, co), (mpeer, cp) = np.median(np.array(to), axis=0), np.median(np.array(tp), axis=0)
        worst = min(worst, mpeer / mo)
        worst_cpu = min(worst_cpu, cp / co)
        print(f"  {path.name:<28} {mp:5.2f} MP  ours {mo:.3f} s (cpu {co:.3f})  rawpy AHD "
              f"{mpeer:.3f} s (cpu {cp:.3f})  speed-up x{mpeer / mo:.2f} (cpu x{cp / co:.2f})")
    print(f"  worst speed-up: wall x{worst:.2f}, cpu x{worst_cpu:.2f}")
    return worst


def _clipped(raw, fraction: float = 0.30):  # noqa: ANN001, ANN202
    """``raw`` scaled so that ``fraction`` of its mosaic samples are at the white level (the
    gain found by bisection on a subsample)."""
    cfa = raw.cfa
    sample = cfa[::3, ::3]
    lo, hi = 0.0, 12.0  # log2 of the gain
    for _ in range(30):
        mid = (lo + hi) / 2
        if float((sample * np.float32(2.0**mid) >= 1.0).mean()) < fraction:
            lo = mid
        else:
            hi = mid
    return raw.replace(cfa=np.minimum(cfa * np.float32(2.0**hi), np.float32(1.0)))


def _stage_times(raw, runs: int) -> dict[str, tuple[float, float]]:  # noqa: ANN001
    """Median (wall, CPU) seconds of each ``default`` stage, run one after another."""
    import brightroom

    recipe = brightroom.load_recipe("default")
    stages = recipe.pipeline().stages
    times: dict[str, list[tuple[float, float]]] = {st.name: [] for st in stages}
    for k in range(runs + 1):
        frame = raw
        for st in stages:
            t, c = time.perf_counter(), time.process_time()
            frame = st(frame)
            if k:
                times[st.name].append((time.perf_counter() - t, time.process_time() - c))
    return {n: tuple(np.median(np.array(v), axis=0)) for n, v in times.items()}


def content(raws: dict[str, object], runs: int) -> float:
    """Per-stage cost without and with 30 % clipped; the ratio of CPU times (all threads; on a
    shared machine wall times of parallel stages wait for descheduled threads)."""
    print(f"content dependence: each stage, none vs 30 % clipped, median of {runs}, "
          "wall and CPU ms (ratio of CPU):")
    worst = 0.0
    for name, raw in raws.items():
        clip = _clipped(raw)
        frac = float((clip.cfa >= 1.0).mean())
        a, b = _stage_times(raw, runs), _stage_times(clip, runs)
        print(f"  {name} ({frac:.0%} of the mosaic clipped in the second pair)")
        tot = [0.0, 0.0]
        for st in a:
            (wa, ca), (wb, cb) = a[st], b[st]
            tot[0] += ca
            tot[1] += cb
            r = cb / max(ca, 1e-5)
            if max(ca, cb) >= 2e-3:  # below 2 ms of CPU the ratio is noise
                worst = max(worst, r, 1 / r)
            print(f"    {st:<14} wall {1e3 * wa:7.1f} {1e3 * wb:7.1f}   cpu {1e3 * ca:7.1f} "
                  f"{1e3 * cb:7.1f}   x{r:.2f}")
        print(f"    {'all stages':<14} cpu {1e3 * tot[0]:7.1f} {1e3 * tot[1]:7.1f}   "
              f"x{tot[1] / tot[0]:.2f}")
    return worst


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--no-24mp", action="store_true", help="skip the 24 MP simulated file")
    ap.add_argument("--only", choices=("cli", "inprocess", "content"), default=None)
    ap.add_argument("--variants", action="store_true",
                    help="command line: also the JIT only and no byte-code cache")
    ap.add_argument("--before", type=Path, default=None,
                    help="command line: also an older checkout (its src on PYTHONPATH)")
    args = ap.parse_args()
    import rawpy

    import brightroom

    sys.path.insert(0, str(HERE))
    from bench_develop_speed import make_dng

    load = os.getloadavg()[0]
    print(f"# real-file speed - {time.strftime('%Y-%m-%d %H:%M')} - {platform.platform()} - "
          f"{os.cpu_count()} cpus, load {load:.1f} - python {sys.version.split()[0]} - "
          f"brightroom {brightroom.__version__} - rawpy {rawpy.__version__}")
    out = CACHE / "out"
    out.mkdir(parents=True, exist_ok=True)
    bars = []
    if args.only in (None, "cli"):
        r = command_line(args.runs, out, args.variants, args.before)
        bars.append(f"BAR command line <= rawpy's script: {'MET' if r['wall'] <= 1 else 'NOT MET'}"
                    f" (wall x{r['wall']:.2f}, cpu x{r['cpu']:.2f})")
    sim12 = make_dng(CACHE / "astronaut-12mp.dng", 12.0, "RGGB")
    if args.only in (None, "inprocess"):
        files = sorted(SHARED.glob("*.dng")) + sorted((ROOT / "tests" / "data" / "raw").glob("*.dng"))
        # the data-stripped DNG is a broken file (to be refused), not one to time
        files = [f for f in files if "stripped" not in f.name]
        files.append(sim12)
        if not args.no_24mp:
            files.append(make_dng(CACHE / "astronaut-24mp.dng", 24.0, "RGGB"))
        worst = in_process(files, args.runs, out)
        bars.append(f"BAR in process >= 2x rawpy AHD: {'MET' if worst >= 2 else 'NOT MET'} "
                    f"(worst x{worst:.2f})")
    if args.only in (None, "content"):
        worst = content({CC_DNG.name: brightroom.read_raw(CC_DNG),
                         sim12.name: brightroom.read_raw(sim12)}, max(3, args.runs // 2))
        bars.append(f"BAR no stage's cost depends on content by more than 2x: "
                    f"{'MET' if worst <= 2 else 'NOT MET'} (worst x{worst:.2f})")
    print(f"peak RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}"
          f" MiB")
    for b in bars:
        print(b)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
