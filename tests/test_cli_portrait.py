"""``brightroom portrait`` (the CLI shell)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image as PILImage

from brightroom.cli.main import main
from conftest import segmentation_model as _need_model
from conftest import shared_file


def _png(path, arr):
    PILImage.fromarray(arr).save(path)


def test_depth_file(tmp_path, rng, capsys):
    img = (rng.random((60, 80, 3)) * 255).astype(np.uint8)
    _png(tmp_path / "in.png", img)
    z = np.full((60, 80), 4.0, np.float32)
    z[:, :40] = 1.0
    np.save(tmp_path / "d.npy", z)
    out = tmp_path / "out.png"
    assert main(["portrait", str(tmp_path / "in.png"), "-o", str(out), "--depth",
                 str(tmp_path / "d.npy"), "--aperture", "1.4", "--focus", "16,30",
                 "--style", "hexagon"]) == 0
    assert out.is_file()
    res = np.asarray(PILImage.open(out)).astype(int)
    assert np.abs(res[:, 5:35] - img[:, 5:35].astype(int)).max() <= 2  # in focus
    assert np.abs(res[:, 50:] - img[:, 50:].astype(int)).mean() > 10  # blurred
    assert "focus 1.00 m" in capsys.readouterr().out
    # no overwrite without --overwrite
    assert main(["portrait", str(tmp_path / "in.png"), "-o", str(out), "--depth",
                 str(tmp_path / "d.npy")]) == 1


def test_no_person_no_depth(tmp_path, capsys):
    _need_model()
    _png(tmp_path / "grey.png", np.full((40, 40, 3), 128, np.uint8))
    assert main(["portrait", str(tmp_path / "grey.png"), "-o", str(tmp_path / "o.png")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no person found" in err
    assert not (tmp_path / "o.png").exists()


def test_stereo_size_mismatch(tmp_path, capsys):
    _png(tmp_path / "l.png", np.zeros((40, 40, 3), np.uint8))
    _png(tmp_path / "r.png", np.zeros((40, 44, 3), np.uint8))
    assert main(["portrait", str(tmp_path / "l.png"), "-o", str(tmp_path / "o.png"),
                 "--stereo", str(tmp_path / "r.png")]) == 1
    assert "differ in size" in capsys.readouterr().err


def test_bad_focus_and_missing(tmp_path, capsys):
    _png(tmp_path / "a.png", np.zeros((20, 20, 3), np.uint8))
    assert main(["portrait", str(tmp_path / "a.png"), "-o", str(tmp_path / "o.png"),
                 "--focus", "left"]) == 1
    assert "focus 'left'" in capsys.readouterr().err
    assert main(["portrait", str(tmp_path / "nope.png"), "-o", str(tmp_path / "o.png")]) == 1
    assert main(["portrait", str(tmp_path / "a.png"), "-o", str(tmp_path / "o.png"),
                 "--style", "wobbly"]) == 2


@pytest.mark.slow
@pytest.mark.realdata
def test_iphone_heic_with_embedded_depth(tmp_path, capsys):
    src = shared_file("iphone-portrait-depth.heic")
    out = tmp_path / "pug.jpg"
    assert main(["portrait", str(src), "-o", str(out), "--focus", "45%,75%"]) == 0
    text = capsys.readouterr()
    assert "depth from file" in text.out and out.is_file()
    assert PILImage.open(out).size == (4032, 3024)


@pytest.mark.slow
@pytest.mark.realdata
def test_iphone_spatial_photo(tmp_path, capsys):
    src = shared_file("iphone-spatial-stereo.heic")
    out = tmp_path / "s.jpg"
    assert main(["portrait", str(src), "-o", str(out), "--stereo", str(src)]) == 0
    assert "depth from stereo" in capsys.readouterr().out


def test_focus_in_percent_and_outside(tmp_path, rng, capsys):
    img = (rng.random((60, 80, 3)) * 255).astype(np.uint8)
    _png(tmp_path / "in.png", img)
    z = np.full((60, 80), 4.0, np.float32)
    z[:, :40] = 1.0
    np.save(tmp_path / "d.npy", z)
    assert main(["portrait", str(tmp_path / "in.png"), "-o", str(tmp_path / "p.png"), "--depth",
                 str(tmp_path / "d.npy"), "--focus", "80%,50%"]) == 0
    assert "focus 4.00 m (point)" in capsys.readouterr().out
    assert main(["portrait", str(tmp_path / "in.png"), "-o", str(tmp_path / "q.png"), "--depth",
                 str(tmp_path / "d.npy"), "--focus", "500,20"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "outside the 80x60 picture" in err
    assert not (tmp_path / "q.png").exists()


@pytest.mark.slow
@pytest.mark.realdata
def test_burst_and_truncated_heic_one_line(tmp_path, capsys):
    _need_model()
    assert main(["portrait", str(shared_file("heic-burst.heic")), "-o",
                 str(tmp_path / "b.jpg")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no subject" in err
    cut = tmp_path / "cut.heic"
    cut.write_bytes(shared_file("iphone-portrait-depth.heic").read_bytes()[:400_000])
    assert main(["portrait", str(cut), "-o", str(tmp_path / "c.jpg")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "truncated" in err
