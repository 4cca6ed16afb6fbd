"""Atomic output files: a re-export of :mod:`brightroom.files`, where the helpers live (floor 1).

Kept for callers that import them from here (the CLI's ``portrait`` command); new code imports
:mod:`brightroom.files`.
"""

from __future__ import annotations

from brightroom.files import atomic_write, check_output

__all__ = ["atomic_write", "check_output"]
