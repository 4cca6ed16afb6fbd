"""``make demo``'s studio step: serve Brightroom Studio on a small library and take screenshots.

Usage: ``python tools/studio_demo.py OUT_DIR [DEMO_DIR]``. The library (``OUT_DIR/library``)
holds the lab-simulated raws of two scikit-image photos and the JPEGs ``brightroom demo`` wrote
into DEMO_DIR; Debian's Chromium, driven by Playwright, opens the page at 1280x720 and at phone
width and saves ``library.png``, ``editor.png``, ``editor-phone.png`` and ``lab.png`` into
OUT_DIR for people to look at.
"""

from __future__ import annotations

import shutil
import socket
import sys
import threading
import time
from pathlib import Path

import uvicorn

from brightroom.charts.natural import natural
from brightroom.io.dng import write_dng
from brightroom.lab.camera import simulate
from brightroom.studio import StudioConfig, create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "out/studio")
    demo = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    if not Path(CHROMIUM).exists():
        print(f"studio demo: Chromium not found at {CHROMIUM} (Debian package chromium); "
              "no screenshots", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    lib = out / "library"
    lib.mkdir(parents=True, exist_ok=True)
    for name in ("astronaut", "coffee"):
        target = lib / f"{name}.dng"
        if not target.exists():
            write_dng(simulate(natural(name), lux=250, seed=1), target)
    if demo is not None and demo.is_dir():
        for jpg in sorted(demo.glob("*.jpg")):
            shutil.copy2(jpg, lib / jpg.name)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(StudioConfig(lib)), host="127.0.0.1",
                                        port=port, log_level="error"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    while not srv.started:
        time.sleep(0.05)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector(".tile img")
            page.wait_for_function("[...document.querySelectorAll('.tile img')]"
                                   ".every(i => i.complete && i.naturalWidth > 0)",
                                   timeout=300_000)
            page.screenshot(path=str(out / "library.png"))
            page.click(".tile")
            page.wait_for_function("document.getElementById('preview').dataset.rendered",
                                   timeout=300_000)
            page.select_option("#look", "film")
            page.wait_for_function("JSON.parse(document.getElementById('preview').dataset"
                                   ".rendered).look === 'film'", timeout=300_000)
            page.fill("#split", "50")
            page.dispatch_event("#split", "input")
            page.wait_for_timeout(500)
            page.screenshot(path=str(out / "editor.png"))
            page.set_viewport_size({"width": 390, "height": 844})
            page.wait_for_timeout(300)
            page.screenshot(path=str(out / "editor-phone.png"), full_page=True)
            page.set_viewport_size({"width": 1280, "height": 720})
            page.click("nav button[data-view=lab]")
            page.wait_for_timeout(500)
            page.screenshot(path=str(out / "lab.png"))
            browser.close()
    finally:
        srv.should_exit = True
        th.join(timeout=30)
    print(f"studio screenshots in {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
