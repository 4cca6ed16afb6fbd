"""The Brightroom error hierarchy.

Every error a user can cause (a bad file, a bad recipe, a bad parameter) is a
:class:`BrightroomError`. Messages name the file or value and what was expected,
so that the CLI can print them as one line.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "file_errors",
    "BrightroomError",
    "InputError",
    "UnsupportedRawError",
    "CorruptFileError",
    "ResourceLimitError",
    "UnsupportedFormatError",
    "OutputExistsError",
    "RecipeError",
    "ParameterError",
    "PipelineError",
    "ChartNotFoundError",
    "MergeError",
]


class BrightroomError(Exception):
    """Base class of every error Brightroom raises on purpose."""


class InputError(BrightroomError):
    """An input file cannot be used (missing, unreadable, wrong kind)."""


class UnsupportedRawError(InputError):
    """LibRaw cannot decode the file as a raw image."""


class CorruptFileError(InputError):
    """The file is truncated or its contents are inconsistent."""


class ResourceLimitError(InputError):
    """An input declares more than the resource policy allows (pixels, a side, memory, a LUT's
    size, nesting); see :mod:`brightroom.limits`."""


class UnsupportedFormatError(InputError):
    """The file extension or format is not one Brightroom reads or writes."""


class OutputExistsError(BrightroomError):
    """Writing would overwrite an existing file (or an input) without ``overwrite``."""


class RecipeError(BrightroomError):
    """A recipe file is malformed or names unknown stages or parameters."""


class ParameterError(BrightroomError, ValueError):
    """A parameter value is outside its documented range or of the wrong type."""


class PipelineError(BrightroomError):
    """Stages do not connect (their declared spaces differ) or a stage failed."""


class ChartNotFoundError(BrightroomError):
    """A test chart could not be located in a photo."""


class MergeError(BrightroomError):
    """Burst frames cannot be merged (sizes, cameras or patterns differ...)."""


F = TypeVar("F", bound=Callable[..., Any])


def file_errors(path_index: int = 0) -> Callable[[F], F]:
    """Decorator for a parser of untrusted files whose argument ``path_index`` (or keyword
    ``path``) names the file: whatever a malformed file makes it, or a library under it, raise
    (``IndexError``, ``struct.error``, ``ValueError``, a library's own exception...) becomes
    one :class:`CorruptFileError` naming the file. Brightroom's own errors, operating-system
    errors with an errno (permission, disk) and ``MemoryError`` pass through unchanged; the
    original exception stays attached as ``__cause__`` (``--debug`` shows it)."""

    def deco(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except (BrightroomError, MemoryError, KeyboardInterrupt):
                raise
            except OSError as e:
                if e.errno is not None:
                    raise
                raise _corrupt_from(args, kwargs, path_index, e) from e
            except Exception as e:  # noqa: BLE001 - a malformed file, whatever the library says
                raise _corrupt_from(args, kwargs, path_index, e) from e

        return wrapper  # type: ignore[return-value]

    return deco


def _corrupt_from(args: tuple, kwargs: dict, index: int, e: BaseException) -> CorruptFileError:
    src = kwargs.get("path", args[index] if len(args) > index else "<input>")
    name = os.fspath(src) if isinstance(src, str | os.PathLike) else "<bytes>"
    detail = " ".join(str(e).split())[:160]
    return CorruptFileError(f"{name}: file is truncated or corrupt ({type(e).__name__}"
                            f"{': ' + detail if detail else ''})")
