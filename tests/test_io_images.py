"""read_image / write_image / read_metadata: round trips, EXIF, ICC, orientation, errors."""

import io

import colour
import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageCms

import brightroom.io.images as images
from brightroom.errors import (
    CorruptFileError,
    InputError,
    OutputExistsError,
    ParameterError,
    UnsupportedFormatError,
)
from brightroom.io.icc import icc_profile, identify_icc
from brightroom.io.images import quantize, quantize_fast, read_image, read_metadata, write_image
from brightroom.types import CameraInfo, Image
from conftest import shared_file

RECIPE = 'name = "portrait – douce"\nversion = 1\n\n[tone]\ncontrast = 0.2\n'
CAMERA = CameraInfo(make="FUJIFILM", model="X-T5", iso=800, exposure_time=1 / 125, f_number=2.8,
                    focal_length=33.0, orientation=6, exif={"datetime": "2026:03:04 05:06:07"})


def smooth(h=96, w=128, seed=0):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.stack([xx / w, yy / h, 0.5 + 0.3 * np.sin(xx / 9) * np.cos(yy / 11)], -1)
    return np.clip(d, 0, 1).astype(np.float32)


def display(data, primaries="sRGB", camera=CAMERA, **meta):
    return Image(data, space="display", primaries=primaries, transfer="sRGB", camera=camera,
                 metadata={"recipe": RECIPE, **meta})


def psnr(a, b):
    return 10 * np.log10(1 / np.mean((a.astype(np.float64) - b) ** 2))


def test_quantize_fast_equals_reference():
    rng = np.random.default_rng(0)
    d = rng.uniform(-0.2, 1.2, (50, 70, 3)).astype(np.float32)
    d[0, :, 0] = (np.arange(70) + 0.5) / 255  # exact halves round to even
    d[1, :3, 1] = [np.nan, np.inf, -np.inf]
    for bits in (8, 16):
        for bgr in (False, True):
            np.testing.assert_array_equal(quantize_fast(d, bits, bgr=bgr),
                                          quantize(d, bits, bgr=bgr))
    q = quantize(d, 8)
    assert q[1, 0, 1] == 0 and q[1, 1, 1] == 255 and q[1, 2, 1] == 0
    assert q[0, 0, 0] == 0 and q[0, 1, 0] == 2  # 0.5 -> 0, 1.5 -> 2


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


def test_float_tiff_round_trip(tmp_path):
    data = np.random.default_rng(2).uniform(-0.1, 1.5, (20, 30, 3)).astype(np.float32)
    back = read_image(write_image(display(data), tmp_path / "f.tiff", bit_depth=32))
    np.testing.assert_array_equal(back.data, data)
    assert back.metadata["bit_depth"] == 32


@pytest.mark.parametrize("ext", [".jpg", ".heic", ".avif"])
def test_lossy_round_trip(tmp_path, ext):
    data = smooth()
    back = read_image(write_image(display(data, camera=None), tmp_path / f"x{ext}", quality=95))
    assert back.shape == data.shape
    assert psnr(back.data, data) > 35


def test_jpeg_readable_by_pillow(tmp_path):
    data = smooth()
    path = write_image(display(data), tmp_path / "p.jpg", quality=95)
    im = PILImage.open(path)
    assert im.format == "JPEG" and im.size == (128, 96)
    ours = np.asarray(im.convert("RGB")) / 255.0
    assert psnr(ours, data) > 35
    ex = im.getexif()
    assert ex[274] == 6 and ex[271] == "FUJIFILM" and ex[272] == "X-T5"
    assert ex[305].startswith("Brightroom ")
    sub = ex.get_ifd(0x8769)
    assert sub[34855] == 800 and float(sub[33434]) == pytest.approx(1 / 125)
    assert sub[40962] == 128 and sub[40963] == 96 and sub[40961] == 1  # size, sRGB
    assert float(sub[33437]) == pytest.approx(2.8) and float(sub[37386]) == 33
    assert identify_icc(im.info["icc_profile"]) == "sRGB"
    ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"]))  # littleCMS accepts it


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


def test_png_recipe_chunk_and_exif_seen_by_pillow(tmp_path):
    path = write_image(display(smooth()), tmp_path / "r.png")
    im = PILImage.open(path)
    im.load()
    assert im.text["brightroom:recipe"] == RECIPE
    assert im.getexif()[274] == 6
    assert identify_icc(im.info["icc_profile"]) == "sRGB"


def test_orientation_from_metadata_overrides_camera(tmp_path):
    img = display(smooth(), orientation=3)
    assert read_metadata(write_image(img, tmp_path / "o.jpg"))["orientation"] == 3
    img = Image(smooth(), space="display", transfer="sRGB")
    meta = read_metadata(write_image(img, tmp_path / "plain.jpg"))
    assert meta["orientation"] == 1 and meta["recipe"] is None and meta["make"] is None


def test_linear_input_is_srgb_encoded(tmp_path):
    lin = np.full((16, 16, 3), 0.18, dtype=np.float32)
    img = Image(lin, space="linear_rgb", primaries="sRGB")
    back = read_image(write_image(img, tmp_path / "lin.png"))
    expect = colour.cctf_encoding(0.18, function="sRGB")
    np.testing.assert_allclose(back.data, expect, atol=1 / 65535)


def test_untagged_and_gray_inputs(tmp_path):
    import cv2

    gray = (np.arange(60 * 80) % 256).astype(np.uint8).reshape(60, 80)
    cv2.imwrite(str(tmp_path / "g.png"), gray)
    img = read_image(tmp_path / "g.png")
    assert img.primaries == "sRGB" and img.metadata["icc"] is None
    np.testing.assert_array_equal(quantize(img.data, 8), np.repeat(gray[..., None], 3, 2))
    rgba = np.zeros((10, 12, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 128
    PILImage.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    img = read_image(tmp_path / "a.png")
    np.testing.assert_array_equal(quantize(img.data, 8)[0, 0], [200, 0, 0])
    PILImage.fromarray(np.full((8, 8, 3), 77, np.uint8)).save(tmp_path / "u.jpg", quality=100)
    img = read_image(tmp_path / "u.jpg")
    assert img.primaries == "sRGB" and img.metadata["exif"] is None
    assert img.metadata["orientation"] == 1
    np.testing.assert_allclose(img.data, 77 / 255, atol=1.5 / 255)


@pytest.mark.realdata
def test_iphone_heic():
    path = shared_file("iphone-portrait-depth.heic")
    img = read_image(path)
    assert img.shape == (3024, 4032, 3) and img.primaries == "Display P3"
    assert img.camera.make == "Apple" and img.camera.model == "iPhone 13 Pro"
    assert 0.05 < float(img.data.mean()) < 0.95
    meta = read_metadata(path)
    assert meta["icc_space"] == "Display P3" and meta["width"] == 4032


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


def test_read_dispatches_by_extension_then_content(tmp_path):
    from brightroom.io import read
    from brightroom.io.dng import write_dng
    from brightroom.types import CFAPattern, RawImage

    raw = RawImage(np.full((8, 8), 0.5, np.float32), CFAPattern("GBRG"), CAMERA,
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


@pytest.mark.parametrize("h,w,chunks", [(517, 301, 11), (96, 130, 2), (40, 64, 3), (33, 17, 2)])
def test_parallel_jpeg_decodes_like_single_pass(h, w, chunks):
    import cv2

    from brightroom.io.images import encode_jpeg, encode_jpeg_parallel

    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.stack([xx / w, yy / h, 0.5 + 0.3 * np.sin(xx / 9) * np.cos(yy / 11)], -1)
    d = (d + rng.normal(0, 0.03, d.shape)).astype(np.float32)
    single, par = encode_jpeg(d, 90), encode_jpeg_parallel(d, 90, chunks=chunks, workers=2)
    assert b"\xff\xdd" in par[:1000]  # restart interval defined
    if h > 16:
        assert b"\xff\xd0" in par
    a = cv2.imdecode(np.frombuffer(single, np.uint8), cv2.IMREAD_COLOR)
    b = cv2.imdecode(np.frombuffer(par, np.uint8), cv2.IMREAD_COLOR)
    np.testing.assert_array_equal(a, b)
    # and an independent decoder (Pillow's libjpeg) agrees too
    pa = np.asarray(PILImage.open(io.BytesIO(single)).convert("RGB"))
    pb = np.asarray(PILImage.open(io.BytesIO(par)).convert("RGB"))
    np.testing.assert_array_equal(pa, pb)


def test_write_dispatches(tmp_path):
    from brightroom.io import read, write
    from brightroom.types import CFAPattern, RawImage

    raw = RawImage(np.full((8, 8), 0.25, np.float32), CFAPattern("RGGB"), black_level=64,
                   white_level=1023)
    assert isinstance(read(write(raw, tmp_path / "a.dng")), RawImage)
    with pytest.raises(UnsupportedFormatError, match="written as DNG"):
        write(raw, tmp_path / "a.png")
    path = write(display(smooth()), tmp_path / "b.png", bit_depth=8)
    assert read(path).metadata["bit_depth"] == 8
