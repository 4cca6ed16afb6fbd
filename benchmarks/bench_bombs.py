"""Peak memory on decompression bombs (issue 11's bar: < 300 MB above the baseline).

Each bomb of ``tests/_bad_inputs.py`` (valid compressed data: it really decodes to the picture
it declares) goes through the command that reads it, in a fresh process that reports its own
peak resident memory (``ru_maxrss``); the baseline is the interpreter with the CLI loaded
(``brightroom look list``), so what is above it is the libraries the command loads plus what it
allocates. The same command on a small valid file of the kind is shown beside it. The peer is
OpenCV's ``cv2.imread`` (the decoder Brightroom used before this policy, without a bomb check
below 2^30 pixels), measured the same way on the same files where it reads the format.

    .venv/bin/python benchmarks/bench_bombs.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from _bad_inputs import make_bomb  # noqa: E402

_RUN = """
import json, resource, sys
from brightroom.cli.main import main
rc = main(sys.argv[1:])
print(json.dumps({"rc": rc, "kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

_PEER = """
import json, resource, sys
import cv2
try:
    a = cv2.imread(sys.argv[1], cv2.IMREAD_UNCHANGED); rc = "none" if a is None else str(a.shape)
except Exception as e:
    rc = type(e).__name__
print(json.dumps({"rc": rc, "kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

_PEER_BASE = """
import json, resource
import cv2
print(json.dumps({"rc": 0, "kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _peak(code: str, args: list[str]) -> tuple[object, float, str]:
    res = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         timeout=900)
    last = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else "{}"
    try:
        d = json.loads(last)
    except json.JSONDecodeError:
        return f"crash {res.returncode}", float("nan"), res.stderr.strip()[-200:]
    return d["rc"], d["kb"] / 1024, res.stderr.strip().splitlines()[-1:] and \
        res.stderr.strip().splitlines()[-1] or ""


def _small(kind: str, folder: Path) -> Path:
    import numpy as np
    from PIL import Image

    a = (np.random.default_rng(0).random((48, 64, 3)) * 255).astype(np.uint8)
    if kind == "dng":
        import brightroom
        from brightroom.types import CameraInfo, CFAPattern, RawImage

        raw = RawImage((0.1 + 0.5 * np.random.default_rng(0).random((48, 64))).astype(np.float32),
                       CFAPattern("RGGB"), camera=CameraInfo(color_matrix1=np.eye(3)),
                       black_level=(64,) * 4, white_level=4095)
        return brightroom.write(raw, folder / "small.dng")
    if kind == "npy":
        p = folder / "small.npy"
        np.save(p, np.full((48, 64), 2.0, np.float32))
        return p
    if kind == "depth-jpg":
        return Path("")  # no small GDepth file: baseline of portrait with a .npy depth
    p = folder / f"small.{kind}"
    Image.fromarray(a).save(p)
    return p


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-bombs-"))
    photo = _small("png", tmp)
    cases = [
        ("png-16k", "png", ["look", "apply", "{f}", "--look", "natural", "-o", "{o}.jpg"]),
        ("png-gray-30k", "png", ["look", "apply", "{f}", "--look", "natural", "-o", "{o}.jpg"]),
        ("png-tiny-100k", "png", ["look", "apply", "{f}", "--look", "natural", "-o", "{o}.jpg"]),
        ("tiff-overlap", "tif", ["look", "apply", "{f}", "--look", "natural", "-o", "{o}.jpg"]),
        ("png-16k", "png", ["portrait", "{f}", "-o", "{o}.jpg"]),
        ("png-16k", "png", ["lab", "measure", "{f}", "--chart", "colorchecker"]),
        ("png-16k", "png", ["look", "learn", "{f}", str(photo), "-o", "{o}.cube"]),
        ("png-16k", "png", ["calibrate", "{f}", "-o", "{o}.cube", "--patches",
                            "10,10;10,50;40,10"]),
        ("dng-sparse-40k", "dng", ["develop", "{f}", "-o", "{o}.jpg"]),
        ("depth-jpeg-64k", "npy", ["portrait", str(photo), "--depth", "{f}", "-o", "{o}.jpg"]),
        ("npy-100k", "npy", ["portrait", str(photo), "--depth", "{f}", "-o", "{o}.jpg"]),
    ]
    load = os.getloadavg()[0]
    print(f"# bench_bombs: peak RSS above the baseline (valid: the same command on a small file); "
          f"machine: {os.cpu_count()} cores, load {load:.1f}")
    _, base_mb, _ = _peak(_RUN, ["look", "list"])
    _, peer_base, _ = _peak(_PEER_BASE, [])
    print(f"# baseline (brightroom look list): {base_mb:.0f} MB; peer baseline (import cv2): "
          f"{peer_base:.0f} MB")
    print(f"{'bomb':16s} {'command':14s} {'file':>10s} {'exit':>4s} {'ours MB':>8s} "
          f"{'valid MB':>8s} {'peer MB':>8s} {'ratio':>6s}  peer (cv2.imread) result")
    worst = 0.0
    made: dict[str, Path] = {}
    for bomb, kind, argv in cases:
        if bomb not in made:
            t = time.perf_counter()
            made[bomb] = make_bomb(bomb, tmp, valid=True)
            print(f"#   made {made[bomb].name} in {time.perf_counter() - t:.1f} s", flush=True)
        f = made[bomb]
        small = _small(kind, tmp)
        o = tmp / "out"
        args = [a.replace("{f}", str(f)).replace("{o}", str(o)) for a in argv]
        base = [a.replace("{f}", str(small)).replace("{o}", str(tmp / "base")) for a in argv]
        rc, mb, err = _peak(_RUN, args)
        _, valid_mb, _ = _peak(_RUN, base + ["--overwrite"] if "-o" in base else base)
        above = mb - base_mb
        worst = max(worst, above)
        if kind in ("png", "tif"):
            prc, pmb, _ = _peak(_PEER, [str(f)])
            peer = pmb - peer_base
            peer_s, ratio = f"{peer:8.0f}", f"{max(above, 0) / peer:6.3f}" if peer > 1 else "     -"
        else:
            prc, peer_s, ratio = "-", f"{'-':>8s}", "     -"
        size = f.stat().st_size
        cmd = " ".join(argv[:2]) if argv[0] in ("look", "lab") else argv[0]
        print(f"{bomb:16s} {cmd:14s} {size:10d} {rc!s:>4s} {above:8.0f} {valid_mb - base_mb:8.0f} "
              f"{peer_s} {ratio}  {prc}", flush=True)
        assert rc == 1, (bomb, argv, err)
    print(f"# worst peak above baseline: {worst:.0f} MB (bar: < 300 MB)")


if __name__ == "__main__":
    main()
