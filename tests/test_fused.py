"""The fused schedule agrees with the reference schedule, and picks up new row stages by itself.

The bar of issue 9: a new pointwise stage, written here in this one file, is inserted into the
``default`` recipe; the fused schedule runs it in the same pass as its neighbours (seen in the
``brightroom.develop`` debug log) and agrees with the stage-by-stage reference within 1e-5.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pytest

import brightroom
from brightroom.develop.params import Params, param
from brightroom.develop.pipeline import Pipeline, RowPlan, RowStage, Stage
from brightroom.develop.recipe import Recipe
from brightroom.develop.rowops import Curves, Matrix
from brightroom.types import CameraInfo, CFAPattern, RawImage

TOL = 1e-5


@dataclass(frozen=True)
class GainParams(Params):
    """A per-channel gain."""

    gain: tuple[float, float, float] = param((1.1, 0.9, 1.05), doc="R, G, B factors")


class Gain(RowStage):
    """A test pointwise stage: per-channel gains (one Matrix row operation)."""

    name = "_test_rgb_gain"
    takes = "linear_rgb"
    gives = "linear_rgb"
    params = GainParams

    def plan(self, src, params):
        return RowPlan((Matrix(np.diag(params.gain)),))


@dataclass(frozen=True)
class GammaParams(Params):
    """A power curve."""

    power: float = param(0.8, range=(0.1, 4.0))


class Gamma(RowStage):
    """A test non-linear pointwise stage (a power curve through tables)."""

    name = "_test_gamma"
    takes = "linear_rgb"
    gives = "linear_rgb"
    params = GammaParams

    def plan(self, src, params):
        t = np.linspace(0, 1, 4097, dtype=np.float32) ** np.float32(params.power)
        return RowPlan((Curves(t, t, t),))


def _raw(h=384, w=512, seed=3):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 0.12 + 0.1 * np.sin(xx / 9.0) * np.cos(yy / 7.0) + 0.35 * (xx > w * 0.6)
    base[: h // 5] *= 0.05  # deep shadows for the local tone gain to lift
    base[-h // 6:, : w // 4] = 1.2  # clipped highlights
    cfa = (base + rng.normal(0, 0.003, (h, w))).astype(np.float32)
    cam = CameraInfo(color_matrix1=np.array([[0.7, 0.2, -0.05], [-0.25, 1.15, 0.1],
                                             [0.0, 0.2, 0.55]]), illuminant1=21,
                     as_shot_neutral=(0.55, 1.0, 0.75), baseline_exposure=0.5)
    return RawImage(cfa, CFAPattern("RGGB"), camera=cam, black_level=(0,) * 4, white_level=1.0)


def _insert(recipe: Recipe, before: str, name: str, params: Params) -> Recipe:
    steps = list(recipe.steps)
    k = next(i for i, (n, _) in enumerate(steps) if n == before)
    steps.insert(k, (name, params))
    return Recipe(recipe.name, tuple(steps), recipe.description)


def _both(pipe: Pipeline, raw: RawImage, caplog) -> tuple:
    with caplog.at_level(logging.DEBUG, logger="brightroom.develop"):
        caplog.clear()
        fast = pipe(raw)
        fused_log = [r.getMessage() for r in caplog.records]
    ref = pipe(raw, schedule="reference")
    return fast, ref, fused_log


def _assert_same(fast, ref):
    assert fast.space == ref.space == "display"
    assert fast.primaries == ref.primaries and fast.transfer == ref.transfer
    # plans see the same inputs up to float rounding (a preview made before or after a matrix)
    assert fast.state.replace(exposure_ev=0) == ref.state.replace(exposure_ev=0)
    assert fast.state.exposure_ev == pytest.approx(ref.state.exposure_ev, abs=1e-5)
    assert fast.saturation == ref.saturation
    diff = float(np.abs(fast.data - ref.data).max())
    assert diff <= TOL, diff


@pytest.mark.parametrize("recipe", ["default", "neutral"])
def test_fused_matches_reference(recipe, caplog):
    pipe = brightroom.load_recipe(recipe).pipeline()
    fast, ref, log = _both(pipe, _raw(), caplog)
    _assert_same(fast, ref)
    tail = ("colour+exposure+sharpen+tone+output" if recipe == "default"
            else "colour+exposure+output")
    assert any(f"fused {tail}" in m for m in log), log


@pytest.mark.parametrize("before", ["sharpen", "tone", "output"])
def test_a_new_pointwise_stage_is_fused_without_touching_the_schedule(before, caplog):
    rec = _insert(brightroom.load_recipe("default"), before, "_test_rgb_gain", GainParams())
    pipe = rec.pipeline()
    fast, ref, log = _both(pipe, _raw(), caplog)
    _assert_same(fast, ref)
    names = [s.name for s in pipe.stages]
    run = "+".join(names[names.index("colour"):])
    assert any(f"fused {run} " in m for m in log), log  # one pass for all five
    plain = brightroom.load_recipe("default").pipeline()(_raw())
    assert float(np.abs(fast.data - plain.data).max()) > 0.01  # the stage did something


def test_a_non_linear_stage_before_a_previewing_plan_ends_the_pass(caplog):
    rec = _insert(brightroom.load_recipe("default"), "tone", "_test_gamma", GammaParams())
    fast, ref, log = _both(rec.pipeline(), _raw(), caplog)
    _assert_same(fast, ref)
    assert any("ends before 'tone'" in m for m in log), log
    assert any("fused colour+exposure+sharpen+_test_gamma " in m for m in log), log
    assert any("fused tone+output " in m for m in log), log


def test_a_non_row_stage_splits_the_pass_and_agrees(caplog):
    from brightroom.looks.stage import LookParams

    rec = _insert(brightroom.load_recipe("default"), "output", "look",
                  LookParams(look="vibrant"))
    fast, ref, log = _both(rec.pipeline(), _raw(), caplog)
    _assert_same(fast, ref)
    assert any("'look' runs alone" in m for m in log), log


def test_tone_none_and_auto_exposure_in_p3(caplog):
    rec = brightroom.load_recipe("default").with_params("tone", method="none", exposure=1.0)
    _assert_same(*_both(rec.pipeline(), _raw(), caplog)[:2])
    rec = (brightroom.load_recipe("default").with_params("tone", auto_exposure=True)
           .with_params("colour", space="Display P3"))
    fast, ref, _ = _both(rec.pipeline(), _raw(), caplog)
    assert fast.primaries == "Display P3"
    _assert_same(fast, ref)
    assert fast.state.exposure_ev != 0.5  # baseline exposure plus the auto exposure


def test_state_carries_decisions_and_exposure():
    fixed = brightroom.load_recipe("neutral").with_params("exposure", auto=False)
    out = fixed.pipeline()(_raw())
    st = out.state
    assert st.white_balance is not None and st.white_balance.mode == "as-shot"
    assert st.white_balance.neutral == pytest.approx((0.55, 1.0, 0.75))
    assert st.lens_shading and st.denoised and st.colour_matrix is not None
    assert st.exposure_ev == pytest.approx(0.5)  # the DNG BaselineExposure
    metered = brightroom.load_recipe("neutral").pipeline()(_raw())
    ev = metered.metadata["exposure"]["ev"]
    assert abs(ev) > 0.1  # the meter moved it
    assert metered.state.exposure_ev == pytest.approx(0.5 + ev)  # BaselineExposure + metered


def test_a_single_stage_is_its_own_reference():
    img = brightroom.load_recipe("neutral").pipeline()
    raw = _raw()
    staged = raw
    for s in img.stages:
        staged = s(staged)
    np.testing.assert_array_equal(staged.data, img(raw, schedule="reference").data)
    assert isinstance(Stage.build("sharpen").params, Params)
