"""The warnings one thread raises, recorded without disturbing the others.

``warnings.catch_warnings(record=True)`` swaps the process's filters and ``showwarning`` and puts
them back on exit, so two tasks running it at once in threads of one process (a threads-based
local cluster, or ``dask worker --nthreads 2``) record each other's warnings and may restore the
wrong state. :func:`recorded_warnings` instead installs one hook for the whole process while any
thread is recording; the hook hands each warning to the list of the thread that raised it, and
shows warnings from threads that are not recording as before. The filters stay as they were
(what is ignored stays ignored: Dask's port notices, ``ResourceWarning``) except that a warning
no filter names is shown every time (``"always"`` after the others, instead of Python's once
per code line), so a warning repeated in another file is seen again.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Iterator

__all__ = ["recorded_warnings"]

_lock = threading.Lock()
_local = threading.local()
_active = 0
_saved: warnings.catch_warnings | None = None
_previous_show = warnings.showwarning


def _show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001, ANN202
    caught = getattr(_local, "caught", None)
    if caught is None:
        _previous_show(message, category, filename, lineno, file, line)
    else:
        caught.append(warnings.WarningMessage(message, category, filename, lineno, file, line))


@contextlib.contextmanager
def recorded_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """The warnings raised in this thread inside the block, in order (a list filled as they
    come); other threads' warnings are not in it."""
    global _active, _saved, _previous_show
    with _lock:
        if _active == 0:
            _saved = warnings.catch_warnings()
            _saved.__enter__()
            _previous_show = warnings.showwarning
            warnings.simplefilter("always", append=True)
            warnings.showwarning = _show
        _active += 1
    outer = getattr(_local, "caught", None)
    caught: list[warnings.WarningMessage] = []
    _local.caught = caught
    try:
        yield caught
    finally:
        _local.caught = outer
        if outer is not None:
            outer.extend(caught)
        with _lock:
            _active -= 1
            if _active == 0 and _saved is not None:
                _saved.__exit__(None, None, None)
                _saved = None
