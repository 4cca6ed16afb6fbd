"""brightroom.portrait.bokeh: thin-lens CoC, aperture kernels, layered rendering without halos."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from brightroom.color.metrics import psnr
from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.errors import ParameterError
from brightroom.lab.bokeh_reference import disc_psf
from brightroom.portrait.bokeh import (
    BOKEH_METHODS,
    LENS_STYLES,
    BokehParams,
    LensStyle,
    _bokeh_layered,
    _render_layered,
    aperture_kernel,
    coc_radius_px,
    composite_full,
    estimate_noise,
    refocus,
    render_bokeh,
)
from brightroom.types import Image


def test_coc_thin_lens_by_hand():
    p = BokehParams(f_number=2.0, focal_length=50.0, sensor_width=36.0)
    # A = 25 mm; c = A f |z - zf| / (z (zf - f)); pitch = 36 mm / 1000 px; radius = c / 2
    c_far = 25e-3 * 50e-3 * 2.0 / (4.0 * 1.95)
    c_near = 25e-3 * 50e-3 * 1.0 / (1.0 * 1.95)
    r = coc_radius_px(np.array([[4.0, 1.0, 2.0]], np.float32), p, 1000, 2.0)
    np.testing.assert_allclose(r[0], [c_far / 36e-6 / 2, -c_near / 36e-6 / 2, 0.0], rtol=1e-5)
    far = coc_radius_px(np.array([[np.inf]], np.float32), p, 1000, 2.0)
    assert far[0, 0] == pytest.approx(25e-3 * 50e-3 / 1.95 / 36e-6 / 2, rel=1e-5)


def test_kernel_disc_matches_exact_disc():
    k = aperture_kernel(10.0)
    ref = disc_psf(10.0)
    assert k.shape == ref.shape and k.sum() == pytest.approx(1.0, abs=1e-5)
    assert np.abs(k - ref).sum() < 0.06


def test_kernel_polygon_area():
    r = 20.0
    for n in (5, 6, 8):
        k = aperture_kernel(r, LensStyle(blades=n))
        area = 1 / k.max()  # flat kernel: 1 / height = area in pixels
        expect = 0.5 * n * r * r * math.sin(2 * math.pi / n)  # polygon with circumradius r
        assert area == pytest.approx(expect, rel=0.04)


def test_kernel_styles_vary_with_position():
    centre = aperture_kernel(12.0, LENS_STYLES["cats-eye"])
    corner = aperture_kernel(12.0, LENS_STYLES["cats-eye"], position=(0.9, 0.9))
    assert (corner > 0).sum() < 0.8 * (centre > 0).sum()
    np.testing.assert_allclose(centre, aperture_kernel(12.0), atol=1e-6)
    sw = aperture_kernel(12.0, LensStyle(swirl=0.8), position=(1.0, 0.0))
    ys, xs = np.nonzero(sw > 0)
    assert np.ptp(ys) > 1.3 * np.ptp(xs)  # stretched tangentially (vertical at the right edge)
    bub = aperture_kernel(12.0, LENS_STYLES["soap-bubble"])
    c = bub.shape[0] // 2
    assert bub[c, c + 11] > 2 * bub[c, c]  # bright rim


def test_in_focus_is_unchanged(rng):
    img = rng.random((64, 80, 3)).astype(np.float32)
    out = render_bokeh(img, np.full((64, 80), 2.0, np.float32), focus_distance=2.0,
                       params=BokehParams(noise=False))
    np.testing.assert_allclose(out, img, atol=1e-4)


def test_uniform_blur_matches_disc_convolution(rng):
    img = cv2.GaussianBlur(rng.random((96, 96, 3)).astype(np.float32), (0, 0), 1.0)
    p = BokehParams(noise=False, highlight_gain=0.0)
    out = render_bokeh(img, np.full((96, 96), 20.0, np.float32), focus_distance=1.0, params=p)
    r = float(coc_radius_px(np.array([[20.0]]), p, 96, 1.0)[0, 0])
    ref = srgb_encode(cv2.filter2D(srgb_decode(img), -1, disc_psf(r),
                                   borderType=cv2.BORDER_REFLECT))
    assert psnr(out, ref, border=12) > 40


def _square_scene():
    img = np.full((120, 120, 3), 0.2, np.float32)
    img[40:80, 40:80] = 0.95
    depth = np.full((120, 120), 10.0, np.float32)
    depth[40:80, 40:80] = 1.0
    return img, depth


def test_no_halo_around_sharp_subject():
    img, depth = _square_scene()
    p = BokehParams(f_number=1.4, noise=False, highlight_gain=0.0)
    out = render_bokeh(img, depth, focus_distance=1.0, params=p)
    naive = render_bokeh(img, depth, focus_distance=1.0, params=p, method="naive")
    ring = np.zeros((120, 120), bool)
    ring[34:86, 34:86] = True
    ring[38:82, 38:82] = False
    assert np.abs(out[ring] - 0.2).max() < 0.02  # background stays background
    assert np.abs(naive[ring] - 0.2).max() > 0.05  # the naive gather leaks the subject
    np.testing.assert_allclose(out[42:78, 42:78], 0.95, atol=1e-4)  # subject stays sharp


def test_foreground_blur_covers_focus():
    img, depth = _square_scene()
    depth = np.where(depth == 1.0, 0.5, 3.0).astype(np.float32)  # near square, focus behind
    p = BokehParams(f_number=1.4, noise=False, highlight_gain=0.0)
    out = render_bokeh(img, depth, focus_distance=3.0, params=p)
    assert out[40, 60].mean() < 0.9 and out[38, 60].mean() > 0.3  # the near square's edge spills outward


def test_numba_composite_matches_numpy(rng):
    h, w, hs, ws = 37, 53, 19, 27
    img = rng.random((h, w, 3)).astype(np.float32)
    matte = rng.random((h, w)).astype(np.float32)
    r_w = (rng.random((hs, ws)) * 4 - 2).astype(np.float32)
    b, best, nn = (rng.random((hs, ws, 3)).astype(np.float32) for _ in range(3))
    na = rng.random((hs, ws)).astype(np.float32)
    noise = rng.standard_normal((11, 13)).astype(np.float32)
    for m in (matte, None):
        a = composite_full(img, m, r_w, b, best, nn, na, noise, 0.01, fast=False)
        f = composite_full(img, m, r_w, b, best, nn, na, noise, 0.01, fast=True)
        np.testing.assert_allclose(f, a, atol=2e-5)


def test_highlights_become_discs():
    img = np.full((80, 80, 3), 0.1, np.float32)
    img[40, 40] = 1.0
    depth = np.full((80, 80), 10.0, np.float32)
    p0 = BokehParams(noise=False, highlight_gain=0.0)
    p1 = BokehParams(noise=False, highlight_gain=4.0)
    a = render_bokeh(img, depth, focus_distance=1.0, params=p0)
    b = render_bokeh(img, depth, focus_distance=1.0, params=p1)
    assert srgb_decode(b)[40, 40].mean() - 0.01 > 3 * (srgb_decode(a)[40, 40].mean() - 0.01)


def test_noise_estimate(rng):
    x = np.full((200, 200, 3), 0.5, np.float32) + rng.normal(0, 0.01, (200, 200, 1)).astype(
        np.float32)
    assert estimate_noise(x) == pytest.approx(0.01, rel=0.1)


def test_noise_readded(rng):
    img = np.full((100, 100, 3), 0.5, np.float32) + rng.normal(0, 0.02, (100, 100, 1)).astype(
        np.float32)
    depth = np.full((100, 100), 10.0, np.float32)
    depth[:, :50] = 1.0
    out = render_bokeh(img, depth, focus_distance=1.0, params=BokehParams(highlight_gain=0))
    blurred_noise = estimate_noise(out[:, 70:])
    assert blurred_noise == pytest.approx(0.02, rel=0.35)
    quiet = render_bokeh(img, depth, focus_distance=1.0,
                         params=BokehParams(noise=False, highlight_gain=0))
    assert estimate_noise(quiet[:, 70:]) < 0.005


def test_refocus_moves_sharpness(rng):
    tex = rng.random((80, 120, 3)).astype(np.float32)
    depth = np.full((80, 120), 1.0, np.float32)
    depth[:, 60:] = 5.0
    p = BokehParams(f_number=1.4, noise=False)
    near = refocus(tex, depth, (0.25, 0.5), params=p)
    far = refocus(tex, depth, (0.75, 0.5), params=p)
    assert np.abs(near[:, :50] - tex[:, :50]).mean() < 1e-4
    assert np.abs(far[:, 70:] - tex[:, 70:]).mean() < 1e-4
    assert np.abs(far[:, :50] - tex[:, :50]).mean() > 0.05


def test_image_in_image_out(rng):
    data = rng.random((40, 40, 3)).astype(np.float32)
    im = Image(data, space="linear_rgb")
    out = render_bokeh(im, np.full((10, 10), 3.0, np.float32), focus_distance=1.0)
    assert isinstance(out, Image) and out.transfer == "linear" and out.data.shape == (40, 40, 3)
    assert out.data is not data and np.array_equal(im.data, data)


def test_varying_style_renders(rng):
    img = rng.random((60, 60, 3)).astype(np.float32)
    out = render_bokeh(img, np.full((60, 60), 9.0, np.float32), focus_distance=1.0,
                       params=BokehParams(style="swirly", noise=False))
    assert np.isfinite(out).all() and out.shape == img.shape


def test_layers_fill_hole_behind_subject():
    lin = np.full((50, 50, 3), 0.3, np.float32)
    r = np.full((50, 50), 6.0, np.float32)
    r[15:35, 15:35] = 0.0
    b, best, npre, na = _render_layered(lin, r, LensStyle(), False)
    np.testing.assert_allclose(b, 0.3, atol=1e-4)  # the hole is filled with background
    assert na.max() == 0


def test_method_names_ignore_case(rng):
    assert BOKEH_METHODS["Layered"] is BOKEH_METHODS["layered"] is _bokeh_layered
    img = rng.random((32, 40, 3)).astype(np.float32)
    depth = np.linspace(1.0, 5.0, 40, dtype=np.float32)[None].repeat(32, 0)
    for name in ("naive", "layered"):
        np.testing.assert_array_equal(
            render_bokeh(img, depth, focus_distance=1.0, method=name.upper()),
            render_bokeh(img, depth, focus_distance=1.0, method=name))
    with pytest.raises(ParameterError, match="unknown bokeh method 'x'; known: layered, naive$"):
        render_bokeh(img, depth, method="x")


def test_bad_params():
    with pytest.raises(ParameterError):
        BokehParams(f_number=0.1)
    with pytest.raises(ParameterError):
        BokehParams(style="nope")
    with pytest.raises(ParameterError):
        LensStyle(blades=2)
    with pytest.raises(ParameterError):
        render_bokeh(np.zeros((4, 4), np.float32), np.ones((4, 4), np.float32))
    with pytest.raises(ParameterError):
        render_bokeh(np.zeros((4, 4, 3), np.float32), np.ones((4, 4), np.float32), method="x")
    with pytest.raises(ParameterError):
        _bokeh_layered(np.zeros((4, 4, 3), np.float32), np.ones((4, 4), np.float32),
                       BokehParams(), matte=np.zeros((3, 3), np.float32))
