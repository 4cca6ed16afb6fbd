"""``brightroom stabilize`` and ``brightroom video denoise`` (shells over
:func:`brightroom.stabilize` and :func:`brightroom.video_denoise`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import brightroom

__all__ = ["add_parser", "run_stabilize", "run_denoise", "parse_crop"]


def parse_crop(text: str) -> str | float:
    """``--crop``: ``auto`` or a percentage (``90`` or ``90%``)."""
    t = text.strip().rstrip("%")
    if t.lower() == "auto":
        return "auto"
    try:
        return float(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--crop must be 'auto' or a percentage, got "
                                         f"{text!r}") from None


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``stabilize`` and ``video`` (``denoise``) to the sub-commands."""
    p = sub.add_parser(
        "stabilize", help="stabilise a shaky video",
        description="Stabilise a video: KLT motion, an L1-optimal camera path (Grundmann et al. "
        "2011) with the largest crop that allows it, audio copied in sync. H.264 out.")
    p.add_argument("video", metavar="IN", help="input video (any format FFmpeg reads)")
    p.add_argument("-o", "--output", required=True, help="output video (.mp4, .mov, .mkv)")
    p.add_argument("--smoothness", type=float, default=1.0, metavar="S",
                   help="multiplier of the path's smoothness weights [default: 1]")
    p.add_argument("--crop", type=parse_crop, default="auto", metavar="auto|PERCENT",
                   help="'auto' (the most area, at least 85%%) or the percentage of width and "
                   "height kept [default: auto]")
    p.add_argument("--gyro", metavar="FILE",
                   help="gyro log: Gyroflow .gcsv, a CSV of t,wx,wy,wz (s, rad/s) or a GoPro MP4 "
                   "(GPMF); its time offset is found against the optical motion")
    p.add_argument("--rolling-shutter", type=float, metavar="MS",
                   help="sensor readout time in ms, for the per-row rolling-shutter correction "
                   "[default: the gyro log's, else none]")
    p.add_argument("--horizon-lock", action="store_true", help="keep the first frame's horizon")
    p.add_argument("--fill", action="store_true",
                   help="keep the whole frame, filling uncovered borders from neighbouring frames")
    p.add_argument("--denoise", action="store_true", help="also denoise, in the same run")
    p.add_argument("--json", action="store_true",
                   help="print the camera path, the crop kept and the speed as JSON")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    p.set_defaults(func=run_stabilize)

    v = sub.add_parser("video", help="video tools: denoise",
                       description="Video tools (stabilisation is 'brightroom stabilize').")
    vs = v.add_subparsers(dest="video_command", metavar="ACTION")
    d = vs.add_parser("denoise", help="denoise a low-light video",
                      description="Motion-compensated temporal denoising in linear light, "
                      "driven by the noise level estimated from the clip.")
    d.add_argument("video", metavar="IN", help="input video")
    d.add_argument("-o", "--output", required=True, help="output video")
    d.add_argument("--strength", type=float, default=1.0, metavar="S",
                   help="multiplier of the estimated noise level [default: 1]")
    d.add_argument("--json", action="store_true", help="print the result as JSON")
    d.add_argument("--overwrite", action="store_true", help="replace an existing output")
    d.set_defaults(func=run_denoise)


def run_stabilize(args: argparse.Namespace) -> int:
    r = brightroom.stabilize(args.video, args.output, smoothness=args.smoothness, crop=args.crop,
                             gyro=args.gyro, rolling_shutter=args.rolling_shutter,
                             horizon_lock=args.horizon_lock, fill=args.fill,
                             denoise=args.denoise, overwrite=args.overwrite)
    for note in r.notes:
        print(f"brightroom: note: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps({"output": str(r.output), "frames": r.frames, "fps": round(r.fps, 2),
                          "crop": round(r.crop, 4), "area": round(r.area, 4),
                          "passed_through": r.passed_through, "lost_pairs": r.lost,
                          "seconds": round(r.seconds, 3), "gyro_offset_s": r.gyro_offset_s,
                          "rolling_shutter_ms": r.readout_ms,
                          "path": [[round(float(v), 5) for v in p] for p in r.path],
                          "camera": [[round(float(v), 5) for v in p] for p in r.camera]}))
    else:
        print(f"{Path(args.output)}: {r.frames} frames, {100 * r.area:.1f} % of the area kept, "
              f"{r.fps:.1f} fps")
    return 0


def run_denoise(args: argparse.Namespace) -> int:
    r = brightroom.video_denoise(args.video, args.output, strength=args.strength,
                                 overwrite=args.overwrite)
    if args.json:
        print(json.dumps({"output": str(r.output), "frames": r.frames, "fps": round(r.fps, 2),
                          "noise": [float(r.noise[0]), float(r.noise[1])]}))
    else:
        print(f"{Path(args.output)}: {r.frames} frames, noise variance {r.noise[0]:.2g} x + "
              f"{r.noise[1]:.2g}, {r.fps:.1f} fps")
    return 0
