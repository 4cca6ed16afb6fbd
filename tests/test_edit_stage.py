"""The edit stage: registered through the entry point, placed after tone and before look and
output, carries its list in the recipe text, and renders as render_edits does."""

from __future__ import annotations

import numpy as np

from brightroom.develop.pipeline import get_stage
from brightroom.develop.recipe import load_recipe, parse_recipe
from brightroom.edit.params import BasicPanel, EditList
from brightroom.edit.render import render_edits
from brightroom.edit.stage import EditParams, with_edit_stage
from brightroom.types import Image


def test_stage_is_found_and_placed():
    assert get_stage("edit").takes == "linear_rgb"
    el = EditList(basic=BasicPanel(exposure=1, shadows=20))
    rec = with_edit_stage(load_recipe("default").with_params("output"), el)
    names = [n for n, _ in rec.steps]
    assert names[names.index("tone") + 1] == "edit" and names[-1] == "output"
    back = parse_recipe(rec.to_toml())
    assert back.params("edit").edit_list == el
    twice = with_edit_stage(rec, EditList())
    assert [n for n, _ in twice.steps].count("edit") == 1


def test_stage_renders_the_list():
    rng = np.random.default_rng(0)
    img = Image(rng.random((40, 60, 3)).astype(np.float32) * 0.5)
    el = EditList(basic=BasicPanel(exposure=0.5, clarity=20))
    stage = get_stage("edit")
    params = EditParams(edits=el.to_toml(), raw=False)
    out = stage.render(img, params, params.edit_list)
    assert np.array_equal(out.data, render_edits(img.data, el))
    assert stage.render(img, EditParams(), EditList()) is img
