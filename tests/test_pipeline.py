from dataclasses import dataclass

import numpy as np
import pytest

from brightroom.develop.params import Params, param
from brightroom.develop.pipeline import Pipeline, Stage, get_stage, register_stage, space_of
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


def test_fusion_used_when_it_accepts_and_skipped_when_it_declines():
    from brightroom.develop.pipeline import FUSIONS, register_fusion

    calls = []

    @register_fusion("_test_gain", "_test_spread")
    def _fused(raw, params):
        calls.append(params)
        if params[0].gain > 5:
            return None  # declines: the stages run one by one
        d = np.repeat((raw.cfa * np.float32(params[0].gain))[..., None], 3, axis=2)
        return Image(d, space="camera_rgb", primaries="camera")

    try:
        p = Pipeline.of([("_test_gain", {"gain": 3.0}), "_test_spread"])
        ref = p(_raw(), fused=False)
        assert calls == []
        out = p(_raw())
        assert len(calls) == 1
        np.testing.assert_array_equal(out.data, ref.data)
        p2 = Pipeline.of([("_test_gain", {"gain": 6.0}), "_test_spread"])
        np.testing.assert_allclose(p2(_raw()).data, 1.5)
        assert len(calls) == 2
        with pytest.raises(PipelineError, match="takes cfa"):
            p(Image(np.zeros((2, 2, 3), np.float32)))
    finally:
        FUSIONS.pop(("_test_gain", "_test_spread"))
