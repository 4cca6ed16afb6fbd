"""Live: real-time background blur or replacement, beauty and looks on a stream (floor 4).

* :mod:`~brightroom.live.effects`: the per-frame effects (normalised masked background blur,
  background replacement, a skin mask and edge-preserving skin smoothing, a look as a table).
* :mod:`~brightroom.live.engine`: sources (a file, optionally played at its own rate, a V4L2
  webcam, an RTSP/HTTP stream through PyAV, a synthetic test source) and the pipelined engine:
  a generator of processed frames with bounded queues that drops frames (counted) rather than
  falling behind, and :func:`~brightroom.live.engine.stream_to_file` (MP4 and statistics).
"""

# Nothing is imported here: the package root binds the API function `live` over this name,
# so importing the package must stay free (see brightroom/__init__.py). The room's modules are
# brightroom.live.engine and brightroom.live.effects.
