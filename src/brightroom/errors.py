"""The Brightroom error hierarchy.

Every error a user can cause (a bad file, a bad recipe, a bad parameter) is a
:class:`BrightroomError`. Messages name the file or value and what was expected,
so that the CLI can print them as one line.
"""

from __future__ import annotations

__all__ = [
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
