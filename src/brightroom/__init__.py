"""Brightroom: an open computational camera.

The public Python API lives in :mod:`brightroom.api` and is re-exported here lazily, so that
``import brightroom`` stays fast: ``brightroom.read``, ``brightroom.develop``,
``brightroom.write``.
"""

from __future__ import annotations

from typing import Any

from brightroom._version import __version__ as __version__

_API = ("read", "read_raw", "read_image", "develop", "write", "load_recipe", "merge")


def __getattr__(name: str) -> Any:
    if name in _API:
        from brightroom import api

        return getattr(api, name)
    raise AttributeError(f"module 'brightroom' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
