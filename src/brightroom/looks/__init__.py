"""Looks: creative renderings as data, and camera calibration from colour charts.

* :mod:`~brightroom.looks.looks`: :class:`Look` (ordered operations, TOML files),
  :func:`list_looks`, :func:`load_look`, :func:`apply_look`, :func:`compose`.
* Operations: :mod:`~brightroom.looks.curves` (Fritsch-Carlson tone curves),
  :mod:`~brightroom.looks.grade` (lift/gamma/gain, split toning, saturation/vibrance),
  :mod:`~brightroom.looks.grain` (film grain), :mod:`~brightroom.looks.vignette`.
* Built-in looks (``brightroom/looks/data/*.toml``): ``natural``, ``authentic``, ``vibrant``,
  ``mono``, ``mono-hc``, ``film``.
* :mod:`~brightroom.looks.calibrate`: camera profiles fitted on a ColorChecker shot.
"""

from brightroom.looks.looks import (
    OPERATIONS,
    Look,
    Operation,
    apply_look,
    apply_look_array,
    bake_look,
    compose,
    list_looks,
    load_look,
    look_to_toml,
    parse_look,
)

__all__ = [
    "OPERATIONS",
    "Look",
    "Operation",
    "apply_look",
    "apply_look_array",
    "bake_look",
    "compose",
    "list_looks",
    "load_look",
    "look_to_toml",
    "parse_look",
]
