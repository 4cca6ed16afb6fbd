"""``brightroom develop``: raw files to finished photos."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from brightroom.errors import BrightroomError, InputError, OutputExistsError

OUTPUT_EXTS = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".avif")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "develop",
        help="develop raw files into photos",
        description="Develop one or more raw files (any LibRaw format, DNG included). "
        "With several inputs, -o names a directory.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="raw file(s)")
    p.add_argument("-o", "--output", required=True,
                   help="output file (format from its extension) or directory")
    p.add_argument("--recipe", default="default",
                   help="recipe name (default, neutral, ...) or a .toml file [default: default]")
    p.add_argument("--wb", default=None,
                   help="white balance: as-shot, auto, daylight, cloudy, shade, tungsten, "
                   "fluorescent, flash, or a temperature in kelvin")
    p.add_argument("--format", default="jpg", choices=[e[1:] for e in OUTPUT_EXTS],
                   help="output format when -o is a directory [default: jpg]")
    p.add_argument("--quality", type=int, default=92, help="JPEG/HEIC/AVIF quality [default: 92]")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.add_argument("--burst", action="store_true",
                   help="treat the inputs as one burst, merged into one photo")
    p.add_argument("--mode", default="auto", choices=("auto", "night", "hdr"),
                   help="burst mode [default: auto]")
    p.add_argument("--ref", type=int, default=None, help="burst reference frame (0-based)")
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def _outputs(inputs: list[Path], output: Path, fmt: str) -> list[Path]:
    if len(inputs) == 1 and output.suffix.lower() in OUTPUT_EXTS and not output.is_dir():
        return [output]
    if output.exists() and not output.is_dir():
        raise InputError(f"{output}: with several inputs, -o must be a directory")
    if output.suffix.lower() in OUTPUT_EXTS:
        raise InputError(f"{output}: with several inputs, -o must be a directory, not a file name")
    names = [p.stem for p in inputs]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise InputError(f"several inputs would write the same output name: {', '.join(sorted(dupes))}")
    return [output / f"{p.stem}.{fmt}" for p in inputs]


def run(args: argparse.Namespace) -> int:
    from brightroom import api

    inputs = [Path(p) for p in args.inputs]
    output = Path(args.output)
    recipe = api.load_recipe(args.recipe)
    if args.wb is not None:
        api.white_balance_override(args.wb)  # validate before any work
    if args.burst:
        return _run_burst(args, inputs, output, recipe)
    outs = _outputs(inputs, output, args.format)
    for src, dst in zip(inputs, outs):
        if dst.exists() and not args.overwrite:
            raise OutputExistsError(f"{dst} exists; pass --overwrite to replace it")
        if not src.exists():
            raise InputError(f"{src}: no such file")
    if len(inputs) == 1:
        _develop_one(inputs[0], outs[0], recipe, args, inputs)
        print(outs[0])
        return 0
    output.mkdir(parents=True, exist_ok=True)
    from tqdm import tqdm

    failed = 0
    for src, dst in tqdm(list(zip(inputs, outs)), desc="developing", unit="file",
                         file=sys.stderr, disable=None):
        try:
            _develop_one(src, dst, recipe, args, inputs)
        except BrightroomError as e:
            failed += 1
            print(f"brightroom: error: {' '.join(str(e).split())}", file=sys.stderr)
    if failed:
        print(f"brightroom: {failed} of {len(inputs)} file(s) failed", file=sys.stderr)
        return 1
    print(output)
    return 0


def _develop_one(src: Path, dst: Path, recipe, args: argparse.Namespace, inputs: list[Path]) -> None:
    from brightroom import api

    photo = api.develop(src, recipe=recipe, wb=args.wb)
    api.write(photo, dst, overwrite=args.overwrite, inputs=inputs, quality=args.quality)


def _run_burst(args: argparse.Namespace, inputs: list[Path], output: Path, recipe) -> int:
    from brightroom import api

    try:
        from brightroom.burst import develop_burst
    except ModuleNotFoundError:
        raise InputError("burst merging is not available in this build") from None
    if output.suffix.lower() not in OUTPUT_EXTS:
        raise InputError(f"{output}: with --burst, -o must be an image file ({', '.join(OUTPUT_EXTS)})")
    if output.exists() and not args.overwrite:
        raise OutputExistsError(f"{output} exists; pass --overwrite to replace it")
    photo = develop_burst(inputs, recipe=recipe, mode=args.mode, ref=args.ref, wb=args.wb)
    api.write(photo, output, overwrite=args.overwrite, inputs=inputs, quality=args.quality)
    print(output)
    return 0
