"""brightroom.io.images.heif: HEIC (pillow-heif) and AVIF (Pillow)."""



import pytest

from brightroom.io.images import read_image, read_metadata
from conftest import shared_file


@pytest.mark.realdata
def test_iphone_heic():
    path = shared_file("iphone-portrait-depth.heic")
    img = read_image(path)
    assert img.shape == (3024, 4032, 3) and img.primaries == "Display P3"
    assert img.camera.make == "Apple" and img.camera.model == "iPhone 13 Pro"
    assert 0.05 < float(img.data.mean()) < 0.95
    meta = read_metadata(path)
    assert meta["icc_space"] == "Display P3" and meta["width"] == 4032
