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


# ------------------------------------------------------------------------------ X-Trans, linear raws

from brightroom.types import XTRANS_LAYOUT, LinearRawImage, WarpRectilinear  # noqa: E402


def test_xtrans_layout_facts():
    # Fujifilm's X-Trans: 20 of 36 sites green, every row and column holds all three colours,
    # no two reds or blues side by side horizontally or vertically
    p = CFAPattern.xtrans()
    t = p.tile
    assert p.is_xtrans and not p.is_bayer and p.period == 6 and t.shape == (6, 6)
    assert (t == 1).sum() == 20 and (t == 0).sum() == 8 and (t == 2).sum() == 8
    for k in range(6):
        assert set(t[k]) == {0, 1, 2} and set(t[:, k]) == {0, 1, 2}
    rb = t != 1
    assert not np.any(rb[:, :-1] & rb[:, 1:] & (t[:, :-1] == t[:, 1:]))
    assert p.pattern == XTRANS_LAYOUT


def test_xtrans_shift_parse_and_bayer_only_views():
    p = CFAPattern.xtrans()
    full = p.channel_index(14, 14)
    for dy in range(6):
        for dx in range(6):
            q = p.shifted(dy, dx)
            np.testing.assert_array_equal(q.channel_index(8, 8), full[dy:dy + 8, dx:dx + 8])
            assert CFAPattern.parse(q.name) == q
    assert CFAPattern.parse("xtrans") == p
    with pytest.raises(ParameterError, match="X-Trans"):
        _ = p.cell
    with pytest.raises(ParameterError, match="X-Trans"):
        p.binned()
    with pytest.raises(ParameterError, match="not a phase of the X-Trans"):
        CFAPattern("GGGGGG/GGBGGR/BRGRBG/GGBGGR/GGRGGB/RBGBRG")
    with pytest.raises(ParameterError, match="block 1"):
        CFAPattern(XTRANS_LAYOUT, 2)
    raw = RawImage(np.zeros((12, 12), np.float32), p)
    assert raw.pattern.period == 6
    with pytest.raises(ParameterError, match="smaller than one"):
        RawImage(np.zeros((4, 8), np.float32), p)


def test_linear_raw_validation_and_image():
    d = np.zeros((4, 5, 3), np.float32)
    lin = LinearRawImage(d, black_level=(1, 2, 3), white_level=100)
    assert lin.shape == (4, 5) and not lin.monochrome and lin.black_level == (1.0, 2.0, 3.0)
    img = lin.to_image()
    assert img.space == "camera_rgb" and img.data is d
    mono = LinearRawImage(np.zeros((4, 5, 1), np.float32), white_level=10)
    assert mono.monochrome and mono.rgb().shape == (4, 5, 3)
    with pytest.raises(ParameterError, match="H x W x 3"):
        LinearRawImage(np.zeros((4, 5), np.float32))
    with pytest.raises(ParameterError, match="float32"):
        LinearRawImage(np.zeros((4, 5, 3)))
    with pytest.raises(ParameterError, match="white level"):
        LinearRawImage(d, black_level=5, white_level=5)


def test_warp_rectilinear_validation():
    w = WarpRectilinear([(1, 0, 0, 0, 0, 0)])
    assert w.is_identity and w.centre == (0.5, 0.5)
    assert not WarpRectilinear([(1, -0.1, 0, 0, 0, 0)] * 3).is_identity
    with pytest.raises(ParameterError):
        WarpRectilinear([(1, 0, 0, 0, 0, 0)] * 2)
    with pytest.raises(ParameterError):
        WarpRectilinear([(1, 0, 0, 0, 0, float("nan"))])
