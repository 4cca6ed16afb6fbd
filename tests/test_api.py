"""The public API (``brightroom.<name>``): every name, the CLI's words, one ``write``, the
``develop`` / ``portrait`` names that are also subpackages."""

from __future__ import annotations

import argparse
import inspect
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import brightroom
import brightroom.api as api
import brightroom.io
from brightroom.cli.main import build_parser
from brightroom.errors import (
    InputError,
    MergeError,
    OutputExistsError,
    ParameterError,
    PipelineError,
    RecipeError,
    UnsupportedFormatError,
)
from brightroom.types import CameraInfo, CFAPattern, Image, NoiseProfile, RawImage

# ------------------------------------------------------------------------ fixtures


def _raw(h: int = 48, w: int = 64, seed: int = 0) -> RawImage:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = 0.2 + 0.15 * np.sin(xx / 7.0) * np.cos(yy / 5.0)
    cfa = (base + rng.normal(0, 0.002, (h, w))).astype(np.float32)
    xyz_to_cam = np.array([[0.6, 0.3, -0.05], [-0.2, 1.1, 0.1], [0.0, 0.15, 0.6]])
    cam = CameraInfo(make="Test", model="Synthetic", color_matrix1=xyz_to_cam, illuminant1=21,
                     as_shot_neutral=(0.5, 1.0, 0.7), iso=100, exposure_time=0.01,
                     noise_profile=NoiseProfile((1e-5,) * 3, (1e-7,) * 3))
    return RawImage(cfa, CFAPattern("RGGB"), camera=cam, black_level=(64,) * 4, white_level=4095)


@pytest.fixture(scope="module")
def dng(tmp_path_factory) -> Path:
    return brightroom.write(_raw(), tmp_path_factory.mktemp("api") / "in.dng")


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> Path:
    rng = np.random.default_rng(1)
    path = tmp_path_factory.mktemp("api") / "photo.png"
    PILImage.fromarray((rng.random((40, 56, 3)) * 255).astype(np.uint8)).save(path)
    return path


def _display(h: int = 32, w: int = 48) -> Image:
    x = np.linspace(0, 1, w, dtype=np.float32)
    data = np.stack(np.broadcast_arrays(x[None, :], x[::-1][None, :] * 0.5 + 0.2,
                                        np.full((h, 1), 0.4, np.float32)), axis=-1)
    return Image(np.ascontiguousarray(np.broadcast_to(data, (h, w, 3)), np.float32),
                 space="display", transfer="sRGB")


def _fresh(code: str) -> subprocess.CompletedProcess[str]:
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return res


# ------------------------------------------------------------------------ every name

FUNCTIONS = [n for n in brightroom.__all__ if inspect.isfunction(getattr(brightroom, n))]


def test_every_public_name_resolves_and_is_listed():
    assert len(set(brightroom.__all__)) == len(brightroom.__all__)
    assert set(brightroom.__all__) <= set(dir(brightroom))
    for name in brightroom.__all__:
        value = getattr(brightroom, name)
        assert getattr(api, name) is value, name  # brightroom.api holds the same objects
    assert api.__all__ is brightroom.__all__
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        brightroom.nope  # noqa: B018


def test_star_import_gives_the_public_names():
    ns: dict = {}
    exec("from brightroom import *", ns)  # noqa: S102
    assert {k for k in ns if not k.startswith("__")} == set(brightroom.__all__)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_functions_are_documented_numpydoc(name):
    fn = getattr(brightroom, name)
    doc = inspect.getdoc(fn)
    assert doc and len(doc.splitlines()[0]) > 10, name
    params = [p for p in inspect.signature(fn).parameters.values()
              if p.kind is not p.VAR_KEYWORD]
    assert "Returns\n-------" in doc, name
    if params:
        assert "Parameters\n----------" in doc, name
        for p in params:
            assert f"\n{p.name}" in doc or f", {p.name}" in doc or f"{p.name}, " in doc, \
                (name, p.name)


def test_types_errors_and_choices():
    for name in ("RawImage", "Image", "Recipe", "Look", "LUT3D", "PortraitResult", "VideoStats",
                 "LabResults", "LabScoreResult", "LabRanking", "DemoResult"):
        assert inspect.isclass(getattr(brightroom, name)) and getattr(brightroom, name).__doc__
    errors = [n for n in brightroom.__all__ if n.endswith("Error")]
    assert len(errors) == 15
    for name in errors:
        assert issubclass(getattr(brightroom, name), brightroom.BrightroomError)
    assert issubclass(brightroom.BurstWarning, Warning)
    assert brightroom.BURST_MODES == ("auto", "night", "hdr", "superres")
    assert brightroom.SCHEDULES == ("fused", "reference")
    assert "daylight" in brightroom.WB_PRESETS and "circle" in brightroom.LENS_STYLES
    assert set(brightroom.CALIBRATION_METHODS) == {"matrix", "finlayson2015"}
    assert "root-polynomial" in brightroom.CALIBRATION_METHODS.choices()  # the CLI's old word
    assert brightroom.LAB_PLANS == ("full", "quick") and ".jpg" in brightroom.WRITE_EXTENSIONS
    assert brightroom.PORTRAIT_PRESETS == ("quality", "light")
    assert brightroom.MEASURE_CHARTS == ("colorchecker", "slanted-edge", "gray-steps")
    assert brightroom.SCAN_MODES == ("color", "gray", "bw") and "ppocr" in brightroom.SCAN_OCR
    assert brightroom.SCAN_LANGS == ("auto", "eng", "chi_sim", "eng+chi_sim")


def test_import_brightroom_is_light():
    res = _fresh("import sys, brightroom; print(sorted(m for m in sys.modules "
                 "if m.split('.')[0] in ('brightroom', 'numpy', 'cv2')))")
    assert set(eval(res.stdout)) == {"brightroom", "brightroom._version", "brightroom.develop",
                                     "brightroom.portrait", "brightroom.scan", "brightroom.edit",
                                     "brightroom.animate", "brightroom.live"}


# ------------------------------------------------------------------------ the CLI's words

# CLI options that choose how the CLI itself prints or lays out files, with no API keyword
CLI_ONLY = {
    "json": "prints the result as JSON; the functions return the data",
    "debug": "shows tracebacks",
    "format": "develop: the extension of the files written into an -o directory (a batch)",
}


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if path and not subs or path == ("look", "list"):
        yield path, parser
    for sub in subs:
        for name, p in sub.choices.items():
            yield from _commands(p, (*path, name))


def _api_name(path: tuple[str, ...]) -> str:
    return "_".join(path)


def _cli_commands():
    """The commands of the public API's shell (``brightroom batch`` is brightroom.batch's)."""
    return {path: p for path, p in _commands(build_parser()) if path[0] not in SHELLS}


def _batch_commands():
    """The other shells' commands: ``brightroom batch JOB`` is ``brightroom.batch.JOB``,
    ``brightroom studio`` is ``brightroom.studio.serve``."""
    return {path: p for path, p in _commands(build_parser()) if path[0] in SHELLS}


SHELLS = ("batch", "studio")


def _shell_function(path):
    import brightroom.batch
    import brightroom.studio

    return (getattr(brightroom.batch, path[1]) if path[0] == "batch"
            else brightroom.studio.serve)


def test_every_cli_command_has_an_api_function():
    paths = set(_cli_commands())
    assert paths == {("develop",), ("demo",), ("lab", "score"), ("lab", "compare"),
                     ("lab", "measure"), ("look", "apply"), ("look", "list"),
                     ("look", "export"), ("look", "match"), ("look", "learn"), ("calibrate",),
                     ("portrait",), ("scan",), ("edit",), ("animate",), ("stabilize",),
                     ("video", "denoise"), ("live",)}
    for path in paths:
        assert _api_name(path) in brightroom.__all__, path


def test_batch_commands_are_the_batch_api_functions():
    import brightroom.batch

    assert set(_batch_commands()) == {("batch", "develop"), ("batch", "lab"), ("studio",)}
    for path in _batch_commands():
        assert callable(_shell_function(path))
        if path[0] == "batch":
            assert path[1] in brightroom.batch.__all__


@pytest.mark.parametrize("path", sorted(_cli_commands()) + sorted(_batch_commands()),
                         ids=" ".join)
def test_cli_options_are_api_keywords_with_the_same_defaults(path):
    import brightroom.batch

    parser = {**_cli_commands(), **_batch_commands()}[path]
    function = (_shell_function(path) if path[0] in SHELLS
                else getattr(brightroom, _api_name(path)))
    sig = inspect.signature(function)
    dests = {a.dest for a in parser._actions}
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        dest = action.dest
        if dest in CLI_ONLY:
            continue
        negative = action.option_strings and dest.startswith("no_")
        name = dest[3:] if negative else dest
        assert name in sig.parameters, f"brightroom {' '.join(path)}: {dest} has no keyword"
        default = sig.parameters[name].default
        if action.required or default is inspect.Parameter.empty or not action.option_strings:
            continue
        if negative and name in dests:  # --leaderboard PATH and --no-leaderboard: one keyword
            continue
        assert default == (not action.default if negative else action.default), (path, dest)


# ------------------------------------------------------------------------ develop / portrait names

def test_develop_name_survives_submodule_imports_in_a_fresh_process():
    _fresh("""
import brightroom
import brightroom.develop.recipe
import brightroom.develop.kernels.tone_row
import brightroom.api
assert callable(brightroom.develop) and brightroom.develop is brightroom.api.develop
import sys
assert brightroom.develop.recipe is sys.modules['brightroom.develop.recipe']
assert brightroom.develop.kernels.tone_row is sys.modules["brightroom.develop.kernels.tone_row"]
""")


def test_develop_name_when_a_submodule_is_imported_first():
    _fresh("""
import brightroom.develop.recipe as recipe
import sys
assert recipe is sys.modules['brightroom.develop.recipe']
import brightroom
assert brightroom.develop.__module__ == 'brightroom.api' and callable(brightroom.develop)
from brightroom import develop
assert develop is brightroom.develop
from brightroom.develop import recipe as r2, run
assert r2 is recipe and run.develop is not brightroom.develop
import inspect
assert 'schedule' in inspect.signature(brightroom.develop).parameters
""")


def test_animate_name_and_its_subpackage_in_a_fresh_process():
    _fresh("""
import brightroom, brightroom.animate.lzw as lzw
assert callable(brightroom.animate) and brightroom.animate.lzw is lzw
from brightroom.animate import gif
assert brightroom.animate.gif is gif
""")


def test_portrait_name_and_its_subpackage_in_a_fresh_process():
    _fresh("""
import brightroom.portrait.bokeh as bokeh
import brightroom
assert callable(brightroom.portrait) and brightroom.portrait.bokeh is bokeh
from brightroom.portrait import video
import brightroom.portrait.photo
assert brightroom.portrait.video is video and brightroom.portrait.photo.render_portrait
assert isinstance(brightroom.__dict__['portrait'], type(lambda: 0))
""")


def test_scan_name_and_its_subpackage_in_a_fresh_process():
    _fresh("""
import brightroom.scan.pdf as pdf
import brightroom
assert callable(brightroom.scan) and brightroom.scan.pdf is pdf
import brightroom.scan.find
assert brightroom.scan.find.find_page
""")


def test_monkeypatch_paths_through_the_function(monkeypatch):
    import brightroom.develop.run as run

    monkeypatch.setattr("brightroom.develop.run.WB_PRESETS", ("x",))
    assert run.WB_PRESETS == ("x",)


# ------------------------------------------------------------------------ write: one function

def test_write_is_io_write():
    assert brightroom.write is brightroom.io.write is api.write
    assert brightroom.read is brightroom.io.read and brightroom.read_raw is brightroom.io.read_raw
    assert brightroom.read_image is brightroom.io.read_image


def test_write_raw_and_image(tmp_path):
    raw = _raw()
    p = brightroom.write(raw, tmp_path / "a.dng")
    assert isinstance(brightroom.read(p), RawImage)
    big = brightroom.write(raw, tmp_path / "p.dng", preview=True)
    assert big.stat().st_size > p.stat().st_size
    img = _display()
    assert brightroom.read(brightroom.write(img, tmp_path / "b.png", bit_depth=8)).metadata[
        "bit_depth"] == 8
    assert brightroom.write(img, tmp_path / "c.jpg", quality=50).is_file()


def test_write_errors_are_the_same_for_both_names(tmp_path):
    raw, img = _raw(), _display()
    for write in (brightroom.write, brightroom.io.write):
        with pytest.raises(UnsupportedFormatError, match="written as DNG"):
            write(raw, tmp_path / "a.png")
        with pytest.raises(ParameterError, match="quality and bit_depth apply to images"):
            write(raw, tmp_path / "a.dng", quality=90)
        with pytest.raises(ParameterError, match="preview applies to DNG"):
            write(img, tmp_path / "a.png", preview=True)
        with pytest.raises(UnsupportedFormatError, match="unsupported image format"):
            write(img, tmp_path / "a.bmp")
        with pytest.raises(ParameterError, match="Image or a RawImage"):
            write(np.zeros((4, 4, 3), np.float32), tmp_path / "a.png")
        with pytest.raises(TypeError):
            write(img, tmp_path / "a.png", fast=True)
    assert not list(tmp_path.iterdir())


def test_write_never_overwrites_unasked(tmp_path):
    raw, img = _raw(), _display()
    for obj, name in ((raw, "x.dng"), (img, "x.png")):
        out = tmp_path / name
        out.write_bytes(b"precious")
        with pytest.raises(OutputExistsError, match="overwrite"):
            brightroom.write(obj, out)
        assert out.read_bytes() == b"precious"
        brightroom.write(obj, out, overwrite=True)
        assert out.read_bytes() != b"precious"
        src = tmp_path / f"src-{name}"
        src.write_bytes(b"input")
        with pytest.raises(OutputExistsError, match="input"):
            brightroom.write(obj, src, inputs=(src,))


# ------------------------------------------------------------------------ develop and bursts

def test_develop_in_memory_and_file_to_file(dng, tmp_path):
    img = brightroom.develop(_raw(), recipe="neutral")
    assert img.space == "display" and img.shape == (48, 64, 3)
    assert img.metadata["recipe_name"] == "neutral"
    out = tmp_path / "o.png"
    again = brightroom.develop(dng, out, recipe="neutral", wb="daylight")
    assert out.is_file() and again.shape == img.shape
    with pytest.raises(OutputExistsError):
        brightroom.develop(dng, out)
    with pytest.raises(UnsupportedFormatError):
        brightroom.develop(dng, tmp_path / "o.bmp")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.png"]


def test_develop_schedules_agree_and_a_bad_one_fails_first(tmp_path):
    raw = _raw()
    fused = brightroom.develop(raw, recipe="default", schedule="fused").data
    ref = brightroom.develop(raw, recipe="default", schedule="reference").data
    assert np.abs(fused - ref).max() < 1e-4
    with pytest.raises(PipelineError, match="unknown schedule"):
        brightroom.develop(tmp_path / "missing.dng", schedule="fast")


def test_develop_argument_errors(dng):
    with pytest.raises(ParameterError, match="burst=True"):
        brightroom.develop([dng, dng])
    with pytest.raises(ParameterError, match="burst=True"):
        brightroom.develop(dng, mode="night")
    with pytest.raises(ParameterError, match="frames of a burst"):
        brightroom.develop(dng, burst=True)
    with pytest.raises(RecipeError, match="unknown recipe"):
        brightroom.develop(dng, recipe="nope")
    with pytest.raises(ParameterError, match="white balance"):
        brightroom.develop(dng, wb="purple")


def test_load_recipe_and_list_recipes():
    assert {"default", "neutral"} <= set(brightroom.list_recipes())
    rec = brightroom.load_recipe("neutral", wb=5600)
    assert isinstance(rec, brightroom.Recipe)
    wb = rec.params("white_balance")
    assert wb.mode == "kelvin" and wb.kelvin == 5600
    with pytest.raises(ParameterError):
        brightroom.load_recipe("neutral", wb="purple")


@pytest.fixture(scope="module")
def burst(tmp_path_factory) -> list[Path]:
    from brightroom.charts import dead_leaves
    from brightroom.lab.camera import simulate_burst

    d = tmp_path_factory.mktemp("burst")
    frames = simulate_burst(dead_leaves((64, 96), seed=3), n=3, lux=20, seed=2)
    return [brightroom.write(f, d / f"f{i}.dng") for i, f in enumerate(frames)]


def test_merge_night_hdr(burst, tmp_path):
    merged = brightroom.merge(burst, mode="night", ref=1)
    assert isinstance(merged, RawImage)
    info = merged.metadata["burst_merge"]
    assert info["reference"] == 1 and info["files"] == [str(p) for p in burst]
    assert brightroom.merge([brightroom.read_raw(p) for p in burst]).shape == merged.shape
    photo = brightroom.night(burst, tmp_path / "n.jpg", recipe="neutral")
    assert photo.metadata["burst_merge"]["frames"] == 3 and (tmp_path / "n.jpg").is_file()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", brightroom.BurstWarning)
        same = brightroom.hdr(burst, recipe="neutral")  # equal exposures: the Wiener fallback
    assert same.shape == photo.shape
    via_develop = brightroom.develop(burst, recipe="neutral", burst=True, mode="night")
    assert np.abs(via_develop.data - photo.data).max() < 1e-6
    with pytest.raises(ParameterError, match="burst mode"):
        brightroom.merge(burst, mode="portrait")
    with pytest.raises(InputError, match="no such file"):
        brightroom.merge([burst[0], tmp_path / "nope.dng"])
    with pytest.raises(MergeError):
        brightroom.merge([burst[0], brightroom.write(_raw(), tmp_path / "other.dng")],
                         mode="night")


# ------------------------------------------------------------------------ portrait

def test_portrait_photo_from_files_and_memory(photo, tmp_path):
    z = np.full((40, 56), 4.0, np.float32)
    z[:, :28] = 1.0
    np.save(tmp_path / "d.npy", z)
    out = tmp_path / "p.png"
    res = brightroom.portrait(photo, out, depth=tmp_path / "d.npy", aperture=1.4,
                              focus=(16, 30), style="hexagon")
    assert isinstance(res, brightroom.PortraitResult) and out.is_file()
    assert res.depth_source == "file" and res.focus_distance == pytest.approx(1.0, abs=0.05)
    mem = brightroom.portrait(brightroom.read_image(photo), depth=z, aperture=1.4,
                              focus=(16, 30), style="hexagon")
    assert np.abs(np.clip(mem.image.data, 0, 1) - brightroom.read_image(out).data).max() < 2 / 255
    with pytest.raises(OutputExistsError):
        brightroom.portrait(photo, out, depth=z)
    with pytest.raises(ParameterError, match="not both"):
        brightroom.portrait(photo, depth=z, stereo=photo)
    with pytest.raises(ParameterError, match="lens style"):
        brightroom.portrait(photo, depth=z, style="wobbly")
    with pytest.raises(InputError, match="no such file"):
        brightroom.portrait(tmp_path / "nope.png", depth=z)


def test_portrait_stereo_size_mismatch_and_video_arguments(photo, tmp_path):
    small = tmp_path / "r.png"
    PILImage.fromarray(np.zeros((40, 50, 3), np.uint8)).save(small)
    with pytest.raises(InputError, match="differ in size"):
        brightroom.portrait(photo, stereo=small)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"")
    with pytest.raises(ParameterError, match="needs an output"):
        brightroom.portrait(clip)
    with pytest.raises(ParameterError, match="apply to photos"):
        brightroom.portrait(clip, tmp_path / "o.mp4", depth=np.ones((4, 4)))
    with pytest.raises(ParameterError, match="preset"):
        brightroom.portrait(clip, tmp_path / "o.mp4", preset="fast")


# ------------------------------------------------------------------------ looks and calibration

def test_look_list_and_apply(photo, tmp_path):
    looks = brightroom.look_list()
    assert {lk.name for lk in looks} >= {"natural", "mono", "film"}
    assert all(isinstance(lk, brightroom.Look) and lk.description for lk in looks)
    out = tmp_path / "mono.png"
    graded = brightroom.look_apply(photo, "mono", out, strength=1.0)
    assert np.allclose(graded.data[..., 0], graded.data[..., 2], atol=1e-3)
    assert PILImage.open(out).mode == "RGB"  # the 8-bit input stays 8-bit
    mem = brightroom.look_apply(_display(), "natural", strength=0.5)
    assert mem.metadata["look"] == "natural (0.5)"
    with pytest.raises(OutputExistsError):
        brightroom.look_apply(photo, "mono", out)
    with pytest.raises(ParameterError, match="unknown look"):
        brightroom.look_apply(photo, "nope")


def test_look_export_match_learn(photo, tmp_path):
    lut = brightroom.look_export("mono", tmp_path / "m.cube", size=9)
    assert isinstance(lut, brightroom.LUT3D) and lut.size == 9
    assert (tmp_path / "m.cube").is_file()
    with pytest.raises(ParameterError, match="drop_spatial"):
        brightroom.look_export("film")
    assert brightroom.look_export("film", drop_spatial=True, size=5).size == 5
    ref = _display()
    match = brightroom.look_match(photo, ref, tmp_path / "t.cube", strength=0.5)
    assert match.size == 33 and (tmp_path / "t.cube").is_file()
    assert brightroom.look_match(ref.data, ref.data[::-1]).size == 33  # arrays in memory
    before = brightroom.read_image(photo)
    after = before.replace(data=np.clip(before.data ** 1.2, 0, 1).astype(np.float32))
    learned = brightroom.look_learn(before, after, size=9)
    assert learned.size == 9 and learned.title == "learned look"
    with pytest.raises(InputError, match="no such file"):
        brightroom.look_learn(photo, tmp_path / "none.png")
    with pytest.raises(OutputExistsError):
        brightroom.look_match(photo, ref, tmp_path / "t.cube")


def test_calibrate_with_patches(tmp_path):
    from brightroom.charts.colorchecker import colorchecker
    from brightroom.lab.camera import simulate

    chart = colorchecker(patch_size=24)
    dng = brightroom.write(simulate(chart, "flagship-2022", lux=400.0, cct="D65", seed=2),
                           tmp_path / "chart.dng")
    c = chart.ground_truth["centers"]
    rep = brightroom.calibrate(dng, tmp_path / "cam.cube", patches=[c[k] for k in (0, 5, 18)])
    assert rep["de00_after"]["mean"] < rep["de00_before"]["mean"] and rep["method"] == "matrix"
    assert (tmp_path / "cam.json").is_file()
    (tmp_path / "cam.cube").unlink()  # the .json beside it is checked before any work too
    with pytest.raises(OutputExistsError, match="cam.json"):
        brightroom.calibrate(dng, tmp_path / "cam.cube", patches=[c[k] for k in (0, 5, 18)])
    with pytest.raises(ParameterError):
        brightroom.calibrate(dng, tmp_path / "x.cube", patches=[(0, 0), (0, 1)])


# ------------------------------------------------------------------------ the lab

@pytest.fixture
def test_pipeline(monkeypatch):
    import brightroom.lab.run as lab_run
    from _lab_helpers import REFERENCE

    real = lab_run.get_pipeline
    monkeypatch.setattr(lab_run, "get_pipeline",
                        lambda name: REFERENCE if name == "test:bilinear" else real(name))


def test_lab_score_compare(test_pipeline, tmp_path):
    db = tmp_path / "lb.sqlite"
    run = brightroom.lab_score("test:bilinear", tmp_path / "out", plan="tiny", seed=1,
                               leaderboard=db)
    assert isinstance(run, brightroom.LabScoreResult)
    assert isinstance(run.results, brightroom.LabResults) and run.results.seed == 1
    assert run.report == tmp_path / "out" / "report.html" and run.report.is_file()
    assert run.entry == 1 and run.leaderboard == db
    ranking = brightroom.lab_compare(plan="tiny", leaderboard=db)
    assert isinstance(ranking, brightroom.LabRanking)
    assert [e.pipeline for e in ranking.ranking] == ["test:bilinear"]
    assert json.loads(json.dumps(ranking.to_dict()))["ranking"][0]["id"] == 1
    quiet = brightroom.lab_score("test:bilinear", plan="tiny", leaderboard=False)
    assert quiet.report is None and quiet.entry is None and quiet.leaderboard is None
    assert brightroom.lab_compare(leaderboard=tmp_path / "none.sqlite").ranking == ()
    assert not (tmp_path / "none.sqlite").exists()
    with pytest.raises(ParameterError, match="unknown camera preset"):
        brightroom.lab_score("test:bilinear", camera="nokia", leaderboard=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="directory"):
        brightroom.lab_score("test:bilinear", tmp_path / "file", leaderboard=False)


def test_lab_measure_errors(photo, tmp_path):
    with pytest.raises(ParameterError, match="unknown chart"):
        brightroom.lab_measure(photo, chart="siemens-star")
    with pytest.raises(InputError, match="no such file"):
        brightroom.lab_measure(tmp_path / "nope.png", chart="gray-steps")
    with pytest.raises(brightroom.ChartNotFoundError):
        brightroom.lab_measure(photo, chart="colorchecker", roi=(0, 0, 20, 20))


def test_demo(tmp_path, monkeypatch):
    import brightroom.lab.demo as lab_demo

    real = lab_demo.demo_night
    monkeypatch.setattr(lab_demo, "demo_night", lambda out: real(out, megapixels=0.05))
    res = brightroom.demo(tmp_path, megapixels=0.1, lab=False)
    assert isinstance(res, brightroom.DemoResult) and res.report is None
    assert res.raw == tmp_path / "demo.dng" and isinstance(brightroom.read(res.raw), RawImage)
    assert [r for r, _, _ in res.developed] == ["default", "neutral"]
    for p in (res.night_single, res.night_merged, res.night_compare, *(p for _, p, _ in
                                                                     res.developed)):
        assert p.is_file(), p
