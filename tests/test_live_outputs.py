"""Live outputs: the MJPEG preview on loopback (page, single frame, a multipart stream read by a
client while frames are published), its refusals, and the virtual camera's message without
pyvirtualcam."""

from __future__ import annotations

import importlib.util
import threading
import urllib.request

import cv2
import numpy as np
import pytest

from brightroom.errors import ParameterError
from brightroom.live.outputs import OutputUnavailableError, PreviewServer, VirtualCamera


def _frame(v: int) -> np.ndarray:
    f = np.zeros((48, 64, 3), np.uint8)
    f[..., 0] = v
    return f


def test_preview_serves_page_frame_and_stream():
    with PreviewServer(0) as srv:
        assert srv.url.startswith("http://127.0.0.1:") and srv.port > 0
        page = urllib.request.urlopen(srv.url, timeout=5).read()
        assert b"/stream.mjpg" in page
        with pytest.raises(urllib.error.HTTPError):  # no frame yet
            urllib.request.urlopen(srv.url + "frame.jpg", timeout=5)
        srv.publish(_frame(200))
        jpg = urllib.request.urlopen(srv.url + "frame.jpg", timeout=5).read()
        img = cv2.imdecode(np.frombuffer(jpg, np.uint8), cv2.IMREAD_COLOR)
        assert img.shape == (48, 64, 3) and abs(int(img[..., 2].mean()) - 200) < 6
        resp = urllib.request.urlopen(srv.url + "stream.mjpg", timeout=5)
        assert resp.headers["Content-Type"].startswith("multipart/x-mixed-replace")
        stop = threading.Event()

        def feed():
            v = 0
            while not stop.is_set():
                srv.publish(_frame(v % 256))
                v += 40
                stop.wait(0.02)

        t = threading.Thread(target=feed)
        t.start()
        try:
            data = b""
            while data.count(b"--brightroomframe") < 3:
                data += resp.read1(65536)
        finally:
            stop.set()
            t.join()
        assert data.count(b"Content-Type: image/jpeg") >= 2 and srv.frames_sent >= 2


def test_preview_refuses_other_interfaces_and_busy_ports():
    with pytest.raises(ParameterError, match="loopback"):
        PreviewServer(0, host="0.0.0.0")
    with PreviewServer(0) as srv, pytest.raises(OutputUnavailableError, match="port"):
        PreviewServer(srv.port)


@pytest.mark.skipif(importlib.util.find_spec("pyvirtualcam") is not None,
                    reason="pyvirtualcam is installed: the missing-module message is not shown")
def test_virtual_camera_without_pyvirtualcam_names_what_to_install():
    with pytest.raises(OutputUnavailableError, match="pip install pyvirtualcam"):
        VirtualCamera(30)


def test_stream_to_file_feeds_the_preview_while_it_writes(tmp_path):
    from brightroom.live.engine import LiveParams, LiveSession, stream_to_file, synthetic_source

    seen = []

    class Probe:
        closed = False

        def __call__(self, frame):
            seen.append(frame.shape)

        def close(self):
            Probe.closed = True

    srv = PreviewServer(0)
    session = LiveSession(synthetic_source((64, 48), 30, 5), LiveParams(effect="none"))
    st = stream_to_file(session, None, sinks=[srv, Probe()])
    assert st.frames_out == 5 and seen == [(48, 64, 3)] * 5 and srv.published == 5
    assert Probe.closed  # the sinks are closed with the stream: the preview stops serving
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(srv.url, timeout=5)
    assert list(tmp_path.iterdir()) == []  # no file was asked for
