"""Tests of the FFCC white balance (barron2017), its shipped model, and mixed-light white balance.

Ground truth comes from the spectral renders of :mod:`brightroom.lab.awb_dataset` (the camera's
exact response to a white under the light), never from the method under test; renders come
from the ``test`` split, which training never saw.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from brightroom.charts.detect import detect_colorchecker
from brightroom.color.profile import angular_error, neutral_to_temperature
from brightroom.develop import white_balance as wb
from brightroom.develop.white_balance.gijsenij2012 import pixel_neutrals
from brightroom.io.raw import read_raw
from brightroom.lab import awb_dataset
from brightroom.types import CameraInfo, CFAPattern, LightMap, RawImage
from conftest import shared_file

# the package re-exports the method function under the module's name: take the module itself
ffcc = importlib.import_module("brightroom.develop.white_balance.barron2017")


@pytest.fixture(scope="module")
def model():
    return ffcc.load_model()


@pytest.fixture(scope="module")
def held_out():
    """A few renders of unseen cameras, lights and scenes (test split), single light."""
    return list(awb_dataset.cases("test", n_mondrians=2, lights_per_scene=1, mixed_per_scene=0,
                                  seed=3, size=128))[::4]


# ---------------------------------------------------------------------------- the model file

def test_shipped_model_loads_with_the_expected_layout(model):
    assert ffcc.MODEL_PATH.is_file()
    assert ffcc.MODEL_PATH.stat().st_size < 400_000
    n = model.n
    assert model.filters.shape == (ffcc.CHANNELS, n, n) and model.bias.shape == (n, n)
    assert model.locus_weight.shape == (n, n)
    assert model.gain.shape == (n, n) and model.generic_space.shape == (3, 3)
    assert all(b > 0 for b in model.bin) and "train_awb.py" in model.info
    assert "barron2017" in wb.AWB_METHODS


def _rewrite(src, dst, **changes):
    z = dict(np.load(src))
    z.update(changes)
    np.savez(dst, **z)
    return dst


def test_model_file_of_another_version_is_refused(tmp_path):
    p = _rewrite(ffcc.MODEL_PATH, tmp_path / "m.npz", version=np.int64(ffcc.MODEL_VERSION + 1))
    with pytest.raises(ffcc.ModelFileError, match="version"):
        ffcc.load_model(p)


def test_model_file_with_wrong_shapes_is_refused(tmp_path):
    p = _rewrite(ffcc.MODEL_PATH, tmp_path / "m.npz", bias=np.zeros((8, 8)))
    with pytest.raises(ffcc.ModelFileError, match="bias has shape"):
        ffcc.load_model(p)


def test_missing_or_unreadable_model_file_is_refused(tmp_path):
    with pytest.raises(ffcc.ModelFileError, match="not found"):
        ffcc.load_model(tmp_path / "absent.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ffcc.ModelFileError, match="readable"):
        ffcc.load_model(bad)


# ------------------------------------------------------------------------------ the pieces

def test_histogram_wraps_and_translates(model):
    rng = np.random.default_rng(0)
    uv = rng.normal(0.2, 0.3, (500, 2))
    hu, hv = model.bin
    h0 = ffcc.histograms((uv, uv), model)
    assert np.allclose(h0.sum(axis=(1, 2)), 1.0)
    # a whole window away: the same bins (the histogram lives on a torus)
    wrapped = ffcc.histograms((uv + [model.n * hu, -model.n * hv],) * 2, model)
    assert np.allclose(wrapped, h0)
    # one bin along u: the histogram rolls by one bin (a change of light is a translation)
    moved = ffcc.histograms((uv + [hu, 0.0],) * 2, model)
    assert np.allclose(moved, np.roll(h0, 1, axis=1))


def test_weighted_histogram_counts_each_point_by_its_weight(model):
    hu, hv = model.bin
    a = np.array([[model.u0 + 0.5 * hu, model.v0 + 0.5 * hv],
                  [model.u0 + 3.5 * hu, model.v0 + 0.5 * hv]])
    h = ffcc.histograms((a, a), model, (None, np.array([3.0, 1.0])))
    assert h[0][0, 0] == pytest.approx(0.5) and h[0][3, 0] == pytest.approx(0.5)
    assert h[1][0, 0] == pytest.approx(0.75) and h[1][3, 0] == pytest.approx(0.25)
    # all-zero weights: an empty channel, not NaN
    z = ffcc.histograms((a,), model, (np.zeros(2),))
    assert np.all(z == 0)


def test_focus_weights_prefer_sharp_detail_to_defocused_detail_and_noise():
    """A checkerboard in focus on the left, the same defocused (sigma 3) on the right, a flat
    noisy strip in the middle: the weights sit on the sharp half (Pentland 1987's cue)."""
    import cv2

    yy, xx = np.mgrid[0:96, 0:96]
    board = np.where(((yy // 8) + (xx // 8)) % 2 == 0, 0.8, 0.1).astype(np.float32)
    blurred = cv2.GaussianBlur(board, (0, 0), 3.0)
    rng = np.random.default_rng(0)
    flat = np.float32(0.4) + rng.normal(0, 0.01, (96, 48)).astype(np.float32)
    y = np.concatenate([board, flat, blurred], axis=1)
    w = ffcc.focus_weights(np.repeat(y[..., None], 3, axis=2))
    assert w.shape == y.shape and w.dtype == np.float32 and np.all(w >= 0)
    sharp, noise, soft = w[:, 8:88].sum(), w[:, 104:136].sum(), w[:, 152:232].sum()
    assert sharp > 5 * soft and sharp > 5 * noise


def test_featurize_gives_seven_channels_and_the_focus_weights(model, held_out):
    case = held_out[0]
    mask = wb.valid_mask(case.rgb, 1.0, engine="numpy")
    uv, w = ffcc.featurize(case.rgb, mask, ffcc.neutral_space(case.camera, model))
    assert len(uv) == len(w) == ffcc.CHANNELS == 7
    assert len(uv[3]) == len(uv[4]) == len(uv[6]) == 1  # the one-point estimates
    assert w[5] is not None and len(w[5]) == len(uv[5]) and all(
        w[c] is None for c in (0, 1, 2, 3, 4, 6))


@pytest.mark.parametrize("centre", [10.0, 0.2, 63.6])
def test_von_mises_mean_is_the_circular_mean(centre):
    n = 64
    k = np.arange(n)
    d = (k - centre + n / 2) % n - n / 2
    p = np.exp(-0.5 * (d / 1.5) ** 2)[:, None] * np.exp(-0.5 * (((k - 30) / 2.0) ** 2))[None]
    mu, cov = ffcc.fit_von_mises(p / p.sum())
    assert abs(((mu[0] - centre + n / 2) % n) - n / 2) < 0.05 and abs(mu[1] - 30) < 0.05
    assert cov[0, 0] == pytest.approx(1.5**2, rel=0.05)


# ------------------------------------------------------------------------------- accuracy

def test_beats_gray_world_on_held_out_renders(held_out):
    errs = {m: [] for m in ("barron2017", "gray_world")}
    for case in held_out:
        for m in errs:
            est = wb.estimate_illuminant(case.rgb, method=m, camera=case.camera)
            errs[m].append(angular_error(est, case.truth))
    med = {m: float(np.median(e)) for m, e in errs.items()}
    assert med["barron2017"] < 0.6 * med["gray_world"]
    # (it does not beat locus_white_patch yet: see benchmarks/bench_awb.py)
    assert med["barron2017"] < 5.0


def test_without_colour_matrix_the_generic_space_is_used(held_out, model):
    assert np.array_equal(ffcc.neutral_space(CameraInfo(), model), model.generic_space)
    case = held_out[0]
    est = wb.estimate_illuminant(case.rgb, method="barron2017", camera=CameraInfo())
    assert est.shape == (3,) and np.all(est > 0)


def test_tint_direction_green_and_magenta_lights():
    """A greener light must come out with a higher tint than the same light made magenta."""
    sens = awb_dataset.cameras("test")[0]
    cam = awb_dataset.camera_info(sens)
    scene = awb_dataset.scenes("test", 0, size=128)[0]
    base = dict(awb_dataset.lights("test"))["5500K"]
    tints = {}
    for sign in (+1, -1):
        light = ("tinted", awb_dataset._tinted(base, 0.3 * sign))
        case = awb_dataset.render_case(scene, sens, light, np.random.default_rng(1))
        _, t_true = neutral_to_temperature(cam, case.truth)
        est = wb.estimate_illuminant(case.rgb, method="barron2017", camera=cam)
        _, t_est = neutral_to_temperature(cam, est)
        tints[sign] = (t_true, t_est)
    assert tints[1][0] > 0 > tints[-1][0]  # the renders' own truth: + is greener
    assert tints[1][1] > tints[-1][1] + 0.05
    assert np.sign(tints[1][1] - tints[-1][1]) == np.sign(tints[1][0] - tints[-1][0])


def test_stage_reports_cct_and_tint(held_out):
    case = held_out[0]
    pat = CFAPattern("RGGB")
    idx = pat.channel_index(*case.rgb.shape[:2]).astype(np.intp)
    cfa = np.take_along_axis(case.rgb, idx[..., None], axis=2)[..., 0].astype(np.float32)
    raw = RawImage(cfa=cfa, pattern=pat, camera=case.camera)
    out = wb.white_balance(raw, wb.WhiteBalanceParams(mode="auto", method="barron2017"))
    dec = out.state.white_balance
    cct, tint = neutral_to_temperature(case.camera, np.asarray(dec.neutral))
    assert dec.cct == pytest.approx(cct) and dec.tint == pytest.approx(tint)
    assert dec.lights is None


# ------------------------------------------------------------------------------ mixed light

@pytest.fixture(scope="module")
def two_light_case():
    sens = awb_dataset.cameras("test")[0]
    scene = awb_dataset.scenes("test", 0, size=192)[0]
    lights = dict(awb_dataset.lights("test"))
    rng = np.random.default_rng(5)
    for _ in range(50):  # a soft edge across the frame, roughly half and half
        case = awb_dataset.render_case(scene, sens, ("2700K", lights["2700K"]), rng,
                                       ("7500K", lights["7500K"]), electrons=4000.0)
        share = float(angular_error(case.truth_map, case.truth).mean())
        if 3.0 < share:
            return case
    raise AssertionError("no two-light render with a large enough second light in 50 tries")


def test_mixed_lights_beat_one_light_on_a_two_light_render(two_light_case):
    c = two_light_case
    l1, l2, wgt = wb.estimate_lights(c.rgb, camera=c.camera)
    assert wgt.shape == c.rgb.shape[:2] and wgt.dtype == np.float32
    assert angular_error(l1, l2) > 5.0
    per_pixel = angular_error(pixel_neutrals(l1, l2, wgt), c.truth_map).mean()
    one = wb.estimate_illuminant(c.rgb, method="barron2017", camera=c.camera)
    assert per_pixel < angular_error(one, c.truth_map).mean()
    # the two lights found are near the two lights of the render (the extremes of its
    # per-pixel truth), in some order
    tm = c.truth_map.reshape(-1, 3)
    rg = tm[:, 0] / tm[:, 1]
    n1, n2 = tm[np.argmax(rg)], tm[np.argmin(rg)]
    pair = min(angular_error(l1, n1) + angular_error(l2, n2),
               angular_error(l1, n2) + angular_error(l2, n1))
    assert pair < 20.0  # each within about 10 degrees: a coarse map (see gijsenij2012 limits)


def test_mixed_stage_applies_per_pixel_gains(two_light_case):
    c = two_light_case
    pat = CFAPattern("RGGB")
    idx = pat.channel_index(*c.rgb.shape[:2]).astype(np.intp)
    cfa = np.take_along_axis(c.rgb, idx[..., None], axis=2)[..., 0].astype(np.float32)
    raw = RawImage(cfa=cfa, pattern=pat, camera=c.camera)
    params = wb.WhiteBalanceParams(mode="auto", method="barron2017", mixed=True)
    out = wb.white_balance(raw, params)
    lm = out.state.white_balance.lights
    assert isinstance(lm, LightMap)
    want = wb.apply_light_map(raw.cfa, pat, lm)
    assert np.allclose(out.cfa, want)
    assert not np.allclose(out.cfa, wb.apply_gains(raw.cfa, pat, np.asarray(
        out.state.white_balance.gains)))
    assert np.array_equal(raw.cfa, cfa)  # input untouched


def test_light_map_with_one_weight_is_the_global_gain():
    rng = np.random.default_rng(0)
    cfa = rng.uniform(0.1, 0.9, (16, 20)).astype(np.float32)
    pat = CFAPattern("RGGB")
    n1, n2 = np.array([0.5, 1.0, 0.7]), np.array([0.8, 1.0, 0.4])
    lm = LightMap(tuple(n1), tuple(n2), np.ones((4, 5), np.float32))
    assert np.allclose(wb.apply_light_map(cfa, pat, lm), wb.apply_gains(cfa, pat, 1 / n1),
                       rtol=1e-6)
    lm0 = LightMap(tuple(n1), tuple(n2), np.zeros((4, 5), np.float32))
    assert np.allclose(wb.apply_light_map(cfa, pat, lm0), wb.apply_gains(cfa, pat, 1 / n2),
                       rtol=1e-6)


def test_one_light_scene_gives_no_light_map(held_out):
    case = held_out[1]
    l1, l2, wgt = wb.estimate_lights(case.rgb, camera=case.camera, min_separation_deg=90.0)
    assert np.allclose(l1, l2) and np.all(wgt == 1)


def test_mixed_param_round_trips_through_a_recipe_mapping():
    p = wb.WhiteBalanceParams.from_mapping({"mode": "auto", "mixed": True})
    assert p.mixed is True and wb.WhiteBalanceParams().mixed is False


# ------------------------------------------------------------------------------ the data

def test_train_and_test_splits_share_no_camera_light_or_scene():
    cams = [{s.name for s in awb_dataset.cameras(sp)} for sp in awb_dataset.SPLITS]
    assert not cams[0] & cams[1] and len(cams[1]) >= 5
    named = [{n for n, _ in awb_dataset.lights(sp) if not n.endswith("K")}
             for sp in awb_dataset.SPLITS]
    assert not named[0] & named[1]
    photos = [{s.name.split("-")[0] for s in awb_dataset.scenes(sp, 0, size=64)
               if not s.name.startswith(("mondrian", "texture"))} for sp in awb_dataset.SPLITS]
    assert not photos[0] & photos[1]


def test_train_cameras_do_not_reuse_test_sensitivities():
    """Names differ is not enough: the lab's one-inch preset is the Nikon D5100 under another
    name, so compare the curves themselves."""
    test = [s.qe / s.qe.max() for s in awb_dataset.cameras("test")]
    for s in awb_dataset.cameras("train"):
        q = s.qe / s.qe.max()
        assert all(np.abs(q - t).max() > 0.02 for t in test), s.name


def test_one_matrix_camera_description_and_dead_leaves_scenes():
    sens = awb_dataset.cameras("train")[0]
    two = awb_dataset.camera_info(sens)
    one = awb_dataset.camera_info(sens, d65_only=True)
    assert one.color_matrix2 is None and one.illuminant1 == 21
    assert np.array_equal(one.color_matrix1, two.color_matrix2)
    sc = [s for s in awb_dataset.scenes("train", 0, size=64, n_leaves=3) if s.name.startswith("leaves")]
    assert len(sc) == 3
    for s in sc:
        assert s.coords.shape[2] == 3 and 0 <= s.coords.min() and s.coords.max() <= 1


def test_low_chroma_munsell_colours_of_value_5_come_out_near_grey():
    """Munsell value 5 has luminance factor Y = 19.8 % (ASTM D1535); its chroma-2 colours, once
    adapted from illuminant C to D65, must be near-grey linear sRGB of luminance about 0.198."""
    rgb, chroma = awb_dataset._munsell_rgb()
    lum = rgb @ np.array([0.2126, 0.7152, 0.0722])
    near = rgb[(np.abs(lum - 0.198) < 0.01) & (chroma <= 2)]
    assert len(near) and np.abs(near - near.mean(axis=1, keepdims=True)).max() < 0.08


# ------------------------------------------------------------------------------ real data

@pytest.mark.realdata
def test_real_canon_dng_barron2017_better_than_as_shot():
    """The real Canon 550D DNG (never seen in training): the chart's neutral row is the truth."""
    raw = read_raw(shared_file("colorchecker-canon.dng"))
    det = detect_colorchecker(raw)
    idx = raw.pattern.channel_index(*raw.cfa.shape)
    rows = []
    for y0, x0, y1, x1 in det.boxes[18:24]:
        sub, si = raw.cfa[y0:y1, x0:x1], idx[y0:y1, x0:x1]
        rows.append([float(sub[si == k].mean()) for k in range(3)])
    gray = (np.asarray(rows) / np.asarray(rows)[:, 1:2]).mean(axis=0)
    prev = wb.mosaic_preview(raw.cfa, raw.pattern)
    est = wb.estimate_illuminant(prev, method="barron2017", camera=raw.camera,
                                 saturation=raw.saturation)
    as_shot = angular_error(np.asarray(raw.camera.as_shot_neutral), gray)
    # better than the camera's own as-shot neutral (12.5 degrees); the bar of 3 degrees
    # is not met yet (7.6 in camera RGB; the scene is lit by a lamp and a window): see
    # benchmarks/bench_awb.py
    assert angular_error(est, gray) < as_shot
