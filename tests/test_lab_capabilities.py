"""Tests of the lab's night / HDR / bokeh capability measurements."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from _lab_helpers import REFERENCE
from brightroom.lab.capabilities import (
    CAPABILITY_CONDITIONS,
    capabilities_spec,
    measure_bokeh,
    measure_capabilities,
    measure_hdr,
    measure_night,
    measure_zoom,
    portrait_lab,
    supports_burst,
    supports_portrait,
    thumbnail_data_uri,
)
from brightroom.lab.pipelines import LabPipeline
from brightroom.lab.portrait_scenes import PORTRAIT_SCENES
from brightroom.lab.score import score_conditions


def test_who_merges():
    assert supports_burst(LabPipeline("brightroom:default", REFERENCE.run))
    assert supports_portrait(LabPipeline("brightroom:neutral", REFERENCE.run))
    for name in ("rawpy:ahd", "cmd:foo {input} {output}", "test:bilinear"):
        p = LabPipeline(name, REFERENCE.run)
        assert not supports_burst(p) and not supports_portrait(p)


def test_thumbnail_is_a_png_data_uri():
    import base64
    import io

    from PIL import Image

    uri = thumbnail_data_uri(np.full((100, 480, 3), 0.5, np.float32), width=120)
    assert uri.startswith("data:image/png;base64,")
    im = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert im.size == (120, 25)


@pytest.fixture(scope="module")
def night_merged():
    return measure_night(REFERENCE, seed=0, burst=True, megapixels=0.12)


@pytest.mark.slow
def test_night_merge_gains_over_the_single_frame(night_merged):
    metrics, details = night_merged
    assert set(metrics) == {"night-1lux", "night-5lux"}
    for cond, m in metrics.items():
        d = details[cond]
        assert d["merged"] and d["frames"] == 8
        # 8 frames, Wiener merge: several dB over the single frame (sqrt(8) is 9 dB at most)
        assert 2.0 < m["night_gain_db"] < 9.5, m
        assert m["night_gain_db"] == pytest.approx(d["psnr_merged_db"] - d["psnr_single_db"])
        # no ghost: the moving subject is no worse than in the reference frame
        assert m["night_subject_db"] > -0.5, m
    assert details["night-1lux"]["thumbnail_merged"].startswith("data:image/png;base64,")
    # the sub-score reads them
    s = score_conditions(metrics)
    assert s.attributes["night"] is not None and 0 < s.attributes["night"] <= 100


@pytest.mark.slow
def test_night_without_burst_merge_is_the_single_frame(night_merged):
    metrics, details = measure_night(REFERENCE, seed=0, thumbnails=False,  # not a merger
                                     megapixels=0.12)
    for cond, m in metrics.items():
        assert m["night_gain_db"] == 0.0 and m["night_subject_db"] == 0.0
        assert not details[cond]["merged"] and "single" in details[cond]["note"]
        # same seed, same single frame as in the merged run
        assert details[cond]["psnr_single_db"] == pytest.approx(
            night_merged[1][cond]["psnr_single_db"], abs=1e-9)
        assert m["night_psnr_db"] < night_merged[0][cond]["night_psnr_db"]


@pytest.mark.slow
def test_hdr_merge_extends_dynamic_range():
    merged, d = measure_hdr(REFERENCE, burst=True)
    single, ds = measure_hdr(REFERENCE, burst=False)
    # EV -4 / +4 around EV 0: at least 3 more stops than the EV 0 frame alone
    assert merged["hdr_dr_stops"] >= single["hdr_dr_stops"] + 3.0
    assert single["hdr_dr_stops"] == pytest.approx(ds["dr_single_stops"])
    assert 6.0 < single["hdr_dr_stops"] < 14.0
    # the reference pipeline has no sharpening or local tone mapping: no halo to speak of
    for m in (merged, single):
        assert m["hdr_halo_pct"] is not None and 0 <= m["hdr_halo_pct"] < 5


def test_bokeh_absent_without_portrait_mode():
    m, d = measure_bokeh(REFERENCE)
    assert m is None and "not applicable" in d["note"]


@pytest.mark.slow
def test_bokeh_scores_brightroom_renderer():
    m, d = measure_bokeh(REFERENCE, portrait=True)
    assert 0 <= m["bokeh_score"] <= 100
    assert set(d["scenes"]) and all(math.isfinite(e["psnr"]) for e in d["scenes"].values())


def test_portrait_lab_runner():
    res = portrait_lab(size=128)
    assert set(res) == set(PORTRAIT_SCENES)
    assert all(r["psnr"] >= 30 and 0 <= r["score"] <= 100 for r in res.values())
    blank = portrait_lab(lambda img, *a: np.zeros_like(img), size=128)
    assert all(r["score"] == 0 for r in blank.values())


@pytest.mark.slow
def test_measure_capabilities_conditions_and_json():
    def broken(raw):  # noqa: ANN001, ANN202
        raise ValueError("boom")

    res = measure_capabilities(LabPipeline("test:broken", broken), burst=False)
    # the pipeline failed: its measurements are recorded as failed (None, scored 0), not raised
    assert set(res["errors"]) == {"night", "zoom"} and "boom" in res["errors"]["night"]
    assert set(res["metrics"]) == {"night-1lux", "night-5lux", "hdr", "zoom-2x", "zoom-3x"}
    assert set(res["metrics"]) <= set(CAPABILITY_CONDITIONS)
    assert all(v is None for c in ("night-1lux", "night-5lux") for v in res["metrics"][c].values())
    # the bracket's raw range needs no pipeline; the halo after it does
    assert res["metrics"]["hdr"]["hdr_dr_stops"] > 6 and res["metrics"]["hdr"]["hdr_halo_pct"] is None
    assert "boom" in res["details"]["hdr"]["edge_error"]
    json.dumps(res, allow_nan=False)
    s = score_conditions(res["metrics"])
    assert s.attributes["night"] == 0.0 and s.attributes["bokeh"] is None
    assert s.attributes["zoom"] == 0.0
    assert "night-1lux/night_psnr_db" in s.failed


def test_spec_is_json():
    spec = capabilities_spec()
    assert json.loads(json.dumps(spec)) == spec
    assert spec["night"]["lux"] == [1.0, 5.0]


def test_digital_zoom_is_the_enlarged_centre():
    from brightroom.lab.capabilities import _digital_zoom

    img = np.zeros((60, 90, 3), np.float32)
    img[20:40, 30:60] = 1.0  # the centre third
    z = _digital_zoom(img, 3)
    assert z.shape == (60, 90, 3)
    assert z[5:55, 5:85].min() > 0.99


@pytest.mark.slow
def test_measure_zoom_superres_beats_digital_zoom():
    from brightroom.lab.pipelines import get_pipeline

    # the super-resolved render is a linear raw: a Brightroom recipe develops it
    m, d = measure_zoom(get_pipeline("brightroom:neutral"), thumbnails=True)
    assert set(m) == {"zoom-2x", "zoom-3x"}
    for cond in m:
        assert m[cond]["zoom_mtf50_gain"] > 1.0
        assert 0 < m[cond]["zoom_edge_acutance"] < 1.2
    assert d["zoom-2x"]["thumbnail_zoomed"].startswith("data:image/png;base64,")
    s = score_conditions(m)
    assert s.attributes["zoom"] > 0
    single, _ = measure_zoom(REFERENCE, burst=False, thumbnails=False)
    assert all(single[c]["zoom_mtf50_gain"] == 1.0 for c in single)
