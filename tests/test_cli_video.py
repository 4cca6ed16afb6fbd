"""``brightroom stabilize`` and ``brightroom video denoise`` (the CLI shells)."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from brightroom.cli.main import main
from brightroom.io.video import probe_video, write_video


def _clip_with_audio(path):
    # FFmpeg's own test pattern moving, with a sine tone: an independent source with audio
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=size=192x128:rate=30", "-f", "lavfi", "-i",
                    "sine=frequency=440:sample_rate=48000", "-t", "1", "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)], check=True)
    return path


@pytest.mark.slow
def test_stabilize_json_keeps_audio_and_frames(tmp_path, capsys):
    src = _clip_with_audio(tmp_path / "in.mp4")
    out = tmp_path / "out.mp4"
    assert main(["stabilize", str(src), "-o", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    info_in, info_out = probe_video(src), probe_video(out)
    assert doc["frames"] == info_in.frames == info_out.frames == 30
    assert len(doc["path"]) == 30 and 0.85 <= doc["area"] <= 1.0
    assert info_out.audio == "aac"
    # refuses to replace without --overwrite
    assert main(["stabilize", str(src), "-o", str(out)]) == 1


@pytest.mark.slow
def test_video_denoise(tmp_path, capsys):
    rng = np.random.default_rng(0)
    base = rng.integers(40, 200, (1, 64, 96, 3))
    frames = [np.clip(base[0] + rng.normal(0, 8, base.shape[1:]), 0, 255).astype(np.uint8)
              for _ in range(6)]
    src = write_video(frames, tmp_path / "n.mp4", fps=30, crf=10)
    assert main(["video", "denoise", str(src), "-o", str(tmp_path / "d.mp4"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["frames"] == 6


def test_errors_are_one_line(tmp_path, capsys):
    assert main(["stabilize", str(tmp_path / "none.mp4"), "-o", str(tmp_path / "o.mp4")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err
    src = write_video([np.zeros((32, 32, 3), np.uint8)] * 3, tmp_path / "s.mp4", fps=30)
    assert main(["stabilize", str(src), "-o", str(tmp_path / "o.mp4"), "--gyro", "g.gcsv"]) == 1
    assert "g.gcsv: no such file" in capsys.readouterr().err
    (tmp_path / "g.gcsv").write_text("GYROFLOW IMU LOG\nversion,1.3\n")
    assert main(["stabilize", str(src), "-o", str(tmp_path / "o.mp4"), "--gyro",
                 str(tmp_path / "g.gcsv")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no 't,gx,gy,gz' table" in err
    assert main(["stabilize", str(src), "-o", str(tmp_path / "o.mp4"), "--crop", "wide"]) == 2
    assert main(["video", "denoise", str(src), "-o", str(tmp_path / "o.mp4"),
                 "--strength", "-1"]) == 1
    assert not (tmp_path / "o.mp4").exists()
