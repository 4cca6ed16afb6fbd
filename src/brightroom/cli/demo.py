"""``brightroom demo``: the main job on an embedded default (a shell over :func:`brightroom.demo`).

The input is a raw frame synthesised by the lab's virtual camera from a photo that ships inside
scikit-image, so the demo needs no download. It writes, under the output directory:

* ``demo.dng``: the simulated raw (readable by any raw tool);
* ``demo.jpg``: developed with the ``default`` recipe;
* ``demo-neutral.jpg``: developed with the colorimetric ``neutral`` recipe;
* ``night-single.jpg``, ``night-merged.jpg`` and ``night-compare.jpg``: a simulated 1-lux
  hand-held burst, its reference frame alone next to the merged night shot;
* the lab's report, unless ``--no-lab`` (``report.html`` and ``results.json``).
"""

from __future__ import annotations

import argparse

import brightroom


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="develop an embedded sample raw (no download needed)",
                       description=__doc__.split("\n\n")[1])
    p.add_argument("-o", "--output", default="out/demo", help="output directory [default: out/demo]")
    p.add_argument("--scene", default="astronaut", help="scikit-image photo to simulate")
    p.add_argument("--megapixels", type=float, default=4.0, help="simulated sensor size")
    p.add_argument("--lux", type=float, default=150.0, help="scene illuminance [default: 150]")
    p.add_argument("--cct", type=float, default=4200.0, help="illuminant CCT in K [default: 4200]")
    p.add_argument("--no-lab", action="store_true", help="skip the lab score and report")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the demo files of an earlier run in the output directory")
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    res = brightroom.demo(args.output, scene=args.scene, megapixels=args.megapixels,
                          lux=args.lux, cct=args.cct, lab=not args.no_lab,
                          overwrite=args.overwrite)
    print(f"simulated raw  {res.raw}  ({res.width}x{res.height}, ISO {res.iso:.0f}, "
          f"{res.lux:g} lux, {res.cct:g} K)")
    for recipe, path, seconds in res.developed:
        print(f"{recipe:<8} recipe {path}  ({seconds:.2f} s file to file)")
    print(f"night, 1 lux   {res.night_single}  (one frame)")
    print(f"night, 1 lux   {res.night_merged}  (8-frame hand-held burst merged, "
          f"{res.night_seconds:.2f} s; side by side: {res.night_compare})")
    if res.report is not None:
        print(f"lab report     {res.report}")
    return 0
