"""Exact algebraic simplification of PP-OCR's ONNX graphs, so that ONNX Runtime runs them faster.

PP-OCRv4's models (the PP-LCNetV3 backbone, Du et al. 2020 and PaddleOCR's PP-OCRv4 report)
were exported by paddle2onnx with every activation and every *learnable affine block* (a scalar
``k * x + b`` after a convolution and after its activation) written out as single elementwise
nodes. Per convolution that is nine passes over the feature map::

    Conv -> Mul(a) -> Add(b) -> Add(3) -> Clip(0, 6) -> Mul(x, .) -> Div(6) -> Mul(c) -> Add(d) -> Conv

ONNX Runtime fuses none of this pattern, and on the recogniser these elementwise passes are about
60 % of the time (its profiler on a 6 x 48 x 1280 batch). :func:`fuse_graph` rewrites, without
changing what the model computes (outputs equal to float rounding, ~3e-6 on logits of order 10):

1. ``Conv -> Mul(a) -> Add(b)`` becomes one ``Conv`` with weights ``a W`` and bias ``a B + b``.
2. The hard-swish ``x * clip(x + 3, 0, 6) / 6`` (Howard et al. 2019) becomes
   ``x * HardSigmoid(x; alpha=1/6, beta=1/2)``, the same function in two nodes instead of four
   (opset 12 of these models has no ``HardSwish`` node, and raising the opset would change
   other nodes' signatures).
3. ``Mul(c) -> Add(d) -> Conv`` with a 1 x 1 kernel and no padding becomes one ``Conv`` with
   weights ``c W`` and bias ``B + d sum(W)``. Before a padded (3 x 3 depthwise) convolution the
   affine block is kept: folding it would change the border, where the padding is zero.

References
----------
Du, Y. et al. (2020). PP-OCR: A practical ultra lightweight OCR system. arXiv:2009.09941.
Howard, A. et al. (2019). Searching for MobileNetV3. ICCV 2019, 1314-1324 (hard-swish).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["fuse_graph"]


def fuse_graph(model: Path | bytes) -> tuple[bytes, dict[str, int]]:
    """``model`` (an ONNX file or its bytes) with the rewrites of the module docstring.

    Parameters
    ----------
    model
        An ONNX model (path or serialised bytes).

    Returns
    -------
    bytes
        The rewritten model, serialised (for ``onnxruntime.InferenceSession``).
    dict
        How many of each rewrite were made: ``conv_affine``, ``hardswish``, ``affine_conv1x1``.

    Raises
    ------
    ImportError
        The ``onnx`` package is not installed.
    """
    import onnx  # lazy: only needed once, when the PP-OCR engine is built
    from onnx import helper, numpy_helper

    m = onnx.load_from_string(model) if isinstance(model, bytes) else onnx.load(str(model))
    g = m.graph
    consts: dict[str, np.ndarray] = {n.output[0]: numpy_helper.to_array(n.attribute[0].t)
                                     for n in g.node if n.op_type == "Constant" and n.attribute
                                     and n.attribute[0].name == "value"}
    consts.update({t.name: numpy_helper.to_array(t) for t in g.initializer})
    outputs = {o.name for o in g.output}
    nodes = [n for n in g.node if not (n.op_type == "Constant" and n.output[0] in consts)]
    counts = {"conv_affine": 0, "hardswish": 0, "affine_conv1x1": 0}

    def consumers(nodes_: list) -> dict[str, list]:
        c: dict[str, list] = {}
        for n in nodes_:
            for i in n.input:
                c.setdefault(i, []).append(n)
        return c

    def scalar(name: str) -> float | None:
        v = consts.get(name)
        return float(v.ravel()[0]) if v is not None and v.size == 1 else None

    def other_scalar(n, x: str) -> float | None:
        """The scalar constant operand of the binary node ``n`` whose other operand is ``x``."""
        rest = [i for i in n.input if i != x]
        return scalar(rest[0]) if len(n.input) == 2 and len(rest) == 1 else None

    def sole(cons: dict, name: str, op: str):
        c = cons.get(name, [])
        return c[0] if len(c) == 1 and c[0].op_type == op and name not in outputs else None

    def conv_params(n) -> tuple[np.ndarray, np.ndarray] | None:
        if n.input[1] not in consts or (len(n.input) > 2 and n.input[2] not in consts):
            return None
        w = consts[n.input[1]].astype(np.float32)
        b = consts[n.input[2]].astype(np.float32) if len(n.input) > 2 else np.zeros(w.shape[0], np.float32)
        return w, b

    new: dict[str, np.ndarray] = {}
    cons = consumers(nodes)
    drop: set[int] = set()
    repl: dict[int, list] = {}
    # 1. Conv -> Mul(a) -> Add(b)  =>  Conv(a W, a B + b); every Conv gets its own initialisers
    for n in nodes:
        if n.op_type != "Conv" or (p := conv_params(n)) is None:
            continue
        w, b = p
        out = n.output[0]
        mul = sole(cons, out, "Mul")
        a = other_scalar(mul, out) if mul is not None else None
        add = sole(cons, mul.output[0], "Add") if a is not None else None
        bb = other_scalar(add, mul.output[0]) if add is not None else None
        if bb is not None:
            w, b, out = a * w, a * b + bb, add.output[0]
            drop |= {id(mul), id(add)}
            counts["conv_affine"] += 1
        k = len(new) // 2
        wn, bn = f"fused_conv{k}_w", f"fused_conv{k}_b"
        new[wn], new[bn] = w, b
        attrs = {a_.name: helper.get_attribute_value(a_) for a_ in n.attribute}
        repl[id(n)] = [helper.make_node("Conv", [n.input[0], wn, bn], [out], name=n.name, **attrs)]
    # 2. Add(x, 3) -> Clip(0, 6) -> Mul(x, .) -> Div(6)  =>  Mul(x, HardSigmoid(x))
    for n in nodes:
        if n.op_type != "Add" or id(n) in drop or len(n.input) != 2:
            continue
        xs = [i for i in n.input if i not in consts]
        if len(xs) != 1 or other_scalar(n, xs[0]) != 3.0:
            continue
        x = xs[0]
        clip = sole(cons, n.output[0], "Clip")
        if (clip is None or len(clip.input) != 3 or scalar(clip.input[1]) != 0.0
                or scalar(clip.input[2]) != 6.0):
            continue
        mul = sole(cons, clip.output[0], "Mul")
        if mul is None or sorted(mul.input) != sorted([x, clip.output[0]]):
            continue
        div = sole(cons, mul.output[0], "Div")
        if div is None or div.input[0] != mul.output[0] or scalar(div.input[1]) != 6.0:
            continue
        drop |= {id(clip), id(mul), id(div)}
        gate = div.output[0] + "_hardsigmoid"
        repl[id(n)] = [helper.make_node("HardSigmoid", [x], [gate], alpha=1.0 / 6.0, beta=0.5),
                       helper.make_node("Mul", [x, gate], [div.output[0]])]
        counts["hardswish"] += 1
    nodes = [r for n in nodes if id(n) not in drop for r in repl.get(id(n), [n])]
    # 3. Mul(c) -> Add(d) -> Conv 1x1 without padding  =>  Conv(c W, B + d sum W)
    consts.update(new)
    cons = consumers(nodes)
    drop = set()
    for n in nodes:
        if n.op_type != "Mul" or len(n.input) != 2:
            continue
        xs = [i for i in n.input if i not in consts]
        if len(xs) != 1 or (c := other_scalar(n, xs[0])) is None:
            continue
        add = sole(cons, n.output[0], "Add")
        d = other_scalar(add, n.output[0]) if add is not None else None
        conv = sole(cons, add.output[0], "Conv") if d is not None else None
        if conv is None or conv.input[0] != add.output[0] or conv.input[1] not in new:
            continue
        attrs = {a_.name: helper.get_attribute_value(a_) for a_ in conv.attribute}
        if list(attrs.get("kernel_shape", [])) != [1, 1] or any(attrs.get("pads", [0])):
            continue
        w, b = new[conv.input[1]], new[conv.input[2]]
        new[conv.input[1]] = c * w
        new[conv.input[2]] = b + d * w.reshape(w.shape[0], -1).sum(axis=1)
        conv.input[0] = xs[0]
        drop |= {id(n), id(add)}
        counts["affine_conv1x1"] += 1
    nodes = [n for n in nodes if id(n) not in drop]
    used = {i for n in nodes for i in n.input}
    kept = [helper.make_node("Constant", [], [k], value=numpy_helper.from_array(v, k))
            for k, v in consts.items() if k in used and k not in new
            and k not in {t.name for t in g.initializer}]
    inits = [t for t in g.initializer if t.name in used and t.name not in new]
    inits += [numpy_helper.from_array(np.ascontiguousarray(v, np.float32), k)
              for k, v in new.items() if k in used]
    del g.node[:]
    g.node.extend(kept + nodes)
    del g.initializer[:]
    g.initializer.extend(inits)
    onnx.checker.check_model(m)
    return m.SerializeToString(), counts
