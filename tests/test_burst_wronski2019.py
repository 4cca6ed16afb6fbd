"""Tests of brightroom.burst.wronski2019: LK flow, kernels, robustness, accumulation, numba."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.burst.align import align_gray, cfa_gray, pad_for_grid, tile_grid
from brightroom.burst.wronski2019 import (
    WronskiParams,
    accumulate,
    accumulate_numpy,
    cell_rgb,
    kernel_covariances,
    reference_prior,
    refine_flow,
    refine_flow_numpy,
    robustness,
)
from brightroom.errors import ParameterError
from brightroom.types import BAYER_PATTERNS, CFAPattern


def _mosaic(rgb: np.ndarray, pattern: CFAPattern) -> np.ndarray:
    idx = pattern.channel_index(*rgb.shape[:2])
    return np.take_along_axis(rgb, idx[..., None], 2)[..., 0].astype(np.float32)


def _smooth_scene(h: int, w: int, dy: float = 0.0, dx: float = 0.0) -> np.ndarray:
    """A band-limited colour scene, shifted by (dy, dx) (what a frame sees at x sits at x+d)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    yy, xx = yy + dy, xx + dx
    g = 0.3 + 0.1 * np.sin(xx / 5.3) * np.cos(yy / 4.1) + 0.05 * np.sin((xx + 2 * yy) / 3.7)
    r = 0.8 * g + 0.05 * np.cos(yy / 6.0)
    b = 0.6 * g + 0.04 * np.sin(xx / 7.0)
    return np.stack([r, g, b], -1).astype(np.float32)


def test_params_ranges() -> None:
    WronskiParams()
    with pytest.raises(ParameterError, match="k_detail"):
        WronskiParams(k_detail=0.0)
    with pytest.raises(ParameterError, match="backend"):
        WronskiParams(backend="gpu")
    with pytest.raises(ParameterError, match="odd"):
        WronskiParams(robust_window=4)


@pytest.mark.parametrize("pattern", BAYER_PATTERNS)
def test_accumulate_reproduces_a_linear_ramp_every_phase(pattern: str) -> None:
    """Symmetric kernels over a linear signal give it back exactly (every Bayer phase)."""
    pat = CFAPattern(pattern)
    yy, xx = np.mgrid[0:48, 0:64].astype(np.float32)
    rgb = np.stack([0.2 + 0.002 * xx, 0.4 + 0.001 * yy, 0.1 + 0.001 * (xx + yy)], -1)
    cfa = _mosaic(rgb, pat)
    g = cfa_gray(cfa)
    grid = tile_grid(g.shape, 16)
    om = kernel_covariances(g, WronskiParams())
    num = np.zeros((48, 64, 3), np.float32)
    den = np.zeros_like(num)
    accumulate_numpy(cfa, pat.tile.astype(np.int64), np.zeros((grid.ny, grid.nx, 2), np.float32),
                     grid, None, om, (0.0, 0.0), 1.0, num, den)
    out = num / den
    np.testing.assert_allclose(out[2:-2, 2:-2], rgb[2:-2, 2:-2], atol=2e-6)


def test_kernels_stretch_along_edges() -> None:
    """On a vertical edge the kernel is narrow across (x) and long along (y)."""
    img = np.zeros((32, 32), np.float32)
    img[:, 16:] = 0.5
    a, b, c = kernel_covariances(img, WronskiParams())
    # inverse covariance: large c (x), small a (y) at the edge
    assert c[16, 16] > 4 * a[16, 16]
    assert abs(b[16, 16]) < 1e-3 * c[16, 16]
    # flat: isotropic and wide (k_detail * k_denoise)
    p = WronskiParams()
    np.testing.assert_allclose(a[16, 4], 1 / (p.k_detail * p.k_denoise) ** 2, rtol=1e-5)
    np.testing.assert_allclose(a[16, 4], c[16, 4], rtol=1e-6)


def test_refine_flow_reaches_subpixel_shift() -> None:
    """LK recovers a known sub-pixel shift to < 0.05 grey pixels; numba equals NumPy."""
    dy, dx = 0.37, -0.61  # grey pixels
    ref = _smooth_scene(96, 128)[..., 1]
    alt = _smooth_scene(96, 128, -dy, -dx)[..., 1]  # alt[y + d] = ref[y]
    params_tile = 16
    grid = tile_grid(ref.shape, params_tile)
    al = align_gray(ref, alt)
    rp, ap = pad_for_grid(ref, grid), pad_for_grid(alt, grid)
    f_np = refine_flow_numpy(rp, ap, grid, al.flow, 4)
    f_nb = refine_flow(rp, ap, grid, al.flow, 4, backend="numba")
    inner = (slice(2, -2), slice(2, -2))  # tiles away from the reflected border
    assert np.abs(f_np[inner][..., 0] - dy).max() < 0.05
    assert np.abs(f_np[inner][..., 1] - dx).max() < 0.05
    np.testing.assert_allclose(f_nb, f_np, atol=1e-4)
    # the quadratic fit alone is further off than LK
    err_q = np.abs(al.flow[inner] - (dy, dx)).mean()
    err_lk = np.abs(f_np[inner] - (dy, dx)).mean()
    assert err_lk < err_q


@pytest.mark.parametrize("with_prior", [False, True])
@pytest.mark.parametrize("scale", [1.0, 2.0, 3.0])
def test_numba_accumulate_equals_numpy(scale: float, with_prior: bool) -> None:
    pat = CFAPattern("GBRG")
    cfa = _mosaic(_smooth_scene(40, 56), pat)
    g = cfa_gray(cfa)
    grid = tile_grid(g.shape, 16)
    om = kernel_covariances(g, WronskiParams())
    rng = np.random.default_rng(0)
    flow = rng.uniform(-1.5, 1.5, (grid.ny, grid.nx, 2)).astype(np.float32)
    rob = rng.uniform(0, 1, g.shape).astype(np.float32)
    ho, wo = int(round(30 * scale)), int(round(40 * scale))
    prior = reference_prior(cfa, pat, "kiku2014", (5.0, 8.0), scale, (ho, wo)) if with_prior \
        else None
    out = []
    for backend in ("numpy", "numba"):
        num = np.zeros((ho, wo, 3), np.float32)
        den = np.zeros_like(num)
        accumulate(cfa, pat.tile.astype(np.int64), flow, grid, rob, om, (5.0, 8.0), scale, num,
                   den, prior=prior, backend=backend)
        out.append((num, den))
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=2e-4, atol=1e-6)
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=2e-4, atol=1e-6)


def test_shifted_frames_fill_in_the_mosaic() -> None:
    """Frames shifted by whole pixels (with the true flow) make a demosaic with no guesswork:
    four phases of the cell give every colour at every pixel exactly."""
    pat = CFAPattern("RGGB")
    h, w = 48, 64
    shifts = [(0, 0), (0, 1), (1, 0), (1, 1)]  # mosaic pixels
    truth = _smooth_scene(h, w)
    frames = [_mosaic(_smooth_scene(h, w, -sy, -sx), pat) for sy, sx in shifts]
    g = cfa_gray(frames[0])
    grid = tile_grid(g.shape, 16)
    om = np.zeros((3,) + g.shape, np.float32)
    om[0] = om[2] = 1 / 0.15 ** 2  # narrow: the exact sample wins
    num = np.zeros((h, w, 3), np.float32)
    den = np.zeros_like(num)
    for (sy, sx), f in zip(shifts, frames):
        flow = np.zeros((grid.ny, grid.nx, 2), np.float32)
        flow[..., 0], flow[..., 1] = sy / 2, sx / 2  # grey pixels
        accumulate(f, pat.tile.astype(np.int64), flow, grid, None, om, (0.0, 0.0), 1.0, num, den)
    out = num / den
    err = np.abs(out - truth)[4:-4, 4:-4]
    assert err.max() < 1e-3


def test_robustness_rejects_motion_keeps_noise() -> None:
    rng = np.random.default_rng(1)
    ref = np.full((40, 40, 3), 0.2, np.float32) + rng.normal(0, 0.01, (40, 40, 3)).astype(np.float32)
    alt = np.full((40, 40, 3), 0.2, np.float32) + rng.normal(0, 0.01, (40, 40, 3)).astype(np.float32)
    alt[10:20, 10:20] += 0.2  # something moved there
    nv = np.stack([np.zeros(3), np.full(3, 1e-4)])
    r = robustness(ref, alt, nv, WronskiParams())
    assert r.dtype == np.float32 and r.shape == (40, 40)
    # the strict coarse motion test also down-weights frames that differ by noise alone (about
    # 0.6 here; documented in WronskiParams); the fine test alone keeps them
    assert r[30:, 30:].mean() > 0.5
    assert r[12:18, 12:18].max() == 0.0
    fine = robustness(ref, alt, nv, WronskiParams(motion_box=0))
    assert fine[30:, 30:].mean() > 0.9 and fine[12:18, 12:18].max() == 0.0


def test_cell_rgb_every_phase() -> None:
    for name in BAYER_PATTERNS:
        pat = CFAPattern(name)
        rgb = np.zeros((8, 8, 3), np.float32)
        rgb[..., 0], rgb[..., 1], rgb[..., 2] = 0.1, 0.5, 0.9
        np.testing.assert_allclose(cell_rgb(_mosaic(rgb, pat), pat.tile), rgb[::2, ::2], atol=1e-6)


def test_flow_field_equals_flow_at() -> None:
    from brightroom.burst.wronski2019 import flow_at, flow_field

    grid = tile_grid((50, 70), 16)
    rng = np.random.default_rng(3)
    flow = rng.uniform(-2, 2, (grid.ny, grid.nx, 2)).astype(np.float32)
    uu, vv = np.mgrid[0:50, 0:70]
    ref = flow_at(flow, grid, uu, vv)
    fast = flow_field(flow, grid, (50, 70))
    step_change = np.abs(np.diff(flow, axis=0)).max() + np.abs(np.diff(flow, axis=1)).max()
    assert np.abs(fast - ref).max() <= step_change / 32 + 1e-5


def test_residual_merge_of_the_reference_alone_is_its_demosaic() -> None:
    """With the prior, a burst of the reference alone gives the prior back (zero residuals
    where MLRI keeps the samples; tiny elsewhere)."""
    pat = CFAPattern("RGGB")
    cfa = _mosaic(_smooth_scene(48, 64), pat)
    g = cfa_gray(cfa)
    grid = tile_grid(g.shape, 16)
    om = kernel_covariances(g, WronskiParams())
    prior = reference_prior(cfa, pat, "kiku2014", (0.0, 0.0), 1.0, (48, 64))
    num = np.zeros((48, 64, 3), np.float32)
    den = np.zeros_like(num)
    accumulate(cfa, pat.tile.astype(np.int64), np.zeros((grid.ny, grid.nx, 2), np.float32), grid,
               None, om, (0.0, 0.0), 1.0, num, den, prior=prior)
    out = prior + num / den
    assert np.abs(out - prior)[4:-4, 4:-4].max() < 5e-3
