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
        if tag not in ("meta", "br", "line", "rect", "circle", "polyline", "path"):
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
    assert not re.search(r"<img\b|<iframe\b|<object\b|<embed\b|@import|url\(", html, re.I)
    p = _Collect()
    p.feed(html)
    assert not p.errors, p.errors[:3]
    for tag, attrs in p.tags:
        for k in ("src", "href", "xlink:href"):
            assert k not in attrs, (tag, attrs)
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
    colour = pytest.importorskip("colour")
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
