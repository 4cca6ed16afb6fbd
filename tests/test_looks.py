"""Tests of brightroom.looks.looks and the develop ``look`` stage: looks as data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from brightroom.color.lut import LUT3D, apply_lut, write_cube
from brightroom.errors import ParameterError, RecipeError
from brightroom.looks import (
    Look,
    Operation,
    apply_look,
    apply_look_array,
    compose,
    list_looks,
    load_look,
    look_to_toml,
    parse_look,
)
from brightroom.looks.stage import LookParams as LookParamsV
from brightroom.types import Image

BUILTIN = {"natural", "authentic", "vibrant", "mono", "mono-hc", "film"}


def _photo() -> Image:
    import skimage.data

    a = skimage.data.astronaut()[::4, ::4].astype(np.float32) / 255
    return Image(np.ascontiguousarray(a), space="display", transfer="sRGB",
                 metadata={"bit_depth": 8})


def _chroma(x: np.ndarray) -> float:
    return float((x.max(-1) - x.min(-1)).mean())


def test_builtin_looks_listed_and_load() -> None:
    assert BUILTIN <= set(list_looks())
    for name in list_looks():
        lk = load_look(name)
        assert lk.name == name and lk.description


def test_natural_is_near_identity() -> None:
    img = _photo()
    out = apply_look(img, "natural")
    assert np.abs(out.data - img.data).max() < 1 / 255


def test_mono_is_grey_and_looks_differ() -> None:
    img = _photo()
    for name in ("mono", "mono-hc"):
        d = apply_look(img, name).data
        np.testing.assert_allclose(d[..., 0], d[..., 1], atol=1e-6)
        np.testing.assert_allclose(d[..., 1], d[..., 2], atol=1e-6)
    hc = apply_look(img, "mono-hc").data[..., 0]
    soft = apply_look(img, "mono").data[..., 0]
    assert hc.std() > soft.std()  # higher contrast
    assert _chroma(apply_look(img, "vibrant").data) > 1.1 * _chroma(img.data)
    assert _chroma(apply_look(img, "authentic").data) < _chroma(img.data)


def test_film_lifts_blacks_soft_shoulder_warm_highlights() -> None:
    ramp = np.linspace(0, 1, 256, dtype=np.float32)[None, :, None].repeat(64, 0).repeat(3, 2)
    out = apply_look(Image(np.ascontiguousarray(ramp), space="display", transfer="sRGB"), "film").data
    mean = out.mean(axis=0)
    assert mean[0].mean() > 0.03  # lifted blacks
    assert mean[-1].max() < 0.99  # soft shoulder: white is held below 1
    hi = mean[200]
    assert hi[0] > hi[2] + 0.03  # warm highlights
    assert out[:, 128, 1].std() > 0.005  # grain in the mid-tones


def test_authentic_vignette_darkens_corners() -> None:
    flat = Image(np.full((90, 120, 3), 0.5, np.float32), space="display", transfer="sRGB")
    out = apply_look(flat, "authentic").data
    assert out[0, 0, 1] < out[45, 60, 1] - 0.03


def test_strength_blends_and_compose_is_sequential() -> None:
    img = _photo()
    vib, mono = load_look("vibrant"), load_look("mono")
    full = apply_look_array(img.data, vib)
    half = apply_look_array(img.data, vib, strength=0.5)
    np.testing.assert_allclose(half, img.data + 0.5 * (full - img.data), atol=1e-6)
    np.testing.assert_array_equal(apply_look_array(img.data, vib, strength=0), img.data)
    both = compose(vib, mono)
    assert [o.kind for o in both.operations] == [o.kind for o in vib.operations + mono.operations]
    np.testing.assert_allclose(apply_look_array(img.data, both),
                               apply_look_array(apply_look_array(img.data, vib), mono), atol=1e-6)
    with pytest.raises(ParameterError):
        apply_look_array(img.data, vib, strength=3)


def test_cube_file_is_a_look(tmp_path: Path, rng: np.random.Generator) -> None:
    lut = LUT3D(rng.random((9, 9, 9, 3)).astype(np.float32), title="t")
    f = write_cube(lut, tmp_path / "grade.cube")
    img = _photo()
    lk = load_look(f)
    assert lk.name == "grade" and lk.operations[0].kind == "lut"
    np.testing.assert_allclose(apply_look(img, f).data, np.clip(apply_lut(img.data, lut), 0, 1),
                               atol=1e-6)


def test_toml_look_file_with_relative_lut(tmp_path: Path) -> None:
    write_cube(LUT3D.from_function(lambda x: 1 - x, 5), tmp_path / "neg.cube")
    f = tmp_path / "mine.toml"
    f.write_text('name = "mine"\n[[operations]]\ntype = "lut"\nfile = "neg.cube"\n'
                 '[[operations]]\ntype = "saturation"\nsaturation = 0.0\n')
    lk = load_look(f)
    x = np.array([[[0.2, 0.2, 0.2]]], np.float32)
    np.testing.assert_allclose(apply_look_array(x, lk), 0.8, atol=1e-6)
    # round trip through TOML text
    again = parse_look(__import__("tomllib").loads(look_to_toml(lk)), base_dir=tmp_path)
    np.testing.assert_allclose(apply_look_array(x, again), 0.8, atol=1e-6)


@pytest.mark.parametrize(("text", "match"), [
    ('[[operations]]\ntype = "sparkle"\n', "unknown look operation"),
    ('[[operations]]\ntype = "saturation"\nsaturaton = 1\n', "unknown parameter"),
    ('[[operations]]\ntype = "curve"\npoints = [[0, 1], [1, 0]]\n', "must not decrease"),
    ('[[operations]]\ntype = "saturation"\nsaturation = "lots"\n', "operation 1"),
    ('[[operations]]\ntype = "lut"\nfile = "missing.cube"\n', "no such"),
    ('version = 99\n', "version"),
    ('colour = 1\n', "unknown key"),
    ('[[operations]\n', "TOML"),
])
def test_bad_look_files(tmp_path: Path, text: str, match: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(RecipeError, match=match) as e:
        load_look(f)
    assert str(f) in str(e.value)


def test_lut_operation_method_names(rng: np.random.Generator) -> None:
    lut = LUT3D(rng.random((5, 5, 5, 3)).astype(np.float32))
    x = rng.random((8, 8, 3)).astype(np.float32)
    np.testing.assert_array_equal(Operation("lut", {"method": "Trilinear"}, lut=lut)(x),
                                  Operation("lut", {"method": "trilinear"}, lut=lut)(x))
    with pytest.raises(ParameterError, match="unknown LUT method 'cubic'; known: trilinear, "
                                             "tetrahedral$"):
        Operation("lut", {"method": "cubic"}, lut=lut)


def test_unknown_look_name() -> None:
    with pytest.raises(ParameterError, match="unknown look"):
        load_look("sepia-dream")


def test_linear_image_and_spaces() -> None:
    img = _photo()
    from brightroom.color.spaces import srgb_decode, srgb_encode

    lin = img.replace(data=srgb_decode(img.data), space="linear_rgb", transfer="linear")
    out = apply_look(lin, "mono")
    assert out.space == "linear_rgb"
    ref = apply_look(img, "mono").data
    np.testing.assert_allclose(srgb_encode(out.data), ref, atol=1e-5)
    cam = Image(np.zeros((4, 4, 3), np.float32), space="camera_rgb", primaries="camera")
    with pytest.raises(ParameterError):
        apply_look(cam, "mono")


def test_input_not_modified_and_metadata_kept() -> None:
    img = _photo()
    before = img.data.copy()
    out = apply_look(img, "film")
    np.testing.assert_array_equal(img.data, before)
    assert out.metadata["bit_depth"] == 8 and out.metadata["look"] == "film"
    assert out.data.dtype == np.float32 and out.data.min() >= 0 and out.data.max() <= 1


def test_operation_validation() -> None:
    with pytest.raises(ParameterError):
        Operation("grain", {"amount": 5})
    lk = Look("x", (Operation("vignette", {"amount": 0.5}),))
    assert lk.spatial


def test_develop_look_stage() -> None:
    from brightroom.develop.pipeline import Pipeline, Stage
    from brightroom.looks.stage import LookParams

    img = _photo()
    from brightroom.color.spaces import srgb_decode

    lin = img.replace(data=srgb_decode(img.data), space="linear_rgb", transfer="linear")
    st = Stage.build("look", {"look": "vibrant", "strength": 0.5})
    out = Pipeline((st,))(lin)
    assert out.space == "linear_rgb"
    np.testing.assert_allclose(out.data, apply_look(lin, "vibrant", strength=0.5).data, atol=1e-6)
    assert Stage.build("look", {"look": "film", "strength": 0.0})(lin) is lin
    with pytest.raises(ParameterError):
        LookParams(look="film", strength=5.0)


def test_a_recipe_chooses_a_look_and_round_trips() -> None:
    """The look's own key no longer collides with ``[[stage]] name`` (issue 11, item 10)."""
    from brightroom.develop.recipe import load_recipe, parse_recipe

    rec = load_recipe("default")
    steps = list(rec.steps)
    steps.insert(len(steps) - 1, ("look", LookParamsV(look="film", strength=0.5)))
    rec = type(rec)(rec.name, tuple(steps), rec.description)
    back = parse_recipe(rec.to_toml())
    assert back.params("look") == LookParamsV(look="film", strength=0.5)


def test_bake_look_matches_direct_application() -> None:
    from brightroom.looks import bake_look

    img = _photo()
    lut = bake_look("vibrant", size=33)
    direct = np.clip(apply_look_array(img.data, load_look("vibrant")), 0, 1)
    assert np.abs(apply_lut(img.data, lut) - direct).max() < 0.01
    with pytest.raises(ParameterError, match="grain"):
        bake_look("film")
    assert bake_look("film", size=9, drop_spatial=True).size == 9


LUTS = Path(__file__).resolve().parent / "data" / "luts"


@pytest.mark.parametrize("name", ["ocio-multiple_ops.clf", "ocio-cdl_various.ctf",
                                  "colour-resolve-LogC_Video.cube", "ocio-discreet-3d-lut.3dl"])
def test_every_lut_format_is_a_look(name: str) -> None:
    from brightroom.color.lut import read_lut

    lk = load_look(LUTS / name)
    assert [op.kind for op in lk.operations] == ["lut"]
    img = _photo()
    out = apply_look(img, lk)
    direct = np.clip(apply_lut(img.data, read_lut(LUTS / name)), 0, 1)
    np.testing.assert_allclose(out.data, direct, atol=1e-6)


def test_bake_look_for_linear_input_is_a_shaper_lut(tmp_path: Path) -> None:
    from brightroom.color.lut import LUTSequence, read_cube
    from brightroom.looks import bake_look

    img = _photo()
    lin = Image(np.ascontiguousarray(img.data ** 2.2 * 4), space="linear_rgb")  # up to 4
    seq = bake_look("vibrant", size=33, linear_max=8.0)
    assert isinstance(seq, LUTSequence) and seq.luts[0].domain_max.tolist() == [8.0] * 3
    direct = apply_look(lin, "vibrant").data
    back = read_cube(write_cube(seq, tmp_path / "v.cube"))
    out = apply_lut(lin.data, back)
    # compare in the encoded domain, where the look is designed; the 33-point lattice spans
    # [0, 2.4] here (encode(8)), 2.4x the spacing of a display LUT
    from brightroom.color.spaces import srgb_encode

    err = np.abs(srgb_encode(out) - srgb_encode(direct))
    assert err.max() < 0.02 and err.mean() < 0.002
    with pytest.raises(ParameterError, match="linear_max"):
        bake_look("vibrant", linear_max=0.5)
