"""write_dng: LibRaw reads our DNGs back bit-exact; read_raw round-trips every tag we write."""

import numpy as np
import pytest
import rawpy
import tifffile

from brightroom.errors import OutputExistsError
from brightroom.io.dng import write_dng
from brightroom.io.raw import read_raw
from brightroom.types import CameraInfo, CFAPattern, NoiseProfile, RawImage, normalize_mosaic

# Canon EOS 550D ColorMatrix1 as published in its DNGs (the sample file in ../shared/data)
CANON_CM = np.array([[0.6461, -0.1164, -0.0857], [-0.3825, 1.1597, 0.2534],
                     [-0.0416, 0.154, 0.6039]])
CM2 = np.array([[0.7, -0.2, -0.05], [-0.4, 1.2, 0.2], [-0.1, 0.2, 0.55]])
FM1 = np.array([[0.6, 0.25, 0.11], [0.22, 0.85, -0.07], [0.02, -0.15, 0.96]])
FM2 = np.array([[0.62, 0.22, 0.12], [0.25, 0.8, -0.05], [0.03, -0.2, 0.99]])


def make_raw(pattern="RGGB", shape=(64, 96), black=(64, 65, 66, 67), white=4095, seed=0, **cam):
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, white + 1, shape).astype(np.uint16)
    camera = CameraInfo(
        make="Canon", model="Canon EOS 550D", color_matrix1=CANON_CM, illuminant1=21,
        color_matrix2=CM2, illuminant2=17, forward_matrix1=FM1, forward_matrix2=FM2,
        as_shot_neutral=(0.45, 1.0, 0.62), iso=400, exposure_time=1 / 250, f_number=2.8,
        focal_length=35.0, noise_profile=NoiseProfile((2e-4, 1e-4, 3e-4), (1e-6, 2e-6, 3e-6)),
        orientation=6, **cam,
    )
    cfa = normalize_mosaic(counts, black, white)
    return RawImage(cfa, CFAPattern.parse(pattern), camera, black_level=black,
                    white_level=white), counts


PATTERNS = ["RGGB", "BGGR", "GRBG", "GBRG", "quad-RGGB", "quad-GBRG"]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_libraw_reads_counts_bit_exact(tmp_path, pattern):
    raw, counts = make_raw(pattern)
    np.testing.assert_array_equal(raw.to_counts(), counts)
    path = write_dng(raw, tmp_path / "x.dng")
    with rawpy.imread(str(path)) as r:
        np.testing.assert_array_equal(r.raw_image_visible, counts)
        assert r.white_level == 4095
        if "quad" not in pattern:
            # LibRaw's own reading of the CFA and per-position black levels (colour 3 = G2)
            got = "".join("RGBG"[r.raw_color(i, j)] for i in range(2) for j in range(2))
            assert got == pattern
            blk = [r.black_level_per_channel[r.raw_color(i, j)] for i in range(2) for j in range(2)]
            assert blk == [64, 65, 66, 67]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_read_raw_round_trip(tmp_path, pattern):
    raw, counts = make_raw(pattern)
    back = read_raw(write_dng(raw, tmp_path / "x.dng"))
    assert back.pattern == CFAPattern.parse(pattern)
    assert back.black_level == (64, 65, 66, 67) and back.white_level == 4095
    np.testing.assert_array_equal(back.to_counts(), counts)
    np.testing.assert_array_equal(back.cfa, raw.cfa)
    c, o = back.camera, raw.camera
    for name in ("color_matrix1", "color_matrix2", "forward_matrix1", "forward_matrix2"):
        np.testing.assert_allclose(getattr(c, name), getattr(o, name), atol=1e-6)
    assert (c.illuminant1, c.illuminant2) == (21, 17)
    np.testing.assert_allclose(c.as_shot_neutral, o.as_shot_neutral, atol=1e-6)
    assert c.noise_profile == o.noise_profile
    assert c.orientation == 6
    assert (c.make, c.model) == ("Canon", "Canon EOS 550D")
    assert c.iso == 400 and c.f_number == pytest.approx(2.8)
    assert c.exposure_time == pytest.approx(1 / 250) and c.focal_length == 35
    assert c.exif["model"] == "Canon EOS 550D" and c.exif["iso"] == 400


def test_dng_structure(tmp_path):
    raw, _ = make_raw("quad-GRBG")
    path = write_dng(raw, tmp_path / "q.dng")
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        tags = {t.code: t.value for t in page.tags.values()}
        assert tags[254] == 0 and tags[262] == 32803 and tags[258] == 16 and tags[259] == 1
        assert bytes(tags[50706]) == b"\x01\x04\x00\x00"  # DNGVersion 1.4
        assert bytes(tags[50707]) == b"\x01\x01\x00\x00"  # backward 1.1
        assert tuple(tags[33421]) == (4, 4)
        expect = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [2, 2, 1, 1], [2, 2, 1, 1]])
        np.testing.assert_array_equal(np.frombuffer(tags[33422], np.uint8).reshape(4, 4), expect)
        assert bytes(tags[50710]) == b"\x00\x01\x02"
        assert tuple(tags[50713]) == (2, 2)
        assert tags[50708] == "Canon EOS 550D"
        assert tags[34665]["ISOSpeedRatings"] == 400
        np.testing.assert_array_equal(page.asarray(), raw.to_counts())


@pytest.mark.parametrize("pattern", ["RGGB", "BGGR", "GRBG", "GBRG"])
def test_libraw_develops_gray_card_gray(tmp_path, pattern):
    # a uniform 18 % gray card: the camera sees it as as_shot_neutral * level
    pat = CFAPattern(pattern)
    neutral = np.array([0.45, 1.0, 0.62])
    cfa = (0.18 * neutral[pat.channel_index(64, 96)]).astype(np.float32)
    raw = RawImage(cfa, pat, CameraInfo(make="Canon", model="EOS", color_matrix1=CANON_CM,
                                        as_shot_neutral=tuple(neutral)),
                   black_level=2048, white_level=15000)
    with rawpy.imread(str(write_dng(raw, tmp_path / "g.dng"))) as r:
        rgb = r.postprocess(use_camera_wb=True, no_auto_bright=True, gamma=(1, 1),
                            output_bps=16, user_flip=0)
    mean = rgb[16:48, 16:80].reshape(-1, 3).astype(float).mean(0)
    assert np.all(np.abs(mean / mean.mean() - 1) < 0.02), mean
    # and the level is the 18 % gray (sRGB primaries, linear), within a few %
    assert mean.mean() / 65535 == pytest.approx(0.18, rel=0.1)


def test_fractional_black_and_normalised_white(tmp_path):
    raw, _ = make_raw(black=(64.5, 64.5, 64.25, 64.75))
    back = read_raw(write_dng(raw, tmp_path / "f.dng"))
    assert back.black_level == (64.5, 64.5, 64.25, 64.75)
    # a simulated mosaic with white 1.0 is written as 16-bit counts with a pedestal
    rng = np.random.default_rng(1)
    cfa = rng.normal(0.3, 0.1, (32, 32)).astype(np.float32)
    sim = RawImage(cfa, CFAPattern("GRBG"))
    back = read_raw(write_dng(sim, tmp_path / "s.dng"))
    assert back.white_level == 65535 and back.black_level == (1024,) * 4
    np.testing.assert_allclose(back.cfa, np.clip(cfa, -1024 / 64511, 1), atol=0.5 / 64511 + 1e-7)
    # no colour matrix: the camera is declared to be linear sRGB under D65
    xyz_to_srgb = np.linalg.inv(np.array([[0.4124564, 0.3575761, 0.1804375],
                                          [0.2126729, 0.7151522, 0.0721750],
                                          [0.0193339, 0.1191920, 0.9503041]]))
    np.testing.assert_allclose(back.camera.color_matrix1, xyz_to_srgb, atol=2e-4)
    assert back.camera.illuminant1 == 21


def test_gain_map_round_trip(tmp_path):
    raw, _ = make_raw()
    yy, xx = np.mgrid[0:5, 0:7]
    g = np.stack([1 + 0.1 * k + 0.01 * (yy - 2) ** 2 + 0.02 * (xx - 3) ** 2 for k in range(4)], -1)
    raw = raw.replace(gain_map=g.astype(np.float32))
    back = read_raw(write_dng(raw, tmp_path / "g.dng"))
    np.testing.assert_array_equal(back.gain_map.gains, g.astype(np.float32))
    assert back.gain_map.source == "OpcodeList2"
    assert back.gain_map.spacing == pytest.approx((1 / 4, 1 / 6))
    again = read_raw(write_dng(back, tmp_path / "g2.dng"))  # placement kept on a re-write
    assert (again.gain_map.area, again.gain_map.origin, again.gain_map.spacing) == \
        (back.gain_map.area, back.gain_map.origin, back.gain_map.spacing)
    with rawpy.imread(str(tmp_path / "g.dng")) as r:  # LibRaw still reads the file
        np.testing.assert_array_equal(r.raw_image_visible, raw.to_counts())


def test_no_overwrite(tmp_path):
    raw, _ = make_raw()
    path = write_dng(raw, tmp_path / "a.dng")
    before = path.read_bytes()
    with pytest.raises(OutputExistsError, match="a.dng exists"):
        write_dng(raw.replace(white_level=5000), path)
    assert path.read_bytes() == before
    with pytest.raises(OutputExistsError, match="input"):
        write_dng(raw, path, inputs=[path])
    write_dng(raw.replace(white_level=5000), path, overwrite=True)
    assert read_raw(path).white_level == 5000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.dng"]


@pytest.mark.parametrize("black,white", [((64, 64, 64, 64), 1023), ((512, 513.5, 511, 512.25),
                                                                    16383), ((0, 0, 0, 0), 65535)])
def test_to_counts_fast_equals_reference(black, white):
    from brightroom.io.dng import to_counts_fast

    rng = np.random.default_rng(3)
    cfa = rng.uniform(-0.1, 1.1, (37, 53)).astype(np.float32)
    cfa[0, :8] = (np.arange(8) + 0.5) / (white - black[0])  # exact halves
    raw = RawImage(cfa, CFAPattern("GBRG"), black_level=black, white_level=white)
    np.testing.assert_array_equal(to_counts_fast(raw), raw.to_counts())


def test_white_balanced_raw_written_sensor_referred(tmp_path):
    raw, counts = make_raw("GRBG")
    gains = (2.0, 1.0, 1.5)
    idx = raw.pattern.channel_index(*raw.shape)
    from brightroom.types import FrameState, WhiteBalance

    state = FrameState(white_balance=WhiteBalance((1 / gains[0], 1.0, 1 / gains[2])))
    balanced = raw.replace(cfa=(raw.cfa * np.asarray(gains, np.float32)[idx]).astype(np.float32),
                           state=state)
    back = read_raw(write_dng(balanced, tmp_path / "wb.dng"))
    assert back.wb is None
    np.testing.assert_array_equal(back.to_counts(), counts)


def test_rendering_hints_round_trip(tmp_path):
    raw, _ = make_raw()
    cal = np.diag([1.02, 1.0, 0.97])
    hints = {"default_crop": (2.0, 4.0, 60.0, 88.0),
             "analog_balance": (1.0, 1.0, 1.0), "camera_calibration1": cal,
             "linear_response_limit": 0.9}
    path = write_dng(raw.replace(metadata=hints,
                                 camera=raw.camera.replace(baseline_exposure=-0.5)),
                     tmp_path / "h.dng")
    back = read_raw(path)
    assert back.camera.baseline_exposure == pytest.approx(-0.5)
    for key, value in hints.items():
        np.testing.assert_allclose(back.metadata[key], value, atol=1e-6, err_msg=key)
    with tifffile.TiffFile(path) as tif:
        tags = {t.code: t.value for t in tif.pages[0].tags.values()}
    assert tuple(tags[50719]) == (4, 1, 2, 1)  # DefaultCropOrigin is (x, y)
    assert tuple(tags[50720]) == (88, 1, 60, 1)


@pytest.mark.parametrize("pattern", ["GBRG", "quad-RGGB"])
def test_preview_layout(tmp_path, pattern):
    raw, counts = make_raw(pattern, shape=(64, 96))
    path = write_dng(raw, tmp_path / "p.dng", preview=True)
    back = read_raw(path)
    assert back.metadata["backend"] == "numpy" and back.pattern == raw.pattern
    np.testing.assert_array_equal(back.to_counts(), counts)
    assert back.camera.orientation == 6 and back.camera.noise_profile == raw.camera.noise_profile
    with rawpy.imread(str(path)) as r:
        np.testing.assert_array_equal(r.raw_image_visible, counts)
        thumb = r.extract_thumb()
        assert thumb.format == rawpy.ThumbFormat.BITMAP
        assert thumb.data.shape[2] == 3 and max(thumb.data.shape[:2]) <= 256
    with tifffile.TiffFile(path) as tif:
        ifd0 = tif.pages[0]
        assert ifd0.tags[254].value == 1 and ifd0.tags[262].value == 2
        assert 50706 in ifd0.tags and 50721 in ifd0.tags and 33422 not in ifd0.tags
        (sub,) = ifd0.pages
        assert sub.tags[254].value == 0 and sub.tags[262].value == 32803
        np.testing.assert_array_equal(sub.asarray(), counts)


def test_preview_of_gray_card_is_gray():
    from brightroom.io.dng import render_preview

    pat = CFAPattern("RGGB")
    neutral = np.array([0.45, 1.0, 0.62])
    cfa = (0.18 * neutral[pat.channel_index(600, 800)]).astype(np.float32)
    raw = RawImage(cfa, pat, CameraInfo(color_matrix1=CANON_CM, as_shot_neutral=tuple(neutral)),
                   black_level=2048, white_level=15000)
    rgb = render_preview(raw)
    assert rgb.shape == (150, 200, 3) and rgb.dtype == np.uint8
    assert np.ptp(rgb.reshape(-1, 3).astype(int), axis=1).max() <= 1
