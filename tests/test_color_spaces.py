"""brightroom.color.spaces: the written-out matrices against colour-science."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from brightroom.color.spaces import RGB_SPACES, get_space, rgb_to_xyz_matrix, xyz_to_rgb_matrix
from brightroom.errors import ParameterError


@pytest.mark.parametrize("name", RGB_SPACES)
def test_matrices_are_colour_sciences(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour

    ref = colour.RGB_COLOURSPACES[name]
    np.testing.assert_allclose(rgb_to_xyz_matrix(name), ref.matrix_RGB_to_XYZ, rtol=0, atol=1e-15)
    np.testing.assert_allclose(xyz_to_rgb_matrix(name) @ rgb_to_xyz_matrix(name), np.eye(3),
                               atol=1e-12)
    # the white (RGB 1, 1, 1) is the space's white point, Y = 1
    white = colour.xy_to_XYZ(ref.whitepoint)
    np.testing.assert_allclose(get_space(name).white, white, atol=5e-4)


def test_unknown_space_is_one_error():
    with pytest.raises(ParameterError, match="unknown colour space 'Rec. 709'; known: sRGB"):
        get_space("Rec. 709")
