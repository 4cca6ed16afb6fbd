"""Tests of brightroom.burst.align: HDR+ tile alignment against known shifts and lab warps."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from brightroom.burst.align import (
    AlignParams,
    align,
    align_gray,
    cfa_gray,
    choose_reference,
    search_level,
    subpixel_offsets,
    tile_grid,
)
from brightroom.charts import dead_leaves
from brightroom.errors import MergeError, ParameterError
from brightroom.lab.camera import simulate_burst
from brightroom.types import CFAPattern, RawImage


def _texture(shape: tuple[int, int], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.random(shape).astype(np.float32)
    return cv2.GaussianBlur(a, (0, 0), 1.5) * 4


def _shift(img: np.ndarray, dy: float, dx: float) -> np.ndarray:
    """out[y, x] = img[y + dy, x + dx] (Lanczos)."""
    m = np.array([[1, 0, dx], [0, 1, dy]], np.float64)
    return cv2.warpAffine(img, m, img.shape[::-1], flags=cv2.INTER_LANCZOS4 | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REFLECT)


@pytest.mark.parametrize("dy,dx", [(3.0, -5.0), (7.4, 2.3), (-12.6, 0.7)])
@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_translation_recovered(dy: float, dx: float, backend: str) -> None:
    ref = _texture((160, 200))
    alt = _shift(ref, -dy, -dx)  # alt[y + dy, x + dx] == ref[y, x]
    al = align_gray(ref, alt, AlignParams(backend=backend))
    core = al.flow[2:-2, 2:-2].reshape(-1, 2)
    assert np.median(core[:, 0]) == pytest.approx(dy, abs=0.12)
    assert np.median(core[:, 1]) == pytest.approx(dx, abs=0.12)
    assert np.mean(np.all(np.abs(core - [dy, dx]) < 0.3, axis=1)) > 0.9


def test_numba_matches_numpy_search(rng: np.random.Generator) -> None:
    from brightroom.burst._align_numba import costs3x3_numba, search_level_numba
    from brightroom.burst.align import _costs3x3_numpy

    ref = rng.random((70, 90)).astype(np.float32)
    alt = np.roll(ref, (2, -3), axis=(0, 1)) + 0.05 * rng.standard_normal((70, 90)).astype(
        np.float32)
    guess = rng.integers(-2, 3, size=(7, 9, 2)).astype(np.int32)
    for norm in (1, 2):
        b0, c0 = search_level(ref, alt, 16, 8, 7, 9, guess, 3, norm)
        b1, c1 = search_level_numba(ref, alt, 16, 8, 7, 9, guess, 3, norm)
        np.testing.assert_array_equal(b0, b1)
        np.testing.assert_allclose(c0, c1, rtol=1e-9)
    np.testing.assert_allclose(_costs3x3_numpy(ref, alt, 16, 8, 7, 9, b0),
                               costs3x3_numba(ref, alt, 16, 8, 7, 9, b0), rtol=1e-9)


def test_numba_matches_numpy_fine_search(rng: np.random.Generator) -> None:
    from brightroom.burst._align_numba import search_fine_numba
    from brightroom.burst.align import search_fine_numpy

    ref = rng.random((70, 90)).astype(np.float32)
    alt = np.roll(ref, (1, -2), axis=(0, 1)) + 0.05 * rng.standard_normal((70, 90)).astype(
        np.float32)
    guess = rng.integers(-2, 3, size=(7, 9, 2)).astype(np.int32)
    a = search_fine_numpy(ref, alt, 16, 8, 7, 9, guess, 1)
    b = search_fine_numba(ref, alt, 16, 8, 7, 9, guess, 1)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1], rtol=1e-9)
    np.testing.assert_allclose(a[2], b[2], rtol=1e-9)


@pytest.mark.parametrize("blocks", [False, True])
def test_numba_fused_candidates_match_numpy(rng: np.random.Generator, blocks: bool) -> None:
    from brightroom.burst._align_numba import search_fine_cands_numba
    from brightroom.burst.align import search_fine_numpy

    ref = rng.random((160, 90)).astype(np.float32)
    alt = np.roll(ref, (1, -2), axis=(0, 1)) + 0.05 * rng.standard_normal((160, 90)).astype(
        np.float32)
    c0 = rng.integers(-3, 4, size=(18, 9, 2)).astype(np.int32)
    c1 = np.where(rng.random((18, 9, 1)) < 0.5, c0, c0 + 1).astype(np.int32)  # some duplicates
    cands = np.stack([c0, c1, rng.integers(-3, 4, size=(18, 9, 2)).astype(np.int32)])
    # reference: radius-0 search per candidate, first strict minimum, then the fine search
    costs = np.stack([search_level(ref, alt, 16, 8, 18, 9, c, 0, 2)[1] for c in cands])
    guess = cands[0].copy()
    best = costs[0].copy()
    for c, k in zip(cands[1:], costs[1:]):
        take = k < best
        guess = np.where(take[..., None], c, guess)
        best = np.where(take, k, best)
    a = search_fine_numpy(ref, alt, 16, 8, 18, 9, guess, 1)
    b = search_fine_cands_numba(ref, alt, 16, 8, 18, 9, cands, 1, blocks=blocks)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1], rtol=1e-9)
    np.testing.assert_allclose(a[2], b[2], rtol=1e-9)


def test_numba_matches_numpy_full() -> None:
    ref = _texture((120, 150), 3)
    alt = _shift(ref, 2.6, -4.2) + np.float32(0.01)
    a = align_gray(ref, alt, AlignParams(backend="numpy"))
    b = align_gray(ref, alt, AlignParams(backend="numba"))
    np.testing.assert_array_equal(a.displacement, b.displacement)
    np.testing.assert_allclose(a.subpixel, b.subpixel, atol=1e-5)


def test_subpixel_quadratic_exact() -> None:
    # analytic bowl c = (x - 0.3)^2 + 2 (y + 0.2)^2 sampled on the 3 x 3 grid
    yy, xx = np.mgrid[-1:2, -1:2]
    c = (xx - 0.3) ** 2 + 2 * (yy + 0.2) ** 2
    np.testing.assert_allclose(subpixel_offsets(c[None].astype(float))[0], [-0.2, 0.3], atol=1e-9)
    # a saddle gives no refinement
    assert np.all(subpixel_offsets((xx**2 - yy**2)[None].astype(float)) == 0)


def test_tile_grid_covers_plane() -> None:
    g = tile_grid((101, 77), 16)
    assert g.padded_shape[0] >= 101 + 2 * g.pad and g.padded_shape[1] >= 77 + 2 * g.pad
    assert (g.padded_shape[0] - g.tile) % g.step == 0


@pytest.fixture(scope="module", params=[0.0, 0.01], ids=["rotation", "rolling-shutter"])
def shaken(request) -> list[RawImage]:
    scene = dead_leaves((384, 512), seed=2)  # texture everywhere: no aperture problem
    return simulate_burst(scene, n=3, lux=300, shake_px=3.0, rotation_deg=0.3, seed=5,
                          rolling_shutter=request.param, optics=False)


@pytest.mark.slow
def test_lab_burst_per_tile_truth(shaken: list[RawImage]) -> None:
    """Per-tile displacement vs the simulator's ground-truth affine warp (rotation included)."""
    ref = shaken[0]
    for f in shaken[1:]:
        al = align(ref, f)
        w = np.asarray(f.metadata["lab"]["burst"]["warp"])
        g = al.grid
        # tile centres in mosaic pixels (reference = scene coordinates)
        cy = (np.arange(g.ny) * g.step + g.tile / 2 - g.pad) * 2 + 0.5
        cx = (np.arange(g.nx) * g.step + g.tile / 2 - g.pad) * 2 + 0.5
        yy, xx = np.meshgrid(cy, cx, indexing="ij")
        # frame position p with W p = scene q  =>  p = W^-1 q ; displacement = p - q
        a, t = w[:, :2], w[:, 2]
        inv = np.linalg.inv(a)
        q = np.stack([xx.ravel(), yy.ravel()]) - t[:, None]
        p = inv @ q
        truth = np.stack([p[1] - yy.ravel(), p[0] - xx.ravel()], axis=1)
        est = al.flow.reshape(-1, 2) * 2
        inside = ((yy.ravel() > 24) & (yy.ravel() < ref.shape[0] - 24) & (xx.ravel() > 24)
                  & (xx.ravel() < ref.shape[1] - 24))
        err = np.abs(est - truth)[inside]
        assert np.median(err) < 0.15  # mosaic pixels, per axis
        assert np.mean(np.all(err < 1.0, axis=1)) > 0.9


@pytest.mark.slow
def test_mosaic_displacement_keeps_bayer_phase(shaken: list[RawImage]) -> None:
    al = align(shaken[0], shaken[1])
    assert al.displacement.dtype == np.int32  # x period (2) in mosaic pixels: always even


def test_choose_reference_sharpest() -> None:
    base = _texture((128, 128), 7)
    pat = CFAPattern("RGGB")
    sharp = RawImage(base, pat)
    blur = RawImage(cv2.GaussianBlur(base, (0, 0), 2.0), pat)
    assert choose_reference([blur, sharp, blur]) == 1
    assert choose_reference([blur, blur, blur, sharp]) in (0, 1, 2)  # only the first 3 count


def test_cfa_gray_is_cell_mean() -> None:
    a = np.arange(16, dtype=np.float32).reshape(4, 4)
    np.testing.assert_allclose(cfa_gray(a), [[2.5, 4.5], [10.5, 12.5]])


def test_bad_params_and_inputs() -> None:
    with pytest.raises(ParameterError):
        AlignParams(tile=7)
    with pytest.raises(ParameterError):
        AlignParams(factors=(1, 2), radii=(1,))
    with pytest.raises(ParameterError):
        AlignParams(backend="gpu")
    pat = CFAPattern("RGGB")
    with pytest.raises(MergeError, match="size"):
        align(RawImage(np.zeros((64, 64), np.float32), pat),
              RawImage(np.zeros((64, 66), np.float32), pat))
    with pytest.raises(MergeError, match="pattern"):
        align(RawImage(np.zeros((64, 64), np.float32), pat),
              RawImage(np.zeros((64, 64), np.float32), CFAPattern("GRBG")))
