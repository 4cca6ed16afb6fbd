"""brightroom.portrait.photo: focus forms, depth scale, memory check, and real files end to end.

The real-file tests do what a user would and measure the result with plain statistics written
here: detail as the variance of a band-pass (difference of Gaussians, 2 and 4 px) of the grey
picture, which re-added grain (finer) does not fill; noise as the median over flat 16 x 16 tiles
of the deviation left after each tile's best plane.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

import brightroom
from brightroom.errors import CorruptFileError, InputError, ParameterError
from brightroom.io.depth import DepthMap, read_depth, read_xmp_original
from brightroom.portrait.bokeh import BokehParams
from brightroom.portrait.photo import (
    NOMINAL_SUBJECT_DISTANCE,
    NoSubjectError,
    check_memory,
    portrait_inputs,
    render_portrait,
    resolve_focus,
)
from conftest import segmentation_model as _need_model
from conftest import shared_file

DATA = Path(__file__).parent / "data"


def _grey(a: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(a, np.float32), cv2.COLOR_RGB2GRAY)


def _band(a: np.ndarray, mask: np.ndarray) -> float:
    g = _grey(a)
    d = cv2.GaussianBlur(g, (0, 0), 2.0) - cv2.GaussianBlur(g, (0, 0), 4.0)
    return float(d[mask].var())


def _tile_noise(g: np.ndarray, b: int = 16) -> np.ndarray:
    """Per 16 x 16 tile (tiling), the deviation of the tile minus its least-squares plane."""
    h, w = g.shape
    t = g[:h // b * b, :w // b * b].reshape(h // b, b, w // b, b).transpose(0, 2, 1, 3)
    t = t.reshape(-1, b * b).astype(np.float64)
    yy, xx = np.mgrid[0:b, 0:b]
    a = np.stack([np.ones(b * b), xx.ravel(), yy.ravel()], 1)
    return (t - (t @ np.linalg.pinv(a).T) @ a.T).std(axis=1)


def _psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    return float(10 * np.log10(1 / np.mean((a - b)[mask] ** 2)))


# ------------------------------------------------------------------------ focus and scale


def test_resolve_focus_forms():
    assert resolve_focus("auto") == "auto" and resolve_focus(" AUTO ") == "auto"
    assert resolve_focus((200, 150), 400, 300) == (0.5, 0.5)  # pixels, as clicked
    assert resolve_focus("100,75", 400, 300) == (0.25, 0.25)
    assert resolve_focus("50%,40%", 400, 300) == pytest.approx((0.5, 0.4))
    assert resolve_focus(" 10 % , 90 % ", 400, 300) == pytest.approx((0.1, 0.9))
    assert resolve_focus("100,75") == "100,75"  # syntax only without a size
    for bad in ("left", "1,2,3", "50%,40", "", (1,), ("a", 2), (True, 3), "nan,3"):
        with pytest.raises(ParameterError, match="focus"):
            resolve_focus(bad, 400, 300)
    with pytest.raises(ParameterError, match="outside the 400x300 picture"):
        resolve_focus((401, 10), 400, 300)
    with pytest.raises(ParameterError, match="0..100"):
        resolve_focus("120%,5%", 400, 300)


def test_relative_depth_is_scaled_to_the_subject(rng):
    img = rng.random((64, 96, 3)).astype(np.float32)
    z = np.full((64, 96), 60.0, np.float32)
    z[:, :40] = 20.0
    p = BokehParams(noise=False)
    rel = DepthMap(z, units="relative", focus_distance=20.0, focus_point=(0.2, 0.5))
    r = render_portrait(img, depth=rel, params=p, use_segmentation=False)
    assert r.focus_source == "file"
    assert r.focus_distance == pytest.approx(NOMINAL_SUBJECT_DISTANCE, rel=1e-4)
    assert np.median(r.depth[:, 70:]) == pytest.approx(3 * NOMINAL_SUBJECT_DISTANCE, rel=0.05)
    # only ratios count: the same map in other units renders the same picture
    r10 = render_portrait(img, depth=DepthMap(z * 10, units="relative", focus_distance=200.0),
                          params=p, use_segmentation=False)
    np.testing.assert_allclose(r10.image, r.image, atol=1e-5)
    # a metric map is used as it is: the same numbers in metres focus at 20 m
    m = render_portrait(img, depth=DepthMap(z, focus_distance=20.0), params=p,
                        use_segmentation=False)
    assert m.focus_distance == pytest.approx(20.0)
    # the caller's point wins over the file's focus
    pt = render_portrait(img, depth=rel, params=p, focus="80%,50%", use_segmentation=False)
    assert pt.focus_source == "point" and pt.focus_distance == pytest.approx(4.5, rel=0.05)


def test_memory_check(tmp_path, monkeypatch):
    from PIL import Image as PILImage

    p = tmp_path / "a.png"
    PILImage.fromarray(np.zeros((100, 200, 3), np.uint8)).save(p)
    check_memory(p, limit=10**9)
    with pytest.raises(InputError, match="200x100") as e:
        check_memory(p, limit=1000)
    assert "\n" not in str(e.value)
    monkeypatch.setenv("BRIGHTROOM_MEMORY_LIMIT", "1K")
    with pytest.raises(InputError, match="BRIGHTROOM_MEMORY_LIMIT allows"):
        brightroom.portrait(p, tmp_path / "o.png", depth=np.ones((100, 200), np.float32))
    assert not (tmp_path / "o.png").exists()
    monkeypatch.setenv("BRIGHTROOM_MEMORY_LIMIT", "lots")
    with pytest.raises(ParameterError, match="BRIGHTROOM_MEMORY_LIMIT"):
        check_memory(p)
    monkeypatch.setenv("BRIGHTROOM_MEMORY_LIMIT", "4G")
    check_memory(p)
    check_memory(tmp_path / "missing.png")  # the reader says what is wrong, not this check


@pytest.mark.slow
def test_200_megapixel_heic_is_refused_quickly(tmp_path, monkeypatch):
    """A 16384 x 12288 grid HEIC (made with pillow-heif, tests/data) under a 4 GB limit: one
    line, before decoding, in well under a second, nothing written."""
    big = DATA / "heic-200mp-grid.heic"
    monkeypatch.setenv("BRIGHTROOM_MEMORY_LIMIT", "4G")
    t = time.perf_counter()
    with pytest.raises(InputError, match=r"16384x12288 \(201 MP\).*4.0 GiB") as e:
        brightroom.portrait(big, tmp_path / "big.jpg")
    assert time.perf_counter() - t < 1.0
    assert "\n" not in str(e.value) and not (tmp_path / "big.jpg").exists()


# ------------------------------------------------------------------------ no subject


def _no_person_photos() -> dict[str, np.ndarray]:
    from skimage import data

    out = {}
    for name in ("coffee", "chelsea", "rocket", "hubble_deep_field", "brick", "grass", "gravel",
                 "retina", "coins", "horse"):
        a = getattr(data, name)()
        if a.dtype == bool:
            a = a.astype(np.uint8) * 255
        if a.ndim == 2:
            a = np.repeat(a[..., None], 3, axis=2)
        out[name] = a[..., :3].astype(np.float32) / 255
    out["motorcycle"] = data.stereo_motorcycle()[0].astype(np.float32) / 255
    return out


@pytest.mark.slow
def test_no_person_photos_are_left_alone(tmp_path):
    """Landscapes, animals, still lifes, textures: without a depth map there is no subject, so
    the photo is refused with one line and nothing is written (never blurred around a guess).
    The selfie model alone fires on several of them (chelsea 92 % of the frame at 0.95, coins,
    retina)."""
    _need_model()
    for name, a in _no_person_photos().items():
        with pytest.raises(NoSubjectError, match="no subject: no person found") as e:
            photo = brightroom.Image(a, space="display", transfer="sRGB")
            brightroom.portrait(photo, tmp_path / f"{name}.png")
        assert "\n" not in str(e.value), name
        assert not (tmp_path / f"{name}.png").exists(), name


@pytest.mark.slow
def test_people_are_still_found():
    from skimage import data

    from brightroom.lab.portrait_scenes import portrait_scene

    _need_model()
    cam = np.repeat(data.camera()[..., None], 3, axis=2).astype(np.float32) / 255
    for a in (data.astronaut().astype(np.float32) / 255, cam, portrait_scene(size=256).display):
        r = render_portrait(a, params=BokehParams(noise=False))
        assert r.person_found and r.depth_source == "layered" and r.focus_source == "person"


# ------------------------------------------------------------------------ grain


@pytest.mark.slow
@pytest.mark.parametrize("iso, lux", [(100, 300), (3200, 10)])
def test_grain_matches_lab_noise(iso, lux):
    """A lab portrait shot by the virtual camera and developed: the grain put back in the
    blurred background is within 25 % of the input's own noise there (flat tiles, the
    noise-free shot telling which tiles are flat)."""
    from brightroom.charts.scene import Scene
    from brightroom.lab.camera import simulate
    from brightroom.lab.portrait_scenes import portrait_scene

    sc = portrait_scene("astronaut-wall", size=512, hedge=False, seed=1)
    scene = Scene(rgb=np.ascontiguousarray(sc.image, np.float32), name="portrait",
                  depth=sc.depth)
    noisy, clean = (brightroom.develop(simulate(scene, iso=iso, seed=1, noise=n, lux=lux),
                                       wb="as-shot").data for n in (True, False))
    kw = dict(depth=sc.depth, use_segmentation=False, focus="50%,30%")
    out = render_portrait(noisy, params=BokehParams(f_number=1.4), **kw).image
    ref = render_portrait(clean, params=BokehParams(f_number=1.4, noise=False), **kw).image
    bg = cv2.erode(((sc.depth > 7) & (sc.matte < 0.01)).astype(np.uint8),
                   np.ones((41, 41), np.uint8)).astype(np.float32)
    bg_tiles = cv2.resize(bg, (32, 32), interpolation=cv2.INTER_AREA).ravel() >= 0.999
    flat = (_tile_noise(clean.mean(axis=2)) < 0.4 / 255) & bg_tiles
    assert flat.sum() >= 20
    sigma_in = np.median(_tile_noise(noisy.mean(axis=2))[flat])
    sigma_out = np.median(_tile_noise((out - ref).mean(axis=2))[flat])
    assert sigma_out == pytest.approx(sigma_in, rel=0.25), (iso, sigma_in * 255, sigma_out * 255)


@pytest.mark.slow
@pytest.mark.realdata
def test_grain_matches_iphone_wall():
    """The iPhone HEIC's wall (behind the pug, blurred): the grain's deviation is within 25 % of
    the wall's own noise, and its fine-scale energy (Laplacian variance) too - white grain of the
    same deviation had 50x the Laplacian variance."""
    src = shared_file("iphone-portrait-depth.heic")
    r = brightroom.portrait(src, aperture=2.0)
    img = brightroom.read_image(src).data
    out = r.image.data
    h, w = img.shape[:2]
    wall = (slice(int(0.05 * h), int(0.4 * h)), slice(int(0.3 * w), int(0.9 * w)))
    gi, go = _grey(img[wall]), _grey(out[wall])
    ti, to = _tile_noise(gi), _tile_noise(go)
    flat = ti <= np.percentile(ti, 50)  # the wall's flatter half (it has a faint texture)
    assert np.median(to[flat]) == pytest.approx(np.median(ti[flat]), rel=0.25)
    li = cv2.Laplacian(gi, cv2.CV_32F).var()
    lo = cv2.Laplacian(go, cv2.CV_32F).var()
    assert lo == pytest.approx(li, rel=0.5)


# ------------------------------------------------------------------------ real files


@pytest.mark.slow
@pytest.mark.realdata
def test_gdepth_jpeg_background_blurred_subject_kept():
    """Google Lens Blur JPEG: rendered from its unblurred original, focused where the camera
    focused (GFocus 26.52 at 0.298, 0.532), the background's detail falls at least 4x at f/1.4
    and the flowers in focus stay within 30 dB."""
    src = shared_file("gdepth-flowers.jpg")
    r = brightroom.portrait(src, aperture=1.4)
    assert r.depth_source == "file" and r.focus_source == "file"
    assert any("GImage" in n for n in r.notes) and any("unknown scale" in n for n in r.notes)
    orig = read_xmp_original(src)
    out = np.clip(r.image.data, 0, 1)
    d = read_depth(src)
    z, zf = d.depth, d.focus_distance
    bg = cv2.erode((z > 2 * zf).astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
    assert bg.mean() > 0.2
    assert _band(orig, bg) / _band(out, bg) >= 4.0
    h, w = z.shape
    yy, xx = np.mgrid[0:h, 0:w]
    fx, fy = d.focus_point
    subject = (np.abs(z / zf - 1) < 0.05) & (np.hypot(xx / w - fx, (yy / h - fy) * h / w) < 0.12)
    subject = cv2.erode(subject.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    assert subject.sum() > 20000
    assert _psnr(out, orig, subject) >= 30.0


@pytest.mark.slow
@pytest.mark.realdata
def test_burst_heic_is_not_stereo(tmp_path):
    src = shared_file("heic-burst.heic")
    photo, depth, right = portrait_inputs(src)
    assert depth is None and right is None and photo.data.shape == (720, 1280, 3)
    _need_model()
    with pytest.raises(NoSubjectError, match="no subject") as e:
        brightroom.portrait(src, tmp_path / "bird.jpg")
    assert "\n" not in str(e.value) and not (tmp_path / "bird.jpg").exists()
    with pytest.raises(InputError, match="no stereo pair"):
        brightroom.portrait(src, tmp_path / "bird.jpg", stereo=src)


@pytest.mark.slow
@pytest.mark.realdata
def test_multi_image_and_truncated_heics(tmp_path):
    multi = shared_file("heic-multi-image.heic")
    photo, depth, right = portrait_inputs(multi)  # the grey primary, no pair
    assert depth is None and right is None and photo.data.shape[2] == 3
    _need_model()
    with pytest.raises(NoSubjectError) as e:
        brightroom.portrait(multi, tmp_path / "m.jpg")
    assert "\n" not in str(e.value)
    src = shared_file("iphone-portrait-depth.heic").read_bytes()
    cut = tmp_path / "cut.heic"
    cut.write_bytes(src[:600_000])
    with pytest.raises(CorruptFileError, match="truncated") as e:
        brightroom.portrait(cut, tmp_path / "c.jpg")
    assert "\n" not in str(e.value) and not (tmp_path / "c.jpg").exists()


@pytest.mark.slow
@pytest.mark.realdata
def test_spatial_photo_keeps_the_plant_with_its_pot():
    """iPhone/Vision Pro spatial photo (a declared stereo pair): auto focus lands on the plant
    growing out of the pot, whose leaves stay much sharper than the house behind; the trunk,
    a few pixels wide, keeps its own depth (near the pot's), not the deck's behind it."""
    src = shared_file("iphone-spatial-stereo.heic")
    r = brightroom.portrait(src, aperture=2.0)
    assert r.depth_source == "stereo" and r.focus_source == "depth"
    left = brightroom.read_image(src).data
    out = r.image.data
    h, w = left.shape[:2]

    def sharp(region: tuple[slice, slice]) -> float:  # detail kept (band-pass, see top)
        m = np.ones(out[region].shape[:2], bool)
        return _band(out[region], m) / _band(left[region], m)

    leaves = (slice(int(0.27 * h), int(0.55 * h)), slice(int(0.33 * w), int(0.62 * w)))
    house = (slice(0, int(0.25 * h)), slice(int(0.3 * w), int(0.7 * w)))
    assert sharp(leaves) >= 0.5 and sharp(leaves) >= 4 * sharp(house), (sharp(leaves),
                                                                          sharp(house))
    d = r.depth
    dh, dw = d.shape
    row = d[int(0.66 * dh), int(0.45 * dw):int(0.60 * dw)]
    pot = float(np.median(d[int(0.78 * dh):int(0.82 * dh), int(0.50 * dw):int(0.54 * dw)]))
    deck = float(np.median(d[int(0.64 * dh):int(0.68 * dh), int(0.70 * dw):int(0.80 * dw)]))
    trunk = row[row < 0.8 * deck]
    assert 3 <= trunk.size <= 0.5 * row.size  # a thin structure, found
    assert np.median(trunk) == pytest.approx(pot, rel=0.3)
