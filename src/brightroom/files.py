"""Atomic output files: write to a temporary file beside the target, then rename.

This is a floor-1 module (standard library and :mod:`brightroom.errors` only), so every room that
writes a file (``io``, ``color``, ``looks``, ``lab``, ``portrait``) can use it without importing
another room. Every Brightroom writer goes through :func:`atomic_write`, so that

* a crash, an encoder error or Ctrl-C never leaves a half-written file under the final name
  (the temporary file is removed on any exception),
* an existing file is never replaced without ``overwrite=True`` (``--overwrite`` in the CLI),
* an output never silently replaces one of the inputs it was made from.

The temporary file keeps the real extension at the end of its name
(``photo.jpg`` -> ``.photo.tmp-k2j4.jpg``) because encoders (OpenCV, Pillow, pillow-heif) pick
the format from it.

References
----------
POSIX.1-2017, ``rename()``: "If the link named by the new argument exists, it shall be removed and
old renamed to new. [...] a link named new shall remain visible to other threads throughout the
renaming operation and refer either to the file referred to by new or old before the operation
began." (the atomic replace this module relies on; ``os.replace`` on Windows gives the same).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from brightroom.errors import OutputExistsError

__all__ = ["atomic_write", "check_output"]

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
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.tmp-", suffix=path.suffix, dir=parent)
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
