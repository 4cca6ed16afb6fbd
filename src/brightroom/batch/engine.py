"""The Dask side of a batch: a local cluster sized to the machine, or a user's scheduler.

The default local cluster is **one process**: ``workers`` Dask workers in the batch's own
process, each running one task at a time in its own thread. Brightroom's develop is numba and
OpenCV kernels that release the GIL (``nogil=True``; OpenCV and NumPy release it in their C
code), so threads run side by side on the cores like processes do, and a batch pays the
start-up of one Python process (imports, numba's cached kernels) instead of one per worker
(BENCHMARKS.md, "Batch on Dask: start-up and cluster shape"). With ``processes=True`` the
workers are processes started with ``spawn`` (numba's OpenMP layer is not fork-safe), each
under a nanny: a worker that dies (out of memory, killed) is restarted and its task retried
elsewhere, and each worker's memory is its own.

Either way each task's kernels use ``threads_per_worker`` threads (numba per thread, OpenCV per
process; :func:`brightroom.batch.tasks.limit_threads`), so ``workers x threads_per_worker``
never exceeds the cores and nothing is oversubscribed; the default on a machine with ``C``
cores is ``C`` workers of one thread (image tasks scale better across tasks than across the
threads of one task). Every local worker warms up before its first task
(:mod:`brightroom.batch.warm`) while the driver hashes the inputs.

Each worker's memory limit is the machine's memory divided by the workers (Dask's default);
tasks check their input's size against it before decoding
(:func:`brightroom.batch.tasks.check_memory`). In one process, Dask's own memory policing
(spilling, pausing: it measures the whole process against one worker's share) is off.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from brightroom.batch import warm
from brightroom.errors import InputError, ParameterError

__all__ = ["ClusterInfo", "Starting", "connect", "machine_cores"]


def machine_cores() -> int:
    """The cores this process may use (its CPU affinity, else the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class ClusterInfo:
    """Where a batch ran: ``address`` of the scheduler, ``workers`` and their ``threads``
    (kernel threads per worker; ``None`` for a user's cluster), the ``dashboard`` link, and
    whether the local workers were ``processes`` (``None`` for a user's cluster)."""

    address: str
    workers: int
    threads: int | None
    dashboard: str | None
    local: bool
    processes: bool | None = None


def _thread_env(threads: int) -> dict[str, str]:
    n = str(threads)
    return {"NUMBA_NUM_THREADS": n, "OMP_NUM_THREADS": n, "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", "BRIGHTROOM_BATCH_THREADS": n}


def _config(processes: bool) -> dict[str, Any]:
    config: dict[str, Any] = {
        "distributed.worker.multiprocessing-method": "spawn",
        "distributed.worker.daemon": True,
        "distributed.logging.distributed": "error",
        "distributed.admin.tick.limit": "10s",
    }
    if not processes:  # one process: its size is not one worker's
        config.update({"distributed.worker.memory.target": False,
                       "distributed.worker.memory.spill": False,
                       "distributed.worker.memory.pause": False,
                       "distributed.worker.memory.terminate": False})
    return config


@contextlib.contextmanager
def connect(*, workers: int | None = None, threads_per_worker: int | None = None,
            scheduler: str | None = None, dashboard: bool = False,
            memory_limit: str | int | None = None, processes: bool = False,
            recipe: object = "default", timeout: float = 10.0) -> Iterator[tuple[Any, ClusterInfo]]:
    """A Dask client for one batch; the local cluster (if any) is closed on exit.

    Parameters
    ----------
    workers, threads_per_worker
        Local cluster only: workers (default: one per core, or ``cores //
        threads_per_worker``) and kernel threads per worker (default ``cores // workers``).
    scheduler
        ``tcp://HOST:PORT`` of a running ``dask scheduler`` instead of a local cluster.
    dashboard
        Serve the local cluster's dashboard (on a free port) and return its link.
    memory_limit
        Per-worker memory limit of the local cluster (Dask's forms: bytes, ``"4GB"``,
        ``"auto"``); default: the machine's memory divided by the workers.
    processes
        Local cluster only: worker processes under nannies instead of threads of this process.
    recipe
        The recipe the local workers warm up with (:func:`brightroom.batch.warm.warm`).
    timeout
        Seconds to wait for a scheduler.

    Raises
    ------
    ParameterError
        Both ``scheduler`` and local-cluster options, or counts below 1.
    InputError
        The scheduler cannot be reached.
    """
    from distributed import Client, LocalCluster  # lazy: 0.3-0.8 s, overlapped by Starting

    if scheduler is not None:
        if workers is not None or threads_per_worker is not None or processes:
            raise ParameterError("--workers/--threads-per-worker/--processes size a local "
                                 "cluster; with --scheduler the cluster's own workers run the "
                                 "batch")
        try:
            client = Client(scheduler, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as e:
            raise InputError(f"cannot reach the Dask scheduler {scheduler}: "
                             f"{' '.join(str(e).split()) or type(e).__name__}") from None
        try:
            info = ClusterInfo(scheduler, len(client.scheduler_info().get("workers", {})),
                               None, client.dashboard_link if dashboard else None, False)
            yield client, info
        finally:
            client.close()
        return

    import cv2  # lazy: already loaded by the tasks module; here to restore its thread count
    import dask  # lazy: with distributed

    cores = machine_cores()
    for name, value in (("workers", workers), ("threads-per-worker", threads_per_worker)):
        if value is not None and value < 1:
            raise ParameterError(f"--{name} must be at least 1, got {value}")
    if workers is None:
        workers = max(1, cores // (threads_per_worker or 1))
    if threads_per_worker is None:
        threads_per_worker = max(1, cores // workers)
    cv2_threads = cv2.getNumThreads()
    # No nanny-side "worker died" noise on stderr (the batch reports what it retried). Dask
    # warns (with a source line) when a port is taken and it picks another: the local
    # cluster asks for free ports, and the CLI's stderr stays Brightroom's one line per error.
    with warnings.catch_warnings(), dask.config.set(_config(processes)):
        warnings.filterwarnings("ignore", module=r"distributed(\..*)?")
        if processes:
            kwargs: dict[str, Any] = {"processes": True, "host": "127.0.0.1",
                                      "env": _thread_env(threads_per_worker),
                                      "preload": ["brightroom.batch.warm"]}
        else:
            warm.start(recipe)  # this process is the workers' process
            kwargs = {"processes": False}
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                               memory_limit="auto" if memory_limit is None else memory_limit,
                               dashboard_address=":0" if dashboard else None, silence_logs=50,
                               **kwargs)
        try:
            client = Client(cluster, set_as_default=False)
            try:
                info = ClusterInfo(cluster.scheduler_address, workers, threads_per_worker,
                                   client.dashboard_link if dashboard else None, True,
                                   processes)
                yield client, info
            finally:
                client.close()
        finally:
            cluster.close()
            cv2.setNumThreads(cv2_threads)


class Starting:
    """:func:`connect` entered in a background thread, so that the cluster starts (and its
    workers warm up) while the caller does other work: :meth:`result` waits for the client,
    :meth:`close` closes it (also when :meth:`result` was never called)."""

    def __init__(self, **kwargs: Any) -> None:
        self._cm = connect(**kwargs)
        self._value: tuple[Any, ClusterInfo] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._enter, name="brightroom-cluster",
                                        daemon=True)
        self._thread.start()

    def _enter(self) -> None:
        try:
            self._value = self._cm.__enter__()
        except BaseException as e:  # noqa: BLE001 - raised again by result()
            self._error = e

    def ready(self) -> bool:
        """Whether :meth:`result` would return (or raise) at once."""
        return not self._thread.is_alive()

    def result(self) -> tuple[Any, ClusterInfo]:
        """The ``(client, info)`` of :func:`connect`, or its error raised here."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value

    def close(self) -> None:
        """Close the client and the local cluster."""
        self._thread.join()
        if self._value is not None:
            self._value = None
            self._cm.__exit__(None, None, None)

    def __enter__(self) -> Starting:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
