"""Camera calibration accuracy on the lab's virtual cameras, validated on held-out reflectances.

For each virtual camera (``flagship-2022`` and ``budget-phone``: parametric, non-sRGB spectral
sensitivities; ``one-inch``: measured Nikon D5100 curves), a ColorChecker Classic (Ohta's
spectra) is photographed under D65 by :func:`brightroom.lab.camera.simulate` with optics and
sensor noise on; the 24 patch means are read from the raw mosaic's photosites (after its
lens-shading gain map) and a profile is
fitted (:func:`brightroom.looks.calibrate.calibrate`, 3x3 matrix on mean CIEDE2000, and the
degree-2 root-polynomial). The reference is the patches' own colorimetry under D65 (CIE 1931
2 degree, Bradford to D50), i.e. what the virtual chart really is.

Validation uses reflectances the fit never saw: the 190 spectra of the RAW to ACES training set
(``colour.characterisation.read_training_data_rawtoaces_v1``) and the CIE 1995 / 2024 colour
rendering test samples (``colour.quality.datasets.SDS_TCS``). Their camera RGB is the noise-free
response of the same sensitivities under the same light, scaled to the chart shot's units.

Prints mean / median / max dE00 before (white-balanced camera RGB read as sRGB) and after, on
the chart and on the held-out set, and the machine. As a second baseline, the held-out error of
the virtual camera's own DNG matrices (the lab's noise-free least-squares fit, ideal white
balance, exposure fitted on the held-out set itself). The bar: held-out mean dE00 <= 2.0 after
against >= 4 before, on a non-sRGB virtual camera.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_calibration.py``

References
----------
Finlayson, G. D., Mackiewicz, M., Hurlbert, A. (2015). Color correction using root-polynomial
regression. IEEE TIP 24(5), 1460-1470.
"""

from __future__ import annotations

import os
import platform
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from brightroom.charts.colorchecker import (  # noqa: E402
    COLORCHECKER_WB_NEUTRALS,
    colorchecker,
    colorchecker_spectra,
)
from brightroom.charts.scene import WAVELENGTHS, spectra_xyz  # noqa: E402
from brightroom.color.spaces import D50_XYZ, D65_XYZ, bradford_adaptation  # noqa: E402
from brightroom.lab.camera import simulate  # noqa: E402
from brightroom.lab.camera.presets import get_preset  # noqa: E402
from brightroom.lab.camera.spectral import illuminant, response_spectra  # noqa: E402
from brightroom.lab.metrics.colour import delta_e_2000  # noqa: E402
from brightroom.looks.calibrate import _xyz_to_lab, calibrate, raw_patch_means, uncalibrated_lab  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import colour

CAMERAS = ("flagship-2022", "budget-phone", "one-inch")


def held_out_spectra() -> np.ndarray:
    """RAW to ACES training reflectances + CIE test colour samples on WAVELENGTHS."""
    from colour.characterisation import read_training_data_rawtoaces_v1
    from colour.quality.datasets import SDS_TCS

    shape = colour.SpectralShape(float(WAVELENGTHS[0]), float(WAVELENGTHS[-1]), 5.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        train = read_training_data_rawtoaces_v1().copy().align(shape)
        out = [train.values.T]
        for name in SDS_TCS:
            out.append(np.stack([sd.copy().align(shape).values
                                 for sd in SDS_TCS[name].values()]))
    return np.clip(np.concatenate(out), 0, 1)


def lab_d50(spectra: np.ndarray) -> np.ndarray:
    xyz = spectra_xyz(spectra, "D65")
    return _xyz_to_lab(xyz @ bradford_adaptation(D65_XYZ, D50_XYZ).T)


def stats(d: np.ndarray) -> str:
    return f"mean {d.mean():5.2f}  median {np.median(d):5.2f}  max {d.max():5.2f}"


def main() -> None:
    t0 = time.perf_counter()
    chart = colorchecker(patch_size=48)
    boxes = chart.ground_truth["boxes"]
    spectra = colorchecker_spectra()
    lab_chart = lab_d50(spectra)
    held = held_out_spectra()
    lab_held = lab_d50(held)
    light = illuminant("D65")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; held-out set: {len(held)} reflectances "
          "(RAW to ACES training + CIE TCS)")
    passed = True
    for cam in CAMERAS:
        raw = simulate(chart, cam, lux=400.0, cct="D65", seed=1)
        rgb = raw_patch_means(raw, boxes)
        sens = get_preset(cam).qe()
        resp = response_spectra(sens, light, spectra)
        n = list(COLORCHECKER_WB_NEUTRALS)
        scale = (rgb[n] * resp[n]).sum(axis=0) / (resp[n] ** 2).sum(axis=0)
        cam_held = response_spectra(sens, light, held) * scale
        # the virtual camera's own DNG matrices (the lab's least-squares fit), as a second baseline
        from brightroom.color.profile import camera_to_xyz_d50

        neutral = np.asarray(raw.camera.as_shot_neutral)
        m_dng = camera_to_xyz_d50(raw.camera, neutral)
        xyz_h = (cam_held / neutral * neutral[1]) @ m_dng.T
        xyz_ref_h = spectra_xyz(held, "D65") @ bradford_adaptation(D65_XYZ, D50_XYZ).T
        k = float((xyz_h[:, 1] * xyz_ref_h[:, 1]).sum() / (xyz_h[:, 1] ** 2).sum())  # its best exposure
        dng = np.asarray(delta_e_2000(_xyz_to_lab(k * xyz_h), lab_held))
        print(f"{cam:14s} {'camera DNG CM/FM':16s} held-out: {stats(dng)}")
        for method in ("matrix", "root-polynomial"):
            res = calibrate(rgb, lab_chart, method=method)
            prof = res.profile
            before = delta_e_2000(uncalibrated_lab(cam_held, prof.wb_gains,
                                                   res.extra["exposure_before"]), lab_held)
            after = delta_e_2000(prof.to_lab(cam_held), lab_held)
            print(f"{cam:14s} {method:16s} chart:   before {stats(res.de_before)} | after "
                  f"{stats(res.de_after)}")
            print(f"{'':14s} {'':16s} held-out: before {stats(np.asarray(before))} | after "
                  f"{stats(np.asarray(after))}")
            if cam != "one-inch" and method == "matrix":
                ok = float(np.mean(after)) <= 2.0 and float(np.mean(before)) >= 4.0
                passed &= ok
    print(f"bar (non-sRGB virtual cameras, matrix): held-out mean dE00 <= 2.0 after, >= 4 before: "
          f"{'PASS' if passed else 'FAIL'}   ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
