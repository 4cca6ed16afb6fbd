"""The develop fusions agree with the stage-by-stage reference."""

from __future__ import annotations

import numpy as np
import pytest

import brightroom
from brightroom.develop.pipeline import FUSIONS, Pipeline
from brightroom.types import CameraInfo, CFAPattern, RawImage


def _raw(h=384, w=512, seed=3):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 0.12 + 0.1 * np.sin(xx / 9.0) * np.cos(yy / 7.0) + 0.35 * (xx > w * 0.6)
    base[: h // 5] *= 0.05  # deep shadows for the local tone gain to lift
    cfa = (base + rng.normal(0, 0.003, (h, w))).astype(np.float32)
    cam = CameraInfo(color_matrix1=np.array([[0.7, 0.2, -0.05], [-0.25, 1.15, 0.1],
                                             [0.0, 0.2, 0.55]]), illuminant1=21,
                     as_shot_neutral=(0.55, 1.0, 0.75))
    return RawImage(cfa, CFAPattern("RGGB"), camera=cam, black_level=(0,) * 4, white_level=1.0)


@pytest.mark.parametrize("recipe", ["default", "neutral"])
def test_fused_matches_reference(recipe):
    rec = brightroom.load_recipe(recipe)
    pipe: Pipeline = rec.pipeline()
    names = tuple(s.name for s in pipe.stages)
    assert any(names[i:i + len(k)] == k for k in FUSIONS for i in range(len(names)))
    raw = _raw()
    ref = pipe(raw, fused=False)
    fast = pipe(raw)
    assert fast.space == ref.space == "display"
    diff = np.abs(fast.data - ref.data)
    assert diff.max() < 2e-3, diff.max()  # well under one 8-bit code
    assert fast.metadata["colour_matrix"] == ref.metadata["colour_matrix"]


def test_fusion_declines_tone_none():
    rec = brightroom.load_recipe("default").with_params("tone", method="none", exposure=1.0)
    raw = _raw()
    pipe = rec.pipeline()
    np.testing.assert_allclose(pipe(raw).data, pipe(raw, fused=False).data, atol=2e-3)


def test_fused_with_auto_exposure_and_p3():
    rec = (brightroom.load_recipe("default").with_params("tone", auto_exposure=True)
           .with_params("colour", space="Display P3"))
    raw = _raw()
    pipe = rec.pipeline()
    fast, ref = pipe(raw), pipe(raw, fused=False)
    assert fast.primaries == "Display P3"
    assert np.abs(fast.data - ref.data).max() < 2e-3
