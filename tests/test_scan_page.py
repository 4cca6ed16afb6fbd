"""One photo to one page, without OCR (fast): corners in reading order, modes, given corners."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.lab.scan_pages import scan_case
from brightroom.scan.page import scan_page


@pytest.mark.slow
def test_scan_page_without_ocr_gives_reading_corners_and_a_clean_page():
    case = scan_case("eng-body-tilt20", size=(600, 800), dpi=60)
    page = scan_page(case.photo, mode="bw", ocr_method=None, auto_rotate=False)
    diag = np.hypot(*(case.corners[2] - case.corners[0]))
    assert np.mean(np.hypot(*(page.corners - case.corners).T)) / diag < 0.005
    assert page.image.ndim == 2 and set(np.unique(page.image)) <= {0, 255}
    assert page.paper == "A4" and page.lines == () and page.text == ""
    assert (page.image == 255).mean() > 0.85  # paper white, shadows gone


def test_given_corners_are_used():
    photo = np.full((200, 300, 3), 40, np.uint8)
    photo[50:150, 100:160] = 245
    q = [[100, 50], [160, 50], [160, 150], [100, 150]]
    page = scan_page(photo, corners=np.array(q)[::-1], mode="gray", ocr_method=None, auto_rotate=False)
    assert page.corners.tolist() == q and "corners given" in page.notes
    assert page.image.shape == (100, 60) and page.image.min() > 200


def test_bad_mode_and_photo():
    photo = np.zeros((20, 20, 3), np.uint8)
    with pytest.raises(ValueError, match="unknown scan mode 'sepia'"):
        scan_page(photo, mode="sepia")
    with pytest.raises(ValueError, match="uint8 H x W x 3"):
        scan_page(photo.astype(np.float32))
