"""The ``brightroom`` command: a thin shell over the public API (``brightroom.<name>``).

Every command parses its arguments, calls the Python API and formats the result. Whatever goes
wrong ends in one line on stderr; the traceback appears only with ``--debug``:

* ``brightroom: error: <message>`` and exit status 1 for everything a user or the machine can
  cause: Brightroom's own errors, OS errors (permission, read-only file system, disk full, a
  name too long, ...), running out of memory, a value a library refuses (``ValueError``), a
  nesting too deep to parse;
* exit status 2 for bad usage (argparse's one usage line);
* ``brightroom: internal error: ...`` and exit status 3 only for a bug (with
  ``$BRIGHTROOM_RAISE_BUGS`` set, as the test suite sets it, the exception is raised instead);
* a closed standard output (``brightroom look list | head -1``) ends quietly with status 1;
* SIGTERM is turned into an exception, so temporary files are removed on the way out (130 for
  Ctrl-C, 143 for SIGTERM).

Warnings print as one ``brightroom: warning: <message>`` line each (no source line); NumPy's
floating-point ``RuntimeWarning`` lines only with ``--debug``. What C libraries (libpng,
LibRaw, libtiff, libheif) print on file descriptor 2 is captured while a command runs and
dropped (replayed with ``--debug``). ``--max-pixels N`` (anywhere on the line) sets the pixel
cap of :mod:`brightroom.limits` for the command.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import signal
import sys
import tempfile
import traceback
import warnings
from collections.abc import Iterator, Sequence

import brightroom.limits as _limits
from brightroom._version import __version__
from brightroom.errors import BrightroomError

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_ERROR", "EXIT_USAGE", "EXIT_INTERNAL",
           "one_line_warning"]

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
    "scan": ("brightroom.cli.scan", "scan phone photos of pages into a searchable PDF"),
    "edit": ("brightroom.cli.edit", "edit photos: basic panel, HSL, crop, straighten, heal"),
    "animate": ("brightroom.cli.animate", "animated GIF, WebP and APNG from clips, Live Photos, bursts"),
    "stabilize": ("brightroom.cli.video", "stabilise a video (L1-optimal camera path, adaptive crop)"),
    "video": ("brightroom.cli.video", "video tools: low-light denoise"),
    "live": ("brightroom.cli.live", "live filters: background blur/replace, beauty, looks"),
}

_OS_HINTS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.ENAMETOOLONG: "file name too long",
    errno.EISDIR: "is a directory",
    errno.ENOTDIR: "not a directory",
    errno.ENOENT: "no such file or directory",
    errno.EEXIST: "exists",
    errno.EMFILE: "too many open files",
}


class _Terminated(BaseException):
    """SIGTERM, raised where the program is so that ``finally`` blocks clean up."""


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
    parser.add_argument("--max-pixels", metavar="N", default=None,
                        help="largest picture read, e.g. 500M [default: "
                        "$BRIGHTROOM_MAX_PIXELS or 300M; 0: no cap]")
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


def _pop_max_pixels(argv: list[str]) -> tuple[list[str], str | None]:
    """``--max-pixels N`` taken out wherever it is on the line (it applies to every command)."""
    out, value = [], None
    it = iter(range(len(argv)))
    for i in it:
        a = argv[i]
        if a == "--":
            out += argv[i:]
            break
        if a == "--max-pixels" and i + 1 < len(argv):
            value = argv[i + 1]
            next(it, None)
        elif a.startswith("--max-pixels="):
            value = a.split("=", 1)[1]
        else:
            out.append(a)
    return out, value


def one_line_warning(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
    """``warnings.showwarning`` for the command line: ``brightroom: warning: ...``, one line."""
    if issubclass(category, RuntimeWarning) and "numpy" in str(filename) and not _DEBUG[0]:
        return
    text = " ".join(str(message).split())
    if text in _SEEN:
        return
    _SEEN.add(text)
    print(f"brightroom: warning: {text}", file=sys.stderr)


_SEEN: set[str] = set()
_DEBUG = [False]


@contextlib.contextmanager
def _captured_fd2(debug: bool) -> Iterator[None]:
    """Send what C libraries write to file descriptor 2 into a temporary file for the block,
    while Python's own ``sys.stderr`` keeps writing where it did."""
    try:
        sys.stderr.flush()
        fd2 = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    own = None
    try:
        real = sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):
        real = False
    sink = tempfile.TemporaryFile()
    saved = sys.stderr
    if real:  # keep Python's stderr on the original descriptor
        own = os.fdopen(os.dup(fd2), "w", buffering=1, encoding=getattr(saved, "encoding", None)
                        or "utf-8", errors="backslashreplace")
        sys.stderr = own
    os.dup2(sink.fileno(), 2)
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        os.dup2(fd2, 2)
        os.close(fd2)
        if own is not None:
            sys.stderr = saved
            with contextlib.suppress(OSError):
                own.close()
        if debug:
            sink.seek(0)
            chatter = sink.read().decode("utf-8", "replace")
            if chatter.strip():
                print(chatter, end="", file=sys.stderr)
        sink.close()


def _on_sigterm(signum, frame):  # noqa: ANN001
    raise _Terminated


def _os_message(e: OSError) -> str:
    what = _OS_HINTS.get(e.errno or -1) or (e.strerror or type(e).__name__).lower()
    names = [n for n in (e.filename, e.filename2) if n]
    if names:
        return f"{names[0]}: {what}" + (f" ({names[1]})" if len(names) > 1 else "")
    detail = _one_line(e)
    return what if what in detail.lower() else f"{what} ({detail})"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    # colour-science warns on import that matplotlib (which Brightroom does not use) is missing;
    # on the command line that would break the one-line error contract.
    warnings.filterwarnings("ignore", message=".*Matplotlib.*")
    argv = list(sys.argv[1:] if argv is None else argv)
    argv, max_pixels = _pop_max_pixels(argv)
    debug = "--debug" in argv
    _DEBUG[0] = debug
    _SEEN.clear()
    parser = build_parser(_command(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse already printed its usage line
        return int(e.code or 0)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        old_term = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread
        old_term = None
    try:
        with contextlib.ExitStack() as stack:
            if max_pixels is not None:
                stack.enter_context(_limits.limits(
                    max_pixels=_limits.parse_size(max_pixels, "--max-pixels")))
            stack.enter_context(warnings.catch_warnings())
            warnings.showwarning = one_line_warning
            stack.enter_context(_captured_fd2(debug))
            return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("brightroom: interrupted", file=sys.stderr)
        return 130
    except _Terminated:
        print("brightroom: terminated", file=sys.stderr)
        return 143
    except BrokenPipeError:
        # the reader of our output went away: nothing more to say, and nothing to flush
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    except BrightroomError as e:
        return _fail(_one_line(e), debug)
    except OSError as e:
        return _fail(_os_message(e), debug)
    except MemoryError:
        return _fail("out of memory; use a smaller input or lower --max-pixels "
                     "(brightroom.limits)", debug)
    except RecursionError:
        return _fail("input nested too deeply to parse", debug)
    except (ValueError, OverflowError, FloatingPointError) as e:
        return _fail(_one_line(e), debug)
    except Exception as e:  # a bug: still one line unless --debug
        if os.environ.get("BRIGHTROOM_RAISE_BUGS"):  # the test suite: a bug fails the test
            raise
        if debug:
            traceback.print_exc()
        print(f"brightroom: internal error: {type(e).__name__}: {_one_line(e)} "
              "(run with --debug for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)


def _fail(message: str, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    print(f"brightroom: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 2000 else text[:2000] + "..."


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
