"""HDR+ merge: pairwise frequency-domain Wiener shrinkage per tile, per CFA plane.

For each tile of each CFA plane, with ``T_0`` the DFT of the reference tile and ``T_z`` the DFT
of the aligned tile of frame ``z``, ``D_z = T_0 - T_z`` and

    A_z = |D_z|^2 / (|D_z|^2 + c * E|noise(D_z)|^2),      merged = 1/N sum_z (T_z + A_z D_z)

so a frequency where frame ``z`` agrees with the reference (up to noise) is averaged, and one
where it differs much more than noise (motion, misalignment) falls back to the reference. The
noise power of ``D_z`` per coefficient is ``2 n sigma^2`` for a tile of ``n`` samples, with
``sigma^2 = scale * m + offset`` from the camera's noise profile at the tile's mean ``m``
(Hasinoff et al. 2016, eq. 6-7, with ``c`` = ``noise_factor``).

After the temporal merge, the merged spectrum ``M`` gets the paper's *spatial denoising*, a
pointwise Wiener shrinkage against the merged noise (``spatial``).

Three additions over the paper's merge:

* *sub-pixel*: the alignment's fractional displacement is applied to each alternate tile as a
  linear phase in the frequency domain (the paper merges with integer displacements);
* *tile mismatch test*: when a frame's tile differs from the reference by more than
  ``mismatch`` times the expected noise energy (Parseval), that frame's tile is not used at all
  (a moving subject larger than a tile never doubles);
* *motion-adaptive shrinkage* (``motion``): below that threshold, a tile whose difference
  energy is ``r`` times the noise-only expectation gets ``c / max(1, r) ** motion`` (a small or
  fast subject that the noise nearly hides is averaged less).

The result's noise variance relative to one frame is measured coefficient by coefficient,
``((1 + sum A_z)^2 + sum (1 - A_z)^2) / N^2``, and reported as an effective frame count.

References
----------
Hasinoff, S. W., Sharlet, D., Geiss, R., Adams, A., Barron, J. T., Kainz, F., Chen, J.,
Levoy, M. (2016). Burst photography for high dynamic range and low-light imaging on mobile
cameras. ACM Transactions on Graphics 35(6), 192 (section 5, merging).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import scipy.fft as sfft

from brightroom.burst import _hasinoff2016_numba as nb
from brightroom.burst.tiles import blocks_to_planes, gather_tiles, overlap_add, raised_cosine, tile_view
from brightroom.errors import ParameterError

__all__ = ["merge_wiener"]


def _have_numba() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def merge_wiener(stack: Any, *, noise_factor: float = 16.0, mismatch: float = 6.0,
                 subpixel: bool = True, spatial: float = 2.0, motion: float = 1.0,
                 rows: int = 8, backend: str = "auto") -> tuple[np.ndarray, dict[str, Any]]:
    """Merge an aligned burst of CFA planes with HDR+'s pairwise Wiener filter.

    Parameters
    ----------
    stack
        A :class:`brightroom.burst.merge.BurstStack` (padded planes, alignments, noise).
    noise_factor
        ``c`` in the shrinkage: larger rejects more (less denoising, fewer ghosts).
    mismatch
        A frame's tile is rejected when its difference energy exceeds ``mismatch`` times the
        noise-only expectation; ``inf`` disables the test.
    subpixel
        Apply the sub-pixel part of the alignment as a phase ramp.
    spatial
        Strength of HDR+'s spatial denoising of the merged tile: pointwise Wiener shrinkage
        ``|M|^2 / (|M|^2 + spatial * n * sigma^2 * f)``, where ``f`` is the merged noise
        fraction of that coefficient (measured, see above); 0 disables it.
    motion
        Motion-adaptive shrinkage: with ``r`` a frame's tile difference energy over its
        noise-only expectation (about 1 where the tile differs by noise alone), ``c`` is
        divided by ``max(1, r) ** motion`` for that tile, so that a tile holding part of a
        moving subject (``1 < r < mismatch``) averages less (default 1: on the broadened
        night bursts of ``benchmarks/bench_night.py`` it removes the ghosts of small fast
        subjects at ISO 12800 without losing gain elsewhere); 0 is the paper's merge.
    rows
        Tile rows processed together (memory / speed trade-off).
    backend
        ``"numpy"`` (this module, the reference), ``"numba"`` (:mod:`._hasinoff2016_numba`,
        fused kernels) or ``"auto"`` (numba when importable). Both use ``scipy.fft``.

    Returns
    -------
    planes : numpy.ndarray
        ``(P, H, W)`` float32 merged planes.
    info : dict
        ``effective_frames``, ``rejected_tiles`` (fraction of alternate tiles rejected).

    References
    ----------
    Hasinoff et al. (2016), section 5.
    """
    if not noise_factor > 0:
        raise ParameterError(f"noise_factor must be > 0, got {noise_factor}")
    if not mismatch > 0:
        raise ParameterError(f"mismatch must be > 0, got {mismatch}")
    if not motion >= 0:
        raise ParameterError(f"motion must be >= 0, got {motion}")
    grid = stack.grid
    t, s = grid.tile, grid.step
    n = t * t
    nf = 1 + len(stack.alts)
    p = stack.ref.shape[0]
    scale = np.asarray(stack.scale, np.float32)[None, None, :]
    offset = np.asarray(stack.offset, np.float32)[None, None, :]
    win = raised_cosine(t)
    fy = np.fft.fftfreq(t).astype(np.float32)[:, None]
    fx = np.fft.rfftfreq(t).astype(np.float32)[None, :]
    # Parseval weights of the half spectrum (columns 0 and n/2 once, the others twice)
    wpar = np.full(fx.shape[1], 2.0, np.float32)
    wpar[0] = 1.0
    if t % 2 == 0:
        wpar[-1] = 1.0
    blocks = np.zeros((p, grid.ny + 1, grid.nx + 1, s, s), np.float32)
    var_sum = 0.0
    var_cnt = 0
    rejected = 0
    total = 0
    if backend not in ("auto", "numba", "numpy"):
        raise ParameterError(f"merge backend {backend!r} is not auto, numba or numpy")
    fast = backend != "numpy" and _have_numba()
    if backend == "numba" and not fast:
        raise ParameterError("merge backend 'numba' requested but numba is not installed")
    workers = os.cpu_count() or 1
    fy1 = np.ascontiguousarray(fy[:, 0])
    fx1 = np.ascontiguousarray(fx[0])
    for i0 in range(0, grid.ny, rows):
        i1 = min(i0 + rows, grid.ny)
        r = tile_view(stack.ref, grid, i0, i1)  # (ci, nx, P, t, t)
        t0 = sfft.rfft2(r, workers=workers)
        mean = t0[..., 0, 0].real / np.float32(n)  # the DC coefficient is n times the mean
        sigma2 = scale * np.maximum(mean, 0) + offset  # (ci, nx, P)
        noise_d = (2.0 * n * noise_factor) * sigma2  # noise power of D per coefficient
        expect = (2.0 * n * n) * sigma2.sum(axis=2)  # Parseval: sum |D|^2 for noise only
        acc = t0.copy()
        sum_a = np.zeros(t0.shape, np.float32)
        sum_1ma2 = np.zeros(t0.shape, np.float32)
        if fast:
            buf = np.empty(r.shape, np.float32)
        for alt, al in zip(stack.alts, stack.alignments):
            total += (i1 - i0) * grid.nx
            if fast:
                nb.gather_tiles_into(alt, al.displacement, i0, i1, t, s, buf)
                tz = sfft.rfft2(buf, workers=workers)
                rejected += nb.wiener_accumulate(
                    t0, tz, np.ascontiguousarray(al.subpixel[i0:i1]), fy1, fx1,
                    np.ascontiguousarray(noise_d, dtype=np.float32),
                    np.ascontiguousarray(expect, dtype=np.float64), float(mismatch), wpar,
                    bool(subpixel), acc, sum_a, sum_1ma2, float(motion))
                continue
            tz = sfft.rfft2(gather_tiles(alt, grid, al.displacement, i0, i1), workers=workers)
            if subpixel:
                sub = al.subpixel[i0:i1]  # (ci, nx, 2)
                ph = np.exp((2j * np.pi) * (sub[:, :, 0, None, None] * fy
                                            + sub[:, :, 1, None, None] * fx)).astype(np.complex64)
                tz = tz * ph[:, :, None]
            d = t0 - tz
            d2 = d.real * d.real + d.imag * d.imag
            energy = (d2 * wpar).sum(axis=(2, 3, 4))  # (ci, nx)
            bad = energy > mismatch * expect
            rejected += int(bad.sum())
            nd = noise_d
            if motion > 0:
                ratio = np.maximum(energy / np.where(expect > 0, expect, 1.0), 1.0)
                nd = noise_d / (ratio ** motion)[..., None].astype(np.float32)
            den = d2 + nd[..., None, None]
            a = np.where(den > 0, d2 / np.where(den > 0, den, 1), 0).astype(np.float32)
            a[bad] = 1.0
            acc += tz + a * d
            sum_a += a
            sum_1ma2 += (1.0 - a) ** 2
        var_cnt += int(np.prod(sum_a.shape[:-1])) * int(wpar.sum())
        if fast:
            var_sum += nb.wiener_finish(acc, sum_a, sum_1ma2,
                                        np.ascontiguousarray(sigma2, dtype=np.float32), nf, n,
                                        float(spatial), wpar)
        else:
            frac = ((1.0 + sum_a) ** 2 + sum_1ma2) / np.float32(nf * nf)
            var_sum += float((frac * wpar).sum(dtype=np.float64))
            acc /= np.float32(nf)
            if spatial > 0:
                # HDR+ spatial denoising: pointwise Wiener shrinkage against the merged noise
                m2 = acc.real * acc.real + acc.imag * acc.imag
                den = m2 + (spatial * n) * sigma2[..., None, None] * frac
                acc *= np.where(den > 0, m2 / np.where(den > 0, den, 1), 0).astype(np.float32)
        merged = sfft.irfft2(acc, s=(t, t), workers=workers, overwrite_x=True)
        if fast:
            nb.overlap_add_window(blocks, merged, win, i0)
        else:
            merged *= win
            overlap_add(blocks, merged, grid, i0)
    ratio = var_sum / max(var_cnt, 1)
    info = {"effective_frames": float(1.0 / ratio) if ratio > 0 else float(nf),
            "rejected_tiles": float(rejected / total) if total else 0.0}
    if fast:
        return nb.blocks_to_planes(blocks, grid.pad, grid.shape), info
    return blocks_to_planes(blocks, grid), info
