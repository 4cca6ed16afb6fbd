"""Outputs of the live room besides the MP4 file: a browser preview and a virtual camera.

* :class:`PreviewServer`: an MJPEG stream (``multipart/x-mixed-replace``, which every browser
  shows in an ``<img>``) on the loopback interface only, ``http://127.0.0.1:PORT/``. The
  engine hands it each frame (:meth:`PreviewServer.publish`: a reference is kept, nothing is
  encoded); each connected viewer's thread JPEG-encodes the newest frame when it is ready for
  one, so a slow viewer skips frames and never holds up the stream, and no viewer costs nothing.
* :class:`VirtualCamera`: frames sent to a v4l2loopback device through ``pyvirtualcam`` when
  that module is installed (it is optional); without it :class:`OutputUnavailableError` says
  what to install.

A sink is any callable taking a uint8 RGB frame, with an optional ``close()``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import cv2
import numpy as np

from brightroom.errors import BrightroomError, ParameterError

__all__ = ["PreviewServer", "VirtualCamera", "OutputUnavailableError", "LOOPBACK"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")
_BOUNDARY = b"brightroomframe"
_PAGE = (b"<!doctype html><meta charset=utf-8><title>Brightroom live</title>"
         b"<body style='margin:0;background:#111'><img src='/stream.mjpg' "
         b"style='display:block;margin:auto;max-width:100vw;max-height:100vh'></body>")


class OutputUnavailableError(BrightroomError):
    """An output cannot be opened: a missing optional module, a port in use."""


class PreviewServer:
    """An MJPEG preview on ``http://host:port/`` (loopback only; ``port=0`` picks a free one).

    Parameters
    ----------
    port
        TCP port, 0 for any free one (see :attr:`port`).
    host
        One of :data:`LOOPBACK` [127.0.0.1].
    quality
        JPEG quality 1..100 [80].
    """

    def __init__(self, port: int = 0, *, host: str = "127.0.0.1", quality: int = 80) -> None:
        if host not in LOOPBACK:
            raise ParameterError(f"the preview is served on the loopback interface only "
                                 f"({', '.join(LOOPBACK)}), not {host!r}")
        if not 0 <= port <= 65535 or not 1 <= quality <= 100:
            raise ParameterError(f"preview port must be 0..65535 and quality 1..100, got "
                                 f"{port}, {quality}")
        self.quality = quality
        self._cond = threading.Condition()
        self._frame: np.ndarray | None = None
        self._seq = 0  # frames published
        self._closed = False
        self.viewers = 0
        self.frames_sent = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet: the CLI prints, not the server
                pass

            def do_GET(self) -> None:
                if self.path in ("/", "/index.html"):
                    self._send(200, "text/html; charset=utf-8", _PAGE)
                elif self.path == "/frame.jpg":
                    jpg = server._latest_jpeg()
                    if jpg is None:
                        self._send(503, "text/plain", b"no frame yet\n")
                    else:
                        self._send(200, "image/jpeg", jpg)
                elif self.path == "/stream.mjpg":
                    self._stream()
                else:
                    self._send(404, "text/plain", b"not found\n")

            def _send(self, code: int, ctype: str, body: bytes) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def _stream(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary="
                                 + _BOUNDARY.decode())
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                with server._cond:
                    server.viewers += 1
                seen = -1
                try:
                    while True:
                        frame, seen = server._next(seen)
                        if frame is None:
                            return
                        jpg = server._encode(frame)
                        self.wfile.write(b"--" + _BOUNDARY + b"\r\nContent-Type: image/jpeg\r\n"
                                         + f"Content-Length: {len(jpg)}\r\n\r\n".encode()
                                         + jpg + b"\r\n")
                        server.frames_sent += 1
                except (BrokenPipeError, ConnectionResetError):
                    return
                finally:
                    with server._cond:
                        server.viewers -= 1

        try:
            self._httpd = ThreadingHTTPServer((host, port), Handler)
        except OSError as e:
            raise OutputUnavailableError(f"cannot serve the preview on {host}:{port} "
                                         f"({e.strerror}); choose another port") from None
        self._httpd.daemon_threads = True
        self.host, self.port = host, int(self._httpd.server_address[1])
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={
            "poll_interval": 0.1}, name="brightroom-live-preview", daemon=True)
        self._thread.start()

    @property
    def published(self) -> int:
        """Frames handed to :meth:`publish` so far."""
        return self._seq

    @property
    def url(self) -> str:
        """The page's address."""
        return f"http://{self.host}:{self.port}/"

    def publish(self, frame: np.ndarray) -> None:
        """Offer the newest uint8 RGB frame (kept by reference: do not modify it after)."""
        with self._cond:
            self._frame = frame
            self._seq += 1
            self._cond.notify_all()

    __call__ = publish

    def _next(self, seen: int) -> tuple[np.ndarray | None, int]:
        with self._cond:
            while not self._closed and self._seq == seen:
                self._cond.wait(0.5)
            if self._closed:
                return None, seen
            return self._frame, self._seq

    def _encode(self, frame: np.ndarray) -> bytes:
        ok, buf = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR),
                               [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        if not ok:  # pragma: no cover - OpenCV encodes any uint8 RGB frame
            raise OutputUnavailableError("OpenCV could not encode a preview frame")
        return buf.tobytes()

    def _latest_jpeg(self) -> bytes | None:
        with self._cond:
            frame = self._frame
        return None if frame is None else self._encode(frame)

    def close(self) -> None:
        """Stop serving (viewers' streams end)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> PreviewServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def virtual_camera_available() -> bool:
    """Whether the optional ``pyvirtualcam`` module is installed."""
    return importlib.util.find_spec("pyvirtualcam") is not None


class VirtualCamera:
    """Frames to a virtual webcam (``pyvirtualcam`` over v4l2loopback on Linux), opened on the
    first frame at its size.

    Raises
    ------
    OutputUnavailableError
        ``pyvirtualcam`` is not installed, or no virtual camera device can be opened.
    """

    def __init__(self, fps: float = 30.0, *, device: str | None = None) -> None:
        if not virtual_camera_available():
            raise OutputUnavailableError(
                "the virtual camera needs the optional module pyvirtualcam (pip install "
                "pyvirtualcam) and, on Linux, the v4l2loopback kernel module (sudo modprobe "
                "v4l2loopback exclusive_caps=1); or write a file or use --preview")
        self.fps, self.device = fps, device
        self._cam: Any = None

    def __call__(self, frame: np.ndarray) -> None:
        """Send one uint8 RGB frame."""
        if self._cam is None:
            import pyvirtualcam  # lazy: optional dependency

            h, w = frame.shape[:2]
            try:
                self._cam = pyvirtualcam.Camera(width=w, height=h, fps=self.fps,
                                                device=self.device)
            except RuntimeError as e:
                raise OutputUnavailableError(f"cannot open a virtual camera ({e}); is "
                                             "v4l2loopback loaded?") from None
        self._cam.send(np.ascontiguousarray(frame))

    def close(self) -> None:
        """Release the device."""
        if self._cam is not None:
            with contextlib.suppress(Exception):
                self._cam.close()
            self._cam = None
