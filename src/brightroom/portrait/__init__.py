"""Portrait mode: person segmentation, depth (phone map, stereo or layered) and lens-true bokeh.

The public entry point is :func:`brightroom.portrait` (a photo or a video, files in and out). The
modules:

* :mod:`~brightroom.portrait.photo`: :func:`~brightroom.portrait.photo.render_portrait`, the
  whole path for one photo, and :func:`~brightroom.portrait.photo.portrait_inputs` (its inputs
  from files);
* :mod:`~brightroom.portrait.segment`: the offline model + guided-filter edges;
* :mod:`~brightroom.portrait.depth`: alignment, layered depth, auto focus;
* :mod:`~brightroom.portrait.stereo`: SGBM + WLS;
* :mod:`~brightroom.portrait.bokeh`: rendering, :data:`~brightroom.portrait.bokeh.BOKEH_METHODS`,
  :data:`~brightroom.portrait.bokeh.LENS_STYLES`;
* :mod:`~brightroom.portrait.video`: temporally smoothed masks, PyAV in and out.

This package imports nothing itself: ``brightroom.portrait`` is also the name of the API
function, which the package root binds when it is imported (see :mod:`brightroom`), so the
package has to load without cost.
"""
