"""Tests of brightroom.lab.camera.optics: PSF, vignetting, lateral CA."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import j1

from brightroom.errors import ParameterError
from brightroom.lab.camera.optics import (
    Optics,
    airy_psf,
    apply_lateral_ca,
    apply_optics,
    kernel_mtf,
    optics_mtf,
    psf_kernels,
    vignetting_map,
)


def test_airy_first_zero_at_1_22_lambda_n():
    lam, n = 550.0, 2.8
    r0 = 1.22 * lam * 1e-3 * n
    assert airy_psf(np.array([r0]), lam, n)[0] < 1e-5
    # the exact zero is the first zero of J1 (3.8317) / pi
    v0 = brentq(j1, 3.0, 4.5)
    assert r0 == pytest.approx(v0 / np.pi * lam * 1e-3 * n, rel=2e-3)


def test_psf_kernels_normalised_and_larger_for_red_and_small_apertures():
    kr, kg, kb = psf_kernels(2.8, 1.0, (620.0, 530.0, 460.0), 0.0)
    for k in (kr, kg, kb):
        assert k.sum() == pytest.approx(1.0, abs=1e-6)
        assert k.shape[0] % 2 == 1
        np.testing.assert_allclose(k, k.T, atol=1e-7)
    centre = [k[k.shape[0] // 2, k.shape[1] // 2] for k in (kr, kg, kb)]
    assert centre[0] < centre[1] < centre[2]  # diffraction grows with wavelength
    k_small = psf_kernels(8.0, 1.0, (530.0,), 0.0)[0]
    assert k_small[k_small.shape[0] // 2].max() < centre[1]


def test_vignetting_is_cos4_of_field_angle():
    o = Optics(half_fov_deg=40.0, vignetting=1.0)
    v = vignetting_map((101, 101), o)
    assert v[50, 50] == pytest.approx(1.0)
    assert v[0, 0] == pytest.approx(np.cos(np.deg2rad(40.0)) ** 4, rel=1e-5)


def test_lateral_ca_magnifies_the_red_channel():
    img = np.zeros((101, 101, 3), np.float32)
    img[50, 90, :] = 1.0  # a dot 40 px right of centre
    out = apply_lateral_ca(img, (0.025, 0.0, -0.025))
    xs = np.arange(101)
    red_x = (out[50, :, 0] * xs).sum() / out[50, :, 0].sum()
    blue_x = (out[50, :, 2] * xs).sum() / out[50, :, 2].sum()
    assert red_x == pytest.approx(50 + 40 * 1.025, abs=0.05)
    assert blue_x == pytest.approx(50 + 40 * 0.975, abs=0.05)
    np.testing.assert_array_equal(out[..., 1], img[..., 1])


def test_apply_optics_keeps_energy_and_input():
    rng = np.random.default_rng(0)
    img = rng.uniform(0, 1, (64, 64, 3)).astype(np.float32)
    before = img.copy()
    out = apply_optics(img, Optics(vignetting=0.0), 2.0)
    np.testing.assert_array_equal(img, before)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.mean(axis=(0, 1)), img.mean(axis=(0, 1)), rtol=5e-3)


def test_bad_optics():
    with pytest.raises(ParameterError):
        Optics(f_number=0.1)
    with pytest.raises(ParameterError):
        Optics(lateral_ca=(0.5, 0, 0))


def test_optics_mtf_matches_numerical_airy_lsf():
    """The analytic diffraction OTF against the Fourier transform of the sampled Airy LSF."""
    lam, n, pitch = 550.0, 4.0, 2.0
    step = 0.05  # um
    x = np.arange(-400, 400) * step
    xx, yy = np.meshgrid(x, x)
    lsf = airy_psf(np.hypot(xx, yy), lam, n).sum(axis=0)
    spec = np.abs(np.fft.rfft(np.fft.ifftshift(lsf)))
    spec /= spec[0]
    f_um = np.fft.rfftfreq(x.size, step)
    f_px = np.array([0.1, 0.25, 0.4])
    numeric = np.interp(f_px / pitch, f_um, spec)
    np.testing.assert_allclose(optics_mtf(f_px, lam, n, pitch), numeric, atol=0.02)


@pytest.mark.parametrize("args", [(1.8, 2.44, 535.0, 0.35), (2.8, 2.4, 600.0, 0.3),
                                  (2.2, 1.12, 465.0, 0.6)])
def test_kernel_response_follows_lens_mtf(args):
    n, pitch, lam, sigma = args
    k = psf_kernels(n, pitch, (lam,), sigma)[0]
    f = np.linspace(0, 0.5, 11)
    np.testing.assert_allclose(kernel_mtf(k, f), optics_mtf(f, lam, n, pitch, sigma), atol=0.035)


def test_no_lens_blur_is_identity():
    k = psf_kernels(2.0, 2.0, (550.0,), 0.0, False)[0]
    assert k[k.shape[0] // 2, k.shape[1] // 2] == pytest.approx(1.0)
    assert np.abs(k).sum() == pytest.approx(1.0)


def test_veiling_glare_lifts_black_and_conserves_energy():
    img = np.zeros((64, 64, 3), np.float32)
    img[:, 32:] = 1.0
    o = Optics(vignetting=0.0, veiling_glare=0.02, diffraction=False, defocus_sigma_px=0.0)
    out = apply_optics(img, o, 2.0)
    assert out[:, :8].mean() == pytest.approx(0.02 * 0.5, rel=1e-4)
    assert out.mean() == pytest.approx(img.mean(), rel=1e-5)
