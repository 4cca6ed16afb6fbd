"""``brightroom look`` (apply / list / export / match / learn) and ``brightroom calibrate``: shells
over :func:`brightroom.look_apply`, :func:`brightroom.look_list`, :func:`brightroom.look_export`,
:func:`brightroom.look_match`, :func:`brightroom.look_learn` and :func:`brightroom.calibrate`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import brightroom
from brightroom.errors import ParameterError

__all__ = ["add_parser", "run_apply", "run_list", "run_export", "run_match", "run_learn",
           "run_calibrate"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``look`` (with ``apply`` and ``list``) and ``calibrate`` to the sub-commands."""
    p = sub.add_parser("look", help="apply creative looks to photos",
                       description="Apply a built-in look, a look file (.toml) or a LUT "
                       "(.cube / .3dl / .clf / .ctf) to a finished photo.")
    lsub = p.add_subparsers(dest="look_command", metavar="ACTION")
    a = lsub.add_parser("apply", help="apply a look to a photo")
    a.add_argument("image", metavar="IN", help="photo (JPEG, PNG, TIFF, HEIC, AVIF)")
    a.add_argument("-o", "--output", required=True, help="output photo (format from extension)")
    a.add_argument("--look", required=True, metavar="NAME|FILE",
                   help="built-in look name (see 'brightroom look list'), .toml, .cube, .3dl, "
                   ".clf or .ctf")
    a.add_argument("--strength", type=float, default=1.0, help="0..2 [default: 1]")
    a.add_argument("--quality", type=int, default=92,
                   help="JPEG/HEIC/AVIF quality; 100: lossless HEIC [default: 92]")
    a.add_argument("--bit-depth", type=int, default=None, choices=(8, 10, 12, 16, 32),
                   help="output bit depth: PNG 8/16, TIFF 8/16/32, HEIC 8/10/12, AVIF 8/10 "
                   "[default: the input's where the format has it]")
    a.add_argument("--overwrite", action="store_true", help="replace an existing output")
    a.set_defaults(func=run_apply)
    li = lsub.add_parser("list", help="list the built-in looks")
    li.set_defaults(func=run_list)
    ex = lsub.add_parser("export", help="bake a look into a .cube or .3dl LUT")
    ex.add_argument("look", metavar="NAME|FILE", help="built-in look name or .toml file")
    ex.add_argument("-o", "--output", required=True,
                    help="output .cube (Adobe / Resolve) or .3dl (Lustre) file")
    ex.add_argument("--size", type=int, default=33, help="LUT points per axis [default: 33]")
    ex.add_argument("--strength", type=float, default=1.0, help="0..2 [default: 1]")
    ex.add_argument("--drop-spatial", action="store_true",
                    help="leave out grain and vignette (they cannot be a LUT)")
    ex.add_argument("--linear-max", type=float, default=None, metavar="X",
                    help="a LUT for scene-linear RGB in [0, X]: a Resolve .cube with an sRGB "
                    "shaper before the 3D table")
    ex.add_argument("--bit-depth", type=int, default=12, choices=(10, 12, 16),
                    help=".3dl output codes [default: 12]")
    ex.add_argument("--overwrite", action="store_true", help="replace an existing output")
    ex.set_defaults(func=run_export)
    m = lsub.add_parser("match", help="make a .cube look giving IN the colours of a reference "
                        "photo (Reinhard et al. 2001)")
    m.add_argument("image", metavar="IN", help="the photo to grade")
    m.add_argument("--reference", required=True, help="the photo whose look to take")
    m.add_argument("-o", "--output", required=True, help="output .cube or .3dl file")
    m.add_argument("--strength", type=float, default=1.0, help="0..1 [default: 1]")
    m.add_argument("--overwrite", action="store_true", help="replace an existing output")
    m.set_defaults(func=run_match)
    le = lsub.add_parser("learn", help="learn a .cube look from a before/after pair of the same "
                         "photo (lattice regression)",
                         description="Fit the 3D LUT that turns BEFORE into AFTER (the same "
                         "photo before and after a global colour edit) and write it as a .cube "
                         "look that can be applied to other photos.")
    le.add_argument("before", metavar="BEFORE", help="the photo before the edit")
    le.add_argument("after", metavar="AFTER", help="the same photo after the edit")
    le.add_argument("-o", "--output", required=True, help="output .cube or .3dl file")
    le.add_argument("--size", type=int, default=33, help="LUT points per axis [default: 33]")
    le.add_argument("--smoothness", type=float, default=1e-6,
                    help="weight of the curvature penalty [default: 1e-6]")
    le.add_argument("--resize", action="store_true",
                    help="resample AFTER to the size of BEFORE instead of refusing")
    le.add_argument("--overwrite", action="store_true", help="replace an existing output")
    le.set_defaults(func=run_learn)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    c = sub.add_parser("calibrate", help="fit a camera profile from a ColorChecker shot",
                       description="Fit a colour correction (3x3 matrix or root-polynomial) from a "
                       "photo of an X-Rite ColorChecker Classic and write it as a .cube LUT.")
    c.add_argument("chart", metavar="CHART", help="chart photo: raw/DNG or JPEG/PNG/TIFF")
    c.add_argument("-o", "--output", required=True, help="output .cube file")
    c.add_argument("--method", default="matrix", choices=tuple(brightroom.CALIBRATION_METHODS),
                   help="correction model [default: matrix]")
    c.add_argument("--patches", metavar="Y,X;Y,X;Y,X", default=None,
                   help="pixel centres (row, column) of the dark skin, bluish green and white "
                   "patches, when no chart detector is available")
    c.add_argument("--patch-size", type=int, default=None,
                   help="side of the square sampled in each patch, in pixels [default: half the "
                   "patch spacing]")
    c.add_argument("--json", action="store_true", help="print the report as JSON")
    c.add_argument("--overwrite", action="store_true", help="replace an existing output")
    c.set_defaults(func=run_calibrate)


def run_list(args: argparse.Namespace) -> int:
    for look in brightroom.look_list():
        print(f"{look.name:10s} {look.description}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    brightroom.look_export(args.look, args.output, size=args.size, strength=args.strength,
                           drop_spatial=args.drop_spatial, linear_max=args.linear_max,
                           bit_depth=args.bit_depth, overwrite=args.overwrite)
    print(Path(args.output))
    return 0


def run_match(args: argparse.Namespace) -> int:
    brightroom.look_match(args.image, args.reference, args.output, strength=args.strength,
                          overwrite=args.overwrite)
    print(Path(args.output))
    return 0


def run_learn(args: argparse.Namespace) -> int:
    brightroom.look_learn(args.before, args.after, args.output, size=args.size,
                          smoothness=args.smoothness, resize=args.resize, overwrite=args.overwrite)
    print(Path(args.output))
    return 0


def run_apply(args: argparse.Namespace) -> int:
    brightroom.look_apply(args.image, args.look, args.output, strength=args.strength,
                          quality=args.quality, bit_depth=args.bit_depth,
                          overwrite=args.overwrite)
    print(Path(args.output))
    return 0


def run_calibrate(args: argparse.Namespace) -> int:
    patches = _parse_patches(args.patches) if args.patches else None
    report = brightroom.calibrate(args.chart, args.output, method=args.method, patches=patches,
                                  patch_size=args.patch_size, overwrite=args.overwrite)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{Path(args.output)}: mean dE00 {report['de00_before']['mean']:.2f} before, "
              f"{report['de00_after']['mean']:.2f} after "
              f"(max {report['de00_after']['max']:.2f}, method {report['method']})")
    return 0


def _parse_patches(text: str) -> list[tuple[float, float]]:
    try:
        pts = [tuple(float(v) for v in part.split(",")) for part in text.split(";")]
    except ValueError:
        pts = []
    if len(pts) != 3 or any(len(p) != 2 for p in pts):
        raise ParameterError(f"--patches needs three 'row,column' centres separated by ';', "
                             f"got {text!r}")
    return pts  # type: ignore[return-value]
