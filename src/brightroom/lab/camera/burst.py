"""Burst simulation (placeholder until the hand-shake model lands)."""

from __future__ import annotations

__all__ = ["simulate_burst"]


def simulate_burst(*args, **kwargs):  # pragma: no cover - replaced below
    raise NotImplementedError("simulate_burst is not written yet")
