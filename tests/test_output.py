import numpy as np
import pytest

from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.develop.output import encode_output, encode_output_fast
from brightroom.develop.pipeline import Stage
from brightroom.errors import ParameterError, PipelineError
from brightroom.types import Image


def test_srgb_curve_published_points():
    # IEC 61966-2-1: linear 0.0031308 -> 0.04045, 0.18 -> ~0.4614, 1 -> 1
    x = np.array([0.0, 0.0031308, 0.18, 0.5, 1.0], np.float32)
    np.testing.assert_allclose(srgb_encode(x), [0.0, 0.04045, 0.46135, 0.73536, 1.0], atol=2e-5)
    np.testing.assert_allclose(srgb_decode(srgb_encode(x)), x, atol=1e-6)


def test_fast_matches_reference():
    rng = np.random.default_rng(1)
    rgb = (rng.random((300, 400, 3), dtype=np.float32) * 1.4 - 0.2).astype(np.float32)
    rgb[0, 0] = np.nan
    ref = encode_output(rgb)
    fast = encode_output_fast(rgb)
    ok = np.isfinite(ref)
    assert np.abs(fast[ok] - ref[ok]).max() < 2e-6
    assert fast[0, 0, 0] == 0.0
    assert fast.min() >= 0 and fast.max() <= 1


def test_output_stage():
    img = Image(np.full((4, 4, 3), 0.18, np.float32))
    out = Stage.build("output")(img)
    assert out.space == "display" and out.transfer == "sRGB"
    np.testing.assert_allclose(out.data, 0.46135, atol=1e-4)
    np.testing.assert_array_equal(img.data, np.float32(0.18))
    with pytest.raises(PipelineError):
        Stage.build("output")(Image(np.zeros((2, 2, 3), np.float32), space="camera_rgb",
                                    primaries="camera"))


def test_output_refuses_camera_primaries():
    from brightroom.develop.output import Output, OutputParams
    from brightroom.develop.pipeline import StageInput

    img = Image(np.zeros((2, 2, 3), np.float32), primaries="camera", space="camera_rgb")
    with pytest.raises(ParameterError):
        Output().plan(StageInput(img), OutputParams())


def test_output_params_upgrade_drops_the_kernel_switch():
    from brightroom.develop.output import OutputParams

    assert OutputParams.from_mapping({"transfer": "sRGB", "fast": False}, version=1) == \
        OutputParams()
    with pytest.raises(Exception, match="unknown parameter"):
        OutputParams.from_mapping({"fast": True}, version=2)
