"""Tests of ``brightroom lab`` (score, compare, measure)."""

from __future__ import annotations

import json

import pytest

import brightroom.lab.run as lab_run
from _lab_helpers import REFERENCE
from brightroom.cli.main import main


@pytest.fixture
def test_pipeline(monkeypatch):
    """Make ``--pipeline test:bilinear`` resolve to the tests' reference pipeline."""
    real = lab_run.get_pipeline
    monkeypatch.setattr(lab_run, "get_pipeline",
                        lambda name: REFERENCE if name == "test:bilinear" else real(name))


def test_score_writes_report_and_leaderboard(test_pipeline, tmp_path, capsys):
    db = tmp_path / "lb.sqlite"
    rc = main(["lab", "score", "--pipeline", "test:bilinear", "--plan", "quick", "--seed", "1",
               "-o", str(tmp_path / "out"), "--leaderboard", str(db)])
    out = capsys.readouterr().out
    assert rc == 0
    assert (tmp_path / "out" / "report.html").is_file()
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert data["pipeline"] == "test:bilinear" and data["seed"] == 1
    assert f"overall {data['score']['overall']:.1f}" in out
    for attr in ("exposure", "colour", "texture", "noise", "artefacts"):
        assert attr in out
    assert "bokeh" in out and "excluded" in out
    assert "leaderboard entry 1" in out and db.is_file()

    rc = main(["lab", "compare", "--leaderboard", str(db), "--plan", "quick"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "score version" in out and "only" in out
    assert "test:bilinear" in out
    rc = main(["lab", "compare", "--leaderboard", str(db), "--plan", "quick", "--json"])
    ranking = json.loads(capsys.readouterr().out)
    assert ranking["ranking"][0]["overall"] == pytest.approx(data["score"]["overall"])
    # the full-plan ranking does not show quick previews
    main(["lab", "compare", "--leaderboard", str(db), "--json"])
    assert json.loads(capsys.readouterr().out)["ranking"] == []


def test_score_without_leaderboard_and_env_var(test_pipeline, tmp_path, capsys, monkeypatch):
    db = tmp_path / "env.sqlite"
    monkeypatch.setenv("BRIGHTROOM_LEADERBOARD", str(db))
    rc = main(["lab", "score", "--pipeline", "test:bilinear", "--plan", "quick", "-o",
               str(tmp_path / "a"), "--no-leaderboard", "--json"])
    res = json.loads(capsys.readouterr().out)
    assert rc == 0 and res["leaderboard_id"] is None and not db.exists()
    rc = main(["lab", "score", "--pipeline", "test:bilinear", "--plan", "quick", "-o",
               str(tmp_path / "b")])
    assert rc == 0 and db.is_file()


@pytest.mark.parametrize("argv, message", [
    (["lab", "score", "--pipeline", "brightroom:no-such-recipe", "--plan", "quick"], "no-such-recipe"),
    (["lab", "score", "--pipeline", "rawpy:nope", "--plan", "quick"], "nope"),
    (["lab", "score", "--pipeline", "test:bilinear", "--camera", "nokia", "--plan", "quick"],
     "unknown camera preset 'nokia'"),
    (["lab", "compare", "--camera", "nokia"], "unknown camera preset"),
    (["lab", "measure", "photo.jpg", "--chart", "siemens-star"], "unknown chart 'siemens-star'"),
    (["lab", "measure", "missing.jpg", "--chart", "colorchecker"], "no such file"),
])
def test_user_errors_are_one_line(test_pipeline, tmp_path, capsys, argv, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "photo.jpg").write_bytes(b"x")
    out_dir = tmp_path / "o"
    if argv[1] == "score":
        argv = [*argv, "-o", str(out_dir), "--no-leaderboard"]
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == 1
    assert err.startswith("brightroom: error:") and message in err and err.count("\n") == 1
    assert not (out_dir / "results.json").exists()  # never a zero score


def test_measure_bad_roi(tmp_path, capsys):
    # (a missing brightroom module is a broken install, not a user error: the CLI imports the
    # whole public API when it starts, so there is no per-command import left to fail)
    photo = tmp_path / "p.png"
    photo.write_bytes(b"x")
    rc = main(["lab", "measure", str(photo), "--chart", "colorchecker", "--roi", "1,2,3"])
    assert rc == 1 and "expected 4 numbers" in capsys.readouterr().err


def test_compare_never_creates_a_database(tmp_path, capsys):
    db = tmp_path / "none.sqlite"
    assert main(["lab", "compare", "--leaderboard", str(db)]) == 0
    assert "no results" in capsys.readouterr().out and not db.exists()


def test_lab_without_subcommand_prints_help(capsys):
    assert main(["lab"]) == 2
    assert "score" in capsys.readouterr().err


def test_score_rawpy_peer(tmp_path, capsys):
    rc = main(["lab", "score", "--pipeline", "rawpy", "--plan", "quick", "-o", str(tmp_path),
               "--no-leaderboard", "--json"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    res = json.loads(captured.out)
    assert res["pipeline"] == "rawpy:ahd" and 0 < res["overall"] < 100


@pytest.mark.slow
def test_demo_night_writes_the_pair(tmp_path):
    import numpy as np

    from brightroom.io import read_image
    from brightroom.lab.demo import demo_night

    single, merged = demo_night(tmp_path / "d", megapixels=0.1)
    assert single == tmp_path / "d" / "night-single.jpg" and single.is_file()
    assert merged == tmp_path / "d" / "night-merged.jpg" and merged.is_file()
    a, b = read_image(single).data, read_image(merged).data
    both = read_image(tmp_path / "d" / "night-compare.jpg").data
    assert a.shape == b.shape and both.shape[0] == a.shape[0] and both.shape[1] > 2 * a.shape[1]

    def grain(x):  # pixel-to-pixel differences: noise dominates them at 1 lux
        g = np.asarray(x, np.float64).mean(axis=2)
        return float(np.median(np.abs(np.diff(g, axis=1))))

    assert grain(b) < 0.8 * grain(a)  # the merged burst is visibly cleaner


@pytest.mark.slow
def test_cli_demo_prints_the_night_pair(tmp_path, capsys, monkeypatch):
    import brightroom.lab.demo as lab_demo

    real = lab_demo.demo_night
    monkeypatch.setattr(lab_demo, "demo_night", lambda out: real(out, megapixels=0.1))
    rc = main(["demo", "-o", str(tmp_path), "--megapixels", "0.3", "--no-lab"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "night-single.jpg" in out and "night-merged.jpg" in out and "night-compare.jpg" in out
    for name in ("night-single.jpg", "night-merged.jpg", "night-compare.jpg", "demo.jpg"):
        assert (tmp_path / name).is_file(), name
