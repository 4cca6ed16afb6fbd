"""brightroom.io.images.png: PNG with iCCP, eXIf and the recipe's iTXt chunk."""


from PIL import Image as PILImage

from _images_helpers import RECIPE, display, smooth
from brightroom.io.icc import identify_icc
from brightroom.io.images import write_image


def test_png_recipe_chunk_and_exif_seen_by_pillow(tmp_path):
    path = write_image(display(smooth()), tmp_path / "r.png")
    im = PILImage.open(path)
    im.load()
    assert im.text["brightroom:recipe"] == RECIPE
    assert im.getexif()[274] == 6
    assert identify_icc(im.info["icc_profile"]) == "sRGB"
