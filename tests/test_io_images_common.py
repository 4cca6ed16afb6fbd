"""brightroom.io.images._common: quantisation, display values for writing, any decoder's pixels
to float32."""


import colour
import numpy as np
from PIL import Image as PILImage

from brightroom.io.images import quantize, quantize_fast, read_image, write_image
from brightroom.types import Image


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
