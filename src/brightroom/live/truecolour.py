"""True colour for a webcam: a profile fitted from a ColorChecker held in frame, applied live.

A webcam hands out display-encoded sRGB after its own auto white balance, colour matrix and
tone curve, which are wrong in a room lit by a warm lamp or an LED panel. Calibration:

1. **Find the chart** in a frame with the lab's detector
   (:func:`brightroom.charts.detect.detect_colorchecker`, OpenCV's ``mcc``) and average the
   central part of each of the 24 patches, over several frames (:class:`ChartCalibrator`).
2. **Undo the tone curve**: the frame's codes are decoded with the sRGB curve, then a power
   law per channel, ``lin_c = a_c * decode(v_c) ** g_c``, is fitted by least squares in log
   space on the six neutral patches against their reference luminance ``Y`` (the gains also
   white-balance the channels).
3. **Fit the colour model** on the linearised patches with the looks calibration
   (:func:`brightroom.looks.calibrate.calibrate`: a 3x3 matrix or Finlayson et al.'s
   root-polynomial, refined on mean CIEDE2000 against X-Rite's reference L*a*b* D50).

The result, a :class:`TrueColourProfile`, maps a display code to the calibrated display code
(sRGB, D65 white: the chart as it would look under daylight). The live engine samples it on a
64^3 table of 8-bit codes (:class:`brightroom.live.effects.ColourTable`), composed with a look
when one is asked for, so true colour costs one table lookup a pixel.

"Before" is the webcam's own picture read as sRGB; "after" the profile's output, both against
the reference, on the frames the chart was read from.

References
----------
Finlayson, G. D., Mackiewicz, M., Hurlbert, A. (2015). Color correction using root-polynomial
regression. IEEE TIP 24(5), 1460-1470.

Sharma, G., Wu, W., Dalal, E. N. (2005). The CIEDE2000 color-difference formula. Color Research
& Application 30(1), 21-30.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from brightroom.charts.colorchecker import COLORCHECKER_NEUTRALS, colorchecker_reference_lab
from brightroom.charts.detect import detect_colorchecker
from brightroom.color.difference import delta_e_2000, lab_to_xyz, rgb_to_lab_d50
from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.errors import ChartNotFoundError, InputError, ParameterError
from brightroom.files import atomic_write, check_output
from brightroom.looks.calibrate import CameraProfile, calibrate

__all__ = ["TrueColourProfile", "ChartCalibrator", "chart_patches", "calibrate_patches",
           "calibrate_frames", "load_profile", "PROFILE_FORMAT"]

PROFILE_FORMAT = "brightroom-webcam-profile"
_MIN_LEVEL = 0.01  # decoded level below which a neutral is too dark to fit the tone curve


@dataclass(frozen=True, eq=False)
class TrueColourProfile:
    """A webcam's colour profile.

    Attributes
    ----------
    gain, gamma
        Per-channel tone curve ``lin = gain * srgb_decode(code) ** gamma``.
    camera
        The colour model from linearised RGB to XYZ D50 (:class:`~brightroom.looks.calibrate.
        CameraProfile`).
    de_before, de_after
        Per-patch CIEDE2000 of the chart frames before and after (24 values each).
    """

    gain: np.ndarray
    gamma: np.ndarray
    camera: CameraProfile
    de_before: np.ndarray
    de_after: np.ndarray

    def linearise(self, display: np.ndarray) -> np.ndarray:
        """Linear camera RGB of display codes in [0, 1] (float64)."""
        d = np.maximum(srgb_decode(np.clip(np.asarray(display, np.float32), 0, 1)), 0)
        return self.gain * np.power(d.astype(np.float64), self.gamma)

    def __call__(self, display: np.ndarray) -> np.ndarray:
        """The calibrated display sRGB (float32 in [0, 1]) of display codes in [0, 1]."""
        lin = self.camera.to_rgb(self.linearise(display), "sRGB")
        return srgb_encode(np.clip(lin, 0, 1).astype(np.float32))

    def report(self) -> dict[str, float]:
        """Mean and max CIEDE2000 before and after."""
        return {"de00_before_mean": float(self.de_before.mean()),
                "de00_before_max": float(self.de_before.max()),
                "de00_after_mean": float(self.de_after.mean()),
                "de00_after_max": float(self.de_after.max())}

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary (:func:`load_profile` reads it back)."""
        return {"format": PROFILE_FORMAT, "version": 1, "gain": self.gain.tolist(),
                "gamma": self.gamma.tolist(), "camera": self.camera.to_json(),
                "de00_before": self.de_before.tolist(), "de00_after": self.de_after.tolist(),
                **self.report()}

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        """Write the profile as JSON, atomically."""
        check_output(path, overwrite=overwrite)
        text = json.dumps(self.to_json(), indent=1)
        with atomic_write(path, overwrite=overwrite) as tmp:
            tmp.write_text(text + "\n")


def load_profile(path: str | os.PathLike[str]) -> TrueColourProfile:
    """Read a profile written by :meth:`TrueColourProfile.save`.

    Raises
    ------
    InputError
        The file is missing or not a webcam profile.
    """
    try:
        d = json.loads(open(path, encoding="utf-8").read())
    except OSError as e:
        raise InputError(f"{path}: cannot read the true-colour profile ({e.strerror})") from None
    except ValueError:
        raise InputError(f"{path}: not a true-colour profile (not JSON)") from None
    if not isinstance(d, dict) or d.get("format") != PROFILE_FORMAT:
        raise InputError(f"{path}: not a true-colour profile (expected format "
                         f"{PROFILE_FORMAT!r}; write one with brightroom live --calibrate)")
    try:
        return TrueColourProfile(np.asarray(d["gain"], float), np.asarray(d["gamma"], float),
                                 CameraProfile.from_json(d["camera"]),
                                 np.asarray(d["de00_before"], float),
                                 np.asarray(d["de00_after"], float))
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(f"{path}: a damaged true-colour profile ({e})") from None


def chart_patches(frame: np.ndarray) -> np.ndarray:
    """``(24, 3)`` mean display codes in [0, 1] of the ColorChecker's patches in a uint8 RGB
    frame (the central part of each patch, as the detector gives it).

    Raises
    ------
    ChartNotFoundError
        No chart in the frame.
    """
    img = np.asarray(frame)
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise ParameterError(f"chart_patches needs a uint8 H x W x 3 frame, got {img.dtype} "
                             f"{img.shape}")
    boxes = detect_colorchecker(img).boxes
    out = np.empty((24, 3))
    for k, (y0, x0, y1, x1) in enumerate(boxes):
        out[k] = img[y0:y1, x0:x1].reshape(-1, 3).mean(0) / 255
    return out


def calibrate_patches(display: np.ndarray, *, method: str = "matrix") -> TrueColourProfile:
    """Fit a profile from the ``(24, 3)`` mean display codes of the chart's patches."""
    v = np.asarray(display, np.float64)
    if v.shape != (24, 3) or not np.all(np.isfinite(v)):
        raise ParameterError(f"calibration needs (24, 3) patch values, got {v.shape}")
    ref = np.asarray(colorchecker_reference_lab(), np.float64)
    y_ref = lab_to_xyz(ref)[:, 1]
    dec = np.maximum(srgb_decode(v.astype(np.float32)).astype(np.float64), 1e-6)
    neutral = list(COLORCHECKER_NEUTRALS)
    gain, gamma = np.ones(3), np.ones(3)
    for c in range(3):
        x = dec[neutral, c]
        ok = (x > _MIN_LEVEL) & (v[neutral, c] < 0.98)  # neither lost in noise nor clipped
        if ok.sum() < 3:
            raise ChartNotFoundError(f"the chart's neutral patches are too dark or clipped in "
                                     f"channel {'RGB'[c]} ({ok.sum()} usable of 6): expose the "
                                     "chart between black and white")
        a = np.vstack([np.ones(ok.sum()), np.log(x[ok])]).T
        (la, g), *_ = np.linalg.lstsq(a, np.log(y_ref[neutral][ok]), rcond=None)
        gain[c], gamma[c] = float(np.exp(la)), float(np.clip(g, 0.3, 3.0))
    lin = gain * dec ** gamma
    cam = calibrate(lin, ref, method=method).profile
    before = delta_e_2000(rgb_to_lab_d50(dec, "sRGB"), ref)
    prof = TrueColourProfile(gain, gamma, cam, np.asarray(before), np.zeros(24))
    after = delta_e_2000(rgb_to_lab_d50(srgb_decode(prof(v)).astype(np.float64), "sRGB"), ref)
    return TrueColourProfile(gain, gamma, cam, np.asarray(before), np.asarray(after))


def calibrate_frames(frames: Iterable[np.ndarray], *, method: str = "matrix",
                     need: int = 3) -> TrueColourProfile:
    """Fit a profile from the first ``need`` frames in which the chart is found (patch means
    averaged over them).

    Raises
    ------
    ChartNotFoundError
        The frames ran out before the chart was found ``need`` times.
    """
    cal = ChartCalibrator(method=method, need=need)
    n = 0
    for f in frames:
        n += 1
        if cal.offer(f) is not None:
            assert cal.profile is not None
            return cal.profile
    raise ChartNotFoundError(f"no ColorChecker found in {cal.found} of {need} needed frames "
                             f"(of {n} read): hold the chart flat, facing the camera, filling "
                             "about a fifth of the frame")


class ChartCalibrator:
    """Calibration on a stream: :meth:`offer` frames until the chart was read ``need`` times;
    then :attr:`profile` is set (and returned by that :meth:`offer`)."""

    def __init__(self, *, method: str = "matrix", need: int = 3) -> None:
        if need < 1:
            raise ParameterError(f"need must be >= 1, got {need}")
        self.method, self.need = method, need
        self.found = 0
        self.tried = 0
        self._sum = np.zeros((24, 3))
        self.profile: TrueColourProfile | None = None

    def offer(self, frame: np.ndarray) -> TrueColourProfile | None:
        """Look for the chart in ``frame``; the profile once enough frames had it."""
        if self.profile is not None:
            return self.profile
        self.tried += 1
        try:
            self._sum += chart_patches(frame)
        except ChartNotFoundError:
            return None
        self.found += 1
        if self.found >= self.need:
            self.profile = calibrate_patches(self._sum / self.found, method=self.method)
        return self.profile
