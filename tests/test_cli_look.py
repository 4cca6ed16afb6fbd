"""Tests of ``brightroom look`` and ``brightroom calibrate`` (the CLI shell)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from brightroom.cli.main import main


def _png16(path: Path) -> np.ndarray:
    rng = np.random.default_rng(1)
    a = (np.linspace(0, 65535, 64 * 48 * 3) + rng.integers(0, 50, 64 * 48 * 3)).clip(0, 65535)
    a = a.astype(np.uint16).reshape(48, 64, 3)
    import cv2

    cv2.imwrite(str(path), a[..., ::-1])
    return a


def test_look_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["look", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("natural", "authentic", "vibrant", "mono", "mono-hc", "film"):
        assert name in out


def test_look_apply_keeps_16_bit(tmp_path: Path) -> None:
    import cv2

    src = tmp_path / "in.png"
    codes = _png16(src)
    dst = tmp_path / "out.png"
    assert main(["look", "apply", str(src), "-o", str(dst), "--look", "natural"]) == 0
    back = cv2.imread(str(dst), cv2.IMREAD_UNCHANGED)
    assert back.dtype == np.uint16
    assert np.abs(back[..., ::-1].astype(int) - codes).max() <= 1
    # refuses to overwrite without --overwrite, then does
    assert main(["look", "apply", str(src), "-o", str(dst), "--look", "mono"]) == 1
    assert main(["look", "apply", str(src), "-o", str(dst), "--look", "mono", "--strength", "0.5",
                 "--overwrite"]) == 0


def test_look_apply_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.png"
    _png16(src)
    assert main(["look", "apply", str(src), "-o", str(tmp_path / "o.png"), "--look", "nope"]) == 1
    err = capsys.readouterr().err
    assert "unknown look" in err and len(err.strip().splitlines()) == 1
    assert main(["look", "apply", str(tmp_path / "missing.png"), "-o", str(tmp_path / "o.png"),
                 "--look", "film"]) == 1
    bad = tmp_path / "bad.cube"
    bad.write_text("LUT_3D_SIZE 2\n0 0 0\n")
    assert main(["look", "apply", str(src), "-o", str(tmp_path / "o.png"), "--look", str(bad)]) == 1
    assert "line 2" in capsys.readouterr().err


@pytest.mark.slow
def test_look_export_and_match(tmp_path: Path) -> None:
    import skimage.data
    from PIL import Image as PILImage

    from brightroom.color.lut import read_cube

    assert main(["look", "export", "mono", "-o", str(tmp_path / "mono.cube"), "--size", "17"]) == 0
    lut = read_cube(tmp_path / "mono.cube")
    assert lut.size == 17
    np.testing.assert_allclose(lut.table[..., 0], lut.table[..., 2], atol=1e-6)
    assert main(["look", "export", "film", "-o", str(tmp_path / "f.cube")]) == 1
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    PILImage.fromarray(skimage.data.astronaut()[::8, ::8]).save(a)
    PILImage.fromarray(skimage.data.coffee()[::8, ::8]).save(b)
    assert main(["look", "match", str(a), "--reference", str(b), "-o",
                 str(tmp_path / "m.cube")]) == 0
    assert main(["look", "apply", str(a), "-o", str(tmp_path / "m.png"), "--look",
                 str(tmp_path / "m.cube")]) == 0


def test_look_apply_8_bit_stays_8_bit_and_float_tiff(tmp_path: Path) -> None:
    import tifffile
    from PIL import Image as PILImage

    src = tmp_path / "in.png"
    PILImage.fromarray(np.full((16, 16, 3), 100, np.uint8)).save(src)
    dst = tmp_path / "out.png"
    assert main(["look", "apply", str(src), "-o", str(dst), "--look", "mono"]) == 0
    with PILImage.open(dst) as written:
        assert written.mode == "RGB"
    f32 = tmp_path / "in.tif"
    tifffile.imwrite(f32, np.full((16, 16, 3), 0.25, np.float32), photometric="rgb")
    out = tmp_path / "out.tif"
    assert main(["look", "apply", str(f32), "-o", str(out), "--look", "natural"]) == 0
    assert tifffile.imread(out).dtype == np.float32


@pytest.mark.slow
def test_look_learn_from_a_before_after_pair(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    import skimage.data
    from PIL import Image as PILImage

    from brightroom.color.lut import apply_lut, read_cube

    before = skimage.data.astronaut()[::8, ::8]  # 64 x 64
    # a known global edit on the 8-bit codes: warmer, darker shadows
    x = before.astype(np.float64) / 255
    edited = np.clip(x ** 1.2 * np.array([1.05, 1.0, 0.9]), 0, 1)
    after = np.round(edited * 255).astype(np.uint8)
    b, a = tmp_path / "before.png", tmp_path / "after.png"
    PILImage.fromarray(before).save(b)
    PILImage.fromarray(after).save(a)
    cube = tmp_path / "learned.cube"
    assert main(["look", "learn", str(b), str(a), "-o", str(cube), "--size", "17"]) == 0
    assert str(cube) in capsys.readouterr().out
    lut = read_cube(cube)
    assert lut.size == 17 and "before.png" in lut.title
    out = apply_lut(before.astype(np.float32) / 255, lut)
    assert np.abs(out * 255 - after).mean() < 1.0
    # the learned .cube works as a look
    assert main(["look", "apply", str(b), "-o", str(tmp_path / "re.png"), "--look",
                 str(cube)]) == 0
    # refuses to overwrite, different sizes are a one-line error naming both
    assert main(["look", "learn", str(b), str(a), "-o", str(cube)]) == 1
    PILImage.fromarray(after[:32]).save(tmp_path / "half.png")
    capsys.readouterr()
    assert main(["look", "learn", str(b), str(tmp_path / "half.png"), "-o",
                 str(tmp_path / "x.cube")]) == 1
    err = capsys.readouterr().err
    assert "64x64" in err and "64x32" in err and len(err.strip().splitlines()) == 1
    assert main(["look", "learn", str(b), str(tmp_path / "half.png"), "-o",
                 str(tmp_path / "x.cube"), "--resize", "--size", "9"]) == 0
    assert main(["look", "learn", str(b), str(tmp_path / "none.png"), "-o",
                 str(tmp_path / "y.cube")]) == 1


def test_look_export_3dl_and_resolve_shaper_cube(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from brightroom.color.lut import LUTSequence, read_3dl, read_cube

    assert main(["look", "export", "mono", "-o", str(tmp_path / "m.3dl"), "--size", "17",
                 "--bit-depth", "10"]) == 0
    lut = read_3dl(tmp_path / "m.3dl")
    assert lut.size == 17 and "Mesh 4 10" in (tmp_path / "m.3dl").read_text()
    assert main(["look", "export", "vibrant", "-o", str(tmp_path / "v.cube"), "--size", "9",
                 "--linear-max", "16"]) == 0
    seq = read_cube(tmp_path / "v.cube")
    assert isinstance(seq, LUTSequence) and seq.luts[1].size == 9
    assert main(["look", "export", "vibrant", "-o", str(tmp_path / "v.3dl"),
                 "--linear-max", "16"]) == 1
    assert main(["look", "export", "vibrant", "-o", str(tmp_path / "v.lut")]) == 1
    err = capsys.readouterr().err
    assert "Resolve .cube" in err and "expected .cube or .3dl" in err


@pytest.mark.slow
def test_look_apply_malformed_inputs_are_one_line_errors(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from brightroom.io import write_image
    from brightroom.types import Image

    rng = np.random.default_rng(3)
    img = Image(rng.random((32, 48, 3)).astype(np.float32), space="display", transfer="sRGB")
    good = {ext: write_image(img, tmp_path / f"good.{ext}").read_bytes()
            for ext in ("heic", "avif", "jpg")}
    bad = {}
    for ext, data in good.items():
        bad[f"cut.{ext}"] = data[: len(data) // 2]
        bad[f"head.{ext}"] = data[:40]
        bad[f"empty.{ext}"] = b""
    bad["text.cube"] = b"LUT_3D_SIZE 2\n0 0 0\n"
    bad["binary.cube"] = rng.bytes(300)
    bad["one-row.3dl"] = b"0 64 1023\nfoo\n"
    bad["broken.clf"] = b"<ProcessList><Matrix>"
    bad["empty.ctf"] = b""
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
        lut = name.rsplit(".", 1)[1] in ("cube", "3dl", "clf", "ctf")
        src, look = (tmp_path / "good.jpg", tmp_path / name) if lut else (tmp_path / name,
                                                                          "vibrant")
        for out in ("o.heic", "o.jpg"):
            rc = main(["look", "apply", str(src), "-o", str(tmp_path / out), "--look", str(look),
                       "--overwrite"])
            err = capsys.readouterr().err
            assert rc == 1, (name, err)
            assert err.count("\n") == 1 and err.startswith("brightroom: error: ") and name in err
            assert not (tmp_path / out).exists()
