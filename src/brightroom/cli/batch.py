"""``brightroom batch``: many raws, or a lab campaign, on Dask (a shell over
:mod:`brightroom.batch`)."""

from __future__ import annotations

import argparse
import sys

from tqdm import tqdm

import brightroom
import brightroom.batch as batch


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("batch", help="develop many raws or run a lab campaign on Dask",
                       description="Run many files, or a lab campaign, on a local Dask cluster "
                       "sized to the machine or on a running Dask scheduler (--scheduler).")
    bsub = p.add_subparsers(dest="batch_command", metavar="JOB")

    d = bsub.add_parser("develop", help="develop raw files into a folder",
                        description="Develop raw files, folders and glob patterns into OUT_DIR "
                        "(<stem>.<format>); a manifest in OUT_DIR records every input, so "
                        "--resume continues a batch that stopped.")
    d.add_argument("inputs", nargs="+", metavar="IN", help="raw files, folders or patterns")
    d.add_argument("-o", "--output", required=True, metavar="OUT_DIR", help="output folder")
    d.add_argument("--recipe", default="default", help="recipe name or .toml [default: default]")
    d.add_argument("--wb", default=None, help="white balance override (as brightroom develop)")
    d.add_argument("--look", default=None, help="a look applied after developing")
    d.add_argument("--format", default="jpg", choices=batch.FORMATS,
                   help="output format [default: jpg]")
    d.add_argument("--quality", type=int, default=92, help="JPEG/HEIC/AVIF quality [default: 92]")
    d.add_argument("--resume", action="store_true",
                   help="skip inputs already done with the same content and settings")
    d.add_argument("--overwrite", action="store_true",
                   help="replace existing files the batch did not write")
    _cluster_options(d)
    d.set_defaults(func=run_develop)

    lb = bsub.add_parser("lab", help="score pipelines on cameras and seeds",
                         description="Score every pipeline on every camera and seed in the "
                         "virtual lab, one task each; results go to the leaderboard and one "
                         "report compares them all.")
    lb.add_argument("--pipelines", required=True,
                    help="comma-separated pipelines (default,neutral,rawpy,...)")
    lb.add_argument("--cameras", default="flagship-2022", help="comma-separated camera presets")
    lb.add_argument("--seeds", default="0", help="seeds: N, A..B or a list [default: 0]")
    lb.add_argument("--plan", default="full", choices=brightroom.LAB_PLANS,
                    help="shooting plan [default: full]")
    lb.add_argument("-o", "--output", default=None, metavar="DIR",
                    help="folder for campaign.html and campaign.json")
    lb.add_argument("--leaderboard", default=None, help="leaderboard database [default: yours]")
    lb.add_argument("--no-leaderboard", action="store_true", help="do not store the results")
    lb.add_argument("--overwrite", action="store_true", help="replace an existing report")
    _cluster_options(lb)
    lb.set_defaults(func=run_lab)
    p.set_defaults(func=lambda args: _usage(p))


def _usage(p: argparse.ArgumentParser) -> int:
    p.print_help(sys.stderr)
    return 2


def _cluster_options(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None,
                       help="local workers [default: one per core]")
    where.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                       help="a running dask scheduler instead of a local cluster")
    p.add_argument("--threads-per-worker", type=int, default=None,
                   help="kernel threads per local worker [default: cores / workers]")
    p.add_argument("--processes", action="store_true",
                   help="local workers as processes (each under a nanny that restarts it if "
                   "it dies) instead of threads of this process")
    p.add_argument("--dashboard", action="store_true", help="print the Dask dashboard link")


class _Bar:
    """The terminal progress bar of a batch (tqdm on stderr, off when not a terminal)."""

    def __init__(self, what: str) -> None:
        self.what, self.bar = what, None

    def __call__(self, done: int, total: int, item: str) -> None:
        if self.bar is None:
            self.bar = tqdm(total=total, desc=self.what, unit="file", file=sys.stderr,
                            disable=None)
        else:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _on_cluster(args: argparse.Namespace):  # noqa: ANN202
    def show(info: batch.ClusterInfo) -> None:
        if args.dashboard and info.dashboard:
            print(f"brightroom: dashboard: {info.dashboard}", file=sys.stderr)
    return show


def run_develop(args: argparse.Namespace) -> int:
    bar = _Bar("developing")
    try:
        result = batch.develop(args.inputs, args.output, recipe=args.recipe, wb=args.wb,
                               look=args.look, format=args.format, quality=args.quality,
                               workers=args.workers, threads_per_worker=args.threads_per_worker,
                               scheduler=args.scheduler, processes=args.processes,
                               resume=args.resume,
                               overwrite=args.overwrite, dashboard=args.dashboard, progress=bar,
                               on_cluster=_on_cluster(args))
    finally:
        bar.close()
    for src, text in result.warnings:
        print(f"brightroom: warning: {text if str(src) in text else f'{src}: {text}'}",
              file=sys.stderr)
    for src, reason in result.failed:
        print(f"brightroom: error: {reason if str(src) in reason else f'{src}: {reason}'}",
              file=sys.stderr)
    n = len(result.done) + len(result.skipped) + len(result.failed)
    summary = (f"{len(result.done)} developed, {len(result.skipped)} skipped (done before), "
               f"{len(result.failed)} failed of {n}, in {result.seconds:.1f} s")
    if result.failed:
        print(f"brightroom: {summary}; see {result.manifest}", file=sys.stderr)
        return 1
    print(f"{result.out_dir}: {summary}")
    return 0


def run_lab(args: argparse.Namespace) -> int:
    bar = _Bar("scoring")
    leaderboard = False if args.no_leaderboard else args.leaderboard
    try:
        result = batch.lab([s for s in args.pipelines.split(",") if s],
                           [s for s in args.cameras.split(",") if s],
                           batch.parse_seeds(args.seeds), args.output, plan=args.plan,
                           leaderboard=leaderboard, workers=args.workers,
                           threads_per_worker=args.threads_per_worker, scheduler=args.scheduler,
                           processes=args.processes, dashboard=args.dashboard,
                           overwrite=args.overwrite, progress=bar,
                           on_cluster=_on_cluster(args))
    finally:
        bar.close()
    for row in result.table:
        print(f"{row['camera']:>14}  {row['pipeline']:<24} {row['overall_mean']:6.2f} "
              f"± {row['overall_sd']:.2f}  ({row['runs']} runs)")
    if result.report is not None:
        print(result.report)
    for p, c, s, reason in result.failed:
        print(f"brightroom: error: {p} / {c} / seed {s}: {reason}", file=sys.stderr)
    if result.failed:
        print(f"brightroom: {len(result.failed)} of {len(result.failed) + len(result.runs)} "
              "runs failed", file=sys.stderr)
        return 1
    return 0
