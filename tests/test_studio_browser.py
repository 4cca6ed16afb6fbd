"""Brightroom Studio in a real browser: Debian's Chromium driven by Playwright.

The studio runs under uvicorn on a free loopback port; the page uploads a DNG, moves a slider
and sees the preview change, exports and gets the CLI's pixels, and makes no request to any
other address. Screenshots go to ``out/studio/`` for people to look at. Playwright launches
``/usr/bin/chromium`` (``make test`` installs Debian's ``chromium``); it never downloads one.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import brightroom
import brightroom.studio
from brightroom.charts.dead_leaves import dead_leaves
from brightroom.io.dng import write_dng
from brightroom.lab.camera import simulate
from brightroom.studio import StudioConfig, create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[1] / "out" / "studio"

STATIC = Path(brightroom.studio.__file__).parent / "static"


def test_the_page_names_no_other_address() -> None:
    """Fast check beside the browser test: the page's files load nothing from elsewhere."""
    import re

    for f in STATIC.iterdir():
        text = f.read_text(encoding="utf-8")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), f.name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path):
    import uvicorn

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: `make test` installs Debian's "
                    "chromium package", pytrace=False)
    lib = tmp_path / "lib"
    lib.mkdir()
    port = _free_port()
    app = create_app(StudioConfig(lib))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 60
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", lib
    srv.should_exit = True
    thread.join(timeout=30)


@pytest.mark.slow
@pytest.mark.browser
def test_upload_edit_export_in_chromium(server, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    base, lib = server
    dng = write_dng(simulate(dead_leaves((300, 450), seed=4), lux=300, seed=4),
                    tmp_path / "upload.dng")
    SHOTS.mkdir(parents=True, exist_ok=True)
    foreign: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 720}, accept_downloads=True)
        page.on("request", lambda req: None if req.url.startswith(base) or
                req.url.startswith(("blob:", "data:")) else foreign.append(req.url))
        page.goto(base + "/")
        page.set_input_files("#upload", str(dng))
        page.wait_for_selector(".tile img", timeout=120_000)
        page.wait_for_function("document.querySelector('.tile img').naturalWidth > 0",
                               timeout=120_000)
        page.screenshot(path=str(SHOTS / "library.png"))
        page.click(".tile")
        page.wait_for_function("document.getElementById('preview').dataset.rendered",
                               timeout=180_000)
        first = page.eval_on_selector("#preview", "e => e.src")
        page.select_option("#look", "mono")
        page.wait_for_function(f"document.getElementById('preview').src !== {first!r}",
                               timeout=120_000)
        page.wait_for_function("JSON.parse(document.getElementById('preview').dataset.rendered)"
                               ".look === 'mono'", timeout=120_000)
        page.fill("#strength", "0.6")
        page.dispatch_event("#strength", "input")
        page.wait_for_function("JSON.parse(document.getElementById('preview').dataset.rendered)"
                               ".strength === 0.6", timeout=120_000)
        page.screenshot(path=str(SHOTS / "editor.png"))
        page.click("#export")
        page.wait_for_selector("#download-link", timeout=300_000)
        with page.expect_download() as info:
            page.click("#download-link")
        got = tmp_path / "export.jpg"
        info.value.save_as(got)
        # HSL, a crop and a spot healed by clicking reach the preview render (after the export,
        # which the test compares with develop + look below)
        page.select_option("#hsl-band", "blue")
        page.fill("#hsl-saturation", "-60")
        page.dispatch_event("#hsl-saturation", "input")
        page.fill("#crop-left", "10")
        page.dispatch_event("#crop-left", "input")
        page.click("#heal-mode")
        box = page.locator("#preview").bounding_box()
        page.dispatch_event("#preview", "click", {"clientX": box["x"] + box["width"] * 0.5,
                                                  "clientY": box["y"] + box["height"] * 0.4})
        page.wait_for_function(
            "(e => e?.hsl?.saturation?.[5] === -60 && e?.geometry?.crop?.[0] === 0.1 && "
            "e?.heal?.length === 1)(JSON.parse(document.getElementById('preview').dataset.rendered)"
            ".edits)", timeout=120_000)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / "editor-hsl-crop-heal.png"))
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(SHOTS / "editor-phone.png"))
        page.set_viewport_size({"width": 1280, "height": 720})
        # a scan: upload a photo of a page, open it, scan to PDF, download it
        from brightroom.lab.scan_pages import scan_case

        case = scan_case("eng-body-tilt20", size=(900, 1200), dpi=90)
        photo = tmp_path / "page.jpg"
        brightroom.write(brightroom.Image(case.photo.astype(np.float32) / 255, space="display",
                                          transfer="sRGB"), photo)
        page.click("nav button[data-view=library]")
        page.set_input_files("#upload", str(photo))
        page.wait_for_selector(".tile:has-text('page.jpg')", timeout=120_000)
        page.click(".tile:has-text('page.jpg')")
        # the page's corners, found by the server, drawn over the photo and dragged
        page.click("#page-corners")
        page.wait_for_selector("#corners circle[data-corner='3']", timeout=120_000)
        before = page.evaluate("state.corners.map((c) => c.slice())")
        page.locator("#corners circle[data-corner='0']").scroll_into_view_if_needed()
        dot = page.locator("#corners circle[data-corner='0']").bounding_box()
        x0, y0 = dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move(x0 - 12, y0 - 9, steps=4)
        page.mouse.up()
        after = page.evaluate("state.corners")
        assert after[0][0] < before[0][0] and after[0][1] < before[0][1] and after[1:] == before[1:]
        truth = case.corners / np.array([case.photo.shape[1], case.photo.shape[0]])
        assert np.abs(np.array(before) - truth).max() < 0.01
        page.screenshot(path=str(SHOTS / "scan-corners.png"))
        page.click("#scan")
        page.wait_for_function("(document.getElementById('download-link') || {}).textContent"
                               "?.endsWith('.pdf')", timeout=300_000)
        with page.expect_download() as info:
            page.click("#download-link")
        pdf = tmp_path / "scan.pdf"
        info.value.save_as(pdf)
        browser.close()
    assert pdf.read_bytes().startswith(b"%PDF")
    assert foreign == []
    ref = tmp_path / "cli.jpg"
    brightroom.look_apply(brightroom.develop(lib / "upload.dng"), "mono", ref, strength=0.6)
    a, b = brightroom.read_image(got).data, brightroom.read_image(ref).data
    # the parity bar (PSNR >= 50 dB); not bit-exact: a kernel may run its one-thread
    # ahead-of-time build in one call and numba's parallel JIT in another (brightroom._jit),
    # which round differently (up to 4 codes at a few pixels in a fresh clone's run)
    assert a.shape == b.shape
    err = np.abs(a.astype(np.float64) - b)
    assert 10 * np.log10(1 / max(float(np.mean(err ** 2)), 1e-20)) >= 50
