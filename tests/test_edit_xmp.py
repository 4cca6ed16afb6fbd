"""Camera Raw XMP: real presets from public repositories parse with their unmapped settings
listed; the crs: names map to Brightroom's controls; our edit list written as XMP reads back."""

from __future__ import annotations

from pathlib import Path

import pytest

from brightroom.edit.params import HSL, BasicPanel, EditList, Geometry, ToneCurve
from brightroom.edit.xmp import edits_to_xmp, parse_xmp, read_xmp
from brightroom.errors import InputError, RecipeError

PRESETS = sorted((Path(__file__).parent / "data" / "xmp").glob("*.xmp"))

SIDECAR = """<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"
   crs:Version="15.0" crs:ProcessVersion="11.0" crs:Exposure2012="+1.00"
   crs:Shadows2012="+35" crs:IncrementalTemperature="+8" crs:Temperature="5600"
   crs:HueAdjustmentBlue="-20" crs:SaturationAdjustmentOrange="+15" crs:Sharpness="40"
   crs:HasCrop="True" crs:CropLeft="0.1" crs:CropTop="0.2" crs:CropRight="0.9"
   crs:CropBottom="0.8" crs:CropAngle="1.5" crs:SplitToningShadowHue="200"
   crs:SplitToningShadowSaturation="0">
   <crs:ToneCurvePV2012><rdf:Seq><rdf:li>0, 0</rdf:li><rdf:li>128, 140</rdf:li>
    <rdf:li>255, 255</rdf:li></rdf:Seq></crs:ToneCurvePV2012>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>"""


def test_real_presets_parse_and_list_the_unmapped():
    assert len(PRESETS) >= 8
    for path in PRESETS:
        got = read_xmp(path)
        assert got.name, path.name
        assert got.unmapped and "Look" in got.unmapped  # the nested profile is not ours
        assert not any(k.endswith("2012") and k[:-4] in ("Exposure", "Contrast")
                       for k in got.unmapped)
    portra = read_xmp(next(p for p in PRESETS if "Portra" in p.name))
    assert portra.edits.basic.exposure == 0.5 and portra.edits.basic.highlights == -55


def test_mapping_of_a_sidecar():
    got = parse_xmp(SIDECAR)
    b = got.edits.basic
    assert (b.exposure, b.shadows, b.temperature) == (1.0, 35.0, 8.0)   # a finished photo
    assert parse_xmp(SIDECAR, raw=True).edits.basic.temperature == 5600  # a raw: kelvin
    assert got.edits.hsl.hue[5] == -20 and got.edits.hsl.saturation[1] == 15
    assert got.edits.detail.sharpening == 40
    assert got.edits.geometry.crop == pytest.approx((0.1, 0.2, 0.8, 0.6))
    assert got.edits.geometry.angle == 1.5
    assert got.edits.curve.rgb == pytest.approx((0, 0, 128 / 255, 140 / 255, 1, 1))
    assert got.unmapped == ("SplitToningShadowHue", "Temperature")


def test_write_back_reads_the_same():
    el = EditList(basic=BasicPanel(exposure=-0.7, clarity=25, dehaze=10),
                  hsl=HSL(luminance=(0, 0, 0, -30, 0, 0, 0, 0)),
                  curve=ToneCurve(rgb=(0, 0, 64 / 255, 50 / 255, 1, 1)),
                  geometry=Geometry(crop=(0.25, 0, 0.5, 1), angle=-2.0))
    back = parse_xmp(edits_to_xmp(el, name="Round <trip>"))
    assert back.name == "Round <trip>"
    assert back.edits.basic == el.basic and back.edits.hsl == el.hsl
    assert back.edits.curve == el.curve
    assert back.edits.geometry.crop == pytest.approx(el.geometry.crop)
    assert back.edits.geometry.angle == -2.0


def test_malformed_xmp_is_one_line(tmp_path):
    with pytest.raises(RecipeError, match="bad.xmp: not valid XMP"):
        parse_xmp("<x:xmpmeta", source="bad.xmp")
    with pytest.raises(RecipeError, match="no Camera Raw"):
        parse_xmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"/>')
    with pytest.raises(RecipeError, match=r"crs:Exposure2012 = 'lots' is not a number"):
        parse_xmp(SIDECAR.replace('"+1.00"', '"lots"'))
    with pytest.raises(RecipeError, match="Exposure2012|exposure"):
        parse_xmp(SIDECAR.replace('"+1.00"', '"+9.00"'))
    with pytest.raises(InputError, match="no such file"):
        read_xmp(tmp_path / "missing.xmp")
