"""brightroom.edit end to end: definitions on a 16-bit PNG and on a raw (in linear light),
XMP equal to the slider, the edit list beside the input and inside the output, bad input."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from PIL import Image as PILImage
from skimage import data

import brightroom
from brightroom.color.spaces import srgb_decode
from brightroom.develop.recipe import parse_recipe
from brightroom.edit.params import parse_edits, sidecar_path
from brightroom.errors import OutputExistsError, ParameterError, RecipeError
from brightroom.types import CameraInfo, CFAPattern, NoiseProfile, RawImage

XMP_PLUS_ONE = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""
 xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/" crs:ProcessVersion="11.0"
 crs:Exposure2012="+1.00"/></rdf:RDF></x:xmpmeta>"""


def _codes(path) -> np.ndarray:
    return np.asarray(PILImage.open(path)).astype(np.int64) if str(path).endswith(".jpg") else \
        brightroom.read_image(path).data.astype(np.float64) * 65535


@pytest.fixture()
def png16(tmp_path):
    img = data.astronaut()[::4, ::4].astype(np.uint16) * 257
    path = tmp_path / "in.png"
    import cv2  # noqa: PLC0415 - a 16-bit PNG writer for the fixture
    cv2.imwrite(str(path), img[..., ::-1].copy())
    return path


def _md5(path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_zero_edits_change_nothing_on_16_bit(png16, tmp_path):
    src = brightroom.read_image(png16).data
    h, w = src.shape[:2]
    # a full-frame crop is not the identity list: the pixels go linear and back
    res = brightroom.edit(png16, tmp_path / "out.png", crop=(0, 0, w, h), exposure=0,
                          contrast=0, shadows=0, save=False)
    assert not res.edits.is_identity()
    out = brightroom.read_image(tmp_path / "out.png")
    assert out.metadata["bit_depth"] == 16
    assert np.max(np.abs(out.data - src)) * 65535 <= 1.0


def test_exposure_doubles_linear_light_on_srgb_and_xmp_equals_slider(png16, tmp_path):
    before = _md5(png16)
    a = brightroom.edit(png16, tmp_path / "a.png", exposure=1.0, save=False)
    xmp = tmp_path / "plus1.xmp"
    xmp.write_text(XMP_PLUS_ONE)
    b = brightroom.edit(png16, tmp_path / "b.png", xmp=xmp, save=False)
    assert b.edits == a.edits
    ca, cb = _codes(tmp_path / "a.png"), _codes(tmp_path / "b.png")
    assert np.max(np.abs(ca - cb)) <= 1.0
    lin_in = srgb_decode(brightroom.read_image(png16).data)
    lin_out = srgb_decode(brightroom.read_image(tmp_path / "a.png").data)
    ok = (lin_in > 0.01) & (lin_in < 0.45)
    assert np.max(np.abs(lin_out[ok] / lin_in[ok] - 2)) < 0.01 and \
        np.median(np.abs(lin_out[ok] / lin_in[ok] - 2)) < 0.005
    assert _md5(png16) == before  # the original is never changed


def _raw(h: int = 64, w: int = 96) -> RawImage:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:h, 0:w]
    base = 0.15 + 0.1 * np.sin(xx / 7.0) * np.cos(yy / 5.0)
    cfa = (base + rng.normal(0, 0.002, (h, w))).astype(np.float32)
    cam = CameraInfo(make="Test", model="Synthetic", color_matrix1=np.array(
        [[0.6, 0.3, -0.05], [-0.2, 1.1, 0.1], [0.0, 0.15, 0.6]]), illuminant1=21,
        as_shot_neutral=(0.5, 1.0, 0.7), iso=100, exposure_time=0.01,
        noise_profile=NoiseProfile((1e-5,) * 3, (1e-7,) * 3))
    return RawImage(cfa, CFAPattern("RGGB"), camera=cam, black_level=(64,) * 4, white_level=4095)


@pytest.mark.slow
def test_raw_exposure_inside_the_pipeline_and_the_embedded_list(tmp_path):
    dng = brightroom.write(_raw(), tmp_path / "in.dng")
    plain = brightroom.edit(dng, tmp_path / "plain.png", recipe="neutral", save=False)
    res = brightroom.edit(dng, tmp_path / "plus.png", exposure=1.0, recipe="neutral",
                          crop="8,8,64,40", heal=["40,30,3"])
    lin0 = srgb_decode(plain.image.data)[8:48, 8:72]
    lin1 = srgb_decode(res.image.data)
    ok = (lin0 > 0.02) & (lin0 < 0.45)
    ok[20:40, 24:40] = False  # around the healed spot
    assert np.median(np.abs(lin1[ok] / lin0[ok] - 2)) < 0.005
    # the recipe in the file carries the edit stage with the list; the sidecar too
    rec = parse_recipe(brightroom.read_image(tmp_path / "plus.png").metadata["recipe"])
    names = [n for n, _ in rec.steps]
    assert names.index("colour") < names.index("edit") == names.index("output") - 1
    assert rec.params("edit").edit_list == res.edits
    assert parse_edits(sidecar_path(dng).read_text()) == res.edits
    again = brightroom.edit(dng, tmp_path / "again.png", edits=sidecar_path(dng),
                            recipe="neutral", save=False)
    assert np.array_equal(again.image.data, res.image.data)


def test_bad_input_fails_before_writing(png16, tmp_path):
    out = tmp_path / "out.jpg"
    with pytest.raises(ParameterError, match=r"exposure = 9.0 is outside \[-5.0, 5.0\] EV"):
        brightroom.edit(png16, out, exposure=9)
    with pytest.raises(ParameterError, match="crop 100,0,200,10 lies outside the 128 x 128"):
        brightroom.edit(png16, out, crop="100,0,200,10")
    with pytest.raises(ParameterError, match="heal point 500,5 lies outside"):
        brightroom.edit(png16, out, heal=["500,5,3"])
    with pytest.raises(ParameterError, match="relative shift"):
        brightroom.edit(png16, out, temperature=5600)
    with pytest.raises(ParameterError, match="BAND.hue"):
        brightroom.edit(png16, out, hsl=["teal.sat=3"])
    bad = tmp_path / "bad.toml"
    bad.write_text("format = [")
    with pytest.raises(RecipeError, match="bad.toml: not valid TOML"):
        brightroom.edit(png16, out, edits=bad)
    assert not out.exists() and not sidecar_path(png16).exists()
    out.write_bytes(b"x")
    with pytest.raises(OutputExistsError):
        brightroom.edit(png16, out, exposure=1)
    sidecar_path(png16).write_text("not mine")
    with pytest.raises(OutputExistsError, match="not a Brightroom edit list"):
        brightroom.edit(png16, tmp_path / "o2.png", exposure=1)
    assert sidecar_path(png16).read_text() == "not mine"


@pytest.mark.slow
def test_auto_and_straighten_are_resolved_into_the_list(tmp_path):
    path = tmp_path / "cam.png"
    PILImage.fromarray(data.camera()).save(path)
    res = brightroom.edit(path, tmp_path / "o.jpg", auto=True, straighten="auto", save=False)
    assert res.edits.basic.exposure != 0 or res.edits.basic.whites != 0
    assert res.straighten is not None and abs(res.straighten) < 1.0
    assert res.edits.geometry.angle == res.straighten


def test_upright_and_dust_are_resolved_into_the_list_and_bad_values_refused(tmp_path):
    h, w = 240, 360
    img = np.full((h, w, 3), 150, np.uint8)
    for x in range(20, w, 90):
        img[:, x:x + 3] = 30
    f = 0.8 * w  # a camera tilted up by 7 degrees (FOCAL): the verticals converge upwards
    t = np.radians(-7.0)
    k = np.array([[f, 0, (w - 1) / 2], [0, f, (h - 1) / 2], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(t), -np.sin(t)], [0, np.sin(t), np.cos(t)]])
    import cv2  # noqa: PLC0415 - the test's own warp
    img = cv2.warpPerspective(img, k @ rx @ np.linalg.inv(k), (w, h),
                              borderMode=cv2.BORDER_REFLECT)
    img[60:63, 244:247] = 120  # a dark speck on the flat wall between two columns
    path = tmp_path / "tilted.png"
    PILImage.fromarray(img).save(path)
    res = brightroom.edit(path, tmp_path / "o.png", upright="vertical", dust=True, save=False)
    assert res.upright is not None and res.edits.geometry.vertical == pytest.approx(7.0, abs=0.4)
    assert res.edits.geometry.vertical == res.upright[1]
    assert len(res.dust) == 1 and abs(res.dust[0][0] - 245) < 2 and len(res.edits.heal) == 1
    again = brightroom.edit(path, tmp_path / "a.png", edits=res.edits, save=False)
    assert np.array_equal(again.image.data, res.image.data)  # no measuring on reload
    out = tmp_path / "bad.png"
    with pytest.raises(ParameterError, match=r"vertical = 55.0 is outside \[-40.0, 40.0\]"):
        brightroom.edit(path, out, vertical=55)
    with pytest.raises(ParameterError, match="upright 'diagonal'"):
        brightroom.edit(path, out, upright="diagonal")
    with pytest.raises(ParameterError, match="straighten or upright, not both"):
        brightroom.edit(path, out, upright="level", straighten="auto")
    assert not out.exists()
    flat = tmp_path / "flat.png"
    PILImage.fromarray(np.full((80, 120, 3), 128, np.uint8)).save(flat)
    with pytest.warns(brightroom.EditWarning, match="upright vertical: no usable vertical"):
        r = brightroom.edit(flat, tmp_path / "f.png", upright="vertical", save=False)
    assert r.upright is None and r.edits.geometry.vertical == 0
