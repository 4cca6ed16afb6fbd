"""``brightroom lab``: score a pipeline in the virtual lab, rank scores, measure real photos (shells
over :func:`brightroom.lab_score`, :func:`brightroom.lab_compare`, :func:`brightroom.lab_measure`).

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

import brightroom
from brightroom.errors import ParameterError


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
    s.add_argument("--plan", default="full", choices=brightroom.LAB_PLANS,
                   help="shooting plan: full (ranked) or quick (2 conditions, a preview; "
                   "ranked separately) [default: full]")
    s.add_argument("-o", "--output", required=True, help="output directory for the report")
    s.add_argument("--no-leaderboard", action="store_true", help="do not store the result")
    s.add_argument("--leaderboard", default=None,
                   help="leaderboard database [default: $BRIGHTROOM_LEADERBOARD or "
                   "$XDG_DATA_HOME/brightroom/leaderboard.sqlite]")
    s.add_argument("--json", action="store_true", help="print the score as JSON")
    s.add_argument("--overwrite", action="store_true",
                   help="replace report.html and results.json already in the output directory")
    s.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    s.set_defaults(func=run)

    c = lab.add_parser("compare", help="rank the scored pipelines")
    c.add_argument("--camera", default=None, help="only this camera preset")
    c.add_argument("--score-version", default=None, help="score version [default: current]")
    c.add_argument("--plan", default="full", choices=brightroom.LAB_PLANS, help="[default: full]")
    c.add_argument("--leaderboard", default=None, help="leaderboard database")
    c.add_argument("--json", action="store_true", help="print the ranking as JSON")
    c.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    c.set_defaults(func=run)

    m = lab.add_parser("measure", help="measure a real photo of a test chart")
    m.add_argument("photo", help="the photo (JPEG/PNG/TIFF/... or raw)")
    m.add_argument("--chart", required=True, help=f"one of {', '.join(brightroom.MEASURE_CHARTS)}")
    m.add_argument("--roi", default=None, help="X,Y,W,H region holding the chart")
    m.add_argument("--corners", default=None,
                   help="x1,y1,x2,y2,x3,y3,x4,y4: the chart's corners (clockwise from top-left)")
    m.add_argument("--json", action="store_true", help="print the measurement as JSON")
    m.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    m.set_defaults(func=run)

    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=run, _lab_parser=p)


def _numbers(text: str | None, n: int | None, name: str) -> tuple[float, ...] | None:
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
    run = brightroom.lab_score(args.pipeline, args.output, camera=args.camera, seed=args.seed,
                               plan=args.plan,
                               leaderboard=False if args.no_leaderboard else args.leaderboard,
                               overwrite=args.overwrite)
    results, report = run.results, run.report
    s = results.score
    if args.json:
        print(json.dumps({"pipeline": results.pipeline, "camera": results.camera,
                          "plan": results.plan.name, "score_version": s.version,
                          "overall": s.overall, "attributes": dict(s.attributes),
                          "report": str(report), "leaderboard_id": run.entry}, allow_nan=False))
        return 0
    print(f"{results.pipeline} on {results.camera} (plan {results.plan.name}, seed {results.seed}, "
          f"score version {s.version}): overall {s.overall:.1f}")
    for name, v in s.attributes.items():
        print(f"  {name:<10} {'not measured (excluded)' if v is None else f'{v:5.1f}'}")
    for n in results.notes:
        print(f"  note: {n}")
    print(f"report  {report}")
    print(f"results {report.parent / 'results.json'}")
    if run.entry is not None:
        print(f"leaderboard entry {run.entry} in {run.leaderboard}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    r = brightroom.lab_compare(camera=args.camera, score_version=args.score_version,
                               plan=args.plan, leaderboard=args.leaderboard)
    if args.json:
        print(json.dumps(r.to_dict(), allow_nan=False))
        return 0
    others = r.other_score_versions
    print(f"Ranking of score version {r.score_version} only (plan {r.plan}"
          f"{', camera ' + r.camera if r.camera else ''}); results of other score versions "
          f"are not comparable and not shown{': ' + ', '.join(others) if others else ''}.")
    rows = r.ranking
    if not rows:
        print(f"no results in {r.leaderboard}; run 'brightroom lab score --pipeline NAME -o DIR' "
              "first")
        return 0
    attrs = [a for a in rows[0].attributes if any(e.attributes.get(a) is not None for e in rows)]
    print(f"{'#':>3} {'overall':>7}  " + " ".join(f"{a[:9]:>9}" for a in attrs)
          + f"  {'camera':<14} pipeline")
    for e in rows:
        cells = " ".join(f"{e.attributes[a]:9.1f}" if e.attributes.get(a) is not None else f"{'-':>9}"
                         for a in attrs)
        print(f"{e.rank:>3} {e.overall:7.1f}  {cells}  {e.camera:<14} {e.pipeline} (seed {e.seed})")
    return 0


def _measure(args: argparse.Namespace) -> int:
    res = brightroom.lab_measure(args.photo, chart=args.chart,
                                 roi=_numbers(args.roi, 4, "roi"),
                                 corners=_numbers(args.corners, 8, "corners"))
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
