"""Recipes: TOML files that choose the stages of a pipeline and their parameters.

A recipe only *builds* parameter objects (:class:`~brightroom.develop.params.Params`); it
never reaches into a stage's internals. The format::

    format = 1
    name = "neutral"
    description = "Colorimetric: scene-referred linear, then the sRGB curve."

    [[stage]]
    name = "white_balance"      # a registered stage kind
    version = 1                 # the parameter version it was written with (optional)
    mode = "as-shot"            # the stage's parameters

    [[stage]]
    name = "demosaic"
    method = "menon2007"

Stages run in the order written, and the pipeline checks that their spaces connect. The recipe
used is recorded, as TOML, in the developed image's metadata (``metadata["recipe"]``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from brightroom.develop.params import Params
from brightroom.develop.pipeline import Pipeline, Stage, get_stage
from brightroom.errors import InputError, ParameterError, RecipeError
from brightroom.files import read_input_bytes
from brightroom.limits import check_nesting

__all__ = ["Recipe", "RECIPE_FORMAT", "load_recipe", "parse_recipe", "list_recipes"]

RECIPE_FORMAT = 1


@dataclass(frozen=True)
class Recipe:
    """A named, ordered list of ``(stage name, parameters)``."""

    name: str
    steps: tuple[tuple[str, Params], ...]
    description: str = ""

    def pipeline(self) -> Pipeline:
        """The checked :class:`Pipeline` this recipe describes."""
        return Pipeline(tuple(Stage(get_stage(n), p) for n, p in self.steps), self.name)

    def params(self, stage: str) -> Params:
        """The parameters of the (first) stage called ``stage``."""
        for n, p in self.steps:
            if n == stage:
                return p
        raise KeyError(f"recipe {self.name!r} has no stage {stage!r}")

    def has(self, stage: str) -> bool:
        """Whether the recipe contains a stage called ``stage``."""
        return any(n == stage for n, _ in self.steps)

    def with_params(self, stage: str, **changes: Any) -> Recipe:
        """A copy whose ``stage`` parameters have ``changes`` (validated)."""
        if not self.has(stage):
            raise RecipeError(f"recipe {self.name!r} has no stage {stage!r} to change")
        steps = []
        for n, p in self.steps:
            if n == stage:
                try:
                    p = replace(p, **changes)
                except TypeError as e:
                    raise ParameterError(f"stage {stage!r}: {e}") from e
            steps.append((n, p))
        return Recipe(self.name, tuple(steps), self.description)

    def to_toml(self) -> str:
        """The recipe as TOML text that :func:`parse_recipe` reads back to an equal recipe."""
        lines = [f"format = {RECIPE_FORMAT}", f"name = {_toml_value(self.name)}"]
        if self.description:
            lines.append(f"description = {_toml_value(self.description)}")
        for n, p in self.steps:
            lines += ["", "[[stage]]", f"name = {_toml_value(n)}", f"version = {p.VERSION}"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in p.to_mapping().items()]
        return "\n".join(lines) + "\n"


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        esc = v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{esc}"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise RecipeError(f"cannot write {v!r} ({type(v).__name__}) to a recipe")


def parse_recipe(text: str, *, source: str = "<recipe>") -> Recipe:
    """Build a :class:`Recipe` from TOML text; ``source`` names it in error messages.

    Text nested deeper than :mod:`brightroom.limits`' ``max_nesting`` is refused before it is
    parsed."""
    check_nesting(text, source)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise RecipeError(f"{source}: nested too deeply to parse") from None
    except tomllib.TOMLDecodeError as e:
        raise RecipeError(f"{source}: not valid TOML ({e})") from None
    return _from_mapping(data, source)


def _from_mapping(data: Mapping[str, Any], source: str) -> Recipe:
    fmt = data.get("format", RECIPE_FORMAT)
    if fmt != RECIPE_FORMAT:
        raise RecipeError(f"{source}: recipe format {fmt!r} is not supported (expected {RECIPE_FORMAT})")
    unknown = sorted(set(data) - {"format", "name", "description", "stage"})
    if unknown:
        raise RecipeError(f"{source}: unknown top-level key(s) {', '.join(unknown)}")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise RecipeError(f"{source}: a recipe needs a name")
    stages = data.get("stage")
    if not isinstance(stages, list) or not stages:
        raise RecipeError(f"{source}: a recipe needs at least one [[stage]] table")
    steps = []
    for i, table in enumerate(stages, 1):
        if not isinstance(table, dict) or not isinstance(table.get("name"), str):
            raise RecipeError(f"{source}: stage #{i} needs a name")
        values = dict(table)
        sname = values.pop("name")
        version = values.pop("version", None)
        if version is not None and (not isinstance(version, int) or version < 1):
            raise RecipeError(f"{source}: stage #{i} ({sname}): version must be an integer >= 1")
        try:
            spec = get_stage(sname)
        except RecipeError as e:
            raise RecipeError(f"{source}: stage #{i}: {e}") from None
        params = spec.params.from_mapping(values, version=version,
                                          where=f"{source}: stage #{i} ({sname}): ")
        steps.append((sname, params))
    recipe = Recipe(name, tuple(steps), str(data.get("description", "")))
    try:
        recipe.pipeline()
    except Exception as e:  # the pipeline names the stages that do not connect
        raise RecipeError(f"{source}: {e}") from None
    return recipe


def list_recipes() -> list[str]:
    """Names of the recipes that ship with Brightroom (``brightroom.list_recipes``).

    Returns
    -------
    list of str
        Sorted; each is a name :func:`load_recipe` (and ``--recipe``) accepts.
    """
    files = resources.files("brightroom.develop") / "recipes"
    return sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".toml"))


_SHIPPED: dict[str, tuple[str, Recipe]] = {}
"""Shipped recipes parsed so far, by name: ``(text, recipe)``."""


def load_recipe(recipe: str | Path | Recipe) -> Recipe:
    """A shipped recipe by name (``"neutral"``, ``"default"``), or a recipe file by path."""
    if isinstance(recipe, Recipe):
        return recipe
    text_name = str(recipe)
    if isinstance(recipe, str) and "/" not in recipe and not recipe.endswith(".toml"):
        res = resources.files("brightroom.develop") / "recipes" / f"{recipe}.toml"
        if not res.is_file():
            raise RecipeError(
                f"unknown recipe {recipe!r}; shipped recipes: {', '.join(list_recipes())} "
                "(or give a path to a .toml file)"
            )
        text = res.read_text(encoding="utf-8")
        hit = _SHIPPED.get(recipe)
        if hit is None or hit[0] != text:  # recipes are immutable: one parse per text
            hit = _SHIPPED[recipe] = (text, parse_recipe(text, source=f"recipe {recipe!r}"))
        return hit[1]
    path = Path(recipe)
    if not path.exists() and not path.is_symlink():
        raise InputError(f"{text_name}: no such recipe file")
    data = read_input_bytes(path, "recipe file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{text_name}: a recipe must be UTF-8 text (byte {e.start})") from None
    return parse_recipe(text, source=text_name)
