"""The lab leaderboard: lab results in a local SQLite database, ranked by overall score.

Location: ``path`` if given, else ``$BRIGHTROOM_LEADERBOARD``, else
``$XDG_DATA_HOME/brightroom/leaderboard.sqlite`` (``~/.local/share/brightroom/`` when
``XDG_DATA_HOME`` is unset), following the XDG Base Directory Specification.

Every write is one transaction (``with conn:``) in WAL mode, so a crash mid-write leaves the
database as it was before that write: no partial row. Rankings only compare results of the same
score version and shooting plan (scores of different formulas are different numbers).

References
----------
XDG Base Directory Specification 0.8 (``XDG_DATA_HOME``).
SQLite, "Write-Ahead Logging" and "Atomic Commit In SQLite".
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brightroom.errors import InputError, ParameterError
from brightroom.lab.run import LabResults
from brightroom.lab.score import ATTRIBUTES, SCORE_VERSION

__all__ = ["default_path", "Leaderboard", "Entry", "add", "ranking", "ENV_VAR", "SCHEMA_VERSION"]

ENV_VAR = "BRIGHTROOM_LEADERBOARD"
SCHEMA_VERSION = 1

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    pipeline TEXT NOT NULL,
    camera TEXT NOT NULL,
    seed INTEGER NOT NULL,
    plan TEXT NOT NULL,
    score_version TEXT NOT NULL,
    formula_hash TEXT NOT NULL,
    overall REAL NOT NULL,
    {", ".join(f"{a} REAL" for a in ATTRIBUTES)},
    brightroom_version TEXT NOT NULL,
    results_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS results_rank ON results (score_version, plan, camera, overall);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def default_path() -> Path:
    """Where the leaderboard lives (see the module documentation)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME")
    root = Path(base).expanduser() if base and Path(base).is_absolute() else (
        Path.home() / ".local" / "share")
    return root / "brightroom" / "leaderboard.sqlite"


@dataclass(frozen=True)
class Entry:
    """One row of a ranking."""

    rank: int
    id: int
    pipeline: str
    camera: str
    seed: int
    plan: str
    score_version: str
    overall: float
    attributes: dict[str, float | None]
    created: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"rank": self.rank, "id": self.id, "pipeline": self.pipeline, "camera": self.camera,
                "seed": self.seed, "plan": self.plan, "score_version": self.score_version,
                "overall": self.overall, "attributes": dict(self.attributes),
                "created": self.created}


class Leaderboard:
    """A leaderboard database; use as a context manager or call :meth:`close`.

    Parameters
    ----------
    path
        Database file (created with its directory); :func:`default_path` when None.
    read_only
        Open the file read-only (``lab compare``): nothing is created or changed, not even the
        journal mode, and a file that is not a Brightroom leaderboard is refused.

    A database holding other tables than Brightroom's (someone else's SQLite file) is refused
    in either mode: Brightroom never adds its tables to it.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *,
                 read_only: bool = False) -> None:
        self.path = Path(path).expanduser() if path is not None else default_path()
        self.read_only = read_only
        if read_only:
            self._conn = self._open_read_only()
            self._check_ours(require=True)
            return
        if self.path.exists() and not self.path.is_file():
            raise InputError(f"{self.path}: not a regular file, not a leaderboard database")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(self.path), timeout=30.0)
        except (OSError, sqlite3.Error) as e:
            raise InputError(f"{self.path}: cannot open the leaderboard database: {e}") from None
        try:
            self._check_ours(require=False)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            with self._conn:
                self._conn.executescript(_SCHEMA)
                self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                                   (str(SCHEMA_VERSION),))
        except sqlite3.DatabaseError as e:
            self._conn.close()
            raise InputError(f"{self.path}: not a Brightroom leaderboard database: {e}") from None
        except InputError:
            self._conn.close()
            raise

    def _open_read_only(self) -> sqlite3.Connection:
        p = self.path
        if not p.is_file():
            raise InputError(f"{p}: no leaderboard database (not a regular file)")
        uri = p.resolve().as_uri()
        last: Exception | None = None
        for query in ("?mode=ro", "?mode=ro&immutable=1"):
            try:
                conn = sqlite3.connect(uri + query, uri=True, timeout=30.0)
                conn.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
                return conn
            except sqlite3.Error as e:
                last = e
                with contextlib.suppress(Exception):
                    conn.close()
        raise InputError(f"{p}: not a Brightroom leaderboard database ({last})")

    def _check_ours(self, *, require: bool) -> None:
        try:
            names = {r[0] for r in self._conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
        except sqlite3.DatabaseError as e:
            self._conn.close()
            raise InputError(f"{self.path}: not a Brightroom leaderboard database ({e})") from None
        if (names or require) and not {"results", "meta"} <= names:
            self._conn.close()
            what = f"its tables are {', '.join(sorted(names))}" if names else "it holds no tables"
            raise InputError(f"{self.path}: not a Brightroom leaderboard database ({what}); "
                             "it was not changed")
        if names - {"results", "meta"}:
            self._conn.close()
            raise InputError(f"{self.path}: not a Brightroom leaderboard database (other tables: "
                             f"{', '.join(sorted(names - {'results', 'meta'}))}); it was not "
                             "changed")

    def __enter__(self) -> Leaderboard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic transaction: committed on success, rolled back on any exception."""
        with self._conn:
            yield self._conn

    def add(self, results: LabResults) -> int:
        """Store ``results``; returns the new row id. One transaction."""
        if not isinstance(results, LabResults):
            raise ParameterError(f"leaderboard.add needs LabResults, got {type(results).__name__}")
        s = results.score
        doc = json.dumps(results.to_dict(), allow_nan=False)
        cols = ["created", "pipeline", "camera", "seed", "plan", "score_version", "formula_hash",
                "overall", *ATTRIBUTES, "brightroom_version", "results_json"]
        vals = [results.created, results.pipeline, results.camera, results.seed, results.plan.name,
                s.version, s.formula_hash, s.overall, *[s.attributes.get(a) for a in ATTRIBUTES],
                results.brightroom_version, doc]
        with self.transaction() as conn:
            cur = conn.execute(f"INSERT INTO results ({', '.join(cols)}) "
                               f"VALUES ({', '.join('?' * len(cols))})", vals)
            return int(cur.lastrowid)

    def count(self) -> int:
        """Number of stored results."""
        return int(self._conn.execute("SELECT COUNT(*) FROM results").fetchone()[0])

    def score_versions(self) -> list[str]:
        """Score versions present, newest first by insertion."""
        rows = self._conn.execute("SELECT score_version, MAX(id) FROM results GROUP BY score_version "
                                  "ORDER BY MAX(id) DESC").fetchall()
        return [r[0] for r in rows]

    def ranking(self, camera: str | None = None, score_version: str | None = None,
                plan: str = "full") -> list[Entry]:
        """Results of one score version and plan, best overall first.

        Parameters
        ----------
        camera
            Only this camera preset (all cameras when None).
        score_version
            The score version to rank (the current :data:`~brightroom.lab.score.SCORE_VERSION`
            by default). Results of other versions are never mixed in.
        plan
            Shooting plan (``"full"`` by default; ``"quick"`` results rank separately).
        """
        version = score_version or SCORE_VERSION
        q = (f"SELECT id, pipeline, camera, seed, plan, score_version, overall, "
             f"{', '.join(ATTRIBUTES)}, created FROM results WHERE score_version = ? AND plan = ?")
        args: list[Any] = [version, plan]
        if camera is not None:
            q += " AND camera = ?"
            args.append(camera)
        q += " ORDER BY overall DESC, id ASC"
        out = []
        for i, row in enumerate(self._conn.execute(q, args).fetchall(), start=1):
            attrs = dict(zip(ATTRIBUTES, row[7:7 + len(ATTRIBUTES)]))
            out.append(Entry(i, row[0], row[1], row[2], row[3], row[4], row[5], row[6], attrs,
                             row[-1]))
        return out

    def results(self, entry_id: int) -> LabResults:
        """The full stored results of row ``entry_id``."""
        row = self._conn.execute("SELECT results_json FROM results WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise ParameterError(f"no leaderboard entry {entry_id} in {self.path}")
        return LabResults.from_dict(json.loads(row[0]))


def add(results: LabResults, path: str | os.PathLike[str] | None = None) -> int:
    """Store ``results`` in the leaderboard at ``path`` (default location when None)."""
    with Leaderboard(path) as lb:
        return lb.add(results)


def ranking(camera: str | None = None, score_version: str | None = None, *,
            plan: str = "full", path: str | os.PathLike[str] | None = None) -> list[Entry]:
    """Rank the stored results of one score version (see :meth:`Leaderboard.ranking`)."""
    with Leaderboard(path) as lb:
        return lb.ranking(camera, score_version, plan)
