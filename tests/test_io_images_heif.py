"""brightroom.io.images.heif: HEIC and AVIF at 8/10/12 bits, orientation, the source's XMP, depth
and gain map carried over, and malformed files.

The independent decoder for HEIC is libheif (pillow-heif); for 8-bit AVIF libavif (Pillow).
Orientations are checked against the EXIF 2.3 definitions applied by NumPy, and 10-bit codes
against the codes written.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _images_helpers import display, smooth
from brightroom.errors import BrightroomError, CorruptFileError, ParameterError
from brightroom.io.images import read_image, read_metadata, write_image
from brightroom.io.images._heif_box import read_container
from brightroom.io.images.heif import av1_crf, exif_orient, hevc_crf, rgb_to_ycbcr, ycbcr_to_rgb
from brightroom.types import Image
from conftest import shared_file


def _img(data: np.ndarray, **meta) -> Image:
    return Image(data, space="display", transfer="sRGB", metadata=meta)


def _codes(rng: np.random.Generator, bits: int, shape=(48, 64, 3)) -> np.ndarray:
    return rng.integers(0, 2 ** bits, shape)


@pytest.mark.realdata
@pytest.mark.slow
def test_iphone_heic():
    path = shared_file("iphone-portrait-depth.heic")
    img = read_image(path)
    assert img.shape == (3024, 4032, 3) and img.primaries == "Display P3"
    assert img.camera.make == "Apple" and img.camera.model == "iPhone 13 Pro"
    assert 0.05 < float(img.data.mean()) < 0.95
    meta = read_metadata(path)
    assert meta["icc_space"] == "Display P3" and meta["width"] == 4032
    kinds = sorted(a.kind for a in img.metadata["heif_auxiliary"])
    assert kinds == ["depth", "gain_map"] and b"xmp:CreateDate" in img.metadata["xmp"]


@pytest.mark.slow
@pytest.mark.parametrize("bits", [10, 12])
def test_lossless_heic_round_trip_exact_at_10_and_12_bits(tmp_path, rng, bits):
    import pillow_heif

    codes = _codes(rng, bits)
    data = (codes / (2 ** bits - 1)).astype(np.float32)
    path = write_image(_img(data), tmp_path / "l.heic", bit_depth=bits, quality=100)
    back = read_image(path)
    assert back.metadata["bit_depth"] == bits
    err = np.abs(back.data.astype(np.float64) * (2 ** bits - 1) - codes)
    assert err.max() < 1e-2  # exact codes (below one code: float32 rounding only)
    heif = pillow_heif.open_heif(path, convert_hdr_to_8bit=False)  # libheif agrees
    assert heif.info["bit_depth"] == bits
    np.testing.assert_array_equal(np.asarray(heif) >> (16 - bits), codes)


@pytest.mark.slow
@pytest.mark.parametrize(("ext", "bits", "max_err"), [(".heic", 10, 1.5), (".heic", 12, 1.0),
                                                     (".avif", 10, 1.5)])
def test_lossy_high_bit_depth_keeps_10_bit_codes_on_flat_patches(tmp_path, rng, ext, bits,
                                                                 max_err):
    # 8 x 6 patches of 16 x 16 pixels, each a random 10-bit colour, at quality 98 (HEIC: x265
    # CRF 4; quality 95 was CRF 2.5 before the quality scale was matched to JPEG's). Away from
    # the patch edges the colour comes back within a mean of half a 10-bit code (the rounding
    # of 10-bit Y'CbCr, amplified by the inverse matrix, reaches 1.3 codes at most); 8-bit
    # files are 2 codes off on average
    codes = rng.integers(64, 960, (6, 8, 3))
    data = np.kron(codes, np.ones((16, 16, 1))).astype(np.float32) / 1023

    def centres(b: int) -> np.ndarray:
        back = read_image(write_image(_img(data), tmp_path / f"p{b}{ext}", bit_depth=b,
                                      quality=98))
        assert back.metadata["bit_depth"] == b and back.shape == data.shape
        return back.data.reshape(6, 16, 8, 16, 3)[:, 5:11, :, 5:11].mean(axis=(1, 3)) * 1023

    err = np.abs(centres(bits) - codes)
    assert err.mean() < 0.5 and err.max() < max_err
    assert np.abs(centres(8) - codes).mean() > 1.0  # the 8-bit file cannot


def test_crf_tables_fall_with_quality():
    for f, first, last, at92 in ((hevc_crf, 51, 2, 20), (av1_crf, 63, 0, 17)):
        crfs = [f(q) for q in range(1, 100 if f is hevc_crf else 101)]
        assert crfs[0] == first and crfs[-1] == last and f(92) == at92
        assert all(a >= b for a, b in zip(crfs, crfs[1:]))


@pytest.mark.parametrize("ext", [".heic", ".avif"])
@pytest.mark.parametrize("quality", [80, 92])
def test_heic_as_exact_as_the_jpeg_of_its_quality_and_of_comparable_size(tmp_path, quality, ext):
    # the calibration's claim on a photo it was not made on: scikit-image's astronaut, decoded by
    # libheif (pillow-heif), libavif (Pillow) and libjpeg-turbo (Pillow); the JPEG is the
    # independent reference. (libheif's crf = (100 - quality) / 2 made the HEIC 2.6 times the
    # JPEG's size at quality 92.)
    from PIL import Image as PILImage
    from skimage.data import astronaut

    data = astronaut().astype(np.float32) / 255
    ref = np.rint(data * 255)

    def psnr(path) -> float:  # noqa: ANN001
        back = np.asarray(PILImage.open(path).convert("RGB"), np.float64)
        return 10 * np.log10(255 ** 2 / np.mean((back - ref) ** 2))

    import pillow_heif

    pillow_heif.register_heif_opener()
    heic = write_image(_img(data), tmp_path / f"a{ext}", quality=quality)
    jpeg = write_image(_img(data), tmp_path / "a.jpg", quality=quality)
    assert psnr(heic) >= psnr(jpeg) - 0.1
    assert heic.stat().st_size < 1.5 * jpeg.stat().st_size


def test_bit_depths_refused_with_the_choice(tmp_path):
    with pytest.raises(ParameterError, match=r"bit depth 12 is not available for AVIF; use one of "
                       r"\(8, 10\)"):
        write_image(_img(smooth()), tmp_path / "x.avif", bit_depth=12)
    with pytest.raises(ParameterError, match="bit depth 16 is not available for HEIC"):
        write_image(_img(smooth()), tmp_path / "x.heic", bit_depth=16)


@pytest.mark.parametrize("o", range(1, 9))
@pytest.mark.parametrize("ext", [".heic", ".avif"])
def test_orientation_as_libheif_and_libavif_show_it(tmp_path, o, ext):
    import pillow_heif
    from PIL import Image as PILImage

    data = smooth(48, 64)
    path = write_image(display(data, orientation=o), tmp_path / f"o{o}{ext}", quality=100)
    want = exif_orient(data, o)
    if ext == ".heic":
        shown = np.asarray(pillow_heif.open_heif(path)).astype(np.float32) / 255
    else:  # Pillow reports the orientation and leaves the pixels; exif_transpose shows them
        from PIL import ImageOps

        shown = np.asarray(ImageOps.exif_transpose(PILImage.open(path))).astype(np.float32) / 255
    assert shown.shape == want.shape
    assert np.abs(shown - want).mean() < 0.02
    back = read_image(path)
    if ext == ".heic":  # libheif applies the container's rotation
        assert back.metadata.get("orientation_applied") == (o if o != 1 else None)
        assert np.abs(back.data - want).mean() < 0.02
    assert read_metadata(path)["orientation"] == o


@pytest.mark.parametrize(("ext", "bits"), [(".avif", 10), (".avif", 8), (".heic", 10)])
@pytest.mark.parametrize(("h", "w"), [(9, 15), (3, 3), (31, 2)])
def test_odd_and_tiny_sizes(tmp_path, ext, bits, h, w):
    data = smooth(h, w)
    back = read_image(write_image(_img(data), tmp_path / f"s{ext}", bit_depth=bits))
    if ext == ".avif" and bits == 8 and min(h, w) < 4:
        # below SVT-AV1's 4 x 4 the picture is padded and cropped by clap, which libavif
        # (Pillow, the 8-bit reader) does not apply
        assert back.shape == (max(h, 4), max(w, 4), 3)
        back = back.replace(data=np.ascontiguousarray(back.data[:h, :w]))
    assert back.data.shape == data.shape
    # 4:2:0 chroma on 2-3 pixel sides is coarse: compare the mean colour and the luma
    assert np.abs(back.data.mean((0, 1)) - data.mean((0, 1))).max() < 0.03
    assert np.abs(back.data.mean(-1) - data.mean(-1)).mean() < 0.05


def test_own_high_bit_depth_avif_decoder_agrees_with_libavif_at_8_bits(tmp_path):
    # the 10-bit AVIF path decodes with dav1d and converts here; at 8 bits Pillow's libavif
    # does both: the two agree on the same picture coded at 10 and at 8 bits
    data = smooth(96, 128)
    ten = read_image(write_image(_img(data), tmp_path / "t.avif", bit_depth=10, quality=90))
    eight = read_image(write_image(_img(data), tmp_path / "e.avif", bit_depth=8, quality=90))
    assert np.abs(ten.data - eight.data).mean() < 0.01


def test_ycbcr_round_trip_and_identity_matrix(rng):
    codes = _codes(rng, 10, (32, 32, 3))
    x = (codes / 1023).astype(np.float32)
    y, cb, cr = rgb_to_ycbcr(x, 10, sub=1, matrix=0)
    np.testing.assert_array_equal(np.stack([cr, y, cb], -1), codes)  # G, B, R planes
    back = ycbcr_to_rgb(*rgb_to_ycbcr(x, 10, sub=1), 10)
    assert np.abs(back - x).max() * 1023 < 1.5  # BT.601 at 10 bits: rounding only


def test_xmp_and_auxiliary_need_the_same_size(tmp_path):
    data = smooth(64, 64)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    path = write_image(_img(data, xmp=xmp), tmp_path / "x.heic")
    assert read_image(path).metadata["xmp"] == xmp
    c = read_container(path.read_bytes())
    assert [it.type for it in c.items.values()].count(b"mime") == 1


@pytest.mark.realdata
@pytest.mark.slow
def test_iphone_depth_gain_map_xmp_and_exif_carried_by_a_look(tmp_path):
    import pillow_heif

    import brightroom
    from brightroom.io.depth import read_depth

    src = shared_file("iphone-portrait-depth.heic")
    out = tmp_path / "graded.heic"
    brightroom.look_apply(src, "vibrant", out, bit_depth=10)
    a, b = pillow_heif.open_heif(src), pillow_heif.open_heif(out, convert_hdr_to_8bit=False)
    assert b.info["bit_depth"] == 10 and b.size == a.size
    # depth: the same coded image, the same depth representation (d_min, d_max) for libheif
    da, db = a.info["depth_images"][0], b.info["depth_images"][0]
    np.testing.assert_array_equal(np.asarray(da), np.asarray(db))
    assert db.info["metadata"] == da.info["metadata"]
    # gain map: the same auxiliary image under Apple's type, with its XMP
    key = "urn:com:apple:photo:2020:aux:hdrgainmap"
    ga, gb = a.get_aux_image(a.info["aux"][key][0]), b.get_aux_image(b.info["aux"][key][0])
    np.testing.assert_array_equal(np.asarray(ga), np.asarray(gb))
    c = read_container(out.read_bytes())
    gm = next(it for it in c.items.values() if b"hdrgainmap" in (it.prop(b"auxC") or b""))
    assert any(b"HDRGainMapVersion" in m.data for m in c.referring(b"cdsc", gm.id))
    # XMP and EXIF (GPS, lens, the Apple maker note) carried
    assert b.info["xmp"] == a.info["xmp"]
    from PIL import Image as PILImage

    ex = PILImage.Exif()
    ex.load(b.info["exif"])
    exif, gps = ex.get_ifd(34665), ex.get_ifd(34853)
    assert gps[2] == (44.0, 51.0, 1.72) and gps[1] == "N"
    assert exif[42036] == "iPhone 13 Pro back dual wide camera 5.7mm f/1.5"
    assert exif[37500].startswith(b"Apple iOS\0")
    assert ex[305].startswith("Brightroom")
    # the depth reader finds the carried depth
    assert read_depth(out).depth.shape == read_depth(src).depth.shape


def test_a_resized_image_carries_no_auxiliary(tmp_path):
    src = write_image(_img(smooth(64, 64)), tmp_path / "a.heic")
    img = read_image(src)
    c = read_container(src.read_bytes())
    assert not img.metadata.get("heif_auxiliary") and len(c.items) == 2  # picture + Exif


# ------------------------------------------------------------------ malformed files

def test_malformed_containers_are_one_line_errors(tmp_path):
    good = write_image(_img(smooth(64, 64)), tmp_path / "g.heic").read_bytes()
    cases = {
        "no-meta.heic": good[:32] + b"\0\0\0\x10free" + b"\0" * 8,
        "cut.heic": good[: len(good) // 3],
        "garbage.heic": good[:12] + np.random.default_rng(0).bytes(300),
        "huge-box.heic": good[:4] + b"ftypheic" + b"\xff\xff\xff\xffmeta" + good[16:200],
    }
    for name, data in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        with pytest.raises(BrightroomError) as e:
            read_image(p)
        assert name in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(CorruptFileError, match="HEIF container is malformed"):
        read_container(cases["cut.heic"], "cut.heic")


@pytest.mark.slow
@given(st.data())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzz_heic_and_avif_bytes_only_raise_brightroom_errors(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("fuzz")
    ext = data.draw(st.sampled_from([".heic", ".avif"]))
    base = tmp / f"base{ext}"
    if not base.exists():
        write_image(_img(smooth(32, 32)), base, bit_depth=10 if ext == ".avif" else 8)
    raw = bytearray(base.read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(16, len(raw)))
    p = tmp / f"m{ext}"
    p.write_bytes(bytes(raw[:cut]))
    try:
        img = read_image(p)
    except BrightroomError as e:
        assert "\n" not in str(e)
        return
    assert img.data.ndim == 3 and img.data.shape[2] == 3


@pytest.mark.realdata
def test_a_cut_iphone_heic_is_refused_not_half_decoded(tmp_path):
    data = shared_file("iphone-portrait-depth.heic").read_bytes()
    cut = tmp_path / "cut.heic"
    cut.write_bytes(data[: len(data) // 3])  # libheif alone decodes the tiles that are there
    with pytest.raises(CorruptFileError, match=r"cut\.heic: file is truncated"):
        read_image(cut)


def test_broken_exif_in_a_heic_is_ignored_quietly(tmp_path, recwarn):
    import struct

    from brightroom.io.images.exif import exif_bytes

    exif = bytearray(exif_bytes({"make": "X", "orientation": 1, "model": "Y" * 40}))
    struct.pack_into("<I", exif, 8 + 2 + 12 * 1 + 8, 0xFFFF)  # Model's offset past the end
    path = write_image(_img(smooth(32, 32)), tmp_path / "e.heic")
    c = read_container(path.read_bytes())
    ex_item = next(it for it in c.items.values() if it.type == b"Exif")
    ex_item.data = struct.pack(">I", 6) + b"Exif\0\0" + bytes(exif)
    path.write_bytes(c.to_bytes())
    img = read_image(path)
    assert img.shape == (32, 32, 3)
    assert not [w for w in recwarn.list if "Tag data" in str(w.message)]


def test_alpha_is_not_carried_as_an_auxiliary_image(tmp_path):
    import pillow_heif

    rgba = np.dstack([np.full((32, 32, 3), 120, np.uint8), np.full((32, 32), 60, np.uint8)])
    src = tmp_path / "a.heic"
    pillow_heif.from_bytes(mode="RGBA", size=(32, 32), data=rgba.tobytes()).save(src)
    img = read_image(src)
    assert not img.metadata.get("heif_auxiliary")
    out = write_image(img, tmp_path / "b.heic")
    assert not pillow_heif.open_heif(out).has_alpha


def test_avif_depth_item_carried_to_avif_not_to_heic(tmp_path):
    # an AVIF with an AV1-coded depth image (MPEG-B depth auxiliary type), made with the
    # container API: a photo of the same size keeps it in AVIF, and HEIC (HEVC only) cannot
    from brightroom.io.images._heif_box import Item
    from brightroom.io.images.heif import _ispe, _pixi

    pic = write_image(_img(smooth(64, 64)), tmp_path / "p.avif")
    depth = write_image(_img(np.repeat(smooth(64, 64)[..., :1], 3, -1)), tmp_path / "d.avif")
    c = read_container(pic.read_bytes())
    d = read_container(depth.read_bytes())
    dp = d.items[d.primary]
    aux_c = b"urn:mpeg:mpegB:cicp:systems:auxiliary:depth\0"
    from brightroom.io.images._heif_box import full_box

    props = [(dp.prop(b"av1C"), True), (_ispe(64, 64), False), (_pixi(8), False),
             (full_box(b"auxC", 0, 0, aux_c), True)]
    c.items[9] = Item(9, b"av01", dp.data, props, refs={b"auxl": [c.primary]}, hidden=True)
    src = tmp_path / "with-depth.avif"
    src.write_bytes(c.to_bytes())
    img = read_image(src)
    assert [a.kind for a in img.metadata["heif_auxiliary"]] == ["depth"]
    out = read_container(write_image(img, tmp_path / "o.avif").read_bytes())
    carried = [it for it in out.items.values() if it.refs.get(b"auxl")]
    assert len(carried) == 1 and carried[0].data == dp.data
    heic = read_container(write_image(img, tmp_path / "o.heic").read_bytes())
    assert not [it for it in heic.items.values() if it.refs.get(b"auxl")]
