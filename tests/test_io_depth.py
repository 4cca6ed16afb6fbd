"""brightroom.io.depth: iPhone HEIC disparity, Google GDepth (extended XMP), stereo pairs."""

from __future__ import annotations

import base64
import io
import struct

import numpy as np
import pytest
from PIL import Image as PILImage

from brightroom.errors import CorruptFileError, InputError, UnsupportedFormatError
from brightroom.io.depth import (
    gdepth_from_xmp,
    heic_stereo_pair,
    parse_jpeg_xmp,
    read_depth,
    read_stereo_pair,
    read_xmp_original,
)
from conftest import shared_file

GUID = "0123456789ABCDEF0123456789ABCDEF"


def _app1(payload: bytes) -> bytes:
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _gdepth_jpeg(values: np.ndarray, near: float, far: float, fmt: str = "RangeInverse",
                 chunk: int = 500, drop_last: bool = False, reverse: bool = False) -> bytes:
    """A JPEG with GDepth in extended XMP, built by hand from the XMP spec (Part 3, 1.1.3.1)."""
    png = io.BytesIO()
    PILImage.fromarray(values).save(png, format="PNG")
    b64 = base64.b64encode(png.getvalue()).decode()
    std = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
           'xmlns:GDepth="http://ns.google.com/photos/1.0/depthmap/" '
           f'xmlns:xmpNote="http://ns.adobe.com/xmp/note/" GDepth:Format="{fmt}" '
           f'GDepth:Near="{near}" GDepth:Far="{far}" GDepth:Mime="image/png" '
           f'xmpNote:HasExtendedXMP="{GUID}"/></rdf:RDF></x:xmpmeta>').encode()
    ext = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
           'xmlns:GDepth="http://ns.google.com/photos/1.0/depthmap/" '
           f'GDepth:Data="{b64}"/></rdf:RDF></x:xmpmeta>').encode()
    segs = []
    for off in range(0, len(ext), chunk):
        part = ext[off:off + chunk]
        segs.append(_app1(b"http://ns.adobe.com/xmp/extension/\x00" + GUID.encode()
                          + struct.pack(">II", len(ext), off) + part))
    if drop_last:
        segs = segs[:-1]
    if reverse:
        segs = segs[::-1]
    jpg = io.BytesIO()
    PILImage.fromarray(np.zeros((8, 8, 3), np.uint8)).save(jpg, format="JPEG")
    body = jpg.getvalue()
    return body[:2] + _app1(b"http://ns.adobe.com/xap/1.0/\x00" + std) + b"".join(segs) + body[2:]


def test_gdepth_range_inverse(tmp_path):
    v = np.array([[0, 128], [255, 64]], np.uint8)
    p = tmp_path / "g.jpg"
    p.write_bytes(_gdepth_jpeg(v, 0.5, 10.0, reverse=True))
    d = read_depth(p)
    x = v / 255.0
    expect = 10.0 * 0.5 / (10.0 - x * (10.0 - 0.5))  # GDepth spec, RangeInverse
    np.testing.assert_allclose(d.depth, expect, rtol=1e-5)
    assert d.source == "gdepth" and d.metadata["format"] == "RangeInverse"


def test_gdepth_range_linear(tmp_path):
    v = np.array([[0, 255]], np.uint8)
    p = tmp_path / "g.jpg"
    p.write_bytes(_gdepth_jpeg(v, 1.0, 3.0, fmt="RangeLinear"))
    np.testing.assert_allclose(read_depth(p).depth, [[1.0, 3.0]], rtol=1e-6)


def test_gdepth_missing_chunk(tmp_path):
    p = tmp_path / "g.jpg"
    p.write_bytes(_gdepth_jpeg(np.zeros((20, 20), np.uint8), 1, 2, chunk=100, drop_last=True))
    with pytest.raises(CorruptFileError, match="incomplete"):
        read_depth(p)


def test_jpeg_without_depth(tmp_path):
    p = tmp_path / "plain.jpg"
    PILImage.fromarray(np.zeros((8, 8, 3), np.uint8)).save(p)
    with pytest.raises(InputError, match="no GDepth"):
        read_depth(p)
    std, ext = parse_jpeg_xmp(p.read_bytes())
    assert std == "" and ext == ""
    with pytest.raises(InputError):
        gdepth_from_xmp("", "")


def test_bad_inputs(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_depth(tmp_path / "nope.heic")
    q = tmp_path / "x.bmp"
    q.write_bytes(b"BM")
    with pytest.raises(UnsupportedFormatError):
        read_depth(q)


def test_plain_depth_files(tmp_path):
    a = np.array([[1.5, 2.0]], np.float32)
    np.save(tmp_path / "d.npy", a)
    np.testing.assert_array_equal(read_depth(tmp_path / "d.npy").depth, a)
    PILImage.fromarray(np.array([[1500, 2000]], np.uint16)).save(tmp_path / "d.png")
    np.testing.assert_allclose(read_depth(tmp_path / "d.png").depth, a)


@pytest.mark.realdata
def test_iphone_heic_disparity():
    d = read_depth(shared_file("iphone-portrait-depth.heic"))
    assert d.shape == (576, 768) and d.source == "heic"
    assert d.metadata["representation"] == "uniform_disparity"
    # the README: 8-bit, d_min 1.498, d_max 4.383
    assert d.disparity.min() >= 1.498 - 1e-3 and d.disparity.max() <= 4.383 + 1e-3
    np.testing.assert_allclose(d.depth * d.disparity, 1.0, rtol=1e-5)


@pytest.mark.realdata
@pytest.mark.slow
def test_iphone_spatial_views():
    a, b = read_stereo_pair(shared_file("iphone-spatial-stereo.heic"))
    assert a.shape == b.shape == (2560, 2560, 3) and a.dtype == np.float32
    assert not np.array_equal(a, b)


def test_stereo_size_mismatch(tmp_path):
    PILImage.fromarray(np.zeros((10, 12, 3), np.uint8)).save(tmp_path / "l.png")
    PILImage.fromarray(np.zeros((10, 14, 3), np.uint8)).save(tmp_path / "r.png")
    with pytest.raises(InputError, match="differ in size"):
        read_stereo_pair(tmp_path / "l.png", tmp_path / "r.png")


def test_dynamic_depth(tmp_path):
    """An Android Dynamic Depth 1.0 JPEG built by hand from the spec: XMP directory, depth PNG
    appended after the primary image."""
    v = np.array([[0, 255], [51, 102]], np.uint8)
    png = io.BytesIO()
    PILImage.fromarray(v).save(png, format="PNG")
    depth_bytes = png.getvalue()
    conf = io.BytesIO()
    PILImage.fromarray(np.full((2, 2), 255, np.uint8)).save(conf, format="PNG")
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
           'xmlns:Container="http://ns.google.com/photos/dd/1.0/container/" '
           'xmlns:Item="http://ns.google.com/photos/dd/1.0/item/" '
           'xmlns:DepthMap="http://ns.google.com/photos/dd/1.0/depthmap/">'
           '<DepthMap:Format>RangeLinear</DepthMap:Format><DepthMap:Near>0.5</DepthMap:Near>'
           '<DepthMap:Far>5.5</DepthMap:Far><Container:Directory><rdf:Seq>'
           '<rdf:li><Container:Item Item:Mime="image/jpeg" Item:Semantic="Primary" '
           'Item:Length="0"/></rdf:li>'
           f'<rdf:li><Container:Item Item:Mime="image/png" Item:Semantic="Confidence" '
           f'Item:Length="{len(conf.getvalue())}"/></rdf:li>'
           f'<rdf:li><Container:Item Item:Mime="image/png" Item:Semantic="Depth" '
           f'Item:Length="{len(depth_bytes)}"/></rdf:li>'
           '</rdf:Seq></Container:Directory></rdf:Description></rdf:RDF></x:xmpmeta>').encode()
    jpg = io.BytesIO()
    PILImage.fromarray(np.zeros((8, 8, 3), np.uint8)).save(jpg, format="JPEG")
    body = jpg.getvalue()
    data = (body[:2] + _app1(b"http://ns.adobe.com/xap/1.0/\x00" + xmp) + body[2:]
            + conf.getvalue() + depth_bytes)
    p = tmp_path / "pixel.jpg"
    p.write_bytes(data)
    d = read_depth(p)
    assert d.source == "dynamic_depth"
    np.testing.assert_allclose(d.depth, 0.5 + v / 255.0 * 5.0, rtol=1e-6)
    p.write_bytes(data[:-10])
    with pytest.raises(CorruptFileError):
        read_depth(p)


# ------------------------------------------------------------------ units, focus, originals


def _xmp_jpeg(std_attrs: str, ext_attrs: str = "", chunk: int = 60000) -> bytes:
    """A JPEG whose standard XMP holds ``std_attrs`` and extended XMP ``ext_attrs``."""
    std = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
           'xmlns:GDepth="http://ns.google.com/photos/1.0/depthmap/" '
           'xmlns:GFocus="http://ns.google.com/photos/1.0/focus/" '
           'xmlns:GImage="http://ns.google.com/photos/1.0/image/" '
           f'xmlns:xmpNote="http://ns.adobe.com/xmp/note/" {std_attrs} '
           f'xmpNote:HasExtendedXMP="{GUID}"/></rdf:RDF></x:xmpmeta>').encode()
    ext = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
           'xmlns:GDepth="http://ns.google.com/photos/1.0/depthmap/" '
           'xmlns:GImage="http://ns.google.com/photos/1.0/image/" '
           f'{ext_attrs}/></rdf:RDF></x:xmpmeta>').encode()
    segs = [_app1(b"http://ns.adobe.com/xmp/extension/\x00" + GUID.encode()
                  + struct.pack(">II", len(ext), off) + ext[off:off + chunk])
            for off in range(0, len(ext), chunk)]
    jpg = io.BytesIO()
    PILImage.fromarray(np.full((8, 8, 3), 90, np.uint8)).save(jpg, format="JPEG")
    body = jpg.getvalue()
    return body[:2] + _app1(b"http://ns.adobe.com/xap/1.0/\x00" + std) + b"".join(segs) + body[2:]


def _b64_png(a: np.ndarray, fmt: str = "PNG") -> str:
    buf = io.BytesIO()
    PILImage.fromarray(a).save(buf, format=fmt)
    return base64.b64encode(buf.getvalue()).decode()


def test_gdepth_units_and_focus(tmp_path):
    v = np.array([[0, 255]], np.uint8)
    data = f'GDepth:Data="{_b64_png(v)}"'
    base = 'GDepth:Format="RangeLinear" GDepth:Near="20" GDepth:Far="40" GDepth:Mime="image/png"'
    p = tmp_path / "rel.jpg"
    p.write_bytes(_xmp_jpeg(base + ' GFocus:FocalDistance="30" GFocus:FocalPointX="0.25" '
                            'GFocus:FocalPointY="0.75" GFocus:BlurAtInfinity="0.01"', data))
    d = read_depth(p)
    # no GDepth:Units: the values are the file's own (Lens Blur), a relative map
    assert d.units == "relative" and not d.metric
    np.testing.assert_allclose(d.depth, [[20.0, 40.0]], rtol=1e-6)
    assert d.focus_distance == pytest.approx(30.0) and d.focus_point == (0.25, 0.75)
    assert d.metadata["blur_at_infinity"] == pytest.approx(0.01)
    q = tmp_path / "mm.jpg"
    q.write_bytes(_xmp_jpeg(base + ' GDepth:Units="mm" GFocus:FocalDistance="30"', data))
    d = read_depth(q)
    assert d.metric and d.focus_distance == pytest.approx(0.03)
    np.testing.assert_allclose(d.depth, [[0.02, 0.04]], rtol=1e-6)
    r = tmp_path / "m.jpg"
    r.write_bytes(_xmp_jpeg(base + ' GDepth:Units="m"', data))
    assert read_depth(r).metric and read_depth(r).focus_point is None


@pytest.mark.parametrize("attrs, ext, match", [
    ('GDepth:Near="abc" GDepth:Far="2"', None, "not a number"),
    ('GDepth:Near="2" GDepth:Far="1"', None, "0 < Near < Far"),
    ('GDepth:Near="1" GDepth:Far="inf"', None, "not finite"),
    ('GDepth:Near="1" GDepth:Far="2" GDepth:Format="Cubic"', None, "unknown GDepth Format"),
    ('GDepth:Near="1" GDepth:Far="2"', 'GDepth:Data="!!notbase64!!"', "not a decodable image"),
    ('GDepth:Near="1" GDepth:Far="2"', f'GDepth:Data="{base64.b64encode(b"junk").decode()}"',
     "not a decodable image"),
    ('GDepth:Far="2"', None, "without numeric Near/Far"),
])
def test_malformed_gdepth_is_one_clear_line(tmp_path, attrs, ext, match):
    data = ext or f'GDepth:Data="{_b64_png(np.zeros((4, 4), np.uint8))}"'
    p = tmp_path / "bad.jpg"
    p.write_bytes(_xmp_jpeg(attrs, data))
    with pytest.raises(CorruptFileError, match=match) as e:
        read_depth(p)
    assert "\n" not in str(e.value) and str(p) in str(e.value)


def test_malformed_extended_xmp(tmp_path):
    jpg = io.BytesIO()
    PILImage.fromarray(np.zeros((8, 8, 3), np.uint8)).save(jpg, format="JPEG")
    body = jpg.getvalue()
    short = _app1(b"http://ns.adobe.com/xmp/extension/\x00" + GUID.encode()[:10])
    p = tmp_path / "short.jpg"
    p.write_bytes(body[:2] + short + body[2:])
    with pytest.raises(CorruptFileError, match="extended XMP segment"):
        read_depth(p)
    past = _app1(b"http://ns.adobe.com/xmp/extension/\x00" + GUID.encode()
                 + struct.pack(">II", 10, 8) + b"abcdef")
    p.write_bytes(body[:2] + past + body[2:])
    with pytest.raises(CorruptFileError, match="exceeds its declared length"):
        read_depth(p)
    # a JPEG cut inside its metadata
    full = _gdepth_jpeg(np.zeros((30, 30), np.uint8), 1, 2, chunk=400)
    p.write_bytes(full[:600])
    with pytest.raises(CorruptFileError, match="past the end of file"):
        read_depth(p)


def test_xmp_original(tmp_path):
    orig = np.zeros((8, 8, 3), np.uint8)
    orig[:, 4:] = 200
    p = tmp_path / "lens-blur.jpg"
    p.write_bytes(_xmp_jpeg('GDepth:Near="1" GDepth:Far="2"',
                            f'GImage:Data="{_b64_png(orig, "PNG")}" '
                            f'GDepth:Data="{_b64_png(np.zeros((8, 8), np.uint8))}"'))
    got = read_xmp_original(p)
    assert got.shape == (8, 8, 3) and got.dtype == np.float32
    np.testing.assert_allclose(got, orig / 255.0, atol=1e-6)
    assert read_depth(p).metadata["has_original"]
    plain = tmp_path / "plain.jpg"
    PILImage.fromarray(orig).save(plain)
    assert read_xmp_original(plain) is None


def test_heic_without_stereo_group_is_not_a_pair(tmp_path):
    import pillow_heif

    a = np.zeros((64, 64, 3), np.uint8)
    h = pillow_heif.from_bytes(mode="RGB", size=(64, 64), data=a.tobytes())
    h.add_frombytes(mode="RGB", size=(64, 64), data=(a + 100).tobytes())
    p = tmp_path / "two.heic"
    h.save(p, quality=50)
    assert heic_stereo_pair(p) is None
    with pytest.raises(InputError, match="no stereo pair"):
        read_stereo_pair(p)
    q = tmp_path / "cut.heic"
    q.write_bytes(p.read_bytes()[:300])
    with pytest.raises(CorruptFileError, match="truncated or corrupt"):
        read_stereo_pair(q)


@pytest.mark.realdata
def test_real_gdepth_relative_with_focus():
    p = shared_file("gdepth-flowers.jpg")
    d = read_depth(p)
    # the README: RangeInverse, Near 18.85, Far 633.3, no units; GFocus 26.52 at (0.298, 0.532)
    assert d.source == "gdepth" and d.units == "relative"
    assert d.metadata["format"] == "RangeInverse"
    assert d.metadata["near"] == pytest.approx(18.85, abs=0.01)
    assert d.metadata["far"] == pytest.approx(633.3, abs=0.1)
    assert d.focus_distance == pytest.approx(26.52, abs=0.01)
    assert d.focus_point == pytest.approx((0.298, 0.532), abs=1e-3)
    assert d.depth.min() >= 18.84 and d.depth.max() <= 633.4
    orig = read_xmp_original(p)
    assert orig.shape == (2048, 1536, 3)


@pytest.mark.realdata
def test_real_multi_image_heics_are_not_stereo(tmp_path):
    burst = shared_file("heic-burst.heic")
    multi = shared_file("heic-multi-image.heic")
    assert heic_stereo_pair(burst) is None and heic_stereo_pair(multi) is None
    with pytest.raises(InputError, match="4 images but no stereo pair"):
        read_stereo_pair(burst)
    with pytest.raises(InputError, match="no stereo pair"):
        read_stereo_pair(multi)
    assert heic_stereo_pair(shared_file("iphone-spatial-stereo.heic")) == (0, 1)


@pytest.mark.realdata
def test_real_truncated_heic(tmp_path):
    src = shared_file("iphone-portrait-depth.heic").read_bytes()
    for n in (200_000, len(src) - 5000):
        p = tmp_path / f"cut{n}.heic"
        p.write_bytes(src[:n])
        with pytest.raises(CorruptFileError, match="truncated or corrupt") as e:
            read_depth(p)
        assert "\n" not in str(e.value)
