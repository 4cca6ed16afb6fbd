"""The resource policy (brightroom.limits) and the malformed-file wrapper (errors.file_errors)."""

from __future__ import annotations

import struct

import pytest

import brightroom.limits as limits
from brightroom.errors import CorruptFileError, ParameterError, ResourceLimitError, file_errors


def test_parse_size():
    assert limits.parse_size("300M", "pixels") == 300_000_000
    assert limits.parse_size("1.5G", "pixels") == 1_500_000_000
    assert limits.parse_size("4G", "memory (bytes)") == 4 * 2**30
    assert limits.parse_size("4Gi", "memory (bytes)") == 4 * 2**30
    assert limits.parse_size(0, "pixels") == 0
    for bad in ("lots", "-1", "nan", "inf", ""):
        with pytest.raises(ParameterError):
            limits.parse_size(bad, "--max-pixels")


def test_defaults():
    lim = limits.Limits()
    assert lim.max_pixels == 300_000_000 and lim.max_dimension == 65535
    assert lim.max_lut_size == 256 and lim.max_nesting == 64


def test_check_image_caps():
    with limits.limits(memory=None):
        limits.check_image("ok.png", 20000, 10000)  # 200 MP: a 200 MP sensor passes
        with pytest.raises(ResourceLimitError, match=r"a\.png.*30000x30000.*300\.0 MP.*--max-pixels"):
            limits.check_image("a.png", 30000, 30000)
        with pytest.raises(ResourceLimitError, match="side above the limit of 65535"):
            limits.check_image("a.png", 100_000, 10)
        with pytest.raises(ResourceLimitError, match="decompression bomb"):
            limits.check_image("b.png", 16384, 16384, file_bytes=746_000)
        limits.check_image("c.png", 16384, 16384, file_bytes=300_000_000)  # a real photo's ratio
        limits.check_image("d.png", 4000, 3000, file_bytes=100)  # below 256 MiB: not checked
        with pytest.raises(ResourceLimitError, match="declares a size"):
            limits.check_image("e.png", -1, 5)


def test_limits_context_and_lifting():
    with limits.limits(max_pixels=1000):
        assert limits.current().max_pixels == 1000
        with pytest.raises(ResourceLimitError, match="1000|0.0 MP"):
            limits.check_image("a.png", 100, 100)
    assert limits.current().max_pixels == limits.DEFAULT_MAX_PIXELS
    with limits.limits(max_pixels=0, memory=None):
        limits.check_image("a.png", 30000, 30000)  # 0 lifts the cap
    with pytest.raises(ParameterError, match="unknown limit"):
        with limits.limits(max_pixel=1):
            pass


def test_memory_budget(monkeypatch):
    with limits.limits(memory=10 * 2**20):
        with pytest.raises(ResourceLimitError, match="memory.*the limit given.*BRIGHTROOM_MEMORY"):
            limits.check_image("big.png", 2000, 2000)
        limits.check_memory(2**20, "a small job")
    monkeypatch.setenv("BRIGHTROOM_MEMORY_LIMIT", "2G")
    assert limits.memory_budget() == (2 * 2**30, "BRIGHTROOM_MEMORY_LIMIT")


def test_environment(monkeypatch):
    monkeypatch.setenv("BRIGHTROOM_MAX_PIXELS", "10M")
    monkeypatch.setenv("BRIGHTROOM_MAX_DIMENSION", "5000")
    limits._reset()
    try:
        lim = limits.current()
        assert lim.max_pixels == 10_000_000 and lim.max_dimension == 5000
    finally:
        monkeypatch.delenv("BRIGHTROOM_MAX_PIXELS")
        monkeypatch.delenv("BRIGHTROOM_MAX_DIMENSION")
        limits._reset()


def test_lut_size_and_nesting():
    limits.check_lut_size("a.cube", 256)
    with pytest.raises(ResourceLimitError, match="257"):
        limits.check_lut_size("a.cube", 257)
    limits.check_lut_size("a.cube", 65536, dims=1)
    limits.check_nesting("a = [[1, 2], [3]]\nb = '[[[[[[[['\n" * 10, "r.toml")
    with pytest.raises(ResourceLimitError, match="nested 100 levels"):
        limits.check_nesting("a = " + "[" * 100 + "]" * 100, "r.toml")
    limits.check_nesting("# " + "[" * 100 + "\na = 1\n", "r.toml")  # a comment


def test_stored_bytes_sees_sparse_files(tmp_path):
    p = tmp_path / "sparse"
    with open(p, "wb") as f:
        f.write(b"x")
        f.truncate(1 << 30)
    assert p.stat().st_size == 1 << 30
    assert limits.stored_bytes(p) < 1 << 20


def test_file_errors_wraps_library_failures():
    @file_errors(0)
    def parse(path):
        return struct.unpack(">I", b"\0")

    with pytest.raises(CorruptFileError, match=r"^x\.bin: file is truncated or corrupt \(error"):
        parse("x.bin")

    @file_errors(1)
    def parse_bytes(data, path="<bytes>"):
        raise IndexError("tuple index out of range")

    with pytest.raises(CorruptFileError, match="^f.jpg: .*IndexError"):
        parse_bytes(b"...", "f.jpg")

    @file_errors(0)
    def denied(path):
        raise PermissionError(13, "Permission denied", path)

    with pytest.raises(PermissionError):  # a real OS error is not "corrupt"
        denied("y")

    @file_errors(0)
    def ours(path):
        raise ParameterError("as it was")

    with pytest.raises(ParameterError, match="^as it was$"):
        ours("z")


def test_lut_reader_applies_the_cap(tmp_path):
    from brightroom.color.lut import read_cube

    f = tmp_path / "c.cube"
    f.write_text("LUT_3D_SIZE 17\n" + "0 0 0\n" * 17**3)
    assert read_cube(f).size == 17
    with limits.limits(max_lut_size=16), pytest.raises(ResourceLimitError, match="c.cube.*17"):
        read_cube(f)
