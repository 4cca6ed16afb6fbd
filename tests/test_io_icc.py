"""ICC profiles: valid for littleCMS (Pillow's ImageCms), correct colorants, recognised."""

import io
import struct

import colour
import numpy as np
import pytest
from PIL import Image, ImageCms

from brightroom.color.spaces import RGB_SPACES
from brightroom.errors import ParameterError
from brightroom.io.icc import icc_colorants, icc_description, icc_profile, identify_icc
from conftest import shared_file

# Bradford-adapted (D50) sRGB RGB -> XYZ matrix as published by B. Lindbloom,
# http://www.brucelindbloom.com/Eqn_RGB_XYZ_Matrix.html
SRGB_D50 = np.array([[0.4360747, 0.3850649, 0.1430804],
                     [0.2225045, 0.7168786, 0.0606169],
                     [0.0139322, 0.0971045, 0.7141733]])


def cms(data: bytes) -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(io.BytesIO(data))


def test_srgb_colorants_match_published():
    # (Lindbloom adapts to D50 Z = 0.82521, the ICC PCS white has Z = 0.8249)
    np.testing.assert_allclose(icc_colorants("sRGB"), SRGB_D50, atol=3e-4)
    # RGB white maps exactly onto the encoded PCS white
    np.testing.assert_array_equal(np.round(icc_colorants("sRGB").sum(1) * 65536),
                                  np.round(np.array([0.9642, 1.0, 0.8249]) * 65536))


@pytest.mark.parametrize("version", [2, 4])
@pytest.mark.parametrize("name", RGB_SPACES)
def test_profiles_open_in_lcms_and_are_recognised(name, version):
    data = icc_profile(name, version)
    assert struct.unpack(">I", data[:4])[0] == len(data)
    assert data[36:40] == b"acsp" and data[8] == version
    desc = ImageCms.getProfileDescription(cms(data)).strip()
    assert name.split(" (")[0] in desc and icc_description(data) == desc
    assert identify_icc(data) == name
    assert icc_profile(name, version) is data  # cached


def test_srgb_to_srgb_is_identity():
    ramp = np.arange(256, dtype=np.uint8)
    rgb = np.stack(np.meshgrid(ramp, ramp[::17], ramp[::51], indexing="ij"), -1).reshape(-1, 1, 3)
    img = Image.fromarray(np.ascontiguousarray(rgb))
    t = ImageCms.buildTransform(cms(icc_profile("sRGB")), ImageCms.createProfile("sRGB"),
                                "RGB", "RGB")
    out = np.asarray(ImageCms.applyTransform(img, t))
    assert np.abs(out.astype(int) - rgb).max() <= 1
    t = ImageCms.buildTransform(cms(icc_profile("sRGB")), cms(icc_profile("sRGB", 2)), "RGB", "RGB")
    assert np.abs(np.asarray(ImageCms.applyTransform(img, t)).astype(int) - rgb).max() <= 1


def test_p3_to_srgb_matches_colour_science():
    p3, srgb = colour.RGB_COLOURSPACES["Display P3"], colour.RGB_COLOURSPACES["sRGB"]
    colours = np.array([[200, 120, 90], [90, 140, 190], [128, 128, 128], [210, 190, 80],
                        [255, 0, 0], [0, 255, 0]], dtype=np.uint8)
    expect = colour.RGB_to_RGB(colours / 255.0, p3, srgb, chromatic_adaptation_transform="Bradford",
                               apply_cctf_decoding=True, apply_cctf_encoding=False)
    t = ImageCms.buildTransform(cms(icc_profile("Display P3")), ImageCms.createProfile("sRGB"),
                                "RGB", "RGB", renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)
    out = np.asarray(ImageCms.applyTransform(Image.fromarray(colours[:, None, :]), t))[:, 0]
    in_gamut = np.all((expect >= 0) & (expect <= 1), axis=1)
    assert in_gamut[:4].all() and not in_gamut[4:].any()  # P3 red and green are outside sRGB
    enc = np.round(colour.cctf_encoding(np.clip(expect, 0, 1), "sRGB") * 255)
    assert np.abs(out[in_gamut].astype(int) - enc[in_gamut]).max() <= 2
    # P3 red: sRGB R > 1, G and B < 0 -> clipped to pure red
    assert expect[4, 0] > 1 and expect[4, 1] < 0 and expect[4, 2] < 0
    np.testing.assert_allclose(out[4], [255, 0, 0], atol=2)
    # and the colorant matrices give colour-science's P3 -> sRGB matrix
    m = np.linalg.inv(icc_colorants("sRGB")) @ icc_colorants("Display P3")
    ref = colour.matrix_RGB_to_RGB(p3, srgb, chromatic_adaptation_transform="Bradford")
    np.testing.assert_allclose(m, ref, atol=2e-3)


def test_identify_foreign_profiles():
    lcms_srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    assert identify_icc(lcms_srgb) == "sRGB"
    assert identify_icc(None) is None and identify_icc(b"") is None
    assert identify_icc(b"garbage" * 40) is None
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    assert identify_icc(lab) is None


@pytest.mark.realdata
def test_identify_iphone_heic_profile():
    import pillow_heif

    pillow_heif.register_heif_opener()
    icc = Image.open(shared_file("iphone-portrait-depth.heic")).info["icc_profile"]
    assert identify_icc(icc) == "Display P3"


def test_bad_arguments():
    with pytest.raises(ParameterError, match="known spaces"):
        icc_profile("Rec 709 nonsense")
    with pytest.raises(ParameterError, match="version"):
        icc_profile("sRGB", 3)
