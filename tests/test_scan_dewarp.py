"""Dewarping: a page bent by a known displacement is straightened (text rows back where the
unbent page has them); a flat page is left alone."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from brightroom.lab.scan_pages import render_page
from brightroom.scan.dewarp import dewarp


def _bend(page, amount):
    h, w = page.shape[:2]
    xs = np.arange(w, dtype=np.float32)
    bow = amount * w * np.sin(np.pi * xs / w)
    my = np.arange(h, dtype=np.float32)[:, None] - bow[None, :] * np.sin(np.pi * np.arange(h)[:, None] / h)
    mx = np.broadcast_to(xs[None], (h, w)).astype(np.float32)
    return cv2.remap(page, mx, my.astype(np.float32), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _rows(page):
    g = page.mean(axis=2) if page.ndim == 3 else page
    return (g < 128).mean(axis=1)  # ink per row: peaks at the text lines


@pytest.mark.slow
def test_bent_page_is_straightened():
    page, _ = render_page("body", "eng", dpi=100)
    bent = _bend(page, 0.03)
    out, fit = dewarp(bent)
    assert fit is not None and fit.lines >= 10 and fit.bow > fit.line_height
    ref = _rows(page)
    # the row profile of the dewarped page matches the flat page's far better than the bent one's
    c_out = np.corrcoef(_rows(out), ref)[0, 1]
    c_bent = np.corrcoef(_rows(bent), ref)[0, 1]
    assert c_out > 0.6 and c_out > c_bent + 0.3


def test_flat_page_is_left_alone():
    page, _ = render_page("body", "eng", dpi=60)
    out, fit = dewarp(page)
    assert out is page and fit is not None and fit.bow < fit.line_height
