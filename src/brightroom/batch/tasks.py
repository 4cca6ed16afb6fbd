"""What a batch worker runs: one input in, one output written atomically, a small result back.

Tasks receive paths and parameters, never pixels, and return a :class:`TaskResult` of a few
fields, so nothing large travels through the scheduler. A Brightroom error (a corrupt or
unsupported file, ...) is returned as the result's one-line ``error``, not raised, so the batch
records it and goes on; Dask retries only a task whose worker died (out of memory, killed).

Tasks may run in threads of one process (a threads-based local cluster, ``dask worker --nthreads
N``): each sets numba's thread count for its own thread (numba's setting is per thread), records
only its own warnings (:mod:`.recording`), and first waits for the process's warm-up
(:mod:`.warm`) if one is running.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numba

import brightroom
from brightroom.batch import warm
from brightroom.batch.recording import recorded_warnings
from brightroom.errors import BrightroomError, InputError

__all__ = ["TaskResult", "develop_one", "lab_one", "limit_threads", "check_memory",
           "BYTES_PER_PIXEL"]

BYTES_PER_PIXEL = 56
"""Peak memory of developing one raw pixel with the default recipe, bytes (measured: 571 MiB for
a 12 MP DNG with the fused schedule, ~48 B/px, plus margin)."""

_cv2_lock = threading.Lock()
_cv2_threads: int | None = None


@dataclass(frozen=True)
class TaskResult:
    """What one task sends back: ``error`` is ``None`` on success, else its one-line reason;
    ``warnings`` the one-line texts of the warnings the work raised (the driver reports them)."""

    input: str
    output: str
    error: str | None
    seconds: float
    worker: str
    warnings: tuple[str, ...] = ()


def limit_threads(threads: int | None = None) -> int:
    """Cap numba's threads (in the calling thread) and OpenCV's (in the process) at the cores
    this task may use; returns the count.

    ``threads`` is given by a local batch cluster; else it comes from
    ``BRIGHTROOM_BATCH_THREADS``, else the worker's own ``NUMBA_NUM_THREADS``.
    """
    global _cv2_threads
    n = threads or int(os.environ.get("BRIGHTROOM_BATCH_THREADS")
                       or numba.config.NUMBA_NUM_THREADS)
    n = max(1, min(n, numba.config.NUMBA_NUM_THREADS))
    numba.set_num_threads(n)  # per thread: cheap, and a pool thread may serve several workers
    with _cv2_lock:
        if _cv2_threads != n:
            cv2.setNumThreads(n)
            _cv2_threads = n
    return n


def _declared_pixels(path: Path) -> int | None:
    """The raw's pixel count from its header (LibRaw opens it without unpacking), or None."""
    import rawpy  # lazy: only on workers, and only for the size check

    raw = rawpy.RawPy()
    try:
        raw.open_file(str(path))
        s = raw.sizes
        return int(s.raw_height) * int(s.raw_width)
    except Exception:  # noqa: BLE001 - develop itself reports what is wrong with the file
        return None
    finally:
        raw.close()


def _worker_memory_limit() -> int | None:
    try:
        from distributed import get_worker  # lazy: only inside a Dask worker

        limit = get_worker().memory_manager.memory_limit
    except (ImportError, ValueError, AttributeError):
        return None
    return int(limit) if limit else None


def check_memory(path: Path, limit: int | None) -> None:
    """Refuse ``path`` before decoding when developing it would exceed ``limit`` bytes.

    Raises
    ------
    InputError
        The estimate (pixels x :data:`BYTES_PER_PIXEL`) is above 90 % of the limit; the message
        gives both and says how to raise the limit.
    """
    if not limit:
        return
    pixels = _declared_pixels(path)
    if pixels is None:
        return
    need = pixels * BYTES_PER_PIXEL
    if need > 0.9 * limit:
        raise InputError(
            f"{path}: {pixels / 1e6:.0f} MP needs about {need / 2**30:.1f} GiB to develop, more "
            f"than a worker's memory limit of {limit / 2**30:.1f} GiB; use fewer workers "
            "(--workers) or a larger --memory-limit")


def _worker_name() -> str:
    try:
        from distributed import get_worker  # lazy: only inside a Dask worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"{socket.gethostname()}:{os.getpid()}"


def develop_one(src: str, dst: str, recipe: object, look: str | None, quality: int,
                overwrite: bool, threads: int | None = None) -> TaskResult:
    """Develop ``src`` into ``dst`` exactly as ``brightroom develop`` does (then the look), with
    ``threads`` kernel threads (see :func:`limit_threads`)."""
    t0 = time.perf_counter()
    warm.wait()
    limit_threads(threads)
    error = None
    caught: list = []
    try:
        with recorded_warnings() as caught:
            check_memory(Path(src), _worker_memory_limit())
            if look is None:
                brightroom.develop(src, dst, recipe=recipe, quality=quality, overwrite=overwrite)
            else:
                photo = brightroom.develop(src, recipe=recipe)
                brightroom.look_apply(photo, look, dst, quality=quality, overwrite=overwrite)
    except BrightroomError as e:
        error = " ".join(str(e).split()) or type(e).__name__
    except MemoryError:
        error = f"{src}: out of memory while developing"
    except Exception as e:  # noqa: BLE001 - a bug on one file is recorded, the batch goes on
        error = f"internal error: {type(e).__name__}: {' '.join(str(e).split())}"
    texts = tuple(dict.fromkeys(" ".join(str(w.message).split()) for w in caught
                                if "Matplotlib" not in str(w.message)))
    return TaskResult(src, dst, error, time.perf_counter() - t0, _worker_name(), texts)


@dataclass(frozen=True)
class LabTaskResult:
    """One lab run's results (``results`` is ``None`` when it failed with ``error``)."""

    pipeline: str
    camera: str
    seed: int
    results: object | None
    error: str | None
    seconds: float
    worker: str


def lab_one(pipeline: str, camera: str, seed: int, plan: str,
            threads: int | None = None) -> LabTaskResult:
    """Score one pipeline on one camera and seed (not stored: the driver stores every result)."""
    t0 = time.perf_counter()
    warm.wait()
    limit_threads(threads)
    results, error = None, None
    try:
        results = brightroom.lab_score(pipeline, camera=camera, seed=seed, plan=plan,
                                       leaderboard=False).results
    except BrightroomError as e:
        error = " ".join(str(e).split()) or type(e).__name__
    except Exception as e:  # noqa: BLE001
        error = f"internal error: {type(e).__name__}: {' '.join(str(e).split())}"
    return LabTaskResult(pipeline, camera, seed, results, error, time.perf_counter() - t0,
                         _worker_name())
