"""Animated images: GIF, WebP and APNG from a clip, a Live Photo, a burst or frames.

The public entry point is :func:`brightroom.animate` (files in and out). The modules:

* :mod:`~brightroom.animate.frames`: the clip (frames and durations) from the inputs, resizing,
  frame-rate change, boomerang;
* :mod:`~brightroom.animate.still`: cinemagraphs (a live region over a still frame);
* :mod:`~brightroom.animate.oklab`: the perceptual space decisions are made in;
* :mod:`~brightroom.animate.quantize`: Oklab k-means palettes, nearest colours, stable ordered
  dithering;
* :mod:`~brightroom.animate.encoder`: the GIF encoder (per-frame or shared palettes, changed
  rectangles with transparency, lossy LZW, the size search);
* :mod:`~brightroom.animate.lzw`, :mod:`~brightroom.animate.gif`: the GIF container and its LZW,
  written here;
* :mod:`~brightroom.animate.formats`: WebP and APNG through Pillow;
* :mod:`~brightroom.animate.run`: a clip to bytes in each format, at a quality or a size.

This package imports nothing itself: ``brightroom.animate`` is also the name of the API
function, which the package root binds when it is imported (see :mod:`brightroom`).
"""
