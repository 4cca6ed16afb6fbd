"""``brightroom portrait``: synthetic depth of field for a photo or a video (a shell over
:mod:`brightroom.portrait`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from brightroom.errors import InputError, ParameterError

__all__ = ["add_parser", "run", "parse_focus"]

VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v", ".mkv", ".webm")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``portrait`` to the sub-commands."""
    from brightroom.portrait.bokeh import LENS_STYLES

    p = sub.add_parser(
        "portrait", help="portrait mode: blur the background like a fast lens",
        description="Render lens-true background blur for a photo (depth from the file's own "
        "depth map, a depth file, a stereo pair or person segmentation) or a video (.mp4).")
    p.add_argument("input", metavar="IN", help="photo (HEIC/JPEG/PNG/TIFF) or video (.mp4)")
    p.add_argument("-o", "--output", required=True, help="output photo or video")
    p.add_argument("--aperture", type=float, default=2.0, metavar="F",
                   help="simulated f-number [default: 2.0]")
    p.add_argument("--focal", type=float, default=50.0, metavar="MM",
                   help="full-frame equivalent focal length in mm [default: 50]")
    p.add_argument("--focus", default="auto", metavar="auto|X,Y",
                   help="'auto' (the person, else the nearest large region) or the point to "
                   "focus on as fractions of the frame, e.g. 0.5,0.4 [default: auto]")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--depth", metavar="FILE",
                   help="depth map: HEIC/JPEG with embedded depth, or PNG/TIFF/NPY in metres")
    g.add_argument("--stereo", metavar="RIGHT",
                   help="right view of a stereo pair (IN is the left view); the IN file itself "
                   "for an iPhone spatial photo")
    p.add_argument("--style", default="circle", choices=sorted(LENS_STYLES),
                   help="lens character [default: circle]")
    p.add_argument("--no-depth-from-file", action="store_true",
                   help="ignore a depth map embedded in IN")
    p.add_argument("--preset", default="quality", choices=("quality", "light"),
                   help="video: 'light' segments at 256x144 and blurs at 640 px [default: quality]")
    p.add_argument("--quality", type=int, default=92, help="JPEG/HEIC/AVIF quality [default: 92]")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    p.set_defaults(func=run)


def parse_focus(text: str) -> str | tuple[float, float]:
    """``"auto"`` or ``"X,Y"`` (fractions in [0, 1]) to the API's focus argument."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise ParameterError(f"--focus {text!r}: expected 'auto' or X,Y fractions such as "
                             "0.5,0.4") from None
    if not (0 <= x <= 1 and 0 <= y <= 1):
        raise ParameterError(f"--focus {text!r}: X and Y must be fractions of the frame in [0, 1]")
    return (x, y)


def _embedded_depth(path: Path):  # noqa: ANN202 - DepthMap or None
    from brightroom.io.depth import read_depth

    if path.suffix.lower() not in (".heic", ".heif", ".hif", ".jpg", ".jpeg"):
        return None
    try:
        return read_depth(path)
    except InputError:
        return None


def _heic_views(path: Path) -> int:
    if path.suffix.lower() not in (".heic", ".heif", ".hif"):
        return 1
    import pillow_heif

    try:
        return len(pillow_heif.open_heif(str(path)))
    except Exception:
        return 1


def run(args: argparse.Namespace) -> int:
    import sys

    from brightroom.io import read_image, write_image
    from brightroom.io.atomic import check_output
    from brightroom.portrait import BokehParams, render_portrait

    src, out = Path(args.input), Path(args.output)
    if not src.exists():
        raise InputError(f"{src}: no such file")
    check_output(out, overwrite=args.overwrite, inputs=(src,))
    focus = parse_focus(args.focus)
    params = BokehParams(f_number=args.aperture, focal_length=args.focal, style=args.style)
    if src.suffix.lower() in VIDEO_EXTENSIONS:
        from brightroom.portrait.video import VideoParams, render_video

        vp = VideoParams.light() if args.preset == "light" else VideoParams()
        stats = render_video(src, out, params=params, video=vp, focus=focus,
                             overwrite=args.overwrite)
        print(f"{out}: {stats.frames} frames, {stats.fps:.1f} fps, "
              f"{stats.no_person} without a person")
        return 0

    image = read_image(src)
    depth = right = None
    if args.stereo:
        from brightroom.io.depth import read_stereo_pair

        same = Path(args.stereo).resolve() == src.resolve()
        left, right = read_stereo_pair(src) if same else read_stereo_pair(src, args.stereo)
        image = image.replace(data=left) if same else image
    elif args.depth:
        from brightroom.io.depth import read_depth

        depth = read_depth(args.depth)
    elif not args.no_depth_from_file:
        depth = _embedded_depth(src)
        if depth is None and _heic_views(src) >= 2:
            from brightroom.io.depth import read_stereo_pair

            left, right = read_stereo_pair(src)
            image = image.replace(data=left)
    result = render_portrait(image, depth=depth, right=right, params=params, focus=focus)
    for note in result.notes:
        print(f"brightroom: note: {note}", file=sys.stderr)
    write_image(result.image, out, quality=args.quality, overwrite=args.overwrite, inputs=(src,))
    print(f"{out}: depth from {result.depth_source}, focus {result.focus_distance:.2f} m, "
          f"f/{args.aperture:g}, {args.style}")
    return 0
