"""brightroom.batch.warm: the develop kernels are loaded before the first task, silently."""

from __future__ import annotations

import subprocess
import sys


def test_warm_loads_the_develop_kernels_in_a_fresh_process(tmp_path) -> None:
    code = """
from brightroom.batch import warm
from brightroom.develop.demosaic._malvar2004_numba import _malvar_kernel
from brightroom.develop.kernels.rows import run_rows
assert not run_rows.signatures and not _malvar_kernel.signatures
assert warm.wait() is None                      # nothing started: a task does not wait
warm.dask_setup(None)                           # Dask's preload hook starts it...
assert not warm.start()                         # ...once per process
seconds = warm.wait()
assert seconds is not None and seconds > 0
assert run_rows.signatures and _malvar_kernel.signatures
print("ok")
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "ok\n" and run.stderr == ""  # no printing, no warnings shown
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_warm_swallows_a_bad_recipe() -> None:
    from brightroom.batch import warm

    assert warm.warm(recipe="no-such-recipe") >= 0
