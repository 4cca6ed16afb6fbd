"""Fuzzing the parsers of untrusted files with Hypothesis: every input gives a result or a
Brightroom error (:class:`~brightroom.errors.BrightroomError`), never another exception.

Targets: the raw/DNG reader wrapper (``read_raw``), the XMP depth parser (``parse_jpeg_xmp`` +
``gdepth_from_xmp``), ``.npy`` depth maps (``read_depth``), the HEIC path (``read_image``), the
LUT parsers (``.cube``, ``.3dl``), the recipe parser and the look parser. Inputs are seed files
mutated (bytes flipped, replaced, inserted, cut), as a coverage-less fuzzer would.

``make test`` runs each target for ``$BRIGHTROOM_FUZZ_SECONDS`` (default 2 s); ``make fuzz``
for 300 s each. Each run draws new seeds (``$BRIGHTROOM_FUZZ_SEED`` fixes them). Every crash
found is a regression test below, with its input in ``tests/data/fuzz/``.
"""

from __future__ import annotations

import base64
import io
import os
import struct
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from brightroom.errors import BrightroomError

FUZZ = Path(__file__).parent / "data" / "fuzz"
SECONDS = float(os.environ.get("BRIGHTROOM_FUZZ_SECONDS", "2"))
BASE_SEED = int(os.environ.get("BRIGHTROOM_FUZZ_SEED", str(int(time.time()) % 100000)))
_WORK = Path(tempfile.mkdtemp(prefix="brightroom-fuzz-"))


# ----------------------------------------------------------------------------- seeds
def _dng_seed() -> bytes:
    from brightroom.io import write_dng
    from brightroom.types import CameraInfo, CFAPattern, RawImage

    rng = np.random.default_rng(0)
    cfa = (0.2 + 0.5 * rng.random((24, 32))).astype(np.float32)
    cam = CameraInfo(make="Fuzz", model="Seed", color_matrix1=np.eye(3), illuminant1=21,
                     as_shot_neutral=(0.5, 1.0, 0.7), iso=100)
    p = _WORK / "seed.dng"
    write_dng(RawImage(cfa, CFAPattern("RGGB"), camera=cam, black_level=(64,) * 4,
                       white_level=4095), p)
    return p.read_bytes()


def _png_gray(w: int, h: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\0" + bytes((x * 16 + y) % 256 for x in range(w)) for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _gdepth_seed() -> bytes:
    png = base64.b64encode(_png_gray(16, 12)).decode()
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
           '22-rdf-syntax-ns#"><rdf:Description xmlns:GDepth="http://ns.google.com/photos/1.0/'
           'depthmap/" GDepth:Format="RangeInverse" GDepth:Near="1.5" GDepth:Far="20" '
           f'GDepth:Mime="image/png" GDepth:Data="{png}"/></rdf:RDF></x:xmpmeta>').encode()
    body = b"http://ns.adobe.com/xap/1.0/\0" + xmp
    return b"\xff\xd8\xff\xe1" + struct.pack(">H", len(body) + 2) + body + b"\xff\xd9"


def _npy_seed() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.linspace(0.5, 5, 48, dtype=np.float32).reshape(6, 8))
    return buf.getvalue()


def _heic_seed() -> bytes:
    import brightroom
    from brightroom.types import Image

    y, x = np.mgrid[0:64, 0:96] / 96.0
    img = np.stack([x, y, 0.5 + 0 * x], -1).astype(np.float32)
    p = _WORK / "seed.heic"
    brightroom.write(Image(img, space="display", transfer="sRGB"), p)
    return p.read_bytes()


def _cube_seed() -> bytes:
    rows = [f"{r / 2:g} {g / 2:g} {b / 2:g}" for b in range(3) for g in range(3) for r in range(3)]
    return ("TITLE \"fuzz\"\nLUT_3D_SIZE 3\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 1 1 1\n"
            + "\n".join(rows) + "\n").encode()


def _3dl_seed() -> bytes:
    shaper = " ".join(str(v) for v in (0, 511, 1023))
    rows = [f"{r * 2047} {g * 2047} {b * 2047}" for r in range(3) for g in range(3)
            for b in range(3)]
    return (shaper + "\n" + "\n".join(rows) + "\n").encode()


def _recipe_seed() -> bytes:
    from brightroom.develop.recipe import load_recipe

    return load_recipe("default").to_toml().encode()


def _look_seed() -> bytes:
    from importlib import resources

    return (resources.files("brightroom.looks") / "data" / "film.toml").read_bytes()


# ----------------------------------------------------------------------------- mutation
@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with a few random edits: bit flips, byte replacements, insertions, a cut."""
    b = bytearray(data)
    for _ in range(draw(st.integers(0, 12))):
        if not b:
            break
        op = draw(st.sampled_from(("flip", "set", "insert", "delete", "interesting")))
        i = draw(st.integers(0, len(b) - 1))
        if op == "flip":
            b[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            b[i] = draw(st.integers(0, 255))
        elif op == "insert":
            b[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del b[i: i + draw(st.integers(1, 16))]
        else:  # boundary values, as AFL's "interesting" numbers
            v = draw(st.sampled_from((0, 0xFF, 0x7F, 0x80, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF)))
            n = min(len(b) - i, 4)
            b[i:i + n] = v.to_bytes(4, "little")[:n]
    if draw(st.booleans()) and len(b) > 1:
        b = b[: draw(st.integers(0, len(b) - 1))]
    return bytes(b)


def _file(data: bytes, name: str) -> Path:
    p = _WORK / name
    p.write_bytes(data)
    return p


# ----------------------------------------------------------------------------- targets
def t_raw(data: bytes) -> None:
    from brightroom.io import read_raw

    read_raw(_file(data, "f.dng"))


def t_xmp_depth(data: bytes) -> None:
    from brightroom.io.depth import gdepth_from_xmp, parse_jpeg_xmp

    std, ext = parse_jpeg_xmp(data, "f.jpg")
    gdepth_from_xmp(std, ext, "f.jpg")


def t_npy_depth(data: bytes) -> None:
    from brightroom.io.depth import read_depth

    read_depth(_file(data, "f.npy"))


def t_heic(data: bytes) -> None:
    from brightroom.io import read_image

    read_image(_file(data, "f.heic"))


def t_cube(data: bytes) -> None:
    from brightroom.color.lut import read_lut

    read_lut(_file(data, "f.cube"))


def t_3dl(data: bytes) -> None:
    from brightroom.color.lut import read_lut

    read_lut(_file(data, "f.3dl"))


def t_recipe(data: bytes) -> None:
    from brightroom.develop.recipe import parse_recipe

    parse_recipe(data.decode("utf-8", "replace"), source="fuzz")


def t_look(data: bytes) -> None:
    from brightroom.looks.looks import load_look

    load_look(_file(data, "f.toml"))


TARGETS: dict[str, tuple[Callable[[], bytes], Callable[[bytes], None]]] = {
    "raw": (_dng_seed, t_raw),
    "xmp_depth": (_gdepth_seed, t_xmp_depth),
    "npy_depth": (_npy_seed, t_npy_depth),
    "heic": (_heic_seed, t_heic),
    "cube": (_cube_seed, t_cube),
    "3dl": (_3dl_seed, t_3dl),
    "recipe": (_recipe_seed, t_recipe),
    "look": (_look_seed, t_look),
}


def _ours(target: Callable[[bytes], None], data: bytes, keep: str | None = None) -> None:
    """``target(data)`` ends in a result or a BrightroomError; anything else is a crash (its
    input is kept as ``$BRIGHTROOM_FUZZ_CRASHES/<keep>-<hash>`` when ``keep`` is given)."""
    try:
        target(data)
    except BrightroomError:
        pass
    except Exception:
        if keep is not None:
            import hashlib

            out = Path(os.environ.get("BRIGHTROOM_FUZZ_CRASHES", _WORK / "crashes"))
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{keep}-{hashlib.sha1(data).hexdigest()[:10]}").write_bytes(data)
        raise


def fuzz(name: str, seconds: float) -> int:
    """Run target ``name`` for about ``seconds``; returns the number of inputs tried."""
    make_seed, target = TARGETS[name]
    data0 = make_seed()
    _ours(target, data0)  # the seed itself is fine
    end = time.monotonic() + seconds
    tried = [0]
    k = 0
    while True:
        @seed(BASE_SEED * 1000 + k)
        @settings(max_examples=25, deadline=None, database=None, derandomize=False,
                  suppress_health_check=list(HealthCheck))
        @given(mutated(data0))
        def run(data: bytes) -> None:
            tried[0] += 1
            _ours(target, data, _PREFIX[name])

        run()
        k += 1
        if time.monotonic() > end:
            return tried[0]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TARGETS))
def test_fuzz(name: str) -> None:
    assert fuzz(name, SECONDS) > 0


# ----------------------------------------------------------------------------- regressions
REGRESSIONS = sorted(FUZZ.glob("*")) if FUZZ.is_dir() else []
_PREFIX = {"raw": "raw", "xmp_depth": "xmp", "npy_depth": "npy", "heic": "heic", "cube": "cube",
           "3dl": "3dl", "recipe": "recipe", "look": "look"}
_BY_PREFIX = {"raw": t_raw, "xmp": t_xmp_depth, "npy": t_npy_depth, "heic": t_heic,
              "cube": t_cube, "3dl": t_3dl, "recipe": t_recipe, "look": t_look}


@pytest.mark.parametrize("path", [p for p in REGRESSIONS if p.name != "README.md"],
                         ids=lambda p: p.name)
def test_fuzz_regressions(path: Path) -> None:
    target = _BY_PREFIX[path.name.split("-", 1)[0]]
    _ours(target, path.read_bytes())


if __name__ == "__main__":  # make fuzz: python tests/test_fuzz.py [SECONDS] [TARGET...]
    import sys

    secs = float(sys.argv[1]) if len(sys.argv) > 1 else 300.0
    names = sys.argv[2:] or sorted(TARGETS)
    # LibRaw and libheif print what they find broken on file descriptor 2: drop it, while
    # Python's own messages (a crash's traceback) still reach the terminal
    sys.stderr.flush()
    sys.stderr = os.fdopen(os.dup(2), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    crashes = os.environ.setdefault("BRIGHTROOM_FUZZ_CRASHES", str(_WORK / "crashes"))
    print(f"fuzzing {', '.join(names)} for {secs:g} s each; crash inputs go to {crashes}",
          flush=True)
    for n in names:
        t0 = time.monotonic()
        count = fuzz(n, secs)
        print(f"fuzz {n:10s} {count:7d} inputs in {time.monotonic() - t0:6.1f} s: no crash",
              flush=True)
