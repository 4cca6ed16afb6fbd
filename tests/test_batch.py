"""brightroom.batch: same pixels as develop, failures recorded, resume, faults, a real cluster.

The cluster tests share one local Dask cluster (two spawned single-threaded workers) through
``scheduler=``; the CLI tests start their own, as a user's command does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import brightroom
from brightroom import batch
from brightroom.batch.jobs import parse_seeds
from brightroom.charts.dead_leaves import dead_leaves
from brightroom.errors import InputError, OutputExistsError, ParameterError
from brightroom.io.dng import write_dng
from brightroom.lab.camera import simulate

BRIGHTROOM = [sys.executable, "-m", "brightroom.cli.main"]


def _dngs(folder: Path, n: int, shape: tuple[int, int] = (128, 192)) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [write_dng(simulate(dead_leaves(shape, seed=i), lux=150, seed=i), folder / f"f{i:02d}.dng")
            for i in range(n)]


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(brightroom.read_image(path).data)


# ---------------------------------------------------------------- no cluster needed


def test_parse_seeds() -> None:
    assert parse_seeds("0..3") == (0, 1, 2, 3)
    assert parse_seeds("5") == (5,)
    assert parse_seeds("0,2,2,5") == (0, 2, 5)
    for bad in ("", "a", "3..1", "-1", "1..x"):
        with pytest.raises(ParameterError):
            parse_seeds(bad)


def test_expand_inputs_files_folders_patterns(tmp_path: Path) -> None:
    files = _dngs(tmp_path / "in", 2)
    (tmp_path / "in" / "notes.txt").write_text("x")
    assert batch.expand_inputs([tmp_path / "in"]) == files
    assert batch.expand_inputs([str(tmp_path / "in" / "*.dng"), files[0]]) == files
    with pytest.raises(InputError, match="no such file"):
        batch.expand_inputs([tmp_path / "missing.dng"])
    with pytest.raises(InputError, match="no file matches"):
        batch.expand_inputs([str(tmp_path / "*.cr2")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no raw files"):
        batch.expand_inputs([tmp_path / "empty"])


def test_bad_output_folders_are_refused_before_any_work(tmp_path: Path) -> None:
    files = _dngs(tmp_path / "in", 1)
    with pytest.raises(InputError, match="inside the input folder"):
        batch.develop([tmp_path / "in"], tmp_path / "in" / "out")
    with pytest.raises(InputError, match="folder of the input"):
        batch.develop(files, tmp_path / "in")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="must be a folder"):
        batch.develop(files, tmp_path / "file")
    with pytest.raises(ParameterError, match="format"):
        batch.develop(files, tmp_path / "o", format="bmp")
    with pytest.raises(ParameterError, match="unknown look"):
        batch.develop(files, tmp_path / "o", look="no-such-look")
    assert not (tmp_path / "o").exists()


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path: Path) -> None:
    files = _dngs(tmp_path / "in", 1)
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="cannot reach the Dask scheduler tcp://127.0.0.1:9"):
        batch.develop(files, tmp_path / "o", scheduler="tcp://127.0.0.1:9")
    assert time.perf_counter() - t0 < 60
    with pytest.raises(ParameterError, match="local cluster"):
        batch.develop(files, tmp_path / "o", scheduler="tcp://127.0.0.1:9", workers=2)


# ---------------------------------------------------------------- the local clusters a batch starts


@pytest.mark.slow
def test_the_default_cluster_is_threads_and_each_file_gets_its_own_warnings(tmp_path: Path) -> None:
    files = _dngs(tmp_path / "in", 2)
    nomatrix = (Path(__file__).parent / "data" / "raw" / "pidng-nomatrix.dng").read_bytes()
    for name in ("pa.dng", "pb.dng"):  # the same warning, in two tasks running side by side
        (tmp_path / "in" / name).write_bytes(nomatrix)
    result = batch.develop([tmp_path / "in"], tmp_path / "out", workers=2, threads_per_worker=1)
    # two inputs with the same content are two tasks and two outputs (not one Dask key)
    names = ["f00.jpg", "f01.jpg", "pa.jpg", "pb.jpg"]
    assert result.ok and sorted(p.name for p in result.done) == names
    assert sorted(p.name for p in (tmp_path / "out").glob("*.jpg")) == names
    info = result.cluster
    assert info.local and info.processes is False and (info.workers, info.threads) == (2, 1)
    warned = sorted(p.name for p, text in result.warnings)
    assert warned == ["pa.dng", "pb.dng"]
    assert all("no colour matrix" in text and p.name in text for p, text in result.warnings), \
        result.warnings
    for f in files:
        brightroom.develop(f, tmp_path / "ref" / f"{f.stem}.jpg")
        assert np.array_equal(_pixels(tmp_path / "out" / f"{f.stem}.jpg"),
                              _pixels(tmp_path / "ref" / f"{f.stem}.jpg"))


@pytest.mark.slow
def test_a_local_cluster_of_processes_gives_the_same_pixels(tmp_path: Path) -> None:
    files = _dngs(tmp_path / "in", 3)
    result = batch.develop(files, tmp_path / "out", workers=2, threads_per_worker=1,
                           processes=True)
    assert result.ok and len(result.done) == 3 and result.cluster.processes is True
    assert len({r.worker for r in batch.Manifest(tmp_path / "out").rows()}) >= 1
    for f in files:
        brightroom.develop(f, tmp_path / "ref" / f"{f.stem}.jpg")
        assert np.array_equal(_pixels(tmp_path / "out" / f"{f.stem}.jpg"),
                              _pixels(tmp_path / "ref" / f"{f.stem}.jpg"))
    with pytest.raises(ParameterError, match="local"):
        batch.develop(files, tmp_path / "o2", scheduler="tcp://127.0.0.1:9", processes=True)


# ---------------------------------------------------------------- on a shared local cluster


@pytest.fixture(scope="module")
def cluster():
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.worker.multiprocessing-method": "spawn"}):
        c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                         host="127.0.0.1", silence_logs=50,
                         env={"BRIGHTROOM_BATCH_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
    yield c
    c.close()


@pytest.mark.slow
def test_same_pixels_as_develop_and_failures_recorded(tmp_path: Path, cluster) -> None:
    files = _dngs(tmp_path / "in", 3)
    (tmp_path / "in" / "broken.dng").write_bytes(b"II*\x00" + b"\x00" * 64)
    seen = []
    result = batch.develop([tmp_path / "in"], tmp_path / "out", scheduler=cluster.scheduler_address,
                           progress=lambda d, t, what: seen.append((d, t)))
    assert sorted(p.name for p in result.done) == ["f00.jpg", "f01.jpg", "f02.jpg"]
    assert [p.name for p, _ in result.failed] == ["broken.dng"] and not result.ok
    assert "broken.dng" in result.failed[0][1]
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)
    for f in files:
        ref = brightroom.develop(f, tmp_path / "ref" / f"{f.stem}.jpg")
        assert ref is not None
        assert np.array_equal(_pixels(tmp_path / "out" / f"{f.stem}.jpg"),
                              _pixels(tmp_path / "ref" / f"{f.stem}.jpg"))
    rows = {Path(r.input).name: r for r in batch.Manifest(tmp_path / "out").rows()}
    assert rows["broken.dng"].status == "failed" and rows["f00.dng"].status == "done"
    assert not list((tmp_path / "out").glob(".*brightroom-tmp-*"))


@pytest.mark.slow
def test_resume_skips_what_is_done_and_redoes_what_changed(tmp_path: Path, cluster) -> None:
    files = _dngs(tmp_path / "in", 3)
    addr = cluster.scheduler_address
    first = batch.develop(files, tmp_path / "out", scheduler=addr)
    assert len(first.done) == 3
    with pytest.raises(OutputExistsError, match="--resume"):
        batch.develop(files, tmp_path / "out", scheduler=addr)
    again = batch.develop(files, tmp_path / "out", scheduler=addr, resume=True)
    assert (len(again.done), len(again.skipped)) == (0, 3)
    # an input that changed is redone, the others are not
    write_dng(simulate(dead_leaves((128, 192), seed=9), lux=150, seed=9), files[1],
              overwrite=True)
    (tmp_path / "out" / "f02.jpg").unlink()  # a lost output is redone
    third = batch.develop(files, tmp_path / "out", scheduler=addr, resume=True)
    assert sorted(p.name for p in third.done) == ["f01.jpg", "f02.jpg"]
    # other settings: everything is redone
    fourth = batch.develop(files, tmp_path / "out", scheduler=addr, resume=True, quality=80)
    assert len(fourth.done) == 3


@pytest.mark.slow
def test_a_file_the_batch_did_not_write_is_never_replaced(tmp_path: Path, cluster) -> None:
    files = _dngs(tmp_path / "in", 2)
    (tmp_path / "out").mkdir()
    mine = tmp_path / "out" / "f01.jpg"
    mine.write_bytes(b"my own photo")
    for resume in (False, True):
        with pytest.raises(OutputExistsError, match="f01.jpg"):
            batch.develop(files, tmp_path / "out", scheduler=cluster.scheduler_address,
                          resume=resume)
    assert mine.read_bytes() == b"my own photo" and not (tmp_path / "out" / "f00.jpg").exists()
    done = batch.develop(files, tmp_path / "out", scheduler=cluster.scheduler_address,
                         overwrite=True)
    assert len(done.done) == 2 and mine.read_bytes() != b"my own photo"


@pytest.mark.slow
def test_a_worker_killed_mid_run_is_retried(tmp_path: Path, cluster) -> None:
    from distributed import Client

    files = _dngs(tmp_path / "in", 6, shape=(256, 384))
    with Client(cluster.scheduler_address) as client:
        pids = list(client.run(os.getpid).values())
    killed = []

    def kill_one(done: int, total: int, what: str) -> None:
        if done == 1 and not killed:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    result = batch.develop(files, tmp_path / "out", scheduler=cluster.scheduler_address,
                           progress=kill_one)
    assert killed and result.ok and len(result.done) == 6
    for f in files:
        assert _pixels(tmp_path / "out" / f"{f.stem}.jpg").shape[:2] == (256, 384)
    cluster.wait_for_workers(2, timeout=120)  # the nanny restarted it for the next tests


@pytest.mark.slow
def test_a_lab_campaign_is_gathered_into_one_leaderboard_and_report(tmp_path: Path,
                                                                    cluster) -> None:
    db = tmp_path / "lb.sqlite"
    result = batch.lab(["default"], ["flagship-2022"], [0, 1], tmp_path / "report", plan="quick",
                       leaderboard=db, scheduler=cluster.scheduler_address)
    assert result.ok and len(result.runs) == 2 and len(result.entries) == 2
    assert result.report == tmp_path / "report" / "campaign.html"
    row, = result.table
    assert row["runs"] == 2 and 0 < row["overall_mean"] <= 100
    # the same seeds score the same as lab_score in this process, to float rounding: a worker
    # runs numba's kernels on one thread, this process on two, and threaded sums reorder
    direct = brightroom.lab_score("default", camera="flagship-2022", seed=1, plan="quick",
                                  leaderboard=False).results.score.overall
    assert direct == pytest.approx(sorted(r.score.overall for r in result.runs
                                          if r.seed == 1)[0], abs=1e-4)
    assert "<svg" in result.report.read_text()
    with pytest.raises(OutputExistsError):
        batch.lab(["default"], ["flagship-2022"], [0], tmp_path / "report", plan="quick",
                  leaderboard=False, scheduler=cluster.scheduler_address)


# ---------------------------------------------------------------- the command, as a user runs it


@pytest.mark.slow
def test_cli_kill_9_half_way_then_resume(tmp_path: Path) -> None:
    files = _dngs(tmp_path / "in", 8, shape=(256, 384))
    out = tmp_path / "out"
    cmd = [*BRIGHTROOM, "batch", "develop", str(tmp_path / "in"), "-o", str(out), "--workers",
           "2", "--threads-per-worker", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and len(list(out.glob("*.jpg"))) < 2 and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its workers, as a crash would
    proc.wait()
    resumed = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert sorted(p.name for p in out.glob("*.jpg")) == [f"{f.stem}.jpg" for f in files]
    assert not list(out.glob(".*brightroom-tmp-*"))
    rows = batch.Manifest(out).rows()
    assert len(rows) == 8 and {r.status for r in rows} == {"done"}
    for f in files:
        assert _pixels(out / f"{f.stem}.jpg").shape[:2] == (256, 384)


@pytest.mark.slow
def test_cli_on_a_real_cluster_on_loopback(tmp_path: Path) -> None:
    files = _dngs(tmp_path / "in", 3)
    bindir = Path(sys.executable).parent
    sched_file = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__MULTIPROCESSING_METHOD": "spawn"}
    procs = [subprocess.Popen([str(bindir / "dask"), "scheduler", "--host", "127.0.0.1",
                               "--port", "0", "--no-dashboard", "--scheduler-file",
                               str(sched_file)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=env)]
    try:
        deadline = time.time() + 120
        while not sched_file.exists() and time.time() < deadline:
            time.sleep(0.1)
        import json

        address = json.loads(sched_file.read_text())["address"]
        for _ in range(2):
            procs.append(subprocess.Popen(
                [str(bindir / "dask"), "worker", address, "--nthreads", "1", "--nworkers", "1",
                 "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env=env))
        from distributed import Client

        with Client(address, timeout=120) as c:
            c.wait_for_workers(2, timeout=180)
        run = subprocess.run([*BRIGHTROOM, "batch", "develop", *map(str, files), "-o",
                              str(tmp_path / "out"), "--scheduler", address],
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr
        assert "3 developed" in run.stdout
        for f in files:
            brightroom.develop(f, tmp_path / "ref" / f"{f.stem}.jpg")
            assert np.array_equal(_pixels(tmp_path / "out" / f"{f.stem}.jpg"),
                                  _pixels(tmp_path / "ref" / f"{f.stem}.jpg"))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.mark.slow
def test_cli_failures_give_one_line_each_and_exit_1(tmp_path: Path) -> None:
    _dngs(tmp_path / "in", 1)
    (tmp_path / "in" / "zero.dng").write_bytes(b"")
    nomatrix = Path(__file__).parent / "data" / "raw" / "pidng-nomatrix.dng"
    (tmp_path / "in" / "pidng.dng").write_bytes(nomatrix.read_bytes())  # develops, with a warning
    run = subprocess.run([*BRIGHTROOM, "batch", "develop", str(tmp_path / "in"), "-o",
                          str(tmp_path / "out"), "--workers", "1"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 3, run.stderr
    assert lines[0].startswith("brightroom: warning:") and "pidng.dng" in lines[0]
    assert lines[1].startswith("brightroom: error:") and "zero.dng" in lines[1]
    assert "2 developed, 0 skipped (done before), 1 failed of 3" in lines[2]
    unreachable = subprocess.run([*BRIGHTROOM, "batch", "develop", str(tmp_path / "in"), "-o",
                                  str(tmp_path / "o2"), "--scheduler", "tcp://127.0.0.1:9"],
                                 capture_output=True, text=True, timeout=300)
    assert unreachable.returncode == 1
    assert unreachable.stderr.count("\n") == 1 and "cannot reach" in unreachable.stderr
