"""Bad input through every command (issue 11, and issue 20's garbage raws): each case ends in
one line on stderr with the right exit status, leaves nothing behind and changes no file.

The cases run the CLI in this process (``main``), with file descriptor 2 captured (``capfd``),
so what C libraries print there counts; the few that need a real process (SIGTERM, a closed
stdout) start one. Root ignores permission bits, so a read-only directory, a full disk and an
unreadable file are simulated by patching the writer's system calls where the test runs as
root (the error path is the same as for a real one: an ``OSError`` with that errno).
"""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import brightroom.files as files
from _bad_inputs import (
    flip_bits,
    make_bomb,
    npy_header_bomb,
    npy_object,
    short_xmp_jpeg,
)
from brightroom.cli.main import EXIT_ERROR, main
from brightroom.types import CameraInfo, CFAPattern, NoiseProfile, RawImage
from conftest import shared_file


# ----------------------------------------------------------------------------- helpers
def _raw(h=64, w=96, value=None, white=4095):
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:h, 0:w]
    base = 0.2 + 0.15 * np.sin(xx / 7.0) * np.cos(yy / 5.0)
    cfa = (base + rng.normal(0, 0.002, (h, w))).astype(np.float32)
    if value is not None:
        cfa = np.full((h, w), value, np.float32)
    cam = CameraInfo(make="Test", model="Synthetic",
                     color_matrix1=np.array([[0.6, 0.3, -0.05], [-0.2, 1.1, 0.1], [0, 0.15, 0.6]]),
                     illuminant1=21, as_shot_neutral=(0.5, 1.0, 0.7), iso=100,
                     noise_profile=NoiseProfile((1e-5,) * 3, (1e-7,) * 3))
    return RawImage(cfa, CFAPattern("RGGB"), camera=cam, black_level=(64,) * 4, white_level=white)


def _dng(path, **kw):
    from brightroom.io import write_dng

    return write_dng(_raw(**kw), path)


def _png(path, size=(64, 48), value=None, seed=0):
    rng = np.random.default_rng(seed)
    a = (rng.integers(0, 255, (size[1], size[0], 3)) if value is None
         else np.full((size[1], size[0], 3), value)).astype(np.uint8)
    PILImage.fromarray(a).save(path)
    return path


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time (folders: present)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        st = os.lstat(p)
        out[str(p.relative_to(folder))] = ((0, 0) if p.is_dir() and not p.is_symlink()
                                           else (st.st_size, st.st_mtime_ns))
    return out


def _cli(capfd, *argv, timeout: int = 60) -> tuple[int, list[str]]:
    """Run the CLI in this process; (exit status, stderr lines). A hang fails after
    ``timeout`` seconds instead of blocking the suite."""
    def _hang(signum, frame):  # noqa: ANN001
        raise TimeoutError(f"brightroom {' '.join(map(str, argv))} hung")

    old = signal.signal(signal.SIGALRM, _hang)
    signal.alarm(timeout)
    try:
        rc = main([str(a) for a in argv])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    err = capfd.readouterr().err
    return rc, [ln for ln in err.splitlines() if ln.strip()]


def _one_error(rc, lines, *words, code=EXIT_ERROR):
    assert rc == code, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith("brightroom: error:"), lines
    for w in words:
        assert w.lower() in lines[0].lower(), lines


def _case(capfd, folder: Path, *argv, words=(), code=EXIT_ERROR):
    """The command fails with one line and changes nothing under ``folder``."""
    before = _snapshot(folder)
    rc, lines = _cli(capfd, *argv)
    _one_error(rc, lines, *words, code=code)
    assert _snapshot(folder) == before
    return lines[0]


@pytest.fixture
def photo(tmp_path):
    return _png(tmp_path / "photo.png")


ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False


# ----------------------------------------------------------------------------- 1. bombs
_IMAGE_BOMBS = ("png-16k", "png-gray-30k", "png-tiny-100k", "tiff-overlap")


def _command(cmd: str, src: Path, tmp: Path, other: Path) -> list:
    return {
        "look apply": ["look", "apply", src, "--look", "natural", "-o", tmp / "o.jpg"],
        "portrait": ["portrait", src, "-o", tmp / "o.jpg"],
        "calibrate": ["calibrate", src, "-o", tmp / "c.cube", "--patches",
                      "10,10;10,50;40,10"],
        "lab measure": ["lab", "measure", src, "--chart", "colorchecker"],
        "look learn": ["look", "learn", src, other, "-o", tmp / "l.cube"],
        "develop": ["develop", src, "-o", tmp / "o.jpg"],
    }[cmd]


@pytest.mark.parametrize("bomb", _IMAGE_BOMBS)
@pytest.mark.parametrize("cmd", ["look apply", "portrait", "calibrate", "lab measure",
                                 "look learn"])
def test_image_bombs_are_refused_before_decoding(bomb, cmd, tmp_path, capfd, photo):
    src = make_bomb(bomb, tmp_path / "in")
    line = _case(capfd, tmp_path, *_command(cmd, src, tmp_path, photo), words=(src.name,))
    assert "limit" in line


@pytest.mark.slow
@pytest.mark.parametrize("cmd", ["develop", "calibrate", "lab measure"])
def test_sparse_dng_bomb(cmd, tmp_path, capfd, photo):
    src = make_bomb("dng-sparse-40k", tmp_path / "in")
    _case(capfd, tmp_path, *_command(cmd, src, tmp_path, photo), words=("40000x40000", "limit"))


@pytest.mark.slow
@pytest.mark.parametrize("bomb", ["depth-jpeg-64k", "npy-100k"])
def test_depth_bombs(bomb, tmp_path, capfd, photo):
    src = make_bomb(bomb, tmp_path / "in")
    _case(capfd, tmp_path, "portrait", photo, "--depth", src, "-o", tmp_path / "o.jpg",
          words=(src.name, "limit"))


@pytest.mark.slow
def test_max_pixels_option_and_environment(tmp_path, capfd, photo, monkeypatch):
    _case(capfd, tmp_path, "--max-pixels", "1000", "look", "apply", photo, "--look", "natural",
          "-o", tmp_path / "o.jpg", words=("64x48", "above the limit", "--max-pixels"))
    _case(capfd, tmp_path, "look", "apply", photo, "--look", "natural", "-o",
          tmp_path / "o.jpg", "--max-pixels=1k", words=("above the limit",))
    import brightroom.limits as limits

    monkeypatch.setenv("BRIGHTROOM_MAX_PIXELS", "2000")
    limits._reset()
    try:
        _case(capfd, tmp_path, "look", "apply", photo, "--look", "natural", "-o",
              tmp_path / "o.jpg", words=("BRIGHTROOM_MAX_PIXELS",))
    finally:
        monkeypatch.delenv("BRIGHTROOM_MAX_PIXELS")
        limits._reset()
    _case(capfd, tmp_path, "--max-pixels", "lots", "look", "apply", photo, "--look", "natural",
          "-o", tmp_path / "o.jpg", words=("--max-pixels",))


@pytest.mark.slow
def test_memory_budget(tmp_path, capfd, monkeypatch):
    import brightroom.limits as limits

    big = _png(tmp_path / "big.png", size=(512, 512))
    monkeypatch.setenv("BRIGHTROOM_MEMORY_LIMIT", "1M")
    limits._reset()
    try:
        _case(capfd, tmp_path, "look", "apply", big, "--look", "natural", "-o",
              tmp_path / "o.jpg", words=("memory", "BRIGHTROOM_MEMORY_LIMIT"))
    finally:
        monkeypatch.delenv("BRIGHTROOM_MEMORY_LIMIT")
        limits._reset()


def test_lut_size_bound(tmp_path, capfd, photo):
    cube = tmp_path / "big.cube"
    cube.write_text("LUT_3D_SIZE 257\n0 0 0\n")
    _case(capfd, tmp_path, "look", "apply", photo, "--look", cube, "-o", tmp_path / "o.jpg",
          words=("257",))


def test_deeply_nested_recipe(tmp_path, capfd, photo):
    r = tmp_path / "deep.toml"
    r.write_text("format = 1\nname = 'x'\nv = " + "[" * 5000 + "]" * 5000 + "\n")
    dng = _dng(tmp_path / "in.dng")
    _case(capfd, tmp_path, "develop", dng, "--recipe", r, "-o", tmp_path / "o.jpg",
          words=("nested",))
    look = tmp_path / "deep-look.toml"
    look.write_text("name = 'x'\nv = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n")
    _case(capfd, tmp_path, "look", "apply", photo, "--look", look, "-o", tmp_path / "o.jpg",
          words=("nested",))


# ----------------------------------------------------------------------------- 2. truncation
@pytest.fixture(scope="module")
def heic_file(tmp_path_factory):
    import brightroom
    from brightroom.types import Image

    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:192, 0:256] / 256.0
    img = np.stack([x, y, 0.5 + 0.2 * np.sin(9 * x)], -1) + rng.normal(0, 0.02, (192, 256, 3))
    p = tmp_path_factory.mktemp("heic") / "src.heic"
    brightroom.write(Image(np.clip(img, 0, 1).astype(np.float32), space="display",
                           transfer="sRGB"), p)
    return p


@pytest.mark.slow
@pytest.mark.parametrize("fraction", [0.05, 0.4, 0.6, 0.9])
def test_truncated_heic(fraction, heic_file, tmp_path, capfd):
    data = heic_file.read_bytes()
    cut = tmp_path / "cut.heic"
    cut.write_bytes(data[: int(len(data) * fraction)])
    _case(capfd, tmp_path, "look", "apply", cut, "--look", "natural", "-o", tmp_path / "o.jpg",
          words=("cut.heic",))


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("fraction", [0.05, 0.5])
def test_truncated_real_heic(fraction, tmp_path, capfd):
    data = shared_file("iphone-portrait-depth.heic").read_bytes()
    cut = tmp_path / "cut.heic"
    cut.write_bytes(data[: int(len(data) * fraction)])
    _case(capfd, tmp_path, "look", "apply", cut, "--look", "natural", "-o", tmp_path / "o.jpg",
          words=("cut.heic",))


@pytest.mark.parametrize("ext", [".png", ".jpg", ".tif"])
def test_truncated_images(ext, tmp_path, capfd):
    full = tmp_path / f"full{ext}"
    rng = np.random.default_rng(0)
    PILImage.fromarray(rng.integers(0, 255, (96, 128, 3)).astype(np.uint8)).save(full)
    data = full.read_bytes()
    cut = tmp_path / f"cut{ext}"
    cut.write_bytes(data[: len(data) // 2])
    full.unlink()
    _case(capfd, tmp_path, "look", "apply", cut, "--look", "natural", "-o", tmp_path / "o.jpg",
          words=(cut.name,))


@pytest.mark.slow
@pytest.mark.parametrize("fraction", [0.01, 0.3, 0.7])
def test_truncated_dng(fraction, tmp_path, capfd):
    dng = _dng(tmp_path / "full.dng")
    data = dng.read_bytes()
    cut = tmp_path / "cut.dng"
    cut.write_bytes(data[: int(len(data) * fraction)])
    dng.unlink()
    _case(capfd, tmp_path, "develop", cut, "-o", tmp_path / "o.jpg", words=("cut.dng",))


# ----------------------------------------------------------------------------- 3. OS errors
def _fail_tempfiles(monkeypatch, err: int):
    def mkstemp(*a, **k):
        raise OSError(err, os.strerror(err), k.get("dir", "."))

    monkeypatch.setattr(files.tempfile, "mkstemp", mkstemp)


def _fail_rename(monkeypatch, err: int):
    def fail(src, dst, *a, **k):
        raise OSError(err, os.strerror(err), str(dst))

    monkeypatch.setattr(files.os, "link", fail)
    monkeypatch.setattr(files.os, "replace", fail)


def _writers(tmp_path, photo):
    dng = _dng(tmp_path / "in.dng")
    depth = tmp_path / "d.npy"
    np.save(depth, np.full((48, 64), 2.0, np.float32))
    out = tmp_path / "out"
    out.mkdir()
    return {
        "develop": ["develop", dng, "-o", out / "o.jpg"],
        "look apply": ["look", "apply", photo, "--look", "natural", "-o", out / "o.jpg"],
        "look export": ["look", "export", "natural", "-o", out / "l.cube", "--size", "5"],
        "portrait": ["portrait", photo, "--depth", depth, "-o", out / "p.jpg"],
    }


@pytest.mark.slow
@pytest.mark.parametrize("cmd", ["develop", "look apply", "look export", "portrait"])
def test_read_only_output_directory(cmd, tmp_path, capfd, photo, monkeypatch):
    argv = _writers(tmp_path, photo)[cmd]
    if ROOT:
        _fail_tempfiles(monkeypatch, errno.EROFS)
        words = ("read-only",)
    else:
        (tmp_path / "out").chmod(0o555)
        words = ("permission denied",)
    try:
        _case(capfd, tmp_path, *argv, words=words)
    finally:
        (tmp_path / "out").chmod(0o755)


@pytest.mark.slow
@pytest.mark.parametrize("cmd", ["develop", "look apply", "look export"])
def test_disk_full(cmd, tmp_path, capfd, photo, monkeypatch):
    argv = _writers(tmp_path, photo)[cmd]
    _fail_rename(monkeypatch, errno.ENOSPC)
    _case(capfd, tmp_path, *argv, words=("no space left",))


def test_unreadable_input(tmp_path, capfd, photo, monkeypatch):
    if ROOT:
        real = os.access
        monkeypatch.setattr(files.os, "access",
                            lambda p, m, *a, **k: False if Path(p) == photo else real(p, m))
    else:
        photo.chmod(0)
    _case(capfd, tmp_path, "look", "apply", photo, "--look", "natural", "-o",
          tmp_path / "o.jpg", words=("photo.png", "cannot read"))
    photo.chmod(0o644)


def test_unreadable_recipe(tmp_path, capfd, monkeypatch):
    dng = _dng(tmp_path / "in.dng")
    rec = tmp_path / "r.toml"
    rec.write_text("format = 1\n")
    real = os.access
    monkeypatch.setattr(files.os, "access",
                        lambda p, m, *a, **k: False if Path(p) == rec else real(p, m))
    _case(capfd, tmp_path, "develop", dng, "--recipe", rec, "-o", tmp_path / "o.jpg",
          words=("r.toml", "cannot read"))


def test_output_name_too_long(tmp_path, capfd, photo):
    _case(capfd, tmp_path, "look", "apply", photo, "--look", "natural", "-o",
          tmp_path / ("a" * 300 + ".jpg"), words=("too long",))


def test_demo_onto_an_existing_file(tmp_path, capfd):
    f = tmp_path / "taken"
    f.write_text("mine")
    _case(capfd, tmp_path, "demo", "-o", f, "--no-lab", words=("not a directory",))


@pytest.mark.slow
def test_closed_stdout_is_quiet(tmp_path):
    r, w = os.pipe()
    os.close(r)
    res = subprocess.run([sys.executable, "-m", "brightroom.cli.main", "look", "list"],
                         stdout=w, stderr=subprocess.PIPE, text=True, timeout=120)
    os.close(w)
    assert res.returncode == EXIT_ERROR
    assert res.stderr.strip() == ""


# ----------------------------------------------------------------------------- 4. uncaught
@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_bit_flipped_dngs(seed, tmp_path, capfd):
    dng = _dng(tmp_path / "good.dng")
    bad = tmp_path / "bad.dng"
    bad.write_bytes(flip_bits(dng.read_bytes(), seed=seed, n=30, start=8))
    dng.unlink()
    rc, lines = _cli(capfd, "develop", bad, "-o", tmp_path / "o.jpg")
    if rc == 0:  # flips in the pixel data are harmless (warnings at most, one line each)
        assert all(ln.startswith("brightroom: warning: ") for ln in lines), lines
        assert (tmp_path / "o.jpg").is_file()
    else:
        _one_error(rc, lines, "bad.dng")
        assert not (tmp_path / "o.jpg").exists()


def test_short_xmp_depth_jpeg(tmp_path, capfd, photo):
    d = tmp_path / "d.jpg"
    d.write_bytes(short_xmp_jpeg())
    _case(capfd, tmp_path, "portrait", photo, "--depth", d, "-o", tmp_path / "o.jpg",
          words=("d.jpg",))


@pytest.mark.parametrize("kind", ["garbage", "object", "truncated", "3-d"])
def test_bad_npy_depth(kind, tmp_path, capfd, photo):
    d = tmp_path / "d.npy"
    if kind == "garbage":
        d.write_bytes(os.urandom(300))
    elif kind == "object":
        npy_object(d)
    elif kind == "truncated":
        d.write_bytes(npy_header_bomb((48, 64)) + b"\0" * 100)
    else:
        np.save(d, np.zeros((4, 4, 4), np.float32))
    _case(capfd, tmp_path, "portrait", photo, "--depth", d, "-o", tmp_path / "o.jpg",
          words=("d.npy",))


def test_measure_roi_nan(tmp_path, capfd, photo):
    _case(capfd, tmp_path, "lab", "measure", photo, "--chart", "colorchecker", "--roi",
          "nan,nan,nan,nan", words=("roi",))


@pytest.mark.parametrize("mp", ["nan", "1000", "-1"])
def test_demo_megapixels(mp, tmp_path, capfd):
    _case(capfd, tmp_path, "demo", "-o", tmp_path / "d", "--no-lab", "--megapixels", mp,
          words=("megapixels",))
    assert not (tmp_path / "d").exists()


@pytest.mark.slow
def test_learn_smoothness_huge(tmp_path, capfd, photo):
    after = _png(tmp_path / "after.png", seed=1)
    _case(capfd, tmp_path, "look", "learn", photo, after, "-o", tmp_path / "l.cube",
          "--smoothness", "1e308", words=("smoothness",))


def test_calibrate_patch_size_too_big(tmp_path, capfd, photo):
    _case(capfd, tmp_path, "calibrate", photo, "-o", tmp_path / "c.cube", "--patches",
          "10,10;10,50;40,10", "--patch-size", "100000", words=("patch",))


# ----------------------------------------------------------------------------- 5. FIFOs
@pytest.fixture
def fifo_dir(tmp_path):
    d = tmp_path / "fifos"
    d.mkdir()
    return d


def _fifo(path):
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("name", ["look.cube", "look.3dl", "look.toml"])
def test_fifo_as_look(name, fifo_dir, tmp_path, capfd, photo):
    f = _fifo(fifo_dir / name)
    _case(capfd, tmp_path, "look", "apply", photo, "--look", f, "-o", tmp_path / "o.jpg",
          words=("fifo",))


def test_fifo_as_recipe(fifo_dir, tmp_path, capfd):
    dng = _dng(tmp_path / "in.dng")
    f = _fifo(fifo_dir / "r.toml")
    _case(capfd, tmp_path, "develop", dng, "--recipe", f, "-o", tmp_path / "o.jpg",
          words=("fifo",))


def test_fifo_as_a_looks_lut(fifo_dir, tmp_path, capfd, photo):
    _fifo(fifo_dir / "l.cube")
    look = fifo_dir / "look.toml"
    look.write_text('name = "x"\n[[operations]]\ntype = "lut"\nfile = "l.cube"\n')
    _case(capfd, tmp_path, "look", "apply", photo, "--look", look, "-o", tmp_path / "o.jpg",
          words=("fifo",))


def test_fifo_as_pipeline(fifo_dir, tmp_path, capfd):
    f = _fifo(fifo_dir / "p.toml")
    _case(capfd, tmp_path, "lab", "score", "--pipeline", f, "-o", tmp_path / "r",
          "--no-leaderboard", "--plan", "quick", words=("fifo",))


@pytest.mark.parametrize("what", ["image", "depth"])
def test_fifo_as_picture(what, fifo_dir, tmp_path, capfd, photo):
    if what == "image":
        f = _fifo(fifo_dir / "in.png")
        argv = ["look", "apply", f, "--look", "natural", "-o", tmp_path / "o.jpg"]
    else:
        f = _fifo(fifo_dir / "d.npy")
        argv = ["portrait", photo, "--depth", f, "-o", tmp_path / "o.jpg"]
    _case(capfd, tmp_path, *argv, words=("fifo",))


def test_directory_as_input(tmp_path, capfd):
    d = tmp_path / "dir.png"
    d.mkdir()
    _case(capfd, tmp_path, "look", "apply", d, "--look", "natural", "-o", tmp_path / "o.jpg",
          words=("directory",))


# ----------------------------------------------------------------------------- 6. --overwrite
def test_demo_does_not_replace_without_overwrite(tmp_path, capfd):
    out = tmp_path / "d"
    out.mkdir()
    (out / "demo.jpg").write_text("mine")
    _case(capfd, tmp_path, "demo", "-o", out, "--no-lab", words=("demo.jpg", "--overwrite"))


def test_lab_score_does_not_replace_without_overwrite(tmp_path, capfd):
    out = tmp_path / "r"
    out.mkdir()
    (out / "report.html").write_text("mine")
    _case(capfd, tmp_path, "lab", "score", "--pipeline", "brightroom:default", "-o", out,
          "--no-leaderboard", "--plan", "quick", words=("report.html", "--overwrite"))


# ----------------------------------------------------------------------------- 7. databases
@pytest.mark.parametrize("kind", ["foreign", "empty", "text"])
def test_compare_never_changes_a_database(kind, tmp_path, capfd):
    db = tmp_path / "board.sqlite"
    if kind == "foreign":
        con = sqlite3.connect(db)
        con.execute("CREATE TABLE users (name TEXT)")
        con.execute("INSERT INTO users VALUES ('ann')")
        con.commit()
        con.close()
    elif kind == "empty":
        db.write_bytes(b"")
    else:
        db.write_text("not a database\n" * 10)
    data = db.read_bytes()
    _case(capfd, tmp_path, "lab", "compare", "--leaderboard", db, words=("board.sqlite",))
    assert db.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["board.sqlite"]


# ----------------------------------------------------------------------------- 8. leftovers
def test_stale_temporary_file_is_cleaned(tmp_path, capfd, photo):
    stale = tmp_path / f".o{files.TEMP_MARK}999999999-abcd.jpg"
    stale.write_bytes(b"")
    live = tmp_path / f".o{files.TEMP_MARK}{os.getppid()}-abcd.jpg"  # a live process's
    live.write_bytes(b"")
    rc, lines = _cli(capfd, "look", "apply", photo, "--look", "natural", "-o", tmp_path / "o.jpg")
    assert rc == 0 and lines == []
    assert not stale.exists() and live.exists()


@pytest.mark.slow
def test_sigterm_mid_write_leaves_nothing(tmp_path):
    dng = _dng(tmp_path / "in.dng", h=1024, w=1536)
    out = tmp_path / "x.heic"
    proc = subprocess.Popen([sys.executable, "-m", "brightroom.cli.main", "develop", str(dng),
                             "-o", str(out)], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not list(tmp_path.glob(f"*{files.TEMP_MARK}*")):
        if proc.poll() is not None:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "in.dng"]
    if proc.returncode == 0:  # it finished first: then only the output
        assert leftovers == ["x.heic"]
    else:
        assert proc.returncode == 143 and leftovers == [], (leftovers, err)
        assert err.strip().splitlines() == ["brightroom: terminated"]


def test_calibrate_json_beside_exists(tmp_path, capfd, photo):
    (tmp_path / "c.json").write_text("{}")
    _case(capfd, tmp_path, "calibrate", photo, "-o", tmp_path / "c.cube", "--patches",
          "10,10;10,50;40,10", words=("c.json",))


def test_calibrate_output_named_json(tmp_path, capfd, photo):
    (tmp_path / "c.json").write_text("{}")
    _case(capfd, tmp_path, "calibrate", photo, "-o", tmp_path / "c.json", "--patches",
          "10,10;10,50;40,10", words=(".cube",))


def test_outputs_as_a_unit(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    with pytest.raises(RuntimeError), files.atomic_write_many([a, b]) as (ta, tb):
        ta.write_text("a")
        raise RuntimeError("encoder failed")
    assert list(tmp_path.iterdir()) == []
    b.write_text("theirs")
    with pytest.raises(files.OutputExistsError):
        with files.atomic_write_many([a, b]) as (ta, tb):
            pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.txt"]
    with files.atomic_write_many([a, b], overwrite=True) as (ta, tb):
        ta.write_text("A")
        tb.write_text("B")
    assert a.read_text() == "A" and b.read_text() == "B"


# ----------------------------------------------------------------------------- 9. one line
@pytest.mark.parametrize("seed", range(3))
def test_bit_flipped_png_one_line(seed, tmp_path, capfd):
    good = _png(tmp_path / "g.png", size=(96, 64), seed=seed)
    bad = tmp_path / "bad.png"
    bad.write_bytes(flip_bits(good.read_bytes(), seed=seed, n=20, start=40))
    good.unlink()
    rc, lines = _cli(capfd, "look", "apply", bad, "--look", "natural", "-o", tmp_path / "o.jpg")
    if rc == 0:
        assert lines == []
    else:
        _one_error(rc, lines, "bad.png")


@pytest.mark.parametrize("seed", range(2))
def test_bit_flipped_tiff_one_line(seed, tmp_path, capfd):
    good = tmp_path / "g.tif"
    PILImage.fromarray(np.random.default_rng(seed).integers(0, 255, (64, 96, 3)).astype(
        np.uint8)).save(good)
    bad = tmp_path / "bad.tif"
    bad.write_bytes(flip_bits(good.read_bytes(), seed=seed, n=20, start=4))
    good.unlink()
    rc, lines = _cli(capfd, "look", "apply", bad, "--look", "natural", "-o", tmp_path / "o.jpg")
    assert rc in (0, 1) and len(lines) <= 1
    if rc:
        _one_error(rc, lines, "bad.tif")


@pytest.mark.slow
def test_warnings_are_one_line_each(tmp_path, capfd):
    flat = _png(tmp_path / "flat.png", value=128)
    rc, lines = _cli(capfd, "look", "match", flat, "--reference", flat, "-o", tmp_path / "m.cube")
    assert all(ln.startswith("brightroom: ") for ln in lines), lines
    assert rc in (0, 1)


@pytest.mark.slow
def test_burst_warning_is_one_line(tmp_path, capfd):
    a = _dng(tmp_path / "a.dng")
    b = _dng(tmp_path / "b.dng")
    c = _dng(tmp_path / "c.dng", value=0.3)
    rc, lines = _cli(capfd, "develop", "--burst", a, b, c, "-o", tmp_path / "m.jpg")
    assert rc in (0, 1)
    assert lines and all(ln.startswith("brightroom: ") for ln in lines), lines
    assert not any(".py:" in ln for ln in lines)


# ----------------------------------------------------------------------------- 10, 11. bugs
def test_a_recipe_can_choose_a_look(tmp_path, capfd):
    import brightroom

    rec = tmp_path / "r.toml"
    base = brightroom.load_recipe("default").to_toml()
    rec.write_text(base.replace('[[stage]]\nname = "output"',
                                '[[stage]]\nname = "look"\nversion = 2\nlook = "mono"\n\n'
                                '[[stage]]\nname = "output"'))
    r = brightroom.load_recipe(rec)
    assert r.params("look").look == "mono"
    (tmp_path / "again.toml").write_text(r.to_toml())
    assert brightroom.load_recipe(tmp_path / "again.toml") == r


@pytest.mark.parametrize("name", ["a.bmp", "x.dng", "plain"])
def test_develop_output_extension(name, tmp_path, capfd):
    dng = _dng(tmp_path / "in.dng")
    _case(capfd, tmp_path, "develop", dng, "-o", tmp_path / name, words=(name, "-o"))
    assert not (tmp_path / name).exists()


@pytest.mark.slow
def test_develop_into_directory_with_slash(tmp_path, capfd):
    dng = _dng(tmp_path / "in.dng")
    rc, lines = _cli(capfd, "develop", dng, "-o", f"{tmp_path / 'outs'}/")
    assert rc == 0 and lines == [] and (tmp_path / "outs" / "in.jpg").is_file()


# ----------------------------------------------------------------------------- 12. leaks
SECRET = "root:x:0:0:secret-content:/root:/bin/bash"


@pytest.mark.parametrize("ext", [".cube", ".3dl"])
def test_lut_errors_quote_no_content(ext, tmp_path, capfd, photo):
    secret = tmp_path / "secret"
    secret.write_text(SECRET + "\n" + "1 2 " + SECRET + "\n")
    link = tmp_path / f"evil{ext}"
    link.symlink_to(secret)
    line = _case(capfd, tmp_path, "look", "apply", photo, "--look", link, "-o",
                 tmp_path / "o.jpg")
    assert "secret-content" not in line and "/bin/bash" not in line


@pytest.mark.parametrize("ref", ["../outside.cube", "ABS", "link.cube"])
def test_look_references_stay_in_the_folder(ref, tmp_path, capfd, photo):
    folder = tmp_path / "look"
    folder.mkdir()
    outside = tmp_path / "outside.cube"
    outside.write_text("LUT_3D_SIZE 2\n" + "0 0 0\n" * 8)
    if ref == "ABS":
        ref = str(outside)
    elif ref == "link.cube":
        (folder / "link.cube").symlink_to(outside)
    look = folder / "l.toml"
    look.write_text(f'name = "x"\n[[operations]]\ntype = "lut"\nfile = "{ref}"\n')
    _case(capfd, tmp_path, "look", "apply", photo, "--look", look, "-o", tmp_path / "o.jpg",
          words=("outside the look's folder",))


# ----------------------------------------------------------------------------- garbage raws
def _garbage(kind: str, folder: Path) -> Path:
    p = folder / f"{kind}.dng"
    if kind == "constant":
        _dng(p, value=0.0)
    elif kind == "above-white":
        from brightroom.io import write_dng

        raw = _raw()
        write_dng(raw, p)
        data = bytearray(p.read_bytes())
        # every sample of the (uncompressed, last) strip set to 0xFFFF: above white 4095
        n = raw.cfa.size * 2
        data[-n:] = b"\xff" * n
        p.write_bytes(bytes(data))
    elif kind == "empty":
        p.write_bytes(b"")
    elif kind == "text":
        p.write_text("hello, I am not a raw file\n" * 20)
    elif kind == "jpeg-renamed":
        buf = folder / "x.jpg"
        PILImage.fromarray(np.zeros((32, 32, 3), np.uint8)).save(buf)
        p.write_bytes(buf.read_bytes())
        buf.unlink()
    elif kind == "cut-header":
        p.write_bytes(_dng(folder / "tmp.dng").read_bytes()[:200])
        (folder / "tmp.dng").unlink()
    elif kind == "flipped-ifd":
        good = _dng(folder / "tmp.dng").read_bytes()
        (folder / "tmp.dng").unlink()
        p.write_bytes(flip_bits(good[:1024], seed=3, n=60, start=8) + good[1024:])
    elif kind == "tiff-renamed":
        buf = folder / "x.tif"
        PILImage.fromarray(np.zeros((32, 32, 3), np.uint8)).save(buf)
        p.write_bytes(buf.read_bytes())
        buf.unlink()
    elif kind == "random-nef":
        p = folder / "random.nef"
        p.write_bytes(np.random.default_rng(0).integers(0, 255, 4096, np.uint8).tobytes())
    elif kind == "empty-cr2":
        p = folder / "empty.cr2"
        p.write_bytes(b"")
    else:
        raise KeyError(kind)
    return p


GARBAGE = ("constant", "above-white", "empty", "text", "jpeg-renamed", "cut-header",
           "flipped-ifd", "tiff-renamed", "random-nef", "empty-cr2")


@pytest.mark.parametrize("kind", GARBAGE)
def test_garbage_raws_are_refused(kind, tmp_path, capfd):
    src = _garbage(kind, tmp_path)
    _case(capfd, tmp_path, "develop", src, "-o", tmp_path / "o.jpg", words=(src.name,))


@pytest.mark.realdata
def test_stripped_dng_is_refused(tmp_path, capfd):
    src = shared_file("stripped-data.dng")
    _case(capfd, tmp_path, "develop", src, "-o", tmp_path / "o.jpg",
          words=("stripped-data.dng", "stripped"))
