"""The synthetic scan cases: the truth corners are where the page is, the text is what was drawn."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.lab.scan_pages import SCAN_CASES, render_page, scan_case


def test_render_page_lines():
    page, lines = render_page("receipt", "eng", dpi=60)
    assert page.dtype == np.uint8 and page.shape[0] > 2 * page.shape[1]
    assert lines[0] == "CORNER CAFE" and lines[-1] == "THANK YOU"
    page, lines = render_page("body", "chi_sim", dpi=40)
    assert page.shape[:2] == (467, 330) and lines[0] == "文档扫描说明"


@pytest.mark.slow
def test_truth_corners_are_the_paper():
    case = scan_case("eng-body-flat", size=(300, 400), dpi=40)
    assert case.photo.shape == (300, 400, 3) and len(SCAN_CASES) == 16
    c = case.corners
    inside = (0.6 * c + 0.4 * c.mean(axis=0)).round().astype(int)  # just inside each corner
    outside = (1.15 * c - 0.15 * c.mean(axis=0)).round().astype(int)
    lum = case.photo.mean(axis=2)
    assert all(lum[y, x] > 150 for x, y in inside)
    assert all(lum[y, x] < 150 for x, y in outside if 0 <= x < 400 and 0 <= y < 300)
