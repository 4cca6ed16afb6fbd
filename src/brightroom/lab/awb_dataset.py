"""Spectral renders for training and testing automatic white balance, split by camera, light and scene.

Every case is a small linear camera-RGB image (what :func:`~brightroom.develop.white_balance.
mosaic_preview` gives the AWB methods) with its camera's DNG colour matrices and the exact
ground truth: the camera's response to a perfect white under the light (for a two-light case,
per pixel). Cameras, lights and scenes come in two disjoint splits, ``"train"`` (used by
``tools/train_awb.py`` only) and ``"test"`` (used by ``benchmarks/bench_awb.py`` only):

=============  ===========================================  ==========================================
               train                                        test
=============  ===========================================  ==========================================
cameras        Sigma SD Merrill (NPL, measured), the        Nikon D5100 (NPL, measured), the
               ``flagship-2022`` lab preset and 4           ``budget-phone`` lab preset, 3 random
               perturbed copies of it (channels shifted     Gaussian sets (seed 1)
               and tilted), 10 random Gaussian sets
               (seed 0); some camera-scene pairs with one
               (D65) colour matrix instead of two
lights         Planckian 1900-4000 K and CIE daylight       Planckian 2300/2700/3200 K, daylight
               4000-12000 K (random, with random green/     4500/5500/6500/7500/9500 K; FL4, FL6,
               magenta tints), FL1-3, FL5, FL7-9, FL11,     FL10, FL12, FL3.9-FL3.15, LED-B2,
               FL3.1-FL3.8, LED-B1, B3, B5, BH1, V1         LED-B4, LED-RGB1, LED-V2
scenes         Mondrians of the RAW-to-ACES 190 training    scikit-image's astronaut, coffee,
               spectra, CIE TCS, CQS VS, Otsu (2018)        chelsea, rocket and motorcycle (and
               cluster means and random natural colours;    crops); Mondrians of the ColorChecker
               dead-leaves scenes of Munsell renotation     (Ohta, BabelColor average, ISO 17321-1)
               colours (natural palettes, depth of field,   spectra
               subjects before a dark defocused ground);
               scikit-image's immunohistochemistry,
               retina, colorwheel, logo and grey textures
               tinted
=============  ===========================================  ==========================================

(The lab's ``one-inch`` preset is not a training camera: its sensitivities are the Nikon D5100's.)

Photos are taken as linear sRGB reflectance coordinates and turned into spectra with Mallett &
Yuksel's (2019) basis (reflectances in [0, 1]); Mondrians use measured reflectance spectra
directly. Camera responses are exact (:func:`brightroom.lab.camera.spectral.response_spectra`),
with shot and read noise and clipping at 1. Each camera gets DNG ``ColorMatrix1`` (A) and
``ColorMatrix2`` (D65) from :func:`~brightroom.lab.camera.spectral.dng_calibration`, as a raw
converter's profile would provide.

Two-light cases mix two lights of the split with a smooth blend weight (a soft edge across the
frame, or a pool of light): ``E(x) = w(x) E1 + (1 - w(x)) E2``, scaled by a random power ratio.
In half of them the region lit by the first light is in focus and the rest is defocused (a
subject before a background, the usual mixed-light photograph); the global label of such a case
is the subject's light (as a photographer balances for the subject), of the others the light of
the larger share of the frame's signal. ``truth_map`` holds every pixel's own light, which is
what the benchmark scores two-light cases against.

References
----------
Mallett, I., Yuksel, C. (2019). Spectral primary decomposition for rendering with sRGB
reflectance. Eurographics Symposium on Rendering - DL-only and Industry Track.
Otsu, H., Yamamoto, M., Hachisuka, T. (2018). Reproducing spectral reflectances from
tristimulus colours. Computer Graphics Forum 37(6), 370-381.
Newhall, S. M., Nickerson, D., Judd, D. B. (1943). Final report of the O.S.A. subcommittee on
the spacing of the Munsell colors. JOSA 33(7), 385-418 (the renotation colours).
Matheron, G. (1968). Modele sequentiel de partition aleatoire. CMM (dead leaves).
Barnard, K., Martin, L., Coath, A., Funt, B. (2002). A comparison of computational color
constancy algorithms, part II: experiments with image data. IEEE TIP 11(9) (Mondrian scenes).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

from brightroom.charts.scene import WAVELENGTHS, _align, _colour, illuminant_sd
from brightroom.color.spaces import bradford_adaptation, get_space, srgb_decode
from brightroom.errors import ParameterError
from brightroom.lab.camera.presets import PRESETS
from brightroom.lab.camera.spectral import (
    Illuminant,
    Sensitivities,
    dng_calibration,
    gaussian_sensitivities,
    measured_sensitivities,
    response_spectra,
)
from brightroom.types import CameraInfo

__all__ = ["SPLITS", "AWBCase", "cameras", "camera_info", "lights", "scenes", "render_case",
           "cases"]

SPLITS = ("train", "test")


@dataclass(frozen=True, eq=False)
class AWBCase:
    """One rendered AWB case.

    Attributes
    ----------
    rgb
        ``H x W x 3`` float32 linear camera RGB (clipped at 1).
    camera
        Its :class:`~brightroom.types.CameraInfo` (DNG matrices).
    truth
        ``(3,)`` unit camera RGB of the (global) light.
    truth_map
        ``H x W x 3`` unit camera RGB of the light at each pixel (two-light cases), else None.
    name
        ``camera | light(s) | scene``.
    """

    rgb: np.ndarray
    camera: CameraInfo
    truth: np.ndarray
    truth_map: np.ndarray | None
    name: str
    mixed: bool = False


def _check(split: str) -> None:
    if split not in SPLITS:
        raise ParameterError(f"split must be one of {SPLITS}, got {split!r}")


def _random_gaussian(rng: np.random.Generator, k: int) -> Sensitivities:
    r = rng.uniform
    lobes = (
        ((r(585, 620), r(20, 40), 1.0), (r(520, 545), r(30, 50), r(0.0, 0.2)),
         (r(445, 470), r(20, 35), r(0.0, 0.1))),
        ((r(520, 555), r(28, 48), 1.0), (r(590, 615), r(25, 40), r(0.0, 0.15)),
         (r(460, 480), r(20, 35), r(0.0, 0.15))),
        ((r(445, 470), r(20, 35), 1.0), (r(520, 545), r(30, 45), r(0.0, 0.18)),
         (r(600, 620), r(25, 40), r(0.0, 0.06))),
    )
    return gaussian_sensitivities(lobes, (r(0.35, 0.5), r(0.45, 0.6), r(0.35, 0.5)),
                                  ir_cut_nm=r(630, 690), uv_cut_nm=r(395, 415),
                                  name=f"gaussian-{k}")


@cache
def cameras(split: str) -> tuple[Sensitivities, ...]:
    """The camera sensitivity sets of ``split`` (see the module docstring)."""
    _check(split)

    def preset(name: str) -> Sensitivities:
        return PRESETS[name].qe()

    if split == "train":
        rng = np.random.default_rng(0)
        out = [measured_sensitivities("Sigma SDMerill (NPL)"), preset("flagship-2022")]
        out += [_random_gaussian(rng, k) for k in range(10)]
        # (not the one-inch preset: it is the test split's Nikon D5100)
        prng = np.random.default_rng(5)
        out += [_perturbed(preset("flagship-2022"), prng, f"flagship-2022-perturbed-{k}")
                for k in range(4)]
    else:
        rng = np.random.default_rng(1)
        out = [measured_sensitivities("Nikon 5100 (NPL)"), preset("budget-phone")]
        out += [_random_gaussian(rng, 100 + k) for k in range(3)]
    return tuple(out)


def _perturbed(sens: Sensitivities, rng: np.random.Generator, name: str) -> Sensitivities:
    """``sens`` with each channel shifted by up to 8 nm and tilted by a smooth random factor
    (what differs between two sensor generations with the same colour filter design)."""
    lam = WAVELENGTHS
    qe = np.empty_like(sens.qe)
    for c in range(3):
        shift = rng.uniform(-8, 8)
        q = np.interp(lam - shift, lam, sens.qe[:, c], left=0.0, right=0.0)
        x = (lam - 555.0) / 175.0
        tilt = np.exp(rng.uniform(-0.35, 0.35) * x + rng.uniform(-0.25, 0.25) * (x * x - 1 / 3))
        qe[:, c] = np.maximum(q * tilt, 0.0)
    return Sensitivities(name=name, qe=qe)


@cache
def _camera_info(sens: Sensitivities) -> CameraInfo:
    a = dng_calibration(sens, "A")
    d = dng_calibration(sens, "D65")
    return CameraInfo(make="lab", model=sens.name, color_matrix1=a.color_matrix, illuminant1=17,
                      color_matrix2=d.color_matrix, illuminant2=21)


def camera_info(sens: Sensitivities, *, d65_only: bool = False) -> CameraInfo:
    """DNG-style description of a lab camera: ColorMatrix1 under A, ColorMatrix2 under D65
    (``d65_only``: one ColorMatrix1 under D65, as many real DNGs carry)."""
    info = _camera_info(sens)
    if d65_only:
        return CameraInfo(make=info.make, model=info.model, color_matrix1=info.color_matrix2,
                          illuminant1=21)
    return info


_TRAIN_NAMED = ("FL1", "FL2", "FL3", "FL5", "FL7", "FL8", "FL9", "FL11",
                *(f"FL3.{i}" for i in range(1, 9)), "LED-B1", "LED-B3", "LED-B5", "LED-BH1",
                "LED-V1")
_TEST_NAMED = ("FL4", "FL6", "FL10", "FL12", *(f"FL3.{i}" for i in range(9, 16)), "LED-B2",
               "LED-B4", "LED-RGB1", "LED-V2")
_TEST_CCTS = (2300.0, 2700.0, 3200.0, 4500.0, 5500.0, 6500.0, 7500.0, 9500.0)


def _tinted(spd: np.ndarray, amount: float) -> np.ndarray:
    """A green (amount > 0) or magenta (< 0) tinted version of a light: a bump at 545 nm."""
    bump = np.exp(-0.5 * ((WAVELENGTHS - 545.0) / 40.0) ** 2)
    return spd * np.maximum(1.0 + amount * bump, 0.05)


def lights(split: str, n_random: int = 0, seed: int = 0) -> list[tuple[str, np.ndarray]]:
    """``(name, relative SPD (81,))`` lights of ``split``.

    The test split is a fixed list; the train split has its named lights plus ``n_random``
    random Planckian / daylight lights (``seed``), a third of them tinted.
    """
    _check(split)
    out: list[tuple[str, np.ndarray]] = []
    if split == "test":
        out += [(f"{t:.0f}K", illuminant_sd(t)) for t in _TEST_CCTS]
        out += [(n, illuminant_sd(n)) for n in _TEST_NAMED]
        return out
    out += [(n, illuminant_sd(n)) for n in _TRAIN_NAMED]
    rng = np.random.default_rng(seed)
    for _ in range(n_random):
        t = float(1e6 / rng.uniform(1e6 / 12000, 1e6 / 1900))
        if 3990 < t < 4010:
            t = 4010.0
        spd = illuminant_sd(t)
        name = f"{t:.0f}K"
        if rng.uniform() < 1 / 3:
            a = float(rng.uniform(-0.35, 0.35))
            spd = _tinted(spd, a)
            name += f"{a:+.2f}g"
        out.append((name, spd))
    return out


# ------------------------------------------------------------------------------------ scenes

@cache
def _mallett() -> np.ndarray:
    colour = _colour()
    b = colour.recovery.MSDS_BASIS_FUNCTIONS_sRGB_MALLETT2019
    return np.stack([_align(b.signals[k]) for k in b.labels], axis=1)  # (81, 3)


def _spectra_sets(split: str) -> np.ndarray:
    colour = _colour()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if split == "train":
            t = colour.characterisation.read_training_data_rawtoaces_v1()
            sets = [np.stack([_align(t.signals[k]) for k in t.labels])]
            from colour.quality.datasets import SDS_TCS, SDS_VS

            for d in (SDS_TCS, SDS_VS):
                for v in d.values():
                    sets.append(np.stack([_align(s) for s in v.values()]))
            means = colour.recovery.CLUSTER_MEANS_OTSU2018
            lam = np.arange(380.0, 731.0, 10.0)
            sets.append(np.stack([np.interp(WAVELENGTHS, lam, m) for m in means]))
        else:
            sets = [np.stack([_align(s) for s in colour.SDS_COLOURCHECKERS[n].values()])
                    for n in ("ColorChecker N Ohta", "BabelColor Average", "ISO 17321-1")]
    s = np.clip(np.concatenate(sets), 0.0, 1.0)
    return s


@cache
def _photos(split: str) -> tuple[tuple[str, np.ndarray], ...]:
    from skimage import data

    if split == "test":
        imgs = {"astronaut": data.astronaut(), "coffee": data.coffee(), "chelsea": data.chelsea(),
                "rocket": data.rocket(), "motorcycle": data.stereo_motorcycle()[0]}
    else:
        imgs = {"immunohistochemistry": data.immunohistochemistry(),
                "retina": data.retina(), "colorwheel": data.colorwheel(),
                "logo": data.logo()[..., :3]}
    out = []
    for name, im in imgs.items():
        lin = srgb_decode(im[..., :3].astype(np.float32) / 255)
        out.append((name, lin))
        h, w = lin.shape[:2]
        if split == "test":
            out.append((name + "-left", lin[:, : w // 2]))
            out.append((name + "-bottom", lin[h // 2:]))
    return tuple(out)


@cache
def _textures() -> tuple[np.ndarray, ...]:
    from skimage import data

    out = []
    for f in (data.brick, data.grass, data.gravel, data.camera, data.moon, data.coins,
              data.clock, data.cell):
        g = f().astype(np.float32) / 255
        out.append(np.clip(g / max(float(np.percentile(g, 99)), 1e-3), 0, 1))
    return tuple(out)


@cache
def _munsell_rgb() -> tuple[np.ndarray, np.ndarray]:
    """Linear sRGB (D65, Bradford from C) of the real Munsell renotation colours inside the sRGB
    gamut, and their Munsell chroma (Newhall, Nickerson & Judd 1943)."""

    colour = _colour()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from colour.notation.datasets import MUNSELL_COLOURS_REAL
    xyy = np.array([c[1] for c in MUNSELL_COLOURS_REAL], np.float64) * [1.0, 1.0, 0.01]
    chroma = np.array([c[0][2] for c in MUNSELL_COLOURS_REAL], np.float64)
    xyz = np.stack([xyy[:, 0] * xyy[:, 2] / xyy[:, 1], xyy[:, 2],
                    (1 - xyy[:, 0] - xyy[:, 1]) * xyy[:, 2] / xyy[:, 1]], axis=1)
    c_xyz = np.asarray(colour.xy_to_XYZ(colour.CCS_ILLUMINANTS[
        "CIE 1931 2 Degree Standard Observer"]["C"]))
    sp = get_space("sRGB")
    m = np.linalg.inv(sp.to_xyz) @ bradford_adaptation(c_xyz, sp.white)
    rgb = xyz @ m.T
    ok = np.all((rgb >= 0) & (rgb <= 1), axis=1)
    return rgb[ok], chroma[ok]


def _natural_palette(rng: np.random.Generator, k: int) -> np.ndarray:
    """``k`` Munsell colours as a natural scene's palette: mostly low chroma, a few dominant
    hues drawn near one another (a scene of one or two materials), some neutrals."""
    rgb, chroma = _munsell_rgb()
    w = np.exp(-chroma / rng.uniform(2.0, 6.0))
    centre = rgb[rng.choice(len(rgb), p=w / w.sum())]
    d = np.linalg.norm(np.log(rgb + 0.02) - np.log(centre + 0.02), axis=1)
    w2 = w * np.exp(-d / rng.uniform(0.3, 1.5))
    pal = rgb[rng.choice(len(rgb), k, p=w2 / w2.sum())]
    n_grey = int(rng.integers(0, 3))
    if n_grey:
        pal[:n_grey] = rng.uniform(0.03, 0.8, (n_grey, 1))
    return pal


def _dead_leaves_coords(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A dead-leaves image (Matheron 1968: discs with radii ~ r^-3, painted back to front) of
    a natural palette, with shading, depth of field and, sometimes, a subject on a dark ground."""
    pal = _natural_palette(rng, int(rng.integers(8, 40)))
    img = np.empty((h, w, 3), np.float32)
    img[:] = pal[int(rng.integers(len(pal)))]
    rmin, rmax = 1.5, max(h, w) * rng.uniform(0.15, 0.5)
    n = int(rng.integers(150, 700))
    a, b = rmin ** -2.0, rmax ** -2.0
    radii = np.sort((a - rng.random(n) * (a - b)) ** -0.5)[::-1]  # large ones first (behind)
    yy, xx = np.ogrid[0:h, 0:w]
    for r in radii:
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        y0, y1 = max(int(cy - r), 0), min(int(cy + r) + 1, h)
        x0, x1 = max(int(cx - r), 0), min(int(cx + r) + 1, w)
        if y0 >= y1 or x0 >= x1:
            continue
        m = (yy[y0:y1] - cy) ** 2 + (xx[:, x0:x1] - cx) ** 2 <= r * r
        img[y0:y1, x0:x1][m] = pal[int(rng.integers(len(pal)))] * rng.uniform(0.6, 1.0)
    if rng.uniform() < 0.5:  # depth of field: the whole frame slightly soft
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.5))
    if rng.uniform() < 0.35:  # a subject before a dark, defocused ground
        ground = cv2.GaussianBlur(img, (0, 0), rng.uniform(2.0, 6.0)) * rng.uniform(0.03, 0.3)
        cy, cx = rng.uniform(0.3, 0.7) * h, rng.uniform(0.3, 0.7) * w
        sy, sx = rng.uniform(0.15, 0.4) * h, rng.uniform(0.15, 0.4) * w
        sub = ((yy - cy) / sy) ** 2 + ((xx - cx) / sx) ** 2 < 1 if rng.uniform() < 0.5 else \
            (np.abs(yy - cy) < sy) & (np.abs(xx - cx) < sx)
        img = np.where(sub[..., None], img, ground)
    return np.clip(img, 0, 1).astype(np.float32)


def _resize(a: np.ndarray, long_side: int) -> np.ndarray:
    h, w = a.shape[:2]
    s = long_side / max(h, w)
    if s >= 1:
        return a
    return cv2.resize(a, (max(1, round(w * s)), max(1, round(h * s))),
                      interpolation=cv2.INTER_AREA)


def _shading(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a, b = rng.uniform(-1, 1, 2)
    s = 1.0 + 0.6 * (a * (xx / w - 0.5) + b * (yy / h - 0.5))
    tex = _textures()[int(rng.integers(len(_textures())))]
    tex = cv2.resize(tex, (w, h), interpolation=cv2.INTER_AREA)
    k = rng.uniform(0.0, 0.5)
    return np.clip(s * (1 - k + k * tex), 0.05, None).astype(np.float32)


def _mondrian_labels(rng: np.random.Generator, h: int, w: int, n_colours: int) -> np.ndarray:
    lab = np.full((h, w), int(rng.integers(n_colours)), np.int32)
    for _ in range(int(rng.integers(15, 60))):
        c = int(rng.integers(n_colours))
        y0, x0 = int(rng.integers(0, h)), int(rng.integers(0, w))
        sy, sx = int(rng.integers(h // 16 + 1, h // 3 + 2)), int(rng.integers(w // 16 + 1, w // 3 + 2))
        if rng.uniform() < 0.5:
            lab[y0:y0 + sy, x0:x0 + sx] = c
        else:
            yy, xx = np.ogrid[0:h, 0:w]
            lab[((yy - y0) / sy) ** 2 + ((xx - x0) / sx) ** 2 < 1] = c
    return lab


@dataclass(frozen=True, eq=False)
class _Scene:
    name: str
    spectra: np.ndarray  # (P, 81) reflectances
    labels: np.ndarray  # (H, W) index into spectra, or -1 for basis pixels
    coords: np.ndarray | None  # (H, W, 3) Mallett coordinates of basis pixels
    shading: np.ndarray  # (H, W)


def scenes(split: str, n_mondrians: int, *, size: int = 192, seed: int = 0,
           n_leaves: int = 0) -> list[_Scene]:
    """Scenes of ``split``: its photos (downscaled to ``size``), ``n_mondrians`` Mondrians and
    (train split) ``n_leaves`` dead-leaves scenes of natural (Munsell) colours."""
    _check(split)
    rng = np.random.default_rng(seed + (0 if split == "train" else 7919))
    out: list[_Scene] = []
    for name, lin in _photos(split):
        small = _resize(lin, size)
        h, w = small.shape[:2]
        out.append(_Scene(name, np.zeros((0, WAVELENGTHS.size)), np.full((h, w), -1, np.int32),
                          np.clip(small, 0, 1), np.ones((h, w), np.float32)))
    if split == "train":
        for k, tex in enumerate(_textures()):
            t = _resize(tex, size)
            h, w = t.shape
            for j in range(2):
                tint = rng.uniform(0.2, 1.0, 3)
                tint2 = rng.uniform(0.2, 1.0, 3)
                g = t[..., None]
                coords = np.clip(g * tint + (1 - g) * tint2 * 0.3, 0, 1).astype(np.float32)
                out.append(_Scene(f"texture{k}-{j}", np.zeros((0, WAVELENGTHS.size)),
                                  np.full((h, w), -1, np.int32), coords,
                                  np.ones((h, w), np.float32)))
        lrng = np.random.default_rng(seed + 31337)
        for k in range(n_leaves):
            h = int(lrng.integers(size * 2 // 3, size + 1))
            w = int(lrng.integers(size * 2 // 3, size + 1))
            coords = _dead_leaves_coords(lrng, h, w)
            out.append(_Scene(f"leaves{k}", np.zeros((0, WAVELENGTHS.size)),
                              np.full((h, w), -1, np.int32), coords, _shading(lrng, h, w)))
    spectra = _spectra_sets(split)
    for k in range(n_mondrians):
        h = int(rng.integers(size * 2 // 3, size + 1))
        w = int(rng.integers(size * 2 // 3, size + 1))
        n = int(rng.integers(6, 30))
        pick = spectra[rng.choice(len(spectra), n, replace=False)]
        # a share of neutral surfaces (white paper, grey walls), as in real scenes
        if rng.uniform() < 0.6:
            pick[0] = rng.uniform(0.2, 0.9) * np.ones(WAVELENGTHS.size)
        lab = _mondrian_labels(rng, h, w, n)
        out.append(_Scene(f"mondrian{k}", pick, lab, None, _shading(rng, h, w)))
    return out


def _responses(scene: _Scene, sens: Sensitivities, spd: np.ndarray) -> np.ndarray:
    """Noise-free camera RGB of ``scene`` under relative light ``spd`` (arbitrary scale)."""
    il = _as_illuminant(spd)
    h, w = scene.labels.shape
    img = np.empty((h, w, 3), np.float64)
    if scene.coords is not None:
        m = response_spectra(sens, il, _mallett().T)  # (3 basis, 3 channels)
        img[:] = scene.coords.reshape(-1, 3).astype(np.float64).reshape(h, w, 3) @ m
    if len(scene.spectra):
        resp = response_spectra(sens, il, scene.spectra)
        sel = scene.labels >= 0
        img[sel] = resp[scene.labels[sel]]
    img *= scene.shading[..., None]
    white = response_spectra(sens, il, np.ones(WAVELENGTHS.size))
    return img / white[1], white / white[1]


def _as_illuminant(spd: np.ndarray) -> Illuminant:
    return Illuminant(name="custom", cct=None, spd=np.asarray(spd, np.float64), lux=1.0)


def _blend_weight(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    yy, xx = yy / max(h, w), xx / max(h, w)
    if rng.uniform() < 0.6:  # a soft edge across the frame
        ang = rng.uniform(0, 2 * np.pi)
        d = np.cos(ang) * (xx - xx.mean()) + np.sin(ang) * (yy - yy.mean()) - rng.uniform(-0.2, 0.2)
        wgt = 1 / (1 + np.exp(-d / rng.uniform(0.03, 0.2)))
    else:  # a pool of light
        cy, cx = rng.uniform(0.2, 0.8, 2) * [yy.max(), xx.max()]
        r = rng.uniform(0.15, 0.45)
        wgt = np.exp(-(((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r)))
    return wgt


def render_case(scene: _Scene, sens: Sensitivities, light: tuple[str, np.ndarray],
                rng: np.random.Generator, light2: tuple[str, np.ndarray] | None = None,
                *, electrons: float | None = None, d65_only: bool = False,
                subject_share: float = 0.5) -> AWBCase:
    """Render ``scene`` through ``sens`` under ``light`` (or a two-light mix with ``light2``,
    in ``subject_share`` of them a subject in focus before a defocused background);
    ``d65_only``: the case's camera carries one colour matrix (D65), not two."""
    cam = camera_info(sens, d65_only=d65_only)
    img, n1 = _responses(scene, sens, light[1])
    truth_map = None
    name = f"{sens.name} | {light[0]} | {scene.name}"
    if light2 is not None:
        img2, n2 = _responses(scene, sens, light2[1])
        h, w = img.shape[:2]
        wgt = _blend_weight(rng, h, w)
        ratio = float(np.exp(rng.uniform(np.log(0.3), np.log(3.0))))
        subject = rng.uniform() < subject_share
        if subject:  # a subject (lit by light 1) in focus before a defocused background
            img2 = cv2.GaussianBlur(img2, (0, 0), rng.uniform(2.0, 5.0))
        img = wgt[..., None] * img + (1 - wgt)[..., None] * ratio * img2
        tm = wgt[..., None] * n1 + (1 - wgt)[..., None] * ratio * n2
        truth_map = (tm / np.linalg.norm(tm, axis=-1, keepdims=True)).astype(np.float32)
        lum = img.sum(-1)
        share1 = float((wgt * lum).sum() / max(lum.sum(), 1e-12))
        # the global label: the subject's light, as a photographer balances; without a
        # subject, the light of the larger share of the signal
        t = n1 if subject or share1 >= 0.5 else ratio * n2
        name = f"{sens.name} | {light[0]} + {light2[0]} | {scene.name}"
    else:
        t = n1
    # exposure: the 99th percentile of the brightest channel between 0.5 and 1.3 (some clipping)
    top = float(np.percentile(img.max(axis=-1), 99.0))
    img = img * (rng.uniform(0.5, 1.3) / max(top, 1e-12))
    e = electrons if electrons is not None else float(np.exp(rng.uniform(np.log(800), np.log(8000))))
    noisy = img + rng.standard_normal(img.shape) * np.sqrt(np.maximum(img, 0) / e + 2e-6)
    rgb = np.clip(noisy, 0, 1).astype(np.float32)
    return AWBCase(rgb=rgb, camera=cam, truth=t / np.linalg.norm(t), truth_map=truth_map,
                   name=name, mixed=light2 is not None)


def cases(split: str, *, n_mondrians: int, lights_per_scene: int, mixed_per_scene: int,
          n_random_lights: int = 0, seed: int = 0, size: int = 192, n_leaves: int = 0,
          d65_only_share: float = 0.0, subject_share: float = 0.5):
    """Yield :class:`AWBCase` over every camera x scene of ``split``, with random lights of it.

    Each camera-scene pair gets ``lights_per_scene`` single lights and ``mixed_per_scene``
    two-light mixes drawn (seeded) from the split's lights; ``d65_only_share`` of the
    camera-scene pairs describe the camera with one (D65) colour matrix; ``subject_share`` of
    the two-light mixes have a subject in focus before a defocused background.
    """
    rng = np.random.default_rng(seed + (0 if split == "train" else 104729))
    ls = lights(split, n_random=n_random_lights, seed=seed)
    sc = scenes(split, n_mondrians, size=size, seed=seed, n_leaves=n_leaves)
    for sens in cameras(split):
        for s in sc:
            one = bool(d65_only_share > 0 and rng.uniform() < d65_only_share)
            for i in rng.choice(len(ls), lights_per_scene, replace=False):
                yield render_case(s, sens, ls[int(i)], rng, d65_only=one)
            for _ in range(mixed_per_scene):
                i, j = rng.choice(len(ls), 2, replace=False)
                yield render_case(s, sens, ls[int(i)], rng, ls[int(j)], d65_only=one,
                                  subject_share=subject_share)
