"""The ``edit`` room (floor 4): Lightroom's basic panel, geometry, heal, edit lists and presets.

An **edit list** (:class:`~brightroom.edit.params.EditList`) is data: the basic-panel controls
(exposure, contrast, highlights, shadows, whites, blacks, temperature, tint, vibrance,
saturation, texture, clarity, dehaze), a tone curve, HSL per colour band, sharpening and noise
reduction, vignette and grain, the geometry (crop, rotations, flips, free rotation,
perspective) and the heal spots (given, or found by dust detection). It is saved beside the
photo as versioned TOML (``IMG.jpg.brightroom.toml``), embedded in every output (as the
``edit`` stage of the recipe), and read from Lightroom / Camera Raw ``crs:`` XMP
(:mod:`brightroom.edit.xmp`).

Every control works scene-referred on linear RGB: inside the develop pipeline on raw input
(the ``edit`` stage, :mod:`brightroom.edit.stage`, after ``tone`` and before ``look`` and
``output``) and on the linearised pixels of a JPEG/HEIC/PNG/TIFF. Spatial parameters are in
relative units (fractions of the image), so a preview and the full-size export match.

Modules: ``params`` (the edit list and its TOML), ``tone`` (exposure, contrast, the
edge-aware tone bands, texture, clarity), ``colour`` (temperature/tint, vibrance, saturation,
HSL, curves), ``dehaze`` (He, Sun & Tang 2009), ``detail`` (sharpening, noise reduction),
``geometry`` (crop, rotations, auto-straighten, perspective and upright), ``heal`` (patch
search and Poisson blending; Criminisi et al. 2004), ``dust`` (dust spots on flat areas),
``auto``, ``render`` (the whole list in order), ``preview`` (the cached screen-size path),
``xmp``, ``stage``.

Like ``develop`` and ``portrait``, ``edit`` is both this package and an API function
(:func:`brightroom.edit`); this module imports nothing.
"""
