"""``brightroom animate``: an animated GIF, WebP or APNG from a video, a Live Photo, a burst or
frames (a shell over :func:`brightroom.animate`)."""

from __future__ import annotations

import argparse
import sys

from tqdm import tqdm

import brightroom

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``animate`` to the sub-commands."""
    p = sub.add_parser(
        "animate", help="animated GIF / WebP / APNG that look better and weigh less",
        description="Turn a video, an iPhone Live Photo (HEIC + MOV), a burst of raws or a list "
        "of frames into an animated GIF (our own encoder: perceptual palettes, stable dithering, "
        "changed rectangles, lossy LZW), WebP or APNG, at a quality or within a size.")
    p.add_argument("inputs", metavar="INPUT", nargs="+",
                   help="a video, a Live Photo's HEIC and/or MOV, photos, raws or folders")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output: .gif, .webp, .png or .apng")
    p.add_argument("--fps", type=float, help="frame rate (photos: default 10; video: resample "
                   "down to it)")
    p.add_argument("--width", type=int, metavar="W", help="output width in pixels")
    p.add_argument("--start", type=float, default=0.0, metavar="S", help="video start, seconds")
    p.add_argument("--duration", type=float, metavar="D", help="video length to use, seconds")
    p.add_argument("--max-size", metavar="SIZE", help="byte budget, e.g. 2MB, 500k, 1.5MiB: "
                   "the best quality that fits")
    p.add_argument("--quality", type=float, metavar="Q",
                   help="1-100 [default: 90]; with --max-size the highest tried [default: 100]")
    p.add_argument("--loop", type=int, default=0, metavar="N",
                   help="number of plays, 0 = forever [default: 0]")
    p.add_argument("--boomerang", action="store_true", help="play forward then back")
    p.add_argument("--still", metavar="MASK|auto",
                   help="cinemagraph: freeze all but the moving region ('auto') or the white "
                   "part of MASK (an image of the output size)")
    p.add_argument("--recipe", metavar="NAME", help="recipe for raw inputs [default: default]")
    p.add_argument("--look", metavar="NAME", help="a look (or LUT file) for every frame")
    p.add_argument("--palette", default="frame", choices=brightroom.GIF_PALETTES,
                   help="GIF palettes: one per frame, or shared [default: frame]")
    p.add_argument("--colour-space", default="srgb", choices=brightroom.GIF_COLOUR_SPACES,
                   help="where GIF colours are chosen [default: srgb]")
    p.add_argument("--dither", type=float, metavar="0-1",
                   help="GIF ordered-dither strength [default: by quality]")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    bar = tqdm(desc="animate", unit="frame", leave=False, disable=not sys.stderr.isatty())

    def progress(stage: str, done: int, total: int) -> None:
        bar.set_description(stage)
        bar.n = done
        bar.refresh()

    try:
        r = brightroom.animate(
            args.inputs, args.output, fps=args.fps, width=args.width, start=args.start,
            duration=args.duration, max_size=args.max_size, quality=args.quality, loop=args.loop,
            boomerang=args.boomerang, still=args.still, recipe=args.recipe, look=args.look,
            palette=args.palette, colour_space=args.colour_space, dither=args.dither,
            overwrite=args.overwrite, progress=progress)
    finally:
        bar.close()
    total = sum(r.durations_ms) / 1000.0
    loops = "forever" if r.loop == 0 else f"{r.loop}x"
    print(f"{r.path}: {r.format.upper()} {r.width}x{r.height}, {r.frames} frames, {total:.2f} s, "
          f"loop {loops}, {r.size} bytes, quality {r.quality:.1f}")
    return 0
