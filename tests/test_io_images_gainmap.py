"""brightroom.io.images.gainmap: ISO 21496-1 gain maps made, applied, written into HEIC/AVIF and
read back, and an HDR merge's photo carrying one.

References: the reconstruction of ISO 21496-1 clause 5 (applied here independently of the
writer: the map is decoded from the file by FFmpeg's HEVC decoder / dav1d), and the
GainMapMetadata field order of libavif's ``avifWriteGainmapMetadata`` (clause C.2.2).
"""

from __future__ import annotations

import struct

import numpy as np
import pytest

from brightroom.color.spaces import srgb_encode
from brightroom.errors import CorruptFileError, ParameterError
from brightroom.io.images import read_image, write_image
from brightroom.io.images._heif_box import read_container
from brightroom.io.images.gainmap import (
    HDRGainMap,
    apply_gain_map,
    hdr_gain_map,
    parse_tmap_payload,
    tmap_payload,
)
from brightroom.types import Image


def _scene(h: int = 96, w: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """A scene-linear HDR rendition (highlights up to 6x white on the right) and its SDR photo
    (a global curve that keeps mid-tones and compresses highlights)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    hdr = np.stack([xx / w, yy / h, np.full_like(xx, 0.3)], -1) * np.float32(0.2)
    hdr[:, w // 2:] *= np.float32(30)  # the bright half
    sdr_lin = np.where(hdr < 0.5, hdr, 0.5 + 0.5 * (1 - np.exp(-(hdr - 0.5) * 2)))
    return hdr.astype(np.float32), srgb_encode(sdr_lin.astype(np.float32))


def test_gain_map_restores_the_compressed_highlights() -> None:
    hdr, sdr = _scene()
    gm = hdr_gain_map(sdr, hdr, max_stops=3.0)
    assert gm is not None and gm.gain.shape == (48, 64)
    assert 2.0 < gm.alternate_headroom_log2 <= 3.0 and gm.min_log2 == 0.0
    back = apply_gain_map(sdr, gm)
    # mid-tones stay as the SDR photo; highlights come back (up to the 8x headroom)
    dark = hdr[:, :60].mean(-1) < 0.4
    sdr_lin = apply_gain_map(sdr, gm, display_headroom_log2=0.0)  # an SDR display: no gain
    np.testing.assert_allclose(back[:, :60][dark], sdr_lin[:, :60][dark], rtol=0.02, atol=2e-3)
    luma = np.array([0.2126, 0.7152, 0.0722], np.float32)
    want, got = hdr[:, 70:] @ luma, back[:, 70:] @ luma  # the map is of luminance
    sel = (want > 1.5) & (want < 2 ** gm.alternate_headroom_log2 * 0.8)
    assert sel.sum() > 1000
    assert np.median(np.abs(got[sel] / want[sel] - 1)) < 0.05
    # half the headroom on the display: half the stops
    half = apply_gain_map(sdr, gm, display_headroom_log2=gm.alternate_headroom_log2 / 2)
    assert np.all(half <= back + 1e-5) and np.all(half >= sdr_lin - 1e-5)


def test_no_gain_map_without_highlights_and_bad_inputs() -> None:
    _, sdr = _scene()
    from brightroom.color.spaces import srgb_decode

    assert hdr_gain_map(sdr, srgb_decode(sdr)) is None  # the HDR rendition is the SDR one
    with pytest.raises(ParameterError, match="same H x W x 3"):
        hdr_gain_map(sdr, np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ParameterError, match="max_stops"):
        hdr_gain_map(sdr, sdr, max_stops=0)
    with pytest.raises(ParameterError, match="max_log2 > min_log2"):
        HDRGainMap(np.zeros((2, 2)), min_log2=1.0, max_log2=1.0)


def test_tmap_payload_layout_and_round_trip() -> None:
    gm = HDRGainMap(np.zeros((2, 2), np.float32), min_log2=-0.5, max_log2=2.75, gamma=1.0,
                    base_offset=1 / 64, alternate_offset=1 / 64, base_headroom_log2=0.0,
                    alternate_headroom_log2=2.75)
    b = tmap_payload(gm)
    # version 0; minimum_version 0, writer_version 0; flags: one channel, base colour space;
    # base and alternate headroom; one channel of min, max, gamma, base and alternate offset
    assert len(b) == 1 + 2 + 2 + 1 + 4 * 4 + 10 * 4
    assert b[:6] == b"\0\0\0\0\0\x40"
    assert struct.unpack_from(">II", b, 14) == (11, 4)  # alternate headroom 2.75
    assert struct.unpack_from(">iI", b, 22) == (-1, 2)  # gain_map_min -0.5
    back = parse_tmap_payload(b, gm.gain)
    for k in ("min_log2", "max_log2", "gamma", "base_offset", "alternate_offset",
              "base_headroom_log2", "alternate_headroom_log2"):
        assert getattr(back, k) == pytest.approx(getattr(gm, k))
    with pytest.raises(CorruptFileError, match="truncated"):
        parse_tmap_payload(b[:20], gm.gain)


@pytest.mark.parametrize("ext", [".heic", ".avif"])
def test_gain_map_written_as_tmap_and_read_back(tmp_path, ext) -> None:
    import pillow_heif
    from PIL import Image as PILImage

    hdr, sdr = _scene()
    gm = hdr_gain_map(sdr, hdr)
    img = Image(sdr, space="display", transfer="sRGB", metadata={"hdr_gain_map": gm})
    path = write_image(img, tmp_path / f"g{ext}", quality=95)
    c = read_container(path.read_bytes())
    assert b"tmap" in c.compatible
    tmap = next(it for it in c.items.values() if it.type == b"tmap")
    assert tmap.refs[b"dimg"][0] == c.primary and c.items[tmap.refs[b"dimg"][1]].hidden
    assert c.groups and c.groups[0][4:8] == b"altr"
    back = read_image(path).metadata["hdr_gain_map"]
    assert back.gain.shape == gm.gain.shape
    assert np.abs(back.gain - gm.gain).max() < 0.02  # 8-bit map, lossy at crf 8
    assert back.max_log2 == pytest.approx(gm.max_log2, rel=1e-6)
    rec, ref = apply_gain_map(sdr, back), apply_gain_map(sdr, gm)
    assert np.median(np.abs(rec - ref) / (ref + 0.05)) < 0.02
    # readers that do not know gain maps still show the SDR photo
    shown = (np.asarray(pillow_heif.open_heif(path)) if ext == ".heic"
             else np.asarray(PILImage.open(path)))
    assert np.abs(shown / 255 - sdr).mean() < 0.01


def test_a_resized_photo_drops_a_gain_map_that_no_longer_fits(tmp_path) -> None:
    hdr, sdr = _scene()
    gm = hdr_gain_map(sdr, hdr)
    img = Image(np.ascontiguousarray(sdr[:, :64]), space="display", transfer="sRGB",
                metadata={"hdr_gain_map": gm})  # a crop: another aspect
    path = write_image(img, tmp_path / "c.heic")
    assert not any(it.type == b"tmap" for it in read_container(path.read_bytes()).items.values())


@pytest.mark.slow
def test_hdr_merge_to_heic_carries_a_gain_map(tmp_path) -> None:
    import brightroom
    from brightroom.charts import dynamic_range_steps
    from brightroom.lab.camera import simulate, simulate_burst

    scene = dynamic_range_steps(14, peak=8.0, patch_size=28, columns=7, gap=6)
    t0 = simulate(scene, lux=300, iso=100, seed=0, optics=False).camera.exposure_time
    frames = [simulate_burst(scene, n=1, lux=300, iso=100, exposure_time=t0 * 2.0 ** ev,
                             seed=7 + i, optics=False, shake_px=0.0, rotation_deg=0.0)[0]
              for i, ev in enumerate((0.0, -3.0, 3.0))]
    out = tmp_path / "hdr.heic"
    photo = brightroom.hdr(frames, out)
    gm = photo.metadata["hdr_gain_map"]
    assert gm.alternate_headroom_log2 > 0.5
    back = read_image(out)
    assert back.metadata["hdr_gain_map"].gain.shape == gm.gain.shape
    jpg = brightroom.hdr(frames, tmp_path / "hdr.jpg")  # the SDR photo is the same
    assert "hdr_gain_map" not in jpg.metadata
    assert np.abs(jpg.data - photo.data).max() < 1e-5
    # on an HDR display the brightest steps are brighter than on an SDR one
    rec = apply_gain_map(back.data, back.metadata["hdr_gain_map"])
    sdr = apply_gain_map(back.data, back.metadata["hdr_gain_map"], display_headroom_log2=0)
    top = sdr.mean(-1) > np.percentile(sdr.mean(-1), 95)
    assert np.median(rec.mean(-1)[top] / sdr.mean(-1)[top]) > 1.3
