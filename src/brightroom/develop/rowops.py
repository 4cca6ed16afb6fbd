"""Row operations: the constants a pointwise stage's plan produces, and how they run.

A *row stage* (:class:`brightroom.develop.pipeline.RowStage`) does not touch pixels itself:
its ``plan`` makes the global decisions (a matrix, a curve, a gain map) and returns them as a
tuple of row operations. Each operation has

* a NumPy reference (:meth:`RowOp.reference`), the readable definition, tested against
* the compiled row function of the row machine (:mod:`brightroom.develop.kernels.rows`), which
  runs a whole chain of operations in one pass (:func:`run_ops`).

Whether a chain is one stage's operations (the ``reference`` schedule) or several stages'
(``fused``) only changes how many operations go into one pass.

Operations:

================  ============================================================================
:class:`Matrix`   ``rgb <- M rgb`` (colour conversion, white balance, exposure, gains); linear
:class:`AddLuma`  ``rgb <- rgb + d`` with a per-pixel plane ``d`` (sharpening's detail); linear
:class:`Tone`     exposure, local gain and filmic curve (:mod:`brightroom.develop.tone`)
:class:`Encode`   clip to [0, 1] and a transfer curve through a 65 537-entry table
:class:`Curves`   per-channel curves on [0, 1] through tables
================  ============================================================================

*Linear* operations commute with area downsampling, so the preview a later stage's plan looks
at (:meth:`brightroom.develop.pipeline.StageInput.preview`) can be made by running them on the
downsampled input of a fused chain; a non-linear one before such a plan ends the chain there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import cv2
import numpy as np

from brightroom.develop.kernels import rows
from brightroom.errors import ParameterError

__all__ = ["RowOp", "Matrix", "AddLuma", "Encode", "Curves", "Packer", "PackFull", "run_ops",
           "run_ops_luma", "reference_ops", "area_downsample", "fold_matrices"]


def area_downsample(a: np.ndarray, factor: int) -> np.ndarray:
    """Area-average ``a`` (``H x W`` or ``H x W x C``) by ``factor``, sizes rounded up."""
    h, w = a.shape[:2]
    hs, ws = max(1, -(-h // factor)), max(1, -(-w // factor))
    return cv2.resize(np.ascontiguousarray(a, np.float32), (ws, hs), interpolation=cv2.INTER_AREA)


class PackFull(Exception):
    """A chain holds more arrays than one pass of the row machine takes (the schedule splits)."""


class Packer:
    """Packs a chain of operations into the row machine's flat arrays.

    Operations call :meth:`plane`, :meth:`vec` and :meth:`ints` to store their arrays and
    :meth:`op` to record themselves.
    """

    def __init__(self) -> None:
        self._kinds: list[int] = []
        self._fp: list[np.ndarray] = []
        self._refs: list[np.ndarray] = []
        self._planes: list[np.ndarray] = [np.zeros((1, 1), np.float32)]
        self._vecs: list[np.ndarray] = [np.zeros(2, np.float32)]
        self._ints: list[np.ndarray] = [np.zeros(1, np.int64)]

    @staticmethod
    def _store(store: list[np.ndarray], a: np.ndarray, dtype: type, ndim: int, cap: int) -> int:
        a = np.asarray(a, dtype=dtype)
        if a.ndim != ndim:
            raise ParameterError(f"row operation array must be {ndim}-D, got shape {a.shape}")
        if not a.flags.c_contiguous or not a.flags.writeable:
            a = np.array(a, dtype=dtype, order="C")  # one compiled type: C-contiguous, writable
        for k, b in enumerate(store):
            if b is a:
                return k
        if len(store) >= cap:
            raise PackFull(f"more than {cap - 1} arrays of this kind in one pass")
        store.append(a)
        return len(store) - 1

    def plane(self, a: np.ndarray) -> int:
        """Store a 2-D float32 array; its index."""
        return self._store(self._planes, a, np.float32, 2, rows.N_PLANES)

    def vec(self, a: np.ndarray) -> int:
        """Store a 1-D float32 array; its index."""
        return self._store(self._vecs, a, np.float32, 1, rows.N_VECS)

    def ints(self, a: np.ndarray) -> int:
        """Store a 1-D int64 array; its index."""
        return self._store(self._ints, a, np.int64, 1, rows.N_INTS)

    def op(self, kind: int, floats: Sequence[float] = (), refs: Sequence[int] = ()) -> None:
        """Record an operation with its scalar constants and array indices."""
        if len(floats) > rows.N_FLOATS or len(refs) > rows.N_REFS:
            raise ParameterError("row operation has too many constants")
        f = np.zeros(rows.N_FLOATS, np.float32)
        f[:len(floats)] = floats
        r = np.zeros(rows.N_REFS, np.int64)
        r[:len(refs)] = refs
        self._kinds.append(int(kind))
        self._fp.append(f)
        self._refs.append(r)

    def add(self, ops: Sequence[RowOp]) -> Packer:
        """Pack ``ops`` in order (raises :class:`PackFull` when they do not fit one pass).

        Neighbouring :class:`Matrix` operations are packed as their product (one 3 x 3 per
        pixel: colour conversion and an exposure scale cost one matrix)."""
        for o in fold_matrices(ops):
            o.pack(self)
        return self

    def args(self) -> tuple:
        """``(kinds, refs, fp, planes, vecs, ints)`` for the row machine."""
        def pad(store: list[np.ndarray], n: int) -> tuple[np.ndarray, ...]:
            return tuple(store) + (store[0],) * (n - len(store))

        n = len(self._kinds)
        kinds = np.array(self._kinds, np.int64)
        refs = np.stack(self._refs) if n else np.zeros((0, rows.N_REFS), np.int64)
        fp = np.stack(self._fp) if n else np.zeros((0, rows.N_FLOATS), np.float32)
        return (kinds, refs, fp, pad(self._planes, rows.N_PLANES), pad(self._vecs, rows.N_VECS),
                pad(self._ints, rows.N_INTS))


@dataclass(frozen=True, eq=False)
class RowOp:
    """A pointwise operation on ``H x W x 3`` float32 rows (see the module docstring)."""

    linear: ClassVar[bool] = False

    def pack(self, packer: Packer) -> None:
        """Record this operation in ``packer``."""
        raise NotImplementedError

    def reference(self, rgb: np.ndarray) -> np.ndarray:
        """The NumPy definition of the operation (a new float32 array)."""
        raise NotImplementedError

    def preview(self, factor: int) -> RowOp:
        """This operation on the ``factor``-times area-downsampled image (linear ones only)."""
        if not self.linear:
            raise ParameterError(f"{type(self).__name__} is not linear; it has no preview")
        return self


@dataclass(frozen=True, eq=False)
class Matrix(RowOp):
    """``rgb <- m @ rgb`` for a 3 x 3 matrix ``m``."""

    m: np.ndarray
    linear: ClassVar[bool] = True

    def __post_init__(self) -> None:
        m = np.asarray(self.m, np.float64)
        if m.shape != (3, 3) or not np.all(np.isfinite(m)):
            raise ParameterError(f"a row matrix must be a finite 3 x 3, got shape {m.shape}")
        object.__setattr__(self, "m", m)

    def pack(self, packer: Packer) -> None:
        packer.op(rows.MATRIX, np.asarray(self.m, np.float32).ravel())

    def reference(self, rgb: np.ndarray) -> np.ndarray:
        a = np.asarray(rgb, np.float32)
        return (a.reshape(-1, 3) @ self.m.astype(np.float32).T).reshape(a.shape)


@dataclass(frozen=True, eq=False)
class AddLuma(RowOp):
    """``rgb <- rgb + d`` on every channel, ``d`` an ``H x W`` float32 plane."""

    d: np.ndarray
    linear: ClassVar[bool] = True

    def __post_init__(self) -> None:
        d = np.ascontiguousarray(self.d, np.float32)
        if d.ndim != 2:
            raise ParameterError(f"AddLuma needs an H x W plane, got shape {d.shape}")
        object.__setattr__(self, "d", d)

    def pack(self, packer: Packer) -> None:
        packer.op(rows.ADD_LUMA, refs=(packer.plane(self.d),))

    def reference(self, rgb: np.ndarray) -> np.ndarray:
        a = np.asarray(rgb, np.float32)
        if a.shape[:2] != self.d.shape:
            raise ParameterError(f"AddLuma plane {self.d.shape} does not fit {a.shape[:2]}")
        return a + self.d[..., None]

    def preview(self, factor: int) -> RowOp:
        return AddLuma(area_downsample(self.d, factor))


@dataclass(frozen=True, eq=False)
class Encode(RowOp):
    """Clip to [0, 1] (NaN to 0) and apply a transfer curve given as a table over [0, 1]."""

    lut: np.ndarray

    def __post_init__(self) -> None:
        lut = np.ascontiguousarray(self.lut, np.float32)
        if lut.ndim != 1 or lut.size < 2:
            raise ParameterError("an encoding table needs at least 2 entries")
        object.__setattr__(self, "lut", lut)

    def pack(self, packer: Packer) -> None:
        packer.op(rows.ENCODE, refs=(packer.vec(self.lut),))

    def reference(self, rgb: np.ndarray) -> np.ndarray:
        return _table(np.asarray(rgb, np.float32), self.lut)


@dataclass(frozen=True, eq=False)
class Curves(RowOp):
    """Per-channel curves on [0, 1] (inputs clipped), tables of one size with interpolation."""

    r: np.ndarray
    g: np.ndarray
    b: np.ndarray

    def __post_init__(self) -> None:
        sizes = set()
        for name in ("r", "g", "b"):
            t = np.ascontiguousarray(getattr(self, name), np.float32)
            if t.ndim != 1 or t.size < 2 or not np.all(np.isfinite(t)):
                raise ParameterError(f"curve table {name} needs >= 2 finite entries")
            sizes.add(t.size)
            object.__setattr__(self, name, t)

    def pack(self, packer: Packer) -> None:
        packer.op(rows.CURVES, refs=(packer.vec(self.r), packer.vec(self.g), packer.vec(self.b)))

    def reference(self, rgb: np.ndarray) -> np.ndarray:
        a = np.asarray(rgb, np.float32)
        return np.stack([_table(a[..., c], t) for c, t in enumerate((self.r, self.g, self.b))],
                        axis=-1)


def _table(v: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """Linear interpolation of ``lut`` (over [0, 1]) at ``v`` clipped to [0, 1], NaN as 0."""
    size = lut.size - 1
    t = np.clip(np.nan_to_num(v, nan=0.0), 0.0, 1.0) * np.float32(size)
    k = np.minimum(t.astype(np.int32), size - 1)
    f = (t - k).astype(np.float32)
    return (lut[k] + f * (lut[k + 1] - lut[k])).astype(np.float32)


def fold_matrices(ops: Sequence[RowOp]) -> list[RowOp]:
    """``ops`` with each run of neighbouring :class:`Matrix` operations replaced by their
    product (in float64; the same map up to float32 rounding)."""
    out: list[RowOp] = []
    for o in ops:
        if isinstance(o, Matrix) and out and isinstance(out[-1], Matrix):
            out[-1] = Matrix(o.m @ out[-1].m)
        else:
            out.append(o)
    return out


def run_ops(rgb: np.ndarray, ops: Sequence[RowOp]) -> np.ndarray:
    """Apply ``ops`` in order to ``H x W x 3`` float32 ``rgb`` in one compiled pass.

    Returns a new array (``rgb`` itself when there is nothing to do). Raises
    :class:`PackFull` when the chain needs more arrays than one pass takes.
    """
    if not ops:
        return rgb
    src = np.ascontiguousarray(rgb, np.float32)
    out = np.empty_like(src)  # NumPy allocates on huge pages; numba would fault every 4 KiB
    rows.run_rows(src, out, *Packer().add(ops).args())
    return out


def run_ops_luma(rgb: np.ndarray, ops: Sequence[RowOp], weights: np.ndarray) -> np.ndarray:
    """The luminance ``weights . rgb`` of ``rgb`` after ``ops``, as an ``H x W`` float32 plane."""
    src = np.ascontiguousarray(rgb, np.float32)
    out = np.empty(src.shape[:2], np.float32)
    w = np.ascontiguousarray(weights, np.float32).reshape(3)
    rows.run_rows_luma(src, out, w, *Packer().add(ops).args())
    return out


def reference_ops(rgb: np.ndarray, ops: Sequence[RowOp]) -> np.ndarray:
    """Apply ``ops`` with their NumPy references (for tests and for reading)."""
    a = np.asarray(rgb, np.float32)
    for o in ops:
        a = o.reference(a)
    return a
