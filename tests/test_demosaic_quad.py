"""Tests of brightroom.develop.demosaic.quad (quad / nona / hexadeca binning and remosaic).

Truth: analytic scenes sampled through the quad CFA here; the binned mosaic must equal the
block means of the truth, the remosaiced mosaic the truth sampled through the Bayer CFA.
"""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.color.metrics import psnr
from brightroom.develop.demosaic import demosaic
from brightroom.develop.demosaic.quad import (
    bin_cfa,
    block_reflect_index,
    remosaic,
    remosaic_numpy,
)
from brightroom.errors import ParameterError
from brightroom.types import BAYER_PATTERNS, CFAPattern

BLOCKS = (2, 3, 4)


def mosaic(img: np.ndarray, pattern: CFAPattern) -> np.ndarray:
    idx = pattern.channel_index(*img.shape[:2]).astype(np.intp)
    return np.take_along_axis(img, idx[..., None], axis=2)[..., 0].astype(np.float32)


def smooth_scene(h: int = 96, w: int = 120) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    lum = 0.5 + 0.25 * np.sin(x / 9.0 + y / 13.0) + 0.1 * np.cos(y / 7.0 - x / 17.0)
    chroma = np.stack([1.0 + 0.3 * np.sin(x / 31.0), np.ones_like(x),
                       0.8 + 0.3 * np.cos(y / 29.0)], axis=-1)
    return (lum[..., None] * chroma).astype(np.float32)


FLAT = np.array([0.21, 0.73, -0.04], dtype=np.float32)


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("name", BAYER_PATTERNS)
def test_bin_constant_and_block_means(block: int, name: str) -> None:
    pat = CFAPattern(name, block)
    img = smooth_scene(8 * block, 10 * block)
    binned, bayer = bin_cfa(mosaic(img, pat), pat)
    assert bayer == CFAPattern(name) and binned.dtype == np.float32
    assert binned.shape == (8, 10)
    means = img.reshape(8, block, 10, block, 3).mean(axis=(1, 3))
    np.testing.assert_allclose(binned, mosaic(means, bayer), rtol=0, atol=1e-6)
    flat = np.broadcast_to(FLAT, img.shape)
    out = demosaic(mosaic(flat, pat), pat, quad="bin")
    assert out.shape == (8, 10, 3)
    np.testing.assert_allclose(out, np.broadcast_to(FLAT, out.shape), rtol=0, atol=2e-6)


def test_bin_partial_blocks() -> None:
    pat = CFAPattern("GRBG", 2)
    rng = np.random.default_rng(0)
    cfa = rng.random((9, 7), dtype=np.float32)
    binned, _ = bin_cfa(cfa, pat)
    assert binned.shape == (5, 4)
    assert binned[4, 3] == pytest.approx(cfa[8, 6])               # a 1 x 1 corner group
    assert binned[4, 0] == pytest.approx(cfa[8, 0:2].mean())      # a 1 x 2 group
    assert binned[1, 1] == pytest.approx(cfa[2:4, 2:4].mean())


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("name", BAYER_PATTERNS)
def test_remosaic_constant_exact(block: int, name: str) -> None:
    pat = CFAPattern(name, block)
    shape = (6 * block + 1, 5 * block + 3) if block > 1 else (8, 8)
    flat = np.broadcast_to(FLAT, shape + (3,))
    bay, bayer = remosaic(mosaic(flat, pat), pat)
    assert bayer == CFAPattern(name) and bay.shape == shape and bay.dtype == np.float32
    np.testing.assert_allclose(bay, mosaic(flat, bayer), rtol=0, atol=2e-6)


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("name", BAYER_PATTERNS)
def test_remosaic_smooth_scene(block: int, name: str) -> None:
    pat = CFAPattern(name, block)
    img = smooth_scene()
    cfa = mosaic(img, pat)
    bay, bayer = remosaic(cfa, pat)
    truth = mosaic(img, bayer)
    limit = {2: 44.0, 3: 40.0, 4: 37.0}[block]
    assert psnr(bay, truth, border=2 * block) > limit
    # Where the Bayer colour is the quad colour the sample is copied unchanged.
    same = pat.channel_index(*cfa.shape) == bayer.channel_index(*cfa.shape)
    np.testing.assert_array_equal(bay[same], cfa[same])
    # And the whole chain gives a good picture.
    out = demosaic(cfa, pat, method="malvar2004")
    assert psnr(out, img, border=2 * block) > limit - 4


def test_remosaic_beats_naive_copy() -> None:
    """The interpolation matters: copying each quad sample unchanged is much worse."""
    pat = CFAPattern("RGGB", 2)
    img = smooth_scene()
    cfa = mosaic(img, pat)
    bay, bayer = remosaic(cfa, pat)
    truth = mosaic(img, bayer)
    assert psnr(bay, truth, border=4) > psnr(cfa, truth, border=4) + 20


@pytest.mark.parametrize("edge", [13, 14, 15, 16])
@pytest.mark.parametrize("axis", [0, 1])
def test_remosaic_follows_edges(edge: int, axis: int) -> None:
    """A grey step edge: the gradient-weighted rule interpolates along it, so the Bayer
    mosaic is exact; averaging the two directions would smear it."""
    pat = CFAPattern("RGGB", 2)
    img = np.full((32, 32, 3), 0.2, np.float32)
    if axis:
        img[:, edge:] = 0.8
    else:
        img[edge:] = 0.8
    bay, bayer = remosaic(mosaic(img, pat), pat)
    np.testing.assert_allclose(bay, mosaic(img, bayer), rtol=0, atol=1e-6)


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("name", BAYER_PATTERNS)
def test_remosaic_numba_matches_numpy(block: int, name: str) -> None:
    rng = np.random.default_rng(block)
    pat = CFAPattern(name, block)
    for shape in [(2 * block, 2 * block), (2 * block + 1, 3 * block + 2), (50, 61)]:
        cfa = rng.normal(0.5, 0.3, shape).astype(np.float32)
        ref, ref_pat = remosaic_numpy(cfa, pat)
        fast, fast_pat = remosaic(cfa, pat)
        assert fast_pat == ref_pat and fast.dtype == np.float32 and fast.shape == shape
        assert np.abs(fast - ref).max() < 1e-5, shape


@pytest.mark.parametrize("block", (1, 2, 3, 4))
def test_block_reflect_index_keeps_colours(block: int) -> None:
    pat = CFAPattern("GBRG", block)
    n = 5 * block + 1
    idx = block_reflect_index(n, 2 * block, 2 * block, block)
    row_colour = pat.channel_index(n, 1)[:, 0]
    ext_colour = pat.channel_index(n + 4 * block + 2 * block * 4, 1)[:, 0]
    # the padded axis starts 2 * block before 0: a whole tile, so the phase is unchanged
    np.testing.assert_array_equal(row_colour[idx], ext_colour[: len(idx)])
    if block == 1:
        np.testing.assert_array_equal(idx, np.pad(np.arange(n), 2, mode="reflect"))


def test_input_not_modified() -> None:
    pat = CFAPattern("BGGR", 2)
    cfa = np.random.default_rng(1).random((16, 20), dtype=np.float32)
    keep = cfa.copy()
    cfa.setflags(write=False)
    remosaic(cfa, pat)
    remosaic_numpy(cfa, pat)
    bin_cfa(cfa, pat)
    demosaic(cfa, pat, method="menon2007")
    demosaic(cfa, pat, quad="bin")
    np.testing.assert_array_equal(cfa, keep)


@pytest.mark.parametrize("fn", [bin_cfa, remosaic, remosaic_numpy])
def test_bad_inputs(fn) -> None:  # noqa: ANN001
    with pytest.raises(ParameterError, match="already a Bayer"):
        fn(np.zeros((8, 8), np.float32), CFAPattern("RGGB"))
    with pytest.raises(ParameterError, match="float32"):
        fn(np.zeros((8, 8)), CFAPattern("RGGB", 2))
    with pytest.raises(ParameterError, match="2-D"):
        fn(np.zeros((8, 8, 3), np.float32), CFAPattern("RGGB", 2))
    with pytest.raises(ParameterError, match="smaller"):
        fn(np.zeros((5, 8), np.float32), CFAPattern("RGGB", 3))


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("name", BAYER_PATTERNS)
def test_gamma_domain_quad(block: int, name: str) -> None:
    """domain="gamma" remosaics in the encoded domain: flat fields stay exact, the quad
    samples that the Bayer pattern keeps are returned unchanged, smooth scenes stay good."""
    pat = CFAPattern(name, block)
    flat = np.broadcast_to(FLAT, (6 * block, 8 * block, 3))
    for quad in ("remosaic", "bin"):
        out = demosaic(mosaic(flat, pat), pat, quad=quad, domain="gamma")
        np.testing.assert_allclose(out, np.broadcast_to(FLAT, out.shape), rtol=1e-6, atol=1e-6)
    img = smooth_scene()
    cfa = mosaic(img, pat)
    out = demosaic(cfa, pat, method="menon2007", domain="gamma")
    assert psnr(out, img, border=2 * block) > {2: 40.0, 3: 36.0, 4: 33.0}[block]
    bayer = pat.binned()
    qi, bi = pat.channel_index(*cfa.shape), bayer.channel_index(*cfa.shape)
    same = qi == bi
    kept = np.take_along_axis(out, bi[..., None].astype(np.intp), axis=2)[..., 0]
    np.testing.assert_array_equal(kept[same], cfa[same])
