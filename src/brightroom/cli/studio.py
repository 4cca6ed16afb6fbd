"""``brightroom studio``: the local web app (a shell over :mod:`brightroom.studio`)."""

from __future__ import annotations

import argparse
import sys

import brightroom.studio as studio


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("studio", help="the local web app (library, editor, jobs, lab)",
                       description="Serve Brightroom Studio for a folder of photos. It listens "
                       "on this machine only unless given --token.")
    p.add_argument("--library", default=".", metavar="DIR", help="folder of photos [default: .]")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on [default: 127.0.0.1]")
    p.add_argument("--port", type=int, default=8765, help="port [default: 8765]")
    p.add_argument("--token", default=None, help="require this token on every request")
    p.add_argument("--max-upload", type=int, default=200 * 2**20, metavar="BYTES",
                   help="largest upload [default: 200 MiB]")
    p.add_argument("--max-pixels", type=int, default=300_000_000,
                   help="largest photo decoded [default: 300 MP]")
    p.add_argument("--leaderboard", default=None, help="the lab's leaderboard database")
    p.add_argument("--open", action="store_true", dest="open_browser",
                   help="open the page in the browser")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print(f"Brightroom Studio on http://{args.host}:{args.port}/ (Ctrl-C to stop)", file=sys.stderr)
    studio.serve(args.library, host=args.host, port=args.port, token=args.token,
                 max_upload=args.max_upload, max_pixels=args.max_pixels,
                 open_browser=args.open_browser, leaderboard=args.leaderboard)
    return 0
