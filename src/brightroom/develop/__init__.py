"""The develop pipeline: stages with declared spaces, recipes and the shipped recipes.

This package holds the internals (:mod:`~brightroom.develop.pipeline`,
:mod:`~brightroom.develop.recipe`, :mod:`~brightroom.develop.run`, one module per stage). The
public function is :func:`brightroom.develop`, which shares this package's name: the package
root binds that name to the function, and the function carries this package's namespace, so
``brightroom.develop.recipe`` still names the :mod:`brightroom.develop.recipe` module (see
:mod:`brightroom`).
"""
