"""Brightroom's resource policy: how large an input may be before anything is allocated.

One place for every cap, at the lowest floor, so that every reader (PNG, TIFF, JPEG, HEIC/AVIF,
raw/DNG, ``.npy`` and the depth maps inside photos), the LUT and recipe parsers and the
capabilities apply the same rules. A reader learns the declared size from the file's header and
calls :func:`check_image` *before* decoding; an error names the file, the declared size, the
limit and how to raise it.

The caps (:class:`Limits`, the current ones from :func:`current`):

``max_pixels``
    300 MP (a 200 MP sensor passes). ``$BRIGHTROOM_MAX_PIXELS`` or ``--max-pixels`` (``300M``,
    ``1.5G``, ``0`` for no cap).
``max_dimension``
    65535 pixels per side (JPEG's own maximum). ``$BRIGHTROOM_MAX_DIMENSION``.
``memory``
    Bytes one operation may hold: ``$BRIGHTROOM_MEMORY_LIMIT`` (``4G``), else the process
    limit (``ulimit -v``), else the cgroup's ``memory.max``, else the memory available when the
    policy is first read.
``max_expansion``
    How many times its own size a compressed picture may decode to once the decoded size is
    above 256 MiB (200; zlib's ceiling is about 1032): a 746 KB PNG declaring 16384 x 16384
    is a decompression bomb, a real photo compresses 2-20 times. ``$BRIGHTROOM_MAX_EXPANSION``.
``max_lut_size``
    Points per axis of a 3D LUT (256: a 256^3 table, 200 MB in float32, is read; 257 is not).
    1D LUTs: ``max_lut_size ** 2`` entries.
``max_nesting``
    Nesting depth of arrays and tables in a recipe or look file (64).

Use :func:`limits` to change them for a block of code (the CLI's ``--max-pixels`` does)::

    with brightroom.limits.limits(max_pixels=500_000_000):
        brightroom.develop("pano.dng", "pano.jpg")

This module imports only the standard library and :mod:`brightroom.errors`.

References
----------
ImageMagick, "Security Policy" (``policy.xml``: width, height, area, memory limits).
Pillow, ``Image.MAX_IMAGE_PIXELS`` (its decompression-bomb check).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from brightroom.errors import ParameterError, ResourceLimitError

__all__ = [
    "Limits",
    "current",
    "limits",
    "check_image",
    "check_memory",
    "check_lut_size",
    "check_nesting",
    "parse_size",
    "memory_budget",
    "stored_bytes",
    "DEFAULT_MAX_PIXELS",
]

DEFAULT_MAX_PIXELS = 300_000_000
"""Default pixel cap: 300 MP."""

_EXPANSION_FLOOR = 256 * 2**20  # decoded bytes below which the expansion ratio is not checked


@dataclass(frozen=True)
class Limits:
    """The resource caps (see the module's docstring); 0 or None means no cap."""

    max_pixels: int = DEFAULT_MAX_PIXELS
    max_dimension: int = 65535
    memory: int | None = None
    memory_source: str = ""
    max_expansion: float = 200.0
    max_lut_size: int = 256
    max_nesting: int = 64


def parse_size(text: str | int | float, what: str) -> int:
    """``"300M"``, ``"1.5G"``, ``"4096"`` (K/M/G/T are powers of 1000 for pixels, of 1024 when
    ``what`` names bytes) as an integer >= 0."""
    s = str(text).strip()
    if s[-1:].lower() == "i":  # 4Gi
        s = s[:-1]
    binary = "memory" in what.lower() or "bytes" in what.lower()
    base = 1024 if binary else 1000
    mult = {"k": base, "m": base**2, "g": base**3, "t": base**4}.get(s[-1:].lower(), 1)
    num = s[:-1] if mult > 1 else s
    try:
        v = float(num) * mult
    except ValueError:
        raise ParameterError(f"{what} {s!r}: expected a number, e.g. 300M or 4G") from None
    if not v >= 0 or v == float("inf"):
        raise ParameterError(f"{what} {s!r}: expected a finite number >= 0")
    return int(v)


def memory_budget() -> tuple[int | None, str]:
    """The memory one operation may use and where that figure comes from.

    ``$BRIGHTROOM_MEMORY_LIMIT`` (bytes, or with a K/M/G suffix), else the process's
    address-space / data limit, else the cgroup's ``memory.max``, else the memory available now
    (``/proc/meminfo``); ``(None, "")`` where none can be read.
    """
    env = os.environ.get("BRIGHTROOM_MEMORY_LIMIT", "").strip()
    if env:
        return parse_size(env, "BRIGHTROOM_MEMORY_LIMIT (bytes)") or None, \
            "BRIGHTROOM_MEMORY_LIMIT"
    try:
        import resource  # lazy: POSIX only

        for name in ("RLIMIT_AS", "RLIMIT_DATA"):
            soft, _ = resource.getrlimit(getattr(resource, name))
            if soft not in (resource.RLIM_INFINITY, -1) and soft > 0:
                return int(soft), f"the process limit {name} (ulimit)"
    except (ImportError, OSError, ValueError):
        pass
    try:
        text = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if text.isdigit():
            return int(text), "the cgroup memory.max"
    except OSError:
        pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024, "the memory available now"
    except (OSError, ValueError, IndexError):
        pass
    return None, ""


def stored_bytes(path: str | os.PathLike[str]) -> int:
    """The bytes a file really holds on disk: its size, or less for a sparse file (a 3 GB
    "raw" made of holes holds a few kilobytes), for the expansion check of :func:`check_image`."""
    st = os.stat(path)
    blocks = getattr(st, "st_blocks", None)
    if blocks is None:
        return int(st.st_size)
    return int(min(st.st_size, blocks * 512))


_lock = threading.Lock()
_override: dict[str, object] = {}
_base: Limits | None = None


def _from_env() -> Limits:
    kw: dict[str, object] = {}
    for env, field, what in (("BRIGHTROOM_MAX_PIXELS", "max_pixels", "BRIGHTROOM_MAX_PIXELS"),
                             ("BRIGHTROOM_MAX_DIMENSION", "max_dimension",
                              "BRIGHTROOM_MAX_DIMENSION")):
        v = os.environ.get(env, "").strip()
        if v:
            kw[field] = parse_size(v, what)
    v = os.environ.get("BRIGHTROOM_MAX_EXPANSION", "").strip()
    if v:
        kw["max_expansion"] = float(parse_size(v, "BRIGHTROOM_MAX_EXPANSION"))
    mem, src = memory_budget()
    return Limits(memory=mem, memory_source=src, **kw)  # type: ignore[arg-type]


def current() -> Limits:
    """The caps in force: the defaults, then the environment (read once), then :func:`limits`."""
    global _base
    with _lock:
        if _base is None:
            _base = _from_env()
        return dataclasses.replace(_base, **_override) if _override else _base


def _reset() -> None:
    """Forget the environment read (tests change it)."""
    global _base
    with _lock:
        _base = None


@contextlib.contextmanager
def limits(**changes: object) -> Iterator[Limits]:
    """Change caps for the ``with`` block (``max_pixels=``, ``memory=``, ...; 0 lifts a cap)."""
    unknown = set(changes) - {f.name for f in dataclasses.fields(Limits)}
    if unknown:
        raise ParameterError(f"unknown limit(s) {', '.join(sorted(unknown))}")
    global _override
    with _lock:
        saved = dict(_override)
        _override = {**_override, **changes}
        if "memory" in changes and "memory_source" not in changes:
            _override["memory_source"] = "the limit given"
    try:
        yield current()
    finally:
        with _lock:
            _override = saved


def _mp(n: float) -> str:
    return f"{n / 1e6:.1f} MP" if n < 1e10 else f"{n / 1e9:.0f} GP"


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def check_image(path: str | os.PathLike[str], width: int, height: int, *, channels: int = 3,
                bytes_per_sample: int = 1, file_bytes: int | None = None,
                what: str = "picture", work_bytes_per_pixel: int = 12) -> None:
    """Refuse a declared picture size before it is decoded.

    Parameters
    ----------
    path
        The file (named in the error).
    width, height
        The size the file's header declares.
    channels, bytes_per_sample
        What the decoder allocates per pixel.
    file_bytes
        The compressed size (the file's, or the coded item's), for the expansion check.
    what
        What the picture is ("picture", "depth map", "raw mosaic"), for the message.
    work_bytes_per_pixel
        What the reader allocates per pixel on top (a float32 RGB copy: 12).

    Raises
    ------
    ResourceLimitError
        A side above ``max_dimension``, more than ``max_pixels``, a decode needing more than the
        memory budget, or a decompression bomb (see :class:`Limits`).
    """
    lim = current()
    w, h = int(width), int(height)
    if w < 0 or h < 0:
        raise ResourceLimitError(f"{path}: the {what} declares a size of {w}x{h}")
    if lim.max_dimension and max(w, h) > lim.max_dimension:
        raise ResourceLimitError(
            f"{path}: the {what} declares {w}x{h} pixels, a side above the limit of "
            f"{lim.max_dimension}; raise it with BRIGHTROOM_MAX_DIMENSION if the file is genuine")
    px = w * h
    if lim.max_pixels and px > lim.max_pixels:
        raise ResourceLimitError(
            f"{path}: the {what} declares {w}x{h} pixels ({_mp(px)}), above the limit of "
            f"{_mp(lim.max_pixels)}; raise it with --max-pixels or BRIGHTROOM_MAX_PIXELS if the "
            "file is genuine")
    decoded = px * max(int(channels), 1) * max(int(bytes_per_sample), 1)
    if (file_bytes is not None and lim.max_expansion and decoded > _EXPANSION_FLOOR
            and decoded > lim.max_expansion * max(int(file_bytes), 1)):
        raise ResourceLimitError(
            f"{path}: the {what} declares {w}x{h} pixels ({_gib(decoded)} decoded) in "
            f"{_gib(file_bytes) if file_bytes >= 2**20 else f'{file_bytes} bytes'}, "
            f"{decoded / max(file_bytes, 1):.0f} times its size: refused as a decompression bomb "
            f"(limit {lim.max_expansion:g}x); raise it with BRIGHTROOM_MAX_EXPANSION if the file "
            "is genuine")
    check_memory(decoded + px * work_bytes_per_pixel, f"reading the {what} of {path} "
                 f"({w}x{h})")


def check_memory(need: int, what: str) -> None:
    """Refuse an operation that needs ``need`` bytes when the budget is smaller.

    Raises
    ------
    ResourceLimitError
        Naming ``what``, the need, the budget, where the budget comes from and how to raise it.
    """
    lim = current()
    if lim.memory and need > lim.memory:
        raise ResourceLimitError(
            f"{what} needs about {_gib(need)} of memory, more than {lim.memory_source or 'the budget'}"
            f" allows ({_gib(lim.memory)}); downscale the input or raise the limit "
            "(BRIGHTROOM_MEMORY_LIMIT)")


def check_lut_size(path: str | os.PathLike[str], size: int, *, dims: int = 3) -> None:
    """Refuse a LUT whose declared size is above ``max_lut_size`` points per axis (3D) or
    ``max_lut_size ** 2`` entries (1D), before its table is read."""
    lim = current()
    cap = lim.max_lut_size if dims == 3 else lim.max_lut_size ** 2
    if lim.max_lut_size and size > cap:
        raise ResourceLimitError(
            f"{path}: a {dims}D LUT of size {size} is above the limit of {cap}"
            + (" points per axis" if dims == 3 else " entries"))


def check_nesting(text: str, source: str) -> None:
    """Refuse TOML text whose arrays or inline tables nest deeper than ``max_nesting`` (the
    parser recurses once per level); brackets inside strings are skipped."""
    cap = current().max_nesting
    if not cap or text.count("[") + text.count("{") <= cap:
        return
    depth = worst = 0
    quote = ""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 2
                continue
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif c in "[{":
            depth += 1
            worst = max(worst, depth)
        elif c in "]}":
            depth -= 1
        elif c == "\n" and depth <= 0:
            depth = 0
        i += 1
    if worst > cap:
        raise ResourceLimitError(f"{source}: arrays or tables nested {worst} levels deep, above "
                                 f"the limit of {cap}")
