from dataclasses import dataclass

import numpy as np
import pytest

from brightroom.develop.params import Params, param
from brightroom.develop.pipeline import (
    Pipeline,
    Stage,
    StageKind,
    get_stage,
    known_stages,
    register_stage,
    space_of,
)
from brightroom.errors import PipelineError, RecipeError
from brightroom.types import CFAPattern, Image, RawImage


@dataclass(frozen=True)
class GainParams(Params):
    gain: float = param(2.0, range=(0.0, 10.0))


@register_stage("_test_gain", input_space="cfa", output_space="cfa", params=GainParams)
def _gain(raw, params):
    return raw.replace(cfa=raw.cfa * np.float32(params.gain))


@register_stage("_test_spread", input_space="cfa", output_space="camera_rgb")
def _spread(raw, params):
    d = np.repeat(raw.cfa[..., None], 3, axis=2)
    return Image(d, space="camera_rgb", primaries="camera", camera=raw.camera)


@register_stage("_test_liar", input_space="cfa", output_space="cfa")
def _liar(raw, params):
    return Image(np.zeros((*raw.shape, 3), np.float32))


def _raw():
    return RawImage(np.full((4, 4), 0.25, np.float32), CFAPattern())


def test_pipeline_runs_in_order_and_keeps_input():
    raw = _raw()
    p = Pipeline.of([("_test_gain", {"gain": 3.0}), "_test_spread"])
    out = p(raw)
    assert space_of(out) == "camera_rgb"
    np.testing.assert_allclose(out.data, 0.75)
    np.testing.assert_array_equal(raw.cfa, 0.25)
    assert p.input_space == "cfa" and p.output_space == "camera_rgb"
    assert p["_test_gain"].params.gain == 3.0


def test_pipeline_refuses_unconnected_stages():
    with pytest.raises(PipelineError, match="gives camera_rgb"):
        Pipeline.of(["_test_spread", "_test_gain"])
    with pytest.raises(PipelineError):
        Pipeline(())


def test_stage_checks_frame_space_and_declared_output():
    with pytest.raises(PipelineError, match="takes cfa"):
        Stage.build("_test_gain")(Image(np.zeros((2, 2, 3), np.float32)))
    with pytest.raises(PipelineError, match="declared output"):
        Stage.build("_test_liar")(_raw())


def test_unknown_stage_and_params():
    with pytest.raises(RecipeError, match="unknown stage"):
        get_stage("no-such-stage")
    with pytest.raises(RecipeError, match="unknown parameter"):
        Stage.build("_test_gain", {"gian": 2})
    with pytest.raises(PipelineError, match="takes GainParams"):
        Stage(get_stage("_test_gain"), Params())


def test_replace_params():
    p = Pipeline.of(["_test_gain", "_test_spread"]).replace_params("_test_gain", GainParams(0.0))
    assert float(p(_raw()).data.max()) == 0.0


class _NeedsWB(StageKind):
    """A test stage that needs the white-balance decision."""

    name = "_test_needs_wb"
    takes = "cfa"
    gives = "cfa"
    needs = frozenset({"white_balance"})

    def render(self, frame, params, plan):
        return frame


class _Provider(StageKind):
    """A test stage that claims to provide the decision but does not."""

    name = "_test_false_provider"
    takes = "cfa"
    gives = "cfa"
    provides = frozenset({"white_balance"})

    def render(self, frame, params, plan):
        return frame


def test_a_need_without_provider_is_refused_when_built():
    with pytest.raises(PipelineError) as e:
        Pipeline.of(["_test_gain", "_test_needs_wb"], name="mine")
    msg = str(e.value)
    assert "\n" not in msg
    assert "'mine'" in msg and "'_test_needs_wb'" in msg and "white_balance" in msg
    assert "add " in msg and "'white_balance' before it" in msg  # names the provider
    Pipeline.of(["white_balance", "_test_needs_wb"])  # provided before: fine


def test_a_recipe_without_white_balance_is_refused_naming_it():
    from brightroom.develop.recipe import parse_recipe

    text = """format = 1
name = "no-wb"
[[stage]]
name = "demosaic"
[[stage]]
name = "colour"
[[stage]]
name = "output"
"""
    with pytest.raises(RecipeError) as e:
        parse_recipe(text, source="no-wb.toml")
    msg = str(e.value)
    assert "no-wb" in msg and "'colour'" in msg and "white_balance" in msg and "\n" not in msg


def test_a_partial_pipeline_requires_and_checks_at_run_time():
    p = Pipeline.of(["colour", "output"])
    assert p.requires == frozenset({"white_balance"})
    img = Image(np.full((8, 8, 3), 0.2, np.float32), space="camera_rgb", primaries="camera")
    with pytest.raises(PipelineError, match="needs white_balance"):
        p(img)


def test_a_stage_must_provide_what_it_declares():
    with pytest.raises(PipelineError, match="did not set it"):
        Pipeline.of(["_test_false_provider"])(_raw())


def test_unknown_state_name_and_double_registration():
    with pytest.raises(ValueError, match="unknown need"):
        type("_Bad", (StageKind,), {"name": "_test_bad", "takes": "cfa", "gives": "cfa",
                                     "needs": frozenset({"wb_neutral"})})
    with pytest.raises(ValueError, match="registered twice"):
        type("_Other", (StageKind,), {"name": "_test_needs_wb", "takes": "cfa", "gives": "cfa"})


def test_unknown_stage_lists_entry_point_stages_and_bad_schedule():
    with pytest.raises(RecipeError) as e:
        get_stage("lokk")
    assert "look" in str(e.value) and "white_balance" in str(e.value)
    assert "look" in known_stages()
    with pytest.raises(PipelineError, match="unknown schedule"):
        Pipeline.of(["_test_gain"])(_raw(), schedule="fast")


def test_own_stages_match_their_entry_points():
    from importlib.metadata import entry_points

    from brightroom.develop.pipeline import ENTRY_POINT_GROUP, OWN_STAGES

    eps = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert {n: eps.get(n) for n in OWN_STAGES} == OWN_STAGES
    assert {n for n, v in eps.items() if v.startswith("brightroom.develop.")} == set(OWN_STAGES)
