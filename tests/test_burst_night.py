"""Tests of brightroom.burst.night: burst planning and develop_burst (files in, photo out)."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from brightroom.burst import BurstWarning, align, develop_burst, merge_burst, plan_burst
from brightroom.charts import dead_leaves
from brightroom.errors import InputError, MergeError, ParameterError
from brightroom.io.dng import write_dng
from brightroom.io.raw import read_raw
from brightroom.lab.camera import simulate, simulate_burst
from brightroom.types import CameraInfo, CFAPattern, NoiseProfile, RawImage
from conftest import shared_file

RECIPE = "neutral"


@pytest.fixture(scope="module")
def dngs(tmp_path_factory) -> list[Path]:
    d = tmp_path_factory.mktemp("burst")
    frames = simulate_burst(dead_leaves((96, 128), seed=3), n=4, lux=20, seed=2)
    return [write_dng(f, d / f"f{i}.dng") for i, f in enumerate(frames)]


def _recipe():
    from brightroom.develop.recipe import load_recipe

    return load_recipe(RECIPE)


def test_develop_burst_files(dngs: list[Path]) -> None:
    img = develop_burst(dngs, recipe=_recipe())
    assert img.space == "display" and img.shape == (96, 128, 3)
    assert img.data.dtype == np.float32 and np.isfinite(img.data).all()
    info = img.metadata["burst_merge"]
    assert info["frames"] == 4 and info["method"] == "hasinoff2016" and info["reference"] in (0, 1, 2)


def test_develop_burst_ref_and_modes(dngs: list[Path]) -> None:
    img = develop_burst(dngs, recipe=_recipe(), ref=3, mode="night")
    assert img.metadata["burst_merge"]["reference"] == 3
    with pytest.raises(ParameterError, match="mode"):
        develop_burst(dngs, mode="portrait")
    with pytest.raises(ParameterError, match="--ref 9"):
        develop_burst(dngs, ref=9)


def test_single_file_fallback(dngs: list[Path]) -> None:
    with pytest.warns(BurstWarning, match="alone"):
        img = develop_burst(dngs[:1], recipe=_recipe())
    assert img.metadata["burst_merge"]["frames"] == 1


def test_missing_file(dngs: list[Path], tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nope.dng: no such file"):
        develop_burst([dngs[0], tmp_path / "nope.dng"])


def test_corrupt_file_in_middle_dropped(dngs: list[Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.dng"
    data = dngs[1].read_bytes()
    bad.write_bytes(data[: len(data) // 3])  # truncated
    with pytest.warns(BurstWarning, match="bad.dng cannot be read"):
        img = develop_burst([dngs[0], bad, dngs[2]], recipe=_recipe())
    info = img.metadata["burst_merge"]
    assert info["frames"] == 2 and info["used"] == [0, 2]


def test_corrupt_leaves_one(dngs: list[Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.dng"
    bad.write_bytes(b"not a raw file" * 50)
    with pytest.raises(MergeError, match="only 1 readable"):
        develop_burst([dngs[0], bad])


def test_different_size_file(dngs: list[Path], tmp_path: Path) -> None:
    other = simulate(dead_leaves((96, 96), seed=1), lux=20, seed=1)
    p = write_dng(other, tmp_path / "small.dng")
    with pytest.raises(MergeError, match=r"small.dng\) is 96x96"):
        develop_burst([dngs[0], dngs[1], p])


def test_hdr_mode_picked_for_bracket(tmp_path: Path) -> None:
    scene = dead_leaves((96, 128), seed=5)
    paths = []
    for i, t in enumerate((0.01, 0.04)):
        f = simulate_burst(scene, n=1, lux=200, exposure_time=t, iso=100, seed=i)[0]
        paths.append(write_dng(f, tmp_path / f"b{i}.dng"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BurstWarning)
        img = develop_burst(paths, recipe=_recipe())
    assert img.metadata["burst_merge"]["method"] == "hdr"
    with pytest.raises(MergeError, match="HDR"):
        develop_burst(paths, recipe=_recipe(), mode="night")


# ---------------------------------------------------------------- planning


def _preview(level: float, t: float = 1 / 30, iso: float = 800.0) -> RawImage:
    cfa = np.full((32, 32), level, np.float32)
    cam = CameraInfo(exposure_time=t, iso=iso,
                     noise_profile=NoiseProfile((4e-4,) * 3, (2e-6,) * 3))
    return RawImage(cfa, CFAPattern("RGGB"), cam)


def test_plan_analytic() -> None:
    # grey at 0.01 at 1/30 s ISO 800: the shutter reaches the 1/8 s cap, ISO brings it to 0.09
    plan = plan_burst(_preview(0.01), target_snr=30, max_exposure_time=1 / 8)
    assert plan.exposure_time == pytest.approx(1 / 8)
    rate = 0.01 / (1 / 30 * 800)
    iso = 0.09 / (rate * 1 / 8)
    assert plan.iso == pytest.approx(iso)
    g = iso / 800
    snr1 = 0.09 / math.sqrt(4e-4 * g * 0.09 + 2e-6 * g * g)
    assert plan.snr_frame == pytest.approx(snr1)
    assert plan.frames == min(15, math.ceil((30 / snr1) ** 2))


def test_plan_more_frames_in_darker_scenes() -> None:
    bright = plan_burst(_preview(0.05))
    dark = plan_burst(_preview(0.002))
    darkest = plan_burst(_preview(0.0001))
    assert bright.frames <= dark.frames <= darkest.frames == 15
    assert darkest.exposure_time <= 1 / 8 and darkest.iso <= 6400


def test_plan_bright_scene_single_frame() -> None:
    plan = plan_burst(_preview(0.3, t=1 / 1000, iso=50), target_snr=10)  # SNR_1 = 15
    assert plan.frames == 1 and plan.exposure_time < 1 / 1000


def test_plan_needs_exposure() -> None:
    with pytest.raises(ParameterError):
        plan_burst(RawImage(np.zeros((8, 8), np.float32), CFAPattern("RGGB")))


@pytest.mark.slow
@pytest.mark.realdata
def test_real_dng_burst_shifted_crops(tmp_path) -> None:
    """A real mosaic (Canon 550D DNG) cropped at known even offsets (a camera moved by whole
    Bayer cells), written as DNGs and merged from the files: every crop's displacement is found
    (the offsets are the reference values), and since the crops hold the same pixels the merge
    gives the reference frame back (a misaligned tile would blur it)."""
    raw = read_raw(shared_file("colorchecker-canon.dng"))
    h, w = 512, 768
    shifts = [(0, 0), (2, 4), (-4, 2)]
    paths = []
    for k, (dy, dx) in enumerate(shifts):
        y0, x0 = 200 + dy, 300 + dx
        cfa = np.ascontiguousarray(raw.cfa[y0:y0 + h, x0:x0 + w])
        paths.append(write_dng(raw.replace(cfa=cfa, gain_map=None, warp=None),
                               tmp_path / f"frame-{k}.dng"))
    frames = [read_raw(p) for p in paths]
    for (dy, dx), f in zip(shifts[1:], frames[1:]):
        flow = align(frames[0], f).flow
        inner = flow[2:-2, 2:-2].reshape(-1, 2)
        # frame k shows the scene shifted by -(dy, dx): alt[y - dy/2] matches ref[y] (grey px)
        np.testing.assert_allclose(np.median(inner, axis=0), (-dy / 2, -dx / 2), atol=0.1)
    merged = merge_burst(paths, mode="night", ref=0)
    assert merged.metadata["burst_merge"]["frames"] == 3
    d = merged.cfa[16:-16, 16:-16] - frames[0].cfa[16:-16, 16:-16]
    # the same noise-free scene in every frame: the merge may only remove noise
    assert float(np.sqrt(np.mean(d * d))) < 0.02 * float(np.percentile(frames[0].cfa, 99))


def test_superres_mode_of_the_burst_api(dngs: list[Path]) -> None:
    """mode="superres" through the files: a LinearRawImage merge, developed by the recipe."""
    merged = merge_burst(dngs, mode="superres", scale=1.5, ref=1)
    assert merged.data.shape == (144, 192, 3)
    bm = merged.metadata["burst_merge"]
    assert bm["method"] == "wronski2019" and bm["reference"] == 1 and len(bm["files"]) == 4
    img = develop_burst(dngs, recipe=_recipe(), mode="superres", zoom=2)
    assert img.space == "display" and img.shape == (96, 128, 3)
    with pytest.warns(BurstWarning, match="one frame"):
        one = develop_burst(dngs[:1], recipe=_recipe(), mode="superres", zoom=2, scale=1)
    assert one.shape == (48, 64, 3)
