"""Edit lists: ranges named in errors, TOML round trips, versions, sidecar names."""

from __future__ import annotations

import dataclasses

import pytest

from brightroom.edit.params import (
    HSL,
    BasicPanel,
    EditList,
    Geometry,
    Heal,
    ToneCurve,
    parse_edits,
    sidecar_path,
)
from brightroom.errors import ParameterError, RecipeError


def test_out_of_range_names_the_control_and_range():
    with pytest.raises(ParameterError, match=r"exposure = 6.0 is outside \[-5.0, 5.0\] EV"):
        BasicPanel(exposure=6)
    with pytest.raises(ParameterError, match=r"shadows = -101.0 is outside \[-100.0, 100.0\]"):
        BasicPanel(shadows=-101)
    with pytest.raises(ParameterError, match=r"hsl blue.saturation = 120 is outside \[-100, 100\]"):
        HSL(saturation=(0, 0, 0, 0, 0, 120, 0, 0))
    with pytest.raises(ParameterError, match="outside the image"):
        Geometry(crop=(0.5, 0.5, 0.6, 0.2))
    with pytest.raises(ParameterError, match="x must increase"):
        ToneCurve(rgb=(0, 0, 0.5, 0.4, 0.4, 0.6, 1, 1))


def test_toml_round_trip_keeps_every_value():
    el = EditList(basic=BasicPanel(exposure=1.25, shadows=40, tint=-12),
                  hsl=HSL(hue=(10, 0, 0, 0, 0, -20, 0, 0)),
                  curve=ToneCurve(rgb=(0, 0, 0.5, 0.6, 1, 1)),
                  geometry=Geometry(crop=(0.1, 0.2, 0.5, 0.5), rotate=90, flip="h", angle=1.5),
                  heal=(Heal(x=0.3, y=0.4, radius=0.02), Heal(x=0.7, y=0.1, radius=0.01)))
    text = el.to_toml()
    assert parse_edits(text) == el
    assert "contrast" not in text  # defaults are not written
    assert EditList().to_toml().strip().splitlines() == ['format = "brightroom-edit"',
                                                         "version = 1"]
    assert parse_edits(EditList().to_toml()).is_identity()


def test_malformed_and_newer_files_are_one_line_errors():
    with pytest.raises(RecipeError, match="a.toml: not valid TOML"):
        parse_edits("format = [", source="a.toml")
    with pytest.raises(RecipeError, match="version 9 is newer than this Brightroom's 1"):
        parse_edits('format = "brightroom-edit"\nversion = 9\n')
    with pytest.raises(RecipeError, match="unknown edit group"):
        parse_edits('format = "brightroom-edit"\n[colour]\nx = 1\n')
    with pytest.raises(RecipeError, match=r"\[basic\] unknown parameter\(s\) expo"):
        parse_edits('format = "brightroom-edit"\n[basic]\nexpo = 1\n')
    with pytest.raises(RecipeError, match="not a Brightroom edit list"):
        parse_edits('format = 1\n')


def test_with_values_validates_and_sidecar_names():
    el = EditList().with_values("basic", exposure=1.0)
    assert el.basic.exposure == 1.0 and not el.is_identity()
    with pytest.raises(ParameterError):
        el.with_values("basic", exposure=9)
    with pytest.raises(ParameterError, match="unknown edit group"):
        el.with_values("colour", x=1)
    assert sidecar_path("/a/IMG_1.jpg").name == "IMG_1.jpg.brightroom.toml"
    assert dataclasses.replace(el, heal=()).heal == ()
