"""``brightroom animate`` (the CLI shell) and :func:`brightroom.animate`."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import brightroom
from _animate_helpers import decode, pan_clip, subject_clip
from brightroom.cli.main import main


@pytest.fixture
def frames_dir(tmp_path):
    d = tmp_path / "frames"
    d.mkdir()
    for i, f in enumerate(pan_clip(n=6)):
        Image.fromarray(f).save(d / f"f{i:02d}.png")
    return d


@pytest.mark.slow
def test_cli_gif_from_a_folder(frames_dir, tmp_path, capsys):
    out = tmp_path / "a.gif"
    assert main(["animate", str(frames_dir), "-o", str(out), "--fps", "12", "--loop", "2",
                 "--boomerang"]) == 0
    line = capsys.readouterr().out
    assert "GIF 96x64, 10 frames" in line and "loop 2x" in line
    dec, durs, loop = decode(out.read_bytes())
    assert len(dec) == 10 and loop == 1 and sum(durs) == pytest.approx(10 * 1000 / 12, abs=10)
    # never over an existing file without --overwrite, and the file is untouched
    before = out.read_bytes()
    assert main(["animate", str(frames_dir), "-o", str(out)]) == 1
    assert "exists" in capsys.readouterr().err and out.read_bytes() == before


@pytest.mark.slow
def test_cli_webp_max_size_and_width(frames_dir, tmp_path, capsys):
    out = tmp_path / "a.webp"
    assert main(["animate", str(frames_dir), "-o", str(out), "--max-size", "20k",
                 "--width", "48"]) == 0
    assert out.stat().st_size <= 20_000
    assert "WEBP 48x32" in capsys.readouterr().out


@pytest.mark.slow
def test_cli_errors_are_one_line_and_write_nothing(frames_dir, tmp_path, capsys):
    out = tmp_path / "o.gif"
    assert main(["animate", str(frames_dir), "-o", str(out), "--max-size", "100"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "smallest GIF" in err and not out.exists()
    assert not list(tmp_path.glob(".o.tmp-*"))
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(frames_dir / "zz.png")
    assert main(["animate", str(frames_dir), "-o", str(out)]) == 1
    assert "all frames must be one size" in capsys.readouterr().err and not out.exists()
    assert main(["animate", str(frames_dir / "f00.png"), "-o", str(out), "--still",
                 str(frames_dir / "zz.png")]) == 1
    assert "mask of 8x8" in capsys.readouterr().err
    assert main(["animate", str(frames_dir), "-o", str(tmp_path / "x.mp4")]) == 1
    assert "unsupported animation format" in capsys.readouterr().err
    assert main(["animate", str(tmp_path / "none.mp4"), "-o", str(out)]) == 1
    assert "no such file" in capsys.readouterr().err


def test_cli_empty_video_is_one_line(tmp_path, capsys):
    bad = tmp_path / "empty.mp4"
    bad.write_bytes(b"")
    assert main(["animate", str(bad), "-o", str(tmp_path / "o.gif")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("brightroom: error:") and err.count("\n") == 1


@pytest.mark.slow
def test_api_in_memory_and_cinemagraph():
    frames, _ = subject_clip(n=5, noise=1.0)
    r = brightroom.animate(frames, fps=10, format="apng", loop=1, still="auto")
    assert r.path is None and r.format == "apng" and r.size == len(r.data)
    dec, durs, loop = decode(r.data)
    assert loop == 1 and sum(durs) == 500
    with pytest.raises(brightroom.ParameterError, match="format"):
        brightroom.animate(frames)
    with pytest.raises(brightroom.ParameterError, match="colour space"):
        brightroom.animate(frames, format="gif", colour_space="lab")
