"""``brightroom edit``: Lightroom-style edits of a raw or a finished photo (a shell over
:func:`brightroom.edit`)."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import brightroom

__all__ = ["add_parser", "run"]

_SLIDERS = ("contrast", "highlights", "shadows", "whites", "blacks", "vibrance", "saturation",
            "texture", "clarity", "dehaze")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``edit`` to the sub-commands."""
    p = sub.add_parser(
        "edit", help="edit a photo: basic panel, HSL, crop and straighten, heal, XMP presets",
        description="Edit a raw or a finished photo (JPEG, PNG, TIFF, HEIC, AVIF) with "
        "Lightroom's controls, in linear light. The input is never changed; the edit list is "
        "saved beside it (IN.brightroom.toml) and embedded in the output.")
    p.add_argument("image", metavar="IN", help="raw file or photo")
    p.add_argument("-o", "--output", required=True, help="output photo (format from extension)")
    p.add_argument("--exposure", type=float, default=None, metavar="EV", help="-5..+5 EV")
    for name in _SLIDERS:
        p.add_argument(f"--{name}", type=float, default=None, metavar="N", help="-100..+100")
    p.add_argument("--temperature", type=float, default=None, metavar="K|N",
                   help="raw: white balance in kelvin; photo: relative shift -100..+100")
    p.add_argument("--tint", type=float, default=None, metavar="N", help="-150..+150")
    p.add_argument("--sharpening", type=float, default=None, metavar="N", help="0..150")
    p.add_argument("--noise-reduction", type=float, default=None, metavar="N", help="0..100")
    p.add_argument("--vignette", type=float, default=None, metavar="N",
                   help="-100..+100 (post-crop; - darkens)")
    p.add_argument("--grain", type=float, default=None, metavar="N", help="0..100")
    p.add_argument("--hsl", action="append", default=None, metavar="BAND.hue|sat|lum=N",
                   help="HSL per band (" + ", ".join(brightroom.EDIT_BANDS) + "), repeatable")
    p.add_argument("--crop", default=None, metavar="X,Y,W,H", help="crop, in input pixels")
    p.add_argument("--rotate", type=float, default=None, metavar="DEG",
                   help="rotate clockwise (multiples of 90 are exact)")
    p.add_argument("--straighten", default=None, metavar="auto|DEG",
                   help="level the horizon/verticals (auto) or rotate by DEG clockwise")
    p.add_argument("--upright", default=None, choices=("level", "vertical", "full"),
                   help="auto perspective: level; vertical (parallel verticals); full (and "
                   "horizontals)")
    p.add_argument("--vertical", type=float, default=None, metavar="DEG",
                   help="perspective tilt, -40..40 (+ widens the top)")
    p.add_argument("--horizontal", type=float, default=None, metavar="DEG",
                   help="perspective pan, -40..40 (+ widens the right side)")
    p.add_argument("--flip", default=None, choices=("h", "v", "hv"), help="mirror")
    p.add_argument("--heal", action="append", default=None, metavar="X,Y,R",
                   help="heal a spot (input pixels), repeatable")
    p.add_argument("--dust", action="store_true",
                   help="find dust spots on flat areas and heal them")
    p.add_argument("--auto", action="store_true",
                   help="set exposure, contrast, whites, blacks and vibrance from the photo")
    p.add_argument("--xmp", default=None, metavar="FILE.xmp",
                   help="apply a Lightroom / Camera Raw sidecar or preset")
    p.add_argument("--edits", default=None, metavar="FILE.toml", help="start from an edit list")
    p.add_argument("--look", default=None, metavar="NAME|FILE", help="a look after the edits")
    p.add_argument("--recipe", default="default", help="develop recipe of a raw [default]")
    p.add_argument("--xmp-output", default=None, metavar="FILE.xmp",
                   help="also write the edit list as Camera Raw XMP")
    p.add_argument("--no-save", dest="save", action="store_false",
                   help="do not save the edit list beside the input")
    p.add_argument("--quality", type=int, default=92, help="JPEG/HEIC/AVIF quality [default: 92]")
    p.add_argument("--bit-depth", type=int, default=None, choices=(8, 10, 12, 16, 32),
                   help="output bit depth [default: the input's where the format has it]")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    p.set_defaults(func=run)


def _warn(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
    print(f"brightroom: warning: {' '.join(str(message).split())}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    controls = {k: getattr(args, k) for k in ("exposure", *_SLIDERS, "temperature", "tint",
                                              "sharpening", "noise_reduction", "vignette",
                                              "grain")}
    with warnings.catch_warnings():
        warnings.showwarning = _warn
        res = brightroom.edit(args.image, args.output, hsl=args.hsl, crop=args.crop,
                              rotate=args.rotate, straighten=args.straighten,
                              upright=args.upright, vertical=args.vertical,
                              horizontal=args.horizontal, flip=args.flip, heal=args.heal,
                              dust=args.dust, auto=args.auto, xmp=args.xmp, edits=args.edits,
                              look=args.look, recipe=args.recipe, save=args.save,
                              xmp_output=args.xmp_output, quality=args.quality,
                              bit_depth=args.bit_depth, overwrite=args.overwrite, **controls)
    if res.unmapped:
        print(f"brightroom: note: XMP settings not mapped: {', '.join(res.unmapped)}",
              file=sys.stderr)
    if res.upright is not None:
        a, v, h = res.upright
        print(f"brightroom: upright: roll {a:+.2f}, vertical {v:+.2f}, horizontal {h:+.2f} "
              "degrees", file=sys.stderr)
    if args.dust:
        print(f"brightroom: {len(res.dust)} dust spot(s) healed", file=sys.stderr)
    if res.straighten is not None:
        print(f"brightroom: straightened by {res.straighten:+.2f} degrees", file=sys.stderr)
    print(Path(args.output))
    return 0
