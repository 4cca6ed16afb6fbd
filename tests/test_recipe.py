from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from brightroom.develop.params import Params, param
from brightroom.develop.pipeline import register_stage
from brightroom.develop.recipe import load_recipe, parse_recipe
from brightroom.errors import InputError, RecipeError
from brightroom.types import CFAPattern, Image, RawImage


@dataclass(frozen=True)
class ScaleParams(Params):
    scale: float = param(1.0, range=(0.0, 4.0))
    label: str = param("x")
    gains: tuple[float, ...] = param((1.0, 1.0))
    on: bool = param(True)


@register_stage("_recipe_scale", input_space="cfa", output_space="cfa", params=ScaleParams)
def _scale(raw, p):
    return raw.replace(cfa=raw.cfa * np.float32(p.scale))


@register_stage("_recipe_rgb", input_space="cfa", output_space="linear_rgb")
def _rgb(raw, p):
    return Image(np.repeat(raw.cfa[..., None], 3, 2))


TEXT = '''
format = 1
name = "t"
description = "a test"

[[stage]]
name = "_recipe_scale"
scale = 2.0
label = "quote \\" and slash \\\\"

[[stage]]
name = "_recipe_rgb"
'''


def test_parse_build_run_and_roundtrip():
    r = parse_recipe(TEXT)
    assert r.name == "t" and r.params("_recipe_scale").scale == 2.0
    out = r.pipeline()(RawImage(np.ones((2, 2), np.float32), CFAPattern()))
    np.testing.assert_allclose(out.data, 2.0)
    again = parse_recipe(r.to_toml())
    assert again == r
    assert "version = 1" in r.to_toml()


def test_with_params():
    r = parse_recipe(TEXT).with_params("_recipe_scale", scale=3.0)
    assert r.params("_recipe_scale").scale == 3.0
    with pytest.raises(RecipeError):
        r.with_params("nope", scale=1.0)


@pytest.mark.parametrize("text,match", [
    ("name = ", "not valid TOML"),
    ('format = 9\nname="x"\n[[stage]]\nname="_recipe_rgb"', "format 9"),
    ('name="x"', "at least one"),
    ('name="x"\nbogus=1\n[[stage]]\nname="_recipe_rgb"', "unknown top-level"),
    ('name="x"\n[[stage]]\nname="nope"', "unknown stage"),
    ('name="x"\n[[stage]]\nname="_recipe_scale"\nscale=9.0', "outside"),
    ('name="x"\n[[stage]]\nname="_recipe_scale"\nscal=1.0', "unknown parameter"),
    ('name="x"\n[[stage]]\nname="_recipe_rgb"\n[[stage]]\nname="_recipe_scale"', "takes cfa"),
])
def test_bad_recipes_name_the_problem(text, match):
    with pytest.raises(RecipeError, match=match):
        parse_recipe(text, source="bad.toml")


def test_load_recipe_errors(tmp_path):
    with pytest.raises(RecipeError, match="unknown recipe"):
        load_recipe("no-such-recipe")
    with pytest.raises(InputError, match="no such recipe file"):
        load_recipe(tmp_path / "missing.toml")
    f = tmp_path / "r.toml"
    f.write_text(TEXT)
    assert load_recipe(f).name == "t"
    assert load_recipe(str(f)).name == "t"


RECIPES = sorted(p for p in (Path(__file__).parent / "data" / "recipes").glob("*.toml")
                 if 'method = "guided"' in p.read_text())


@pytest.mark.parametrize("path", RECIPES, ids=[p.stem for p in RECIPES])
def test_stored_recipes_with_old_method_names_round_trip(path: Path) -> None:
    # Recipes Brightroom embedded in its outputs say method = "guided" (He et al. 2013's key
    # before the method registries): they load with the canonical key and write it back.
    r = load_recipe(path)
    assert r.params("denoise_raw").method == "he2013"
    assert parse_recipe(r.to_toml()) == r


@pytest.mark.parametrize("name", ["default", "neutral"])
def test_shipped_recipe_alias_spelling_is_the_same_recipe(name: str) -> None:
    text = (resources.files("brightroom.develop") / "recipes" / f"{name}.toml").read_text()
    assert 'method = "he2013"' in text
    old = parse_recipe(text.replace('method = "he2013"', 'method = "guided"'))
    assert old == load_recipe(name)
    shouting = parse_recipe(text.replace('method = "he2013"', 'method = "GUIDED"'))
    assert shouting == load_recipe(name)
