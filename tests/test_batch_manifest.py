"""brightroom.batch.manifest: rows, transactions, foreign files, hashes."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from brightroom.batch.manifest import MANIFEST_NAME, Manifest, file_hash, settings_hash
from brightroom.errors import InputError


def test_file_hash_is_blake2b_of_the_content(tmp_path: Path) -> None:
    p = tmp_path / "a.bin"
    data = bytes(range(256)) * 5000
    p.write_bytes(data)
    assert file_hash(p, chunk=1000) == hashlib.blake2b(data, digest_size=16).hexdigest()
    assert settings_hash("x") != settings_hash("y")


def test_rows_go_pending_then_done_or_failed(tmp_path: Path) -> None:
    with Manifest(tmp_path) as m:
        m.pending("develop", "/in/a.dng", "h1", "s1", "/out/a.jpg")
        m.pending("develop", "/in/b.dng", "h2", "s1", "/out/b.jpg")
        assert m.get("develop", "/in/a.dng").status == "pending"
        m.finish("develop", "/in/a.dng", error=None, seconds=1.5, worker="w")
        m.finish("develop", "/in/b.dng", error="b.dng: truncated", seconds=0.1, worker="w")
    with Manifest(tmp_path) as m:  # reopened: committed
        a, b = m.get("develop", "/in/a.dng"), m.get("develop", "/in/b.dng")
        assert (a.status, a.seconds, a.error) == ("done", 1.5, None)
        assert (b.status, b.error) == ("failed", "b.dng: truncated")
        assert m.owned_outputs() == {"/out/a.jpg", "/out/b.jpg"}
        # a redo resets the row
        m.pending("develop", "/in/b.dng", "h3", "s2", "/out/b.jpg")
        b = m.get("develop", "/in/b.dng")
        assert (b.status, b.error, b.input_hash, b.settings_hash) == ("pending", None, "h3", "s2")
        assert [r.input for r in m.rows("develop")] == ["/in/a.dng", "/in/b.dng"]
        assert m.get("lab", "/in/a.dng") is None


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100])
def test_a_file_that_is_not_a_manifest_is_refused(tmp_path: Path, content: bytes) -> None:
    (tmp_path / MANIFEST_NAME).write_bytes(content)
    if content:
        with pytest.raises(InputError, match="not a Brightroom batch manifest"):
            Manifest(tmp_path)
    else:  # an empty file is an empty database: it becomes a manifest
        Manifest(tmp_path).close()


def test_a_foreign_sqlite_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / MANIFEST_NAME
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE photos (id INTEGER)")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(InputError, match="not a Brightroom batch manifest"):
        Manifest(tmp_path)
    assert path.read_bytes() == before
