"""Atomic output files: write to a temporary file beside the target, then rename.

This is a floor-1 module (standard library and :mod:`brightroom.errors` only), so every room that
writes a file (``io``, ``color``, ``looks``, ``lab``, ``portrait``) can use it without importing
another room. Every Brightroom writer goes through :func:`atomic_write`, so that

* a crash, an encoder error or Ctrl-C never leaves a half-written file under the final name
  (the temporary file is removed on any exception),
* an existing file is never replaced without ``overwrite=True`` (``--overwrite`` in the CLI),
* an output never silently replaces one of the inputs it was made from.

The temporary file keeps the real extension at the end of its name
(``photo.jpg`` -> ``.photo.brightroom-tmp-<pid>-k2j4.jpg``) because encoders (OpenCV, PyAV,
tifffile) pick the format from it. The process id in the name lets a later write into the same
folder remove what a killed process (``kill -9``, power loss) left behind: a temporary file
whose process is gone is deleted (:func:`clean_stale`). The CLI turns SIGTERM into an exception,
so a terminated run removes its own temporary files on the way out.

:func:`atomic_write_many` writes several files as a unit (a LUT and its report): all of them
appear, or none. :func:`check_input` refuses what is not a regular file (a FIFO, which would
block a read forever, a device, a directory) before anything opens it;
:func:`read_input_bytes` reads such a file.

References
----------
POSIX.1-2017, ``rename()``: "If the link named by the new argument exists, it shall be removed and
old renamed to new. [...] a link named new shall remain visible to other threads throughout the
renaming operation and refer either to the file referred to by new or old before the operation
began." (the atomic replace this module relies on; ``os.replace`` on Windows gives the same).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from brightroom.errors import InputError, OutputExistsError

__all__ = ["atomic_write", "atomic_write_many", "check_output", "check_input",
           "read_input_bytes", "clean_stale", "TEMP_MARK"]

TEMP_MARK = ".brightroom-tmp-"
"""What every temporary output's name holds, followed by the writing process's id."""
_STALE_RE = re.compile(r"^\..*" + re.escape(TEMP_MARK) + r"(\d+)-")

PathLike = str | os.PathLike[str]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def check_output(
    path: PathLike, *, overwrite: bool = False, inputs: Iterable[PathLike] = ()
) -> Path:
    """Raise :class:`OutputExistsError` if writing ``path`` would replace a file unasked.

    Parameters
    ----------
    path
        The output file.
    overwrite
        Allow replacing an existing file, including an input.
    inputs
        Files the output is made from; ``path`` must not be one of them unless ``overwrite``.

    Returns
    -------
    pathlib.Path
        ``path`` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    if overwrite:
        return path
    for inp in inputs:
        inp = Path(inp)
        same = path.resolve() == inp.resolve()
        if same or (path.exists() and inp.exists() and _same_file(path, inp)):
            raise OutputExistsError(
                f"{path} is the input file {inp}; pass overwrite=True (--overwrite) to replace it"
            )
    if path.exists() or path.is_symlink():
        raise OutputExistsError(f"{path} exists; pass overwrite=True (--overwrite) to replace it")
    return path


def check_input(path: PathLike, what: str = "file") -> Path:
    """``path`` as a :class:`~pathlib.Path` if it is a readable regular file (after symlinks).

    Raises
    ------
    InputError
        Missing; a directory, FIFO, socket or device (a FIFO would block a read forever); or
        not readable. The message names the file and ``what`` was expected.
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except OSError as e:
        raise InputError(f"{p}: cannot read the {what} ({e.strerror or e})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{p}: is a directory, not a {what}")
    if not stat.S_ISREG(st.st_mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else
                "a socket" if stat.S_ISSOCK(st.st_mode) else "a device")
        raise InputError(f"{p}: is {kind}, not a regular {what}")
    if not os.access(p, os.R_OK):
        raise InputError(f"{p}: cannot read the {what} (permission denied)")
    return p


def read_input_bytes(path: PathLike, what: str = "file") -> bytes:
    """The bytes of a regular file (:func:`check_input` first), OS errors as one
    :class:`InputError` line."""
    p = check_input(path, what)
    try:
        return p.read_bytes()
    except OSError as e:
        raise InputError(f"{p}: cannot read the {what} ({e.strerror or e})") from None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: someone else's live process
        return True
    return True


def clean_stale(folder: PathLike) -> list[Path]:
    """Remove the temporary outputs in ``folder`` whose writing process no longer exists.

    Returns
    -------
    list of pathlib.Path
        What was removed.
    """
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        m = _STALE_RE.match(name)
        if m and not _alive(int(m.group(1))):
            p = Path(folder) / name
            with contextlib.suppress(OSError):
                if p.is_file() and not p.is_symlink():
                    p.unlink()
                    removed.append(p)
    return removed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(
    path: PathLike, *, overwrite: bool = False, inputs: Iterable[PathLike] = ()
) -> Iterator[Path]:
    """Context manager yielding a temporary path that becomes ``path`` on success.

    Parameters
    ----------
    path
        The final output file. Missing parent directories are created.
    overwrite
        Replace ``path`` if it exists (also when it is one of ``inputs``).
    inputs
        The files this output is made from; writing over one of them is refused unless
        ``overwrite``.

    Yields
    ------
    pathlib.Path
        An (empty, already created) temporary file in the same directory as ``path``, named
        ``.<stem>.tmp-XXXX<suffix>``. Write the whole output there.

    Raises
    ------
    OutputExistsError
        ``path`` exists (or is an input) and ``overwrite`` is false, checked before and again
        when the file is moved into place.

    Examples
    --------
    >>> with atomic_write("out/photo.jpg") as tmp:  # doctest: +SKIP
    ...     cv2.imwrite(str(tmp), pixels)
    """
    path = check_output(path, overwrite=overwrite, inputs=tuple(inputs))
    parent = path.parent if str(path.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    if parent.exists() and not parent.is_dir():
        raise OutputExistsError(f"{path}: {parent} is not a directory")
    clean_stale(parent)
    stem = path.stem[:80]  # a long name must still leave room for the marks (NAME_MAX)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{stem}{TEMP_MARK}{os.getpid()}-",
                                    suffix=path.suffix[:16], dir=parent)
    except OSError as e:
        if e.errno == errno.ENAMETOOLONG:
            fd, name = tempfile.mkstemp(prefix=f".{TEMP_MARK[1:]}{os.getpid()}-",
                                        suffix=path.suffix[:16], dir=parent)
        else:
            raise
    os.close(fd)
    tmp = Path(name)
    try:
        # mkstemp makes the file 0600; give the output the usual permissions
        os.chmod(tmp, 0o666 & ~_umask())
        yield tmp
        if overwrite:
            os.replace(tmp, path)
        else:
            # link() refuses to replace an existing name, so a file that appeared meanwhile is
            # not clobbered; fall back to replace() where hard links are not supported.
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise OutputExistsError(
                    f"{path} exists; pass overwrite=True (--overwrite) to replace it"
                ) from None
            except OSError:
                if path.exists():
                    raise OutputExistsError(
                        f"{path} exists; pass overwrite=True (--overwrite) to replace it"
                    ) from None
                os.replace(tmp, path)
            else:
                tmp.unlink()
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def atomic_write_many(
    paths: Sequence[PathLike], *, overwrite: bool = False, inputs: Iterable[PathLike] = ()
) -> Iterator[list[Path]]:
    """:func:`atomic_write` for several files that belong together: every one is checked
    before any is written, and either all appear or none does.

    Yields
    ------
    list of pathlib.Path
        One temporary path per output, in order.

    Raises
    ------
    OutputExistsError
        One of ``paths`` exists (or is an input, or two are the same) and ``overwrite`` is
        false; nothing is written.
    """
    outs = [Path(p) for p in paths]
    inputs = tuple(inputs)
    resolved = [p.resolve() for p in outs]
    if len(set(resolved)) != len(resolved):
        raise OutputExistsError(f"two outputs are the same file: {', '.join(map(str, outs))}")
    for p in outs:
        check_output(p, overwrite=overwrite, inputs=inputs)
    with contextlib.ExitStack() as stack:
        tmps = [stack.enter_context(_Staged(p, overwrite, inputs)) for p in outs]
        yield [t.tmp for t in tmps]
        # all written: move them into place together; undo the moved ones on a failure
        done: list[Path] = []
        try:
            for t in tmps:
                t.commit()
                done.append(t.path)
        except BaseException:
            for p in done:
                with contextlib.suppress(OSError):
                    p.unlink()
            raise


class _Staged:
    """One temporary file of :func:`atomic_write_many`, moved into place by ``commit``."""

    def __init__(self, path: Path, overwrite: bool, inputs: tuple) -> None:
        self.path, self.overwrite, self.inputs = path, overwrite, inputs
        self._cm = atomic_write(path, overwrite=overwrite, inputs=inputs)

    def __enter__(self) -> _Staged:
        self.tmp = self._cm.__enter__()
        self._committed = False
        return self

    def commit(self) -> None:
        self._cm.__exit__(None, None, None)
        self._committed = True

    def __exit__(self, *exc: object) -> None:
        if not self._committed:
            with contextlib.suppress(FileNotFoundError):
                self.tmp.unlink()
