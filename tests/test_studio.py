"""Brightroom Studio's HTTP API: library, uploads, previews, jobs, safety."""

from __future__ import annotations

import io
import os
import struct
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from starlette.testclient import TestClient

import brightroom
from brightroom.charts.dead_leaves import dead_leaves
from brightroom.errors import ParameterError
from brightroom.io.dng import write_dng
from brightroom.lab.camera import simulate
from brightroom.studio import StudioConfig, check_bind, create_app
from brightroom.studio.library import Library, sniff


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height (with one tiny compressed row)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    root.mkdir()
    write_dng(simulate(dead_leaves((160, 240), seed=1), lux=200, seed=1), root / "shot.dng")
    rgb = (np.random.default_rng(0).random((90, 120, 3)) * 255).astype(np.uint8)
    cv2.imwrite(str(root / "photo.jpg"), rgb)
    (root / "notes.txt").write_text("not a photo")
    return root


@pytest.fixture
def client(lib: Path):
    app = create_app(StudioConfig(lib, max_upload=2 * 2**20, max_pixels=50_000_000))
    with TestClient(app) as c:
        yield c


def _ids(client: TestClient) -> dict[str, str]:
    return {p["name"]: p["id"] for p in client.get("/api/photos").json()["photos"]}


def test_sniff_by_content_not_by_name() -> None:
    assert sniff(b"\xff\xd8\xff\xe0" + b"\0" * 20, "x.png") == ("image", ".jpg")
    assert sniff(b"\x89PNG\r\n\x1a\n", "a.jpg") == ("image", ".png")
    assert sniff(b"II*\x00\x08\x00\x00\x00", "a.dng") == ("raw", ".dng")
    assert sniff(b"II*\x00\x08\x00\x00\x00", "a.tif") == ("image", ".tif")
    assert sniff(b"\0\0\0\x18ftypheic", "a.jpg") == ("image", ".heic")
    assert sniff(b"\0\0\0\x18ftypcrx ", "") == ("raw", ".cr3")
    assert sniff(b"\0\0\0\x18ftypisom", "") == ("video", ".mp4")
    assert sniff(b"#!/bin/sh\n", "evil.jpg") is None


def test_library_lists_photos_only_and_serves_thumbnails(client: TestClient) -> None:
    ids = _ids(client)
    assert set(ids) == {"shot.dng", "photo.jpg"}
    for pid in ids.values():
        r = client.get(f"/api/photos/{pid}/thumbnail")
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
        img = cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_COLOR)
        assert max(img.shape[:2]) <= 256


def test_render_is_a_jpeg_at_the_asked_width_and_moves_with_the_look(client: TestClient) -> None:
    pid = _ids(client)["shot.dng"]
    plain = client.post(f"/api/photos/{pid}/render", json={"width": 120})
    assert plain.status_code == 200 and plain.headers["content-type"] == "image/jpeg"
    a = cv2.imdecode(np.frombuffer(plain.content, np.uint8), cv2.IMREAD_COLOR)
    assert a.shape[1] == 120 and a.shape[0] == 80
    mono = client.post(f"/api/photos/{pid}/render", json={"width": 120, "look": "mono"})
    b = cv2.imdecode(np.frombuffer(mono.content, np.uint8), cv2.IMREAD_COLOR).astype(int)
    assert np.abs(b[..., 0] - b[..., 2]).mean() < 2 < np.abs(a.astype(int) - b).mean()
    bad = client.post(f"/api/photos/{pid}/render", json={"look": "no-such-look"})
    assert bad.status_code == 400 and "no-such-look" in bad.json()["error"]
    assert client.post(f"/api/photos/{pid}/render", json={"width": 3}).status_code == 400
    assert client.post(f"/api/photos/{pid}/render", content=b"{not json").status_code == 400


@pytest.mark.parametrize("bad_id", ["..", "../etc", "%2e%2e%2fetc", "/etc/passwd", "0" * 18,
                                    "..%2f..%2fnotes.txt"])
def test_traversal_through_ids_is_refused(client: TestClient, bad_id: str) -> None:
    for url in (f"/api/photos/{bad_id}/thumbnail", f"/api/exports/{bad_id}"):
        r = client.get(url)
        assert r.status_code == 404 and "error" in r.json()


def test_a_symlink_out_of_the_library_is_not_listed(lib: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.jpg"
    cv2.imwrite(str(outside), np.zeros((8, 8, 3), np.uint8))
    os.symlink(outside, lib / "link.jpg")
    assert "link.jpg" not in {p.name for p in Library(lib).scan()}


def test_uploads_sniffed_capped_and_bombs_refused(client: TestClient, lib: Path) -> None:
    png = cv2.imencode(".png", np.full((20, 30, 3), 128, np.uint8))[1].tobytes()
    r = client.post("/api/photos", files={"file": ("../../evil name.jpg", png)})
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "evil_name.png" and (lib / "evil_name.png").read_bytes() == png
    r = client.post("/api/photos", files={"file": ("x.jpg", b"MZ\x90\x00 not an image" * 10)})
    assert r.status_code == 415 and "not a photo" in r.json()["error"]
    r = client.post("/api/photos", files={"file": ("big.jpg", b"\xff\xd8\xff" + b"\0" * (3 * 2**20))})
    assert r.status_code == 413
    r = client.post("/api/photos", files={"file": ("bomb.png", _png_header(100_000, 100_000))})
    assert r.status_code == 413 and "100000x100000" in r.json()["error"]
    assert not (lib / "bomb.png").exists()
    assert client.post("/api/photos", content=b"plain").status_code == 400


def test_token_guards_every_endpoint(lib: Path) -> None:
    app = create_app(StudioConfig(lib, token="s3cret"))
    with TestClient(app) as c:
        for url in ("/", "/openapi.json", "/api/photos", "/api/looks", "/api/lab/leaderboard",
                    "/static/app.js", "/api/jobs/j1"):
            r = c.get(url)
            assert r.status_code == 401 and "token" in r.json()["error"], url
        assert c.post("/api/jobs", json={"kind": "export"}).status_code == 401
        assert c.get("/api/photos", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/photos", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/api/photos?token=s3cret").status_code == 200


def test_binding_beyond_loopback_needs_a_token() -> None:
    check_bind("127.0.0.1", None)
    check_bind("localhost", None)
    with pytest.raises(ParameterError, match="--token"):
        check_bind("0.0.0.0", None)
    check_bind("0.0.0.0", "t")


def test_openapi_documents_the_api(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    for path in ("/api/photos", "/api/photos/{id}/thumbnail", "/api/photos/{id}/render",
                 "/api/jobs", "/api/jobs/{id}", "/api/lab/leaderboard"):
        assert path in doc["paths"]
    page = client.get("/").text
    assert "app.js" in page and "http" not in page.replace("http-equiv", "")


@pytest.mark.slow
def test_export_job_equals_the_cli_and_failures_are_json(client: TestClient, lib: Path,
                                                         tmp_path: Path) -> None:
    pid = _ids(client)["shot.dng"]
    r = client.post("/api/jobs", json={"kind": "export", "photo": pid, "recipe": "neutral",
                                       "look": "film", "strength": 0.7})
    assert r.status_code == 202
    job = r.json()["id"]
    deadline = time.time() + 300
    while time.time() < deadline:
        state = client.get(f"/api/jobs/{job}").json()
        if state["state"] in ("done", "failed"):
            break
        time.sleep(0.2)
    assert state["state"] == "done", state
    events = client.get(f"/api/jobs/{job}/events").text
    assert '"event": "started"' in events and '"event": "end"' in events
    got = client.get(f"/api/exports/{state['output']}")
    assert got.status_code == 200
    (tmp_path / "studio.jpg").write_bytes(got.content)
    cli = tmp_path / "cli.jpg"
    photo = brightroom.develop(lib / "shot.dng", recipe="neutral")
    brightroom.look_apply(photo, "film", cli, strength=0.7)
    a = brightroom.read_image(tmp_path / "studio.jpg").data
    b = brightroom.read_image(cli).data
    assert a.shape == b.shape and np.array_equal(a, b)
    bad = client.post("/api/jobs", json={"kind": "export", "photo": "0" * 18})
    assert bad.status_code == 404
    assert client.post("/api/jobs", json={"kind": "rm -rf"}).status_code == 400
    burst = client.post("/api/jobs", json={"kind": "night", "photos": [pid]})
    assert burst.status_code == 400 and "two or more" in burst.json()["error"]


@pytest.mark.slow
def test_jobs_are_bounded_and_cancellable(lib: Path) -> None:
    app = create_app(StudioConfig(lib, job_workers=1, job_queue=1))
    with TestClient(app) as c:
        pid = _ids(c)["shot.dng"]
        first = c.post("/api/jobs", json={"kind": "export", "photo": pid}).json()["id"]
        second = c.post("/api/jobs", json={"kind": "export", "photo": pid}).json()["id"]
        time.sleep(0.3)
        third = c.post("/api/jobs", json={"kind": "export", "photo": pid})
        assert third.status_code == 503 and "error" in third.json()
        assert c.delete(f"/api/jobs/{second}").json()["state"] == "cancelled"
        cancelled = c.delete(f"/api/jobs/{first}").json()
        assert cancelled["state"] in ("cancelled", "done")
        assert c.get("/api/photos").status_code == 200


def test_render_with_edits_goes_through_the_editor(client: TestClient) -> None:
    pid = _ids(client)["photo.jpg"]
    plain = client.post(f"/api/photos/{pid}/render", json={"width": 120})
    brighter = client.post(f"/api/photos/{pid}/render",
                           json={"width": 120, "edits": {"basic": {"exposure": 1.0}}})
    assert brighter.status_code == 200, brighter.text
    a = cv2.imdecode(np.frombuffer(plain.content, np.uint8), cv2.IMREAD_COLOR).astype(float)
    b = cv2.imdecode(np.frombuffer(brighter.content, np.uint8), cv2.IMREAD_COLOR).astype(float)
    assert a.shape == b.shape and b.mean() > a.mean() + 10
    bad = client.post(f"/api/photos/{pid}/render",
                      json={"edits": {"basic": {"exposure": 99}}})
    assert bad.status_code in (400, 422) and "exposure" in bad.json()["error"]
    assert client.post(f"/api/photos/{pid}/render", json={"edits": [1]}).status_code == 400


@pytest.mark.slow
def test_export_with_edits_equals_brightroom_edit(client: TestClient, lib: Path,
                                                  tmp_path: Path) -> None:
    pid = _ids(client)["shot.dng"]
    edits = {"basic": {"exposure": 0.5, "contrast": 20, "vibrance": 30}}
    job = client.post("/api/jobs", json={"kind": "export", "photo": pid, "edits": edits,
                                         "look": "film"}).json()["id"]
    deadline = time.time() + 300
    while (state := client.get(f"/api/jobs/{job}").json())["state"] not in ("done", "failed"):
        assert time.time() < deadline
        time.sleep(0.2)
    assert state["state"] == "done", state
    got = tmp_path / "studio.jpg"
    got.write_bytes(client.get(f"/api/exports/{state['output']}").content)
    ref = tmp_path / "cli.jpg"
    brightroom.edit(lib / "shot.dng", ref, exposure=0.5, contrast=20, vibrance=30, look="film",
                    save=False)
    a, b = brightroom.read_image(got).data, brightroom.read_image(ref).data
    assert a.shape == b.shape and np.array_equal(a, b)
    assert not list(lib.glob("*.brightroom.toml"))  # the library's originals get no sidecar


def _wait(client: TestClient, job: str, seconds: float = 300) -> dict:
    deadline = time.time() + seconds
    while (state := client.get(f"/api/jobs/{job}").json())["state"] not in ("done", "failed"):
        assert time.time() < deadline, state
        time.sleep(0.2)
    return state


@pytest.mark.slow
def test_a_scan_job_gives_a_searchable_pdf_and_a_video_job_refuses_a_photo(
        client: TestClient, lib: Path) -> None:
    from brightroom.lab.scan_pages import scan_case

    case = scan_case("eng-body-tilt20", size=(900, 1200), dpi=90)
    cv2.imwrite(str(lib / "page.jpg"), cv2.cvtColor(case.photo, cv2.COLOR_RGB2BGR))
    pid = _ids(client)["page.jpg"]
    r = client.post("/api/jobs", json={"kind": "scan", "photo": pid, "mode": "bw"})
    assert r.status_code == 202, r.text
    state = _wait(client, r.json()["id"])
    assert state["state"] == "done" and state["output"].endswith(".pdf"), state
    pdf = client.get(f"/api/exports/{state['output']}").content
    assert pdf.startswith(b"%PDF") and b"/Font" in pdf
    bad = client.post("/api/jobs", json={"kind": "stabilize", "photo": pid})
    assert bad.status_code == 400 and "video" in bad.json()["error"]


@pytest.mark.slow
def test_an_animate_job_takes_the_clip_range(client: TestClient, lib: Path) -> None:
    import av
    from PIL import Image as PILImage

    # a 2 s, 30 fps clip whose frame k shows level 4 k: the range picks which frames come out
    with av.open(str(lib / "clip.mp4"), "w") as box:
        st = box.add_stream("libx264", rate=30)
        st.width, st.height, st.pix_fmt = 64, 48, "yuv420p"
        st.options = {"crf": "0"}
        for k in range(60):
            frame = np.full((48, 64, 3), 4 * k, np.uint8)
            for pkt in st.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                box.mux(pkt)
        for pkt in st.encode():
            box.mux(pkt)
    client.get("/api/photos")  # the library sees the new file
    vid = _ids(client)["clip.mp4"]
    job = client.post("/api/jobs", json={"kind": "animate", "photo": vid, "start": 1.0,
                                         "duration": 0.5}).json()["id"]
    state = _wait(client, job)
    assert state["state"] == "done", state
    gif = PILImage.open(io.BytesIO(client.get(f"/api/exports/{state['output']}").content))
    levels = []
    for i in range(gif.n_frames):
        gif.seek(i)
        levels.append(float(np.asarray(gif.convert("L")).mean()))
    # frames 30..44 of the clip: levels about 120..176, nothing from before 1 s or after 1.5 s
    assert 100 < min(levels) and max(levels) < 190, levels


@pytest.mark.parametrize("o", range(1, 9))
def test_orient_points_follow_exif_orient_and_invert(o: int) -> None:
    from brightroom.io.images.heif import exif_orient
    from brightroom.studio.app import _orient_points

    stored = np.zeros((6, 10), np.uint8)
    stored[1, 7] = 1  # the pixel whose centre is at (7.5, 1.5) of 10 x 6
    up = exif_orient(stored, o)
    (y,), (x,) = np.nonzero(up)
    got = _orient_points(np.array([[7.5 / 10, 1.5 / 6]]), o)[0]
    assert np.allclose(got, [(x + 0.5) / up.shape[1], (y + 0.5) / up.shape[0]])
    assert np.allclose(_orient_points(got[None], o, inverse=True)[0], [0.75, 0.25])


def _pdf_aspect(pdf: bytes) -> float:
    import re

    w, h = (float(v) for v in re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf).groups())
    return w / h


@pytest.mark.slow
def test_page_corners_found_on_a_turned_photo_and_dragged_ones_drive_the_scan(
        client: TestClient, lib: Path) -> None:
    from brightroom.lab.scan_pages import scan_case

    case = scan_case("eng-body-tilt20", size=(900, 1200), dpi=90)
    # stored turned a quarter anticlockwise with EXIF orientation 6: upright, it is the photo
    stored = np.ascontiguousarray(np.rot90(case.photo, 1))
    brightroom.write(brightroom.Image(stored.astype(np.float32) / 255, space="display",
                                      transfer="sRGB", metadata={"orientation": 6}),
                     lib / "turned.jpg", quality=95)
    assert brightroom.read_image(lib / "turned.jpg").metadata["orientation"] == 6
    pid = _ids(client)["turned.jpg"]
    r = client.get(f"/api/photos/{pid}/page")
    assert r.status_code == 200, r.text
    found = np.array(r.json()["corners"])  # fractions of the stored picture (the preview)
    H, W = case.photo.shape[:2]
    # the true corners, upright pixels (x, y) -> fractions of the stored picture (H wide, W
    # high: a quarter turn anticlockwise puts upright (x, y) at stored (y, W - x))
    truth = np.stack([case.corners[:, 1] / H, 1 - case.corners[:, 0] / W], axis=1)
    err = min(np.abs(np.roll(found, k, axis=0) - truth).max() for k in range(4))
    assert err < 0.01, (found, truth)
    jobs = {}
    for name, q in (("found", found), ("top half", None)):
        if q is None:  # the page's upper half only (upright), in stored fractions
            up = np.array(r.json()["corners"])  # stored
            from brightroom.studio.app import _orient_points

            u = _orient_points(up, 6)  # upright fractions, clockwise from top-left
            u = u[np.argsort(u[:, 1])]
            top = u[:2][np.argsort(u[:2, 0])]
            bottom = u[2:][np.argsort(u[2:, 0])[::-1]]
            mid = (top + bottom[::-1]) / 2
            q = _orient_points(np.array([top[0], top[1], mid[1], mid[0]]), 6, inverse=True)
        resp = client.post("/api/jobs", json={"kind": "scan", "photo": pid, "mode": "gray",
                                              "corners": q.tolist()})
        assert resp.status_code == 202, resp.text
        jobs[name] = _wait(client, resp.json()["id"])
        assert jobs[name]["state"] == "done", jobs[name]
    a_found, a_half = (_pdf_aspect(client.get(f"/api/exports/{jobs[n]['output']}").content)
                       for n in ("found", "top half"))
    # the true page is 900 x 1200, portrait (scan may snap it to A4's 0.707); its top half is
    # twice as wide for its height
    assert 0.69 < a_found < 0.77 and 1.7 < a_half / a_found < 2.3, (a_found, a_half)
    bad = client.post("/api/jobs", json={"kind": "scan", "photo": pid, "corners": [[0, 0], [1]]})
    assert bad.status_code == 400 and "corners" in bad.json()["error"]


def test_page_corners_refuse_a_video_and_say_when_there_is_no_page(
        client: TestClient, lib: Path) -> None:
    rng = np.random.default_rng(1)
    cv2.imwrite(str(lib / "clutter.png"), (rng.random((300, 400, 3)) * 80).astype(np.uint8))
    pid = _ids(client)["clutter.png"]
    r = client.get(f"/api/photos/{pid}/page")
    assert r.status_code == 200 and r.json()["corners"] is None
    assert "no page found" in r.json()["note"]


def test_a_lab_report_opens_as_a_page_and_names_are_confined(client: TestClient, lib: Path) -> None:
    exports = Library(lib).exports
    folder = exports / "lab-default-1"
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<!doctype html><title>lab</title>", encoding="utf-8")
    r = client.get("/api/exports/lab-default-1/report")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<title>lab</title>" in r.text
    for bad in ("..", ".hidden", "lab-default-2", "%2e%2e", "lab-default-1%2freport.html"):
        r = client.get(f"/api/exports/{bad}/report")
        assert r.status_code == 404, bad
        assert "error" in r.json()
    outside = lib.parent / "elsewhere"
    outside.mkdir()
    (outside / "report.html").write_text("secret", encoding="utf-8")
    (exports / "linked").symlink_to(outside, target_is_directory=True)
    assert client.get("/api/exports/linked/report").status_code == 404


@pytest.mark.slow
def test_a_batch_job_develops_the_selection_as_the_cli_does(client: TestClient, lib: Path) -> None:
    write_dng(simulate(dead_leaves((160, 240), seed=2), lux=300, seed=2), lib / "second.dng")
    ids = _ids(client)
    r = client.post("/api/jobs", json={"kind": "batch", "photos": [ids["shot.dng"], ids["second.dng"]]})
    assert r.status_code == 202, r.text
    state = _wait(client, r.json()["id"])
    assert state["state"] == "done" and state["output"] == "batch-1", state
    folder = Library(lib).exports / "batch-1"
    for stem in ("shot", "second"):
        brightroom.develop(lib / f"{stem}.dng", lib.parent / f"{stem}.jpg")  # the CLI's call
        got = brightroom.read_image(folder / f"{stem}.jpg").data
        ref = brightroom.read_image(lib.parent / f"{stem}.jpg").data
        # the batch's threads may run a kernel's parallel JIT where the CLI runs its AOT build
        # (a few codes at some pixels, see brightroom._jit); the same recipe and size
        assert got.shape == ref.shape and np.abs(got.astype(np.float64) - ref).max() <= 8 / 255
    bad = client.post("/api/jobs", json={"kind": "batch", "photos": [ids["photo.jpg"]]})
    assert bad.status_code == 400 and "raw" in bad.json()["error"]
