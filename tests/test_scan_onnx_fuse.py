"""The PP-OCR graph rewrite: each rewrite on a small hand-built graph against NumPy, and the
three real models against their unmodified graphs (both run by ONNX Runtime)."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from brightroom.scan.onnx_fuse import fuse_graph


def _const(name, value):
    arr = numpy_helper.from_array(np.asarray(value, np.float32), name)
    return helper.make_node("Constant", [], [name], value=arr)


def _chain_model(rng):
    """x -> Conv3x3 -> Mul(a) -> Add(b) -> hard-swish -> Mul(c) -> Add(d) -> Conv1x1
    -> Mul(a2) -> Add(b2) -> hard-swish -> Mul(c2) -> Add(d2) -> depthwise Conv3x3 (padded)."""
    w1 = rng.normal(size=(4, 3, 3, 3)).astype(np.float32)
    b1 = rng.normal(size=4).astype(np.float32)
    w2 = rng.normal(size=(6, 4, 1, 1)).astype(np.float32)
    b2 = rng.normal(size=6).astype(np.float32)
    w3 = rng.normal(size=(6, 1, 3, 3)).astype(np.float32)
    b3 = rng.normal(size=6).astype(np.float32)
    s = {"a": 1.7, "b": 0.4, "c": 0.3, "d": -0.2, "a2": 0.8, "b2": -0.5, "c2": 1.3, "d2": 0.25}
    nodes = [_const(k, [v]) for k, v in s.items()]
    nodes += [_const("w1", w1), _const("b1", b1), _const("w2", w2), _const("b2w", b2), _const("w3", w3),
              _const("b3", b3), _const("three", [3.0]), _const("six", [6.0]),
              _const("zero", np.float32(0)), _const("sixs", np.float32(6))]

    def hswish(x, tag):
        return [helper.make_node("Add", [x, "three"], [f"{tag}p3"]),
                helper.make_node("Clip", [f"{tag}p3", "zero", "sixs"], [f"{tag}cl"]),
                helper.make_node("Mul", [x, f"{tag}cl"], [f"{tag}m"]),
                helper.make_node("Div", [f"{tag}m", "six"], [f"{tag}hs"])]

    nodes += [helper.make_node("Conv", ["x", "w1", "b1"], ["y1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
              helper.make_node("Mul", ["a", "y1"], ["y1a"]), helper.make_node("Add", ["y1a", "b"], ["y1b"]),
              *hswish("y1b", "h1"),
              helper.make_node("Mul", ["c", "h1hs"], ["y1c"]), helper.make_node("Add", ["y1c", "d"], ["y1d"]),
              helper.make_node("Conv", ["y1d", "w2", "b2w"], ["y2"], kernel_shape=[1, 1]),
              helper.make_node("Mul", ["a2", "y2"], ["y2a"]), helper.make_node("Add", ["y2a", "b2"], ["y2b"]),
              *hswish("y2b", "h2"),
              helper.make_node("Mul", ["c2", "h2hs"], ["y2c"]),
              helper.make_node("Add", ["y2c", "d2"], ["y2d"]),
              helper.make_node("Conv", ["y2d", "w3", "b3"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                               group=6)]
    g = helper.make_graph(nodes, "chain",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 9, 11])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 6, 9, 11])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 12)])
    m.ir_version = 7
    return m.SerializeToString(), (w1, b1, w2, b2, w3, b3, s)


def _conv(x, w, b, pad, group=1):
    """Direct NumPy convolution, NCHW, stride 1."""
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, cin, h, wd = x.shape
    cout, cg, kh, kw = w.shape
    out = np.zeros((n, cout, h - kh + 1, wd - kw + 1), np.float64)
    per = cout // group
    for o in range(cout):
        gi = o // per
        for i in range(cg):
            for dy in range(kh):
                for dx in range(kw):
                    win = x[:, gi * cg + i, dy:dy + out.shape[2], dx:dx + out.shape[3]]
                    out[:, o] += w[o, i, dy, dx] * win
    return out + b[None, :, None, None]


def _hswish(x):
    return x * np.clip(x + 3, 0, 6) / 6


def _run(model, x):
    s = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    return s.run(None, {s.get_inputs()[0].name: x})[0]


def test_each_rewrite_keeps_the_function_and_removes_the_nodes():
    rng = np.random.default_rng(3)
    model, (w1, b1, w2, b2, w3, b3, s) = _chain_model(rng)
    x = rng.normal(size=(1, 3, 9, 11)).astype(np.float32) * 3
    y = _hswish(s["a"] * _conv(x, w1, b1, 1) + s["b"]) * s["c"] + s["d"]
    y = _hswish(s["a2"] * _conv(y, w2, b2, 0) + s["b2"]) * s["c2"] + s["d2"]
    ref = _conv(y, w3, b3, 1, group=6)
    fused, counts = fuse_graph(model)
    # two Conv+affine folds, two hard-swishes, one affine into the 1x1 conv; the affine before the
    # padded depthwise conv stays (folding it would change the zero-padded border)
    assert counts == {"conv_affine": 2, "hardswish": 2, "affine_conv1x1": 1}
    ops = [n.op_type for n in onnx.load_from_string(fused).graph.node if n.op_type != "Constant"]
    assert ops.count("Clip") == 0 and ops.count("Div") == 0 and ops.count("HardSigmoid") == 2
    assert ops.count("Add") == 1 and ops.count("Mul") == 3  # 2 gates + the kept affine
    np.testing.assert_allclose(_run(model, x), ref, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(_run(fused, x), ref, rtol=1e-4, atol=1e-4)


@pytest.mark.slow
def test_the_ppocr_models_give_the_same_outputs():
    from brightroom.scan.ocr import ppocr_models

    rng = np.random.default_rng(0)
    for path in ppocr_models():
        shape = (2, 3, 48, 320) if "_rec_" in path.name else (2, 3, 48, 192) if "_cls_" in path.name \
            else (1, 3, 320, 256)
        x = rng.uniform(-1, 1, size=shape).astype(np.float32)
        fused, counts = fuse_graph(path)
        assert counts["hardswish"] > 0, path.name
        a, b = _run(str(path), x), _run(fused, x)
        assert np.abs(a - b).max() <= 1e-4 * max(1.0, np.abs(a).max()), path.name
