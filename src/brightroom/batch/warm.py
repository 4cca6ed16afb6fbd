"""Warm a batch worker before its first task: import the pipeline and load its kernels.

A fresh Python process that develops its first raw spends about a second, before any pixel is
computed, importing the pipeline's modules and loading numba's cached machine code (the first
load also makes numba read its type registries and import SciPy's BLAS). :func:`warm` does that
work on a tiny synthetic mosaic (64 x 96, RGGB), so that it overlaps what the batch's driver
does meanwhile (hashing the inputs for the manifest, starting the cluster) instead of delaying
the first file. It writes nothing, prints nothing, and whatever fails in it only means that a
task loads the kernel itself.

A local batch cluster starts it for its workers: in its own process for a threads-based cluster,
or as Dask's worker preload (``dask_setup``) for worker processes. A user's ``dask worker`` gets
it with ``--preload brightroom.batch.warm``. :func:`wait` (called by each task) returns once the
warm-up started in this process, if any, has ended.
"""

from __future__ import annotations

import threading
import time

import numpy as np

import brightroom
from brightroom.batch.recording import recorded_warnings
from brightroom.io.images.jpeg import encode_jpeg, encode_jpeg_parallel
from brightroom.types import CameraInfo, CFAPattern, RawImage

__all__ = ["warm", "start", "wait", "dask_setup"]

_lock = threading.Lock()
_done = threading.Event()
_started = False
_seconds: float | None = None


def _mosaic() -> RawImage:
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:64, 0:96]
    cfa = (0.05 + 0.5 * (x / 96) * (y / 64) + rng.normal(0, 0.01, (64, 96))).astype(np.float32)
    xyz_to_cam = np.array([[0.9, -0.3, -0.1], [-0.4, 1.2, 0.2], [-0.1, 0.2, 0.6]])
    camera = CameraInfo(color_matrix1=xyz_to_cam, as_shot_neutral=(0.5, 1.0, 0.7), iso=100,
                        exposure_time=0.01, f_number=2.0, focal_length=5.0)
    return RawImage(cfa, CFAPattern("RGGB"), camera)


def warm(recipe: object = "default") -> float:
    """Develop a tiny synthetic mosaic with ``recipe`` and encode it as JPEG (one pass and the
    band-parallel encoder), which loads every kernel a develop of a Bayer raw uses; returns the
    seconds it took. Warnings and errors are swallowed (a warm-up only saves time)."""
    t0 = time.perf_counter()
    try:
        with recorded_warnings():
            photo = brightroom.develop(_mosaic(), recipe=recipe)
            encode_jpeg(photo.data)
            encode_jpeg_parallel(photo.data, chunks=2, workers=1)
    except Exception:  # noqa: BLE001, S110 - best effort: the task loads what is missing
        pass
    return time.perf_counter() - t0


def _run(recipe: object) -> None:
    global _seconds
    try:
        _seconds = warm(recipe)
    finally:
        _done.set()


def start(recipe: object = "default") -> bool:
    """Start :func:`warm` in a daemon thread of this process, once; ``False`` if it already was."""
    global _started
    with _lock:
        if _started:
            return False
        _started = True
    threading.Thread(target=_run, args=(recipe,), name="brightroom-warm", daemon=True).start()
    return True


def wait(timeout: float = 300.0) -> float | None:
    """Wait for this process's warm-up, if one was started; its seconds, or ``None``."""
    if _started:
        _done.wait(timeout)
    return _seconds


def dask_setup(worker: object) -> None:
    """Dask's worker preload hook (``dask worker --preload brightroom.batch.warm``): start the
    warm-up in the background; the worker joins its scheduler meanwhile."""
    start()
