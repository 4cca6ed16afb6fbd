"""Tests of brightroom.burst.merge: noise reduction, ghosts, output raw, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from brightroom.burst import BurstWarning, merge
from brightroom.burst.merge import MERGE_METHODS, validate_frames
from brightroom.burst.tiles import join_planes, raised_cosine, split_planes
from brightroom.charts import dead_leaves
from brightroom.color.metrics import psnr
from brightroom.errors import MergeError, ParameterError
from brightroom.lab.camera import simulate_burst
from brightroom.lab.camera.burst import SubjectMotion
from brightroom.types import CameraInfo, CFAPattern, RawImage

SHAPE = (192, 256)
KW = dict(lux=10.0, iso=6400, shake_px=2.0, rotation_deg=0.05, seed=11)
BORDER = 12  # pixels left out at each edge when comparing with the clean frame


@pytest.fixture(scope="module")
def burst() -> tuple[list[RawImage], RawImage]:
    scene = dead_leaves(SHAPE, seed=4, rmin=4.0)
    frames = simulate_burst(scene, n=6, **KW)
    clean = simulate_burst(scene, n=1, noise=False, **KW)[0]  # frame 0 = reference, no noise
    return frames, clean


@pytest.mark.parametrize("method", sorted(MERGE_METHODS))
def test_merge_reduces_noise(burst: tuple[list[RawImage], RawImage], method: str) -> None:
    frames, clean = burst
    peak = float(np.percentile(clean.cfa, 99))
    single = psnr(frames[0].cfa, clean.cfa, peak=peak, border=BORDER)
    out = merge(frames, method=method, ref=0)
    gain = psnr(out.cfa, clean.cfa, peak=peak, border=BORDER) - single
    assert gain > 4.0, f"{method}: only {gain:.2f} dB over one frame (ideal 7.8 dB for 6)"
    info = out.metadata["burst_merge"]
    assert info["frames"] == 6 and info["reference"] == 0 and info["method"] == method
    assert 1.5 < info["effective_frames"] <= 6.0 + 1e-6


def test_output_raw_and_noise_profile(burst: tuple[list[RawImage], RawImage], tmp_path) -> None:
    frames, _ = burst
    out = merge(frames, ref=0)
    ref = frames[0]
    assert out.cfa.dtype == np.float32 and out.shape == ref.shape
    assert out.pattern == ref.pattern and out.black_level == ref.black_level
    assert out.white_level == ref.white_level and out.camera.model == ref.camera.model
    neff = out.metadata["burst_merge"]["effective_frames"]
    np.testing.assert_allclose(out.camera.noise_profile.scale,
                               np.array(ref.camera.noise_profile.scale) / neff, rtol=1e-6)
    # the merged noise agrees with the profile: residual vs the clean frame in flat-ish areas
    from brightroom.io.dng import write_dng
    from brightroom.io.raw import read_raw

    back = read_raw(write_dng(out, tmp_path / "merged.dng"))
    assert back.shape == out.shape and back.pattern == out.pattern
    lo = -out.black_level[0] / (out.white_level - out.black_level[0])  # counts clip at 0
    assert np.abs(back.cfa - np.clip(out.cfa, lo, 1)).max() < 2.0 / (out.white_level - 256)


def test_inputs_not_modified(burst: tuple[list[RawImage], RawImage]) -> None:
    frames, _ = burst
    before = [f.cfa.copy() for f in frames]
    merge(frames[:3], method="average")
    for b, f in zip(before, frames):
        np.testing.assert_array_equal(b, f.cfa)


@pytest.mark.parametrize("pattern", ["GRBG", "BGGR"])
def test_other_bayer_phases(pattern: str) -> None:
    scene = dead_leaves((128, 160), seed=1, rmin=4.0)
    frames = simulate_burst(scene, n=4, pattern=pattern, **KW)
    clean = simulate_burst(scene, n=1, pattern=pattern, noise=False, **KW)[0]
    out = merge(frames, ref=0)
    peak = float(np.percentile(clean.cfa, 99))
    assert out.pattern.pattern == pattern
    assert psnr(out.cfa, clean.cfa, peak=peak, border=BORDER) > psnr(
        frames[0].cfa, clean.cfa, peak=peak, border=BORDER) + 3.0


@pytest.fixture(scope="module")
def moving() -> tuple[list[RawImage], RawImage, np.ndarray]:
    scene = dead_leaves(SHAPE, seed=9, rmin=4.0)
    subject = SubjectMotion((60, 60, 130, 120), velocity=(1.0, 6.0), background=0.2)
    kw = dict(KW, lux=100.0, iso=800)  # low noise: a ghost would dominate the error
    frames = simulate_burst(scene, n=6, moving_subject=subject, **kw)
    clean = simulate_burst(scene, n=1, moving_subject=subject, noise=False, **kw)[0]
    mask = np.asarray(frames[0].metadata["lab"]["burst"]["subject_mask"], bool)
    return frames, clean, mask


def _motion_region(mask: np.ndarray) -> np.ndarray:
    """The subject and the background it covers / uncovers over the burst (6 px per frame)."""
    from scipy.ndimage import binary_dilation

    region = binary_dilation(mask, iterations=4)
    region[:, 36:] |= region[:, :-36].copy()
    return region


@pytest.mark.parametrize("method", sorted(MERGE_METHODS))
def test_moving_subject_no_ghost(moving, method: str) -> None:
    frames, clean, mask = moving
    region = _motion_region(mask)
    peak = float(np.percentile(clean.cfa, 99))
    out = merge(frames, method=method, ref=0)
    single = psnr(frames[0].cfa, clean.cfa, peak=peak, mask=region, border=BORDER)
    merged = psnr(out.cfa, clean.cfa, peak=peak, mask=region, border=BORDER)
    assert merged >= single - 0.5, f"{method}: ghosting, {merged:.2f} dB vs {single:.2f} dB"
    assert psnr(out.cfa, clean.cfa, peak=peak, mask=~region, border=BORDER) > psnr(
        frames[0].cfa, clean.cfa, peak=peak, mask=~region, border=BORDER) + 2.0


@pytest.mark.slow
def test_small_fast_subject_at_high_iso_no_ghost() -> None:
    """ISO 6400 one stop under (ISO 12800), a small subject moving 12 px per frame (the noise
    nearly hides it in a tile's difference energy): the subject stays at least as good as in
    the reference frame alone (the bar of issue 10), the background gains >= 4 dB."""
    scene = dead_leaves(SHAPE, seed=3, rmin=4.0)
    subject = SubjectMotion((70, 80, 94, 104), velocity=(2.0, 12.0), background=0.3)
    kw = dict(KW, lux=5.0, iso=6400, exposure_time=0.012, shake_px=4.0, rotation_deg=0.3)
    frames = simulate_burst(scene, n=8, moving_subject=subject, **kw)
    clean = simulate_burst(scene, n=1, moving_subject=subject, noise=False, **kw)[0]
    mask = np.asarray(frames[0].metadata["lab"]["burst"]["subject_mask"], bool)
    peak = float(np.percentile(clean.cfa, 99))
    single = psnr(frames[0].cfa, clean.cfa, peak=peak, mask=mask)
    out = merge(frames, ref=0)
    merged = psnr(out.cfa, clean.cfa, peak=peak, mask=mask)
    assert merged >= single, f"ghost on the subject: {merged:.2f} dB vs {single:.2f} dB alone"
    assert psnr(out.cfa, clean.cfa, peak=peak, mask=~mask, border=BORDER) > psnr(
        frames[0].cfa, clean.cfa, peak=peak, mask=~mask, border=BORDER) + 4.0


def test_without_rejection_ghosts_appear(moving) -> None:
    """Control: the moving-subject test can fail (a plain mean doubles the subject)."""
    frames, clean, mask = moving
    region = _motion_region(mask)
    peak = float(np.percentile(clean.cfa, 99))
    plain = merge(frames, method="average", ref=0, threshold=1e6)
    assert psnr(plain.cfa, clean.cfa, peak=peak, mask=region, border=BORDER) < psnr(
        frames[0].cfa, clean.cfa, peak=peak, mask=region, border=BORDER) - 3.0


@pytest.mark.parametrize("motion", [0.0, 1.0, 2.5])
def test_numba_merge_matches_numpy(burst: tuple[list[RawImage], RawImage], motion: float) -> None:
    frames, _ = burst
    a = merge(frames[:4], ref=0, backend="numpy", motion=motion)
    b = merge(frames[:4], ref=0, backend="numba", motion=motion)
    np.testing.assert_allclose(a.cfa, b.cfa, atol=2e-6)
    ia, ib = a.metadata["burst_merge"], b.metadata["burst_merge"]
    assert ia["effective_frames"] == pytest.approx(ib["effective_frames"], rel=1e-5)
    assert ia["rejected_tiles"] == ib["rejected_tiles"]


# ---------------------------------------------------------------- tiles


def test_raised_cosine_partition_of_unity() -> None:
    w = raised_cosine(16)[0] / raised_cosine(16)[0].max() * 1.0
    w1 = 0.5 - 0.5 * np.cos(2 * np.pi * (np.arange(16) + 0.5) / 16)
    np.testing.assert_allclose(w, w1 / w1.max(), atol=1e-6)
    np.testing.assert_allclose(w1[:8] + w1[8:], 1.0, atol=1e-6)


def test_split_join_roundtrip(rng: np.random.Generator) -> None:
    a = rng.random((10, 14)).astype(np.float32)
    p = split_planes(a, 2)
    np.testing.assert_array_equal(p[1], a[0::2, 1::2])
    np.testing.assert_array_equal(join_planes(p, 2, a), a)


@pytest.mark.parametrize("gain,clip", [(1.0, None), (1.7, 0.6)])
def test_padded_planes_gray_matches_numpy(rng: np.random.Generator, gain, clip) -> None:
    from brightroom.burst._tiles_numba import padded_planes_gray
    from brightroom.burst.align import cfa_gray, pad_for_grid, tile_grid
    from brightroom.burst.tiles import padded_planes

    a = rng.random((43, 62)).astype(np.float32)
    grid = tile_grid((21, 31), 16)
    pl, g = padded_planes_gray(a, 2, (21, 31), grid.pad, grid.padded_shape, gain, clip)
    ref_pl = split_planes(a, 2) * np.float32(gain)
    np.testing.assert_array_equal(pl, padded_planes(ref_pl, grid))
    ref_g = cfa_gray(a, 2) * np.float32(gain)
    if clip is not None:
        ref_g = np.minimum(ref_g, np.float32(clip))
    np.testing.assert_array_equal(g, pad_for_grid(ref_g, grid))


def test_numba_overlap_add_and_blocks_match_numpy(rng: np.random.Generator) -> None:
    from brightroom.burst import _hasinoff2016_numba as nb
    from brightroom.burst.align import tile_grid
    from brightroom.burst.tiles import blocks_to_planes, overlap_add

    grid = tile_grid((37, 45), 16)
    win = raised_cosine(16)
    b0 = np.zeros((4, grid.ny + 1, grid.nx + 1, 8, 8), np.float32)
    b1 = b0.copy()
    for i0 in range(0, grid.ny, 2):
        ci = min(2, grid.ny - i0)
        tiles = rng.random((ci, grid.nx, 4, 16, 16)).astype(np.float32)
        overlap_add(b0, tiles * win, grid, i0)
        nb.overlap_add_window(b1, tiles, win, i0)
    np.testing.assert_array_equal(b0, b1)
    np.testing.assert_array_equal(blocks_to_planes(b0, grid), nb.blocks_to_planes(b1, grid.pad,
                                                                                  grid.shape))


def test_finite_range_matches_numpy(rng: np.random.Generator) -> None:
    from brightroom.burst._tiles_numba import finite_range

    a = rng.standard_normal((33, 41)).astype(np.float32)
    assert finite_range(a) == (0, float(a.min()), float(a.max()))
    a[5, 7], a[20, 0] = np.nan, -np.inf
    ok = np.isfinite(a)
    assert finite_range(a) == (2, float(a[ok].min()), float(a[ok].max()))


def test_static_identical_frames_merge_to_same() -> None:
    rng = np.random.default_rng(0)
    a = rng.random((96, 128)).astype(np.float32)
    f = RawImage(a, CFAPattern("RGGB"))
    out = merge([f, f, f], ref=0, subpixel=False, spatial=0.0)
    np.testing.assert_allclose(out.cfa, a, atol=2e-5)


# ---------------------------------------------------------------- bad input


def _raw(shape=(64, 64), pattern="RGGB", model="A", t=0.01, value=None, seed=0) -> RawImage:
    rng = np.random.default_rng(seed)
    a = rng.random(shape).astype(np.float32) if value is None else np.full(shape, value,
                                                                             np.float32)
    return RawImage(a, CFAPattern(pattern),
                    CameraInfo(make="Lab", model=model, exposure_time=t, iso=100.0))


def test_method_aliases_and_case() -> None:
    # "wiener" (the key of earlier versions) is Hasinoff et al. 2016's merge
    assert MERGE_METHODS["Wiener"] is MERGE_METHODS["hasinoff2016"] is MERGE_METHODS["HASINOFF2016"]
    frames = [_raw(), _raw(seed=1), _raw(seed=2)]
    a = merge(frames, method="WIENER", ref=0)
    b = merge(frames, method="hasinoff2016", ref=0)
    np.testing.assert_array_equal(a.cfa, b.cfa)
    assert a.metadata["burst_merge"]["method"] == "hasinoff2016"  # recorded by canonical key
    assert merge(frames, method="Average", ref=0).metadata["burst_merge"]["method"] == "average"


def test_different_sizes() -> None:
    with pytest.raises(MergeError, match=r"frame 2 \(c.dng\) is 66x64"):
        merge([_raw(), _raw(seed=1), _raw((64, 66))], names=["a.dng", "b.dng", "c.dng"])


def test_different_cameras() -> None:
    with pytest.raises(MergeError, match="frame 1.*camera 'Lab' 'B'"):
        merge([_raw(), _raw(model="B")])


def test_different_patterns() -> None:
    with pytest.raises(MergeError, match="frame 1 has CFA pattern GRBG"):
        merge([_raw(), _raw(pattern="GRBG")])


def test_different_exposures_need_hdr() -> None:
    with pytest.raises(MergeError, match="HDR"):
        merge([_raw(), _raw(t=0.04, seed=1)])


def test_single_frame_warns() -> None:
    f = _raw()
    with pytest.warns(BurstWarning, match="one frame"):
        out = merge([f])
    np.testing.assert_array_equal(out.cfa, f.cfa)
    assert out.metadata["burst_merge"]["frames"] == 1


def test_corrupt_frame_dropped() -> None:
    bad = _raw(seed=1)
    bad_cfa = bad.cfa.copy()
    bad_cfa[10, 10] = np.nan
    frames = [_raw(), bad.replace(cfa=bad_cfa), _raw(seed=2)]
    with pytest.warns(BurstWarning, match="frame 1 is corrupt"):
        out = merge(frames, ref=0)
    assert out.metadata["burst_merge"]["dropped"] == [1]
    assert out.metadata["burst_merge"]["used"] == [0, 2]
    assert np.isfinite(out.cfa).all()


def test_corrupt_leaves_too_few() -> None:
    frames = [_raw(), _raw(value=0.0)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BurstWarning)
        with pytest.raises(MergeError, match="only 1 good frame"):
            merge(frames)


def test_bad_arguments() -> None:
    with pytest.raises(MergeError, match="none"):
        merge([])
    with pytest.raises(MergeError, match="not a RawImage"):
        merge([_raw(), np.zeros((4, 4))])
    with pytest.raises(ParameterError, match="unknown merge method 'median'; known: "
                                             "hasinoff2016, average \\(aliases: wiener"):
        merge([_raw(), _raw(seed=1)], method="median")
    with pytest.raises(ParameterError, match="reference frame 5"):
        merge([_raw(), _raw(seed=1)], ref=5)
    with pytest.raises(ParameterError):
        merge([_raw(), _raw(seed=1)], noise_factor=-1)


def test_validate_returns_indices() -> None:
    good, dropped = validate_frames([_raw(), _raw(seed=1)])
    assert good == [0, 1] and dropped == []
