"""The HEIF item container (ISO/IEC 23008-12) on ISO base media file format boxes (ISO/IEC 14496-12):
read a file's items, properties and references, and write a new file from them.

:class:`Container` holds what a HEIC or AVIF file is made of: its brands, its items (coded
images, grids, EXIF, XMP, derived tone-map images), each item's properties (``hvcC`` /
``av1C``, ``ispe``, ``pixi``, ``colr``, ``irot``, ``auxC`` ... kept as the raw boxes), the
references between items (``auxl``, ``cdsc``, ``dimg``, ``thmb``) and the entity groups.
:func:`read_container` parses it (bounds-checked: a malformed file raises
:class:`~brightroom.errors.CorruptFileError` naming the box); :meth:`Container.to_bytes` writes
``ftyp``, ``meta`` (``hdlr``, ``pitm``, ``iinf``, ``iref``, ``iprp``, ``grpl``, ``iloc``) and one
``mdat``. The HEIC and AVIF writers use it to put a newly encoded picture together with items
carried over from the source photo (depth, gain map) without re-encoding them.

References
----------
ISO/IEC 14496-12:2022, Information technology - Coding of audio-visual objects - Part 12: ISO base
media file format (sections 4.2 boxes, 8.11 meta, iloc, iinf, iref, idat, grpl).
ISO/IEC 23008-12:2022, Image file format (HEIF): 6.5 item properties (ispe, pixi, colr, irot,
imir, auxC), 6.6 derived images.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from brightroom.errors import CorruptFileError

__all__: list[str] = []

_MAX_ITEMS = 10_000


class TruncatedHeifError(CorruptFileError):
    """An item's data (or a box) runs past the end of the file: the file was cut short."""


def _bad(path: Path | str, what: str) -> CorruptFileError:
    return CorruptFileError(f"{path}: HEIF container is malformed ({what})")


def boxes(data: bytes, start: int, end: int, path: Path | str = "") -> Iterator[tuple[bytes, int, int, int]]:
    """``(type, box start, body start, box end)`` of the boxes in ``data[start:end]``."""
    off = start
    while off < end:
        if off + 8 > end:
            raise _bad(path, f"a box header at byte {off} runs past its parent")
        size, typ = struct.unpack_from(">I4s", data, off)
        body = off + 8
        if size == 1:
            if off + 16 > end:
                raise _bad(path, f"box {typ!r} at byte {off} has a truncated 64-bit size")
            size = struct.unpack_from(">Q", data, off + 8)[0]
            body = off + 16
        elif size == 0:
            size = end - off
        if size < body - off or off + size > end:
            if end == len(data) and size >= body - off and typ == b"mdat":
                raise TruncatedHeifError(f"{path}: file is truncated (its mdat box says {size} "
                                         f"bytes, {end - off} are left)")
            raise _bad(path, f"box {typ.decode('latin-1')!r} at byte {off} says {size} bytes, "
                             f"only {end - off} are left")
        yield typ, off, body, off + size
        off += size


def box(typ: bytes, body: bytes) -> bytes:
    """A box of type ``typ`` around ``body``."""
    return struct.pack(">I4s", 8 + len(body), typ) + body


def full_box(typ: bytes, version: int, flags: int, body: bytes) -> bytes:
    """A full box (version and 24-bit flags before the body)."""
    return box(typ, struct.pack(">I", (version << 24) | flags) + body)


class _Reader:
    """Bounds-checked big-endian reads in ``data[pos:end]``."""

    def __init__(self, data: bytes, pos: int, end: int, path: Path | str, where: str) -> None:
        self.data, self.pos, self.end, self.path, self.where = data, pos, end, path, where

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > self.end:
            raise _bad(self.path, f"{self.where} is truncated")
        out = self.data[self.pos: self.pos + n]
        self.pos += n
        return out

    def uint(self, n: int) -> int:
        return int.from_bytes(self.take(n), "big") if n else 0

    def cstring(self) -> str:
        i = self.data.find(b"\0", self.pos, self.end)
        if i < 0:
            raise _bad(self.path, f"{self.where}: unterminated string")
        s = self.data[self.pos: i].decode("utf-8", "replace")
        self.pos = i + 1
        return s


@dataclass
class Item:
    """One item: its type, payload, properties (raw boxes, with their essential flag),
    references to other items and, for ``mime`` items, the content type."""

    id: int
    type: bytes
    data: bytes = b""
    props: list[tuple[bytes, bool]] = field(default_factory=list)
    refs: dict[bytes, list[int]] = field(default_factory=dict)
    name: str = ""
    content_type: str = ""
    hidden: bool = False

    def prop(self, typ: bytes) -> bytes | None:
        """The first property box of type ``typ`` (whole box), or None."""
        for p, _ in self.props:
            if p[4:8] == typ:
                return p
        return None


@dataclass
class Container:
    """A HEIF file's brands, items and entity groups (see the module documentation)."""

    major_brand: bytes = b"heic"
    compatible: tuple[bytes, ...] = (b"mif1", b"heic")
    primary: int = 1
    items: dict[int, Item] = field(default_factory=dict)
    groups: list[bytes] = field(default_factory=list)  # raw EntityToGroup boxes (grpl children)

    def referring(self, ref: bytes, to: int) -> list[Item]:
        """Items with a reference of type ``ref`` to item ``to`` (e.g. ``auxl`` to the primary)."""
        return [it for it in self.items.values() if to in it.refs.get(ref, [])]

    def next_id(self) -> int:
        return max(self.items, default=0) + 1

    def to_bytes(self) -> bytes:
        """The file: ``ftyp``, ``meta`` and one ``mdat`` with every item's data."""
        ftyp = box(b"ftyp", self.major_brand + b"\0\0\0\0" + b"".join(self.compatible))
        ids = sorted(self.items)
        big_ids = ids and ids[-1] > 0xFFFF
        hdlr = full_box(b"hdlr", 0, 0, b"\0\0\0\0pict" + b"\0" * 12 + b"\0")
        pitm = (full_box(b"pitm", 1, 0, struct.pack(">I", self.primary)) if big_ids
                else full_box(b"pitm", 0, 0, struct.pack(">H", self.primary)))
        infes = []
        for i in ids:
            it = self.items[i]
            body = (struct.pack(">I" if big_ids else ">H", i) + b"\0\0" + it.type
                    + it.name.encode() + b"\0")
            if it.type == b"mime":
                body += it.content_type.encode() + b"\0"
            infes.append(full_box(b"infe", 3 if big_ids else 2, 1 if it.hidden else 0, body))
        iinf = full_box(b"iinf", 0, 0, struct.pack(">H", len(infes)) + b"".join(infes))
        refs = []
        for i in ids:
            for typ, to in self.items[i].refs.items():
                if to:
                    fmt = ">I" if big_ids else ">H"
                    refs.append(box(typ, struct.pack(fmt, i) + struct.pack(">H", len(to))
                                    + b"".join(struct.pack(fmt, t) for t in to)))
        iref = full_box(b"iref", 1 if big_ids else 0, 0, b"".join(refs)) if refs else b""
        # properties: identical boxes shared, indices 1-based in order of first use
        table: dict[bytes, int] = {}
        assoc = []
        for i in ids:
            entries = []
            for p, essential in self.items[i].props:
                k = table.setdefault(p, len(table) + 1)
                entries.append((k, essential))
            if entries:
                assoc.append((i, entries))
        wide = len(table) > 127
        ipma_body = [struct.pack(">I", len(assoc))]
        for i, entries in assoc:
            ipma_body.append(struct.pack(">I" if big_ids else ">H", i) + bytes([len(entries)]))
            for k, ess in entries:
                ipma_body.append(struct.pack(">H", (ess << 15) | k) if wide
                                 else bytes([(ess << 7) | k]))
        ipco = box(b"ipco", b"".join(table))
        ipma = full_box(b"ipma", 1 if big_ids else 0, 1 if wide else 0, b"".join(ipma_body))
        iprp = box(b"iprp", ipco + ipma)
        grpl = box(b"grpl", b"".join(self.groups)) if self.groups else b""
        # iloc version 1: offset 4, length 4, base offset 0, no index; one extent per item
        n_loc = len(ids)

        def iloc(offsets: list[int]) -> bytes:
            body = bytes([0x44, 0x00]) + struct.pack(">H", n_loc)
            for i, off in zip(ids, offsets):
                body += struct.pack(">HHHHII", i, 0, 0, 1, off, len(self.items[i].data))
            return full_box(b"iloc", 1, 0, body)

        if big_ids:  # iloc version 2 for 32-bit item ids
            def iloc(offsets: list[int]) -> bytes:  # noqa: F811
                body = bytes([0x44, 0x00]) + struct.pack(">I", n_loc)
                for i, off in zip(ids, offsets):
                    body += struct.pack(">IHHHII", i, 0, 0, 1, off, len(self.items[i].data))
                return full_box(b"iloc", 2, 0, body)

        inner = hdlr + pitm + iinf + iref + iprp + grpl
        meta_len = 12 + len(inner) + len(iloc([0] * n_loc))
        total = sum(len(self.items[i].data) for i in ids)
        big_mdat = total + 8 > 0xFFFFFFFF
        pos = len(ftyp) + meta_len + (16 if big_mdat else 8)
        offsets = []
        for i in ids:
            offsets.append(pos)
            pos += len(self.items[i].data)
        if pos > 0xFFFFFFFF:
            raise CorruptFileError("HEIF output over 4 GiB is not supported")
        meta = full_box(b"meta", 0, 0, inner + iloc(offsets))
        payload = b"".join(self.items[i].data for i in ids)
        mdat = (struct.pack(">I4sQ", 1, b"mdat", 16 + len(payload)) if big_mdat
                else struct.pack(">I4s", 8 + len(payload), b"mdat"))
        return ftyp + meta + mdat + payload


def read_container(data: bytes, path: Path | str = "") -> Container:
    """Parse a HEIF file's ``ftyp`` and ``meta`` into a :class:`Container` (item data resolved
    from ``iloc``: file extents or ``idat``)."""
    top = {typ: (start, body, end) for typ, start, body, end in boxes(data, 0, len(data), path)}
    if b"ftyp" not in top:
        raise _bad(path, "no ftyp box")
    if b"meta" not in top:
        raise _bad(path, "no meta box")
    _, fb, fe = top[b"ftyp"]
    if fe - fb < 8:
        raise _bad(path, "ftyp is truncated")
    c = Container(major_brand=data[fb: fb + 4],
                  compatible=tuple(data[i: i + 4] for i in range(fb + 8, fe - 3, 4)))
    _, mb, me = top[b"meta"]
    kids = {typ: (body, end) for typ, _, body, end in boxes(data, mb + 4, me, path)}
    for need in (b"pitm", b"iinf", b"iloc"):
        if need not in kids:
            raise _bad(path, f"meta has no {need.decode()} box")
    r = _Reader(data, *kids[b"pitm"], path, "pitm")
    version = r.uint(1)
    r.take(3)
    c.primary = r.uint(4 if version else 2)
    # items
    b, e = kids[b"iinf"]
    r = _Reader(data, b, e, path, "iinf")
    version = r.uint(1)
    r.take(3)
    count = r.uint(4 if version else 2)
    if count > _MAX_ITEMS:
        raise _bad(path, f"{count} items")
    for typ, _, ib, ie in boxes(data, r.pos, e, path):
        if typ != b"infe":
            continue
        ir = _Reader(data, ib, ie, path, "infe")
        v = ir.uint(1)
        flags = ir.uint(3)
        if v < 2:
            continue  # version 0/1 entries are not image items
        iid = ir.uint(4 if v == 3 else 2)
        ir.uint(2)  # protection index
        it = Item(iid, ir.take(4), hidden=bool(flags & 1))
        it.name = ir.cstring() if ir.pos < ie else ""
        if it.type == b"mime" and ir.pos < ie:
            it.content_type = ir.cstring()
        c.items[iid] = it
    # references
    if b"iref" in kids:
        b, e = kids[b"iref"]
        r = _Reader(data, b, e, path, "iref")
        v = r.uint(1)
        r.take(3)
        w = 4 if v else 2
        for typ, _, rb, re_ in boxes(data, r.pos, e, path):
            rr = _Reader(data, rb, re_, path, f"iref {typ.decode('latin-1')}")
            frm = rr.uint(w)
            n = rr.uint(2)
            to = [rr.uint(w) for _ in range(n)]
            if frm in c.items:
                c.items[frm].refs.setdefault(typ, []).extend(to)
    # properties
    if b"iprp" in kids:
        pb, pe = kids[b"iprp"]
        pk = {typ: (body, end) for typ, _, body, end in boxes(data, pb, pe, path)}
        props = ([data[s: en] for _, s, _, en in boxes(data, *pk[b"ipco"], path)]
                 if b"ipco" in pk else [])
        for typ, _, ab, ae in boxes(data, pb, pe, path):
            if typ != b"ipma":
                continue
            r = _Reader(data, ab, ae, path, "ipma")
            v = r.uint(1)
            flags = r.uint(3)
            for _ in range(r.uint(4)):
                iid = r.uint(4 if v else 2)
                for _ in range(r.uint(1)):
                    x = r.uint(2 if flags & 1 else 1)
                    bits = 15 if flags & 1 else 7
                    k, ess = x & ((1 << bits) - 1), bool(x >> bits)
                    if k and iid in c.items:
                        if k > len(props):
                            raise _bad(path, f"ipma names property {k} of {len(props)}")
                        c.items[iid].props.append((props[k - 1], ess))
    if b"grpl" in kids:
        c.groups = [data[s: en] for _, s, _, en in boxes(data, *kids[b"grpl"], path)]
    idat = kids.get(b"idat")
    _read_iloc(data, *kids[b"iloc"], c, idat, path)
    return c


def _read_iloc(data: bytes, b: int, e: int, c: Container, idat: tuple[int, int] | None,
               path: Path | str) -> None:
    r = _Reader(data, b, e, path, "iloc")
    v = r.uint(1)
    r.take(3)
    x = r.uint(1)
    off_size, len_size = x >> 4, x & 15
    x = r.uint(1)
    base_size, idx_size = x >> 4, (x & 15 if v in (1, 2) else 0)
    n = r.uint(4 if v == 2 else 2)
    if n > _MAX_ITEMS:
        raise _bad(path, f"iloc lists {n} items")
    for _ in range(n):
        iid = r.uint(4 if v == 2 else 2)
        method = r.uint(2) & 15 if v in (1, 2) else 0
        r.uint(2)  # data reference index
        base = r.uint(base_size)
        parts = []
        for _ in range(r.uint(2)):
            r.uint(idx_size)
            off, ln = r.uint(off_size), r.uint(len_size)
            if method == 0:
                lo = base + off
                hi = lo + ln if ln else len(data)
            elif method == 1 and idat is not None:
                lo = idat[0] + base + off
                hi = lo + ln if ln else idat[1]
                if hi > idat[1]:
                    raise _bad(path, f"item {iid}'s idat extent runs past idat")
            else:
                raise _bad(path, f"item {iid} uses iloc construction method {method}")
            if hi > len(data):
                raise TruncatedHeifError(f"{path}: file is truncated (item {iid}'s data ends at "
                                         f"byte {hi}, the file at {len(data)})")
            parts.append(data[lo:hi])
        if iid in c.items:
            c.items[iid].data = b"".join(parts)
