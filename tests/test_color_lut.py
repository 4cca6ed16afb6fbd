"""Tests of brightroom.color.lut: .cube / .3dl files and LUT application.

References: colour-science's LUT3D.apply with its trilinear and tetrahedral interpolators (an
independent implementation), analytic identity / per-channel LUTs, hand-written files
following the Adobe Cube LUT Specification 1.0 and the Lustre .3dl layout, and real LUT files
(tests/data/luts: colour-science's and OpenColorIO's test files; ../shared/data) applied by
colour-science (Resolve .cube reader) and by OpenColorIO (every format it reads).
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brightroom.color._lut_numba import _KERNELS
from brightroom.color.lut import (
    LUT1D,
    LUT3D,
    LUT_METHODS,
    LUTError,
    LUTSequence,
    ProcessList,
    apply_lut,
    read_3dl,
    read_clf,
    read_cube,
    read_lut,
    write_3dl,
    write_cube,
)
from brightroom.errors import InputError, OutputExistsError, ParameterError, UnsupportedFormatError
from brightroom.types import Image

warnings.filterwarnings("ignore", module="colour")


def _random_lut(rng: np.random.Generator, n: int = 9) -> LUT3D:
    return LUT3D(rng.random((n, n, n, 3)).astype(np.float32) * 1.2 - 0.1)


# ------------------------------------------------------------------------------------- .cube

def test_cube_layout_red_fastest(tmp_path: Path) -> None:
    # Adobe spec: red index changes fastest. Build a LUT whose output reveals its own index.
    n = 2
    lines = ['TITLE "order"', f"LUT_3D_SIZE {n}"]
    for b in range(n):
        for g in range(n):
            for r in range(n):
                lines.append(f"{r} {g + 10} {b + 20}")
    f = tmp_path / "order.cube"
    f.write_text("\n".join(lines) + "\n")
    lut = read_cube(f)
    assert isinstance(lut, LUT3D) and lut.title == "order"
    for r in range(n):
        for g in range(n):
            for b in range(n):
                assert lut.table[r, g, b].tolist() == [r, g + 10, b + 20]


def test_cube_keywords_domain_comments(tmp_path: Path) -> None:
    f = tmp_path / "d.cube"
    f.write_text("# made by hand\r\n#second\r\nLUT_1D_SIZE 3\r\nDOMAIN_MIN -0.5 0 0\r\n"
                 "DOMAIN_MAX 1.5 2 1\r\n\r\n0 0 0\r\n0.5 0.5 0.5\r\n1 1 1\r\n")
    lut = read_cube(f)
    assert isinstance(lut, LUT1D)
    assert lut.comments == ("made by hand", "second")
    assert lut.domain_min.tolist() == [-0.5, 0, 0] and lut.domain_max.tolist() == [1.5, 2, 1]
    # 1D LUT through its domain: input 0.5 in red sits at (0.5 + 0.5) / 2 = half way -> 0.5
    out = apply_lut(np.array([[0.5, 1.0, 0.25]], np.float32), lut, fast=False)
    np.testing.assert_allclose(out, [[0.5, 0.5, 0.25]], atol=1e-7)


def test_cube_resolve_input_range(tmp_path: Path) -> None:
    f = tmp_path / "r.cube"
    f.write_text("LUT_3D_SIZE 2\nLUT_3D_INPUT_RANGE 0 4\n" + "0 0 0\n" * 8)
    lut = read_cube(f)
    assert lut.domain_max.tolist() == [4, 4, 4]


@pytest.mark.parametrize("kind", ["3d", "1d"])
def test_cube_round_trip_bit_exact(tmp_path: Path, rng: np.random.Generator, kind: str) -> None:
    if kind == "3d":
        t = rng.standard_normal((5, 5, 5, 3)).astype(np.float32) * np.float32(1e3)
        t[0, 0, 0] = [np.float32(1e-38), -0.0, np.float32(3.4e38)]
        lut = LUT3D(t, domain_min=[-0.1, 0.0, 1 / 3], domain_max=[1.1, 2.0, 7.0], title='a "t" b',
                    comments=("one", "  two  ", ""))
    else:
        lut = LUT1D(rng.random((1000, 3)).astype(np.float32), title="1d")
    f = write_cube(lut, tmp_path / "x.cube")
    back = read_cube(f)
    assert type(back) is type(lut)
    assert back.table.dtype == np.float32
    assert np.array_equal(back.table.view(np.uint32), lut.table.view(np.uint32))
    assert np.array_equal(back.domain_min, lut.domain_min)
    assert np.array_equal(back.domain_max, lut.domain_max)
    assert back.title == lut.title and back.comments == lut.comments


def test_write_cube_refuses_existing(tmp_path: Path) -> None:
    f = tmp_path / "x.cube"
    write_cube(LUT3D.identity(2), f)
    with pytest.raises(OutputExistsError):
        write_cube(LUT3D.identity(2), f)
    write_cube(LUT3D.identity(3), f, overwrite=True)
    assert read_cube(f).size == 3


@given(st.lists(st.floats(width=32, allow_nan=False, allow_infinity=False), min_size=24,
                max_size=24))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.slow
def test_cube_round_trip_any_float32(tmp_path: Path, values: list[float]) -> None:
    t = np.array(values, dtype=np.float32).reshape(2, 2, 2, 3)
    f = tmp_path / "h.cube"
    write_cube(LUT3D(t), f, overwrite=True)
    assert np.array_equal(read_cube(f).table.view(np.uint32), t.view(np.uint32))


_BAD_CUBES = {
    "too few entries": ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 7, 8),
    "too many entries": ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 9, 10),
    "two numbers": ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 3 + "0 0\n" + "0 0 0\n" * 4, 5),
    "bad number": ("LUT_1D_SIZE 2\n0 0 0\n0 x1 0\n", 3),
    "nan": ("LUT_1D_SIZE 2\n0 0 0\n0 nan 0\n", 3),
    "overflow": ("LUT_1D_SIZE 2\n0 0 0\n0 1e39 0\n", 3),
    "size too large": ("# c\nLUT_3D_SIZE 257\n", 2),
    "size too small": ("LUT_3D_SIZE 1\n0 0 0\n", 1),
    "size not integer": ("LUT_1D_SIZE 2.5\n", 1),
    "bad domain": ("LUT_1D_SIZE 2\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 1 0 1\n0 0 0\n1 1 1\n", 3),
    "domain count": ("LUT_1D_SIZE 2\nDOMAIN_MIN 0 0\n0 0 0\n1 1 1\n", 2),
    "no size": ("TITLE \"x\"\n0 0 0\n", 2),
    "keyword after data": ("LUT_1D_SIZE 2\n0 0 0\nTITLE \"late\"\n1 1 1\n", 3),
    "repeated keyword": ("LUT_1D_SIZE 2\nLUT_1D_SIZE 2\n0 0 0\n1 1 1\n", 2),
    "unclosed title": ("TITLE \"x\nLUT_1D_SIZE 2\n0 0 0\n1 1 1\n", 1),
    "1d and 3d": ("LUT_1D_SIZE 2\nLUT_3D_SIZE 2\n", 2),
    "range twice": ("LUT_3D_SIZE 2\nLUT_3D_INPUT_RANGE 0 1\nDOMAIN_MIN 0 0 0\n", 3),
    "range twice 2": ("LUT_3D_SIZE 2\nDOMAIN_MAX 1 1 1\nLUT_3D_INPUT_RANGE 0 1\n", 3),
}


@pytest.mark.parametrize("name", sorted(_BAD_CUBES))
def test_cube_malformed_names_file_and_line(tmp_path: Path, name: str) -> None:
    text, line = _BAD_CUBES[name]
    f = tmp_path / "bad.cube"
    f.write_text(text)
    with pytest.raises(LUTError) as e:
        read_cube(f)
    assert isinstance(e.value, InputError)
    assert str(f) in str(e.value) and f"line {line}:" in str(e.value), str(e.value)


def test_missing_and_unknown_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such"):
        read_cube(tmp_path / "nope.cube")
    with pytest.raises(InputError, match="directory"):
        read_cube(tmp_path)
    with pytest.raises(UnsupportedFormatError):
        read_lut(tmp_path / "x.lut")
    f = tmp_path / "b.cube"
    f.write_bytes(b"LUT_1D_SIZE 2\n0 0 0\n\xff\xfe 1 1\n")
    with pytest.raises(LUTError, match="line 3"):
        read_cube(f)


_CUBE_ALPHABET = st.sampled_from(
    ["LUT_3D_SIZE", "LUT_1D_SIZE", "DOMAIN_MIN", "DOMAIN_MAX", "TITLE", "LUT_3D_INPUT_RANGE",
     " ", "\n", "\r\n", "\t", "#", '"', "0", "1", "2", "-", ".", "e", "9", "nan", "inf", "x",
     "\x00", "\xff", "1e39", "256", "257", "65536"])


@given(st.lists(_CUBE_ALPHABET, max_size=60))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzz_cube_parser_only_raises_luterror(tmp_path: Path, parts: list[str]) -> None:
    f = tmp_path / "fuzz.cube"
    f.write_bytes("".join(parts).encode("utf-8", "surrogatepass"))
    try:
        lut = read_cube(f)
    except LUTError:
        return
    assert isinstance(lut, (LUT1D, LUT3D))


@given(st.binary(max_size=300))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzz_cube_and_3dl_bytes(tmp_path: Path, data: bytes) -> None:
    for name, reader in (("f.cube", read_cube), ("f.3dl", read_3dl)):
        f = tmp_path / name
        f.write_bytes(data)
        try:
            reader(f)
        except LUTError:
            pass


@given(st.data())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.slow
def test_fuzz_valid_cube_mutated(tmp_path: Path, data: st.DataObject) -> None:
    good = ("# c\nTITLE \"t\"\nLUT_3D_SIZE 2\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 1 1 1\n"
            + "0.5 0.25 1\n" * 8).splitlines()
    i = data.draw(st.integers(0, len(good) - 1))
    op = data.draw(st.sampled_from(["drop", "dup", "text", "truncate"]))
    if op == "drop":
        del good[i]
    elif op == "dup":
        good.insert(i, good[i])
    elif op == "text":
        good[i] = data.draw(st.text(max_size=20))
    else:
        good[i] = good[i][: data.draw(st.integers(0, len(good[i])))]
    f = tmp_path / "m.cube"
    f.write_text("\n".join(good), encoding="utf-8", errors="surrogatepass")
    try:
        read_cube(f)
    except LUTError as e:
        assert "line " in str(e)


# ------------------------------------------------------------------------------------- .3dl

def _write_3dl(path: Path, fn, n: int = 17, depth: int = 12, mesh: bool = False) -> None:  # noqa: ANN001
    grid = [min(i * 1024 // (n - 1), 1023) for i in range(n)]
    lines = ["# Lustre-style test LUT"]
    if mesh:
        lines += ["3DMESH", f"Mesh {int(np.log2(n - 1))} {depth}"]
    lines.append(" ".join(map(str, grid)))
    m = 2 ** depth - 1
    for r in range(n):
        for g in range(n):
            for b in range(n):  # blue fastest
                v = fn(np.array([r, g, b]) / (n - 1))
                lines.append(" ".join(str(int(round(x * m))) for x in v))
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(("depth", "mesh"), [(10, False), (12, False), (16, False), (12, True)])
def test_3dl_reads_layout_and_depth(tmp_path: Path, depth: int, mesh: bool) -> None:
    f = tmp_path / "a.3dl"

    def fn(rgb):  # noqa: ANN001, ANN202 - distinct per-channel response, reaching full scale
        return np.array([rgb[0], rgb[1] ** 2, 1 - rgb[2]])

    _write_3dl(f, fn, depth=depth, mesh=mesh)
    lut = read_lut(f)
    assert lut.size == 17 and lut.comments == ("Lustre-style test LUT",)
    g = np.linspace(0, 1, 17)
    assert np.allclose(lut.table[:, 0, 0, 0], g, atol=0.6 / (2 ** depth - 1))
    assert np.allclose(lut.table[0, :, 0, 1], g ** 2, atol=0.6 / (2 ** depth - 1))
    assert np.allclose(lut.table[0, 0, :, 2], 1 - g, atol=0.6 / (2 ** depth - 1))


_G5 = "0 256 512 768 1023\n"  # a 5-point shaper line (a 3-point one reads as a table row)


@pytest.mark.parametrize(("text", "line"), [
    (_G5 + "0 0 1023\n" * 124, 125),                      # 124 rows: not N^3
    (_G5 + "0 0 1023\n" * 126, 127),
    (_G5 + "0 0 0.5\n" * 125, 2),                          # a float in an integer file
    (_G5 + "0 0 1023\n" * 124 + "0 0 200000\n", 126),     # above 16 bits (with 2x overshoot)
    ("3DMESH\nMesh 2 10\n" + _G5 + "0 0 0\n" * 124 + "0 0 2000\n", 128),  # above Mesh's 10 bits
    ("Mesh 4 12\n" + "0 0 4095\n" * 125, 126),            # Mesh says 17^3 rows
    ("# only a comment\n", 1),
    ("0 0 0\n" * 27, 1),                                    # largest code 0: not a .3dl
    (_G5 + "0 0\n", 2),                                     # two numbers
    (_G5 + _G5, 2),                                         # two shaper lines
    ("<?xml version='1.0'?>\n", 1),
])
def test_3dl_malformed(tmp_path: Path, text: str, line: int) -> None:
    f = tmp_path / "bad.3dl"
    f.write_text(text)
    with pytest.raises(LUTError, match=f"line {line}:"):
        read_3dl(f)


_3DL_ALPHABET = st.sampled_from(
    ["3DMESH", "Mesh", " 4 12", " 1 10", "0 512 1023", "0 64 1023", " ", "\n", "\t", "#", "0", "7",
     "1023", "4095", "65535", "70000", "-1", "0.5", "x", "LUT8", "gamma 1.0", "\n0 0 0"])


@given(st.lists(_3DL_ALPHABET, max_size=80))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzz_3dl_parser_only_raises_luterror(tmp_path: Path, parts: list[str]) -> None:
    f = tmp_path / "fuzz.3dl"
    f.write_text("".join(parts))
    try:
        lut = read_3dl(f)
    except LUTError as e:
        assert "line " in str(e)
        return
    # OpenColorIO's depth inference allows a 2x overshoot of the full scale
    parts = lut.luts if isinstance(lut, LUTSequence) else (lut,)
    assert all(np.all((x.table >= 0) & (x.table <= 2.01)) for x in parts)


# ------------------------------------------------------------------------------ application

@pytest.mark.parametrize("method", sorted(LUT_METHODS))
@pytest.mark.parametrize("fast", [False, True])
def test_apply_matches_colour_science(rng: np.random.Generator, method: str, fast: bool) -> None:
    import colour

    lut = _random_lut(rng, 17)
    x = rng.random((64, 80, 3)).astype(np.float32)
    interp = {"tetrahedral": colour.algebra.table_interpolation_tetrahedral,
              "trilinear": colour.algebra.table_interpolation_trilinear}[method]
    ref = colour.LUT3D(lut.table.astype(np.float64)).apply(x.astype(np.float64), interpolator=interp)
    out = apply_lut(x, lut, method=method, fast=fast)
    assert out.dtype == np.float32 and out.shape == x.shape
    assert np.abs(out - ref).max() <= 1e-4


@pytest.mark.parametrize("method", sorted(LUT_METHODS))
def test_fast_path_matches_reference(rng: np.random.Generator, method: str) -> None:
    lut = LUT3D(rng.random((5, 5, 5, 3)).astype(np.float32), domain_min=[-0.2, 0, 0.1],
                domain_max=[1.0, 2.0, 0.9])
    x = (rng.random((70, 70, 3)) * 2.6 - 0.4).astype(np.float32)
    x[0, 0] = [np.nan, np.inf, -np.inf]
    x[0, 1] = lut.domain_max
    x[0, 2] = lut.domain_min
    ref = apply_lut(x, lut, method=method, fast=False)
    fast = apply_lut(x, lut, method=method, fast=True)
    np.testing.assert_allclose(fast, ref, atol=2e-6)
    assert np.all(np.isfinite(fast))


def test_method_names_ignore_case(rng: np.random.Generator) -> None:
    assert set(_KERNELS) == set(LUT_METHODS)  # a fast kernel for every method
    assert LUT_METHODS["Tetrahedral"] is LUT_METHODS["tetrahedral"]
    lut = _random_lut(rng, 5)
    x = rng.random((70, 70, 3)).astype(np.float32)
    for fast in (False, True):  # the NumPy reference and the numba path
        np.testing.assert_array_equal(apply_lut(x, lut, method="TRILINEAR", fast=fast),
                                      apply_lut(x, lut, method="trilinear", fast=fast))
    with pytest.raises(ParameterError, match="unknown LUT method 'cubic'; known: trilinear, "
                                             "tetrahedral$"):
        apply_lut(x, lut, method="cubic")


def test_domain_clamps_like_resolve(rng: np.random.Generator) -> None:
    lut = _random_lut(rng, 5)
    x = np.array([[-3.0, 0.5, 7.0], [1e9, -1e9, 0.25]], np.float32)
    clamped = np.clip(x, 0, 1)
    for fast in (False, True):
        np.testing.assert_array_equal(apply_lut(x, lut, fast=fast), apply_lut(clamped, lut, fast=fast))


def test_identity_lut_16bit_within_one_code(rng: np.random.Generator) -> None:
    codes = rng.integers(0, 65536, size=(200, 300, 3)).astype(np.uint16)
    codes[0, :3] = [[0, 0, 0], [65535, 65535, 65535], [1, 32768, 65534]]
    x = codes.astype(np.float32) / 65535
    for method in LUT_METHODS:
        for fast in (False, True):
            out = apply_lut(x, LUT3D.identity(33), method=method, fast=fast)
            back = np.rint(out.astype(np.float64) * 65535)
            assert np.abs(back - codes).max() <= 1


def test_tetrahedral_exact_on_neutral_axis() -> None:
    # Kasson et al.: tetrahedral interpolation only uses the main-diagonal corners for greys,
    # so a LUT that is linear along the neutral axis is reproduced exactly there.
    g = np.linspace(0, 1, 5)
    t = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1) ** 2
    lut = LUT3D(t)
    v = np.float32(0.3)
    grey = np.full((1, 3), v, np.float32)
    lo, hi = 0.25, 0.5  # neighbouring lattice values; linear mix along the diagonal
    expect = lo ** 2 + (v - lo) / (hi - lo) * (hi ** 2 - lo ** 2)
    np.testing.assert_allclose(apply_lut(grey, lut, fast=False), expect, atol=1e-6)


def test_apply_lut_on_image_and_input_untouched(rng: np.random.Generator) -> None:
    data = rng.random((8, 8, 3)).astype(np.float32)
    copy = data.copy()
    img = Image(data, space="display", transfer="sRGB")
    out = apply_lut(img, LUT3D.identity(9))
    assert isinstance(out, Image) and out.space == "display"
    np.testing.assert_array_equal(data, copy)
    np.testing.assert_allclose(out.data, data, atol=1e-6)


def test_apply_lut_bad_arguments(rng: np.random.Generator) -> None:
    with pytest.raises(ParameterError, match="method"):
        apply_lut(np.zeros((2, 3), np.float32), LUT3D.identity(2), method="cubic")
    with pytest.raises(ParameterError, match="shape"):
        apply_lut(np.zeros((2, 4), np.float32), LUT3D.identity(2))
    with pytest.raises(ParameterError):
        LUT3D(np.zeros((3, 3, 4, 3)))
    with pytest.raises(ParameterError):
        LUT3D(np.zeros((2, 2, 2, 3)), domain_min=1, domain_max=0)
    with pytest.raises(ParameterError):
        LUT1D(np.full((2, 3), np.nan))


def test_lut_writes_files_without_importing_io():
    # color (floor 2) writes its .cube files through brightroom.files (floor 1), not through
    # brightroom.io, a room on its own floor that imports color
    code = ("import sys, brightroom.color.lut; "
            "print(any(m.startswith('brightroom.io') for m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         check=True)
    assert res.stdout.strip() == "False"


# -------------------------------------------------------------------------- real LUT files

LUTS = Path(__file__).resolve().parent / "data" / "luts"


def _ocio_apply(path: Path, x: np.ndarray, method: str = "tetrahedral") -> np.ndarray:
    """``x`` through OpenColorIO's own reader and CPU processor (the independent peer)."""
    import PyOpenColorIO as ocio

    interp = {"tetrahedral": ocio.INTERP_TETRAHEDRAL, "trilinear": ocio.INTERP_LINEAR}[method]
    t = ocio.FileTransform(src=str(path), interpolation=interp)
    cpu = ocio.Config.CreateRaw().getProcessor(t).getDefaultCPUProcessor()
    y = np.ascontiguousarray(x, dtype=np.float32).copy()
    cpu.applyRGB(y)
    return y


def _colour_apply(path: Path, x: np.ndarray, method: str) -> np.ndarray:
    """``x`` through colour-science's Resolve .cube reader (shaper, then the 3D table)."""
    import colour

    interp = {"tetrahedral": colour.algebra.table_interpolation_tetrahedral,
              "trilinear": colour.algebra.table_interpolation_trilinear}[method]
    ref = colour.io.read_LUT_ResolveCube(str(path))
    parts = list(ref) if isinstance(ref, colour.LUTSequence) else [ref]
    y = x.astype(np.float64)
    for part in parts:
        y = part.apply(y, interpolator=interp) if isinstance(part, colour.LUT3D) else part.apply(y)
    return y


@pytest.mark.realdata
@pytest.mark.parametrize("method", ["tetrahedral", "trilinear"])
@pytest.mark.parametrize("fast", [False, True])
def test_shaper_cube_matches_colour_science(rng: np.random.Generator, method: str,
                                            fast: bool) -> None:
    from conftest import shared_file

    f = shared_file("shaper-3d.cube")
    lut = read_lut(f)
    assert isinstance(lut, LUTSequence) and [type(x) for x in lut.luts] == [LUT1D, LUT3D]
    assert lut.title == "LUT3D with My Shaper" and len(lut.comments) == 4
    shaper, cube = lut.luts
    assert shaper.size == 10 and cube.size == 3
    assert shaper.domain_min.tolist() == [-0.1] * 3 and cube.domain_max.tolist() == [3.0] * 3
    x = rng.uniform(-0.1, 3.0, (64, 64, 3)).astype(np.float32)  # the shaper's domain
    out = apply_lut(x, lut, method=method, fast=fast)
    np.testing.assert_allclose(out, _colour_apply(f, x, method), rtol=0, atol=1e-4)


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("method", ["tetrahedral", "trilinear"])
def test_lustre_3dl_without_shaper_matches_opencolorio(rng: np.random.Generator,
                                                       method: str) -> None:
    from conftest import shared_file

    f = shared_file("lustre-33.3dl")
    lut = read_lut(f)
    assert isinstance(lut, LUT3D) and lut.size == 33  # the first row is data, not a shaper
    # Mesh 5 12: 12-bit codes; OpenColorIO's test reads row 1 (0, 0, 1) as 2, 4, 4 / 4095
    np.testing.assert_allclose(lut.table[0, 0, 0], np.array([2, 4, 4]) / 4095, atol=1e-7)
    x = np.concatenate([rng.random((4000, 3)), rng.uniform(-0.5, 1.5, (1000, 3))])
    out = apply_lut(x.astype(np.float32), lut, method=method)
    np.testing.assert_allclose(out, _ocio_apply(f, x, method), rtol=0, atol=1e-4)


_COLOUR_FILES = sorted(LUTS.glob("colour-resolve-*.cube"))
_OCIO_FILES = [f for f in sorted(LUTS.glob("ocio-*")) if "error" not in f.name
               and "illegal" not in f.name]


@pytest.mark.parametrize("path", _COLOUR_FILES, ids=lambda p: p.name)
def test_colour_science_resolve_files(rng: np.random.Generator, path: Path) -> None:
    lut = read_lut(path)
    x = rng.random((2000, 3)).astype(np.float32)
    for part in (lut.luts if isinstance(lut, LUTSequence) else (lut,))[:1]:
        x = (part.domain_min + x * (part.domain_max - part.domain_min)).astype(np.float32)
    ref = _colour_apply(path, x, "trilinear")
    out = apply_lut(x, lut, method="trilinear", fast=False)
    np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-4)


@pytest.mark.parametrize("path", _OCIO_FILES, ids=lambda p: p.name)
def test_opencolorio_files(rng: np.random.Generator, path: Path) -> None:
    lut = read_lut(path)
    lo, hi = (-0.5, 1.5) if path.suffix != ".cube" else (-1.0, 4.5)  # inside and out
    x = rng.uniform(lo, hi, (3000, 3)).astype(np.float32)
    if path.suffix in (".clf", ".ctf"):
        assert isinstance(lut, ProcessList)
        np.testing.assert_array_equal(apply_lut(x, lut), _ocio_apply(path, x))
        return
    np.testing.assert_allclose(apply_lut(x, lut), _ocio_apply(path, x), rtol=1e-6, atol=1e-5)


def test_3dl_with_shaper_and_16bit_codes() -> None:
    lut = read_lut(LUTS / "ocio-crosstalk.3dl")  # 0 4096 ... 65535 shaper: an identity
    assert isinstance(lut, LUT3D) and lut.size == 17
    lut = read_lut(LUTS / "ocio-discreet-3d-lut.3dl")  # Mesh 4 12, 0 64 ... 1023
    assert isinstance(lut, LUT3D) and lut.size == 17
    np.testing.assert_allclose(lut.table[0, 0, 0], np.array([17, 17, 17]) / 4095)


def test_3dl_non_identity_shaper_is_a_1d_lut_as_opencolorio_applies_it(tmp_path: Path,
                                                                        rng: np.random.Generator
                                                                        ) -> None:
    n = 5
    shaper = [0, 100, 400, 700, 1023]  # not a ramp
    codes = rng.integers(0, 4096, (n ** 3, 3))
    codes[0] = 4095
    text = " ".join(map(str, shaper)) + "\n" + "\n".join(" ".join(map(str, c)) for c in codes)
    f = tmp_path / "s.3dl"
    f.write_text(text + "\n")
    lut = read_lut(f)
    assert isinstance(lut, LUTSequence) and isinstance(lut.luts[0], LUT1D)
    x = rng.random((2000, 3)).astype(np.float32)
    np.testing.assert_allclose(apply_lut(x, lut), _ocio_apply(f, x), atol=1e-5)


def test_cube_shaper_errors(tmp_path: Path) -> None:
    f = tmp_path / "s.cube"
    f.write_text("LUT_1D_SIZE 2\nLUT_3D_SIZE 2\n" + "0 0 0\n" * 9)
    with pytest.raises(LUTError, match=r"line 11: truncated: 9 table entries, expected 10 "
                       r"\(2 shaper \+ 8 3D\)"):
        read_cube(f)
    f.write_text("LUT_1D_SIZE 2\nLUT_3D_SIZE 2\nDOMAIN_MIN 0 0 0\n" + "0 0 0\n" * 10)
    with pytest.raises(LUTError, match="line 3: DOMAIN_MIN/MAX in a shaper"):
        read_cube(f)
    f.write_text("LUT_3D_SIZE 2\nLUT_1D_INPUT_RANGE 0 1\nLUT_3D_INPUT_RANGE 0 2\n" + "0 0 0\n" * 8)
    with pytest.raises(LUTError, match="line 3: both LUT_1D_INPUT_RANGE and LUT_3D_INPUT_RANGE, "
                       "but only LUT_3D_SIZE"):
        read_cube(f)
    f.write_text("LUT_1D_SIZE 2\nLUT_1D_INPUT_RANGE 1 1\nLUT_3D_SIZE 2\n" + "0 0 0\n" * 10)
    with pytest.raises(LUTError, match="line 2: LUT_1D_INPUT_RANGE maximum 1.0 must exceed"):
        read_cube(f)


def test_shaper_cube_written_bit_exact_and_read_by_colour_science(tmp_path: Path,
                                                                  rng: np.random.Generator
                                                                  ) -> None:
    import colour

    shaper = LUT1D(np.repeat(np.sqrt(np.linspace(0, 1, 64))[:, None], 3, 1), -0.25, 4.0)
    cube = LUT3D(rng.random((9, 9, 9, 3)).astype(np.float32), 0.0, 1.0)
    seq = LUTSequence((shaper, cube), title="shaped", comments=("a", "b"))
    f = write_cube(seq, tmp_path / "s.cube")
    text = f.read_text()
    assert "LUT_1D_INPUT_RANGE -0.25 4.0" in text and "LUT_3D_INPUT_RANGE 0.0 1.0" in text
    back = read_cube(f)
    assert isinstance(back, LUTSequence) and back.title == "shaped" and back.comments == ("a", "b")
    for a, b in zip(back.luts, seq.luts):
        assert type(a) is type(b)
        assert np.array_equal(a.table.view(np.uint32), b.table.view(np.uint32))
        assert np.array_equal(a.domain_min, b.domain_min) and np.array_equal(a.domain_max,
                                                                              b.domain_max)
    ref = colour.io.read_LUT_ResolveCube(str(f))
    assert isinstance(ref, colour.LUTSequence)
    x = rng.uniform(-0.25, 4.0, (3000, 3)).astype(np.float32)
    np.testing.assert_allclose(apply_lut(x, back, method="trilinear"),
                               _colour_apply(f, x, "trilinear"), atol=1e-5)
    with pytest.raises(ParameterError, match="one LUT_1D_INPUT_RANGE for all three channels"):
        write_cube(LUTSequence((LUT1D(shaper.table, [0, 0, 0], [1, 2, 1]), cube)),
                   tmp_path / "t.cube")
    with pytest.raises(ParameterError, match="a 1D shaper followed by one 3D table"):
        write_cube(LUTSequence((cube, shaper)), tmp_path / "u.cube")


@pytest.mark.parametrize("depth", [10, 12, 16])
@pytest.mark.parametrize("n", [17, pytest.param(33, marks=pytest.mark.slow), 20])
def test_3dl_written_and_read_back_by_us_and_opencolorio(tmp_path: Path, rng: np.random.Generator,
                                                         depth: int, n: int) -> None:
    lut = LUT3D(rng.random((n, n, n, 3)).astype(np.float32), title="made here")
    f = write_3dl(lut, tmp_path / "a.3dl", bit_depth=depth)
    text = f.read_text()
    assert ("Mesh" in text) == (n in (17, 33))
    back = read_3dl(f)
    assert isinstance(back, LUT3D) and back.size == n
    full = 2 ** depth - 1
    np.testing.assert_allclose(back.table, lut.table, atol=0.5 / full + 1e-7)
    x = rng.random((3000, 3)).astype(np.float32)
    # OpenColorIO infers the depth from the largest code (near full scale here): same table
    np.testing.assert_allclose(apply_lut(x, back), _ocio_apply(f, x), atol=1e-5)
    with pytest.raises(OutputExistsError):
        write_3dl(lut, f)


def test_write_3dl_refuses_what_a_3dl_cannot_hold(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"values in \[0, 1\].*write a .cube"):
        write_3dl(LUT3D(np.full((2, 2, 2, 3), 1.5)), tmp_path / "a.3dl")
    with pytest.raises(ParameterError, match="no domain"):
        write_3dl(LUT3D.identity(3, domain_max=2.0), tmp_path / "a.3dl")
    with pytest.raises(ParameterError, match="bit depth"):
        write_3dl(LUT3D.identity(3), tmp_path / "a.3dl", bit_depth=8)
    with pytest.raises(ParameterError, match="needs a LUT3D"):
        write_3dl(LUT1D(np.zeros((2, 3))), tmp_path / "a.3dl")  # type: ignore[arg-type]


def test_clf_ctf_read_by_opencolorio(rng: np.random.Generator) -> None:
    lut = read_clf(LUTS / "ocio-multiple_ops.clf")
    assert lut.comments == ("Test with lots of different process nodes",)
    x = rng.random((16, 16, 3)).astype(np.float32)
    copy = x.copy()
    out = apply_lut(x, lut)
    assert out.shape == x.shape and out.dtype == np.float32
    np.testing.assert_array_equal(x, copy)  # the input is not modified
    np.testing.assert_array_equal(out.reshape(-1, 3), _ocio_apply(lut.path, x.reshape(-1, 3)))
    assert isinstance(read_lut(LUTS / "ocio-cdl_various.ctf"), ProcessList)
    import pickle  # a look holding it can go to another process

    again = pickle.loads(pickle.dumps(lut))
    np.testing.assert_array_equal(apply_lut(x, again), out)


def test_bad_clf_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(LUTError) as e:
        read_lut(LUTS / "ocio-illegal-array_too_many_values.clf")
    msg = str(e.value)
    assert "\n" not in msg and "line 5" in msg and "too many values" in msg
    f = tmp_path / "junk.clf"
    f.write_bytes(b"\x89PNG\r\n\x1a\n not xml")
    with pytest.raises(LUTError, match="junk.clf: not a valid CLF/CTF file"):
        read_lut(f)
    with pytest.raises(InputError, match="no such LUT file"):
        read_lut(tmp_path / "missing.ctf")


def test_truncated_real_3dl_names_the_line() -> None:
    with pytest.raises(LUTError, match=r"line 375: truncated: 369 table entries, Mesh \(line 4\)"):
        read_lut(LUTS / "ocio-error_truncated_file.3dl")
