"""The develop pipeline: stages with declared spaces, recipes and the shipped recipes.

``brightroom.develop`` is both this package and the API function
:func:`brightroom.develop.run.develop` (re-exported by :mod:`brightroom.api`): calling the
module develops a raw image, so that
``brightroom.develop(raw, recipe="default")`` works even after ``brightroom.develop.recipe``
has been imported (which makes the package an attribute of ``brightroom``).
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _DevelopModule(types.ModuleType):
    """The package module, callable as :func:`brightroom.develop.run.develop`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from brightroom.develop.run import develop

        return develop(*args, **kwargs)


sys.modules[__name__].__class__ = _DevelopModule
