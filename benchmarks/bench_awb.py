"""Automatic white balance accuracy over spectrally rendered natural scenes, 2500 K to 7500 K.

Each scene (scikit-image's astronaut, coffee, chelsea, rocket and motorcycle photos, plus crops)
is taken as linear sRGB under D65, turned into reflectance spectra by Mallett & Yuksel's (2019)
spectral primary decomposition (reflectance is linear in RGB, within [0, 1] for in-gamut
colours), lit by a Planckian (below 4000 K) or CIE daylight (from 4000 K) illuminant and seen
through the Nikon D5100 spectral sensitivities (colour-science, NPL measurements). The camera's
DNG ColorMatrix1 (illuminant A) and ColorMatrix2 (D65) are fitted by least squares over the
ColorChecker spectra (:func:`brightroom.color.profile.fit_color_matrix`). Mild shot and read noise
is added and highlights clip at 1. The ground truth is the camera's response to the illuminant
(a perfect white reflector).

Each rendering is sampled through an RGGB mosaic and binned by
:func:`~brightroom.develop.white_balance.mosaic_preview`, as the stage does. Prints, for every
method of ``AWB_METHODS``, the median, mean, 95th percentile and maximum angular error (degrees),
the time per estimate on that preview and the machine. The bar: median <= 2 degrees for the best
method. ``--timing`` times AWB, the whole stage and the colour matrix on 12 MP instead (with a
plain memory copy beside them, as the floor of any stage that writes a new image).

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_awb.py [--quick | --timing]``

References
----------
Mallett, I., Yuksel, C. (2019). Spectral primary decomposition for rendering with sRGB
reflectance. Eurographics Symposium on Rendering - DL-only and Industry Track.

Hordley, S. D., Finlayson, G. D. (2006). Reevaluation of color constancy algorithm performance.
JOSA A, 23(5), 1008-1020 (median angular error).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from brightroom.color.profile import (  # noqa: E402
    angular_error,
    camera_to_rgb_matrix,
    fit_color_matrix,
)
from brightroom.color.spaces import srgb_decode  # noqa: E402
from brightroom.develop.colour import apply_matrix  # noqa: E402
from brightroom.develop.white_balance import (  # noqa: E402
    AWB_METHODS,
    WhiteBalanceParams,
    estimate_illuminant,
    mosaic_preview,
    white_balance,
)
from brightroom.types import CameraInfo, CFAPattern, RawImage  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import colour

SHAPE = colour.SpectralShape(400, 700, 10)
CCTS = (2500, 3000, 3500, 4000, 4500, 5000, 5500, 6500, 7500)
CAMERA = "Nikon 5100 (NPL)"


def illuminant_sd(cct: float) -> np.ndarray:
    """Relative spectral power on ``SHAPE``: Planck below 4000 K, CIE daylight from 4000 K."""
    if cct < 4000:
        sd = colour.sd_blackbody(cct, SHAPE)
    else:
        xy = colour.temperature.CCT_to_xy_CIE_D(cct)
        sd = colour.sd_CIE_illuminant_D_series(xy).copy().align(SHAPE)
    v = np.asarray(sd.values, dtype=np.float64)
    return v / v.max()


def spectral_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(Mallett basis L x 3, camera sensitivities L x 3, CIE 1931 CMFs L x 3, ColorChecker L x 24)."""
    basis = colour.recovery.MSDS_BASIS_FUNCTIONS_sRGB_MALLETT2019.copy().align(SHAPE).values
    cam = colour.MSDS_CAMERA_SENSITIVITIES[CAMERA].copy().align(SHAPE).values
    cmfs = colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"].copy().align(SHAPE).values
    cc = colour.SDS_COLOURCHECKERS["ColorChecker N Ohta"]
    patches = np.stack([sd.copy().align(SHAPE).values for sd in cc.values()], axis=1)
    return basis, np.nan_to_num(cam), cmfs, patches


def fit_camera(cam: np.ndarray, cmfs: np.ndarray, patches: np.ndarray) -> CameraInfo:
    """DNG-style camera profile: ColorMatrix1 under A (2856 K), ColorMatrix2 under D65."""
    mats = []
    for cct in (2856.0, 6504.0):
        e = illuminant_sd(cct)
        rgb = (patches * e[:, None]).T @ cam
        xyz = (patches * e[:, None]).T @ cmfs / (e @ cmfs[:, 1])
        white = e @ cmfs / (e @ cmfs[:, 1])
        mats.append(fit_color_matrix(rgb, xyz, white_xyz=white))
    return CameraInfo(make="Nikon", model="D5100 (simulated)", color_matrix1=mats[0],
                      illuminant1=17, color_matrix2=mats[1], illuminant2=21)


def scenes() -> list[tuple[str, np.ndarray]]:
    """Natural scenes as linear sRGB float32, full frames and crops."""
    from skimage import data

    imgs = {
        "astronaut": data.astronaut(),
        "coffee": data.coffee(),
        "chelsea": data.chelsea(),
        "rocket": data.rocket(),
        "motorcycle": data.stereo_motorcycle()[0],
    }
    out = []
    for name, im in imgs.items():
        lin = srgb_decode(im[..., :3].astype(np.float32) / 255)
        h, w = lin.shape[:2]
        out.append((name, lin))
        out.append((name + "-left", lin[:, : w // 2]))
        out.append((name + "-bottom", lin[h // 2:]))
    return out


def render(lin: np.ndarray, cct: float, spectral: tuple, rng: np.random.Generator,
           electrons: float = 4000.0) -> tuple[np.ndarray, np.ndarray]:
    """Camera RGB of scene ``lin`` under ``cct`` and the ground-truth illuminant (unit norm)."""
    basis, cam, _, _ = spectral
    e = illuminant_sd(cct)
    k = basis.T @ (e[:, None] * cam)  # 3 x 3: sRGB weights -> camera RGB
    truth = e @ cam
    img = lin.reshape(-1, 3).astype(np.float64) @ k
    img = img.reshape(lin.shape)
    img *= 0.9 / np.percentile(img.max(axis=-1), 99.0)
    noisy = img + rng.standard_normal(img.shape) * np.sqrt(img / electrons + 2e-6)
    return np.clip(noisy, 0, 1).astype(np.float32), truth / np.linalg.norm(truth)


def mosaic(rgb: np.ndarray, pattern: CFAPattern) -> np.ndarray:
    """Sample an ``H x W x 3`` image through ``pattern`` into a float32 mosaic."""
    idx = pattern.channel_index(*rgb.shape[:2]).astype(np.intp)
    return np.take_along_axis(rgb, idx[..., None], axis=2)[..., 0].astype(np.float32)


def timing(camera: CameraInfo, repeat: int = 15) -> None:
    """Median time of AWB on a 12 MP mosaic's preview, and of the whole stage."""
    rng = np.random.default_rng(0)
    h, w = 3000, 4000
    lin = srgb_decode(rng.uniform(0, 1, (h // 8, w // 8, 3)).astype(np.float32))
    img = np.repeat(np.repeat(lin, 8, 0), 8, 1) * np.float32(0.8)
    pat = CFAPattern("RGGB")
    raw = RawImage(cfa=mosaic(img, pat), pattern=pat, camera=camera)
    del img

    def med(fn) -> str:
        fn()
        ts = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        return f"{1e3 * np.median(ts):7.2f} {1e3 * np.min(ts):7.2f}"

    prev = mosaic_preview(raw.cfa, pat)
    print(f"12 MP ({w}x{h}) timings over {repeat} runs, ms:  median     min")
    print(f"  memcpy of the mosaic (reference)      {med(lambda: raw.cfa.copy())}")
    print(f"  mosaic_preview -> {prev.shape[1]}x{prev.shape[0]}            "
          f"{med(lambda: mosaic_preview(raw.cfa, pat))}")
    for m in AWB_METHODS:
        print(f"  estimate_illuminant {m:<18}"
              f"{med(lambda m=m: estimate_illuminant(prev, method=m, camera=camera))}")
    for mode in ("as-shot", "auto"):
        r = raw.replace(camera=camera.replace(as_shot_neutral=(0.5, 1.0, 0.7))) \
            if mode == "as-shot" else raw
        p = WhiteBalanceParams(mode=mode)
        print(f"  white_balance stage, mode {mode:<12}{med(lambda r=r, p=p: white_balance(r, p))}")
    rgb = np.random.default_rng(1).uniform(0, 1, (h, w, 3)).astype(np.float32)
    n = np.array([0.5, 1.0, 0.7])
    m3 = camera_to_rgb_matrix(camera, n)
    print(f"  memcpy of a 12 MP RGB (reference)     {med(lambda: rgb.copy())}")
    print(f"  colour: apply_matrix (cv2.transform)  {med(lambda: apply_matrix(rgb, m3))}")
    print(f"  colour: numpy (N,3) @ M.T reference   "
          f"{med(lambda: rgb.reshape(-1, 3) @ m3.astype(np.float32).T)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="full frames only, 5 temperatures")
    ap.add_argument("--timing", action="store_true", help="only time AWB and the stage at 12 MP")
    args = ap.parse_args()
    spectral = spectral_data()
    camera = fit_camera(*spectral[1:])
    if args.timing:
        timing(camera)
        return
    pattern = CFAPattern("RGGB")
    rng = np.random.default_rng(1)
    sc = scenes()
    ccts = CCTS
    if args.quick:
        sc = [s for s in sc if "-" not in s[0]]
        ccts = (2500, 3500, 4500, 5500, 7500)
    errors: dict[str, list[float]] = {m: [] for m in AWB_METHODS}
    times: dict[str, list[float]] = {m: [] for m in AWB_METHODS}
    for _name, lin in sc:
        for cct in ccts:
            img, truth = render(lin, cct, spectral, rng)
            # what the stage sees: the mosaic, binned to a small preview
            preview = mosaic_preview(mosaic(img, pattern), pattern)
            for m in AWB_METHODS:
                t0 = time.perf_counter()
                est = estimate_illuminant(preview, method=m, camera=camera)
                times[m].append(time.perf_counter() - t0)
                errors[m].append(angular_error(est, truth))
    print(f"AWB angular error (degrees), {len(sc)} scenes x {len(ccts)} illuminants "
          f"({min(ccts)}-{max(ccts)} K), camera {CAMERA}")
    print(f"{'method':<16}{'median':>8}{'mean':>8}{'p95':>8}{'max':>8}{'ms/img':>9}")
    for m in AWB_METHODS:
        e = np.asarray(errors[m])
        print(f"{m:<16}{np.median(e):8.2f}{e.mean():8.2f}{np.percentile(e, 95):8.2f}"
              f"{e.max():8.2f}{1e3 * np.median(times[m]):9.2f}")
    print(f"machine: {platform.machine()} {platform.processor() or ''} "
          f"{os.cpu_count()} cpus, Python {platform.python_version()}, numpy {np.__version__}")


if __name__ == "__main__":
    main()
