"""``brightroom lab``: score a pipeline in the virtual lab, rank scores, measure real photos.

* ``brightroom lab score --pipeline NAME -o DIR``: photograph the chart wall under every
  lighting condition with a virtual camera, run the pipeline, measure, score; writes
  ``DIR/results.json`` and ``DIR/report.html`` and adds the result to the leaderboard.
* ``brightroom lab compare``: rank the stored results (one score version at a time).
* ``brightroom lab measure PHOTO --chart ...``: measure a real photo of a real chart.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from brightroom.errors import InputError, ParameterError

MEASURE_CHARTS = ("colorchecker", "slanted-edge", "gray-steps")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lab", help="virtual camera lab: score pipelines, rank them, measure photos",
                       description=__doc__.split("\n\n")[1])
    lab = p.add_subparsers(dest="lab_command", metavar="LAB_COMMAND")

    s = lab.add_parser("score", help="score a pipeline in the virtual lab")
    s.add_argument("--pipeline", required=True,
                   help="brightroom:<recipe> (or a recipe name/.toml), rawpy[:algorithm], "
                   "or cmd:'<command with {input} and {output}>'")
    s.add_argument("--camera", default="flagship-2022",
                   help="camera preset: flagship-2022, budget-phone, one-inch [default: flagship-2022]")
    s.add_argument("--seed", type=int, default=0, help="noise seed [default: 0]")
    s.add_argument("--plan", default="full", choices=("full", "quick"),
                   help="shooting plan: full (ranked) or quick (2 conditions, a preview; "
                   "ranked separately) [default: full]")
    s.add_argument("-o", "--output", required=True, help="output directory for the report")
    s.add_argument("--no-leaderboard", action="store_true", help="do not store the result")
    s.add_argument("--leaderboard", default=None,
                   help="leaderboard database [default: $BRIGHTROOM_LEADERBOARD or "
                   "$XDG_DATA_HOME/brightroom/leaderboard.sqlite]")
    s.add_argument("--json", action="store_true", help="print the score as JSON")
    s.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    s.set_defaults(func=run)

    c = lab.add_parser("compare", help="rank the scored pipelines")
    c.add_argument("--camera", default=None, help="only this camera preset")
    c.add_argument("--score-version", default=None, help="score version [default: current]")
    c.add_argument("--plan", default="full", choices=("full", "quick"), help="[default: full]")
    c.add_argument("--leaderboard", default=None, help="leaderboard database")
    c.add_argument("--json", action="store_true", help="print the ranking as JSON")
    c.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    c.set_defaults(func=run)

    m = lab.add_parser("measure", help="measure a real photo of a test chart")
    m.add_argument("photo", help="the photo (JPEG/PNG/TIFF/... or raw)")
    m.add_argument("--chart", required=True, help=f"one of {', '.join(MEASURE_CHARTS)}")
    m.add_argument("--roi", default=None, help="X,Y,W,H region holding the chart")
    m.add_argument("--corners", default=None,
                   help="x1,y1,x2,y2,x3,y3,x4,y4: the chart's corners (clockwise from top-left)")
    m.add_argument("--json", action="store_true", help="print the measurement as JSON")
    m.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    m.set_defaults(func=run)

    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=run, _lab_parser=p)


def _ints(text: str | None, n: int | None, name: str) -> tuple[float, ...] | None:
    if text is None:
        return None
    try:
        vals = tuple(float(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        raise ParameterError(f"--{name} {text!r}: expected comma-separated numbers") from None
    if n is not None and len(vals) != n:
        raise ParameterError(f"--{name} {text!r}: expected {n} numbers, got {len(vals)}")
    return vals


def _score(args: argparse.Namespace) -> int:
    from brightroom.lab.conditions import check_camera
    from brightroom.lab.report import write_report
    from brightroom.lab.run import run_lab

    check_camera(args.camera)
    if args.seed < 0:
        raise ParameterError(f"--seed {args.seed}: must be >= 0")
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: -o must be a directory")
    results = run_lab(args.pipeline, camera=args.camera, seed=args.seed, conditions=args.plan)
    report = write_report(results, out)
    entry = None
    if not args.no_leaderboard:
        from brightroom.lab.leaderboard import Leaderboard

        with Leaderboard(args.leaderboard) as lb:
            entry = lb.add(results)
            where = lb.path
    s = results.score
    if args.json:
        print(json.dumps({"pipeline": results.pipeline, "camera": results.camera,
                          "plan": results.plan.name, "score_version": s.version,
                          "overall": s.overall, "attributes": dict(s.attributes),
                          "report": str(report), "leaderboard_id": entry}, allow_nan=False))
        return 0
    print(f"{results.pipeline} on {results.camera} (plan {results.plan.name}, seed {results.seed}, "
          f"score version {s.version}): overall {s.overall:.1f}")
    for name, v in s.attributes.items():
        print(f"  {name:<10} {'not measured (excluded)' if v is None else f'{v:5.1f}'}")
    for n in results.notes:
        print(f"  note: {n}")
    print(f"report  {report}")
    print(f"results {report.parent / 'results.json'}")
    if entry is not None:
        print(f"leaderboard entry {entry} in {where}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from brightroom.lab.leaderboard import Leaderboard, default_path
    from brightroom.lab.score import ATTRIBUTES, SCORE_VERSION

    version = args.score_version or SCORE_VERSION
    if args.camera is not None:
        from brightroom.lab.conditions import check_camera

        check_camera(args.camera)
    path = Path(args.leaderboard).expanduser() if args.leaderboard else default_path()
    rows, others = [], []
    if path.exists():  # reading never creates a database
        with Leaderboard(path) as lb:
            rows = lb.ranking(args.camera, version, args.plan)
            others = [v for v in lb.score_versions() if v != version]
    if args.json:
        print(json.dumps({"score_version": version, "plan": args.plan, "camera": args.camera,
                          "leaderboard": str(path), "ranking": [r.to_dict() for r in rows],
                          "other_score_versions": others}, allow_nan=False))
        return 0
    print(f"Ranking of score version {version} only (plan {args.plan}"
          f"{', camera ' + args.camera if args.camera else ''}); results of other score versions "
          f"are not comparable and not shown{': ' + ', '.join(others) if others else ''}.")
    if not rows:
        print(f"no results in {path}; run 'brightroom lab score --pipeline NAME -o DIR' first")
        return 0
    attrs = [a for a in ATTRIBUTES if any(r.attributes.get(a) is not None for r in rows)]
    print(f"{'#':>3} {'overall':>7}  " + " ".join(f"{a[:9]:>9}" for a in attrs)
          + f"  {'camera':<14} pipeline")
    for r in rows:
        cells = " ".join(f"{r.attributes[a]:9.1f}" if r.attributes.get(a) is not None else f"{'-':>9}"
                         for a in attrs)
        print(f"{r.rank:>3} {r.overall:7.1f}  {cells}  {r.camera:<14} {r.pipeline} (seed {r.seed})")
    return 0


def _measure(args: argparse.Namespace) -> int:
    if args.chart not in MEASURE_CHARTS:
        raise ParameterError(f"unknown chart {args.chart!r}; known: {', '.join(MEASURE_CHARTS)}")
    photo = Path(args.photo)
    if not photo.is_file():
        raise InputError(f"{photo}: no such file")
    roi = _ints(args.roi, 4, "roi")
    corners = _ints(args.corners, 8, "corners")
    try:
        from brightroom.lab.measure import measure_photo
    except ModuleNotFoundError as e:
        if e.name != "brightroom.lab.measure":
            raise
        raise ParameterError("measuring real photos needs brightroom.lab.measure, which is not "
                             "part of this build yet") from None
    roi_i = tuple(int(round(v)) for v in roi) if roi else None
    corners_p = tuple(zip(corners[0::2], corners[1::2])) if corners else None
    res = measure_photo(photo, args.chart, roi=roi_i, corners=corners_p)
    if args.json:
        print(json.dumps(res, allow_nan=False, default=str))
    else:
        for k, v in res.items():
            if isinstance(v, (int, float, str)) or v is None:
                print(f"{k:<24} {v}")
    return 0


def run(args: argparse.Namespace) -> int:
    cmd = getattr(args, "lab_command", None)
    if cmd == "score":
        return _score(args)
    if cmd == "compare":
        return _compare(args)
    if cmd == "measure":
        return _measure(args)
    args._lab_parser.print_help(sys.stderr)
    return 2
