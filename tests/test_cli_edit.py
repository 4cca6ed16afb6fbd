"""``brightroom edit``: a thin shell; one line per error, exit 1 (2 for usage)."""

from __future__ import annotations

import numpy as np
from PIL import Image as PILImage
from skimage import data

from brightroom.cli.main import main


def _photo(tmp_path):
    path = tmp_path / "in.jpg"
    PILImage.fromarray(data.coffee()[::4, ::4]).save(path, quality=95)
    return path


def test_edit_writes_photo_sidecar_and_xmp(tmp_path, capsys):
    src = _photo(tmp_path)
    rc = main(["edit", str(src), "-o", str(tmp_path / "out.jpg"), "--exposure", "0.5",
               "--shadows", "30", "--hsl", "orange.sat=-20", "--crop", "10,10,100,60",
               "--rotate", "90", "--flip", "h", "--heal", "40,40,4", "--xmp-output",
               str(tmp_path / "out.xmp")])
    assert rc == 0
    assert capsys.readouterr().out.strip().endswith("out.jpg")
    out = np.asarray(PILImage.open(tmp_path / "out.jpg"))
    assert out.shape[:2] == (100, 60)  # cropped, then turned
    assert (tmp_path / "in.jpg.brightroom.toml").is_file()
    assert "crs:Exposure2012" in (tmp_path / "out.xmp").read_text()


def test_edit_errors_are_one_line(tmp_path, capsys):
    src = _photo(tmp_path)
    rc = main(["edit", str(src), "-o", str(tmp_path / "o.jpg"), "--contrast", "300"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1
    assert err[0].startswith("brightroom: error: contrast = 300.0 is outside")
    rc = main(["edit", str(src), "-o", str(tmp_path / "o.jpg"), "--crop", "0,0,9999,10"])
    assert rc == 1 and "lies outside" in capsys.readouterr().err
    bad = tmp_path / "bad.xmp"
    bad.write_text("<x:xmpmeta")
    rc = main(["edit", str(src), "-o", str(tmp_path / "o.jpg"), "--xmp", str(bad)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1 and "bad.xmp: not valid XMP" in err[0]
    assert main(["edit", str(src), "-o", str(tmp_path / "o.jpg"), "--flip", "x"]) == 2
    assert not (tmp_path / "o.jpg").exists()


def test_edit_upright_dust_and_perspective_flags(tmp_path, capsys):
    src = _photo(tmp_path)
    rc = main(["edit", str(src), "-o", str(tmp_path / "u.jpg"), "--vertical", "5",
               "--horizontal", "-3", "--dust", "--no-save"])
    assert rc == 0
    err = capsys.readouterr().err
    assert "dust spot(s) healed" in err
    out = np.asarray(PILImage.open(tmp_path / "u.jpg"))
    assert out.shape[0] < 100 and out.shape[1] < 150   # the warp keeps an inner rectangle
    rc = main(["edit", str(src), "-o", str(tmp_path / "o.jpg"), "--vertical", "60"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1 and "vertical = 60.0 is outside" in err[0]
    assert main(["edit", str(src), "-o", str(tmp_path / "o.jpg"), "--upright", "x"]) == 2
    assert not (tmp_path / "o.jpg").exists()
