"""Orientation: a rendered page turned by a known quarter is turned back."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.lab.scan_pages import render_page
from brightroom.scan.orient import orientation, rotate


def test_rotate_turns_clockwise():
    a = np.arange(6).reshape(2, 3)
    assert rotate(a, 90).tolist() == [[3, 0], [4, 1], [5, 2]]
    assert rotate(rotate(a, 90), 270).tolist() == a.tolist()


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["eng", "chi_sim"])
def test_orientation_undoes_each_quarter_turn(lang):
    page, _ = render_page("body", lang, dpi=100)
    page = page[: page.shape[0] // 2]
    for turn in (0, 90, 180, 270):
        turned = rotate(page, turn)
        assert orientation(turned) == (-turn) % 360, turn
