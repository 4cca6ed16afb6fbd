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

# Sub-command modules: each has add_parser(subparsers) and sets `func` on its parser; the name
# each registers and its one-line help (what `brightroom --help` lists).
_COMMANDS = {
    "develop": ("brightroom.cli.develop", "develop raw files into photos"),
    "demo": ("brightroom.cli.demo", "develop an embedded sample raw (no download needed)"),
    "lab": ("brightroom.cli.lab", "virtual camera lab: score pipelines, rank them, measure photos"),
    "look": ("brightroom.cli.look", "apply creative looks to photos"),
    "calibrate": ("brightroom.cli.look", "fit a camera profile from a ColorChecker shot"),
    "portrait": ("brightroom.cli.portrait", "portrait mode: blur the background like a fast lens"),
    "batch": ("brightroom.cli.batch", "develop many raws or run a lab campaign on Dask"),
    "studio": ("brightroom.cli.studio", "the local web app (library, editor, jobs, lab)"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser, its sub-commands registered by their modules.

    With ``command`` (the sub-command about to run) only that sub-command's module is loaded
    and its options registered; the others are listed by name and help, so that one command
    does not pay for loading the others' libraries (start-up time). Without it, every
    sub-command is complete.
    """
    parser = argparse.ArgumentParser(
        prog="brightroom",
        description="Brightroom: an open computational camera.",
    )
    parser.add_argument("--version", action="version", version=f"brightroom {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    loaded: set[str] = set()
    wanted = None if command is None else _COMMANDS[command][0]
    for name, (module, help_) in _COMMANDS.items():
        if wanted is not None and module != wanted:
            sub.add_parser(name, help=help_)  # listed only: it is not the one that runs
            continue
        if module in loaded:
            continue
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name != module:
                raise
            continue
        loaded.add(module)
        mod.add_parser(sub)
    return parser


def _command(argv: Sequence[str]) -> str | None:
    """The sub-command named in ``argv`` (the first word that is not an option), if known."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in _COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    # colour-science warns on import that matplotlib (which Brightroom does not use) is missing;
    # on the command line that would break the one-line error contract.
    warnings.filterwarnings("ignore", message=".*Matplotlib.*")
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    parser = build_parser(_command(argv))
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
