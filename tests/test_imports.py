"""The house's one rule: imports point down, and no module imports itself round a cycle.

The floors (docs/architecture.md):

====  ===================================================================================
 1    ``errors`` and ``_version`` (the base), then ``types``, ``methods``, ``files``
 2    ``color`` (the base of floor 2), then ``charts`` and ``io`` (which may use ``color``)
 3    ``develop``
 4    ``burst``, ``portrait``, ``looks`` (capabilities over develop) and the later ones
 5    ``api`` (the package root re-exports it), ``lab``
 6    ``cli`` and the other shells
====  ===================================================================================

A module may import its own room and any room on a lower floor; on its own floor only the
rooms named as its base. Imports inside functions count too (they are where hidden upward
imports and cycles live), and they are allowed only for an optional dependency or a start-up
cost, marked on the line with ``# lazy: <reason>``.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "brightroom"

FLOORS: dict[str, float] = {
    "errors": 1.0, "_version": 1.0, "_jit": 1.1, "types": 1.1, "methods": 1.1, "files": 1.1, "limits": 1.1,
    "color": 2.0, "charts": 2.1, "io": 2.1,
    "develop": 3,
    "burst": 4, "portrait": 4, "looks": 4,
    "scan": 4, "edit": 4, "animate": 4, "video": 4, "zoom": 4, "live": 4,
    "api": 5, "lab": 5, "__init__": 5,
    "cli": 6, "studio": 6, "batch": 6,
}
"""Floor of each room (a top-level module or subpackage of brightroom)."""

SAME_FLOOR_BASES: dict[str, set[str]] = {
    "lab": {"api"},  # the lab runs pipelines through the public API
    "api": {"lab", "__init__"},  # the lab's score and leaderboard; the root declares __all__
    "__init__": {"api", "lab"},
    "cli": {"batch", "studio"},  # `brightroom batch`/`studio`: shells over those rooms' APIs
    "studio": {"batch"},  # the studio's batch job runs brightroom.batch (batch never imports studio)
    "live": {"portrait", "looks"},  # live filters are built on portrait video and looks
    "edit": {"looks"},  # the editor's vignette, grain and --look are the looks room's
}
"""Rooms a room may import although they are on its own floor."""


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> list[tuple[str, int, bool, str]]:
    """``(imported module, line, inside a function, source line)`` for every brightroom import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = path.read_text(encoding="utf-8").splitlines()
    me = _module_name(path)
    pkg = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out: list[tuple[str, int, bool, str]] = []

    def visit(node: ast.AST, in_func: bool) -> None:
        for child in ast.iter_child_nodes(node):
            f = in_func or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for a in child.names:
                    if a.name.split(".")[0] == "brightroom":
                        out.append((a.name, child.lineno, in_func, lines[child.lineno - 1]))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = pkg.split(".")
                    base = base[: len(base) - (child.level - 1)]
                    mod = ".".join(base + ([child.module] if child.module else []))
                else:
                    mod = child.module or ""
                if mod.split(".")[0] == "brightroom":
                    for a in child.names:  # `from pkg import submodule` imports the submodule
                        sub = f"{mod}.{a.name}"
                        target = sub if _is_module(sub) else mod
                        out.append((target, child.lineno, in_func, lines[child.lineno - 1]))
            if not isinstance(child, (ast.Import, ast.ImportFrom)):
                visit(child, f)

    visit(tree, False)
    return sorted(set(out), key=lambda t: (t[1], t[0]))


def _is_module(name: str) -> bool:
    p = SRC.parent.joinpath(*name.split("."))
    return p.with_suffix(".py").is_file() or (p / "__init__.py").is_file()


def _all_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}


MODULES = _all_modules()


def _floor(room: str) -> float:
    if room not in FLOORS:
        raise AssertionError(f"room {room!r} has no floor in tests/test_imports.py FLOORS; "
                             "add it (and to docs/architecture.md)")
    return FLOORS[room]


def test_every_room_has_a_floor():
    for m in MODULES:
        _floor(_room(m))


def test_imports_point_down():
    bad = []
    for m, path in MODULES.items():
        here = _room(m)
        for target, line, _, _src in _imports(path):
            there = _room(target)
            if there == here:
                continue
            a, b = _floor(here), _floor(there)
            if b > a or (b == a and there not in SAME_FLOOR_BASES.get(here, set())):
                bad.append(f"{path.relative_to(SRC.parent)}:{line}: {here} (floor {a:g}) imports "
                           f"{target} ({there}, floor {b:g})")
    assert not bad, "upward or sideways imports:\n" + "\n".join(bad)


def _parents(mod: str) -> list[str]:
    parts = mod.split(".")
    return [".".join(parts[:k]) for k in range(2, len(parts))]


def test_no_import_cycles():
    """No cycle among modules, counting module-level imports (what runs at import time)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for m, path in MODULES.items():
        for target, _, in_func, _ in _imports(path):
            if in_func or target == m:
                continue
            for t in [*_parents(target), target]:  # importing a.b.c runs a.b's __init__ first
                if t != m and t in MODULES and not m.startswith(t + "."):
                    graph[m].add(t)
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(u: str) -> None:
        state[u] = 1
        stack.append(u)
        for v in sorted(graph[u]):
            if state.get(v) == 1:
                cycles.append(" -> ".join([*stack[stack.index(v):], v]))
            elif v not in state:
                dfs(v)
        stack.pop()
        state[u] = 2

    for m in sorted(MODULES):
        if m not in state:
            dfs(m)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_imports_inside_functions_are_marked_lazy_with_a_reason():
    bad = []
    for path in MODULES.values():
        for _target, line, in_func, src in _imports(path):
            if in_func and "# lazy:" not in src:
                bad.append(f"{path.relative_to(SRC.parent)}:{line}: {src.strip()}")
    assert not bad, (f"{len(bad)} imports inside functions without '# lazy: <reason>' "
                     "(import at module top, or mark an optional dependency / start-up cost):\n"
                     + "\n".join(bad))


@pytest.mark.parametrize("room", ["develop", "color", "io"])
def test_the_checks_can_fail(room, tmp_path):
    """The parser sees an upward import (so the test above is not vacuous)."""
    p = SRC / room / "__init__.py"
    imps = _imports(p)
    assert isinstance(imps, list)
    fake = tmp_path / "x.py"
    fake.write_text("def f():\n    from brightroom.cli import main\n")
    assert _room("brightroom.cli.main") == "cli" and _floor("cli") > _floor(room)
