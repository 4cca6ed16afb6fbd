import numpy as np
import pytest

from brightroom.errors import ParameterError
from brightroom.types import CameraInfo, CFAPattern, Image, NoiseProfile, RawImage, normalize_mosaic


@pytest.mark.parametrize("pattern,r,b", [("RGGB", (0, 0), (1, 1)), ("BGGR", (1, 1), (0, 0)),
                                         ("GRBG", (0, 1), (1, 0)), ("GBRG", (1, 0), (0, 1))])
def test_bayer_phases(pattern, r, b):
    p = CFAPattern(pattern)
    idx = p.channel_index(4, 6)
    assert idx[r] == 0 and idx[b] == 2
    assert (idx == 1).sum() == 12 and (idx == 0).sum() == 6
    assert p.offset("R") == r and p.offset("B") == b


def test_quad_bayer_tile():
    p = CFAPattern("RGGB", 2)
    assert p.name == "quad-RGGB" and p.period == 4
    expect = np.array([[0, 0, 1, 1], [0, 0, 1, 1], [1, 1, 2, 2], [1, 1, 2, 2]])
    np.testing.assert_array_equal(p.tile, expect)
    assert CFAPattern.parse("quad-RGGB") == p
    assert CFAPattern.parse("GBRG") == CFAPattern("GBRG")


def test_shifted_pattern_matches_crop():
    for name in ("RGGB", "BGGR", "GRBG", "GBRG"):
        p = CFAPattern(name)
        full = p.channel_index(8, 8)
        for dy in (0, 1):
            for dx in (0, 1):
                np.testing.assert_array_equal(p.shifted(dy, dx).channel_index(6, 6),
                                              full[dy:dy + 6, dx:dx + 6])
    with pytest.raises(ParameterError):
        CFAPattern("RGGB", 2).shifted(1, 0)


def test_bad_patterns():
    with pytest.raises(ParameterError):
        CFAPattern("RGBG")
    with pytest.raises(ParameterError):
        CFAPattern("RGGB", 7)
    with pytest.raises(ParameterError):
        CFAPattern.parse("penta-RGGB")


def test_normalize_and_back_is_exact():
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 16383, size=(6, 8)).astype(np.uint16)
    black = (512, 510, 509, 515)
    cfa = normalize_mosaic(counts, black, 16383)
    assert cfa.dtype == np.float32
    raw = RawImage(cfa, CFAPattern("RGGB"), black_level=black, white_level=16383)
    back = raw.to_counts()
    # to_counts clips to [0, white]; counts below black become negative normalised values
    np.testing.assert_array_equal(back, counts)
    assert abs(normalize_mosaic(np.array([[512, 510]]), black, 16383)[0, 0]) < 1e-7


def test_raw_validation():
    with pytest.raises(ParameterError, match="float32"):
        RawImage(np.zeros((4, 4)), CFAPattern())
    with pytest.raises(ParameterError, match="2-D"):
        RawImage(np.zeros((4, 4, 3), np.float32), CFAPattern())
    with pytest.raises(ParameterError, match="white level"):
        RawImage(np.zeros((4, 4), np.float32), CFAPattern(), black_level=10, white_level=5)


def test_image_space_consistency():
    d = np.zeros((2, 2, 3), np.float32)
    Image(d, space="camera_rgb", primaries="camera")
    Image(d, space="display", transfer="sRGB")
    with pytest.raises(ParameterError):
        Image(d, space="camera_rgb", primaries="sRGB")
    with pytest.raises(ParameterError):
        Image(d, space="display")
    with pytest.raises(ParameterError):
        Image(np.zeros((2, 2), np.float32))


def test_camera_info_and_noise():
    cam = CameraInfo(color_matrix1=np.eye(3), as_shot_neutral=(0.5, 1, 0.7))
    assert not cam.color_matrix1.flags.writeable
    with pytest.raises(ParameterError):
        CameraInfo(as_shot_neutral=(0, 1, 1))
    with pytest.raises(ParameterError):
        CameraInfo(color_matrix1=np.eye(2))
    n = NoiseProfile((1e-4,), (1e-6,))
    assert n.scale == (1e-4,) * 3
    assert n.variance(0.5, 0) == pytest.approx(1e-4 * 0.5 + 1e-6)
    with pytest.raises(ParameterError):
        NoiseProfile((-1, 0, 0), (0, 0, 0))
