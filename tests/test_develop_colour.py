"""Tests of the colour stage (camera_rgb -> linear_rgb) and camera_to_output."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from brightroom.color.profile import camera_to_rgb_matrix
from brightroom.color.spaces import get_space
from brightroom.develop import colour as cs
from brightroom.develop.pipeline import Stage
from brightroom.errors import ParameterError, PipelineError, RecipeError
from brightroom.io.raw import RawFormatWarning
from brightroom.types import CameraInfo, FrameState, Image, WhiteBalance

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import colour

CM_D65 = np.array([[0.6461, -0.1164, -0.0857], [-0.3825, 1.1597, 0.2534], [-0.0416, 0.1540, 0.6039]])
CM_A = np.array([[0.7000, -0.1300, -0.0600], [-0.3600, 1.1200, 0.2700], [-0.0600, 0.1900, 0.7300]])
CAM = CameraInfo(color_matrix1=CM_A, illuminant1=17, color_matrix2=CM_D65, illuminant2=21)
N = (0.5, 1.0, 0.7)


def _wb(neutral=N) -> FrameState:
    return FrameState(white_balance=WhiteBalance(neutral))


def _img(data: np.ndarray, camera: CameraInfo | None = CAM, **kw) -> Image:
    return Image(data.astype(np.float32), space="camera_rgb", primaries="camera",
                 camera=camera, **kw)


def test_neutral_stays_exactly_grey():
    data = np.ones((4, 5, 3), np.float32) * np.linspace(0.1, 1.0, 5, dtype=np.float32)[:, None]
    img = _img(data, state=_wb())
    out = Stage.build("colour")(img)
    assert out.space == "linear_rgb" and out.primaries == "sRGB" and out.transfer == "linear"
    assert out.data.dtype == np.float32
    # R = G = B up to one float32 rounding; exactly for the white (1, 1, 1)
    assert np.allclose(out.data, out.data[..., 1:2], rtol=2e-7, atol=0)
    assert np.all(out.data[:, -1] == out.data[0, -1, 0])
    assert np.allclose(out.data[..., 1], data[..., 1], rtol=1e-5)


def test_fast_path_matches_numpy_reference():
    rng = np.random.default_rng(4)
    data = rng.uniform(-0.1, 2.0, (33, 17, 3)).astype(np.float32)
    m = camera_to_rgb_matrix(CAM, N, "sRGB")
    ref = (data.reshape(-1, 3) @ m.astype(np.float32).T).reshape(data.shape)
    assert np.allclose(cs.apply_matrix(data, m), ref, rtol=1e-6, atol=1e-6)


def test_matches_matrix_and_float64_reference():
    rng = np.random.default_rng(0)
    data = rng.uniform(0, 1, (16, 16, 3)).astype(np.float32)
    img = _img(data, state=_wb())
    before = data.copy()
    out = cs.colour(img, cs.ColourParams(space="Display P3"))
    m = camera_to_rgb_matrix(CAM, (0.5, 1.0, 0.7), "Display P3")
    ref = data.astype(np.float64) @ m.T
    assert np.allclose(out.data, ref, atol=2e-6)
    assert np.array_equal(img.data, before)
    assert out.primaries == "Display P3"


def test_camera_that_is_srgb_passes_through():
    # camera RGB = linear sRGB (ColorMatrix = XYZ -> sRGB under D65); D65 white neutral (1,1,1)
    cam = CameraInfo(color_matrix1=np.linalg.inv(get_space("sRGB").to_xyz), illuminant1=21)
    rng = np.random.default_rng(1)
    data = rng.uniform(0, 1, (8, 8, 3)).astype(np.float32)
    out = cs.camera_to_output(data, cam, (1.0, 1.0, 1.0))
    assert np.allclose(out, data, atol=5e-4)
    p3 = cs.camera_to_output(data, cam, (1.0, 1.0, 1.0), space="Display P3")
    ref = colour.RGB_to_RGB(data.astype(np.float64), colour.RGB_COLOURSPACES["sRGB"],
                            colour.RGB_COLOURSPACES["Display P3"], None)
    assert np.allclose(p3, ref, atol=5e-4)


def test_identity_and_errors():
    data = np.random.default_rng(2).uniform(0, 1, (4, 4, 3)).astype(np.float32)
    out = cs.colour(_img(data, camera=None, state=_wb()), cs.ColourParams(matrix="identity"))
    assert np.array_equal(out.data, data)
    # no matrix: the documented fallback (identity) with one warning, no error
    with pytest.warns(RawFormatWarning, match="ColorMatrix1"):
        out = cs.colour(_img(data, camera=CameraInfo(), state=_wb()), cs.ColourParams())
    np.testing.assert_array_equal(out.data, data)
    with pytest.raises(PipelineError, match="white_balance"):
        cs.colour(_img(data), cs.ColourParams())
    with pytest.raises(ParameterError):
        cs.ColourParams(space="ProPhoto")
    with pytest.raises(RecipeError):
        Stage.build("colour", {"matrix": "magic"})
    with pytest.raises(PipelineError):
        Stage.build("colour")(Image(data, space="linear_rgb", primaries="sRGB"))
    with pytest.raises(ParameterError):
        cs.camera_to_output(data[..., :2], CAM, N)


def test_baseline_exposure_scales_the_output():
    import numpy as np

    from brightroom.develop.colour import ColourParams, colour
    from brightroom.types import CameraInfo, Image

    cam = CameraInfo(color_matrix1=np.array([[0.7, 0.2, -0.05], [-0.25, 1.15, 0.1],
                                             [0.0, 0.2, 0.55]]), illuminant1=21,
                     as_shot_neutral=(0.55, 1.0, 0.75))
    data = np.full((4, 4, 3), 0.1, np.float32)
    base = Image(data, space="camera_rgb", primaries="camera", camera=cam,
                 state=_wb((0.55, 1.0, 0.75)))
    plain = colour(base, ColourParams())
    lifted = colour(base.replace(camera=cam.replace(baseline_exposure=1.5)), ColourParams())
    np.testing.assert_allclose(lifted.data, plain.data * 2 ** 1.5, rtol=1e-5)
    assert lifted.state.exposure_ev == 1.5 and plain.state.exposure_ev == 0.0
    off = colour(base.replace(camera=cam.replace(baseline_exposure=1.5)),
                 ColourParams(baseline_exposure=False))
    np.testing.assert_allclose(off.data, plain.data, rtol=1e-6)


def test_version_1_tables_render_without_baseline_exposure():
    assert cs.ColourParams.from_mapping({"space": "sRGB"}, version=1).baseline_exposure is False
    assert cs.ColourParams.from_mapping({"baseline_exposure": True}, version=1).baseline_exposure
    assert cs.ColourParams.from_mapping({}, version=2).baseline_exposure
    assert cs.ColourParams.from_mapping({}).baseline_exposure  # no version: current
    with pytest.raises(RecipeError, match="version 3, newer"):
        cs.ColourParams.from_mapping({}, version=3)
