"""Tests of the self-contained HTML lab report."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from _lab_helpers import REFERENCE
from brightroom.lab.report import lab_d50_to_display, render_html, write_report
from brightroom.lab.report.svg import bar_chart, line_chart, rgb_hex, swatch_pairs
from brightroom.lab.run import LabResults, run_lab


@pytest.fixture(scope="module")
def results() -> LabResults:
    return run_lab(REFERENCE, conditions="tiny", seed=1)


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "br", "img", "line", "rect", "circle", "polyline", "path"):
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in ("line", "rect", "circle", "polyline", "path"):
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}> (open: {self.stack[-3:]})")
        else:
            self.stack.pop()


def test_report_is_self_contained(results: LabResults, tmp_path):
    path = write_report(results, tmp_path / "out")
    assert path.name == "report.html"
    html = path.read_text(encoding="utf-8")
    # nothing to fetch: no URLs at all, no external scripts, stylesheets, images or fonts
    assert not re.search(r"https?://", html, re.I)
    assert not re.search(r"<script\b", html, re.I)
    assert not re.search(r"<link\b", html, re.I)
    assert not re.search(r"<iframe\b|<object\b|<embed\b|@import|url\(", html, re.I)
    p = _Collect()
    p.feed(html)
    assert not p.errors, p.errors[:3]
    for tag, attrs in p.tags:
        for k in ("href", "xlink:href"):
            assert k not in attrs, (tag, attrs)
        # images only as inline PNG data (the night thumbnails)
        if tag == "img" or "src" in attrs:
            assert tag == "img" and attrs["src"].startswith("data:image/png;base64,"), tag
    assert sum(tag == "svg" for tag, _ in p.tags) >= 5  # MTF, texture, dE00 bars, swatches, SNR


def test_report_content(results: LabResults, tmp_path):
    html = render_html(results)
    assert f"{results.score.overall:.1f}" in html
    assert results.score.version in html and results.score.formula_hash in html
    assert results.camera in html and results.pipeline in html and results.created in html
    for attr in ("exposure", "colour", "texture", "noise", "artefacts"):
        assert f"{results.score.attributes[attr]:.1f}" in html
    assert "not measured: excluded" in html  # bokeh / night / video slots
    assert "Edge MTF" in html and "dE00 per ColorChecker patch" in html and "SNR" in html
    assert "tiny" in html and "not comparable" in html  # the reduced plan is said


def _with_capabilities(results: LabResults) -> LabResults:
    """``results`` plus a synthetic capability run (as measure_capabilities returns it)."""
    from brightroom.lab.capabilities import thumbnail_data_uri
    from brightroom.lab.score import score_conditions

    thumb = thumbnail_data_uri(np.full((30, 40, 3), 0.25, np.float32))
    metrics = {"night-1lux": {"night_psnr_db": 27.25, "night_gain_db": 4.5, "night_subject_db": 1.0},
               "night-5lux": {"night_psnr_db": 28.0, "night_gain_db": 4.25, "night_subject_db": 0.5},
               "hdr": {"hdr_dr_stops": 19.5, "hdr_halo_pct": 0.75},
               "portrait": {"bokeh_score": 91.0},
               "zoom-2x": {"zoom_texture_acutance": 0.61, "zoom_edge_acutance": 0.7,
                           "zoom_mtf50_gain": 1.23}}
    details = {"night": {"night-1lux": {"lux": 1.0, "merged": True, "psnr_single_db": 22.75,
                                        "thumbnail_single": thumb, "thumbnail_merged": thumb},
                         "night-5lux": {"lux": 5.0, "merged": True, "psnr_single_db": 23.75}},
               "hdr": {"merged": True, "dr_single_stops": 11.0},
               "bokeh": {"scenes": {"astronaut-wall": {"psnr": 33.0, "psnr_band": 24.0,
                                                       "score": 91.0}}},
               "zoom": {"zoom-2x": {"factor": 2, "merged": True,
                                    "zoomed": {"mtf50": 0.25, "texture_acutance": 0.61},
                                    "digital_zoom": {"mtf50": 0.2, "texture_acutance": 0.5},
                                    "thumbnail_digital": thumb, "thumbnail_zoomed": thumb}}}
    cap = {"metrics": metrics, "details": details, "errors": {}, "timings": {}}
    scored = {c.condition.name: c.metrics for c in results.conditions} | metrics
    return results.replace(capabilities=cap, score=score_conditions(scored))


def test_report_shows_capabilities(results: LabResults, tmp_path):
    html = render_html(results)
    assert "capability tests (night, HDR, bokeh, zoom) were not run" in html
    r = _with_capabilities(results)
    html = render_html(r)
    for text in ("Night, HDR, bokeh and zoom", "night-1lux", "portrait", "27.25", "+4.50",
                 "22.75", "19.5", "11.0", "astronaut-wall", "merged burst", "single frame",
                 "zoom 2x", "multi-frame super-resolution", "1.23", "digital zoom"):
        assert text in html, text
    assert html.count('<img alt=') == 4 and "data:image/png;base64," in html
    assert not re.search(r"https?://", html, re.I)
    p = _Collect()
    p.feed(html)
    assert not p.errors, p.errors[:3]
    imgs = [a for t, a in p.tags if t == "img"]
    assert len(imgs) == 4 and all(a["src"].startswith("data:image/png;base64,") for a in imgs)
    assert f"{r.score.attributes['night']:.1f}" in html
    assert f"{r.score.attributes['zoom']:.1f}" in html
    assert f"{r.score.attributes['bokeh']:.1f}" in html
    path = write_report(r, tmp_path)
    again = LabResults.from_dict(json.loads((tmp_path / "results.json").read_text()))
    assert again.capabilities == json.loads(json.dumps(r.capabilities))
    assert again.score == r.score
    assert path.is_file()


def test_results_json_round_trip(results: LabResults, tmp_path):
    write_report(results, tmp_path)
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert data["score_version"] == results.score_version
    again = LabResults.from_dict(data)
    assert again.score == results.score
    # rewriting replaces the files
    write_report(again, tmp_path)
    assert json.loads((tmp_path / "results.json").read_text())["pipeline"] == "test:bilinear"


def test_lab_to_display_matches_colour_science():
    import colour
    lab = np.array([[50.0, 20.0, -30.0], [80.0, -5.0, 10.0]])
    xyz = colour.Lab_to_XYZ(lab, colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]["D50"])
    xyz65 = colour.adaptation.chromatic_adaptation_VonKries(
        xyz, colour.xy_to_XYZ([0.3457, 0.3585]), colour.xy_to_XYZ([0.3127, 0.3290]), "Bradford")
    ref = colour.cctf_encoding(np.clip(colour.XYZ_to_sRGB(xyz65, apply_cctf_encoding=False), 0, 1))
    np.testing.assert_allclose(lab_d50_to_display(lab), ref, atol=3e-3)


def test_svg_helpers():
    assert rgb_hex((1.0, 0.5, 0.0)) == "#ff8000"
    assert rgb_hex((2.0, -1.0, 0.0)) == "#ff0000"
    s = line_chart([("a", [0, 0.25, 0.5], [1.0, 0.5, float("nan")])], title="t<x>",
                   x_range=(0, 0.5), y_range=(0, 1))
    assert s.startswith("<svg") and s.endswith("</svg>") and "t&lt;x&gt;" in s
    assert s.count("<polyline") == 1
    log = line_chart([("snr", [1, 10, 1000], [5, 20, 40])], log_x=True, markers=True)
    assert log.count("<circle") == 3
    b = bar_chart([1.0, None, 3.0], ["a", "b", "c"])
    assert b.count("<title>") == 2  # the missing bar is not drawn
    sw = swatch_pairs([(1, 0, 0)], [(0, 1, 0)], ["red"])
    assert "#ff0000" in sw and "#00ff00" in sw


def test_demo_report_says_it_is_reduced(tmp_path):
    from brightroom.lab.demo import demo_report

    path = demo_report(tmp_path, pipeline=REFERENCE)  # the default recipe in `brightroom demo`
    html = path.read_text(encoding="utf-8")
    assert (tmp_path / "results.json").is_file()
    assert "reduced shooting plan" in html and "quick" in html
