"""The ``brightroom`` command: a thin shell over the public API (``brightroom.<name>``).

Every command parses its arguments, calls the Python API and formats the result. Errors print
as one line, ``brightroom: error: <message>``, with exit status 1 (2 for bad usage); the
traceback appears only with ``--debug``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
import warnings
from collections.abc import Sequence

from brightroom._version import __version__
from brightroom.errors import BrightroomError

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_ERROR", "EXIT_USAGE", "EXIT_INTERNAL"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

# Sub-command modules: each has add_parser(subparsers) and sets `func` on its parser.
_COMMANDS = (
    "brightroom.cli.develop",
    "brightroom.cli.demo",
    "brightroom.cli.lab",
    "brightroom.cli.look",
    "brightroom.cli.portrait",
    "brightroom.cli.video",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (sub-commands registered by their modules)."""
    parser = argparse.ArgumentParser(
        prog="brightroom",
        description="Brightroom: an open computational camera.",
    )
    parser.add_argument("--version", action="version", version=f"brightroom {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            continue
        mod.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    # colour-science warns on import that matplotlib (which Brightroom does not use) is missing;
    # on the command line that would break the one-line error contract.
    warnings.filterwarnings("ignore", message=".*Matplotlib.*")
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse already printed its usage line
        return int(e.code or 0)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("brightroom: interrupted", file=sys.stderr)
        return 130
    except BrightroomError as e:
        if debug:
            traceback.print_exc()
        print(f"brightroom: error: {_one_line(e)}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as e:  # a bug: still one line unless --debug
        if debug:
            traceback.print_exc()
        print(f"brightroom: internal error: {type(e).__name__}: {_one_line(e)} "
              "(run with --debug for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
