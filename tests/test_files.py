"""brightroom.files: atomic output files, the overwrite and input checks, and its floor."""

import os
import subprocess
import sys

import pytest

import brightroom.files as files
from brightroom.errors import OutputExistsError
from brightroom.files import atomic_write, check_output


def test_writes_and_renames(tmp_path):
    out = tmp_path / "sub" / "dir" / "photo.jpg"
    with atomic_write(out) as tmp:
        assert tmp.parent == out.parent
        assert tmp.name.startswith(f".photo.brightroom-tmp-{os.getpid()}-") and tmp.name.endswith(".jpg")
        assert tmp.exists() and not out.exists()
        tmp.write_bytes(b"hello")
    assert out.read_bytes() == b"hello"
    assert sorted(p.name for p in out.parent.iterdir()) == ["photo.jpg"]
    mode = out.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_exception_leaves_nothing(tmp_path):
    out = tmp_path / "a.png"
    with pytest.raises(RuntimeError, match="encoder failed"):
        with atomic_write(out) as tmp:
            tmp.write_bytes(b"partial")
            raise RuntimeError("encoder failed")
    assert list(tmp_path.iterdir()) == []


def test_existing_file_refused_without_overwrite(tmp_path):
    out = tmp_path / "a.tif"
    out.write_bytes(b"old")
    msg = r"a\.tif exists; pass overwrite=True \(--overwrite\) to replace it"
    with pytest.raises(OutputExistsError, match=msg):
        with atomic_write(out) as tmp:
            tmp.write_bytes(b"new")
    assert out.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [out]
    with atomic_write(out, overwrite=True) as tmp:
        tmp.write_bytes(b"new")
    assert out.read_bytes() == b"new"


def test_input_refused(tmp_path):
    inp = tmp_path / "in.dng"
    inp.write_bytes(b"raw")
    link = tmp_path / "link.dng"
    os.symlink(inp, link)
    for target in (inp, link, tmp_path / "." / "in.dng"):
        with pytest.raises(OutputExistsError, match="input"):
            with atomic_write(target, inputs=[inp]) as tmp:
                tmp.write_bytes(b"x")
    assert inp.read_bytes() == b"raw"
    with atomic_write(inp, inputs=[inp], overwrite=True) as tmp:
        tmp.write_bytes(b"x")
    assert inp.read_bytes() == b"x"


def test_file_appearing_meanwhile_not_clobbered(tmp_path):
    out = tmp_path / "race.jpg"
    with pytest.raises(OutputExistsError):
        with atomic_write(out) as tmp:
            tmp.write_bytes(b"ours")
            out.write_bytes(b"theirs")
    assert out.read_bytes() == b"theirs"
    assert sorted(tmp_path.iterdir()) == [out]


def test_relative_path_in_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with atomic_write("x.bin") as tmp:
        tmp.write_bytes(b"1")
    assert (tmp_path / "x.bin").read_bytes() == b"1"


def test_check_output_alone(tmp_path):
    out = tmp_path / "a.jpg"
    assert check_output(str(out)) == out  # nothing there yet: fine, and a Path back
    out.write_bytes(b"old")
    with pytest.raises(OutputExistsError, match=r"a\.jpg exists"):
        check_output(out)
    with pytest.raises(OutputExistsError, match="is the input file"):
        check_output(out, inputs=[out])
    assert check_output(out, overwrite=True, inputs=[out]) == out
    assert out.read_bytes() == b"old"


def _brightroom_modules_after(statement):
    code = (f"import sys; {statement}; "
            "print(' '.join(m for m in sys.modules if m.startswith('brightroom')))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         check=True)
    return set(res.stdout.split())


def test_floor_one_imports_only_errors():
    # a floor-1 module: importing it loads no room of the house (only the package root, the
    # version, the error hierarchy and the empty packages the root binds its API names
    # over)
    assert _brightroom_modules_after("import brightroom.files") == {
        "brightroom", "brightroom._version", "brightroom.errors", "brightroom.files",
        "brightroom.develop", "brightroom.portrait", "brightroom.edit", "brightroom.scan",
        "brightroom.animate", "brightroom.live"}


def test_io_atomic_re_exports_the_same_helpers():
    from brightroom.io import atomic

    assert atomic.atomic_write is files.atomic_write and atomic.check_output is files.check_output
