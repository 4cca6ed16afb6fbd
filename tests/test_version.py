"""brightroom._version: one version string, the same one the package metadata declares."""

import tomllib
from pathlib import Path

import brightroom
from brightroom._version import __version__


def test_root_re_exports_the_floor_one_version():
    assert brightroom.__version__ is __version__


def test_version_matches_pyproject():
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    assert __version__ == declared
