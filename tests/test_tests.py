"""The test suite's own rules, read from the test sources (ast): a failure must fail.

A skip is only for a documented optional resource that is absent: a real sample file in
../shared/data (``conftest.shared_file``, which also requires the ``realdata`` marker), the
optional segmentation model (``conftest.segmentation_model``), or an optional module or program
(``pytest.importorskip`` / an explicit ``exists`` / ``find_spec`` / ``which`` check). Never a
skip in an ``except`` block (that turns any error into a skip), never an ``importorskip`` of
Brightroom itself or of a declared dependency, never a non-strict xfail.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest

from conftest import SHARED_DATA

TESTS = Path(__file__).resolve().parent
PYPROJECT = TESTS.parent / "pyproject.toml"
SKIPS = {"skip", "xfail", "importorskip", "exit"}  # pytest.<name>(...) that end a test quietly
AVAILABILITY = {"exists", "is_file", "is_dir", "find_spec", "which"}  # checks a skip may follow


def _sources() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "data" not in p.relative_to(TESTS).parts)


def _name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _calls(node: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Call)]


def _is_skip(call: ast.Call, skippers: set[str]) -> bool:
    """pytest.skip / xfail / importorskip / exit, or a helper that skips (by name or body)."""
    name = _name(call)
    return name in SKIPS or name in skippers or name.endswith("skip") or name in (
        "shared_file", "segmentation_model")


def _declared_dependencies() -> set[str]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    names = {re.match(r"[A-Za-z0-9_.-]+", r).group(0) for r in reqs}
    return {_norm(n) for n in names} | {_norm(project["name"])}


@functools.cache
def _distributions() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def _norm(dist: str) -> str:
    return re.sub(r"[-_.]+", "-", dist).lower()


def check_source(source: str, filename: str = "<test>", conftest: bool = False,
                 declared: frozenset[str] = frozenset()) -> list[str]:
    """The rule breaks in one test source, as ``file:line: what`` lines."""
    tree = ast.parse(source, filename)
    nodes = list(ast.walk(tree))
    parents = {child: node for node in nodes for child in ast.iter_child_nodes(node)}
    calls = [n for n in nodes if isinstance(n, ast.Call)]
    problems: list[str] = []

    def bad(node: ast.AST, what: str) -> None:
        problems.append(f"{filename}:{node.lineno}: {what}")

    def ancestors(node: ast.AST):  # noqa: ANN202
        while node in parents:
            node = parents[node]
            yield node

    # module functions that skip: calling one from an except block is a skip there too
    skippers = {a.name for c in calls if _is_skip(c, set()) for a in ancestors(c)
                if isinstance(a, ast.FunctionDef | ast.AsyncFunctionDef)}
    skippers |= {a.asname or a.name for n in nodes if isinstance(n, ast.ImportFrom)
                 and n.module == "conftest" for a in n.names}

    for c in calls:
        if _is_skip(c, skippers) and any(isinstance(a, ast.ExceptHandler) for a in ancestors(c)):
            bad(c, f"{_name(c)}() in an except block turns a failure into a skip; let the "
                   "error fail the test (check the optional resource before, without try)")

    # a pytest.skip(...) in a test module follows an explicit availability check
    for c in calls:
        name = _name(c)
        if name == "skip" and not conftest:
            if not any(isinstance(a, ast.If) and any(_name(k) in AVAILABILITY for k in _calls(a.test))
                       for a in ancestors(c)):
                bad(c, "pytest.skip() not under an availability check (if not path.exists() / "
                       "find_spec(...) is None / shutil.which(...) is None); use "
                       "conftest.shared_file or pytest.importorskip for optional resources")
        elif name == "xfail" and isinstance(c.func, ast.Attribute):
            is_mark = isinstance(c.func.value, ast.Attribute) and c.func.value.attr == "mark"
            if not is_mark:
                bad(c, "pytest.xfail() inside a test cannot be strict; use "
                       "@pytest.mark.xfail(strict=True, reason=...) or fix the test")
            elif any(k.arg == "strict" and not (isinstance(k.value, ast.Constant) and k.value.value)
                     for k in c.keywords):
                bad(c, "xfail(strict=False) passes whether or not the test fails")
        elif name == "importorskip" and c.args and isinstance(c.args[0], ast.Constant):
            module = str(c.args[0].value)
            top = module.split(".")[0]
            dists = {_norm(d) for d in _distributions().get(top, [])}
            if top == "brightroom" or dists & declared:
                bad(c, f"importorskip({module!r}): a declared dependency (or Brightroom itself) "
                       "that fails to import is a failure; import it")
        elif name == "skipif" and c.args and not any(
                _name(k) in AVAILABILITY for k in _calls(c.args[0])):
            bad(c, "skipif() without an availability check in its condition")

    for n in nodes:  # @pytest.mark.skip: an unconditional skip
        if isinstance(n, ast.Attribute) and n.attr == "skip" and isinstance(n.value, ast.Attribute) \
                and n.value.attr == "mark":
            bad(n, "@pytest.mark.skip never runs the test; delete it or fix it")

    if not conftest and filename != "make_goldens.py":
        # a keyword's value (mode="shared") names an option, not a folder
        keyword_values = {id(k.value) for k in nodes if isinstance(k, ast.keyword)}
        for n in nodes:
            if isinstance(n, ast.Constant) and n.value == SHARED_DATA.parent.name \
                    and id(n) not in keyword_values:
                bad(n, "a path into ../shared/data built by hand; use conftest.shared_file(name) "
                       "(it skips when absent and checks the realdata marker)")
    return problems


def test_no_test_turns_a_failure_into_a_skip() -> None:
    declared = frozenset(_declared_dependencies())
    problems = []
    for p in _sources():
        problems += check_source(p.read_text(encoding="utf-8"), p.name,
                                 conftest=p.name == "conftest.py", declared=declared)
    assert not problems, "\n" + "\n".join(problems)


def test_every_module_keeps_a_fast_test() -> None:
    """make test-fast (-m "not slow") still runs something of every test module."""
    slow = "pytest.mark.slow"
    all_slow = []
    for p in _sources():
        if not p.name.startswith("test_"):
            continue
        tree = ast.parse(p.read_text(encoding="utf-8"), p.name)
        marks = [ast.unparse(n.value) for n in tree.body if isinstance(n, ast.Assign)
                 and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in n.targets)]
        tests = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")]
        fast = [t for t in tests if all(ast.unparse(d) != slow for d in t.decorator_list)]
        if tests and (not fast or any(slow in m for m in marks)):
            all_slow.append(p.name)
    assert not all_slow, f"every test marked slow in {all_slow}: keep a fast smoke test"


def test_xfail_is_strict_by_default() -> None:
    ini = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert ini.get("xfail_strict") is True
    assert {"slow", "realdata"} <= {m.split(":")[0] for m in ini["markers"]}


# --- the checker itself catches the patterns it is there for --------------------------------

BAD = {
    "any exception": """
def test_a():
    try:
        r = render()
    except Exception as e:
        pytest.skip(str(e))
""",
    "a library error": """
def test_b():
    try:
        p = write(img)
    except BrightroomError as e:
        pytest.skip(f"cannot write: {e}")
""",
    "a helper that skips": """
def _need():
    try:
        model_path()
    except ModelNotFoundError as e:
        pytest.skip(str(e))
""",
    "a skip helper called from except": """
def helper():
    pytest.skip("x")

def test_c():
    try:
        run()
    except ValueError:
        helper()
""",
    "skip on the error text": """
def test_d(capsys):
    rc = main([])
    if rc != 0 and "write_dng" in capsys.readouterr().err:
        pytest.skip("no writer")
    assert rc == 0
""",
    "skip on a lost value": """
def test_e():
    raw = read()
    if raw.camera.as_shot_neutral is None:
        pytest.skip("lost it")
""",
    "importorskip of brightroom": """
def test_f():
    m = pytest.importorskip("brightroom.charts.detect")
""",
    "imperative xfail": """
def test_g():
    pytest.xfail("flaky")
""",
    "non-strict xfail": """
@pytest.mark.xfail(strict=False, reason="r")
def test_h():
    pass
""",
    "mark.skip": """
@pytest.mark.skip(reason="later")
def test_i():
    pass
""",
    "hand-made shared path": """
DATA = REPO.parent / "shared" / "data"
""",
}

GOOD = """
from conftest import segmentation_model, shared_file

def test_ok(tmp_path):
    path = shared_file("x.dng")
    segmentation_model()
    mod = pytest.importorskip("some_optional_module")
    if not (tmp_path / "sample.png").exists():
        pytest.skip("sample not installed")
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed")
    try:
        parse(path)
    except LUTError:
        return  # a fuzz test: only LUTError may come out

@pytest.mark.xfail(strict=True, reason="known")
@pytest.mark.skipif(importlib.util.find_spec("cv2") is None, reason="no cv2")
def test_ok2():
    with pytest.raises(ValueError):
        f()
"""


@pytest.mark.parametrize("case", BAD)
def test_checker_catches(case: str) -> None:
    assert check_source(BAD[case], declared=frozenset({"brightroom"}))


def test_checker_passes_the_allowed_skips() -> None:
    assert check_source(GOOD, declared=frozenset({"brightroom"})) == []
