"""Compiled kernels without paying for numba when they are not needed: ``njit`` and ``prange``.

Brightroom's fast paths are numba kernels. Importing numba costs about 0.3 s of CPU (it imports
``scipy.linalg``) and the first call of any cached kernel another 0.3 s (numba's typing and
target set-up), which is most of what a one-photo command costs. So kernel modules decorate
with this module's :func:`njit` (the options of ``numba.njit``, ``cache=True`` as ever)
and loop with its :data:`prange`; nothing here imports numba until a kernel runs just in time.

Each decorated function becomes a :class:`Kernel`. Called from Python it runs

* the **ahead-of-time** build of the same function when one is installed (``make install``
  builds it with ``tools/build_aot.py``: numba's ``pycc`` compiles each kernel, for the
  argument types the default recipes use, into the extension module ``brightroom._aot_kernels``
  beside a manifest ``_aot_kernels.json``; loading it imports no numba), the arguments' types
  match one of the compiled signatures and its largest array has at most
  :data:`AOT_MAX_ELEMENTS` elements (the AOT build runs on one thread: on large frames the
  parallel JIT wins once its fixed cost is paid);
* otherwise the numba JIT dispatcher (``numba.njit(**options)(function)``), made on first use.
  Making it also swaps, in the module globals of the kernel (and, in turn, of every kernel it
  reaches), every :class:`Kernel` for its dispatcher and :data:`prange` for ``numba.prange``,
  so numba compiles kernels that call each other exactly as before.

The AOT build is the same Python source compiled with the same ``fastmath`` and
``error_model``, but serially (``prange`` runs as ``range``) and for the build machine's CPU. It
is used only while the source files it was built from are unchanged (their SHA-1 are in the
manifest), with the same NumPy and the same CPU flags; else the JIT runs, as it does with
``$BRIGHTROOM_AOT=0``. Tests compare the two on every exported kernel (``tests/test_jit.py``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["njit", "prange", "Kernel", "AOT_MAX_ELEMENTS", "aot_status", "type_key", "numba_type_key",
           "kernels", "num_threads"]

_log = logging.getLogger("brightroom.jit")

AOT_MAX_ELEMENTS = 3 * 6_000_000
"""Largest array (elements) a call may pass for the one-thread AOT build to be used (a 6 MP
RGB frame). Counted per call, so between 6 and 18 MP the mosaic kernels (one element a pixel)
still run their AOT build while the RGB ones run the parallel JIT: the same results either way
(``tests/test_jit.py``), numba's set-up paid once for the frame."""

MANIFEST = Path(__file__).with_name("_aot_kernels.json")
AOT_MODULE = "brightroom._aot_kernels"

prange = range
"""``range`` for Python; replaced by ``numba.prange`` in a module's globals when numba compiles
one of its kernels (and run as ``range`` by the AOT build)."""

_KERNELS: dict[str, Kernel] = {}


def num_threads() -> int:
    """The calling thread's numba thread budget, without importing numba.

    ``numba.get_num_threads()`` once numba is imported (a batch worker sets its per-thread count
    with ``numba.set_num_threads``, which imports it); before that, what numba would start with:
    ``$NUMBA_NUM_THREADS`` or the CPU count.
    """
    numba = sys.modules.get("numba")
    if numba is not None:
        return int(numba.get_num_threads())
    try:
        return max(1, int(os.environ.get("NUMBA_NUM_THREADS", "")))
    except ValueError:
        return max(1, os.cpu_count() or 1)


def type_key(x: Any) -> Any:
    """The numba type of an argument, as a plain tuple or string (without importing numba).

    Arrays: ``(dtype, ndim, layout, writeable)``; ``bool``, ``int`` and ``float`` as numba
    types them (``bool``, ``int64``, ``float64``); NumPy scalars by dtype; tuples element-wise.
    ``None`` for anything else (no AOT call).
    """
    if isinstance(x, np.ndarray):
        f = x.flags
        layout = "C" if f.c_contiguous else "F" if f.f_contiguous else "A"
        return (x.dtype.name, x.ndim, layout, bool(f.writeable))
    if isinstance(x, (bool, np.bool_)):
        return "bool"
    if isinstance(x, int):
        return "int64"
    if isinstance(x, float):
        return "float64"
    if isinstance(x, np.generic):
        return x.dtype.name
    if isinstance(x, tuple):
        keys = tuple(type_key(v) for v in x)
        return None if any(k is None for k in keys) else ("tuple", keys)
    return None


def numba_type_key(ty: Any) -> Any:
    """:func:`type_key` of a numba type (what the AOT build records for each signature)."""
    from numba.core import types  # lazy: only the AOT build and the tests read numba types

    if isinstance(ty, types.Array):
        return (ty.dtype.name, ty.ndim, ty.layout, bool(ty.mutable))
    if isinstance(ty, types.Boolean):
        return "bool"
    if isinstance(ty, (types.Integer, types.Float)):
        return ty.name
    if isinstance(ty, types.BaseTuple):
        keys = tuple(numba_type_key(t) for t in ty.types)
        return None if any(k is None for k in keys) else ("tuple", keys)
    return None


def _freeze(k: Any) -> Any:
    """A JSON-decoded key back to the tuples :func:`type_key` makes."""
    if isinstance(k, list):
        return tuple(_freeze(v) for v in k)
    return k


def _largest(args: tuple) -> int:
    n = 0
    for a in args:
        if isinstance(a, np.ndarray):
            n = max(n, a.size)
        elif isinstance(a, tuple):
            n = max(n, _largest(a))
    return n


class _Aot:
    """The installed AOT build: its manifest, checked once, and its module, loaded once."""

    def __init__(self, manifest: Path = MANIFEST, module: str = AOT_MODULE) -> None:
        self.manifest, self.module = manifest, module
        self.table: dict[str, dict[Any, Callable[..., Any]]] | None = None
        self.reason = "not loaded yet"

    def load(self) -> dict[str, dict[Any, Callable[..., Any]]]:
        table = self.table
        if table is not None:
            return table
        with _LOCK:  # threads (batch, studio) share one load
            if self.table is None:
                self.table = self._load()
            return self.table

    def _load(self) -> dict[str, dict[Any, Callable[..., Any]]]:
        if os.environ.get("BRIGHTROOM_AOT", "1") == "0":
            self.reason = "disabled by $BRIGHTROOM_AOT=0"
            return {}
        try:
            man = json.loads(self.manifest.read_text())
        except (OSError, ValueError):
            self.reason = f"no AOT build ({self.manifest.name} missing or unreadable)"
            return {}
        why = self._stale(man)
        if why:
            self.reason = why
            _log.debug("AOT kernels not used: %s", why)
            return {}
        try:
            import importlib  # lazy: the AOT module is optional, imported on first kernel call

            mod = importlib.import_module(self.module)
        except ImportError as e:
            self.reason = f"AOT module not importable: {e}"
            return {}
        table: dict[str, dict[Any, Callable[..., Any]]] = {}
        for key, entries in man["kernels"].items():
            table[key] = {_freeze(tk): getattr(mod, name) for name, tk in entries}
        self.reason = f"used: {sum(map(len, table.values()))} signatures of {len(table)} kernels"
        return table

    @staticmethod
    def _stale(man: dict[str, Any]) -> str:
        if man.get("numpy") != np.__version__:
            return f"built for NumPy {man.get('numpy')}, running {np.__version__}"
        if man.get("python") != list(sys.version_info[:2]):
            return f"built for Python {man.get('python')}"
        if man.get("cpu_flags") != _cpu_flags():
            return "built on a CPU with other instruction-set flags"
        root = Path(__file__).parent  # the package: sources are named relative to it
        for rel, digest in man.get("sources", {}).items():
            try:
                now = hashlib.sha1((root / rel).read_bytes()).hexdigest()
            except OSError:
                return f"source {rel} is missing"
            if now != digest:
                return f"source {rel} changed since the AOT build (run tools/build_aot.py)"
        return ""


_LOCK = threading.RLock()
_AOT = _Aot()


def _cpu_flags() -> str:
    """SHA-1 of the first CPU's instruction-set flags (``/proc/cpuinfo``), ``""`` elsewhere."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return hashlib.sha1(line.split(":", 1)[1].strip().encode()).hexdigest()
    except OSError:
        pass
    return ""


def aot_status() -> str:
    """One line: whether the AOT build is used, and why not if it is not."""
    _AOT.load()
    return _AOT.reason


def kernels() -> dict[str, Kernel]:
    """Every kernel defined so far, by ``module:qualname``."""
    return dict(_KERNELS)


class Kernel:
    """A kernel: its Python function, its numba options, and how it is run (module docstring)."""

    def __init__(self, func: Callable[..., Any], options: dict[str, Any]) -> None:
        self.py_func = func
        self.options = options
        self.key = f"{func.__module__}:{func.__qualname__}"
        self._jit: Any = None  # the dispatcher, once its module's globals are bound
        self._disp: Any = None
        self.__doc__ = func.__doc__
        self.__name__ = func.__name__
        self.__qualname__ = func.__qualname__
        self.__module__ = func.__module__
        self.__wrapped__ = func
        _KERNELS[self.key] = self

    def __repr__(self) -> str:
        return f"<brightroom kernel {self.key}>"

    @property
    def jit(self) -> Any:
        """The numba dispatcher (made, and numba imported, on first use)."""
        if self._jit is None:
            import numba  # lazy: numba's import and set-up cost ~0.6 s; only when the JIT runs

            with _LOCK:
                if self._jit is None:
                    if self._disp is not None:  # asked again while its globals are bound
                        return self._disp
                    self._disp = numba.njit(**self.options)(self.py_func)
                    _bind_globals(self.py_func.__globals__, numba)
                    self._jit = self._disp  # ready: other threads may call it now
        return self._jit

    def aot(self, args: tuple) -> Callable[..., Any] | None:
        """The AOT function for these arguments, or ``None``."""
        table = _AOT.load().get(self.key)
        if not table or _largest(args) > AOT_MAX_ELEMENTS:
            return None
        return table.get(type_key(args))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._jit is None and not kwargs:
            f = self.aot(args)
            if f is not None:
                return f(*args)
        return self.jit(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # the dispatcher's API (``signatures``, ``parallel_diagnostics``, ...); other names
        # are not passed on, so that probing a module's attributes does not start numba
        if name in _DISPATCHER_API or (self._jit is not None and not name.startswith("__")):
            return getattr(self.jit, name)
        raise AttributeError(name)


_DISPATCHER_API = frozenset({
    "signatures", "nopython_signatures", "overloads", "targetoptions", "compile", "recompile",
    "inspect_types", "inspect_llvm", "inspect_asm", "inspect_cfg", "parallel_diagnostics",
    "stats", "get_metadata", "disable_compile", "enable_caching", "get_call_template",
    "typeof_pyval"})


def _bind_globals(g: dict[str, Any], numba: Any) -> None:
    """Swap kernels for dispatchers and :data:`prange` for ``numba.prange`` in ``g``."""
    for name, value in list(g.items()):
        if value is prange and name == "prange":
            g[name] = numba.prange
        elif isinstance(value, Kernel):
            g[name] = value.jit


def njit(func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """``numba.njit`` made lazy (module docstring): ``@njit`` or ``@njit(parallel=True, ...)``."""

    def deco(f: Callable[..., Any]) -> Kernel:
        return Kernel(f, dict(options))

    return deco(func) if func is not None else deco
