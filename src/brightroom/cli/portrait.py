"""``brightroom portrait``: synthetic depth of field for a photo or a video (a shell over
:func:`brightroom.portrait`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import brightroom

__all__ = ["add_parser", "run", "parse_focus"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``portrait`` to the sub-commands."""
    p = sub.add_parser(
        "portrait", help="portrait mode: blur the background like a fast lens",
        description="Render lens-true background blur for a photo (depth from the file's own "
        "depth map, a depth file, a stereo pair or person segmentation) or a video (.mp4).")
    p.add_argument("image", metavar="IN", help="photo (HEIC/JPEG/PNG/TIFF) or video (.mp4)")
    p.add_argument("-o", "--output", required=True, help="output photo or video")
    p.add_argument("--aperture", type=float, default=2.0, metavar="F",
                   help="simulated f-number [default: 2.0]")
    p.add_argument("--focal", type=float, default=50.0, metavar="MM",
                   help="full-frame equivalent focal length in mm [default: 50]")
    p.add_argument("--focus", default="auto", metavar="auto|X,Y|X%%,Y%%",
                   help="'auto' (the person, else the camera's recorded focus, else the subject "
                   "the depth map shows) or the point to focus on: X,Y in pixels of IN as you "
                   "would click on it (origin top-left), e.g. 2016,1512, or percent of the "
                   "frame, e.g. 50%%,40%% [default: auto]. Without a depth map a person is "
                   "needed: a photo with none is refused ('no subject') and nothing is written")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--depth", metavar="FILE",
                   help="depth map: HEIC/JPEG with embedded depth, or PNG/TIFF/NPY in metres")
    g.add_argument("--stereo", metavar="RIGHT",
                   help="right view of a stereo pair (IN is the left view); the IN file itself "
                   "for an iPhone spatial photo")
    p.add_argument("--style", default="circle", choices=sorted(brightroom.LENS_STYLES),
                   help="lens character [default: circle]")
    p.add_argument("--no-depth-from-file", action="store_true",
                   help="ignore a depth map embedded in IN")
    p.add_argument("--preset", default="quality", choices=brightroom.PORTRAIT_PRESETS,
                   help="video: 'light' segments at 256x144 and blurs at 640 px [default: quality]")
    p.add_argument("--quality", type=int, default=92, help="JPEG/HEIC/AVIF quality [default: 92]")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    p.set_defaults(func=run)


def parse_focus(text: str) -> str:
    """``--focus`` as the API takes it (``"auto"``, ``"X,Y"`` in pixels or ``"X%,Y%"``): the API
    checks the syntax and the point against the picture's size."""
    return text.strip()


def run(args: argparse.Namespace) -> int:
    result = brightroom.portrait(
        args.image, args.output, aperture=args.aperture, focal=args.focal,
        focus=parse_focus(args.focus), depth=args.depth, stereo=args.stereo, style=args.style,
        depth_from_file=not args.no_depth_from_file, preset=args.preset, quality=args.quality,
        overwrite=args.overwrite)
    if isinstance(result, brightroom.VideoStats):
        print(f"{Path(args.output)}: {result.frames} frames, {result.fps:.1f} fps, "
              f"{result.no_person} without a person")
        return 0
    for note in result.notes:
        print(f"brightroom: note: {note}", file=sys.stderr)
    print(f"{Path(args.output)}: depth from {result.depth_source}, focus {result.focus_distance:.2f} m "
          f"({result.focus_source}), f/{args.aperture:g}, {args.style}")
    return 0
