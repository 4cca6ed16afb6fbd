"""``brightroom scan`` (the CLI shell): photo to searchable PDF end to end, JSON, EXIF
orientation, and bad input (no page, non-image, truncated, existing output, no partial PDF)."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
from PIL import Image as PILImage

from brightroom.cli.main import main
from brightroom.lab.metrics.text import cer
from brightroom.lab.scan_pages import scan_case


@pytest.fixture(scope="module")
def receipt():
    return scan_case("eng-receipt", size=(1200, 1600), dpi=160)


def _jpeg(path, arr, orientation=1):
    im = PILImage.fromarray(arr)
    exif = im.getexif()
    if orientation != 1:
        exif[0x0112] = orientation
    im.save(path, quality=92, exif=exif)


@pytest.mark.slow
def test_photo_to_searchable_pdf_with_json(tmp_path, receipt, capsys):
    src = tmp_path / "r.jpg"
    _jpeg(src, receipt.photo)
    out = tmp_path / "r.pdf"
    assert main(["scan", str(src), "-o", str(out), "--mode", "bw", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert len(res) == 1 and res[0]["input"] == str(src) and res[0]["lang"] == "eng"
    corners = np.array(res[0]["corners"])
    diag = np.hypot(*(receipt.corners[2] - receipt.corners[0]))
    assert np.mean(np.hypot(*(corners - receipt.corners).T)) / diag < 0.01
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(out), "-"], capture_output=True,
                          check=True).stdout.decode()
    assert cer(text, receipt.text) < 0.05
    assert cer(res[0]["text"], receipt.text) < 0.05


@pytest.mark.slow
def test_exif_orientation_is_honoured(tmp_path, receipt, capsys):
    src = tmp_path / "r6.jpg"
    _jpeg(src, np.rot90(receipt.photo, 1), orientation=6)  # stored turned; shown upright
    assert main(["scan", str(src), "-o", str(tmp_path / "r.png"), "--ocr", "none", "--json"]) == 0
    corners = np.array(json.loads(capsys.readouterr().out)[0]["corners"])
    diag = np.hypot(*(receipt.corners[2] - receipt.corners[0]))
    assert np.mean(np.hypot(*(corners - receipt.corners).T)) / diag < 0.01
    assert PILImage.open(tmp_path / "r.png").size[1] > PILImage.open(tmp_path / "r.png").size[0]


def test_no_page_then_given_corners(tmp_path, capsys):
    src = tmp_path / "dark.png"
    PILImage.fromarray(np.full((120, 160, 3), 30, np.uint8)).save(src)
    out = tmp_path / "o.pdf"
    assert main(["scan", str(src), "-o", str(out), "--ocr", "none"]) == 1
    err = capsys.readouterr().err
    assert "brightroom: error:" in err and "no page found" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
    assert main(["scan", str(src), "-o", str(out), "--ocr", "none",
                 "--corners", "10,10,150,10,150,110,10,110"]) == 0
    assert out.read_bytes().startswith(b"%PDF")


def test_bad_inputs_are_one_line_and_leave_no_pdf(tmp_path, capsys):
    txt = tmp_path / "notes.jpg"
    txt.write_text("not an image")
    good = tmp_path / "g.png"
    photo = np.full((120, 160, 3), 30, np.uint8)
    photo[20:100, 40:110] = 240
    PILImage.fromarray(photo).save(good)
    trunc = tmp_path / "t.jpg"
    _jpeg(trunc, photo)
    trunc.write_bytes(trunc.read_bytes()[:200])
    out = tmp_path / "o.pdf"
    for bad in (txt, trunc):
        assert main(["scan", str(good), str(bad), "-o", str(out), "--ocr", "none"]) == 1
        err = capsys.readouterr().err.strip()
        assert str(bad) in err and len(err.splitlines()) == 1
        assert not out.exists() and not list(tmp_path.glob(".o*brightroom-tmp-*"))
    out.write_bytes(b"keep")
    assert main(["scan", str(good), "-o", str(out), "--ocr", "none"]) == 1
    assert "exists" in capsys.readouterr().err and out.read_bytes() == b"keep"
    assert main(["scan", str(good), str(good), "-o", str(tmp_path / "two.txt"), "--ocr", "none"]) == 1
    assert "multi-page .pdf" in capsys.readouterr().err


def test_corners_in_percent_are_the_same_page_as_in_pixels(tmp_path) -> None:
    import brightroom
    from brightroom.lab.scan_pages import scan_case

    case = scan_case("eng-body-tilt20", size=(300, 400), dpi=30)
    h, w = case.photo.shape[:2]
    px = ",".join(f"{v:.3f}" for v in case.corners.ravel())
    pct = ",".join(f"{100 * x / w:.6f}%,{100 * y / h:.6f}%" for x, y in case.corners)
    a = brightroom.scan(case.photo, ocr="none", corners=px, dewarp=False)[0]
    b = brightroom.scan(case.photo, ocr="none", corners=pct, dewarp=False)[0]
    assert np.allclose(a.corners, b.corners, atol=0.01)
    assert a.image.shape == b.image.shape  # the pixel string is rounded to 1/1000 px
    assert np.abs(a.image.astype(int) - b.image).mean() < 1
    q, score = brightroom.find_page(case.photo)
    assert score > 0.3 and np.abs(q - case.corners).max() < 0.01 * np.hypot(w, h)
    with pytest.raises(brightroom.ParameterError, match="not mixed"):
        brightroom.scan(case.photo, ocr="none", corners="10%,10,90%,10%,90%,90%,10%,90%")
    with pytest.raises(brightroom.InputError, match="no such file"):
        brightroom.find_page(tmp_path / "nope.jpg")
