"""Tests of the versioned lab score."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from brightroom.errors import ParameterError
from brightroom.lab.conditions import FULL_PLAN
from brightroom.lab.score import (
    ATTRIBUTES,
    SCORE_FORMULA,
    SCORE_VERSION,
    Component,
    LabScore,
    component_score,
    formula_hash,
    score_conditions,
)

# The fingerprint of every released score formula. Changing any weight, anchor or the full
# shooting plan changes the hash: bump SCORE_VERSION and record the new pair here.
RELEASED = {
    "1.0.0": "95a2747bc12b908b",  # chart wall only
    "1.1.0": "1119f9c99af0e40c",  # + night, bokeh; HDR folded into exposure / artefacts
    "1.2.0": "283c42de109e2c1d",  # + zoom (2x, 3x super-resolution vs digital zoom)
}


def test_formula_change_needs_a_version_bump():
    assert SCORE_FORMULA.version == SCORE_VERSION
    assert SCORE_VERSION in RELEASED, f"score version {SCORE_VERSION} was never recorded"
    assert formula_hash() == RELEASED[SCORE_VERSION], (
        "the score formula changed without a version bump: bump SCORE_VERSION in "
        "brightroom/lab/score.py and record the new hash in RELEASED")


def test_hash_catches_every_kind_of_change():
    base = formula_hash()
    attrs = list(SCORE_FORMULA.attributes)
    colour = attrs[1]
    comp = colour.components[0]
    changed_weight = dataclasses.replace(
        SCORE_FORMULA, attributes=(attrs[0], dataclasses.replace(colour, weight=1.01), *attrs[2:]))
    changed_anchor = dataclasses.replace(SCORE_FORMULA, attributes=(
        attrs[0], dataclasses.replace(colour, components=(dataclasses.replace(comp, zero=11.0),
                                                          *colour.components[1:])), *attrs[2:]))
    changed_cond = dataclasses.replace(SCORE_FORMULA, condition_weights=(("1lux", 0.2),
                                                                         *SCORE_FORMULA.condition_weights[1:]))
    plan = json.loads(json.dumps(FULL_PLAN.to_dict()))
    plan["conditions"][0]["lux"] = 2.0
    changed_plan = dataclasses.replace(SCORE_FORMULA, plan=plan)
    hashes = {formula_hash(f) for f in (changed_weight, changed_anchor, changed_cond, changed_plan)}
    assert base not in hashes and len(hashes) == 4
    # the version string itself is not part of the fingerprint
    assert formula_hash(dataclasses.replace(SCORE_FORMULA, version="9.9.9")) == base


def test_component_mapping_is_a_clipped_line():
    c = Component("de00_mean", full=0.0, zero=12.0)
    assert component_score(c, 0.0) == 100.0
    assert component_score(c, 6.0) == pytest.approx(50.0)
    assert component_score(c, 3.0) == pytest.approx(75.0)
    assert component_score(c, 30.0) == 0.0
    assert component_score(c, -1.0) == 100.0
    assert component_score(c, None) == 0.0          # failed measurement
    assert component_score(c, math.nan) == 0.0
    up = Component("dr_stops", full=14.0, zero=6.0)
    assert component_score(up, 10.0) == pytest.approx(50.0)
    ev = Component("ev_error", full=0.0, zero=2.0, absolute=True)
    assert component_score(ev, -0.5) == component_score(ev, 0.5) == pytest.approx(75.0)
    with pytest.raises(ParameterError):
        Component("x", 1.0, 1.0)


CAPABILITY = ("hdr_dr_stops", "hdr_halo_pct", "night_psnr_db", "night_gain_db",
              "night_subject_db", "bokeh_score", "zoom_texture_acutance", "zoom_edge_acutance",
              "zoom_mtf50_gain")


def _perfect() -> dict[str, float]:
    """Chart-wall metrics at every 'full' anchor: all chart attributes score 100."""
    return {c.metric: c.full for a in SCORE_FORMULA.attributes for c in a.components
            if c.metric not in CAPABILITY}


def test_overall_combines_conditions_and_attributes_as_documented():
    good, bad = _perfect(), _perfect()
    bad["de00_mean"] = 6.0        # colour component 50 -> colour = 0.7 * 50 + 0.3 * 100 = 65
    del bad["dr_stops"]           # not measured here
    s = score_conditions({"1lux": bad, "1000lux": good})
    assert s.per_condition["1lux"]["colour"] == pytest.approx(65.0)
    assert s.per_condition["1000lux"]["colour"] == pytest.approx(100.0)
    w1, w1000 = 0.10, 0.30
    colour = (w1 * 65.0 + w1000 * 100.0) / (w1 + w1000)
    assert s.attributes["colour"] == pytest.approx(colour)
    # exposure at 1 lux has no dr component: its score is the EV component alone
    assert "dr_stops" not in s.components["1lux"]["exposure"]
    present = ["exposure", "colour", "texture", "noise", "artefacts"]
    assert s.overall == pytest.approx((4 * 100.0 + colour) / 5)
    assert set(s.absent) == {"bokeh", "night", "zoom", "video"}
    assert all(s.attributes[a] is None for a in s.absent)
    for a in present:
        assert a in s.formula
    assert "excluded" in s.formula and "bokeh" in s.formula
    assert s.version == SCORE_VERSION and s.formula_hash == formula_hash()


def test_capability_conditions_join_as_documented():
    wall = _perfect()
    night1 = {"night_psnr_db": 24.0, "night_gain_db": 3.0, "night_subject_db": 0.0}
    night5 = {"night_psnr_db": 34.0, "night_gain_db": 6.0, "night_subject_db": -1.5}
    hdr = {"hdr_dr_stops": 14.0, "hdr_halo_pct": 11.0}
    zoom2 = {"zoom_texture_acutance": 0.6, "zoom_edge_acutance": 0.56, "zoom_mtf50_gain": 1.25}
    zoom3 = {"zoom_texture_acutance": 1.0, "zoom_edge_acutance": 0.92, "zoom_mtf50_gain": 1.0}
    s = score_conditions({"1000lux": wall, "night-1lux": night1, "night-5lux": night5,
                          "hdr": hdr, "portrait": {"bokeh_score": 80.0}, "zoom-2x": zoom2,
                          "zoom-3x": zoom3})
    # night at 1 lux: 0.4 * 50 + 0.4 * 50 + 0.2 * 100 = 60; at 5 lux: 0.4 * 100 + 0.4 * 100
    # + 0.2 * 50 = 90; conditions 0.6 / 0.4
    assert s.per_condition["night-1lux"]["night"] == pytest.approx(60.0)
    assert s.per_condition["night-5lux"]["night"] == pytest.approx(90.0)
    assert s.attributes["night"] == pytest.approx(0.6 * 60 + 0.4 * 90)
    # HDR: 14 stops -> 50 in exposure, 11 % halo -> 50 in artefacts; condition weight 0.5
    # next to 1000 lux's 0.3, and the night / portrait conditions hold no exposure metric
    assert s.per_condition["hdr"] == {"exposure": pytest.approx(50.0),
                                      "artefacts": pytest.approx(50.0)}
    assert s.attributes["exposure"] == pytest.approx((0.3 * 100 + 0.5 * 50) / 0.8)
    assert s.attributes["artefacts"] == pytest.approx((0.3 * 100 + 0.5 * 50) / 0.8)
    assert s.attributes["bokeh"] == pytest.approx(80.0)
    # zoom 2x: 0.3 * 50 + 0.3 * 50 + 0.4 * 50 = 50; 3x: 0.3 * 100 + 0.3 * 100 + 0 = 60;
    # conditions 0.6 / 0.4
    assert s.per_condition["zoom-2x"]["zoom"] == pytest.approx(50.0)
    assert s.per_condition["zoom-3x"]["zoom"] == pytest.approx(60.0)
    assert s.attributes["zoom"] == pytest.approx(0.6 * 50 + 0.4 * 60)
    assert s.absent == ("video",)
    attrs = s.attributes
    expect = sum(attrs[a] for a in ("exposure", "colour", "texture", "noise", "artefacts",
                                    "bokeh", "night", "zoom")) / 8
    assert s.overall == pytest.approx(expect)
    # a pipeline without portrait mode: bokeh is absent, not zero
    t = score_conditions({"1000lux": wall, "night-1lux": night1, "hdr": hdr})
    assert t.attributes["bokeh"] is None and "bokeh" in t.absent
    assert t.attributes["night"] == pytest.approx(60.0)


def test_failed_measurement_scores_zero_and_is_reported():
    m = _perfect()
    m["visual_noise"] = None
    s = score_conditions({"20lux": m})
    assert s.components["20lux"]["noise"]["visual_noise"] == 0.0
    assert s.per_condition["20lux"]["noise"] == pytest.approx(0.4 * 100.0)
    assert s.failed == ("20lux/visual_noise",)


def test_unknown_condition_gets_default_weight():
    m = _perfect()
    n = dict(m, de00_mean=12.0)
    s = score_conditions({"custom-a": m, "custom-b": n})
    assert s.attributes["colour"] == pytest.approx((100.0 + 30.0) / 2)


def test_nothing_to_score():
    with pytest.raises(ParameterError):
        score_conditions({})
    with pytest.raises(ParameterError, match="no score attribute"):
        score_conditions({"1lux": {"unrelated": 1.0}})


def test_round_trip():
    s = score_conditions({"5lux": _perfect()})
    d = json.loads(json.dumps(s.to_dict(), allow_nan=False))
    assert LabScore.from_dict(d) == s
    assert ATTRIBUTES[:5] == ("exposure", "colour", "texture", "noise", "artefacts")
