"""brightroom.io.images.tiff: integer and float TIFF."""


import numpy as np

from _images_helpers import display
from brightroom.io.images import read_image, write_image


def test_float_tiff_round_trip(tmp_path):
    data = np.random.default_rng(2).uniform(-0.1, 1.5, (20, 30, 3)).astype(np.float32)
    back = read_image(write_image(display(data), tmp_path / "f.tiff", bit_depth=32))
    np.testing.assert_array_equal(back.data, data)
    assert back.metadata["bit_depth"] == 32
