"""Page finding on synthetic photos whose corners are known by construction (the projection of
the page's rectangle), and a photo without a page."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.lab.scan_pages import scan_case
from brightroom.scan.find import PageNotFoundError, find_page, order_corners


def _err(found, truth):
    diag = np.hypot(*(truth[2] - truth[0]))
    return min(np.mean(np.hypot(*(np.roll(found, k, axis=0) - truth).T)) for k in range(4)) / diag


def test_order_corners_clockwise_from_top_left():
    q = np.array([[10, 90], [90, 80], [0, 0], [100, 5]], float)
    assert order_corners(q).tolist() == [[0, 0], [100, 5], [90, 80], [10, 90]]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["eng-body-tilt35", "chi-table", "eng-body-rot90"])
def test_corners_within_half_a_percent_of_the_diagonal(name):
    case = scan_case(name, size=(600, 800), dpi=60)
    q, score = find_page(case.photo)
    assert score > 0.3
    assert _err(q, case.corners) < 0.005


def test_no_page_is_a_clear_error():
    rng = np.random.default_rng(1)
    noise = (rng.random((300, 400, 3)) * 80).astype(np.uint8)  # dark clutter, nothing paper-like
    with pytest.raises(PageNotFoundError, match="no page found.*corners"):
        find_page(noise)
