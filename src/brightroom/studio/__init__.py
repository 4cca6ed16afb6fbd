"""Brightroom Studio: a local web app over the public API (``brightroom studio``).

>>> from brightroom import studio
>>> studio.serve("~/Pictures", port=8765)                      # doctest: +SKIP

A shell on floor 6, beside the CLI: an ASGI app (Starlette, served by uvicorn) with a page that
works offline (no CDN: its HTML, CSS and JavaScript are in ``static/``), an HTTP API documented
at ``/openapi.json``, previews rendered on the server at screen size, and jobs (exports,
portraits, bursts, lab scores) in a bounded pool of processes with progress events. It listens
on loopback unless given a token; see :mod:`.library` for what it may read and write.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

from brightroom.errors import ParameterError
from brightroom.studio.app import StudioConfig, create_app

__all__ = ["create_app", "serve", "StudioConfig", "check_bind"]


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen beyond loopback without a token.

    Raises
    ------
    ParameterError
        ``host`` is not a loopback address and ``token`` is empty.
    """
    try:
        addrs = {ai[4][0] for ai in socket.getaddrinfo(host, None)}
    except OSError:
        raise ParameterError(f"--host {host!r}: not an address this machine has") from None
    loopback = all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addrs)
    if not loopback and not token:
        raise ParameterError(f"--host {host}: listening beyond this machine needs --token (every "
                             "request must then carry it)")


def serve(library: str | os.PathLike[str], *, host: str = "127.0.0.1", port: int = 8765,
          token: str | None = None, max_upload: int = 200 * 2**20,
          max_pixels: int = 300_000_000, open_browser: bool = False,
          leaderboard: str | os.PathLike[str] | None = None) -> None:
    """Run the studio until interrupted (``brightroom studio``)."""
    import uvicorn  # lazy: only when serving

    check_bind(host, token)
    cfg = StudioConfig(Path(library).expanduser(), token=token, max_upload=max_upload,
                       max_pixels=max_pixels,
                       leaderboard=None if leaderboard is None else Path(leaderboard))
    app = create_app(cfg)
    if open_browser:
        import threading  # lazy: only with --open
        import webbrowser  # lazy: only with --open

        url = f"http://{host}:{port}/" + (f"?token={token}" if token else "")
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning")
