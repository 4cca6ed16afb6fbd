"""Shared test fixtures."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# a CLI run that would end in "internal error" (exit status 3, a bug) raises instead, so that
# no test can pass through one (issue 11: no exit status 3 anywhere in the suite)
os.environ["BRIGHTROOM_RAISE_BUGS"] = "1"

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


_running: pytest.Item | None = None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Remember the test being set up (before its fixtures) for ``shared_file``'s marker check."""
    global _running
    _running = item


def shared_file(name: str) -> Path:
    """A real sample file from ../shared/data, or skip the test when it is absent.

    The test using it must be marked ``realdata`` (checked whether or not the file is there)."""
    if _running is not None and _running.get_closest_marker("realdata") is None:
        pytest.fail(f"{_running.nodeid} reads ../shared/data/{name}: mark it "
                    "@pytest.mark.realdata", pytrace=False)
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f"real sample {name} not in {SHARED_DATA} (only in the dev/CI checkout)")
    return path


def segmentation_model() -> Path:
    """The portrait segmentation model, or skip the test when its optional source is absent.

    The model ships in the optional ``mediapipe`` package (or ``$BRIGHTROOM_SEGMENT_MODEL``);
    once either is there a model that cannot be found is a failure, not a skip."""
    if not os.environ.get("BRIGHTROOM_SEGMENT_MODEL") and importlib.util.find_spec("mediapipe") is None:
        pytest.skip("optional module mediapipe (the segmentation model) is not installed")
    from brightroom.portrait.segment import model_path

    return model_path()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
