"""Tests of brightroom.lab.measure: measuring real and simulated photos of charts.

References come from outside the code under test: the simulator's truth (camera_mtf, the
chart's reflectances), X-Rite's reference Lab values, and LibRaw's own as-shot rendering of the
real Canon DNG (rawpy.postprocess) as an independent implementation of the develop step.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import brightroom
from brightroom import charts
from brightroom.charts.detect_steps import find_gray_steps
from brightroom.charts.find_edge import find_slanted_edges
from brightroom.color.spaces import rgb_to_rgb_matrix, srgb_encode
from brightroom.errors import ChartNotFoundError, InputError, ParameterError
from brightroom.lab.camera import camera_mtf, simulate
from brightroom.lab.measure import (
    MEASURE_CHARTS,
    measure_colorchecker,
    measure_gray_steps,
    measure_photo,
    measure_slanted_edge,
)
from brightroom.types import Image
from conftest import shared_file

CANON = "colorchecker-canon.dng"  # in ../shared/data


def _shoot(scene, tmp_path: Path, name: str, seed: int = 1) -> tuple[Path, Path, object, Image]:
    """Simulate, develop with the neutral recipe at the camera's exposure, write a JPEG and a
    16-bit PNG.

    The ColorChecker scene is half black frame (51 % of it at 3 % reflectance): the auto
    exposure's meter puts that frame toward grey (+1.2 EV, the white patches clipped; see
    ``brightroom.develop.exposure``), so this test of the measuring chain keeps the exposure
    the simulated camera chose."""
    raw = simulate(scene, "flagship-2022", lux=300, cct=5000, seed=seed)
    img = brightroom.develop(raw, recipe=brightroom.load_recipe("neutral").with_params(
        "exposure", auto=False))
    jpg = brightroom.write(img, tmp_path / f"{name}.jpg", quality=95)
    png = brightroom.write(img, tmp_path / f"{name}.png", bit_depth=16)
    return jpg, png, raw, img


@pytest.fixture(scope="module")
def cc_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cc")
    return (*_shoot(charts.colorchecker(32), d, "cc"), d)


# ----------------------------------------------------------------- ColorChecker

def test_colorchecker_simulated_chain_jpeg_and_png(cc_files):
    jpg, png, *_ = cc_files
    for path in (jpg, png):
        r = measure_photo(path, "colorchecker")
        json.dumps(r, allow_nan=False)
        assert r["detection"] == "cv2.mcc"
        assert r["colour_space"] == "sRGB"
        # a colorimetric pipeline on a simulated camera: small colour error, neutral greys
        assert r["delta_e00_mean"] < 3.0
        assert r["delta_e00_max"] < 8.0
        assert r["wb_angular_error_deg"] < 1.5
        assert r["neutral_mean_abs_a"] < 1.5 and r["neutral_mean_abs_b"] < 1.5
        assert abs(r["neutral_r_over_g"] - 1) < 0.05 and abs(r["neutral_b_over_g"] - 1) < 0.05
        assert len(r["patches"]) == 24 and len(r["neutrals"]) == 6
        assert np.allclose(r["patches"][0]["reference_lab"], [37.54, 14.37, 14.92], atol=0.3)
        # the noise of the grey patches is finite and grows towards black
        snrs = [n["snr"] for n in r["neutrals"][1:]]
        assert snrs[0] > snrs[-1] > 1


def test_colorchecker_exposure_error_follows_a_known_gain():
    # a linear truth image scaled by 2 ** -1.5: exposure error -1.5 EV, dE unchanged
    s = charts.colorchecker(24)
    truth = charts.scene_truth_rgb(s, "sRGB", "D65").astype(np.float32)
    ref_y = 0.19062  # Y of neutral 5 from X-Rite's Lab (L* = 50.87)
    scale = np.float32(ref_y * 2 ** -1.5 / truth[s.labels == 21].mean(axis=0)[1])
    r = measure_colorchecker(truth * scale)
    assert r["exposure_ev"] == pytest.approx(-1.5 + math.log2(
        truth[s.labels == 21].mean(axis=0) @ [0.2126729, 0.7151522, 0.0721750]
        / truth[s.labels == 21].mean(axis=0)[1]), abs=0.02)
    assert r["delta_e00_mean"] < 1.5


@pytest.mark.parametrize("ext", ["tif", "avif", pytest.param("heic", marks=pytest.mark.slow)])
def test_colorchecker_other_formats(cc_files, ext):
    jpg, _, _, img, d = cc_files
    p = brightroom.write(img, d / f"cc.{ext}")  # tifffile and pillow-heif are dependencies
    r = measure_photo(p, "colorchecker")
    assert r["source"] == {"tif": "TIFF", "avif": "AVIF", "heic": "HEIC"}[ext]
    assert r["delta_e00_mean"] == pytest.approx(measure_photo(jpg, "colorchecker")
                                                ["delta_e00_mean"], abs=0.5)


def test_untagged_png_is_taken_as_srgb(cc_files):
    import cv2

    jpg, _, _, img, d = cc_files
    p = d / "untagged.png"
    pix = np.round(np.clip(img.data, 0, 1) * 65535).astype(np.uint16)
    assert cv2.imwrite(str(p), cv2.cvtColor(pix, cv2.COLOR_RGB2BGR))
    r = measure_photo(p, "colorchecker")
    assert r["icc"] == "none (taken as sRGB)" and r["colour_space"] == "sRGB"
    assert r["bit_depth"] == 16
    assert r["delta_e00_mean"] == pytest.approx(measure_photo(jpg, "colorchecker")
                                                ["delta_e00_mean"], abs=0.3)


@pytest.mark.slow
def test_colorchecker_corners_fallback_matches_detection(cc_files, monkeypatch):
    jpg, *_ = cc_files
    auto = measure_photo(jpg, "colorchecker")
    # the chart layout is known: outer corners of the patch grid of charts.colorchecker(32)
    b = charts.colorchecker(32).ground_truth["boxes"]
    corners = [(b[0, 1], b[0, 0]), (b[5, 3], b[5, 0]), (b[23, 3], b[23, 2]),
               (b[18, 1], b[18, 2])]
    import brightroom.charts.detect as det

    def refuse(frame):
        raise ChartNotFoundError("detection switched off")

    monkeypatch.setattr(det, "detect_colorchecker", refuse)
    with pytest.raises(ChartNotFoundError, match=r"cc\.jpg: no ColorChecker found; pass --corners"):
        measure_photo(jpg, "colorchecker")
    man = measure_photo(jpg, "colorchecker", corners=corners)
    assert man["detection"] == "corners" and not man["corners_reordered"]
    assert man["delta_e00_mean"] == pytest.approx(auto["delta_e00_mean"], abs=0.4)
    # corners clicked on the chart's outer frame (half a patch outside the grid) still work
    frame = measure_photo(jpg, "colorchecker", corners=[(0, 0), (264, 0), (264, 184), (0, 184)])
    assert frame["delta_e00_mean"] == pytest.approx(man["delta_e00_mean"], abs=0.2)
    # the same corners given counter-clockwise from the black patch are put right
    rev = measure_photo(jpg, "colorchecker", corners=[corners[k] for k in (2, 1, 0, 3)])
    assert rev["corners_reordered"]
    assert rev["delta_e00_mean"] == pytest.approx(man["delta_e00_mean"], abs=1e-9)


def test_colorchecker_roi_limits_the_search(cc_files):
    jpg, *_ = cc_files
    # charts.colorchecker(32): 40 px pitch, first patch at 16 px, so the patch grid's outer
    # corners (half a gap outside the corner patches) are at 12 and 252 / 172 px
    truth = [[12, 12], [252, 12], [252, 172], [12, 172]]
    # mcc's corner estimate moves by a few pixels with the rendering (denoise, demosaic domain);
    # within an eighth of the 40 px pitch the central-half patch sampling is unaffected
    assert np.allclose(measure_photo(jpg, "colorchecker")["corners"], truth, atol=5.0)
    r = measure_photo(jpg, "colorchecker", roi=(4, 4, 256, 176))
    assert np.allclose(r["corners"], truth, atol=3.5)
    with pytest.raises(ChartNotFoundError, match="no ColorChecker found"):
        measure_photo(jpg, "colorchecker", roi=(0, 0, 60, 60))
    with pytest.raises(ParameterError, match="inside the 264 x 184 image"):
        measure_photo(jpg, "colorchecker", roi=(200, 100, 100, 100))
    with pytest.raises(ParameterError, match="only used for the colorchecker"):
        measure_photo(jpg, "slanted-edge", corners=[(0, 0)] * 4)


def test_large_frames_are_searched_at_reduced_size(cc_files, monkeypatch):
    import brightroom.lab.measure as lm

    jpg, *_ = cc_files
    monkeypatch.setattr(lm, "_DETECT_MAX_SIDE", 200)  # the 264 px frame counts as large
    r = measure_photo(jpg, "colorchecker")
    truth = [[12, 12], [252, 12], [252, 172], [12, 172]]
    assert np.allclose(r["corners"], truth, atol=4.0)
    assert r["delta_e00_mean"] < 3.0


def test_no_colorchecker_is_an_error_not_a_zero_score(tmp_path):
    img = Image(np.full((96, 128, 3), 0.5, np.float32), space="display", transfer="sRGB")
    p = brightroom.write(img, tmp_path / "flat.png")
    with pytest.raises(ChartNotFoundError, match="flat.png: no ColorChecker found"):
        measure_photo(p, "colorchecker")


def test_unknown_chart_and_bad_file(tmp_path):
    with pytest.raises(ParameterError, match="colorchecker, slanted-edge, gray-steps"):
        measure_photo(tmp_path / "x.jpg", "siemens-star")
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a jpeg at all")
    with pytest.raises(InputError, match="broken.jpg"):
        measure_photo(bad, "colorchecker")
    assert MEASURE_CHARTS == ("colorchecker", "slanted-edge", "gray-steps")


def test_display_p3_tagged_image_is_measured_in_p3(tmp_path):
    s = charts.colorchecker(24)
    lin_srgb = charts.scene_truth_rgb(s, "sRGB", "D65").astype(np.float32)
    lin_p3 = np.clip(lin_srgb @ rgb_to_rgb_matrix("sRGB", "Display P3").T.astype(np.float32),
                     0, 1)
    img = Image(srgb_encode(lin_p3), space="display", primaries="Display P3", transfer="sRGB")
    p = brightroom.write(img, tmp_path / "p3.png", bit_depth=16)
    r = measure_photo(p, "colorchecker")
    assert r["colour_space"] == "Display P3" and r["icc"] == "Display P3"
    # the truth itself scores ~1.2 (Ohta spectra vs X-Rite 2014 values); P3 must not add to it
    base = measure_colorchecker(lin_srgb)["delta_e00_mean"]
    assert r["delta_e00_mean"] == pytest.approx(base, abs=0.1)
    # the same pixels read as sRGB would be far off: the test can tell the spaces apart
    assert measure_colorchecker(lin_p3, space="sRGB")["delta_e00_mean"] > base + 1.0


@pytest.fixture(scope="module")
def canon_libraw():
    """The real DNG developed independently: LibRaw, as-shot white balance, linear sRGB."""
    import rawpy

    with rawpy.imread(str(shared_file(CANON))) as raw:
        rgb = raw.postprocess(use_camera_wb=True, gamma=(1, 1), no_auto_bright=True,
                              output_bps=16, output_color=rawpy.ColorSpace.sRGB)
    return rgb.astype(np.float32) / 65535


@pytest.mark.slow
@pytest.mark.realdata
def test_real_canon_dng_found_and_measured_like_libraw(canon_libraw):
    r = measure_photo(shared_file(CANON), "colorchecker")
    assert r["detection"] == "cv2.mcc" and r["source"] == "raw"
    json.dumps(r, allow_nan=False)
    # the chart sits in the middle of the frame (README: 1734 x 1156 after the crop)
    cx = np.mean([c[0] for c in r["corners"]])
    cy = np.mean([c[1] for c in r["corners"]])
    assert 800 < cx < 1150 and 600 < cy < 900
    # independent develop of the same file: LibRaw's as-shot white balance to linear sRGB
    lib = measure_colorchecker(canon_libraw)
    # the as-shot white balance leaves the chart (lit by a warm lamp) orange in both renderings
    assert r["wb_angular_error_deg"] == pytest.approx(lib["wb_angular_error_deg"], abs=3.0)
    assert r["neutral_r_over_g"] == pytest.approx(lib["neutral_r_over_g"], rel=0.08)
    assert r["delta_e00_mean"] == pytest.approx(lib["delta_e00_mean"], abs=2.0)
    # once white balanced on its own grey patches the rendering is colorimetric
    assert r["delta_e00_mean_wb_corrected"] < 6.0
    assert r["exposure_ev"] < -1.0  # a dim shot


@pytest.mark.slow
@pytest.mark.realdata
def test_real_canon_grey_steps_are_the_neutral_row(canon_libraw):
    lin = canon_libraw
    cc = measure_colorchecker(lin)
    r = measure_gray_steps(lin)
    assert r["layout"] == "row" and r["n_steps"] >= 4
    neutral_boxes = [p["box"] for p in cc["patches"][18:]]
    for st in r["steps"]:
        y0, x0, y1, x1 = st["box"]
        cy, cx = (y0 + y1) / 2, (x0 + x1) / 2
        assert any(b[0] - 10 < cy < b[2] + 10 and b[1] - 10 < cx < b[3] + 10
                   for b in neutral_boxes)
    # brightest first, each step darker
    means = [s["mean"] for s in r["steps"]]
    assert all(a > b for a, b in zip(means, means[1:], strict=False))


# ----------------------------------------------------------------- slanted edge

def _truth_mtf50() -> float:
    f = np.linspace(0, 0.5, 2001)
    m = camera_mtf(f, "flagship-2022")
    return float(f[np.argmax(m < 0.5)])


def test_slanted_edge_simulated_chain_matches_camera_mtf(tmp_path):
    jpg, png, *_ = _shoot(charts.slanted_edge((160, 200), angle_deg=5.0), tmp_path, "edge")
    truth = _truth_mtf50()
    for path in (jpg, png):
        r = measure_photo(path, "slanted-edge")
        json.dumps(r, allow_nan=False)
        assert r["mtf50"] == pytest.approx(truth, rel=0.08)
        assert r["angle_deg"] == pytest.approx(5.0, abs=0.3)
        assert r["orientation"] == "vertical"
        assert 0 < r["mtf_nyquist"] < r["mtf_nyquist_half"] < 1
        assert r["freqs"][-1] <= 0.5 + 1e-9
        # per channel: green (the lens kernel camera_mtf describes) close to the truth too
        assert r["mtf50_rgb"][1] == pytest.approx(truth, rel=0.1)


def test_slanted_edge_found_among_other_content_and_in_roi():
    # a horizontal edge tilted -8 deg placed off-centre, plus a distracting vertical bar
    s = charts.slanted_edge((180, 220), angle_deg=-8.0, orientation="horizontal",
                            center=(90.0, 120.0))
    img = s.rgb.copy()
    img[:, 180:190] = 0.05  # an axis-aligned bar (0 deg: rejected)
    r = measure_slanted_edge(img)
    assert r["orientation"] == "horizontal"
    assert r["angle_deg"] == pytest.approx(-8.0, abs=0.3)
    # an area-sampled ideal edge: MTF = |sinc(f)|, MTF50 = 0.603 cycles/pixel > Nyquist
    assert r["mtf_nyquist"] == pytest.approx(2 / np.pi, abs=0.05)
    cands = find_slanted_edges(img)
    assert all(2 <= abs(c.angle_deg) <= 20 for c in cands)
    rr = measure_slanted_edge(img, roi=(20, 60, 140, 120))
    x, y, w, h = rr["roi"]
    assert x >= 20 and y >= 60 and x + w <= 160 and y + h <= 180


def _square_target(n: int = 240, angle: float = 5.0) -> np.ndarray:
    """An ISO 12233-style dark square tilted ``angle`` degrees, area-sampled (8 x 8)."""
    import cv2

    pts = cv2.boxPoints(((n / 2, n / 2), (0.45 * n, 0.45 * n), angle)) * 8
    mask = np.zeros((n * 8, n * 8), np.uint8)
    cv2.fillConvexPoly(mask, np.round(pts).astype(np.int32), 1)
    cov = mask.reshape(n, 8, n, 8).mean(axis=(1, 3))
    img = (0.7 - 0.525 * cov).astype(np.float32)
    return np.repeat(img[..., None], 3, axis=2)


def test_slanted_edge_on_a_tilted_square_target():
    r = measure_slanted_edge(_square_target())
    assert abs(r["angle_deg"]) == pytest.approx(5.0, abs=0.3)
    # ideal area sampling: MTF = |sinc(f)| (0.637 at Nyquist, 0.900 at Nyquist/2)
    assert r["mtf_nyquist"] == pytest.approx(2 / np.pi, abs=0.04)
    assert r["mtf_nyquist_half"] == pytest.approx(float(np.sinc(0.25)), abs=0.03)
    assert r["contrast"] == pytest.approx(4.0, rel=0.05)
    assert r["candidates"] >= 2  # several sides of the square qualify


def test_large_frames_are_searched_reduced_and_mapped_back():
    from brightroom.lab.metrics import sfr

    img = _square_target()
    cands = find_slanted_edges(img, max_search_side=100)  # searched at 1/3 size
    assert cands
    res = sfr(img, roi=cands[0].roi)  # the full-size region holds the full-size edge
    assert abs(res.angle_deg) == pytest.approx(5.0, abs=0.3)
    assert res.mtf_nyquist == pytest.approx(2 / np.pi, abs=0.05)
    scene = charts.gray_steps(10, density_step=0.2, columns=5, patch_size=40, background=0.5)
    det = find_gray_steps(scene.rgb, max_search_side=200)  # searched at half size
    assert len(det.boxes) == 10
    for box, tb in zip(det.boxes, scene.ground_truth["boxes"], strict=True):
        assert tb[0] <= box[0] < box[2] <= tb[2] and tb[1] <= box[1] < box[3] <= tb[3]


def test_noisy_edge_is_used_over_its_whole_length():
    raw = simulate(charts.slanted_edge((200, 160), angle_deg=6.0), "budget-phone", lux=2,
                   cct=4000, seed=2)
    from brightroom.color.spaces import decode

    lin = decode(brightroom.develop(raw, recipe="neutral").data, "sRGB")
    r = measure_slanted_edge(lin)
    assert r["roi"][3] >= 150  # the band covers (nearly) the full 200-row edge
    assert r["angle_deg"] == pytest.approx(6.0, abs=2.0)
    assert 0.03 < r["mtf50"] < 0.3  # ISO 3200 noise reduction softens the edge


def test_no_slanted_edge_raises_naming_the_file(tmp_path):
    img = Image(np.full((64, 64, 3), 0.4, np.float32), space="display", transfer="sRGB")
    p = brightroom.write(img, tmp_path / "blank.png")
    with pytest.raises(ChartNotFoundError, match="blank.png: no slanted edge"):
        measure_photo(p, "slanted-edge")


# ----------------------------------------------------------------- grey steps

def test_gray_steps_simulated_chain_oecf_and_noise(tmp_path):
    scene = charts.gray_steps(12, density_step=0.15, columns=12, patch_size=24)
    jpg, png, _, img = _shoot(scene, tmp_path, "steps")
    refl = np.asarray(scene.ground_truth["reflectances"])
    for path in (png, jpg):
        r = measure_photo(path, "gray-steps")
        json.dumps(r, allow_nan=False)
        assert r["n_steps"] == 12 and r["layout"] == "row"
        means = np.array([s["mean"] for s in r["steps"]])
        # a colorimetric rendering: output proportional to the scene (up to flare and
        # 8-bit quantisation of the darkest steps)
        ratio = means / refl
        assert np.all(np.abs(ratio / ratio[0] - 1) < 0.06)
        assert r["span_stops"] == pytest.approx(math.log2(refl[0] / refl[-1]), abs=0.15)
        assert r["dynamic_range_stops"] is None or r["dynamic_range_stops"] > 5
        noise = np.array([s["noise"] for s in r["steps"]])
        assert np.all(noise > 0)
    from brightroom.color.spaces import decode

    res = measure_gray_steps(decode(img.data, "sRGB"),
                             densities=scene.ground_truth["densities"])
    assert res["oecf"]["gamma"] == pytest.approx(1.0, abs=0.05)


def test_gray_steps_in_a_grid_with_truth_ordering():
    scene = charts.gray_steps(10, density_step=0.2, columns=5, patch_size=20, background=0.5)
    det = find_gray_steps(scene.rgb)
    assert det.layout == "grid" and len(det.boxes) == 10
    truth = scene.ground_truth["boxes"]
    # brightest first = chart order for a step chart of increasing density
    for box, tb in zip(det.boxes, truth, strict=True):
        assert tb[0] <= box[0] < box[2] <= tb[2] and tb[1] <= box[1] < box[3] <= tb[3]
    r = measure_gray_steps(scene.rgb)
    assert r["n_steps"] == 10
    # noiseless truth: the means are the reflectances, brightest first
    assert np.allclose([s["mean"] for s in r["steps"]], scene.ground_truth["reflectances"],
                       rtol=1e-4)
    assert r["steps"][3]["encoded"] == pytest.approx(
        float(srgb_encode(np.float32(scene.ground_truth["reflectances"][3]))), abs=1e-5)


def test_no_steps_raise():
    with pytest.raises(ChartNotFoundError):
        measure_gray_steps(np.full((64, 64, 3), 0.3, np.float32))
