"""Batch jobs: many raws developed, or a lab campaign scored, on a Dask cluster.

The driver (the process that calls :func:`develop` or :func:`lab`) expands the inputs, checks
every output before any work, records each input in the manifest (:mod:`.manifest`), submits one
small task per input (:mod:`.tasks`), and records each result as it arrives. A file that fails is
recorded with its one-line reason and the batch goes on; a task whose worker died (out of memory,
``kill -9``) is retried by Dask on another worker (``retries``), then recorded as failed.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import brightroom
from brightroom._version import __version__
from brightroom.batch.engine import ClusterInfo, Starting
from brightroom.batch.manifest import Manifest, file_hash, settings_hash
from brightroom.batch.report import campaign_table, write_campaign_report
from brightroom.batch.tasks import LabTaskResult, develop_one, lab_one
from brightroom.errors import InputError, OutputExistsError, ParameterError
from brightroom.files import clean_stale
from brightroom.io.raw import RAW_EXTENSIONS

__all__ = ["BatchResult", "CampaignResult", "develop", "lab", "expand_inputs", "parse_seeds", "Progress",
           "FORMATS", "DEFAULT_RETRIES"]

PathLike = str | os.PathLike[str]
Progress = Callable[[int, int, str], None]
"""``progress(done, total, what)``: called once at the start (done 0) and after each task."""

FORMATS = ("jpg", "heic", "avif", "tiff", "png")
"""Output formats of ``batch develop`` (``--format``)."""

DEFAULT_RETRIES = 2
"""How many times Dask reruns a task whose worker died before the file is recorded as failed."""


@dataclass(frozen=True)
class BatchResult:
    """What :func:`develop` did.

    Attributes
    ----------
    out_dir, manifest
        The output folder and its manifest file.
    done
        Outputs written by this run.
    skipped
        Inputs skipped by ``resume`` (done before with the same content and settings).
    failed
        ``(input, one-line reason)`` for each input that failed.
    warnings
        ``(input, one-line text)`` for each warning the work on an input raised.
    cluster
        Where it ran.
    seconds
        Wall time, cluster start-up included.
    """

    out_dir: Path
    manifest: Path
    done: tuple[Path, ...]
    skipped: tuple[Path, ...]
    failed: tuple[tuple[Path, str], ...]
    cluster: ClusterInfo | None
    seconds: float
    warnings: tuple[tuple[Path, str], ...] = ()

    @property
    def ok(self) -> bool:
        """No input failed."""
        return not self.failed


def expand_inputs(inputs: Iterable[PathLike], extensions: Sequence[str] = RAW_EXTENSIONS
                  ) -> list[Path]:
    """Files from files, folders (their files with ``extensions``, not recursive) and glob
    patterns, in the order given, each once.

    Raises
    ------
    InputError
        A path that does not exist, a pattern or folder that matches nothing.
    """
    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in extensions)
            if not found:
                raise InputError(f"{p}: no raw files in this folder "
                                 f"({', '.join(extensions[:6])}, ...)")
            out += found
        elif p.exists():
            out.append(p)
        elif glob.has_magic(str(item)):
            found = sorted(Path(f) for f in glob.glob(str(item)) if Path(f).is_file())
            if not found:
                raise InputError(f"{item}: no file matches this pattern")
            out += found
        else:
            raise InputError(f"{p}: no such file")
    seen: set[Path] = set()
    unique = []
    for p in out:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _check_out_dir(out_dir: Path, inputs: Sequence[PathLike], files: Sequence[Path]) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: -o must be a folder (it is a file)")
    out = out_dir.resolve()
    for item in inputs:
        p = Path(item)
        if p.is_dir() and (out == p.resolve() or p.resolve() in out.parents):
            raise InputError(f"{out_dir}: the output folder is inside the input folder {p}; "
                             "choose a folder outside it")
    for f in files:
        if f.resolve().parent == out:
            raise InputError(f"{out_dir}: the output folder is the folder of the input {f}; "
                             "choose another folder so that no input can be replaced")


def _outputs(files: Sequence[Path], out_dir: Path, fmt: str) -> list[Path]:
    names = [f.stem for f in files]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError("several inputs would write the same output name: " + ", ".join(dupes))
    return [out_dir / f"{f.stem}.{fmt}" for f in files]


def develop(
    inputs: Sequence[PathLike],
    output: PathLike,
    *,
    recipe: str | PathLike | brightroom.Recipe = "default",
    wb: str | float | None = None,
    look: str | PathLike | None = None,
    format: str = "jpg",
    quality: int = 92,
    workers: int | None = None,
    threads_per_worker: int | None = None,
    scheduler: str | None = None,
    memory_limit: str | int | None = None,
    processes: bool = False,
    resume: bool = False,
    overwrite: bool = False,
    dashboard: bool = False,
    retries: int = DEFAULT_RETRIES,
    progress: Progress | None = None,
    on_cluster: Callable[[ClusterInfo], None] | None = None,
) -> BatchResult:
    """Develop many raw files on a Dask cluster: ``brightroom batch develop``.

    Every output is the same image as ``brightroom develop`` of the same file with the same
    recipe (the task calls :func:`brightroom.develop`), written atomically into ``out_dir`` as
    ``<stem>.<format>``.

    Parameters
    ----------
    inputs
        Raw files, folders (their raw files) and glob patterns.
    output
        The output folder (``-o``; created); it holds the manifest ``.brightroom-batch.sqlite``. It may
        not be an input's folder or inside an input folder.
    recipe, wb
        As :func:`brightroom.develop`.
    look
        A look applied after developing (as ``brightroom look apply``), or ``None``.
    format, quality
        Output format (:data:`FORMATS`) and JPEG/HEIC/AVIF quality.
    workers, threads_per_worker, scheduler, memory_limit, processes, dashboard
        Where it runs (:func:`brightroom.batch.engine.connect`): by default a local cluster of
        one single-threaded worker per core, as threads of this process (``processes``: as
        worker processes). The cluster starts while the inputs are hashed.
    resume
        Skip the inputs the manifest records as done with the same content and settings, and
        whose output exists; redo the rest (also the batch's own outputs that changed).
    overwrite
        Replace existing files that the manifest does not know (without it they stop the batch
        before any work).
    retries
        Reruns of a task whose worker died.
    progress, on_cluster
        Callbacks: ``progress(done, total, what)``; ``on_cluster(info)`` once the cluster is up.

    Returns
    -------
    BatchResult

    Raises
    ------
    InputError
        A missing input, a bad output folder, an unreachable scheduler.
    OutputExistsError
        An output exists that is not the batch's own, without ``overwrite``.
    ParameterError, RecipeError
        A bad format, quality or recipe.
    """
    t0 = time.perf_counter()
    fmt = format.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ParameterError(f"unknown --format {format!r}; choose one of {', '.join(FORMATS)}")
    if not 1 <= int(quality) <= 100:
        raise ParameterError(f"--quality must be 1-100, got {quality}")
    if retries < 0:
        raise ParameterError(f"retries must be >= 0, got {retries}")
    rec = brightroom.load_recipe(recipe, wb=wb)
    look_name = None if look is None else str(look)
    if look is not None and not Path(look_name).suffix:
        names = {lk.name for lk in brightroom.look_list()}
        if look_name not in names:
            raise ParameterError(f"unknown look {look_name!r}; built-in looks: "
                                 f"{', '.join(sorted(names))} (or a .toml/.cube/.3dl file)")
    files = expand_inputs(inputs)
    out = Path(output)
    _check_out_dir(out, inputs, files)
    outputs = _outputs(files, out, fmt)
    settings = json.dumps({"recipe": rec.to_toml(), "look": look_name, "format": fmt,
                           "quality": int(quality), "brightroom": __version__}, sort_keys=True)
    s_hash = settings_hash(settings)
    out.mkdir(parents=True, exist_ok=True)

    todo: list[tuple[Path, Path, str]] = []
    skipped: list[Path] = []
    with Manifest(out) as manifest:
        owned = manifest.owned_outputs()
        clash = []
        for dst in outputs:  # every output is checked before any work (no hash needed)
            if dst.exists() and (str(dst) not in owned and not overwrite
                                 or str(dst) in owned and not (resume or overwrite)):
                clash.append(dst)
        if clash:
            more = f" and {len(clash) - 3} more" if len(clash) > 3 else ""
            raise OutputExistsError(
                f"{', '.join(map(str, clash[:3]))}{more} exist; pass --resume to continue this "
                "batch or --overwrite to replace them")
        clean_stale(out)  # temporaries of writers killed in an earlier run
        failed: list[tuple[Path, str]] = []
        warned: list[tuple[Path, str]] = []
        done: list[Path] = []
        info = None
        with contextlib.ExitStack() as stack:
            starting = None
            futures: dict[Any, Path] = {}

            def submit(client: Any, info: ClusterInfo) -> None:
                for src, dst, h in todo[len(futures):]:
                    manifest.pending("develop", str(src.resolve()), h, s_hash, str(dst))
                    # one key per input, output, content and settings: two inputs with the
                    # same content are two tasks (Dask would merge one key into one task)
                    key = settings_hash(f"{src.resolve()}\0{dst.resolve()}\0{h}\0{s_hash}")
                    fut = client.submit(develop_one, str(src), str(dst), rec, look_name,
                                        int(quality), True, info.threads,
                                        key=f"develop-{key}", retries=retries, pure=False)
                    futures[fut] = src

            for src, dst in zip(files, outputs):
                h = file_hash(src)
                row = manifest.get("develop", str(src.resolve()))
                if (resume and row is not None and row.status == "done"
                        and row.input_hash == h and row.settings_hash == s_hash
                        and row.output == str(dst) and dst.exists()):
                    skipped.append(src)
                    continue
                todo.append((src, dst, h))
                if starting is None:  # the cluster starts (its workers warm up) while the
                    starting = stack.enter_context(Starting(  # other inputs are hashed
                        workers=workers, threads_per_worker=threads_per_worker,
                        scheduler=scheduler, dashboard=dashboard, memory_limit=memory_limit,
                        processes=processes, recipe=rec))
                elif starting.ready():  # and tasks start while the rest is hashed
                    submit(*starting.result())
            total = len(todo)
            if progress:
                progress(0, total, "")
            if starting is not None:
                client, info = starting.result()
                if on_cluster:
                    on_cluster(info)
                submit(client, info)
                for n, (fut, r, error) in enumerate(_completed(client, futures, retries), 1):
                    src = futures[fut]
                    if r is not None:
                        error = r.error
                        warned += [(src, text) for text in r.warnings]
                    manifest.finish("develop", str(src.resolve()), error=error,
                                    seconds=None if r is None else r.seconds,
                                    worker=None if r is None else r.worker)
                    if error is None:
                        done.append(Path(r.output))
                    else:
                        failed.append((src, error))
                    if progress:
                        progress(n, total, str(src))
    return BatchResult(out, out / ".brightroom-batch.sqlite", tuple(done), tuple(skipped),
                       tuple(failed), info, time.perf_counter() - t0, tuple(warned))


def _completed(client: Any, futures: dict, retries: int
               ) -> Iterator[tuple[Any, Any, str | None]]:
    """``(future, result, error)`` as the tasks end: ``result`` ``None`` and ``error`` the
    reason when the task itself failed (its worker died ``retries + 1`` times, ...)."""
    from distributed import as_completed  # lazy: imported by the cluster's start (Starting)

    with client.as_current():
        for fut in as_completed(futures, with_results=False):
            try:
                r, error = fut.result(), None
            except Exception as e:  # noqa: BLE001 - KilledWorker and the like
                r, error = None, _task_failure(e, retries)
            yield fut, r, error


def _task_failure(e: BaseException, retries: int) -> str:
    name = type(e).__name__
    if name == "KilledWorker":
        return (f"the worker running it died {retries + 1} time(s) (out of memory or killed); "
                "see the worker's log")
    return f"task failed: {name}: {' '.join(str(e).split())}"


@dataclass(frozen=True)
class CampaignResult:
    """What :func:`lab` did: every run's results, the failures, the leaderboard rows, the report.

    ``runs`` holds :class:`~brightroom.lab.run.LabResults` in (pipeline, camera, seed) order.
    """

    runs: tuple[object, ...]
    failed: tuple[tuple[str, str, int, str], ...]
    entries: tuple[int, ...]
    leaderboard: Path | None
    report: Path | None
    cluster: ClusterInfo | None
    seconds: float
    table: tuple[dict[str, object], ...] = field(default=())

    @property
    def ok(self) -> bool:
        """No run failed."""
        return not self.failed


def parse_seeds(text: str) -> tuple[int, ...]:
    """``"0..9"``, ``"3"`` or ``"0,2,5"`` as seeds (each >= 0).

    Raises
    ------
    ParameterError
        Anything else.
    """
    seeds: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if ".." in part:
                a, b = (int(x) for x in part.split("..", 1))
                if b < a:
                    raise ValueError
                seeds += range(a, b + 1)
            else:
                seeds.append(int(part))
    except ValueError:
        raise ParameterError(f"--seeds {text!r}: give N, A..B or a list like 0,2,5") from None
    if not seeds or min(seeds) < 0:
        raise ParameterError(f"--seeds {text!r}: seeds are integers >= 0")
    return tuple(dict.fromkeys(seeds))


def lab(
    pipelines: Sequence[str],
    cameras: Sequence[str],
    seeds: Sequence[int],
    output: PathLike | None = None,
    *,
    plan: str = "full",
    leaderboard: PathLike | bool | None = None,
    workers: int | None = None,
    threads_per_worker: int | None = None,
    scheduler: str | None = None,
    processes: bool = False,
    dashboard: bool = False,
    retries: int = DEFAULT_RETRIES,
    overwrite: bool = False,
    progress: Progress | None = None,
    on_cluster: Callable[[ClusterInfo], None] | None = None,
) -> CampaignResult:
    """A lab campaign: every pipeline on every camera and seed, as Dask tasks
    (``brightroom batch lab``).

    Each (pipeline, camera, seed) is one task running :func:`brightroom.lab_score` without
    storing; the driver alone stores the results in the leaderboard, one transaction each, and
    writes one report comparing all (``out_dir/campaign.html`` and ``campaign.json``).

    Parameters
    ----------
    pipelines, cameras, seeds
        As :func:`brightroom.lab_score`'s ``pipeline``, ``camera`` and ``seed``.
    output
        Folder for the report (``-o``) (``None``: no report).
    plan
        The lab's shooting plan (:data:`brightroom.LAB_PLANS`).
    leaderboard
        As :func:`brightroom.lab_score`: ``None``/``True`` the default database, a path, or
        ``False`` not to store.
    workers, threads_per_worker, scheduler, processes, dashboard, retries, progress, on_cluster
        As :func:`develop`.
    overwrite
        Replace an existing report.

    Returns
    -------
    CampaignResult
    """
    from brightroom.lab.conditions import check_camera  # lazy: 0.3 s that batch develop skips
    from brightroom.lab.leaderboard import Leaderboard  # lazy: as above

    t0 = time.perf_counter()
    if not pipelines or not cameras or not seeds:
        raise ParameterError("a campaign needs at least one pipeline, camera and seed")
    if plan not in brightroom.LAB_PLANS:
        raise ParameterError(f"unknown plan {plan!r}; choose one of "
                             f"{', '.join(brightroom.LAB_PLANS)}")
    for cam in cameras:
        check_camera(cam)
    out = None if output is None else Path(output)
    if out is not None:
        if out.exists() and not out.is_dir():
            raise InputError(f"{out}: -o must be a folder")
        for name in ("campaign.html", "campaign.json"):
            if (out / name).exists() and not overwrite:
                raise OutputExistsError(f"{out / name} exists; pass --overwrite to replace it")
    jobs = [(p, c, s) for p in pipelines for c in cameras for s in seeds]
    total = len(jobs)
    if progress:
        progress(0, total, "")
    by_job: dict[tuple[str, str, int], LabTaskResult] = {}
    with Starting(workers=workers, threads_per_worker=threads_per_worker, scheduler=scheduler,
                  dashboard=dashboard, processes=processes) as starting:
        client, info = starting.result()
        if on_cluster:
            on_cluster(info)
        futures = {client.submit(lab_one, p, c, s, plan, info.threads,
                                 key=f"lab-{p}-{c}-{s}-{plan}", retries=retries,
                                 pure=False): (p, c, s) for p, c, s in jobs}
        for n, (fut, r, error) in enumerate(_completed(client, futures, retries), 1):
            job = futures[fut]
            by_job[job] = r if r is not None else LabTaskResult(*job, None, error, 0.0, "")
            if progress:
                progress(n, total, "/".join(map(str, job)))
    ordered = [by_job[j] for j in jobs]
    runs = tuple(r.results for r in ordered if r.results is not None)
    failed = tuple((r.pipeline, r.camera, r.seed, r.error or "") for r in ordered
                   if r.results is None)
    entries: list[int] = []
    where = None
    if leaderboard is not False and runs:
        with Leaderboard(None if leaderboard in (None, True) else leaderboard) as lb:
            entries = [lb.add(r) for r in runs]
            where = lb.path
    table = campaign_table(runs)
    report = None
    if out is not None:
        report = write_campaign_report(table, runs, failed, out, overwrite=overwrite)
    return CampaignResult(runs, failed, tuple(entries), where, report, info,
                          time.perf_counter() - t0, tuple(table))
