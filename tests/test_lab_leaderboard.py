"""Tests of the SQLite lab leaderboard."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from _lab_helpers import DARK, REFERENCE
from brightroom.errors import InputError, ParameterError
from brightroom.lab.leaderboard import ENV_VAR, Leaderboard, add, default_path, ranking
from brightroom.lab.run import LabResults, run_lab
from brightroom.lab.score import SCORE_VERSION

SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture(scope="module")
def two() -> tuple[LabResults, LabResults]:
    return run_lab(REFERENCE, conditions="tiny", seed=2), run_lab(DARK, conditions="tiny", seed=2)


def _as_full(r: LabResults) -> LabResults:
    """The same results labelled as a full-plan run (ranking reads only the labels)."""
    from brightroom.lab.conditions import FULL_PLAN

    return r.replace(plan=FULL_PLAN)


def test_default_path(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_path() == tmp_path / "xdg" / "brightroom" / "leaderboard.sqlite"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_path() == tmp_path / "home" / ".local" / "share" / "brightroom" / "leaderboard.sqlite"
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "lb.sqlite"))
    assert default_path() == tmp_path / "lb.sqlite"


def test_add_and_rank(two, tmp_path):
    ref, dark = (_as_full(r) for r in two)
    db = tmp_path / "lb.sqlite"
    i1 = add(dark, db)
    i2 = add(ref, db)
    assert i1 != i2
    rows = ranking(path=db)
    assert [r.pipeline for r in rows] == ["test:bilinear", "test:dark"]  # better score first
    assert [r.rank for r in rows] == [1, 2]
    assert rows[0].overall == pytest.approx(ref.score.overall)
    assert rows[0].score_version == SCORE_VERSION
    assert rows[0].attributes["colour"] == pytest.approx(ref.score.attributes["colour"])
    assert rows[0].attributes["bokeh"] is None
    assert ranking(camera="one-inch", path=db) == []
    with Leaderboard(db) as lb:
        assert lb.count() == 2
        back = lb.results(rows[0].id)
        assert back.score == ref.score
        assert lb._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        with pytest.raises(ParameterError):
            lb.results(999)


def test_rankings_never_mix_score_versions_or_plans(two, tmp_path):
    ref, dark = (_as_full(r) for r in two)
    db = tmp_path / "lb.sqlite"
    old = ref.replace(score=dataclasses.replace(ref.score, version="0.9.0", overall=99.0))
    add(old, db)
    add(dark, db)
    add(two[0], db)  # the 'tiny' plan
    rows = ranking(path=db)
    assert [r.pipeline for r in rows] == ["test:dark"]
    old_rows = ranking(score_version="0.9.0", path=db)
    assert [r.overall for r in old_rows] == [99.0]
    assert [r.plan for r in ranking(plan="tiny", path=db)] == ["tiny"]


def test_exception_inside_transaction_leaves_no_partial_row(two, tmp_path):
    ref = _as_full(two[0])
    db = tmp_path / "lb.sqlite"
    add(ref, db)
    with Leaderboard(db) as lb:
        with pytest.raises(RuntimeError), lb.transaction() as conn:
            conn.execute("INSERT INTO results (created, pipeline, camera, seed, plan, score_version, "
                         "formula_hash, overall, brightroom_version, results_json) VALUES "
                         "('t', 'half', 'c', 0, 'full', ?, 'h', 1.0, 'v', '{}')", (SCORE_VERSION,))
            raise RuntimeError("crash after the first insert")
        assert lb.count() == 1
    # and through add() itself: a failure while inserting
    with Leaderboard(db) as lb:
        bad = ref.replace(created=None)  # NOT NULL column: the insert fails
        with pytest.raises(sqlite3.IntegrityError):
            lb.add(bad)
        assert lb.count() == 1
        assert [r.pipeline for r in lb.ranking()] == ["test:bilinear"]


@pytest.mark.slow
def test_killed_writer_leaves_database_consistent(two, tmp_path):
    db = tmp_path / "lb.sqlite"
    add(_as_full(two[0]), db)
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(SRC)!r})
        from brightroom.lab.leaderboard import Leaderboard
        lb = Leaderboard({str(db)!r})
        conn = lb._conn
        conn.execute("BEGIN")
        for i in range(50):
            conn.execute("INSERT INTO results (created, pipeline, camera, seed, plan, score_version, "
                         "formula_hash, overall, brightroom_version, results_json) VALUES "
                         "('t', 'partial', 'c', 0, 'full', '{SCORE_VERSION}', 'h', 100.0, 'v', '{{}}')")
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(SRC)})
    assert proc.returncode != 0  # it was killed mid-transaction
    with Leaderboard(db) as lb:
        assert lb._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert lb.count() == 1
        assert [r.pipeline for r in lb.ranking()] == ["test:bilinear"]


def test_not_a_database(tmp_path):
    bad = tmp_path / "junk.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError, match="junk.sqlite"):
        Leaderboard(bad)
    with pytest.raises(ParameterError):
        Leaderboard(tmp_path / "ok.sqlite").add("not results")  # type: ignore[arg-type]
