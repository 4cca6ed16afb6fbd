"""brightroom.io.depth: iPhone HEIC disparity, Google GDepth (extended XMP), stereo pairs."""

from __future__ import annotations

import base64
import io
import struct

import numpy as np
import pytest
from PIL import Image as PILImage

from brightroom.errors import CorruptFileError, InputError, UnsupportedFormatError
from brightroom.io.depth import gdepth_from_xmp, parse_jpeg_xmp, read_depth, read_stereo_pair
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
