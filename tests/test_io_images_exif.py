"""brightroom.io.images.exif: the EXIF block written from an Image and read back."""



import pytest

from _images_helpers import RECIPE, display, smooth
from brightroom.io.images import exif_bytes, parse_exif, read_metadata, write_image
from brightroom.types import Image


def test_orientation_from_metadata_overrides_camera(tmp_path):
    img = display(smooth(), orientation=3)
    assert read_metadata(write_image(img, tmp_path / "o.jpg"))["orientation"] == 3
    img = Image(smooth(), space="display", transfer="sRGB")
    meta = read_metadata(write_image(img, tmp_path / "plain.jpg"))
    assert meta["orientation"] == 1 and meta["recipe"] is None and meta["make"] is None


def test_exif_bytes_read_back_by_parse_exif():
    fields = {"make": "FUJIFILM", "model": "X-T5", "orientation": 8, "software": "Brightroom 0.1.0",
              "recipe": RECIPE, "datetime": "2026:03:04 05:06:07", "iso": 800,
              "exposure_time": 1 / 125, "f_number": 2.8, "focal_length": 33.0, "colorspace": 1,
              "width": 128, "height": 96}
    block = exif_bytes(fields)
    assert block[:4] == b"II*\0"  # little-endian TIFF structure, no "Exif\0\0" prefix
    back = parse_exif(block)
    assert back == pytest.approx({k: fields[k] for k in (
        "make", "model", "orientation", "software", "recipe", "datetime", "iso",
        "exposure_time", "f_number", "focal_length")})
    assert parse_exif(b"Exif\0\0" + block) == back  # the APP1 form too
    # the recipe is not ASCII: an exact UCS-2 copy is kept in UserComment (Exif 4.6.5)
    assert b"UNICODE\0" + RECIPE.encode("utf-16-le") in block


def test_parse_exif_of_other_writers_and_of_junk():
    block = exif_bytes({"make": "Canon", "software": "Other 1.0", "recipe": "a caption"})
    back = parse_exif(block)
    assert back["description"] == "a caption" and "recipe" not in back  # not ours: not a recipe
    assert parse_exif(None) == {} and parse_exif(b"") == {}
    assert parse_exif(b"not an exif block at all") == {}
