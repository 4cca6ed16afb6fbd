"""Colour look-up tables: read, write and apply 1D and 3D LUTs.

Formats
-------
* ``.cube`` (Adobe / Resolve): ``TITLE``, ``LUT_1D_SIZE`` or ``LUT_3D_SIZE``, ``DOMAIN_MIN``,
  ``DOMAIN_MAX`` (and Resolve's ``LUT_1D_INPUT_RANGE`` / ``LUT_3D_INPUT_RANGE``), ``#`` comments,
  then one ``R G B`` line per entry with **red varying fastest**. :func:`write_cube` writes
  float32 entries with 9 significant digits and the domain with :func:`repr`, so reading a
  written file gives back the identical table (bit-exact).
  A DaVinci Resolve file may declare both ``LUT_1D_SIZE`` and ``LUT_3D_SIZE``: a 1D shaper
  (its rows first, its domain ``LUT_1D_INPUT_RANGE``) then a 3D table (``LUT_3D_INPUT_RANGE``),
  read and written as a :class:`LUTSequence`.
* ``.3dl`` (Autodesk Lustre / Flame), read as OpenColorIO reads it: optional ``3DMESH`` /
  ``Mesh IN OUT`` header, an optional shaper line of more than three integers (``0 64 ...
  1023``), then integer output triples with **blue varying fastest**, as many as the lattice
  has points. The output bit depth is the one ``Mesh`` declares, else inferred from the largest
  value. :func:`write_3dl` writes the Lustre form.
* ``.clf`` (Common LUT Format) and ``.ctf`` (Autodesk): :func:`read_clf` hands them to
  OpenColorIO, which reads and applies every node type (:class:`ProcessList`).

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
.. [4] SMPTE ST 2136-10 / Academy S-2014-006: Common LUT Format (CLF).
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
from brightroom.errors import (
    CorruptFileError,
    InputError,
    ParameterError,
    UnsupportedFormatError,
    file_errors,
)
from brightroom.files import atomic_write, check_input
from brightroom.limits import check_lut_size
from brightroom.methods import Methods
from brightroom.types import Image

__all__ = [
    "LUTError",
    "LUT1D",
    "LUT3D",
    "LUTSequence",
    "ProcessList",
    "LUT_METHODS",
    "LUT_SIZE_RANGE_1D",
    "LUT_SIZE_RANGE_3D",
    "read_cube",
    "write_cube",
    "read_3dl",
    "write_3dl",
    "write_lut",
    "check_lut_output",
    "LUT_WRITE_EXTENSIONS",
    "read_clf",
    "LUT_EXTENSIONS",
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


@dataclass(frozen=True, eq=False)
class LUTSequence:
    """LUTs applied one after the other: a 1D shaper and a 3D table (Resolve ``.cube``, a
    ``.3dl`` with a non-identity shaper line).

    Parameters
    ----------
    luts
        :class:`LUT1D` / :class:`LUT3D` objects, applied in this order (each through its own
        domain, clamping to it).
    title, comments
        As in :class:`LUT3D`.
    """

    luts: tuple[LUT1D | LUT3D, ...]
    title: str = ""
    comments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        luts = tuple(self.luts)
        if not luts or not all(isinstance(x, (LUT1D, LUT3D)) for x in luts):
            raise ParameterError("a LUTSequence needs one or more LUT1D / LUT3D objects")
        object.__setattr__(self, "luts", luts)
        _check_text(self.title, "title")
        object.__setattr__(self, "comments", tuple(str(c) for c in self.comments))

    @property
    def size(self) -> int:
        """Lattice points per axis of the last 3D table (else entries of the last 1D LUT)."""
        three = [x for x in self.luts if isinstance(x, LUT3D)]
        return (three or list(self.luts))[-1].size


@dataclass(frozen=True, eq=False)
class ProcessList:
    """A Common LUT Format (``.clf``, SMPTE ST 2136-10 / Academy S-2014-006) or Autodesk ``.ctf``
    process list, read and applied by OpenColorIO (every node type: matrices, 1D/3D LUTs, ranges,
    logs, exponents, ASC CDL, ...).

    Parameters
    ----------
    path
        The file (kept so that the transform can be rebuilt, e.g. in another process).
    title
        The process list's ``name`` (else the file name).
    comments
        Its ``Description`` texts.
    """

    path: Path
    title: str = ""
    comments: tuple[str, ...] = ()
    _cpu: Any = field(default=None, repr=False, compare=False)

    @property
    def size(self) -> int:
        """Not a lattice: 0."""
        return 0

    def __reduce__(self) -> tuple[Any, tuple[Path]]:
        """Pickled as its file (OpenColorIO's processor is rebuilt on loading)."""
        return read_clf, (self.path,)

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        """The transform of ``(..., 3)`` values (float32 out; the input is not modified)."""
        cpu = self._cpu if self._cpu is not None else read_clf(self.path)._cpu
        out = np.array(rgb, dtype=np.float32, order="C", copy=True)
        flat = out.reshape(-1, 3)
        step = 1 << 18
        for i in range(0, flat.shape[0], step):  # OCIO wants contiguous float32 RGB
            part = np.ascontiguousarray(flat[i: i + step])
            cpu.applyRGB(part)
            flat[i: i + step] = part
        return out


# --------------------------------------------------------------------------------------------
# Parsing helpers

_NUM = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_TRIPLE_RE = re.compile(rf"[ \t]*({_NUM})[ \t]+({_NUM})[ \t]+({_NUM})[ \t]*")
_NUM_RE = re.compile(_NUM)
_INT_RE = re.compile(r"[+]?\d+")
_KEYWORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LINE_SPLIT = re.compile(r"\r\n|\r|\n")


def _q(text: str) -> str:
    """A token of the file quoted in an error: at most 12 characters (an error names the
    problem; it does not copy a file that may not be a LUT at all)."""
    return repr(text if len(text) <= 12 else text[:12] + "...")


def _read_lines(path: str | os.PathLike[str]) -> tuple[Path, list[str]]:
    p = Path(path)
    check_input(p, "LUT file")
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
        raise LUTError(f"{p}: line {ln}: {what}: {_q(tok)} is not a number")
    v = float(tok)
    if not math.isfinite(v):
        raise LUTError(f"{p}: line {ln}: {what}: {_q(tok)} is out of range")
    return v


def _numbers(toks: list[str], n: int, p: Path, ln: int, what: str) -> list[float]:
    if len(toks) != n:
        raise LUTError(f"{p}: line {ln}: {what} needs {n} number(s), got {len(toks)}")
    return [_number(t, p, ln, what) for t in toks]


def _size(toks: list[str], p: Path, ln: int, key: str, rng: tuple[int, int]) -> int:
    if len(toks) != 1 or not _INT_RE.fullmatch(toks[0]):
        raise LUTError(f"{p}: line {ln}: {key} needs one integer, got {_q(' '.join(toks))}")
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

def read_cube(path: str | os.PathLike[str]) -> LUT1D | LUT3D | LUTSequence:
    """Read an Adobe / Resolve ``.cube`` file.

    Parameters
    ----------
    path
        The ``.cube`` file.

    Returns
    -------
    LUT1D, LUT3D or LUTSequence
        Whichever size keyword the file declares; a Resolve file declaring both
        ``LUT_1D_SIZE`` and ``LUT_3D_SIZE`` is a 1D shaper followed by a 3D table (its
        ``LUT_1D_SIZE`` rows come first), read as a :class:`LUTSequence` ``(LUT1D, LUT3D)``
        whose shaper's domain is ``LUT_1D_INPUT_RANGE`` and whose table's domain is
        ``LUT_3D_INPUT_RANGE`` (as colour-science and OpenColorIO read them).

    Raises
    ------
    LUTError
        Malformed content; the message names the file and line.
    InputError
        The file cannot be read.

    References
    ----------
    .. [1] Adobe Systems (2013). Cube LUT Specification, Version 1.0.
    .. [2] Blackmagic Design. DaVinci Resolve LUT formats (``.cube`` with ``LUT_1D_INPUT_RANGE``
       / ``LUT_3D_INPUT_RANGE`` and a 1D shaper before a 3D table).
    """
    p, lines = _read_lines(path)
    head = _cube_header(p, lines)
    return _cube_build(p, lines, head)


@dataclass
class _CubeHeader:
    title: str = ""
    comments: list[str] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)
    size1: int | None = None
    size3: int | None = None
    ranges: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    rows: list[tuple[int, str]] = field(default_factory=list)


def _cube_header(p: Path, lines: list[str]) -> _CubeHeader:
    """Keywords, comments and the table rows (line number, text) of a ``.cube`` file."""
    h = _CubeHeader()
    for ln, line in enumerate(lines, start=1):
        s = line.strip()
        if not s:
            continue
        if s.startswith("#"):
            h.comments.append(_comment_text(line))
            continue
        toks = s.split()
        key = toks[0]
        if not _KEYWORD_RE.fullmatch(key):
            h.rows.append((ln, s))
            continue
        if h.rows:
            raise LUTError(f"{p}: line {ln}: keyword {_q(key)} after the table data started")
        if key in h.seen:
            raise LUTError(f"{p}: line {ln}: {_q(key)} repeated (first on line {h.seen[key]})")
        h.seen[key] = ln
        args = toks[1:]
        if key == "TITLE":
            rest = s[len("TITLE"):].strip()
            if rest.startswith('"'):
                if len(rest) < 2 or not rest.endswith('"'):
                    raise LUTError(f"{p}: line {ln}: TITLE has no closing quote")
                rest = rest[1:-1]
            h.title = rest
        elif key == "LUT_1D_SIZE":
            h.size1 = _size(args, p, ln, key, LUT_SIZE_RANGE_1D)
            check_lut_size(p, h.size1, dims=1)
        elif key == "LUT_3D_SIZE":
            h.size3 = _size(args, p, ln, key, LUT_SIZE_RANGE_3D)
            check_lut_size(p, h.size3, dims=3)
        elif key in ("DOMAIN_MIN", "DOMAIN_MAX"):
            h.ranges[key] = (np.array(_numbers(args, 3, p, ln, key)), np.zeros(0))
        elif key in ("LUT_1D_INPUT_RANGE", "LUT_3D_INPUT_RANGE"):
            lo, hi = _numbers(args, 2, p, ln, key)
            h.ranges[key] = (np.full(3, lo), np.full(3, hi))
        # Other keywords (e.g. Resolve's LUT_IN_VIDEO_RANGE) carry no table data: ignored.
    return h


def _cube_domain(p: Path, h: _CubeHeader, which: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The domain given by the keywords ``which`` (DOMAIN_MIN/MAX or one INPUT_RANGE)."""
    if "DOMAIN_MIN" in which:
        lo = h.ranges.get("DOMAIN_MIN", (np.zeros(3),))[0]
        hi = h.ranges.get("DOMAIN_MAX", (np.ones(3),))[0]
        lns = [h.seen[k] for k in ("DOMAIN_MIN", "DOMAIN_MAX") if k in h.seen]
        what = f"DOMAIN_MAX {hi.tolist()} must exceed DOMAIN_MIN {lo.tolist()} in every channel"
    else:
        key = which[0]
        lo, hi = h.ranges.get(key, (np.zeros(3), np.ones(3)))
        lns = [h.seen[key]] if key in h.seen else []
        what = f"{key} maximum {hi[0]!r} must exceed its minimum {lo[0]!r}"
    if not np.all(hi > lo):
        raise LUTError(f"{p}: line {max(lns)}: {what}")
    return lo, hi


def _cube_build(p: Path, lines: list[str], h: _CubeHeader) -> LUT1D | LUT3D | LUTSequence:
    """The LUT(s) of a parsed ``.cube`` header and its rows."""
    domain_keys = {"DOMAIN_MIN", "DOMAIN_MAX"} & set(h.seen)
    range_keys = {"LUT_1D_INPUT_RANGE", "LUT_3D_INPUT_RANGE"} & set(h.seen)
    if domain_keys and range_keys:
        ln = max(h.seen[k] for k in domain_keys | range_keys)
        raise LUTError(f"{p}: line {ln}: an input range given both by DOMAIN_MIN/MAX and by "
                       "LUT_*_INPUT_RANGE")
    if h.size1 is None and h.size3 is None:
        ln = h.rows[0][0] if h.rows else len(lines)
        raise LUTError(f"{p}: line {ln}: no LUT_1D_SIZE or LUT_3D_SIZE keyword before it")
    shaper = h.size1 is not None and h.size3 is not None
    if shaper and domain_keys:
        ln = max(h.seen[k] for k in domain_keys)
        raise LUTError(f"{p}: line {ln}: DOMAIN_MIN/MAX in a shaper + 3D file; give the two "
                       "input ranges as LUT_1D_INPUT_RANGE and LUT_3D_INPUT_RANGE")
    if not shaper and len(range_keys) > 1:
        have = "LUT_1D_SIZE" if h.size1 is not None else "LUT_3D_SIZE"
        raise LUTError(f"{p}: line {max(h.seen[k] for k in range_keys)}: both "
                       f"LUT_1D_INPUT_RANGE and LUT_3D_INPUT_RANGE, but only {have} (a shaper + "
                       "3D file declares both sizes)")
    n1 = h.size1 or 0
    n3 = (h.size3 ** 3) if h.size3 is not None else 0
    n = n1 + n3
    if len(h.rows) > n:
        raise LUTError(f"{p}: line {h.rows[n][0]}: more table entries than the {n} declared")
    if len(h.rows) < n:
        what = f" ({n1} shaper + {n3} 3D)" if shaper else ""
        raise LUTError(f"{p}: line {len(lines)}: truncated: {len(h.rows)} table entries, "
                       f"expected {n}{what}")
    vals = _parse_triples(h.rows, p)
    comments = tuple(h.comments)
    if not shaper:
        keys = tuple(range_keys) if range_keys else ("DOMAIN_MIN", "DOMAIN_MAX")
        lo, hi = _cube_domain(p, h, keys)
        kw = dict(domain_min=lo, domain_max=hi, title=h.title, comments=comments)
        if h.size1 is not None:
            return LUT1D(vals, **kw)
        return LUT3D(_red_fastest_to_table(vals, int(h.size3)), **kw)  # type: ignore[arg-type]
    lo1, hi1 = _cube_domain(p, h, ("LUT_1D_INPUT_RANGE",))
    lo3, hi3 = _cube_domain(p, h, ("LUT_3D_INPUT_RANGE",))
    s3 = int(h.size3)  # type: ignore[arg-type]
    return LUTSequence((LUT1D(vals[:n1], lo1, hi1, title=h.title),
                        LUT3D(_red_fastest_to_table(vals[n1:], s3), lo3, hi3, title=h.title)),
                       title=h.title, comments=comments)


def _red_fastest_to_table(vals: np.ndarray, n: int) -> np.ndarray:
    """``n^3 x 3`` rows with red varying fastest -> an ``[r, g, b]``-indexed table."""
    # row index = r + N g + N^2 b  ->  reshape to [b, g, r] then swap to [r, g, b]
    return vals.reshape(n, n, n, 3).transpose(2, 1, 0, 3)


def _fmt32(v: np.ndarray) -> list[str]:
    return [f"{x:.9g}" for x in v.astype(np.float64).ravel()]


def write_cube(lut: LUT1D | LUT3D | LUTSequence, path: str | os.PathLike[str], *,
               overwrite: bool = False) -> Path:
    """Write ``lut`` as an Adobe ``.cube`` file (bit-exact on reading back).

    Entries are float32 written with 9 significant digits (enough to identify every float32);
    the domain is written with :func:`repr` (exact for float64). The file is written atomically.
    A :class:`LUTSequence` of a :class:`LUT1D` shaper and a :class:`LUT3D` is written as a
    DaVinci Resolve shaper + 3D ``.cube`` (``LUT_1D_SIZE``, ``LUT_1D_INPUT_RANGE``,
    ``LUT_3D_SIZE``, ``LUT_3D_INPUT_RANGE``, the shaper's rows, then the table's), whose input
    ranges are one pair of numbers each, so each domain must be the same in all three channels.

    Parameters
    ----------
    lut
        A :class:`LUT1D`, :class:`LUT3D` or a ``(LUT1D, LUT3D)`` :class:`LUTSequence`.
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
    .. [2] Blackmagic Design. DaVinci Resolve LUT formats (shaper + 3D ``.cube``).
    """
    if isinstance(lut, LUTSequence):
        text = _resolve_shaper_cube_text(lut)
    elif isinstance(lut, (LUT1D, LUT3D)):
        text = _cube_text(lut)
    else:
        raise ParameterError(f"write_cube needs a LUT1D, LUT3D or LUTSequence, got "
                             f"{type(lut).__name__}")
    p = Path(path)
    with atomic_write(p, overwrite=overwrite) as tmp:
        tmp.write_bytes(text.encode("utf-8"))
    return p


def _cube_head(title: str, comments: Sequence[str]) -> list[str]:
    for c in comments:
        _check_text(c, "comment")
    out = [f"# {c}" for c in comments]
    if title:
        out.append(f'TITLE "{title}"')
    return out


def _cube_rows(lut: LUT1D | LUT3D) -> list[str]:
    data = lut.table.transpose(2, 1, 0, 3).reshape(-1, 3) if isinstance(lut, LUT3D) else lut.table
    s = _fmt32(data)  # a 3D table red fastest
    return [f"{s[i]} {s[i + 1]} {s[i + 2]}" for i in range(0, len(s), 3)]


def _cube_text(lut: LUT1D | LUT3D) -> str:
    out = _cube_head(lut.title, lut.comments)
    out.append(f"LUT_{'3' if isinstance(lut, LUT3D) else '1'}D_SIZE {lut.size}")
    out.append("DOMAIN_MIN " + " ".join(repr(float(x)) for x in lut.domain_min))
    out.append("DOMAIN_MAX " + " ".join(repr(float(x)) for x in lut.domain_max))
    out.extend(_cube_rows(lut))
    return "\n".join(out) + "\n"


def _resolve_shaper_cube_text(seq: LUTSequence) -> str:
    kinds = tuple(type(x) for x in seq.luts)
    if kinds != (LUT1D, LUT3D):
        raise ParameterError("a .cube holds one LUT or a 1D shaper followed by one 3D table; "
                             f"this LUTSequence is ({', '.join(k.__name__ for k in kinds)})")
    shaper, cube = seq.luts
    out = _cube_head(seq.title, seq.comments)
    for lut, d in ((shaper, "1"), (cube, "3")):
        lo, hi = lut.domain_min, lut.domain_max
        if np.ptp(lo) or np.ptp(hi):
            raise ParameterError(f"a Resolve .cube has one LUT_{d}D_INPUT_RANGE for all three "
                                 f"channels; this {d}D LUT's domain is {lo.tolist()} .. "
                                 f"{hi.tolist()}")
        out.append(f"LUT_{d}D_SIZE {lut.size}")
        out.append(f"LUT_{d}D_INPUT_RANGE {float(lo[0])!r} {float(hi[0])!r}")
    out.extend(_cube_rows(shaper))
    out.extend(_cube_rows(cube))
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# .3dl

_3DL_MIN_PLAUSIBLE_MAX = 128  # a largest code below this is not integer-coded data


def _3dl_likely_depth(vmax: int) -> int:
    """OpenColorIO's output bit depth of a ``.3dl`` without a ``Mesh`` line: the even depth
    8..16 whose full scale is within a factor of 2 of the largest value (14 taken as 16)."""
    for depth in range(8, 17, 2):
        if vmax <= 2 ** (depth + 1) - 1:
            return 16 if depth == 14 else depth
    return 16


def read_3dl(path: str | os.PathLike[str]) -> LUT3D | LUTSequence:
    """Read an Autodesk Lustre / Flame ``.3dl`` 3D LUT.

    Lines of three integers are the table (``R G B`` outputs, **blue varying fastest**); the one
    line of more than three integers, when present, is the shaper (``0 64 128 ... 1023``). The
    lattice size is the cube root of the number of rows. A ``Mesh IN OUT`` line declares the
    lattice (``2**IN + 1`` points) and the output bit depth; without it the depth is inferred from
    the largest value as OpenColorIO does (the even depth of 8 to 16 bits whose full scale is
    within a factor of two of it). A shaper that is a uniform ramp (within 2 codes) is the
    identity and dropped; another one is a 1D LUT applied first (its values over its own full
    scale, as OpenColorIO applies it), and the result a :class:`LUTSequence`. Outputs are scaled
    to [0, 1]; the domain is [0, 1].

    Raises
    ------
    LUTError
        Malformed content; the message names the file and line.

    References
    ----------
    .. [1] Autodesk. Lustre / Flame 3D LUT format, as read by OpenColorIO (``FileFormat3DL``).
    """
    p, lines = _read_lines(path)
    parsed = _3dl_parse(p, lines)
    return _3dl_build(p, lines, parsed)


@dataclass
class _3dlParsed:
    comments: list[str] = field(default_factory=list)
    shaper: list[int] | None = None
    shaper_ln: int = 0
    mesh: tuple[int, int, int] | None = None  # in bits, out bits, line
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def _3dl_parse(p: Path, lines: list[str]) -> _3dlParsed:
    """Comments, the Mesh line, the shaper line and the table rows of a ``.3dl`` file."""
    r = _3dlParsed()
    for ln, line in enumerate(lines, start=1):
        s = line.strip()
        if not s:
            continue
        if s.startswith("#"):
            r.comments.append(_comment_text(line))
            continue
        if s.startswith("<"):
            raise LUTError(f"{p}: line {ln}: a line starting with '<' (XML?) in a .3dl file")
        toks = s.split()
        head = toks[0]
        if not _NUM_RE.fullmatch(head):  # a keyword line (3DMESH, Mesh, LUT8, gamma ...)
            if head.lower() == "mesh":
                if r.mesh is not None or r.rows or r.shaper is not None:
                    raise LUTError(f"{p}: line {ln}: Mesh must come once, before the data")
                if len(toks) != 3 or not all(_INT_RE.fullmatch(t) for t in toks[1:]):
                    raise LUTError(f"{p}: line {ln}: expected 'Mesh IN_BITS OUT_BITS', got {_q(s)}")
                a, b = int(toks[1]), int(toks[2])
                if not (1 <= a <= 8 and 8 <= b <= 16):
                    raise LUTError(f"{p}: line {ln}: Mesh {a} {b} is out of range")
                r.mesh = (a, b, ln)
            # 3DMESH, LUT8, gamma ... carry no table data
            continue
        for t in toks:
            if not _INT_RE.fullmatch(t) or len(t) > 7:
                raise LUTError(f"{p}: line {ln}: {_q(t)} is not a non-negative integer code")
        if len(toks) > 3:
            if r.shaper is not None:
                raise LUTError(f"{p}: line {ln}: a second shaper line (the first is line "
                               f"{r.shaper_ln})")
            if r.rows:
                raise LUTError(f"{p}: line {ln}: a shaper line after the table data started")
            r.shaper, r.shaper_ln = [int(t) for t in toks], ln
        elif len(toks) == 3:
            r.rows.append((ln, toks))
        else:
            raise LUTError(f"{p}: line {ln}: expected 3 integers (R G B), got {len(toks)}")
    return r


def _3dl_build(p: Path, lines: list[str], r: _3dlParsed) -> LUT3D | LUTSequence:
    last = len(lines)
    if not r.rows:
        raise LUTError(f"{p}: line {last}: no table data (lines of three integers)")
    count = len(r.rows)
    if count < 8:
        raise LUTError(f"{p}: line {last}: only {count} table entries (lines of three "
                       "integers); a 3D LUT has at least 2^3 = 8")
    n = round(count ** (1 / 3))
    if r.mesh is not None:
        want = 2 ** r.mesh[0] + 1
        if count != want ** 3:
            more = count > want ** 3
            ln = r.rows[want ** 3][0] if more else last
            raise LUTError(f"{p}: line {ln}: {'more' if more else 'truncated:'} {count} table "
                           f"entries, Mesh (line {r.mesh[2]}) declares {want}^3 = {want ** 3}")
        n = want
    elif n ** 3 != count:
        raise LUTError(f"{p}: line {last}: {count} table entries is not a cube (N^3) "
                       "(truncated or extra lines?)")
    if not LUT_SIZE_RANGE_3D[0] <= n <= LUT_SIZE_RANGE_3D[1]:
        raise LUTError(f"{p}: line {last}: lattice of {n} points per axis is outside "
                       f"[{LUT_SIZE_RANGE_3D[0]}, {LUT_SIZE_RANGE_3D[1]}]")
    vals = np.array([[int(t) for t in toks] for _, toks in r.rows], dtype=np.int64)
    vmax = int(vals.max())
    if r.mesh is not None:
        depth = r.mesh[1]
        if vmax > 2 ** depth - 1:
            ln = r.rows[int(np.argmax(vals.max(axis=1) > 2 ** depth - 1))][0]
            raise LUTError(f"{p}: line {ln}: value above the {depth}-bit maximum {2 ** depth - 1} "
                           f"declared by Mesh (line {r.mesh[2]})")
    else:
        if vmax < _3DL_MIN_PLAUSIBLE_MAX:
            raise LUTError(f"{p}: line {r.rows[0][0]}: the largest output code is {vmax}; a .3dl "
                           "holds 8- to 16-bit integer codes (another format?)")
        if vmax > 2 ** 17 - 1:
            ln = r.rows[int(np.argmax(vals.max(axis=1)))][0]
            raise LUTError(f"{p}: line {ln}: value {vmax} exceeds 16 bits")
        depth = _3dl_likely_depth(vmax)
    table = (vals.astype(np.float64) / (2 ** depth - 1)).reshape(n, n, n, 3)  # blue fastest
    lut = LUT3D(table, title="", comments=tuple(r.comments))
    shaper = _3dl_shaper(p, r)
    return lut if shaper is None else LUTSequence((shaper, lut), comments=tuple(r.comments))


def _3dl_shaper(p: Path, r: _3dlParsed) -> LUT1D | None:
    """The shaper line as a 1D LUT, or None for the usual identity ramp."""
    if r.shaper is None:
        return None
    g = np.array(r.shaper, dtype=np.float64)
    smax = int(g.max())
    if smax < _3DL_MIN_PLAUSIBLE_MAX:
        raise LUTError(f"{p}: line {r.shaper_ln}: the largest shaper code is {smax}; expected "
                       "8- to 16-bit integer codes")
    if smax > 2 ** 17 - 1:
        raise LUTError(f"{p}: line {r.shaper_ln}: shaper value {smax} exceeds 16 bits")
    if not LUT_SIZE_RANGE_1D[0] <= g.size <= LUT_SIZE_RANGE_1D[1]:
        raise LUTError(f"{p}: line {r.shaper_ln}: {g.size} shaper points is outside "
                       f"[{LUT_SIZE_RANGE_1D[0]}, {LUT_SIZE_RANGE_1D[1]}]")
    full = 2 ** _3dl_likely_depth(smax) - 1
    if np.all(np.abs(np.arange(g.size) * (full / (g.size - 1)) - g) < 2.0):
        return None
    return LUT1D(np.repeat((g / full)[:, None], 3, axis=1))


def write_3dl(lut: LUT3D, path: str | os.PathLike[str], *, bit_depth: int = 12,
              overwrite: bool = False) -> Path:
    """Write a 3D LUT as an Autodesk Lustre ``.3dl`` file (atomically).

    The file has the Lustre header (``3DMESH``, ``Mesh IN OUT`` when the lattice is
    ``2**IN + 1`` points), the 10-bit input shaper line of a uniform grid (``0 64 ... 1023``
    for 17 points), then the outputs as ``bit_depth``-bit integers with blue varying fastest.
    A ``.3dl`` has no domain and holds codes in [0, 1]: the LUT's domain must be [0, 1] and
    its values within [0, 1] (to half a code); anything else is refused (write a ``.cube``).

    Parameters
    ----------
    lut
        A :class:`LUT3D` with domain [0, 1].
    path
        Destination.
    bit_depth
        Output codes: 10, 12 (default, as Lustre) or 16 bits.
    overwrite
        Replace an existing file.

    References
    ----------
    .. [1] Autodesk. Lustre / Flame 3D LUT format, as read by OpenColorIO (``FileFormat3DL``).
    """
    if not isinstance(lut, LUT3D):
        raise ParameterError(f"write_3dl needs a LUT3D, got {type(lut).__name__} (a .3dl holds "
                             "one 3D table)")
    if bit_depth not in (10, 12, 16):
        raise ParameterError(f".3dl output bit depth must be 10, 12 or 16, got {bit_depth!r}")
    if not (np.all(lut.domain_min == 0) and np.all(lut.domain_max == 1)):
        raise ParameterError(f"a .3dl has no domain: the LUT's must be [0, 1], got "
                             f"{lut.domain_min.tolist()} .. {lut.domain_max.tolist()} "
                             "(write a .cube)")
    full = 2 ** bit_depth - 1
    t = lut.table.astype(np.float64)
    if t.min() < -0.5 / full or t.max() > 1 + 0.5 / full:
        raise ParameterError(f"a .3dl holds values in [0, 1]; this LUT has {t.min():.6g} .. "
                             f"{t.max():.6g} (write a .cube)")
    for c in lut.comments:
        _check_text(c, "comment")
    n = lut.size
    out = [f"# {c}" for c in lut.comments]
    if lut.title:
        out.append(f"# {lut.title}")
    out.append("3DMESH")
    mesh_in = int(round(math.log2(n - 1))) if n > 2 else 1
    if 2 ** mesh_in + 1 == n:
        out.append(f"Mesh {mesh_in} {bit_depth}")
    out.append(" ".join(str(int(round(i * 1023 / (n - 1)))) for i in range(n)))
    codes = np.rint(np.clip(t, 0, 1) * full).astype(np.int64).reshape(-1, 3)  # blue fastest
    out.extend(f"{r} {g} {b}" for r, g, b in codes.tolist())
    text = "\n".join(out) + "\n"
    p = Path(path)
    with atomic_write(p, overwrite=overwrite) as tmp:
        tmp.write_bytes(text.encode("utf-8"))
    return p


LUT_WRITE_EXTENSIONS: tuple[str, ...] = (".cube", ".3dl")
"""LUT file extensions :func:`write_lut` writes."""


def check_lut_output(path: str | os.PathLike[str]) -> Path:
    """``path`` if :func:`write_lut` can write its format, else an
    :class:`~brightroom.errors.UnsupportedFormatError` (to fail before any work)."""
    p = Path(path)
    if p.suffix.lower() not in LUT_WRITE_EXTENSIONS:
        raise UnsupportedFormatError(f"{p}: cannot write a LUT as {p.suffix or '(no extension)'!r}"
                                     f"; expected {' or '.join(LUT_WRITE_EXTENSIONS)}")
    return p


def write_lut(lut: LUT1D | LUT3D | LUTSequence, path: str | os.PathLike[str], *,
              bit_depth: int = 12, overwrite: bool = False) -> Path:
    """Write ``lut`` as ``.cube`` (:func:`write_cube`) or ``.3dl`` (:func:`write_3dl`, with
    ``bit_depth``-bit codes), chosen by the extension."""
    p = check_lut_output(path)
    if p.suffix.lower() == ".3dl":
        return write_3dl(lut, p, bit_depth=bit_depth, overwrite=overwrite)  # type: ignore[arg-type]
    return write_cube(lut, p, overwrite=overwrite)


# --------------------------------------------------------------------------------------------
# .clf / .ctf (OpenColorIO)

def read_clf(path: str | os.PathLike[str]) -> ProcessList:
    """Read a Common LUT Format ``.clf`` or Autodesk ``.ctf`` file with OpenColorIO.

    The transform is built by OpenColorIO (``FileTransform``, its CPU processor at 32-bit
    float), which reads every CLF/CTF node type; applying it (:func:`apply_lut`) runs that
    processor.

    Raises
    ------
    LUTError
        OpenColorIO refuses the file (its reason is in the message).
    InputError
        The file is missing or unreadable.

    References
    ----------
    .. [1] SMPTE ST 2136-10 / Academy S-2014-006, Common LUT Format (CLF) v3.
    .. [2] OpenColorIO (Academy Software Foundation), ``FileFormatCTF``.
    """
    import PyOpenColorIO as ocio  # lazy: 0.1 s to import, needed only for CLF/CTF files

    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such LUT file")
    if not p.is_file():
        raise InputError(f"{p}: not a regular file")
    try:
        cfg = ocio.Config.CreateRaw()
        group = ocio.FileTransform(src=str(p.resolve()), interpolation=ocio.INTERP_BEST,
                                   direction=ocio.TRANSFORM_DIR_FORWARD)
        proc = cfg.getProcessor(group)
        cpu = proc.getDefaultCPUProcessor()
        fm = proc.createGroupTransform().getFormatMetadata()
        desc = tuple(str(d.getElementValue()) for d in fm.getChildElements()
                     if d.getElementName() == "Description")
        name = fm.getName() or p.stem
    except ocio.Exception as e:
        raise LUTError(f"{p}: not a valid CLF/CTF file: {_ocio_reason(str(e))}") from None
    return ProcessList(p, str(name), desc, cpu)


def _ocio_reason(text: str) -> str:
    """The one line of an OpenColorIO load error that says what is wrong."""
    reasons = [ln.split("failed with:", 1)[1].strip() for ln in text.splitlines()
               if "failed with:" in ln]
    if reasons:
        return " ".join(reasons[0].split())
    return "OpenColorIO recognises no CLF/CTF process list in it"


LUT_EXTENSIONS: tuple[str, ...] = (".cube", ".3dl", ".clf", ".ctf")
"""LUT file extensions :func:`read_lut` reads."""


@file_errors(0)
def read_lut(path: str | os.PathLike[str]) -> LUT1D | LUT3D | LUTSequence | ProcessList:
    """Read a ``.cube``, ``.3dl``, ``.clf`` or ``.ctf`` file, chosen by extension."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".cube":
        return read_cube(p)
    if ext == ".3dl":
        return read_3dl(p)
    if ext in (".clf", ".ctf"):
        return read_clf(p)
    raise UnsupportedFormatError(f"{p}: unknown LUT format {ext or '(no extension)'!r}; "
                                 "expected .cube, .3dl, .clf or .ctf")


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


def apply_lut(image: np.ndarray | Image, lut: LUT1D | LUT3D | LUTSequence | ProcessList, *,
              method: str = "tetrahedral", fast: bool = True) -> Any:
    """Apply a LUT to an image or to an array of RGB triplets.

    Parameters
    ----------
    image
        ``(..., 3)`` array (any float or integer dtype, taken as values in the LUT's domain) or an
        :class:`~brightroom.types.Image` (its data are used as they are: apply a display LUT to a
        display-encoded image).
    lut
        :class:`LUT3D` or :class:`LUT1D` (a 1D LUT is always interpolated linearly per channel),
        a :class:`LUTSequence` (its LUTs one after the other) or a :class:`ProcessList` (a
        CLF/CTF file, applied by OpenColorIO as the file says).
    method
        A key of :data:`LUT_METHODS` for a 3D LUT (case ignored): ``"tetrahedral"`` (default)
        or ``"trilinear"``. A :class:`ProcessList` interpolates as its file says.
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
    if isinstance(lut, LUTSequence):
        out = a
        for part in lut.luts:
            out = apply_lut(out, part, method=method, fast=fast)
        return np.asarray(out, dtype=np.float32)
    if isinstance(lut, ProcessList):
        return lut.apply(a)
    if not isinstance(lut, (LUT1D, LUT3D)):
        raise ParameterError(f"apply_lut needs a LUT1D, LUT3D, LUTSequence or ProcessList, got "
                             f"{type(lut).__name__}")
    npix = a.size // 3
    if fast and npix >= _FAST_MIN_PIXELS:
        if isinstance(lut, LUT3D):
            return _lut_numba.apply_lut3d_numba(a, lut, method=method)
        return _lut_numba.apply_lut1d_numba(a, lut)
    if isinstance(lut, LUT1D):
        return lut1d_linear(a, lut)
    return LUT_METHODS[method](a, lut)
