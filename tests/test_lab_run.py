"""Tests of the lab's scoring run (tiny plan, a self-contained reference pipeline)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from _lab_helpers import CURVED, DARK, ORACLE, REFERENCE, SHARP
from brightroom.errors import BrightroomError, ParameterError, PipelineError
from brightroom.lab.conditions import TINY_PLAN, Condition
from brightroom.lab.pipelines import LabPipeline
from brightroom.lab.run import LabResults, run_lab
from brightroom.lab.score import SCORE_VERSION
from brightroom.types import Image


@pytest.fixture(scope="module")
def ref() -> LabResults:
    return run_lab(REFERENCE, conditions="tiny", seed=3)


def _scores(r: LabResults) -> np.ndarray:
    vals = [r.score.overall]
    vals += [v for v in r.score.attributes.values() if v is not None]
    vals += [v for c in r.score.per_condition.values() for v in c.values()]
    return np.array(vals)


def test_structure(ref: LabResults):
    assert [c.condition.name for c in ref.conditions] == [c.name for c in TINY_PLAN.conditions]
    assert ref.score.version == SCORE_VERSION == ref.score_version
    assert ref.pipeline == "test:bilinear" and ref.camera == "flagship-2022"
    assert 0 < ref.overall < 100
    low, high = ref.conditions
    assert low.iso > high.iso  # auto exposure: less light, more gain
    for c in ref.conditions:
        assert not c.errors, c.errors
        for key in ("de00_mean", "wb_error_deg", "mtf50", "edge_acutance", "texture_acutance",
                    "snr_db", "visual_noise", "ev_error", "false_colour_chroma", "moire_index"):
            assert c.metrics[key] is not None and math.isfinite(c.metrics[key]), key
    assert "dr_stops" in high.metrics and "dr_stops" not in low.metrics
    assert high.metrics["snr_db"] > low.metrics["snr_db"] + 6
    assert high.metrics["visual_noise"] < low.metrics["visual_noise"]


def test_json_round_trip(ref: LabResults):
    text = json.dumps(ref.to_dict(), allow_nan=False)
    again = LabResults.from_dict(json.loads(text))
    assert again.score == ref.score
    assert again.plan == ref.plan
    assert again.to_dict() == json.loads(text)


def test_same_seed_same_scores(ref: LabResults):
    again = run_lab(REFERENCE, conditions="tiny", seed=3)
    assert np.max(np.abs(_scores(again) - _scores(ref))) <= 1e-6
    other = run_lab(REFERENCE, conditions="tiny", seed=4)
    assert other.conditions[0].metrics["snr_db"] != ref.conditions[0].metrics["snr_db"]


def test_measurements_against_known_changes(ref: LabResults):
    # DARK renders 2 EV darker than REFERENCE (gain 0.5 instead of 2): the exposure error
    # must move by log2(0.5 / 2) = -2 EV (same seed: same noise).
    dark = run_lab(DARK, conditions="tiny", seed=3)
    for a, b in zip(ref.conditions, dark.conditions):
        assert b.metrics["ev_error"] - a.metrics["ev_error"] == pytest.approx(-2.0, abs=0.05)
    assert dark.score.attributes["exposure"] < ref.score.attributes["exposure"]
    # An unsharp mask raises edge acutance and overshoot, and costs artefact points.
    sharp = run_lab(SHARP, conditions="tiny", seed=3)
    a, b = ref.conditions[1].metrics, sharp.conditions[1].metrics
    assert b["overshoot_pct"] > a["overshoot_pct"] + 10
    assert b["edge_acutance"] > a["edge_acutance"]
    assert sharp.score.per_condition["1000lux"]["artefacts"] < ref.score.per_condition["1000lux"]["artefacts"]


def test_a_global_tone_curve_is_undone_before_sharpness_texture_and_dr(ref: LabResults):
    """CURVED = REFERENCE + a global x^0.6 curve: detail and range are the same (ISO 12233 /
    ISO 15739 linearise through the measured OECF), only colour and exposure change."""
    curved = run_lab(CURVED, conditions="tiny", seed=3)
    for a, b in zip(ref.conditions, curved.conditions):
        ma, mb = a.metrics, b.metrics
        assert mb["mtf50"] == pytest.approx(ma["mtf50"], abs=0.01)
        assert mb["edge_acutance"] == pytest.approx(ma["edge_acutance"], abs=0.02)
        assert mb["texture_acutance"] == pytest.approx(ma["texture_acutance"], abs=0.03)
        assert mb["de00_mean"] > ma["de00_mean"] + 1
    assert curved.conditions[1].metrics["dr_stops"] == pytest.approx(
        ref.conditions[1].metrics["dr_stops"], abs=0.3)


def test_physical_plausibility(ref: LabResults):
    high = ref.conditions[1].metrics
    # the DNG-matrix rendering of a simulated camera is colorimetric to a few dE00
    assert high["de00_mean"] < 6
    assert high["wb_error_deg"] < 2  # as-shot neutral of the simulator is exact
    # a 2x2-binned 12-bit sensor (24000 e- full well, 2 e- read noise): under 13.6 stops
    assert 6 < high["dr_stops"] < math.log2(24000 / 2)
    assert 0.1 < high["mtf50"] < 0.5


def test_a_perfect_camera_scores_near_100():
    """The oracle shows the wall's exact colorimetric truth: analytic values for every metric."""
    r = run_lab(ORACLE, conditions="tiny", seed=0)
    for c in r.conditions:
        m = c.metrics
        assert not c.errors
        assert m["ev_error"] == pytest.approx(0.0, abs=0.01)      # 18 % grey shown at 0.18
        assert m["false_colour_chroma"] < 0.01 and m["moire_index"] < 0.01
        assert m["visual_noise"] < 1e-6 and m["snr_db"] == pytest.approx(100.0)  # capped, not failed
        assert m["texture_acutance"] == pytest.approx(1.0, abs=1e-3)
        assert m["overshoot_pct"] == pytest.approx(0.0, abs=1e-6)
        # a pixel-area sampled edge has MTF |sinc(f)|: 2 / pi at Nyquist
        assert m["mtf_nyquist"] == pytest.approx(2 / math.pi, abs=0.04)
    day = r.conditions[1].metrics
    assert day["de00_mean"] < 1.0 and day["wb_error_deg"] < 0.1
    # 16 one-stop steps peaking at 4: 4, 2 and 1 clip at display white, 12 stops remain and all
    # are noise-free, so the chart is the limit
    assert day["dr_stops"] == pytest.approx(12.0)
    assert r.score.overall > 95
    for attr in ("noise", "artefacts", "texture"):
        assert r.score.attributes[attr] > 99


def test_custom_conditions():
    r = run_lab(REFERENCE, conditions=[Condition("dusk", 50, 3500, ("flat",))], seed=0)
    assert r.plan.name == "custom"
    assert set(r.conditions[0].metrics) == {"ev_error", "snr_db", "snr", "visual_noise"}
    assert r.score.attributes["colour"] is None and "colour" in r.score.absent


def test_errors_never_become_scores():
    with pytest.raises(ParameterError, match="unknown camera preset"):
        run_lab(REFERENCE, camera="nokia-3310", conditions="tiny")
    with pytest.raises(BrightroomError):
        run_lab("brightroom:no-such-recipe", conditions="tiny")
    with pytest.raises(ParameterError):
        run_lab(REFERENCE, conditions="tiny", seed=-1)

    def crash(raw):
        raise RuntimeError("boom")

    with pytest.raises(PipelineError, match="boom"):
        run_lab(LabPipeline("crash", crash), conditions="tiny")

    def cropped(raw):
        img = REFERENCE(raw)
        return Image(np.ascontiguousarray(img.data[2:, 2:]), space="display", transfer="sRGB")

    with pytest.raises(PipelineError, match="full frame"):
        run_lab(LabPipeline("cropped", cropped), conditions="tiny")


@pytest.mark.slow
def test_full_plan_runs_within_the_bar():
    import time

    t = time.perf_counter()
    r = run_lab(REFERENCE, conditions="full", seed=0)
    elapsed = time.perf_counter() - t
    assert elapsed < 60.0
    assert [c.condition.lux for c in r.conditions] == [1, 5, 20, 100, 1000]
    for c in r.conditions:
        assert not c.errors, (c.condition.name, c.errors)
        assert all(v is not None for v in c.metrics.values()), c.metrics
    assert r.score.failed == ()
    assert r.notes == ()  # the full plan is the rankable one


def test_capabilities_off_by_default_on_reduced_plans(ref: LabResults):
    assert ref.capabilities is None and ref.plan.name == "tiny"
    assert {"night", "bokeh"} <= set(ref.score.absent)
    assert any("capability tests" in n for n in ref.notes)


def test_capabilities_join_the_score(monkeypatch):
    import brightroom.lab.capabilities as caps

    seen = {}

    def fake(pipe, *, seed, camera, **kw):  # noqa: ANN001, ANN202
        seen.update(pipe=pipe.name, seed=seed, camera=camera)
        return {"metrics": {"night-1lux": {"night_psnr_db": 24.0, "night_gain_db": 3.0,
                                           "night_subject_db": 0.0},
                            "hdr": {"hdr_dr_stops": 14.0, "hdr_halo_pct": 11.0}},
                "details": {}, "errors": {}, "timings": {}}

    monkeypatch.setattr(caps, "measure_capabilities", fake)
    r = run_lab(REFERENCE, conditions="tiny", seed=3, capabilities=True)
    assert seen == {"pipe": "test:bilinear", "seed": 3, "camera": "flagship-2022"}
    # a departure from the plan's default is its own plan (ranked separately)
    assert r.plan.name == "tiny+capabilities"
    assert r.score.attributes["night"] == pytest.approx(60.0)  # 0.4*50 + 0.4*50 + 0.2*100
    assert r.score.per_condition["hdr"]["exposure"] == pytest.approx(50.0)
    assert r.score.absent == ("bokeh", "zoom", "video")
    again = LabResults.from_dict(json.loads(json.dumps(r.to_dict(), allow_nan=False)))
    assert again.capabilities == r.capabilities and again.score == r.score
