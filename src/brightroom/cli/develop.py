"""``brightroom develop``: raw files to finished photos (a shell over :func:`brightroom.develop`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import brightroom
from brightroom.errors import BrightroomError, InputError, OutputExistsError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "develop",
        help="develop raw files into photos",
        description="Develop one or more raw files (any LibRaw format, DNG included). "
        "With several inputs, -o names a directory.",
    )
    p.add_argument("raw", nargs="+", metavar="INPUT", help="raw file(s)")
    p.add_argument("-o", "--output", required=True,
                   help="output file (format from its extension) or directory")
    p.add_argument("--recipe", default="default",
                   help="recipe name (default, neutral, ...) or a .toml file [default: default]")
    p.add_argument("--wb", default=None,
                   help="white balance: as-shot, auto, " + ", ".join(brightroom.WB_PRESETS)
                   + ", or a temperature in kelvin")
    p.add_argument("--matrix", default=None, metavar="dng|identity|FILE",
                   help="colour matrix: dng (the raw's; identity with a warning when it has "
                   "none), identity (camera RGB as sRGB), or a file: a camera profile .json "
                   "(brightroom look calibrate) or the 9 numbers of a DNG ColorMatrix "
                   "[default: the recipe's]")
    p.add_argument("--format", default="jpg", choices=[e[1:] for e in brightroom.WRITE_EXTENSIONS],
                   help="output format when -o is a directory [default: jpg]")
    p.add_argument("--quality", type=int, default=92, help="JPEG/HEIC/AVIF quality [default: 92]")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.add_argument("--burst", action="store_true",
                   help="treat the inputs as one burst, merged into one photo")
    p.add_argument("--mode", default="auto", choices=brightroom.BURST_MODES,
                   help="burst mode [default: auto]")
    p.add_argument("--ref", type=int, default=None, help="burst reference frame (0-based)")
    p.add_argument("--zoom", type=float, default=1.0,
                   help="--mode superres: digital zoom, the centre 1/ZOOM of the frame "
                   "(1..10) [default: 1]")
    p.add_argument("--scale", type=float, default=None,
                   help="--mode superres: output pixels per sensor pixel (1..3) "
                   "[default: the zoom, within 1..3]")
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def _outputs(inputs: list[Path], output: Path, fmt: str, text: str) -> list[Path]:
    """The output file of each input: ``-o`` itself for one input, else ``-o/<stem>.<format>``.

    A directory is written into only when ``-o`` is an existing directory or ends with ``/``
    (or, with several inputs, has no extension); a single input's ``-o`` must end with an
    extension develop writes."""
    exts = brightroom.WRITE_EXTENSIONS
    as_dir = output.is_dir() or text.endswith(("/", "\\"))
    if len(inputs) == 1 and not as_dir:
        suffix = output.suffix.lower()
        if suffix in exts:
            return [output]
        if suffix:
            kind = " (a raw format: develop writes finished photos)" if suffix in (
                ".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf", ".orf", ".rw2") else ""
            raise InputError(f"{output}: develop cannot write {suffix} files{kind}; name the "
                             f"output with one of {', '.join(exts)}, or end -o with / to write "
                             "into a directory")
        raise InputError(f"{output}: no file extension; name the output with one of "
                         f"{', '.join(exts)} (e.g. {output}.jpg), or end -o with / to write "
                         "into a directory")
    if output.exists() and not output.is_dir():
        raise InputError(f"{output}: with several inputs, -o must be a directory")
    if output.suffix.lower() and not as_dir:
        raise InputError(f"{output}: with several inputs, -o must be a directory, not a file name")
    names = [p.stem for p in inputs]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise InputError(f"several inputs would write the same output name: {', '.join(sorted(dupes))}")
    return [output / f"{p.stem}.{fmt}" for p in inputs]


def run(args: argparse.Namespace) -> int:
    # warnings print as one line each through the shell's handler (brightroom.cli.main)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    inputs = [Path(p) for p in args.raw]
    output = Path(args.output)
    recipe = brightroom.load_recipe(args.recipe, wb=args.wb)  # a bad --recipe or --wb fails first
    options = {"recipe": recipe, "quality": args.quality, "overwrite": args.overwrite,
               "matrix": args.matrix}
    if args.burst:
        if output.suffix.lower() not in brightroom.WRITE_EXTENSIONS:
            raise InputError(f"{output}: with --burst, -o must be an image file "
                             f"({', '.join(brightroom.WRITE_EXTENSIONS)})")
        brightroom.develop(inputs, output, burst=True, mode=args.mode, ref=args.ref,
                           zoom=args.zoom, scale=args.scale, **options)
        print(output)
        return 0
    if args.zoom != 1.0 or args.scale is not None:
        raise InputError("--zoom and --scale need --burst --mode superres")
    outs = _outputs(inputs, output, args.format, args.output)
    if len(inputs) == 1:
        brightroom.develop(inputs[0], outs[0], **options)
        print(outs[0])
        return 0
    for src, dst in zip(inputs, outs):  # the whole batch is checked before the first file
        if dst.exists() and not args.overwrite:
            raise OutputExistsError(f"{dst} exists; pass --overwrite to replace it")
        if not src.exists():
            raise InputError(f"{src}: no such file")
    output.mkdir(parents=True, exist_ok=True)
    from tqdm import tqdm  # lazy: start-up cost (0.25 s), only for several inputs

    failed = 0
    for src, dst in tqdm(list(zip(inputs, outs)), desc="developing", unit="file",
                         file=sys.stderr, disable=None):
        try:
            brightroom.develop(src, dst, **options)
        except BrightroomError as e:
            failed += 1
            print(f"brightroom: error: {' '.join(str(e).split())}", file=sys.stderr)
    if failed:
        print(f"brightroom: {failed} of {len(inputs)} file(s) failed", file=sys.stderr)
        return 1
    print(output)
    return 0
