"""brightroom.io: read and write, dispatching raws and images by extension, then by content."""


import subprocess
import sys

import numpy as np
import pytest

from _images_helpers import CAMERA, display, smooth
from brightroom.errors import (
    InputError,
    UnsupportedFormatError,
)
from brightroom.io.images import write_image
from brightroom.types import Image


def test_read_dispatches_by_extension_then_content(tmp_path):
    from brightroom.io import read
    from brightroom.io.dng import write_dng
    from brightroom.types import CFAPattern, RawImage

    # a varying mosaic: a constant one is refused as holding no picture
    raw = RawImage(np.linspace(0.3, 0.7, 64, dtype=np.float32).reshape(8, 8), CFAPattern("GBRG"),
                   CAMERA,
                   black_level=64, white_level=1023)
    dng = write_dng(raw, tmp_path / "r.dng")
    png = write_image(display(smooth()), tmp_path / "i.png")
    assert isinstance(read(dng), RawImage) and isinstance(read(png), Image)
    (tmp_path / "raw.bin").write_bytes(dng.read_bytes())
    (tmp_path / "img.dat").write_bytes(png.read_bytes())
    got = read(tmp_path / "raw.bin")
    assert isinstance(got, RawImage) and got.pattern == CFAPattern("GBRG")
    assert isinstance(read(tmp_path / "img.dat"), Image)
    (tmp_path / "x.xyz").write_text("nothing to see")
    with pytest.raises(UnsupportedFormatError, match=r"x\.xyz: unknown file type"):
        read(tmp_path / "x.xyz")
    with pytest.raises(InputError, match="no such file"):
        read(tmp_path / "gone.xyz")


def test_write_dispatches(tmp_path):
    from brightroom.io import read, write
    from brightroom.types import CFAPattern, RawImage

    raw = RawImage(np.linspace(0.2, 0.3, 64, dtype=np.float32).reshape(8, 8), CFAPattern("RGGB"),
                   black_level=64,
                   white_level=1023)
    assert isinstance(read(write(raw, tmp_path / "a.dng")), RawImage)
    with pytest.raises(UnsupportedFormatError, match="written as DNG"):
        write(raw, tmp_path / "a.png")
    path = write(display(smooth()), tmp_path / "b.png", bit_depth=8)
    assert read(path).metadata["bit_depth"] == 8


def test_io_imports_only_lower_floors():
    # floor 2: io may use floor 1 (types, errors, files, _version, _jit) and color, never develop,
    # the capabilities, the lab, the api or the cli (checked in a fresh interpreter)
    code = ("import sys, brightroom.io, brightroom.io.depth, brightroom.io.video; "
            "print(' '.join({'.'.join(m.split('.')[:2]) for m in sys.modules "
            "if m.startswith('brightroom.')}))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         check=True)
    # (brightroom.develop, brightroom.portrait and brightroom.edit are loaded empty by the
    # package root, which binds its API functions over their names; they import nothing)
    assert set(res.stdout.split()) <= {"brightroom._version", "brightroom.errors", "brightroom._jit",
                                       "brightroom.files", "brightroom.limits",
                                       "brightroom.types", "brightroom.io",
                                       "brightroom.color", "brightroom.develop",
                                       "brightroom.portrait", "brightroom.edit",
                                       "brightroom.scan", "brightroom.animate",
                                       "brightroom.live"}
