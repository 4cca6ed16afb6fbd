"""Tests for brightroom._jit: lazy kernels, their AOT build, and when each runs."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from brightroom import _jit
from brightroom._jit import njit, numba_type_key, prange, type_key


@njit(cache=False, inline="always")
def _twice(x):  # pragma: no cover - compiled
    return 2 * x


@njit(cache=False, parallel=True)
def _row_sums_twice(a):  # pragma: no cover - compiled
    out = np.zeros(a.shape[0], a.dtype)
    for i in prange(a.shape[0]):
        s = a.dtype.type(0)
        for j in range(a.shape[1]):
            s += _twice(a[i, j])
        out[i] = s
    return out


def test_kernel_is_lazy_and_runs_like_its_python_function() -> None:
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert isinstance(_row_sums_twice, _jit.Kernel) and _row_sums_twice.key.endswith(
        ":_row_sums_twice")
    expected = 2 * a.sum(axis=1)
    np.testing.assert_array_equal(_row_sums_twice.py_func(a), expected)  # plain Python
    np.testing.assert_array_equal(_row_sums_twice(a), expected)  # compiled
    # the JIT swapped the module's kernels for dispatchers and prange for numba's
    import numba

    assert globals()["prange"] is numba.prange
    assert isinstance(globals()["_twice"], numba.core.registry.CPUDispatcher)
    assert _row_sums_twice.signatures  # the dispatcher's attributes pass through


@njit(cache=False, inline="always")
def _plus_one(x):  # pragma: no cover - compiled
    return x + 1


@njit(cache=False)
def _all_plus_one(a):  # pragma: no cover - compiled
    out = np.empty_like(a)
    for i in range(a.shape[0]):
        out[i] = _plus_one(a[i])
    return out


def test_threads_share_one_jit() -> None:
    from concurrent.futures import ThreadPoolExecutor

    a = np.arange(100, dtype=np.float64)
    with ThreadPoolExecutor(4) as ex:
        outs = list(ex.map(lambda _: _all_plus_one(a), range(8)))
    for out in outs:
        np.testing.assert_array_equal(out, a + 1)


@pytest.mark.parametrize("value", [
    np.zeros((2, 3), np.float32),
    np.zeros((2, 3), np.float64)[:, ::2],
    np.zeros((3, 2), np.uint8, order="F"),
    np.zeros(4, np.int64),
    np.float32(1.5),
    1.5,
    7,
    True,
    (np.zeros((2, 2), np.float32), np.zeros((2, 2), np.float32)),
    (np.zeros(2, np.int64), 3, np.float32(1)),
])
def test_type_key_matches_numba_typeof(value: object) -> None:
    import numba

    assert type_key(value) == numba_type_key(numba.typeof(value))


def test_type_key_of_a_read_only_array() -> None:
    import numba

    a = np.zeros((2, 2), np.float32)
    a.flags.writeable = False
    assert type_key(a) == numba_type_key(numba.typeof(a)) == ("float32", 2, "C", False)
    assert type_key(object()) is None


def _manifest(tmp_path: Path, **changes: object) -> Path:
    src = Path(_jit.__file__).parent / "develop" / "highlights.py"
    man = {"numpy": np.__version__, "python": list(sys.version_info[:2]),
           "cpu_flags": _jit._cpu_flags(),
           "sources": {"develop/highlights.py": hashlib.sha1(src.read_bytes()).hexdigest()},
           "kernels": {}}
    man.update(changes)
    p = tmp_path / "m.json"
    p.write_text(json.dumps(man))
    return p


def test_aot_build_is_refused_when_stale(tmp_path: Path) -> None:
    aot = _jit._Aot(_manifest(tmp_path, sources={"develop/highlights.py": "0" * 40}),
                    module="brightroom._no_such_module")
    assert aot.load() == {} and "changed since the AOT build" in aot.reason
    aot = _jit._Aot(_manifest(tmp_path, numpy="0.1"), module="brightroom._no_such_module")
    assert aot.load() == {} and "NumPy 0.1" in aot.reason
    aot = _jit._Aot(_manifest(tmp_path, cpu_flags="other"), module="brightroom._no_such_module")
    assert aot.load() == {} and "CPU" in aot.reason
    aot = _jit._Aot(tmp_path / "missing.json")
    assert aot.load() == {} and "no AOT build" in aot.reason
    # a current manifest whose module cannot be imported: the JIT runs
    aot = _jit._Aot(_manifest(tmp_path), module="brightroom._no_such_module")
    assert aot.load() == {} and "not importable" in aot.reason


def test_importing_the_pipeline_does_not_import_numba() -> None:
    code = ("import sys, brightroom.api, brightroom.develop.highlights, "
            "brightroom.develop.kernels.rows, brightroom.io.images.jpeg, brightroom.io.dng; "
            "brightroom.load_recipe('default'); print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


_DEVELOP = """
import sys, numpy as np, brightroom
raw = brightroom.read_raw(sys.argv[2])
c = raw.cfa
clip = raw.replace(cfa=np.minimum(c * np.float32(1 / np.quantile(c, 0.7)), np.float32(1)))
out = {}
for name, r in (("plain", raw), ("clipped", clip)):
    for recipe in ("default", "neutral"):
        out[f"{name}-{recipe}"] = brightroom.develop(r, recipe=recipe).data
np.savez(sys.argv[1], **out)
print("numba" in sys.modules)
"""


@pytest.mark.slow
def test_aot_build_matches_the_jit(tmp_path: Path) -> None:
    if not _jit.MANIFEST.exists():
        pytest.skip("no AOT build installed (`make aot` builds it)")
    status = _jit.aot_status()
    assert status.startswith("used"), f"the installed AOT build is not used: {status}"
    from brightroom.charts import natural
    from brightroom.io import write_dng
    from brightroom.lab.camera import simulate

    raw = simulate(natural("astronaut", megapixels=0.1), "flagship-2022", lux=300, cct=4500,
                   iso=400, pattern="RGGB", seed=3)
    dng = write_dng(raw, tmp_path / "sim.dng")
    runs = {}
    for mode in ("1", "0"):
        env = dict(os.environ, BRIGHTROOM_AOT=mode)
        path = tmp_path / f"aot{mode}.npz"
        out = subprocess.run([sys.executable, "-c", _DEVELOP, str(path), str(dng)], env=env,
                             capture_output=True, text=True, check=True)
        runs[mode] = (np.load(path), out.stdout.strip().splitlines()[-1])
    assert runs["1"][1] == "False"  # the AOT run never imported numba
    assert runs["0"][1] == "True"
    for k in runs["1"][0].files:
        a, b = runs["1"][0][k], runs["0"][0][k]
        assert a.shape == b.shape
        # same source, same fastmath, serial instead of parallel sums: float rounding, which
        # can flip a clipped pixel's branch in the highlight rebuild (measured: 1.3e-3 at one
        # pixel, mean 1e-7); display-referred 0..1, so at most one 8-bit level anywhere
        d = np.abs(a - b)
        assert d.max() <= 1 / 255 and d.mean() <= 1e-6, (k, d.max(), d.mean())
