"""``brightroom demo``: the main job on an embedded default.

The input is a raw frame synthesised by the lab's virtual camera from a photo that ships inside
scikit-image, so the demo needs no download. It writes, under the output directory:

* ``demo.dng``: the simulated raw (readable by any raw tool);
* ``demo.jpg``: developed with the ``default`` recipe;
* ``demo-neutral.jpg``: developed with the colorimetric ``neutral`` recipe;
* ``night-single.jpg``, ``night-merged.jpg`` and ``night-compare.jpg``: a simulated 1-lux
  hand-held burst, its reference frame alone next to the merged night shot;
* the lab's report, when the lab is installed (``report.html`` and ``results.json``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="develop an embedded sample raw (no download needed)",
                       description=__doc__.split("\n\n")[1])
    p.add_argument("-o", "--output", default="out/demo", help="output directory [default: out/demo]")
    p.add_argument("--scene", default="astronaut", help="scikit-image photo to simulate")
    p.add_argument("--megapixels", type=float, default=4.0, help="simulated sensor size")
    p.add_argument("--lux", type=float, default=150.0, help="scene illuminance [default: 150]")
    p.add_argument("--cct", type=float, default=4200.0, help="illuminant CCT in K [default: 4200]")
    p.add_argument("--no-lab", action="store_true", help="skip the lab score and report")
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from brightroom import api
    from brightroom.charts import natural
    from brightroom.lab.camera import simulate

    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    scene = natural(args.scene, megapixels=args.megapixels)
    raw = simulate(scene, "flagship-2022", lux=args.lux, cct=args.cct, seed=1)
    dng = api.write(raw, out / "demo.dng", overwrite=True)
    print(f"simulated raw  {dng}  ({raw.shape[1]}x{raw.shape[0]}, ISO {raw.camera.iso:.0f}, "
          f"{args.lux:g} lux, {args.cct:g} K)")
    for recipe, name in (("default", "demo.jpg"), ("neutral", "demo-neutral.jpg")):
        t = time.perf_counter()
        photo = api.develop(api.read_raw(dng), recipe=recipe)
        path = api.write(photo, out / name, overwrite=True)
        print(f"{recipe:<8} recipe {path}  ({time.perf_counter() - t:.2f} s file to file)")
    try:
        from brightroom.lab.demo import demo_night, demo_report
    except ModuleNotFoundError:
        return 0
    t = time.perf_counter()
    single, merged = demo_night(out)
    print(f"night, 1 lux   {single}  (one frame)")
    print(f"night, 1 lux   {merged}  (8-frame hand-held burst merged, "
          f"{time.perf_counter() - t:.2f} s; side by side: {out / 'night-compare.jpg'})")
    if not args.no_lab:
        report = demo_report(out)
        print(f"lab report     {report}")
    return 0
