"""Colour look-up tables: read, write and apply 1D and 3D LUTs.

Formats
-------
* ``.cube`` (Adobe / Resolve): ``TITLE``, ``LUT_1D_SIZE`` or ``LUT_3D_SIZE``, ``DOMAIN_MIN``,
  ``DOMAIN_MAX`` (and Resolve's ``LUT_1D_INPUT_RANGE`` / ``LUT_3D_INPUT_RANGE``), ``#`` comments,
  then one ``R G B`` line per entry with **red varying fastest**. :func:`write_cube` writes
  float32 entries with 9 significant digits and the domain with :func:`repr`, so reading a
  written file gives back the identical table (bit-exact).
* ``.3dl`` (Autodesk Lustre / Flame): optional ``3DMESH`` / ``Mesh IN OUT`` header, a line of
  input grid points (``0 64 ... 1023``), then integer output triples with **blue varying
  fastest**. The output bit depth is the one ``Mesh`` declares, else inferred from the largest
  value (10, 12 or 16 bit).

Every parse error is a :class:`LUTError` (an :class:`~brightroom.errors.InputError`) whose
message names the file and the line.

Application
-----------
:func:`apply_lut` maps values through the LUT's domain (``(x - domain_min) / (domain_max -
domain_min)``), clamps to it (as DaVinci Resolve does: inputs outside the domain take the edge
value) and interpolates the table, with ``method`` one of :data:`LUT_METHODS` (a
:class:`~brightroom.methods.Methods` registry: case and ``-``/``_``/space ignored; the keys are the
standard names of the interpolations, which are no single paper's):

* ``"tetrahedral"``: the unit cube between 8 lattice points is split along its neutral diagonal
  into 6 tetrahedra; the value is the barycentric mix of the 4 corners of the one holding the
  point (Kasson et al. 1995). Exact on neutrals, fewer lookups than trilinear.
* ``"trilinear"``: the 8 corners mixed by the products of the fractional coordinates.

The NumPy functions here are the reference; :mod:`brightroom.color._lut_numba` is the parallel
fast path, tested against them and used by :func:`apply_lut` for large images.

References
----------
.. [1] Adobe Systems (2013). Cube LUT Specification, Version 1.0.
.. [2] Autodesk. Lustre / Flame 3D LUT (.3dl) file format; as read by OpenColorIO
   (``FileFormat3DL.cpp``).
.. [3] Kasson, J. M., Nin, S. I., Plouffe, W., Hafner, J. L. (1995). Performing color space
   conversions with three-dimensional linear interpolation. Journal of Electronic Imaging
   4(3), 226-250.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from brightroom.color import _lut_numba
from brightroom.errors import CorruptFileError, InputError, ParameterError, UnsupportedFormatError
from brightroom.files import atomic_write
from brightroom.methods import Methods
from brightroom.types import Image

__all__ = [
    "LUTError",
    "LUT1D",
    "LUT3D",
    "LUT_METHODS",
    "LUT_SIZE_RANGE_1D",
    "LUT_SIZE_RANGE_3D",
    "read_cube",
    "write_cube",
    "read_3dl",
    "read_lut",
    "apply_lut",
    "lut3d_trilinear",
    "lut3d_tetrahedral",
    "lut1d_linear",
]

LUT_SIZE_RANGE_1D = (2, 65536)
LUT_SIZE_RANGE_3D = (2, 256)

# Images with at least this many pixels go through the numba fast path.
_FAST_MIN_PIXELS = 4096


class LUTError(CorruptFileError):
    """A LUT file is malformed; the message names the file and the line."""


def _vec3(value: Any, name: str) -> np.ndarray:
    a = np.array(value, dtype=np.float64).reshape(-1)
    if a.size == 1:
        a = np.repeat(a, 3)
    if a.shape != (3,) or not np.all(np.isfinite(a)):
        raise ParameterError(f"{name} must be 3 finite numbers, got {value!r}")
    a.setflags(write=False)
    return a


def _check_domain(lo: np.ndarray, hi: np.ndarray) -> None:
    if not np.all(hi > lo):
        raise ParameterError(f"LUT domain_max {hi.tolist()} must exceed domain_min {lo.tolist()} "
                             "in every channel")


def _check_text(text: str, name: str) -> None:
    if "\n" in text or "\r" in text:
        raise ParameterError(f"LUT {name} must be one line, got {text!r}")



def _set_fields(lut: Any, t: np.ndarray, kind: str, size_range: tuple[int, int]) -> None:
    """Validate and freeze the fields LUT3D and LUT1D share (``t`` already has the right shape)."""
    lo, hi = size_range
    if not lo <= t.shape[0] <= hi:
        raise ParameterError(f"{kind} LUT size {t.shape[0]} is outside [{lo}, {hi}]")
    if not np.all(np.isfinite(t)):
        raise ParameterError(f"a {kind} LUT table must be finite")
    t.setflags(write=False)
    object.__setattr__(lut, "table", t)
    dmin, dmax = _vec3(lut.domain_min, "domain_min"), _vec3(lut.domain_max, "domain_max")
    _check_domain(dmin, dmax)
    object.__setattr__(lut, "domain_min", dmin)
    object.__setattr__(lut, "domain_max", dmax)
    _check_text(lut.title, "title")
    object.__setattr__(lut, "comments", tuple(str(c) for c in lut.comments))

@dataclass(frozen=True, eq=False)
class LUT3D:
    """A 3D colour look-up table.

    Parameters
    ----------
    table
        ``N x N x N x 3`` float32, indexed ``[r, g, b]``: ``table[i, j, k]`` is the output for
        input ``domain_min + (i, j, k) / (N - 1) * (domain_max - domain_min)``.
    domain_min, domain_max
        Input range per channel (3 values each); inputs outside it are clamped.
    title
        The ``TITLE`` of the file.
    comments
        ``#`` comment lines, without the ``#`` (and one following space).
    """

    table: np.ndarray
    domain_min: np.ndarray = field(default_factory=lambda: np.zeros(3))
    domain_max: np.ndarray = field(default_factory=lambda: np.ones(3))
    title: str = ""
    comments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        t = np.array(self.table, dtype=np.float32)
        if t.ndim != 4 or t.shape[3] != 3 or not (t.shape[0] == t.shape[1] == t.shape[2]):
            raise ParameterError(f"a 3D LUT table must be N x N x N x 3, got shape {t.shape}")
        _set_fields(self, t, "3D", LUT_SIZE_RANGE_3D)

    @property
    def size(self) -> int:
        """Lattice points per axis."""
        return int(self.table.shape[0])

    @classmethod
    def identity(cls, size: int = 33, *, domain_min: Any = 0.0, domain_max: Any = 1.0,
                 title: str = "") -> LUT3D:
        """The LUT mapping every lattice point to its own input value."""
        return cls.from_function(lambda rgb: rgb, size, domain_min=domain_min,
                                 domain_max=domain_max, title=title)

    @classmethod
    def from_function(cls, fn: Callable[[np.ndarray], np.ndarray], size: int = 33, *,
                      domain_min: Any = 0.0, domain_max: Any = 1.0, title: str = "",
                      comments: Sequence[str] = ()) -> LUT3D:
        """Sample ``fn`` (``(..., 3) -> (..., 3)`` float32) on the lattice ("baking" a transform)."""
        lo, hi = _vec3(domain_min, "domain_min"), _vec3(domain_max, "domain_max")
        _check_domain(lo, hi)
        if not isinstance(size, int) or not LUT_SIZE_RANGE_3D[0] <= size <= LUT_SIZE_RANGE_3D[1]:
            raise ParameterError(f"3D LUT size {size!r} is outside {list(LUT_SIZE_RANGE_3D)}")
        axes = [lo[c] + (hi[c] - lo[c]) * np.linspace(0.0, 1.0, size) for c in range(3)]
        grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).astype(np.float32)
        out = np.asarray(fn(grid), dtype=np.float32)
        return cls(out, lo, hi, title, tuple(comments))


@dataclass(frozen=True, eq=False)
class LUT1D:
    """A 1D (per-channel) look-up table.

    Parameters
    ----------
    table
        ``N x 3`` float32: ``table[i, c]`` is channel ``c``'s output at input
        ``domain_min[c] + i / (N - 1) * (domain_max[c] - domain_min[c])``.
    domain_min, domain_max, title, comments
        As in :class:`LUT3D`.
    """

    table: np.ndarray
    domain_min: np.ndarray = field(default_factory=lambda: np.zeros(3))
    domain_max: np.ndarray = field(default_factory=lambda: np.ones(3))
    title: str = ""
    comments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        t = np.array(self.table, dtype=np.float32)
        if t.ndim != 2 or t.shape[1] != 3:
            raise ParameterError(f"a 1D LUT table must be N x 3, got shape {t.shape}")
        _set_fields(self, t, "1D", LUT_SIZE_RANGE_1D)

    @property
    def size(self) -> int:
        """Number of entries."""
        return int(self.table.shape[0])


# --------------------------------------------------------------------------------------------
# Parsing helpers

_NUM = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_TRIPLE_RE = re.compile(rf"[ \t]*({_NUM})[ \t]+({_NUM})[ \t]+({_NUM})[ \t]*")
_NUM_RE = re.compile(_NUM)
_INT_RE = re.compile(r"[+]?\d+")
_KEYWORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LINE_SPLIT = re.compile(r"\r\n|\r|\n")


def _read_lines(path: str | os.PathLike[str]) -> tuple[Path, list[str]]:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: no such LUT file") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a directory, not a LUT file") from None
    except OSError as e:
        raise InputError(f"{p}: cannot read LUT file ({e.strerror or e})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise LUTError(f"{p}: line {line}: not UTF-8 text") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise LUTError(f"{p}: line {line}: NUL byte in a text LUT file")
    lines = _LINE_SPLIT.split(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # the newline ending the last line does not start another
    return p, lines


def _number(tok: str, p: Path, ln: int, what: str) -> float:
    if not _NUM_RE.fullmatch(tok):
        raise LUTError(f"{p}: line {ln}: {what}: {tok!r} is not a number")
    v = float(tok)
    if not math.isfinite(v):
        raise LUTError(f"{p}: line {ln}: {what}: {tok!r} is out of range")
    return v


def _numbers(toks: list[str], n: int, p: Path, ln: int, what: str) -> list[float]:
    if len(toks) != n:
        raise LUTError(f"{p}: line {ln}: {what} needs {n} number(s), got {len(toks)}")
    return [_number(t, p, ln, what) for t in toks]


def _size(toks: list[str], p: Path, ln: int, key: str, rng: tuple[int, int]) -> int:
    if len(toks) != 1 or not _INT_RE.fullmatch(toks[0]):
        raise LUTError(f"{p}: line {ln}: {key} needs one integer, got {' '.join(toks)!r}")
    n = int(toks[0])
    if not rng[0] <= n <= rng[1]:
        raise LUTError(f"{p}: line {ln}: {key} {n} is outside [{rng[0]}, {rng[1]}]")
    return n


def _comment_text(line: str) -> str:
    c = line.lstrip()[1:]
    return c[1:] if c.startswith(" ") else c


def _parse_triples(rows: list[tuple[int, str]], p: Path) -> np.ndarray:
    """Parse ``(line number, text)`` rows of three numbers into an ``n x 3`` float64 array."""
    vals = np.empty((len(rows), 3), dtype=np.float64)
    for i, (ln, s) in enumerate(rows):
        m = _TRIPLE_RE.fullmatch(s)
        if m is not None:
            vals[i] = (float(m.group(1)), float(m.group(2)), float(m.group(3)))
            continue
        toks = s.split()
        if len(toks) != 3:
            raise LUTError(f"{p}: line {ln}: expected 3 numbers (R G B), got {len(toks)}")
        vals[i] = [_number(t, p, ln, "table entry") for t in toks]
    with np.errstate(over="ignore"):
        as32 = vals.astype(np.float32)
    bad = ~np.all(np.isfinite(as32), axis=1)
    if bad.any():
        ln = rows[int(np.argmax(bad))][0]
        raise LUTError(f"{p}: line {ln}: table entry out of float32 range")
    return vals


# --------------------------------------------------------------------------------------------
# .cube

def read_cube(path: str | os.PathLike[str]) -> LUT1D | LUT3D:
    """Read an Adobe / Resolve ``.cube`` file.

    Parameters
    ----------
    path
        The ``.cube`` file.

    Returns
    -------
    LUT1D or LUT3D
        Whichever size keyword the file declares.

    Raises
    ------
    LUTError
        Malformed content; the message names the file and line.
    InputError
        The file cannot be read.

    References
    ----------
    .. [1] Adobe Systems (2013). Cube LUT Specification, Version 1.0.
    """
    p, lines = _read_lines(path)
    title: str | None = None
    comments: list[str] = []
    size1 = size3 = None
    dmin = dmax = None
    seen: dict[str, int] = {}
    rows: list[tuple[int, str]] = []
    for ln, line in enumerate(lines, start=1):
        s = line.strip()
        if not s:
            continue
        if s.startswith("#"):
            comments.append(_comment_text(line))
            continue
        toks = s.split()
        key = toks[0]
        if _KEYWORD_RE.fullmatch(key):
            if rows:
                raise LUTError(f"{p}: line {ln}: keyword {key} after the table data started")
            if key in seen:
                raise LUTError(f"{p}: line {ln}: {key} repeated (first on line {seen[key]})")
            seen[key] = ln
            args = toks[1:]
            if key == "TITLE":
                rest = s[len("TITLE"):].strip()
                if rest.startswith('"'):
                    if len(rest) < 2 or not rest.endswith('"'):
                        raise LUTError(f"{p}: line {ln}: TITLE has no closing quote")
                    rest = rest[1:-1]
                title = rest
            elif key == "LUT_1D_SIZE":
                size1 = _size(args, p, ln, key, LUT_SIZE_RANGE_1D)
            elif key == "LUT_3D_SIZE":
                size3 = _size(args, p, ln, key, LUT_SIZE_RANGE_3D)
            elif key in ("DOMAIN_MIN", "DOMAIN_MAX", "LUT_1D_INPUT_RANGE", "LUT_3D_INPUT_RANGE"):
                if {"DOMAIN_MIN", "DOMAIN_MAX"} & set(seen) and {
                        "LUT_1D_INPUT_RANGE", "LUT_3D_INPUT_RANGE"} & set(seen):
                    raise LUTError(f"{p}: line {ln}: an input range given both by DOMAIN_MIN/MAX "
                                   "and by LUT_*_INPUT_RANGE")
                if key == "DOMAIN_MIN":
                    dmin = (np.array(_numbers(args, 3, p, ln, key)), ln)
                elif key == "DOMAIN_MAX":
                    dmax = (np.array(_numbers(args, 3, p, ln, key)), ln)
                else:
                    if len(set(seen) & {"LUT_1D_INPUT_RANGE", "LUT_3D_INPUT_RANGE"}) > 1:
                        raise LUTError(f"{p}: line {ln}: two LUT_*_INPUT_RANGE keywords")
                    lo, hi = _numbers(args, 2, p, ln, key)
                    dmin, dmax = (np.full(3, lo), ln), (np.full(3, hi), ln)
            # Other keywords (e.g. Resolve's LUT_IN_VIDEO_RANGE) carry no table data: ignored.
            continue
        rows.append((ln, s))
    if size1 is not None and size3 is not None:
        raise LUTError(f"{p}: line {max(seen['LUT_1D_SIZE'], seen['LUT_3D_SIZE'])}: both "
                       "LUT_1D_SIZE and LUT_3D_SIZE (combined shaper + 3D files are not supported)")
    if size1 is None and size3 is None:
        ln = rows[0][0] if rows else len(lines)
        raise LUTError(f"{p}: line {ln}: no LUT_1D_SIZE or LUT_3D_SIZE keyword before it")
    lo = dmin[0] if dmin is not None else np.zeros(3)
    hi = dmax[0] if dmax is not None else np.ones(3)
    if not np.all(hi > lo):
        ln = max(d[1] for d in (dmin, dmax) if d is not None)
        raise LUTError(f"{p}: line {ln}: DOMAIN_MAX {hi.tolist()} must exceed DOMAIN_MIN "
                       f"{lo.tolist()} in every channel")
    n = size1 if size1 is not None else size3 ** 3  # type: ignore[operator]
    if len(rows) > n:
        raise LUTError(f"{p}: line {rows[n][0]}: more table entries than the {n} declared")
    if len(rows) < n:
        raise LUTError(f"{p}: line {len(lines)}: truncated: {len(rows)} table entries, "
                       f"expected {n}")
    vals = _parse_triples(rows, p)
    kw = dict(domain_min=lo, domain_max=hi, title=title or "", comments=tuple(comments))
    if size1 is not None:
        return LUT1D(vals, **kw)
    s3 = int(size3)  # type: ignore[arg-type]
    # red fastest: row index = r + N g + N^2 b  ->  reshape to [b, g, r] then swap to [r, g, b]
    table = vals.reshape(s3, s3, s3, 3).transpose(2, 1, 0, 3)
    return LUT3D(table, **kw)


def _fmt32(v: np.ndarray) -> list[str]:
    return [f"{x:.9g}" for x in v.astype(np.float64).ravel()]


def write_cube(lut: LUT1D | LUT3D, path: str | os.PathLike[str], *,
               overwrite: bool = False) -> Path:
    """Write ``lut`` as an Adobe ``.cube`` file (bit-exact on reading back).

    Entries are float32 written with 9 significant digits (enough to identify every float32);
    the domain is written with :func:`repr` (exact for float64). The file is written atomically.

    Parameters
    ----------
    lut
        A :class:`LUT1D` or :class:`LUT3D`.
    path
        Destination.
    overwrite
        Replace an existing file (else :class:`~brightroom.errors.OutputExistsError`).

    Returns
    -------
    pathlib.Path
        The path written.

    References
    ----------
    .. [1] Adobe Systems (2013). Cube LUT Specification, Version 1.0.
    """
    if not isinstance(lut, (LUT1D, LUT3D)):
        raise ParameterError(f"write_cube needs a LUT1D or LUT3D, got {type(lut).__name__}")
    for c in lut.comments:
        _check_text(c, "comment")
    out = [f"# {c}" for c in lut.comments]
    if lut.title:
        out.append(f'TITLE "{lut.title}"')
    if isinstance(lut, LUT3D):
        out.append(f"LUT_3D_SIZE {lut.size}")
        data = lut.table.transpose(2, 1, 0, 3).reshape(-1, 3)  # red fastest
    else:
        out.append(f"LUT_1D_SIZE {lut.size}")
        data = lut.table
    out.append("DOMAIN_MIN " + " ".join(repr(float(x)) for x in lut.domain_min))
    out.append("DOMAIN_MAX " + " ".join(repr(float(x)) for x in lut.domain_max))
    s = _fmt32(data)
    out.extend(f"{s[i]} {s[i + 1]} {s[i + 2]}" for i in range(0, len(s), 3))
    text = "\n".join(out) + "\n"
    p = Path(path)
    with atomic_write(p, overwrite=overwrite) as tmp:
        tmp.write_bytes(text.encode("utf-8"))
    return p


# --------------------------------------------------------------------------------------------
# .3dl

_3DL_DEPTHS = (10, 12, 16)


def read_3dl(path: str | os.PathLike[str]) -> LUT3D:
    """Read an Autodesk Lustre / Flame ``.3dl`` 3D LUT.

    The first numeric line lists the input grid points (e.g. ``0 64 128 ... 1023``: 17 points);
    the following ``N^3`` lines are integer ``R G B`` outputs with blue varying fastest. The
    output bit depth comes from a ``Mesh IN OUT`` header line when present, else it is the
    smallest of 10, 12 and 16 bits that holds the largest value. Outputs are scaled to [0, 1];
    the domain is [0, 1].

    Raises
    ------
    LUTError
        Malformed content; the message names the file and line.

    References
    ----------
    .. [1] Autodesk. Lustre / Flame 3D LUT format, as documented by OpenColorIO's
       ``FileFormat3DL``.
    """
    p, lines = _read_lines(path)
    comments: list[str] = []
    grid: list[int] | None = None
    grid_ln = 0
    mesh_out: int | None = None
    mesh_in: tuple[int, int] | None = None
    rows: list[tuple[int, list[str]]] = []
    for ln, line in enumerate(lines, start=1):
        s = line.strip()
        if not s:
            continue
        if s.startswith("#"):
            comments.append(_comment_text(line))
            continue
        toks = s.split()
        head = toks[0]
        if head == "3DMESH" and len(toks) == 1 and grid is None:
            continue
        if head == "Mesh" and grid is None:
            if len(toks) != 3 or not all(_INT_RE.fullmatch(t) for t in toks[1:]):
                raise LUTError(f"{p}: line {ln}: expected 'Mesh IN_BITS OUT_BITS', got {s!r}")
            a, b = int(toks[1]), int(toks[2])
            if not (1 <= a <= 8 and 8 <= b <= 16):
                raise LUTError(f"{p}: line {ln}: Mesh {a} {b} is out of range")
            mesh_in, mesh_out = (a, ln), b
            continue
        if head in ("LUT8", "gamma") and grid is not None:  # Lustre trailer lines
            continue
        if grid is None:
            for t in toks:
                if not _INT_RE.fullmatch(t):
                    raise LUTError(f"{p}: line {ln}: input grid point {t!r} is not an integer")
            grid = [int(t) for t in toks]
            grid_ln = ln
            continue
        rows.append((ln, toks))
    if grid is None:
        raise LUTError(f"{p}: line {len(lines)}: no input grid line")
    n = len(grid)
    if not LUT_SIZE_RANGE_3D[0] <= n <= LUT_SIZE_RANGE_3D[1]:
        raise LUTError(f"{p}: line {grid_ln}: {n} input grid points, expected "
                       f"{LUT_SIZE_RANGE_3D[0]}..{LUT_SIZE_RANGE_3D[1]}")
    if mesh_in is not None and n != 2 ** mesh_in[0] + 1:
        raise LUTError(f"{p}: line {grid_ln}: {n} grid points but Mesh (line {mesh_in[1]}) "
                       f"declares {2 ** mesh_in[0] + 1}")
    g = np.array(grid, dtype=np.float64)
    step = g[-1] / (n - 1) if g[-1] > 0 else 0.0
    if g[0] != 0 or step <= 0 or np.any(np.abs(g - step * np.arange(n)) > max(1.0, 0.02 * step)):
        raise LUTError(f"{p}: line {grid_ln}: input grid must rise evenly from 0 "
                       "(non-uniform 3dl grids are not supported)")
    if len(rows) > n ** 3:
        raise LUTError(f"{p}: line {rows[n ** 3][0]}: more table entries than the {n ** 3} "
                       f"implied by {n} grid points")
    if len(rows) < n ** 3:
        raise LUTError(f"{p}: line {len(lines)}: truncated: {len(rows)} table entries, "
                       f"expected {n ** 3}")
    vals = np.empty((n ** 3, 3), dtype=np.int64)
    for i, (ln, toks) in enumerate(rows):
        if len(toks) != 3:
            raise LUTError(f"{p}: line {ln}: expected 3 integers (R G B), got {len(toks)}")
        for t in toks:
            if not _INT_RE.fullmatch(t) or len(t) > 7:
                raise LUTError(f"{p}: line {ln}: {t!r} is not a non-negative integer output value")
        vals[i] = [int(t) for t in toks]
    vmax = int(vals.max())
    if mesh_out is not None:
        depth = mesh_out
        if vmax > 2 ** depth - 1:
            ln = rows[int(np.argmax(vals.max(axis=1) > 2 ** depth - 1))][0]
            raise LUTError(f"{p}: line {ln}: value above the {depth}-bit maximum {2 ** depth - 1}")
    else:
        fits = [d for d in _3DL_DEPTHS if vmax <= 2 ** d - 1]
        if not fits:
            ln = rows[int(np.argmax(vals.max(axis=1)))][0]
            raise LUTError(f"{p}: line {ln}: value {vmax} exceeds 16 bits")
        depth = fits[0]
    table = (vals.astype(np.float64) / (2 ** depth - 1)).reshape(n, n, n, 3)  # blue fastest
    return LUT3D(table, title="", comments=tuple(comments))


def read_lut(path: str | os.PathLike[str]) -> LUT1D | LUT3D:
    """Read a ``.cube`` or ``.3dl`` file, chosen by extension."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".cube":
        return read_cube(p)
    if ext == ".3dl":
        return read_3dl(p)
    raise UnsupportedFormatError(f"{p}: unknown LUT format {ext or '(no extension)'!r}; "
                                 "expected .cube or .3dl")


# --------------------------------------------------------------------------------------------
# Application (NumPy reference)

def _lattice_coords(rgb: np.ndarray, lut: LUT1D | LUT3D, n: int) -> np.ndarray:
    """Input -> clamped lattice coordinates in [0, n - 1] (float64); NaN goes to the minimum."""
    x = np.asarray(rgb, dtype=np.float64)
    t = (x - lut.domain_min) / (lut.domain_max - lut.domain_min)
    t = np.nan_to_num(t, nan=0.0, posinf=1.0, neginf=0.0)
    return np.clip(t, 0.0, 1.0) * (n - 1)


def _split(c: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    i = np.minimum(c.astype(np.int64), n - 2)
    return i, c - i


def lut3d_trilinear(rgb: np.ndarray, lut: LUT3D) -> np.ndarray:
    """Trilinear interpolation of ``lut`` at ``rgb`` (``(..., 3)``), NumPy reference, float32 out."""
    n = lut.size
    t = lut.table.astype(np.float64)
    i, f = _split(_lattice_coords(rgb, lut, n), n)
    ir, ig, ib = i[..., 0], i[..., 1], i[..., 2]
    fr, fg, fb = f[..., 0:1], f[..., 1:2], f[..., 2:3]
    out = np.zeros(np.shape(rgb)[:-1] + (3,), dtype=np.float64)
    for dr, wr in ((0, 1 - fr), (1, fr)):
        for dg, wg in ((0, 1 - fg), (1, fg)):
            for db, wb in ((0, 1 - fb), (1, fb)):
                out += (wr * wg * wb) * t[ir + dr, ig + dg, ib + db]
    return out.astype(np.float32)


def lut3d_tetrahedral(rgb: np.ndarray, lut: LUT3D) -> np.ndarray:
    """Tetrahedral interpolation (Kasson et al. 1995) of ``lut`` at ``rgb``; NumPy reference.

    With fractional lattice coordinates sorted as ``a >= b >= c`` the cube's diagonal
    tetrahedron holding the point has corners ``V000``, the corner one step along the axis of
    ``a``, the corner one step along the axes of ``a`` and ``b``, and ``V111``; the weights are
    ``1 - a``, ``a - b``, ``b - c`` and ``c``.

    References
    ----------
    .. [1] Kasson, J. M., Nin, S. I., Plouffe, W., Hafner, J. L. (1995). Performing color space
       conversions with three-dimensional linear interpolation. J. Electronic Imaging 4(3).
    """
    n = lut.size
    t = lut.table.astype(np.float64)
    shape = np.shape(rgb)[:-1]
    i, f = _split(_lattice_coords(rgb, lut, n), n)
    i = i.reshape(-1, 3)
    f = f.reshape(-1, 3)
    # order[:, 0] is the axis with the largest fraction, order[:, 2] the smallest
    order = np.argsort(-f, axis=1, kind="stable")
    fs = np.take_along_axis(f, order, axis=1)
    a, b, c = fs[:, 0:1], fs[:, 1:2], fs[:, 2:3]
    step1 = np.zeros_like(i)
    np.put_along_axis(step1, order[:, 0:1], 1, axis=1)
    step2 = step1.copy()
    np.put_along_axis(step2, order[:, 1:2], 1, axis=1)

    def at(d: np.ndarray) -> np.ndarray:
        j = i + d
        return t[j[:, 0], j[:, 1], j[:, 2]]

    out = (1 - a) * at(np.zeros_like(i)) + (a - b) * at(step1) + (b - c) * at(step2) + c * at(
        np.ones_like(i))
    return out.reshape(shape + (3,)).astype(np.float32)


def lut1d_linear(rgb: np.ndarray, lut: LUT1D) -> np.ndarray:
    """Per-channel linear interpolation of a 1D LUT at ``rgb`` (``(..., 3)``), float32 out."""
    n = lut.size
    c = _lattice_coords(rgb, lut, n)
    i, f = _split(c, n)
    t = lut.table.astype(np.float64)
    ch = np.arange(3)
    out = t[i, ch] * (1 - f) + t[i + 1, ch] * f
    return out.astype(np.float32)


LUT_METHODS: Methods[Callable[[np.ndarray, LUT3D], np.ndarray]] = Methods("LUT")
"""3D LUT interpolation methods (NumPy references) by name."""
LUT_METHODS.register(
    "trilinear", lut3d_trilinear,
    cite="Kasson, J. M., Nin, S. I., Plouffe, W., Hafner, J. L. (1995). Performing color space "
         "conversions with three-dimensional linear interpolation. J. Electronic Imaging 4(3), "
         "226-250 (trilinear interpolation).")
LUT_METHODS.register(
    "tetrahedral", lut3d_tetrahedral,
    cite="Kasson, J. M., Nin, S. I., Plouffe, W., Hafner, J. L. (1995). Performing color space "
         "conversions with three-dimensional linear interpolation. J. Electronic Imaging 4(3), "
         "226-250 (tetrahedral interpolation).")
LUT_METHODS.freeze()


def apply_lut(image: np.ndarray | Image, lut: LUT1D | LUT3D, *, method: str = "tetrahedral",
              fast: bool = True) -> Any:
    """Apply a LUT to an image or to an array of RGB triplets.

    Parameters
    ----------
    image
        ``(..., 3)`` array (any float or integer dtype, taken as values in the LUT's domain) or an
        :class:`~brightroom.types.Image` (its data are used as they are: apply a display LUT to a
        display-encoded image).
    lut
        :class:`LUT3D` or :class:`LUT1D` (a 1D LUT is always interpolated linearly per channel).
    method
        A key of :data:`LUT_METHODS` for a 3D LUT (case ignored): ``"tetrahedral"`` (default)
        or ``"trilinear"``.
    fast
        Use the parallel numba path for images of 4096 pixels or more (same result to float32
        rounding).

    Returns
    -------
    numpy.ndarray or Image
        float32 of the same shape (an :class:`Image` in, an :class:`Image` out). The input is not
        modified. Inputs outside the domain are clamped to it; NaN maps like ``domain_min``.

    References
    ----------
    .. [1] Kasson, J. M., Nin, S. I., Plouffe, W., Hafner, J. L. (1995). Performing color space
       conversions with three-dimensional linear interpolation. J. Electronic Imaging 4(3).
    """
    if isinstance(image, Image):
        return image.replace(data=apply_lut(image.data, lut, method=method, fast=fast))
    method = LUT_METHODS.canonical(method)
    a = np.asarray(image)
    if a.ndim < 1 or a.shape[-1] != 3:
        raise ParameterError(f"apply_lut needs (..., 3) RGB values, got shape {a.shape}")
    if not isinstance(lut, (LUT1D, LUT3D)):
        raise ParameterError(f"apply_lut needs a LUT1D or LUT3D, got {type(lut).__name__}")
    npix = a.size // 3
    if fast and npix >= _FAST_MIN_PIXELS:
        if isinstance(lut, LUT3D):
            return _lut_numba.apply_lut3d_numba(a, lut, method=method)
        return _lut_numba.apply_lut1d_numba(a, lut)
    if isinstance(lut, LUT1D):
        return lut1d_linear(a, lut)
    return LUT_METHODS[method](a, lut)
