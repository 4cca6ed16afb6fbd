"""``brightroom live`` (the CLI shell): synthetic and file sources to MP4 with --stats, true
colour (--calibrate writes the profile, --true-colour applies it), and one clear line for a
source that cannot be opened, a target that cannot be written, a missing chart or a missing
virtual-camera module."""

from __future__ import annotations

import importlib.util
import json

import av
import pytest

from brightroom.cli.main import main
from brightroom.io.video import write_video
from brightroom.lab.webcam_scenes import webcam_chart_frame
from conftest import segmentation_model


def _count(path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


def test_synthetic_to_mp4_with_stats(tmp_path, capsys):
    segmentation_model()
    out, stats = tmp_path / "o.mp4", tmp_path / "s.json"
    assert main(["live", "--input", "synthetic", "--output", str(out), "--size", "160x96",
                 "--frames", "6", "--beauty", "0.5", "--look", "vibrant", "--stats",
                 str(stats)]) == 0
    assert _count(out) == 6
    d = json.loads(stats.read_text())
    assert d["frames_out"] == 6 and d["dropped"] == 0 and d["latency_ms_p95"] > 0
    assert "6 frames (0 dropped of 6)" in capsys.readouterr().out
    assert main(["live", "--input", "synthetic", "--output", str(out), "--frames", "2"]) == 1
    assert "exists" in capsys.readouterr().err


def test_source_that_cannot_be_opened(tmp_path, capsys):
    assert main(["live", "--input", str(tmp_path / "nope.mp4"), "--output",
                 str(tmp_path / "o.mp4")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err
    assert not (tmp_path / "o.mp4").exists()
    assert main(["live", "--input", "/dev/video97", "--output", str(tmp_path / "o.mp4")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot open the source" in err


def test_target_that_cannot_be_written(tmp_path, capsys):
    (tmp_path / "a_file").write_text("x")
    assert main(["live", "--input", "synthetic", "--frames", "2", "--effect", "none",
                 "--output", str(tmp_path / "a_file" / "o.mp4")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a_file" in err and not (tmp_path / "o.mp4").exists()


@pytest.mark.skipif(importlib.util.find_spec("pyvirtualcam") is not None,
                    reason="pyvirtualcam is installed")
def test_virtual_camera_missing_module(capsys):
    assert main(["live", "--input", "synthetic", "--frames", "2", "--effect", "none",
                 "--output", "virtualcam"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install pyvirtualcam" in err


def test_calibrate_then_true_colour(tmp_path, capsys):
    clip = tmp_path / "chart.mp4"
    write_video([webcam_chart_frame("A", size=(640, 360), seed=s).image for s in range(12)],
                clip, fps=30, crf=12)
    prof = tmp_path / "room.json"
    assert main(["live", "--input", str(clip), "--output", str(tmp_path / "a.mp4"),
                 "--effect", "none", "--calibrate", "--true-colour", str(prof)]) == 0
    out = capsys.readouterr().out
    assert "true-colour profile from 3 chart frames" in out
    d = json.loads(prof.read_text())
    assert d["de00_after_mean"] < 3 < d["de00_before_mean"]
    assert main(["live", "--input", str(clip), "--output", str(tmp_path / "b.mp4"),
                 "--effect", "none", "--true-colour", str(prof)]) == 0
    assert _count(tmp_path / "b.mp4") == 12


def test_calibrate_needs_a_profile_path_and_a_chart(tmp_path, capsys):
    assert main(["live", "--input", "synthetic", "--frames", "2", "--effect", "none",
                 "--output", str(tmp_path / "o.mp4"), "--calibrate"]) == 1
    assert "true_colour" in capsys.readouterr().err
    assert main(["live", "--input", "synthetic", "--frames", "6", "--size", "320x180",
                 "--effect", "none", "--output", str(tmp_path / "o.mp4"), "--calibrate",
                 "--true-colour", str(tmp_path / "p.json")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no ColorChecker found" in err
    assert (tmp_path / "o.mp4").exists() and not (tmp_path / "p.json").exists()
