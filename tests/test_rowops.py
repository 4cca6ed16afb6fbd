"""Row operations: the row machine agrees with each operation's NumPy reference."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.color.spaces import srgb_encode
from brightroom.develop import pipeline
from brightroom.develop.kernels import rows
from brightroom.develop.output import output_lut
from brightroom.develop.rowops import (
    AddLuma,
    Curves,
    Encode,
    Matrix,
    Packer,
    PackFull,
    area_downsample,
    reference_ops,
    run_ops,
    run_ops_luma,
)
from brightroom.develop.tone import Tone, local_gain, luminance_weights
from brightroom.errors import ParameterError


@pytest.fixture
def rgb():
    rng = np.random.default_rng(7)
    a = rng.uniform(-0.05, 1.3, (37, 53, 3)).astype(np.float32)
    a[3, 4] = np.nan
    a[5, 6] = np.inf
    return a


M = np.array([[1.6, -0.4, -0.2], [-0.3, 1.5, -0.2], [0.05, -0.5, 1.45]])


def _finite(a):
    return np.isfinite(a).all(axis=-1)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # the NaN pixel, in NumPy
def test_matrix_and_add_match_reference(rgb):
    d = np.random.default_rng(1).normal(0, 0.01, rgb.shape[:2]).astype(np.float32)
    ops = (Matrix(M), AddLuma(d))
    got, want = run_ops(rgb, ops), reference_ops(rgb, ops)
    ok = _finite(rgb)
    np.testing.assert_allclose(got[ok], want[ok], rtol=1e-6, atol=1e-6)


def test_encode_matches_the_curve_and_makes_nan_black(rgb):
    lut = output_lut("sRGB")
    got = run_ops(rgb, (Encode(lut),))
    np.testing.assert_allclose(got, reference_ops(rgb, (Encode(lut),)), atol=1e-6)
    ok = _finite(rgb)
    np.testing.assert_allclose(got[ok], srgb_encode(np.clip(rgb[ok], 0, 1)), atol=2e-6)
    assert got[3, 4].tolist() == [0.0, 0.0, 0.0]  # NaN -> black, never a table index
    np.testing.assert_allclose(got[5, 6], 1.0, atol=1e-6)  # +inf clips to white
    assert got.min() >= 0 and got.max() <= 1


def test_curves_per_channel(rgb):
    t = np.linspace(0, 1, 257, dtype=np.float32)
    op = Curves(t**2, t, np.sqrt(t))
    got = run_ops(rgb, (op,))
    np.testing.assert_allclose(got, reference_ops(rgb, (op,)), atol=1e-6)
    x = np.clip(rgb[0, 0], 0, 1)
    np.testing.assert_allclose(got[0, 0], [x[0] ** 2, x[1], np.sqrt(x[2])], atol=2e-3)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("contrast", [1.0, 1.4])
def test_tone_op_matches_its_numpy_reference(contrast):
    rng = np.random.default_rng(2)
    a = (0.18 * np.exp2(rng.normal(0, 2, (64, 80, 1))) * rng.uniform(0.8, 1.2, (64, 80, 3))
         ).astype(np.float32)
    w = luminance_weights("sRGB")
    gain = local_gain(a, scale=1.5, weights=w)
    for g in (None, gain):
        op = Tone(w, 1.5, g, 4.0, contrast, 1.2)
        got, want = run_ops(a, (op,)), op.reference(a)
        # the kernel's log2/exp2 polynomials are good to about 1e-5 EV
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)


def test_luminance_of_a_chain(rgb):
    a = np.nan_to_num(rgb, posinf=1.0)
    w = np.array([0.2126, 0.7152, 0.0722], np.float32)
    got = run_ops_luma(a, (Matrix(M),), w)
    np.testing.assert_allclose(got, reference_ops(a, (Matrix(M),)) @ w, rtol=1e-5, atol=1e-6)


def test_linear_ops_commute_with_the_preview():
    rng = np.random.default_rng(3)
    a = rng.uniform(0, 1, (64, 96, 3)).astype(np.float32)
    d = rng.normal(0, 0.05, (64, 96)).astype(np.float32)
    ops = (Matrix(M), AddLuma(d))
    after = area_downsample(run_ops(a, ops), 8)
    before = run_ops(area_downsample(a, 8), tuple(o.preview(8) for o in ops))
    np.testing.assert_allclose(before, after, atol=1e-5)
    with pytest.raises(ParameterError, match="not linear"):
        Encode(output_lut("sRGB")).preview(8)


def test_one_compiled_signature_for_every_chain(monkeypatch: pytest.MonkeyPatch):
    from brightroom import _jit

    # the JIT's signatures (an installed AOT build is compiled from those the JIT saw, and has
    # one for run_rows too)
    assert len(_jit._AOT.load().get("brightroom.develop.kernels.rows:run_rows", {})) <= 1
    monkeypatch.setattr(rows.run_rows, "aot", lambda args: None, raising=False)
    run_ops(np.zeros((4, 4, 3), np.float32), (Matrix(M),))
    run_ops(np.zeros((4, 4, 3), np.float32), (Matrix(M), Encode(output_lut("sRGB"))))
    assert len(rows.run_rows.signatures) == 1


def test_packer_capacity_and_the_split_fallback():
    many = tuple(AddLuma(np.full((4, 5), 0.01 * k, np.float32)) for k in range(rows.N_PLANES + 2))
    with pytest.raises(PackFull):
        Packer().add(many)
    a = np.zeros((4, 5, 3), np.float32)
    out = pipeline._run_split(a, many)  # the schedule splits a chain that does not fit
    np.testing.assert_allclose(out, sum(0.01 * k for k in range(len(many))), atol=1e-6)


def test_bad_operations():
    with pytest.raises(ParameterError):
        Matrix(np.eye(2))
    with pytest.raises(ParameterError):
        Matrix(np.full((3, 3), np.nan))
    with pytest.raises(ParameterError):
        AddLuma(np.zeros((2, 2, 3)))
    with pytest.raises(ParameterError):
        Encode(np.zeros(1))
    with pytest.raises(ParameterError, match="does not fit"):
        AddLuma(np.zeros((2, 2))).reference(np.zeros((3, 3, 3), np.float32))
    assert run_ops(np.ones((2, 2, 3), np.float32), ()).sum() == 12  # no ops: the input


def test_neighbouring_matrices_are_packed_as_one():
    from brightroom.develop.rowops import fold_matrices

    rng = np.random.default_rng(4)
    a = rng.random((9, 11, 3), dtype=np.float32)
    m1, m2 = rng.normal(size=(3, 3)), np.eye(3) * 1.7
    d = AddLuma(np.full((9, 11), 0.01, np.float32))
    ops = (Matrix(m1), Matrix(m2), d, Matrix(m2))
    folded = fold_matrices(ops)
    assert len(folded) == 3 and np.allclose(folded[0].m, m2 @ m1)
    want = reference_ops(a, ops)  # one matrix after the other
    assert float(np.abs(run_ops(a, ops) - want).max()) <= 1e-5
    assert len(Packer().add(ops).args()[0]) == 3
