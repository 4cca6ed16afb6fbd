"""The CLI is a shell over the public API: its modules import Brightroom only through the root.

Allowed: ``brightroom`` itself (and, from it, only the public names of ``brightroom.__all__``
and ``__version__``), ``brightroom.errors`` (the exception types), ``brightroom._version``
(the version, on floor 1), ``brightroom.limits`` (the resource policy, floor 1),
``brightroom.batch`` and ``brightroom.studio`` (the other shells' own Python APIs, on the CLI's
floor) and the CLI's own modules. Anything else (``brightroom.io.images``,
``brightroom.develop.recipe``, ``brightroom.lab.run``, ``from brightroom import api``) is an
internal and fails here, at module top or inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import brightroom

CLI = Path(brightroom.__file__).parent / "cli"
ALLOWED_MODULES = {"brightroom", "brightroom.errors", "brightroom._version", "brightroom.limits",
                   "brightroom.batch", "brightroom.studio"}
ROOT_NAMES = {*brightroom.__all__, "__version__"}


def violations(source: str, filename: str = "<cli>") -> list[str]:
    """The imports of ``source`` that reach past the public API, as ``line: what``."""
    bad = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            mods = [(a.name, ()) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: only the CLI's own modules can be reached
                continue
            mods = [(node.module or "", tuple(a.name for a in node.names))]
        else:
            continue
        for mod, names in mods:
            if mod != "brightroom" and not mod.startswith("brightroom."):
                continue  # the standard library, argparse helpers, tqdm...
            if mod == "brightroom.cli" or mod.startswith("brightroom.cli."):
                continue
            if mod not in ALLOWED_MODULES:
                bad.append(f"{filename}:{node.lineno}: imports {mod}")
            elif mod == "brightroom":
                bad += [f"{filename}:{node.lineno}: imports brightroom.{n} (not public)"
                        for n in names if n not in ROOT_NAMES]
    return bad


@pytest.mark.parametrize("path", sorted(CLI.glob("*.py")), ids=lambda p: p.name)
def test_cli_module_imports_only_the_public_api(path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8"), path.name) == []


def test_the_checker_catches_internals() -> None:
    source = """
import argparse
import brightroom
import brightroom.io
from brightroom import api, develop, __version__
from brightroom.errors import InputError
from brightroom.develop.recipe import load_recipe
from brightroom.cli.main import main

def run():
    from brightroom.lab.run import run_lab
    import brightroom.portrait.video as v
"""
    found = violations(source)
    assert [v.split(": ", 1)[1] for v in found] == [
        "imports brightroom.io", "imports brightroom.api (not public)",
        "imports brightroom.develop.recipe", "imports brightroom.lab.run",
        "imports brightroom.portrait.video"]


def test_the_commands_are_cli_modules() -> None:
    from brightroom.cli import main

    assert all(module.startswith("brightroom.cli.") for module, _ in main._COMMANDS.values())
