"""The studio's library: the photos of one folder, addressed by opaque ids, never by path.

Every file the studio serves or renders is found by listing the library folder; an id is a hash
of the file's path relative to the folder, so no id, name or URL can reach outside it (``..``,
absolute paths, encoded slashes and symlinks that lead out are not listed). A file's kind comes
from its first bytes (:func:`sniff`), not from its name. Uploads are written atomically under a
safe name with the extension their content calls for. Originals are never modified: the
studio's own files (thumbnails, exports) live in ``.brightroom-studio/`` and ``exports/``.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from brightroom.errors import InputError
from brightroom.files import atomic_write

__all__ = ["Library", "Photo", "sniff", "UnsupportedMediaError", "STUDIO_DIR", "EXPORTS_DIR"]

STUDIO_DIR = ".brightroom-studio"
EXPORTS_DIR = "exports"

_RAW_EXT = {".dng", ".cr2", ".cr3", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".raf", ".orf",
            ".rw2", ".rwl", ".pef", ".srw", ".3fr", ".iiq", ".erf", ".kdc", ".dcr", ".mrw",
            ".x3f", ".gpr"}


class UnsupportedMediaError(InputError):
    """The content is not a photo, raw or video the studio can open (HTTP 415)."""


def sniff(head: bytes, name: str = "") -> tuple[str, str] | None:
    """``(kind, extension)`` from a file's first bytes: kind ``raw``, ``image`` or ``video``.

    TIFF-structured files (DNG and most raws) are raws when their name has a raw extension,
    else TIFF images; everything else is decided by content alone. ``None``: not a known kind.
    """
    ext = Path(name).suffix.lower()
    if head.startswith(b"\xff\xd8\xff"):
        return "image", ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image", ".png"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return ("raw", ext) if ext in _RAW_EXT else ("image", ".tif")
    if head[:4] in (b"IIU\x00", b"IIRO", b"IIRS", b"MMOR"):  # Panasonic RW2, Olympus ORF
        return "raw", ext if ext in _RAW_EXT else (".rw2" if head[:4] == b"IIU\x00" else ".orf")
    if head.startswith(b"FUJIFILMCCD-RAW"):
        return "raw", ".raf"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"crx ":
            return "raw", ".cr3"
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"hevc", b"heim", b"heis"):
            return "image", ".heic"
        if brand in (b"avif", b"avis"):
            return "image", ".avif"
        if brand in (b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash"):
            return "video", ".mp4"
        if brand == b"qt  ":
            return "video", ".mov"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video", ".mkv"
    return None


@dataclass(frozen=True)
class Photo:
    """One file of the library."""

    id: str
    name: str
    kind: str
    path: Path
    size: int
    mtime: float

    def to_dict(self) -> dict[str, object]:
        """JSON-ready (no path: the page never sees one)."""
        return {"id": self.id, "name": self.name, "kind": self.kind, "size": self.size,
                "mtime": self.mtime}


class Library:
    """The photos of ``root`` (not recursive; hidden files and the studio's folders skipped)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise InputError(f"{root}: the library must be an existing folder")
        self.studio_dir = self.root / STUDIO_DIR
        self.exports = self.root / EXPORTS_DIR
        self._cache: dict[str, Photo] = {}

    @staticmethod
    def _id(rel: str) -> str:
        return hashlib.blake2b(rel.encode("utf-8"), digest_size=9).hexdigest()

    def _inside(self, path: Path) -> bool:
        try:
            return path.resolve().is_relative_to(self.root)
        except OSError:
            return False

    def scan(self) -> list[Photo]:
        """List the library now (new files appear, deleted ones go)."""
        photos: dict[str, Photo] = {}
        try:
            entries = sorted(os.scandir(self.root), key=lambda e: e.name)
        except OSError as e:
            raise InputError(f"{self.root}: cannot list the library ({e.strerror})") from None
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = self.root / entry.name
            if not self._inside(path):  # a symlink that leads out of the library
                continue
            try:
                if not path.is_file():
                    continue
                st = path.stat()
                old = next((p for p in self._cache.values() if p.path == path), None)
                if old is not None and old.mtime == st.st_mtime and old.size == st.st_size:
                    photos[old.id] = old
                    continue
                with open(path, "rb") as f:
                    head = f.read(32)
            except OSError:
                continue
            kind = sniff(head, entry.name)
            if kind is None:
                continue
            pid = self._id(entry.name)
            photos[pid] = Photo(pid, entry.name, kind[0], path, st.st_size, st.st_mtime)
        self._cache = photos
        return list(photos.values())

    def get(self, photo_id: str) -> Photo:
        """The photo with this id.

        Raises
        ------
        KeyError
            No such photo in the library (any id that is not one of the listed files).
        """
        if not re.fullmatch(r"[0-9a-f]{18}", photo_id or ""):
            raise KeyError(photo_id)
        if photo_id not in self._cache:
            self.scan()
        photo = self._cache[photo_id]
        if not self._inside(photo.path) or not photo.path.is_file():
            raise KeyError(photo_id)
        return photo

    def add(self, name: str, data: bytes) -> Photo:
        """Store an upload under a safe, new name; its kind and extension from its content.

        Raises
        ------
        UnsupportedMediaError
            Not a photo, raw or video.
        """
        kind = sniff(data[:32], name)
        if kind is None:
            raise UnsupportedMediaError(f"{name or 'the upload'}: not a photo, raw or video "
                                        "(JPEG, PNG, TIFF, HEIC, AVIF, camera raws, MP4/MOV)")
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).stem).strip("._") or "upload"
        stem = stem[:80]
        target = self.root / f"{stem}{kind[1]}"
        n = 1
        while target.exists():
            n += 1
            target = self.root / f"{stem}-{n}{kind[1]}"
        with atomic_write(target) as tmp:
            tmp.write_bytes(data)
        self.scan()
        return self.get(self._id(target.name))

    def export_path(self, name: str) -> Path:
        """A file of ``exports/`` by its plain name (no folders).

        Raises
        ------
        KeyError
            A name with a separator, a dot-name, or not an existing export.
        """
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}", name or ""):
            raise KeyError(name)
        path = self.exports / name
        if not path.is_file() or not self._inside(path):
            raise KeyError(name)
        return path

    def report_path(self, name: str) -> Path:
        """The ``report.html`` of a lab score's folder of ``exports/``, by the folder's plain name.

        Raises
        ------
        KeyError
            A name with a separator, a dot-name, or no such report.
        """
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}", name or ""):
            raise KeyError(name)
        path = self.exports / name / "report.html"
        if not path.is_file() or not self._inside(path):
            raise KeyError(name)
        return path
