"""The batch manifest: what was done to which input, in a SQLite file inside the output folder.

One row per input file and kind of job: the input's content hash, the hash of the settings it was
processed with (recipe, look, format, quality, Brightroom's version), the output, the status
(``pending`` before the task is submitted, then ``done`` or ``failed``), the error's one-line
reason, the task's time and the worker. Only the batch's driver (the process that runs
:func:`brightroom.batch.develop`) writes it, each change in its own transaction, so a
``kill -9`` at any moment leaves a consistent manifest: a row is ``done`` only after its output
was renamed into place (outputs are written atomically by the API).

``--resume`` reads it: an input whose row is ``done`` with the same content and settings hashes
and whose output still exists is skipped; anything else is redone. A row marks its output as the
batch's own, so a redo may replace that output (a file the manifest does not know is never
replaced without ``--overwrite``).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from brightroom.errors import InputError

__all__ = ["MANIFEST_NAME", "Manifest", "Row", "file_hash", "settings_hash"]

MANIFEST_NAME = ".brightroom-batch.sqlite"
"""The manifest's file name inside the output folder."""

_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    kind TEXT NOT NULL,
    input TEXT NOT NULL,
    input_hash TEXT NOT NULL,
    settings_hash TEXT NOT NULL,
    output TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    error TEXT,
    seconds REAL,
    worker TEXT,
    updated REAL NOT NULL,
    PRIMARY KEY (kind, input)
);
"""


def file_hash(path: str | os.PathLike[str], *, chunk: int = 1 << 20) -> str:
    """BLAKE2b-128 of a file's content, hex (what ``--resume`` compares)."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def settings_hash(text: str) -> str:
    """BLAKE2b-128 of the canonical text of a job's settings, hex."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Row:
    """One manifest row (see the module docstring)."""

    kind: str
    input: str
    input_hash: str
    settings_hash: str
    output: str
    status: str
    error: str | None
    seconds: float | None
    worker: str | None


class Manifest:
    """The manifest of one output folder; a context manager.

    Parameters
    ----------
    out_dir
        The batch's output folder (created by the caller); the manifest is
        ``out_dir / MANIFEST_NAME``.

    Raises
    ------
    InputError
        The file exists but is not a Brightroom batch manifest, or cannot be opened.
    """

    def __init__(self, out_dir: str | os.PathLike[str]) -> None:
        self.path = Path(out_dir) / MANIFEST_NAME
        existed = self.path.exists() and self.path.stat().st_size > 0
        try:
            self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            if existed:
                self._check_schema()
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            with self._conn:
                self._conn.executescript("BEGIN;" + _SCHEMA + "COMMIT;")
                self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)",
                                   (str(_SCHEMA_VERSION),))
        except sqlite3.DatabaseError as e:
            raise InputError(f"{self.path}: not a Brightroom batch manifest ({e})") from None

    def _check_schema(self) -> None:
        try:
            rows = self._conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchall()
        except sqlite3.DatabaseError:
            rows = []
        if rows != [(str(_SCHEMA_VERSION),)]:
            self._conn.close()
            raise InputError(f"{self.path}: not a Brightroom batch manifest (schema "
                             f"{rows[0][0] if rows else 'missing'}); move it away to start afresh")

    def close(self) -> None:
        """Close the database."""
        self._conn.close()

    def __enter__(self) -> Manifest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, kind: str, input: str) -> Row | None:
        """The row of ``input`` for ``kind``, or ``None``."""
        r = self._conn.execute("SELECT kind, input, input_hash, settings_hash, output, status, "
                               "error, seconds, worker FROM files WHERE kind = ? AND input = ?",
                               (kind, input)).fetchone()
        return None if r is None else Row(*r)

    def rows(self, kind: str | None = None) -> list[Row]:
        """Every row (of one ``kind``), in input order."""
        sql = ("SELECT kind, input, input_hash, settings_hash, output, status, error, seconds, "
               "worker FROM files")
        args: tuple[str, ...] = ()
        if kind is not None:
            sql += " WHERE kind = ?"
            args = (kind,)
        return [Row(*r) for r in self._conn.execute(sql + " ORDER BY input", args)]

    def owned_outputs(self) -> set[str]:
        """Outputs this manifest has recorded (the batch's own files)."""
        return {r[0] for r in self._conn.execute("SELECT output FROM files")}

    def pending(self, kind: str, input: str, input_hash: str, settings: str, output: str) -> None:
        """Record that ``input`` is about to be processed into ``output``."""
        with self._conn:
            self._conn.execute(
                "INSERT INTO files VALUES (?, ?, ?, ?, ?, 'pending', NULL, NULL, NULL, ?) "
                "ON CONFLICT (kind, input) DO UPDATE SET input_hash = excluded.input_hash, "
                "settings_hash = excluded.settings_hash, output = excluded.output, "
                "status = 'pending', error = NULL, seconds = NULL, worker = NULL, "
                "updated = excluded.updated",
                (kind, input, input_hash, settings, output, time.time()))

    def finish(self, kind: str, input: str, *, error: str | None, seconds: float | None,
               worker: str | None) -> None:
        """Record the end of ``input``'s task: ``done`` when ``error`` is None, else ``failed``."""
        with self._conn:
            self._conn.execute(
                "UPDATE files SET status = ?, error = ?, seconds = ?, worker = ?, updated = ? "
                "WHERE kind = ? AND input = ?",
                ("done" if error is None else "failed", error, seconds, worker, time.time(),
                 kind, input))
