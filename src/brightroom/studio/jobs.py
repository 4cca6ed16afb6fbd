"""The studio's jobs: long work (exports, portraits, bursts, lab scores) in a bounded pool of
spawned processes, with events for the page and cancellation.

A job is a process (started with ``spawn``: numba's OpenMP layer is not fork-safe) running one
public-API call on paths; it reports ``started``, then ``done`` with its output's name or
``error`` with a one-line message, through a queue. At most ``workers`` run at once and at most
``queue`` wait; beyond that :meth:`JobManager.submit` raises :class:`Saturated` (HTTP 503).
Cancelling terminates the process; outputs are written atomically by the API, so a cancelled
job leaves no partial file. A job that fails or crashes never takes the server down.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import queue as queue_mod
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["JobManager", "Job", "Saturated", "JOB_KINDS"]

JOB_KINDS = ("export", "portrait", "night", "hdr", "scan", "animate", "stabilize", "lab_score",
             "batch")
"""What a job can do (``POST /api/jobs`` ``kind``)."""


class Saturated(RuntimeError):
    """Too many jobs are running and waiting (HTTP 503)."""


@dataclass
class Job:
    """One job's state as the page sees it."""

    id: str
    kind: str
    params: dict[str, Any]
    state: str = "queued"  # queued, running, done, failed, cancelled
    output: str | None = None
    error: str | None = None
    created: float = field(default_factory=time.time)
    events: list[dict[str, Any]] = field(default_factory=list)
    process: Any = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"id": self.id, "kind": self.kind, "state": self.state, "output": self.output,
                "error": self.error, "created": self.created}


def _run(kind: str, params: dict[str, Any], out: mp.Queue) -> None:  # pragma: no cover - child
    """The child process: one API call, then one event."""
    import warnings  # lazy: the child's own imports, after spawn

    warnings.filterwarnings("ignore")
    import brightroom  # lazy: after spawn, in the child

    out.put({"event": "started", "time": time.time()})
    try:
        target = Path(params["output"])
        if kind == "export" and params.get("edits"):
            # the editor's own call, as `brightroom edit` makes it (no sidecar in the library)
            import tempfile  # lazy: after spawn, in the child

            with tempfile.TemporaryDirectory() as d:
                lst = Path(d) / "edits.toml"
                lst.write_text(params["edits"], encoding="utf-8")
                look, strength = params.get("look"), float(params.get("strength", 1.0))
                whole = look is None or strength == 1.0
                res = brightroom.edit(params["input"], target if whole else None, edits=lst,
                                      look=look if whole else None,
                                      recipe=params.get("recipe", "default"), save=False,
                                      quality=int(params.get("quality", 92)))
                if not whole:
                    brightroom.look_apply(res.image, look, target, strength=strength,
                                          quality=int(params.get("quality", 92)))
        elif kind == "export":
            photo = brightroom.develop(params["input"], recipe=params.get("recipe", "default"),
                                       wb=params.get("wb")) if params["raw"] else params["input"]
            if params.get("look"):
                brightroom.look_apply(photo, params["look"], target,
                                      strength=float(params.get("strength", 1.0)),
                                      quality=int(params.get("quality", 92)))
            elif params["raw"]:
                brightroom.develop(params["input"], target, recipe=params.get("recipe", "default"),
                                   wb=params.get("wb"), quality=int(params.get("quality", 92)))
            else:
                brightroom.look_apply(photo, "natural", target, strength=0.0,
                                      quality=int(params.get("quality", 92)))
        elif kind == "portrait":
            brightroom.portrait(params["input"], target, aperture=float(params.get("aperture", 2.0)),
                                focus=params.get("focus"))
        elif kind in ("night", "hdr"):
            brightroom.develop(params["inputs"], target, burst=True, mode=kind,
                               recipe=params.get("recipe", "default"))
        elif kind == "scan":
            brightroom.scan(params["input"], target, mode=params.get("mode", "color"),
                            corners=params.get("corners"))
        elif kind == "animate":
            brightroom.animate(params["inputs"], target, fps=params.get("fps"),
                               width=params.get("width"), start=float(params.get("start", 0.0)),
                               duration=params.get("duration"), max_size=params.get("max_size"))
        elif kind == "stabilize":
            brightroom.stabilize(params["input"], target,
                                 smoothness=float(params.get("smoothness", 1.0)))
        elif kind == "batch":
            import brightroom.batch  # lazy: Dask, in this job's child only

            res = brightroom.batch.develop(params["inputs"], target,
                                           recipe=params.get("recipe", "default"),
                                           look=params.get("look"),
                                           format=params.get("format", "jpg"), workers=1)
            if res.failed:
                first = res.failed[0]
                raise brightroom.BrightroomError(
                    f"{len(res.failed)} of {len(params['inputs'])} failed (the rest are in "
                    f"{target.name}); {first[0].name}: {first[1]}")
        elif kind == "lab_score":
            brightroom.lab_score(params.get("pipeline", "default"), target,
                                 plan=params.get("plan", "quick"),
                                 leaderboard=params.get("leaderboard"))
        out.put({"event": "done", "output": target.name, "time": time.time()})
    except brightroom.BrightroomError as e:
        out.put({"event": "error", "error": " ".join(str(e).split()), "time": time.time()})
    except Exception as e:  # noqa: BLE001 - reported to the page, the server goes on
        out.put({"event": "error", "error": f"internal error: {type(e).__name__}: "
                 f"{' '.join(str(e).split())}", "time": time.time()})


class JobManager:
    """A bounded pool of job processes (see the module docstring)."""

    def __init__(self, workers: int = 2, queue: int = 16) -> None:
        self.workers, self.max_queue = max(1, workers), max(0, queue)
        self.jobs: dict[str, Job] = {}
        self._waiting: list[Job] = []
        self._running: dict[str, tuple[Job, mp.Queue]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._ctx = mp.get_context("spawn")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="studio-jobs", daemon=True)
        self._thread.start()

    def submit(self, kind: str, params: dict[str, Any]) -> Job:
        """Queue a job; raises :class:`Saturated` when the pool and its queue are full."""
        with self._lock:
            if len(self._running) >= self.workers and len(self._waiting) >= self.max_queue:
                raise Saturated(f"{len(self._running)} jobs running and {len(self._waiting)} "
                                "waiting; try again when one has finished")
            job = Job(f"j{next(self._ids)}", kind, params)
            job.events.append({"event": "queued", "time": job.created})
            self.jobs[job.id] = job
            self._waiting.append(job)
        return job

    def cancel(self, job_id: str) -> Job:
        """Cancel a waiting or running job (a finished one stays as it is)."""
        with self._lock:
            job = self.jobs[job_id]
            if job.state == "queued":
                self._waiting.remove(job)
            elif job.state == "running" and job.process is not None:
                job.process.terminate()
                self._running.pop(job.id, None)
            else:
                return job
            job.state = "cancelled"
            job.events.append({"event": "cancelled", "time": time.time()})
        return job

    def close(self) -> None:
        """Stop every job and the manager."""
        self._stop.set()
        with self._lock:
            for job, _ in self._running.values():
                if job.process is not None:
                    job.process.terminate()
        self._thread.join(timeout=5)

    def _drain(self, job: Job, q: mp.Queue) -> None:
        try:
            while True:
                ev = q.get(timeout=0.01)
                with self._lock:
                    if job.state == "cancelled":
                        continue
                    job.events.append(ev)
                    if ev["event"] == "done":
                        job.state, job.output = "done", ev.get("output")
                    elif ev["event"] == "error":
                        job.state, job.error = "failed", ev.get("error")
        except (queue_mod.Empty, OSError, ValueError, EOFError):
            pass

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                while self._waiting and len(self._running) < self.workers:
                    job = self._waiting.pop(0)
                    q = self._ctx.Queue()
                    job.process = self._ctx.Process(target=_run, args=(job.kind, job.params, q),
                                                    daemon=True)
                    job.process.start()
                    job.state = "running"
                    self._running[job.id] = (job, q)
                running = list(self._running.values())
            for job, q in running:
                self._drain(job, q)
                if job.process is not None and not job.process.is_alive():
                    job.process.join()
                    self._drain(job, q)
                    with self._lock:
                        if job.state == "running":  # died without a word (killed, crashed)
                            job.state = "failed"
                            job.error = (f"the job's process ended with status "
                                         f"{job.process.exitcode} before finishing")
                            job.events.append({"event": "error", "error": job.error,
                                               "time": time.time()})
                        self._running.pop(job.id, None)
            time.sleep(0.05)
