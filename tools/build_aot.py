"""Build the ahead-of-time kernels ``brightroom._aot_kernels`` (see :mod:`brightroom._jit`).

Runs the default recipes once just in time on small frames (lab-simulated raws written to and
read back from DNG, the same with 30 % of the mosaic clipped, and the small real files of
``tests/data/raw`` and ``../shared/data`` where present), collects every kernel that ran with
the argument types it ran with, and compiles those with numba's ``pycc`` into one extension
module beside :mod:`brightroom._jit`, each with the ``fastmath`` and ``error_model`` of its
decorator, for this machine's CPU. Writes ``src/brightroom/_aot_kernels.json`` (the manifest:
signatures, the SHA-1 of every kernel module, NumPy and Python versions, CPU flags) last, so a
build that stops half-way is never used. ``make install`` runs it; about a minute of CPU.

Run: ``.venv/bin/python tools/build_aot.py`` (``--check`` prints what the installed build
covers and whether it is current).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

os.environ["BRIGHTROOM_AOT"] = "0"  # the workloads must run just in time, to record types

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def _workloads(tmp: Path) -> None:
    import brightroom
    from brightroom.charts import natural
    from brightroom.io import write_dng
    from brightroom.lab.camera import simulate

    raws = []
    for pattern in ("RGGB", "GRBG"):
        scene = natural("astronaut", megapixels=0.3)
        raw = simulate(scene, "flagship-2022", lux=300, cct=4500, iso=400, pattern=pattern,
                       seed=3)
        path = write_dng(raw, tmp / f"sim-{pattern}.dng", overwrite=True)
        raws.append(brightroom.read_raw(path))
    files = sorted((ROOT / "tests" / "data" / "raw").glob("*.dng"))
    files += [SHARED / n for n in ("colorchecker-canon.dng", "linear-dng-canon6d.dng")]
    for f in files:
        if f.exists():
            try:
                raws.append(brightroom.read_raw(f))
            except brightroom.BrightroomError:
                pass
    clipped = []
    for raw in raws:
        if getattr(raw, "cfa", None) is not None and raw.cfa.ndim == 2:
            c = raw.cfa
            gain = np.float32(1.0 / max(float(np.quantile(c[::4, ::4], 0.7)), 1e-3))
            clipped.append(raw.replace(cfa=np.minimum(c * gain, np.float32(1.0))))
    for raw in raws + clipped:
        for recipe in ("default", "neutral"):
            try:
                photo = brightroom.develop(raw, recipe=recipe)
            except brightroom.BrightroomError:
                continue
            brightroom.write(photo, tmp / "out.jpg", overwrite=True, quality=92)
            brightroom.write(photo, tmp / "out.png", overwrite=True)


def build(out_dir: Path) -> dict:
    import llvmlite.binding as llvm
    import numba.pycc.compiler as pycc_compiler
    from numba.core import cpu, types
    from numba.pycc import CC

    from brightroom import _jit

    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the files' own warnings (no colour matrix, ...)
        _workloads(Path(tmp))
    ran = {k: kern for k, kern in _jit.kernels().items()
           if kern._jit is not None and kern._jit.signatures}
    cc = CC("_aot_kernels")
    cc.output_dir = str(out_dir)
    cc.target_cpu = llvm.get_host_cpu_name()
    options: dict[object, dict] = {}
    manifest: dict[str, list] = {}
    n = 0
    for key, kern in sorted(ran.items()):
        if kern.options.get("inline") == "always":
            continue  # inlined into the kernels that call it
        entries = []
        for sig in kern._jit.signatures:
            tk = _jit.numba_type_key(types.Tuple(sig))
            if tk is None:
                continue
            name = f"k{n}"
            n += 1
            cc.export(name, sig)(kern.py_func)
            entries.append([name, tk])
        if entries:
            manifest[key] = entries
            options[kern.py_func] = kern.options
    original = pycc_compiler.compile_extra

    def compile_extra(typingctx, targetctx, func, args, return_type, flags, locals, library):  # noqa: ANN001, ANN202, A002
        opts = options.get(func, {})
        f = flags.copy()
        f.error_model = opts.get("error_model", "python")
        fm = opts.get("fastmath", False)
        f.fastmath = cpu.FastMathOptions(fm)
        return original(typingctx, targetctx, func, args, return_type, f, locals, library)

    pycc_compiler.compile_extra = compile_extra
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cc.compile()
    finally:
        pycc_compiler.compile_extra = original
    pkg = Path(_jit.__file__).parent
    sources = {}
    for kern in _jit.kernels().values():
        f = Path(sys.modules[kern.py_func.__module__].__file__)
        sources[str(f.relative_to(pkg))] = hashlib.sha1(f.read_bytes()).hexdigest()
    return {"numpy": np.__version__, "python": list(sys.version_info[:2]),
            "cpu_flags": _jit._cpu_flags(), "cpu": cc.target_cpu, "sources": sources,
            "kernels": manifest}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="report on the installed build")
    args = ap.parse_args()
    from brightroom import _jit

    if args.check:
        os.environ["BRIGHTROOM_AOT"] = "1"
        print(_jit.aot_status())
        return 0
    out_dir = Path(_jit.__file__).parent
    _jit.MANIFEST.unlink(missing_ok=True)  # no half-built state is ever used
    t = time.process_time()
    man = build(out_dir)
    tmp = _jit.MANIFEST.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(man, indent=1))
    os.replace(tmp, _jit.MANIFEST)
    n = sum(map(len, man["kernels"].values()))
    print(f"built {n} signatures of {len(man['kernels'])} kernels for {man['cpu']} in "
          f"{time.process_time() - t:.0f} s CPU -> {out_dir}/_aot_kernels*")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
