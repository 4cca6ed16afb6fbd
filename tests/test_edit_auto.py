"""--auto: a dark, flat photo gets more exposure and contrast, a bright one less exposure."""

from __future__ import annotations

import numpy as np
from skimage import data

from brightroom.color.spaces import srgb_decode
from brightroom.edit.auto import auto_settings
from brightroom.edit.params import BasicPanel


def test_auto_follows_the_statistics():
    img = srgb_decode(data.astronaut().astype(np.float32) / 255)
    dark = auto_settings(img * 0.1)
    bright = auto_settings(np.clip(img * 3, 0, 1))
    assert dark["exposure"] > 0.5 and bright["exposure"] < dark["exposure"]
    flat = auto_settings(0.15 + 0.02 * img)
    assert flat["contrast"] > 0 and flat["vibrance"] > 0
    for s in (dark, bright, flat):
        BasicPanel(**s)  # all within range
    grey = np.full((64, 64, 3), 0.18, np.float32)
    assert auto_settings(grey)["exposure"] == 0.0
