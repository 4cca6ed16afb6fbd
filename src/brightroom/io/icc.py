"""ICC display profiles for Brightroom's RGB spaces, and recognising the profiles of others.

:func:`icc_profile` builds a matrix/TRC RGB display profile (ICC v4.3, or v2.1 for old readers)
for any space in :mod:`brightroom.color.spaces`: the space's primaries chromatically adapted to the
ICC D50 profile connection space with the Bradford transform, the sRGB transfer curve (a
``parametricCurveType`` function 3 in v4, a 1024-entry ``curv`` table in v2), a ``chad`` tag with
the adaptation matrix, and a description naming the space.

:func:`identify_icc` goes the other way: it reads the colorant tags of any matrix/TRC profile and
names the space whose D50-adapted primaries they match, so that profiles written by other software
(Apple's "Display P3", the lcms and HP sRGB profiles, ...) are recognised.

References
----------
International Color Consortium (2010). ICC.1:2010 (profile version 4.3.0.0), Image technology
colour management - Architecture, profile format, and data structure. Sections 7 (header and
tag table), 9.2 (tags: rXYZ/gXYZ/bXYZ, rTRC/gTRC/bTRC, chad, desc, wtpt) and 10 (curveType,
parametricCurveType, multiLocalizedUnicodeType, s15Fixed16ArrayType, XYZType).
International Color Consortium (1998). ICC.1:1998-09 (version 2.1), textDescriptionType.
IEC 61966-2-1:1999, sRGB (the transfer curve).
Lam, K. M. (1985). Metamerism and colour constancy (Bradford adaptation).
"""

from __future__ import annotations

import hashlib
import struct
from functools import cache

import numpy as np

from brightroom.color.spaces import RGB_SPACES, bradford_adaptation, get_space
from brightroom.errors import ParameterError

__all__ = ["icc_profile", "identify_icc", "icc_description", "icc_colorants", "ICC_D50"]

ICC_D50 = np.array([0.9642, 1.0, 0.8249])
"""The ICC profile connection space illuminant (ICC.1:2010, 7.2.16), exactly as encoded."""

# display names written in the ``desc`` tag
_DESCRIPTIONS = {"sRGB": "sRGB IEC61966-2.1", "Display P3": "Display P3"}
# sRGB decoding as a parametricCurveType function 3: Y = (aX + b)^g for X >= d, else cX
_SRGB_PARA = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)
_DATE = (2026, 1, 1, 0, 0, 0)  # fixed, so that profiles are byte-identical between runs


def _s15(x: float) -> int:
    return int(np.round(x * 65536.0))


def _s15f16(values: np.ndarray | tuple[float, ...] | list[float]) -> bytes:
    v = [_s15(float(x)) for x in np.ravel(values)]
    return struct.pack(f">{len(v)}i", *v)


def _xyz_tag(xyz: np.ndarray | tuple[int, ...], raw: bool = False) -> bytes:
    body = struct.pack(">3i", *xyz) if raw else _s15f16(xyz)
    return b"XYZ " + b"\0" * 4 + body


def _mluc(text: str) -> bytes:
    s = text.encode("utf-16-be")
    return b"mluc" + b"\0" * 4 + struct.pack(">II", 1, 12) + b"enUS" + struct.pack(
        ">II", len(s), 28) + s


def _desc_v2(text: str) -> bytes:
    a = text.encode("ascii", "replace") + b"\0"
    return (b"desc" + b"\0" * 4 + struct.pack(">I", len(a)) + a + struct.pack(">II", 0, 0)
            + struct.pack(">HB", 0, 0) + b"\0" * 67)


def _text_v2(text: str) -> bytes:
    return b"text" + b"\0" * 4 + text.encode("ascii", "replace") + b"\0"


def _para_srgb() -> bytes:
    return b"para" + b"\0" * 4 + struct.pack(">HH", 3, 0) + _s15f16(_SRGB_PARA)


def _curv_srgb(n: int = 1024) -> bytes:
    x = np.linspace(0.0, 1.0, n)
    y = np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)
    q = np.round(y * 65535).astype(">u2")
    return b"curv" + b"\0" * 4 + struct.pack(">I", n) + q.tobytes()


def icc_colorants(space: str) -> np.ndarray:
    """The ``space``'s RGB -> XYZ matrix adapted to the ICC D50 PCS (columns: r, g, b XYZ).

    The colorants are rounded to s15Fixed16 so that they sum exactly to the encoded D50 white
    (ICC.1:2010 annex D: RGB (1, 1, 1) must map to the PCS white).
    """
    s = get_space(space)
    m = bradford_adaptation(s.white, ICC_D50) @ s.to_xyz
    q = np.round(m * 65536.0).astype(np.int64)
    target = np.round(ICC_D50 * 65536.0).astype(np.int64)
    for i in range(3):
        q[i, np.argmax(np.abs(m[i]))] += target[i] - q[i].sum()
    return q / 65536.0


def _build(space: str, version: int) -> bytes:
    desc = _DESCRIPTIONS.get(space, space)
    if get_space(space).transfer != "sRGB":
        desc += " (sRGB transfer curve)"
    col = np.round(icc_colorants(space) * 65536).astype(np.int64)
    s = get_space(space)
    chad = bradford_adaptation(s.white, ICC_D50)
    copyright_ = "No copyright, use freely"
    if version == 4:
        trc = _para_srgb()
        tags = [(b"desc", _mluc(desc)), (b"cprt", _mluc(copyright_))]
    else:
        trc = _curv_srgb()
        tags = [(b"desc", _desc_v2(desc)), (b"cprt", _text_v2(copyright_))]
    tags += [
        (b"wtpt", _xyz_tag(ICC_D50)),
        (b"rXYZ", _xyz_tag(tuple(col[:, 0]), raw=True)),
        (b"gXYZ", _xyz_tag(tuple(col[:, 1]), raw=True)),
        (b"bXYZ", _xyz_tag(tuple(col[:, 2]), raw=True)),
        (b"rTRC", trc), (b"gTRC", trc), (b"bTRC", trc),
        (b"chad", b"sf32" + b"\0" * 4 + _s15f16(chad)),
    ]
    # tag data, 4-byte aligned; the three TRCs share one copy
    n = len(tags)
    offset = 128 + 4 + 12 * n
    table, blobs, seen = [], [], {}
    for sig, data in tags:
        if data in seen:
            table.append((sig, *seen[data]))
            continue
        seen[data] = (offset, len(data))
        table.append((sig, offset, len(data)))
        pad = data + b"\0" * (-len(data) % 4)
        blobs.append(pad)
        offset += len(pad)
    body = struct.pack(">I", n) + b"".join(struct.pack(">4sII", *t) for t in table)
    body += b"".join(blobs)
    size = 128 + len(body)
    ver = 0x04300000 if version == 4 else 0x02100000
    header = struct.pack(">I4sI4s4s4s6H4s4sI4s4s8sI", size, b"\0\0\0\0", ver, b"mntr", b"RGB ",
                         b"XYZ ", *_DATE, b"acsp", b"\0\0\0\0", 0, b"\0\0\0\0", b"\0\0\0\0",
                         b"\0" * 8, 0)
    header += _s15f16(ICC_D50) + b"BRTR" + b"\0" * 16 + b"\0" * 28
    assert len(header) == 128
    profile = bytearray(header + body)
    if version == 4:  # profile ID: MD5 with flags, intent and ID zeroed (ICC.1:2010 7.2.18)
        profile[84:100] = hashlib.md5(bytes(profile), usedforsecurity=False).digest()
    return bytes(profile)


@cache
def icc_profile(name: str = "sRGB", version: int = 4) -> bytes:
    """An ICC display profile (bytes) for the RGB space ``name``, encoded with the sRGB curve.

    Parameters
    ----------
    name
        A space of :data:`brightroom.color.spaces.RGB_SPACES` (``"sRGB"``, ``"Display P3"``, ...).
    version
        4 (ICC v4.3, parametric curve, the default) or 2 (ICC v2.1, 1024-entry curve table).

    Returns
    -------
    bytes
        The profile; identical bytes for identical arguments.

    References
    ----------
    ICC.1:2010, Image technology colour management (profile version 4.3.0.0).
    """
    if name not in RGB_SPACES:
        raise ParameterError(f"no ICC profile for {name!r}; known spaces: {', '.join(RGB_SPACES)}")
    if version not in (2, 4):
        raise ParameterError(f"ICC profile version must be 2 or 4, got {version!r}")
    return _build(name, version)


# ------------------------------------------------------------------------------- reading
def _tags(data: bytes) -> dict[bytes, bytes]:
    if len(data) < 132 or data[36:40] != b"acsp":
        return {}
    (n,) = struct.unpack_from(">I", data, 128)
    out = {}
    for i in range(min(n, 200)):
        at = 132 + 12 * i
        if at + 12 > len(data):
            break
        sig, off, size = struct.unpack_from(">4sII", data, at)
        if off + size <= len(data):
            out[sig] = data[off: off + size]
    return out


def icc_description(data: bytes) -> str | None:
    """The ``desc`` text of an ICC profile (v2 ``desc`` or v4 ``mluc``), or None."""
    d = _tags(data).get(b"desc")
    if not d or len(d) < 12:
        return None
    if d[:4] == b"mluc":
        n, rec = struct.unpack_from(">II", d, 8)
        if n < 1 or len(d) < 16 + rec:
            return None
        length, off = struct.unpack_from(">II", d, 20)
        return d[off: off + length].decode("utf-16-be", "replace").rstrip("\0")
    if d[:4] == b"desc":
        (n,) = struct.unpack_from(">I", d, 8)
        return d[12: 12 + n].split(b"\0")[0].decode("latin-1")
    return None


def _colorants(data: bytes) -> np.ndarray | None:
    tags = _tags(data)
    cols = []
    for sig in (b"rXYZ", b"gXYZ", b"bXYZ"):
        t = tags.get(sig)
        if t is None or len(t) < 20 or t[:4] != b"XYZ ":
            return None
        cols.append(np.array(struct.unpack_from(">3i", t, 8)) / 65536.0)
    return np.array(cols).T


def identify_icc(data: bytes | None, *, tolerance: float = 0.01) -> str | None:
    """Name the Brightroom RGB space an ICC profile describes, or None.

    The profile's D50 colorants (``rXYZ``, ``gXYZ``, ``bXYZ``) are compared with those of every
    space in :data:`~brightroom.color.spaces.RGB_SPACES`; the closest within ``tolerance``
    (largest absolute difference of an XYZ component) wins. Profiles without colorants (LUT
    based) are named from their description when it says "sRGB" or "Display P3".
    Only the primaries are identified, not the transfer curve.

    Parameters
    ----------
    data
        The profile bytes (e.g. ``Image.info["icc_profile"]`` from Pillow).
    tolerance
        Largest accepted colorant difference. sRGB and Display P3 differ by more than 0.05.

    Returns
    -------
    str or None
        ``"sRGB"``, ``"Display P3"``, ... or None when unrecognised.
    """
    if not data:
        return None
    data = bytes(data)
    if len(data) >= 20 and data[16:20] != b"RGB ":
        return None
    m = _colorants(data)
    if m is not None:
        best, err = None, tolerance
        for name in RGB_SPACES:
            e = float(np.max(np.abs(icc_colorants(name) - m)))
            if e <= err:
                best, err = name, e
        return best
    desc = (icc_description(data) or "").lower()
    if "display p3" in desc:
        return "Display P3"
    if "srgb" in desc:
        return "sRGB"
    return None
