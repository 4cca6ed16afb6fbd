"""The develop command: outputs, errors as one line, exit codes, no partial files."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.cli.main import main
from brightroom.types import CameraInfo, CFAPattern, NoiseProfile, RawImage


def _raw(h=64, w=96, pattern="RGGB"):
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:h, 0:w]
    base = 0.2 + 0.15 * np.sin(xx / 7.0) * np.cos(yy / 5.0)
    cfa = (base + rng.normal(0, 0.002, (h, w))).astype(np.float32)
    xyz_to_cam = np.array([[0.6, 0.3, -0.05], [-0.2, 1.1, 0.1], [0.0, 0.15, 0.6]])
    cam = CameraInfo(make="Test", model="Synthetic", color_matrix1=xyz_to_cam, illuminant1=21,
                     as_shot_neutral=(0.5, 1.0, 0.7), iso=100,
                     noise_profile=NoiseProfile((1e-5,) * 3, (1e-7,) * 3))
    return RawImage(cfa, CFAPattern(pattern), camera=cam, black_level=(64,) * 4, white_level=4095)


@pytest.fixture
def dng(tmp_path):
    from brightroom.io import write_dng

    return write_dng(_raw(), tmp_path / "in.dng")


def test_develop_one_file(dng, tmp_path, capsys):
    out = tmp_path / "out.jpg"
    assert main(["develop", str(dng), "-o", str(out)]) == 0
    assert out.is_file() and out.stat().st_size > 1000
    from brightroom.io import read_image, read_metadata

    img = read_image(out)
    assert img.shape == (64, 96, 3)
    assert "demosaic" in read_metadata(out)["recipe"]


@pytest.mark.parametrize("recipe", ["neutral", "default"])
@pytest.mark.parametrize("wb", ["as-shot", "auto", "daylight", "3200"])
def test_recipes_and_wb(dng, tmp_path, recipe, wb):
    out = tmp_path / f"{recipe}-{wb}.png"
    assert main(["develop", str(dng), "-o", str(out), "--recipe", recipe, "--wb", wb]) == 0
    assert out.is_file()


def test_several_inputs_to_dir(tmp_path):
    from brightroom.io import write_dng

    a = write_dng(_raw(), tmp_path / "a.dng")
    b = write_dng(_raw(pattern="GBRG"), tmp_path / "b.dng")
    outdir = tmp_path / "outs"
    assert main(["develop", str(a), str(b), "-o", str(outdir)]) == 0
    assert sorted(p.name for p in outdir.iterdir()) == ["a.jpg", "b.jpg"]


def test_refuses_to_overwrite(dng, tmp_path, capsys):
    out = tmp_path / "out.jpg"
    out.write_bytes(b"precious")
    assert main(["develop", str(dng), "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "exists" in err[0] and "--overwrite" in err[0]
    assert out.read_bytes() == b"precious"
    assert main(["develop", str(dng), "-o", str(out), "--overwrite"]) == 0
    assert out.read_bytes() != b"precious"


def test_never_overwrites_input(dng, capsys):
    before = dng.read_bytes()
    assert main(["develop", str(dng), "-o", str(dng.with_suffix(".jpg"))]) == 0
    assert dng.read_bytes() == before


@pytest.mark.parametrize("content,name", [
    (b"this is not a raw file at all\n" * 10, "notes.dng"),
    (b"", "empty.cr2"),
    (b"\x00" * 5000, "zeros.nef"),
])
def test_bad_inputs_one_line_no_output(tmp_path, capsys, content, name):
    bad = tmp_path / name
    bad.write_bytes(content)
    out = tmp_path / "out.jpg"
    code = main(["develop", str(bad), "-o", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and err[0].startswith("brightroom: error:") and name in err[0]
    assert "Traceback" not in err[0]
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_truncated_dng(dng, tmp_path, capsys):
    cut = tmp_path / "cut.dng"
    cut.write_bytes(dng.read_bytes()[: dng.stat().st_size // 3])
    out = tmp_path / "cut.jpg"
    assert main(["develop", str(cut), "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cut.dng" in err[0]
    assert not out.exists()


def test_missing_file_and_bad_options(tmp_path, capsys):
    assert main(["develop", str(tmp_path / "nope.dng"), "-o", str(tmp_path / "x.jpg")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["develop", str(tmp_path / "nope.dng"), "-o", "x.jpg", "--wb", "purple"]) == 1
    assert "white balance" in capsys.readouterr().err
    assert main(["develop", str(tmp_path / "nope.dng"), "-o", "x.jpg", "--recipe", "nope"]) == 1
    assert "unknown recipe" in capsys.readouterr().err
    assert main(["develop"]) == 2


def test_debug_shows_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.dng"
    bad.write_bytes(b"nope" * 100)
    assert main(["--debug", "develop", str(bad), "-o", str(tmp_path / "o.jpg")]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_batch_continues_after_a_bad_file(tmp_path, capsys):
    from brightroom.io import write_dng

    good = write_dng(_raw(), tmp_path / "good.dng")
    bad = tmp_path / "bad.dng"
    bad.write_bytes(b"junk" * 100)
    outdir = tmp_path / "o"
    assert main(["develop", str(good), str(bad), "-o", str(outdir)]) == 1
    assert [p.name for p in outdir.iterdir()] == ["good.jpg"]
    assert "bad.dng" in capsys.readouterr().err


def _burst_dngs(tmp_path, n=3):
    from brightroom.charts import dead_leaves
    from brightroom.io import write_dng
    from brightroom.lab.camera.zoom import simulate_zoom_burst

    frames, _ = simulate_zoom_burst(dead_leaves((128, 160), seed=1, rmin=2.0, color=True),
                                    n=n, factor=2, iso=400, seed=1)
    return [str(write_dng(f, tmp_path / f"z{i}.dng")) for i, f in enumerate(frames)]


def test_develop_burst_superres_zoom(tmp_path, capsys):
    files = _burst_dngs(tmp_path)
    out = tmp_path / "zoom.png"
    assert main(["develop", *files, "--burst", "--mode", "superres", "--zoom", "2", "-o",
                 str(out)]) == 0
    from brightroom.io import read_image

    assert read_image(out).shape == (64, 80, 3)
    out2 = tmp_path / "sr2.png"
    assert main(["develop", *files, "--burst", "--mode", "superres", "--scale", "2", "-o",
                 str(out2)]) == 0
    assert read_image(out2).shape == (128, 160, 3)


def test_develop_burst_superres_bad_input(tmp_path, capsys):
    files = _burst_dngs(tmp_path)
    out = tmp_path / "bad.jpg"
    assert main(["develop", *files, "--burst", "--mode", "superres", "--scale", "5", "-o",
                 str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "scale 5" in err[0] and "out of range" in err[0]
    assert not out.exists() and not list(tmp_path.glob(".bad*"))
    assert main(["develop", *files, "--burst", "--mode", "superres", "--zoom", "20", "-o",
                 str(out)]) == 1
    assert "zoom 20" in capsys.readouterr().err
    # --zoom without the mode
    assert main(["develop", files[0], "--zoom", "2", "-o", str(out)]) == 1
    assert "superres" in capsys.readouterr().err
    # a frame of another size
    from brightroom.io import read_raw, write_dng

    raw = read_raw(files[1])
    small = write_dng(raw.replace(cfa=np.ascontiguousarray(raw.cfa[:32, :40])),
                      tmp_path / "small.dng")
    assert main(["develop", files[0], str(small), "--burst", "--mode", "superres", "-o",
                 str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pixels" in err[0]
    assert not out.exists()
    # one frame: falls back with one warning line
    assert main(["develop", files[0], "--burst", "--mode", "superres", "--zoom", "2", "-o",
                 str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert any("warning" in e and "one frame" in e for e in err)
    assert out.exists()
