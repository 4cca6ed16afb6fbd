"""brightroom.io.images: read_image / write_image / read_metadata across every format (the
dispatch by extension and content), errors, no overwrite."""


import numpy as np
import pytest

import brightroom.io.images as images
from _images_helpers import CAMERA, RECIPE, display, psnr, smooth
from brightroom.errors import (
    CorruptFileError,
    InputError,
    OutputExistsError,
    ParameterError,
    UnsupportedFormatError,
)
from brightroom.io.icc import icc_profile
from brightroom.io.images import quantize, read_image, read_metadata, sniff_image, write_image
from brightroom.types import Image


@pytest.mark.parametrize("ext,bits", [(".png", 16), (".png", 8), (".tif", 16), (".tif", 8)])
def test_lossless_round_trip_bit_exact(tmp_path, ext, bits):
    rng = np.random.default_rng(1)
    top = 2**bits - 1
    codes = rng.integers(0, top + 1, (40, 56, 3)).astype(np.uint16 if bits == 16 else np.uint8)
    data = (codes / top).astype(np.float32)
    path = write_image(display(data), tmp_path / f"x{ext}", bit_depth=bits)
    back = read_image(path)
    assert back.metadata["bit_depth"] == bits and back.data.dtype == np.float32
    np.testing.assert_array_equal(quantize(back.data, bits), codes)
    # an independent decoder agrees (OpenCV for 16-bit PNG, tifffile for TIFF)
    if ext == ".tif":
        import tifffile

        np.testing.assert_array_equal(tifffile.imread(path), codes)
    else:
        import cv2

        np.testing.assert_array_equal(cv2.imread(str(path), cv2.IMREAD_UNCHANGED)[..., ::-1], codes)


@pytest.mark.parametrize("ext", [".jpg", ".heic", ".avif"])
def test_lossy_round_trip(tmp_path, ext):
    data = smooth()
    back = read_image(write_image(display(data, camera=None), tmp_path / f"x{ext}", quality=95))
    assert back.shape == data.shape
    assert psnr(back.data, data) > 35


@pytest.mark.parametrize("ext", [".jpg", ".png", ".tif", ".heic", ".avif"])
def test_metadata_round_trip(tmp_path, ext):
    path = write_image(display(smooth(), primaries="Display P3"), tmp_path / f"m{ext}")
    meta = read_metadata(path)
    assert meta["orientation"] == 6
    assert (meta["make"], meta["model"]) == ("FUJIFILM", "X-T5")
    assert meta["iso"] == 800 and meta["exposure_time"] == pytest.approx(1 / 125)
    assert meta["f_number"] == pytest.approx(2.8) and meta["focal_length"] == 33
    assert meta["datetime"] == "2026:03:04 05:06:07"
    assert meta["software"].startswith("Brightroom ")
    assert meta["recipe"] == RECIPE
    assert meta["icc_space"] == "Display P3" and meta["icc"] == icc_profile("Display P3")
    back = read_image(path)
    assert back.primaries == "Display P3" and back.space == "display"
    assert back.metadata["recipe"] == RECIPE
    assert back.camera.make == "FUJIFILM" and back.camera.iso == 800
    if ext == ".heic":  # libheif applies the container rotation: upright pixels, orientation 1
        assert back.shape == (128, 96, 3) and back.metadata["orientation"] == 1
        assert back.metadata["orientation_applied"] == 6
    else:  # the orientation is recorded, the pixels are not rotated
        assert back.shape == (96, 128, 3) and back.metadata["orientation"] == 6
        assert back.camera.orientation == 6


@pytest.mark.parametrize("ext", [".jpg", ".png", ".tif", ".heic", ".avif"])
def test_truncated_files(tmp_path, ext):
    path = write_image(display(smooth(256, 256)), tmp_path / f"cut{ext}", bit_depth=None)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFileError, match=rf"cut\{ext}"):
        read_image(path)


def test_non_image_files(tmp_path):
    txt = tmp_path / "notes.jpg"
    txt.write_text("hello, I am not a picture\n")
    with pytest.raises(InputError, match=r"notes\.jpg: not a JPEG file"):
        read_image(txt)
    junk = tmp_path / "junk.png"
    junk.write_bytes(np.random.default_rng(0).bytes(3000))
    with pytest.raises(InputError, match=r"junk\.png"):
        read_image(junk)
    with pytest.raises(InputError, match=r"missing\.png: no such file"):
        read_image(tmp_path / "missing.png")
    with pytest.raises(UnsupportedFormatError, match=r"\.gif.*supported: \.jpg, \.jpeg, \.png"):
        read_image(tmp_path / "x.gif")


def test_write_errors_leave_nothing(tmp_path, monkeypatch):
    img = display(smooth())
    with pytest.raises(UnsupportedFormatError, match=r"\.bmp.*\.tif"):
        write_image(img, tmp_path / "x.bmp")
    with pytest.raises(ParameterError, match="bit depth 16 is not available for JPEG"):
        write_image(img, tmp_path / "x.jpg", bit_depth=16)
    with pytest.raises(ParameterError, match="quality"):
        write_image(img, tmp_path / "x.jpg", quality=0)
    cam = Image(smooth(), space="camera_rgb", primaries="camera")
    with pytest.raises(ParameterError, match="camera_rgb"):
        write_image(cam, tmp_path / "x.png")

    def boom(tmp, *args, **kwargs):
        tmp.write_bytes(b"half a tiff")
        raise RuntimeError("encoder crashed")

    monkeypatch.setattr(images, "_write_tiff", boom)
    with pytest.raises(RuntimeError, match="encoder crashed"):
        write_image(img, tmp_path / "x.tif")
    assert list(tmp_path.iterdir()) == []


def test_no_overwrite(tmp_path):
    img = display(smooth())
    path = write_image(img, tmp_path / "a.jpg")
    before = path.read_bytes()
    with pytest.raises(OutputExistsError, match=r"a\.jpg exists; pass overwrite=True"):
        write_image(display(smooth() * 0.5), path)
    assert path.read_bytes() == before
    src = tmp_path / "src.png"
    write_image(img, src)
    with pytest.raises(OutputExistsError, match="input"):
        write_image(read_image(src), src, inputs=[src])
    write_image(display(smooth() * 0.5), path, overwrite=True)
    assert path.read_bytes() != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jpg", "src.png"]


def test_read_metadata_of_dng(tmp_path):
    from brightroom.io.dng import write_dng
    from brightroom.types import CFAPattern, RawImage

    raw = RawImage(np.zeros((8, 8), np.float32), CFAPattern("RGGB"), CAMERA,
                   black_level=64, white_level=1023)
    meta = read_metadata(write_dng(raw, tmp_path / "r.dng"))
    assert meta["format"] == "DNG" and meta["orientation"] == 6 and meta["model"] == "X-T5"


def test_sniff_image(tmp_path):
    for ext, fmt in ((".jpg", "JPEG"), (".png", "PNG"), (".tif", "TIFF"), (".heic", "HEIC"),
                     (".avif", "AVIF")):
        path = write_image(display(smooth(32, 32)), tmp_path / f"s{ext}")
        renamed = path.rename(tmp_path / f"s{ext[1:]}.bin")  # the contents decide, not the name
        assert sniff_image(renamed) == fmt
    (tmp_path / "t.jpg").write_text("plain text")
    assert sniff_image(tmp_path / "t.jpg") is None
