"""Shared test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_file(name: str) -> Path:
    """A real sample file from ../shared/data, or skip the test when it is absent."""
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f"real sample {name} not in {SHARED_DATA} (only in the dev/CI checkout)")
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
