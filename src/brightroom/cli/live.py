"""``brightroom live``: a shell over :func:`brightroom.live`."""

from __future__ import annotations

import argparse
import sys

from tqdm import tqdm

import brightroom

__all__ = ["add_parser", "run", "parse_size", "parse_effect"]


def parse_size(text: str) -> tuple[int, int]:
    """``--size WxH``."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--size must be WIDTHxHEIGHT, got {text!r}") from None
    if w < 16 or h < 16:
        raise argparse.ArgumentTypeError(f"--size must be at least 16x16, got {text!r}")
    return w, h


def parse_effect(text: str) -> tuple[str, str | None]:
    """``--effect blur|none|replace=IMAGE``."""
    name, _, arg = text.partition("=")
    if name == "replace" and arg:
        return "replace", arg
    if name in ("blur", "none") and not arg:
        return name, None
    raise argparse.ArgumentTypeError(f"--effect must be blur, none or replace=IMAGE, got "
                                     f"{text!r}")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``live`` to the sub-commands."""
    p = sub.add_parser(
        "live", help="live filters: background blur/replace, beauty, looks",
        description="Real-time filters on a webcam (/dev/videoN), a stream (rtsp://, http://), "
        "a video file (--realtime plays it at its own rate) or 'synthetic': person "
        "segmentation, background blur or replacement, skin smoothing and a look, encoded "
        "to MP4. Frames the CPU cannot keep up with are dropped and counted.")
    p.add_argument("--input", required=True, metavar="SOURCE",
                   help="video file, /dev/videoN, rtsp:// or http(s):// URL, or 'synthetic'")
    p.add_argument("--output", required=True, metavar="FILE.mp4|virtualcam",
                   help="output video (MP4), or virtualcam (needs pyvirtualcam)")
    p.add_argument("--preview", type=int, metavar="PORT",
                   help="also show the stream on http://127.0.0.1:PORT/ (0: any free port)")
    p.add_argument("--effect", type=parse_effect, default="blur",
                   metavar="blur|replace=IMG|none",
                   help="background effect; replace=FILE takes an image or a video (looped) "
                   "[default: blur]")
    p.add_argument("--beauty", type=float, default=0.0, metavar="0..1",
                   help="skin smoothing strength [default: 0]")
    p.add_argument("--look", metavar="NAME", help="a look (brightroom look list) or .toml file")
    p.add_argument("--size", type=parse_size, metavar="WxH", help="frame size, e.g. 1280x720")
    p.add_argument("--fps", type=float, help="frame rate asked of a webcam or the synthetic source")
    p.add_argument("--realtime", action="store_true",
                   help="play a file at its own rate (drop frames rather than fall behind)")
    p.add_argument("--segment-every", type=int, default=1, metavar="N",
                   help="run the person model on every N-th frame [default: 1]")
    p.add_argument("--no-adaptive", action="store_true",
                   help="do not lower the segmentation rate under load")
    p.add_argument("--true-colour", metavar="PROFILE.json",
                   help="apply a webcam colour profile (with --calibrate: write it there)")
    p.add_argument("--calibrate", action="store_true",
                   help="fit the true-colour profile from a ColorChecker held in frame, apply "
                   "it from then on and write it to --true-colour")
    p.add_argument("--steady-exposure", action="store_true",
                   help="cancel a webcam's pumping auto exposure and white balance")
    p.add_argument("--frames", type=int, default=300, help="frames of the synthetic source")
    p.add_argument("--stats", metavar="FILE.json", help="write the statistics as JSON")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    effect, background = args.effect
    bar = tqdm(desc="live", unit="frame", leave=False, disable=not sys.stderr.isatty())

    shown = []

    def progress(stats: brightroom.LiveStats) -> None:
        if stats.preview_url and not shown:
            shown.append(True)
            tqdm.write(f"preview: {stats.preview_url}", file=sys.stderr)
        bar.update(1)

    try:
        st = brightroom.live(args.input, args.output, effect=effect, background=background,
                             beauty=args.beauty, look=args.look, size=args.size, fps=args.fps,
                             realtime=args.realtime, segment_every=args.segment_every,
                             adaptive=not args.no_adaptive, frames=args.frames,
                             true_colour=args.true_colour, calibrate=args.calibrate,
                             steady_exposure=args.steady_exposure, preview=args.preview, stats=args.stats,
                             overwrite=args.overwrite, progress=progress)
    finally:
        bar.close()
    print(f"{args.output}: {st.frames_out} frames ({st.dropped} dropped of {st.frames_in}), "
          f"{st.fps:.1f} fps, latency p50 {st.latency_ms_p50:.0f} ms, p95 "
          f"{st.latency_ms_p95:.0f} ms")
    cal = st.calibration
    if args.calibrate and cal and "de00_after_mean" in cal:
        print(f"{args.true_colour}: true-colour profile from {cal['charts_found']} chart frames, "
              f"mean dE00 {cal['de00_before_mean']:.1f} before, {cal['de00_after_mean']:.1f} "
              "after")
    if st.error:
        print(f"brightroom: error: {st.error} (the output holds the frames up to then)",
              file=sys.stderr)
        return 1
    return 0
