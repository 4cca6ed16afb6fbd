"""brightroom.io.images.jpeg: JPEG with EXIF and ICC segments; the parallel encoder."""

import io

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageCms

from _images_helpers import display, psnr, smooth
from brightroom.io.icc import identify_icc
from brightroom.io.images import write_image


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
