"""Tests of the lab's shooting plan and chart wall."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.errors import ParameterError
from brightroom.lab.camera import auto_exposure
from brightroom.lab.conditions import (
    CHARTS,
    FULL_PLAN,
    PLANS,
    QUICK_PLAN,
    TINY_PLAN,
    ChartSizes,
    Condition,
    ShootingPlan,
    chart_wall,
    check_camera,
    condition_seed,
    get_plan,
)


def test_full_plan_lighting():
    assert [c.lux for c in FULL_PLAN.conditions] == [1, 5, 20, 100, 1000]
    by_lux = {c.lux: c for c in FULL_PLAN.conditions}
    assert by_lux[1].cct == pytest.approx(2856)  # CIE illuminant A at low light
    assert 4000 <= by_lux[1000].cct <= 6500
    # the high-dynamic-range chart at exactly one condition
    assert sum("dynamic-range" in c.charts for c in FULL_PLAN.conditions) == 1
    for c in FULL_PLAN.conditions:
        for chart in ("colorchecker", "slanted-edge", "dead-leaves", "flat", "zone-plate"):
            assert chart in c.charts


def test_auto_exposure_low_light_means_high_iso():
    isos = [auto_exposure("flagship-2022", lux=c.lux, cct=c.cct).iso for c in FULL_PLAN.conditions]
    assert isos == sorted(isos, reverse=True)
    assert isos[0] >= 1000 and isos[-1] == pytest.approx(50)


@pytest.mark.parametrize("plan", list(PLANS.values()), ids=list(PLANS))
def test_chart_wall_layout(plan: ShootingPlan):
    for cond in plan.conditions:
        wall = chart_wall(cond, plan.sizes)
        h, w = wall.scene.shape
        assert set(wall.boxes) == set(cond.charts)
        occupied = np.zeros((h, w), dtype=int)
        for name, (y0, x0, y1, x1) in wall.boxes.items():
            assert 0 <= y0 < y1 <= h and 0 <= x0 < x1 <= w
            occupied[y0:y1, x0:x1] += 1
            chart = wall.charts[name]
            assert (y1 - y0, x1 - x0) == chart.shape
            if chart.labels is None:
                np.testing.assert_array_equal(wall.scene.rgb[y0:y1, x0:x1], chart.rgb)
            else:
                np.testing.assert_array_equal(wall.scene.labels[y0:y1, x0:x1], chart.labels)
        assert occupied.max() == 1  # no two charts overlap
        # the slanted edge is on the optical axis (lens falloff is flat there)
        y0, x0, y1, x1 = wall.boxes["slanted-edge"]
        assert abs((y0 + y1) / 2 - h / 2) <= 1 and abs((x0 + x1) / 2 - w / 2) <= 1
        # everything else is the 18 % board
        board = occupied == 0
        assert np.allclose(wall.scene.rgb[board], 0.18)


def test_full_wall_is_small_enough():
    wall = chart_wall(FULL_PLAN.conditions[-1], FULL_PLAN.sizes)
    assert wall.scene.shape[0] * wall.scene.shape[1] < 1_000_000


def test_plan_round_trip():
    for plan in (FULL_PLAN, QUICK_PLAN, TINY_PLAN):
        again = ShootingPlan.from_dict(plan.to_dict())
        assert again == plan


def test_lookup_errors():
    assert get_plan() is FULL_PLAN
    assert get_plan("quick") is QUICK_PLAN
    with pytest.raises(ParameterError, match="unknown shooting plan 'nope'"):
        get_plan("nope")
    assert check_camera("one-inch") == "one-inch"
    with pytest.raises(ParameterError, match="unknown camera preset 'iphone'"):
        check_camera("iphone")


def test_condition_validation():
    with pytest.raises(ParameterError, match="unknown or no charts"):
        Condition("x", 10, 5000, ("siemens-star",))
    with pytest.raises(ParameterError, match="lux"):
        Condition("x", -1, 5000)
    with pytest.raises(ParameterError, match="CCT"):
        Condition("x", 10, 500)
    with pytest.raises(ParameterError, match="duplicate"):
        ShootingPlan("p", (Condition("a", 1, 3000), Condition("a", 2, 3000)))
    with pytest.raises(ParameterError):
        ChartSizes(dead_leaves=16)
    assert set(Condition("x", 10, 5000).charts) <= set(CHARTS)


def test_condition_seed():
    a = [condition_seed(0, i) for i in range(5)]
    assert a == [condition_seed(0, i) for i in range(5)]
    assert len(set(a)) == 5
    assert condition_seed(1, 0) != condition_seed(0, 0)
    with pytest.raises(ParameterError):
        condition_seed(-1, 0)
