"""brightroom.lab.portrait_scenes: the layered synthetic portrait scenes and their matte."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.errors import ParameterError
from brightroom.lab.portrait_scenes import PORTRAIT_SCENES, astronaut_matte, portrait_scene


def test_matte_is_a_person_silhouette():
    m = astronaut_matte()
    assert m.shape == (512, 512) and set(np.unique(m)) <= {0.0, 1.0}
    assert 0.45 < m.mean() < 0.6
    assert m[80, 225] == 1 and m[40, 40] == 0  # face in, flag out


def test_scene_composite_and_depth():
    sc = portrait_scene(size=128, seed=3)
    assert sc.image.shape == (128, 128, 3) and sc.depth.shape == (128, 128)
    assert set(np.unique(sc.depth)) <= {1.5, 3.0, 8.0}
    fg = sc.layers[0]
    # hair strands give fractional alpha outside the hand-made matte
    assert ((fg.alpha > 0.05) & (fg.alpha < 0.95)).sum() > 100
    with pytest.raises(ParameterError):
        portrait_scene(subject_distance=5.0, mid_distance=3.0)


def test_lab_scene_set():
    assert set(PORTRAIT_SCENES) == {"astronaut-hedge", "astronaut-wall", "astronaut-highlights"}
    sc = portrait_scene("astronaut-wall", size=64, **PORTRAIT_SCENES["astronaut-wall"])
    assert [lay.name for lay in sc.layers] == ["subject", "wall"]
    assert sc.display.min() >= 0 and sc.display.max() <= 1
