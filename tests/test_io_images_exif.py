"""brightroom.io.images.exif: the EXIF block written from an Image and read back."""



import pytest

from _images_helpers import RECIPE, display, smooth
from brightroom.io.images import exif_bytes, parse_exif, read_metadata, write_image
from brightroom.types import Image


def test_orientation_from_metadata_overrides_camera(tmp_path):
    img = display(smooth(), orientation=3)
    assert read_metadata(write_image(img, tmp_path / "o.jpg"))["orientation"] == 3
    img = Image(smooth(), space="display", transfer="sRGB")
    meta = read_metadata(write_image(img, tmp_path / "plain.jpg"))
    assert meta["orientation"] == 1 and meta["recipe"] is None and meta["make"] is None


def test_exif_bytes_read_back_by_parse_exif():
    fields = {"make": "FUJIFILM", "model": "X-T5", "orientation": 8, "software": "Brightroom 0.1.0",
              "recipe": RECIPE, "datetime": "2026:03:04 05:06:07", "iso": 800,
              "exposure_time": 1 / 125, "f_number": 2.8, "focal_length": 33.0, "colorspace": 1,
              "width": 128, "height": 96}
    block = exif_bytes(fields)
    assert block[:4] == b"II*\0"  # little-endian TIFF structure, no "Exif\0\0" prefix
    back = parse_exif(block)
    assert back == pytest.approx({k: fields[k] for k in (
        "make", "model", "orientation", "software", "recipe", "datetime", "iso",
        "exposure_time", "f_number", "focal_length")})
    assert parse_exif(b"Exif\0\0" + block) == back  # the APP1 form too
    # the recipe is not ASCII: an exact UCS-2 copy is kept in UserComment (Exif 4.6.5)
    assert b"UNICODE\0" + RECIPE.encode("utf-16-le") in block


def test_parse_exif_of_other_writers_and_of_junk():
    block = exif_bytes({"make": "Canon", "software": "Other 1.0", "recipe": "a caption"})
    back = parse_exif(block)
    assert back["description"] == "a caption" and "recipe" not in back  # not ours: not a recipe
    assert parse_exif(None) == {} and parse_exif(b"") == {}
    assert parse_exif(b"not an exif block at all") == {}


def _big_endian_exif(maker_note: bytes) -> bytes:
    """A big-endian EXIF block as a camera writes it: IFD0 (Make, Orientation, Artist, Exif and
    GPS pointers, a thumbnail IFD1), an Exif IFD (ISO, LensModel, MakerNote), a GPS IFD."""
    import struct

    def ifd(entries, at):  # entries: (tag, type, count, payload bytes)
        n = len(entries)
        head, tail = [struct.pack(">H", n)], b""
        pos = at + 2 + 12 * n + 4
        for tag, typ, count, data in entries:
            if len(data) <= 4:
                head.append(struct.pack(">HHI", tag, typ, count) + data.ljust(4, b"\0"))
            else:
                head.append(struct.pack(">HHII", tag, typ, count, pos + len(tail)))
                tail += data + b"\0" * (len(data) % 2)
        return b"".join(head) + struct.pack(">I", 0) + tail

    lens = b"XF33mmF1.4 R LM WR\0"
    exif_e = [(34855, 3, 1, struct.pack(">H", 400)), (37500, 7, len(maker_note), maker_note),
              (42036, 2, len(lens), lens)]
    gps_e = [(1, 2, 2, b"N\0"), (2, 5, 3, struct.pack(">6I", 44, 1, 51, 1, 172, 100))]
    artist = b"A. Photographer\0"
    ifd0_e = [(271, 2, 6, b"Canon\0"), (274, 3, 1, struct.pack(">H", 8)),
              (315, 2, len(artist), artist), (513, 4, 1, struct.pack(">I", 0)),
              (34665, 4, 1, b"\0\0\0\0"), (34853, 4, 1, b"\0\0\0\0")]
    size0 = len(ifd(ifd0_e, 8))
    exif_at = 8 + size0
    gps_at = exif_at + len(ifd(exif_e, exif_at))
    ifd0_e[4] = (34665, 4, 1, struct.pack(">I", exif_at))
    ifd0_e[5] = (34853, 4, 1, struct.pack(">I", gps_at))
    return (b"MM\0*" + struct.pack(">I", 8) + ifd(ifd0_e, 8) + ifd(exif_e, exif_at)
            + ifd(gps_e, gps_at))


@pytest.mark.parametrize(("note", "kept"), [(b"Apple iOS\0\0\1MM" + b"x" * 40, True),
                                            (b"\0\x10" + b"canon-style offsets" * 3, False)])
def test_merged_exif_carries_gps_lens_and_safe_maker_notes(tmp_path, note, kept):
    from PIL import Image as PILImage

    from brightroom.io.images import merged_exif_bytes

    src = _big_endian_exif(note)
    ours = {"make": "FUJIFILM", "model": "X-T5", "orientation": 1, "software": "Brightroom 0.1.0",
            "iso": 800, "width": 64, "height": 48}
    block = merged_exif_bytes(src, ours)
    ex = PILImage.Exif()
    ex.load(block)
    exif, gps = ex.get_ifd(34665), ex.get_ifd(34853)
    assert ex[271] == "FUJIFILM" and ex[274] == 1 and ex[315] == "A. Photographer"  # ours win
    assert exif[34855] == 800 and exif[42036] == "XF33mmF1.4 R LM WR"
    assert gps[1] == "N" and [float(v) for v in gps[2]] == pytest.approx([44, 51, 1.72])
    assert (37500 in exif) == kept and (exif.get(37500) == note if kept else True)
    assert 513 not in ex  # the thumbnail pointer is not carried
    assert parse_exif(block)["iso"] == 800
    # the same through write_image, for every format that carries the block
    for ext in (".jpg", ".png", ".heic", ".avif"):
        img = display(smooth(48, 64), exif=src)
        meta = read_metadata(write_image(img, tmp_path / f"g{ext}"))
        ex2 = PILImage.Exif()
        ex2.load(meta["exif"])
        assert ex2.get_ifd(34853)[1] == "N" and ex2[315] == "A. Photographer"


def test_merged_exif_ignores_a_broken_source():
    from brightroom.io.images import merged_exif_bytes

    ours = exif_bytes({"make": "X", "orientation": 1})
    for junk in (None, b"", b"Exif\0\0", b"MM\0*\xff\xff\xff\xff", b"II*\0\x08\0\0\0\xff\xff",
                 _big_endian_exif(b"n")[:30]):
        out = merged_exif_bytes(junk, {"make": "X", "orientation": 1})
        assert parse_exif(out)["make"] == "X"
    assert merged_exif_bytes(None, {"make": "X", "orientation": 1}) == ours
