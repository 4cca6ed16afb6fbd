"""The Dask side of a batch: a local cluster sized to the machine, or a user's scheduler.

Workers are processes started with ``spawn`` (numba's OpenMP layer is not fork-safe), each
running **one task at a time** (``nthreads=1`` in Dask's sense) whose kernels use the cores the
worker owns: ``NUMBA_NUM_THREADS``, ``OMP_NUM_THREADS`` and OpenCV's thread count are set to
``threads_per_worker`` in the worker's environment and again by each task
(:func:`brightroom.batch.tasks.limit_threads`), so ``workers x threads_per_worker`` never exceeds
the cores and nothing is oversubscribed. The default on a machine with ``C`` cores is ``C``
workers of one thread: image tasks scale better across processes than across threads of one
task.

Each worker's memory limit is the machine's memory divided by the workers (Dask's default);
tasks check their input's size against it before decoding
(:func:`brightroom.batch.tasks.check_memory`).
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import dask
from distributed import Client, LocalCluster

from brightroom.errors import InputError, ParameterError

__all__ = ["ClusterInfo", "connect", "machine_cores"]


def machine_cores() -> int:
    """The cores this process may use (its CPU affinity, else the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class ClusterInfo:
    """Where a batch ran: ``address`` of the scheduler, ``workers`` and their ``threads``
    (kernel threads per worker; ``None`` for a user's cluster), the ``dashboard`` link."""

    address: str
    workers: int
    threads: int | None
    dashboard: str | None
    local: bool


def _thread_env(threads: int) -> dict[str, str]:
    n = str(threads)
    return {"NUMBA_NUM_THREADS": n, "OMP_NUM_THREADS": n, "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", "BRIGHTROOM_BATCH_THREADS": n}


@contextlib.contextmanager
def connect(*, workers: int | None = None, threads_per_worker: int | None = None,
            scheduler: str | None = None, dashboard: bool = False,
            memory_limit: str | int | None = None,
            timeout: float = 10.0) -> Iterator[tuple[Client, ClusterInfo]]:
    """A Dask client for one batch; the local cluster (if any) is closed on exit.

    Parameters
    ----------
    workers, threads_per_worker
        Local cluster only: worker processes (default: one per core, or ``cores //
        threads_per_worker``) and kernel threads per worker (default ``cores // workers``).
    scheduler
        ``tcp://HOST:PORT`` of a running ``dask scheduler`` instead of a local cluster.
    dashboard
        Serve the local cluster's dashboard (on a free port) and return its link.
    memory_limit
        Per-worker memory limit of the local cluster (Dask's forms: bytes, ``"4GB"``,
        ``"auto"``); default: the machine's memory divided by the workers.
    timeout
        Seconds to wait for a scheduler.

    Raises
    ------
    ParameterError
        Both ``scheduler`` and local-cluster options, or counts below 1.
    InputError
        The scheduler cannot be reached.
    """
    if scheduler is not None:
        if workers is not None or threads_per_worker is not None:
            raise ParameterError("--workers/--threads-per-worker size a local cluster; "
                                 "with --scheduler the cluster's own workers run the batch")
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

    cores = machine_cores()
    for name, value in (("workers", workers), ("threads-per-worker", threads_per_worker)):
        if value is not None and value < 1:
            raise ParameterError(f"--{name} must be at least 1, got {value}")
    if workers is None:
        workers = max(1, cores // (threads_per_worker or 1))
    if threads_per_worker is None:
        threads_per_worker = max(1, cores // workers)
    # spawn, not fork: numba's OpenMP layer is not fork-safe. No nanny-side "worker died"
    # noise on stderr (the batch reports what it retried).
    # Dask warns (with a source line) when a port is taken and it picks another: the local
    # cluster asks for free ports, and the CLI's stderr stays Brightroom's one line per error.
    with warnings.catch_warnings(), dask.config.set({
            "distributed.worker.multiprocessing-method": "spawn",
                          "distributed.worker.daemon": True,
                          "distributed.logging.distributed": "error",
                          "distributed.admin.tick.limit": "10s"}):
        warnings.filterwarnings("ignore", module=r"distributed(\..*)?")
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               memory_limit="auto" if memory_limit is None else memory_limit,
                               dashboard_address=":0",
                               env=_thread_env(threads_per_worker), silence_logs=50,
                               host="127.0.0.1")
        try:
            client = Client(cluster, set_as_default=False)
            try:
                info = ClusterInfo(cluster.scheduler_address, workers, threads_per_worker,
                                   client.dashboard_link if dashboard else None, True)
                yield client, info
            finally:
                client.close()
        finally:
            cluster.close()
