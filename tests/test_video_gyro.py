"""brightroom.video.gyro: reading logs (gcsv, CSV, GPMF) and synchronising them."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from brightroom.errors import InputError, ParameterError
from brightroom.lab.video_scenes import gyro_log, intended_path, shake
from brightroom.video.grundmann2011 import similarity_matrix, similarity_params
from brightroom.video.gyro import (
    GyroLog,
    parse_csv,
    parse_gcsv,
    parse_gpmf,
    read_gyro,
    synchronise,
    write_gcsv,
)

W, H = 640, 360


def _log(n=200):
    t = np.arange(n) / 200.0
    r = np.stack([np.sin(3 * t), np.cos(5 * t), 0.1 * t], axis=1)
    return GyroLog(t, r, "x", 12.5)


def test_gcsv_round_trip_and_header(tmp_path):
    log = _log()
    p = write_gcsv(log, tmp_path / "a.gcsv")
    back = read_gyro(p)
    np.testing.assert_allclose(back.t, log.t, atol=1e-6)
    np.testing.assert_allclose(back.rates, log.rates, atol=1e-5)
    assert back.readout_ms == 12.5


def test_gcsv_scales_and_orientation():
    text = ("GYROFLOW IMU LOG\nversion,1.3\norientation,yXz\ntscale,0.001\ngscale,0.5\n"
            "t,gx,gy,gz,ax,ay,az\n0,2,4,6,0,0,0\n10,2,4,6,0,0,0\n20,2,4,6,0,0,0\n"
            "30,2,4,6,0,0,0\n")
    log = parse_gcsv(text)
    np.testing.assert_allclose(log.t, [0, 0.01, 0.02, 0.03])
    # camera x = -sensor y, camera y = sensor x, camera z = -sensor z
    np.testing.assert_allclose(log.rates[0], [-2.0, 1.0, -3.0])


def test_csv_with_and_without_header():
    rows = "\n".join(f"{i / 100},{i},{-i},{2 * i}" for i in range(6))
    a = parse_csv("t,wx,wy,wz\n" + rows)
    b = parse_csv(rows.replace(",", ";"))
    np.testing.assert_allclose(a.rates, b.rates)
    np.testing.assert_allclose(a.rates[3], [3, -3, 6])


@pytest.mark.parametrize("text, msg", [
    ("", "empty"),
    ("t,wx\n0,1\n0.1,2\n", "needs t, wx, wy, wz"),
    ("t,wx,wy,wz\n0,1,2,3\nzero,1,2,3\n", "row 3 is not numbers"),
    ("t,wx,wy,wz\n0,1,2,3\n", "at least 4"),
    ("t,wx,wy,wz\n" + "0,1,2,3\n" * 6, "do not increase"),
    ("0,1,2,nan\n0.1,1,2,3\n0.2,1,2,3\n0.3,1,2,3\n", "non-finite"),
])
def test_bad_csv(text, msg):
    with pytest.raises(ParameterError, match=msg):
        parse_csv(text, "g.csv")


def test_bad_gcsv():
    with pytest.raises(ParameterError, match="not a Gyroflow log"):
        parse_gcsv("t,gx,gy,gz\n")
    with pytest.raises(ParameterError, match="no 't,gx,gy,gz' table"):
        parse_gcsv("GYROFLOW IMU LOG\nversion,1.3\n")
    with pytest.raises(ParameterError, match="columns t, gx, gy, gz"):
        parse_gcsv("GYROFLOW IMU LOG\nt,ax,ay,az\n0,1,2,3\n")
    with pytest.raises(ParameterError, match="orientation"):
        parse_gcsv("GYROFLOW IMU LOG\norientation,XXZ\nt,gx,gy,gz\n" + "0,1,2,3\n" * 4)


def test_read_gyro_files(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_gyro(tmp_path / "none.csv")
    (tmp_path / "b.bin").write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ParameterError, match="not text"):
        read_gyro(tmp_path / "b.bin")
    (tmp_path / "v.mp4").write_bytes(b"\0\0\0\x18ftypisom" + b"\0" * 64)
    with pytest.raises(InputError):  # a broken MP4: no telemetry to read
        read_gyro(tmp_path / "v.mp4")


def _klv(key: bytes, typ: str, size: int, payload: bytes, rep: int) -> bytes:
    b = key + typ.encode() + bytes([size]) + struct.pack(">H", rep) + payload
    return b + b"\0" * (-len(b) % 4)


def test_gpmf_gyro_samples_with_their_scale():
    # independent encoding of the GPMF layout: DEVC { STRM { SCAL, GYRO } }
    vals = np.array([[100, -200, 300], [10, 20, -30]], ">i2")
    strm = _klv(b"SCAL", "s", 2, struct.pack(">h", 50), 1) + \
        _klv(b"GYRO", "s", 6, vals.tobytes(), 2)
    devc = _klv(b"STRM", "\0", 1, strm, len(strm))
    payload = _klv(b"DEVC", "\0", 1, devc, len(devc))
    np.testing.assert_allclose(parse_gpmf(payload), vals.astype(float) / 50)
    assert parse_gpmf(_klv(b"ACCL", "s", 6, vals.tobytes(), 2)).shape == (0, 3)


def _optical(true):
    """Exact pair motion (centred coordinates) of a camera path: x_t = M_t^-1 M_{t-1} x."""
    m = similarity_matrix(true)
    a = np.linalg.inv(m[1:]) @ m[:-1]
    return similarity_params(a)[:, :3]


@pytest.mark.parametrize("offset", [0.0, 0.083, 0.2])
def test_synchronise_finds_the_offset_and_focal_length(offset):
    n = 90
    true = intended_path("pan", n) + shake(n, amp_px=6, roll_deg=1.0, seed=3)
    log = gyro_log(true, offset_s=offset, focal_px=900.0, seed=1)
    opt = _optical(true)
    rng = np.random.default_rng(0)
    opt = opt + rng.normal(0, 0.03, opt.shape) * [1, 1, 1e-4]
    opt[10] += [25, -10, 0.01]  # a bad pair (a moving object, say)
    times = np.arange(n) / 30.0
    s = synchronise(log, times, opt, scale_px=0.5 * np.hypot(W, H))
    assert s.offset_s == pytest.approx(offset, abs=1.5e-3)
    assert s.residual < 0.1 * s.optical_rms and s.inliers < n - 1
    # the map: yaw rate times the focal length is the x translation (whatever its sign)
    assert abs(s.gain[1, 0]) == pytest.approx(900, rel=0.03)
    pred = s.pair_motion(log, times)
    good = np.ones(n - 1, bool)
    good[10] = False
    assert np.abs(pred[good, :2] - _optical(true)[good, :2]).max() < 0.3


def test_synchronise_refuses_logs_that_do_not_cover_the_clip():
    n = 60
    true = shake(n, seed=1)
    times = np.arange(n) / 30.0
    short = gyro_log(true[:20], pad_s=0.1)
    with pytest.raises(ParameterError, match="covers"):
        synchronise(short, times, _optical(true))
    late = gyro_log(true, offset_s=5.0)
    with pytest.raises(ParameterError, match="does not cover"):
        synchronise(late, times, _optical(true))
    log = gyro_log(true)
    with pytest.raises(ParameterError, match="too few"):
        synchronise(log, times, _optical(true), valid=np.zeros(n - 1, bool))


def test_fused_motion_beats_either_source_alone():
    from brightroom.video.gyro import fuse, rate_noise

    n = 120
    true = intended_path("pan", n) + shake(n, amp_px=6, roll_deg=1.0, seed=5)
    exact = _optical(true)
    rng = np.random.default_rng(4)
    unit = np.array([1.0, 1.0, 0.5 * np.hypot(W, H)])
    opt = exact + rng.normal(0, 0.03, exact.shape) / unit
    opt[30] += [20, 0, 0]  # disagrees with the gyro: the gyro's alone there
    log = gyro_log(true, offset_s=0.05, noise=0.002, seed=2)
    assert np.all(rate_noise(log) > 0.0015) and np.all(rate_noise(log) < 0.004)
    times = np.arange(n) / 30.0
    s = synchronise(log, times, opt, scale_px=unit[2])
    gy = s.pair_motion(log, times)
    fu = fuse(log, s, times, opt, scale_px=unit[2])

    def err(m):
        e = (m - exact) * unit
        e = np.delete(e, 30, axis=0)
        return float(np.sqrt(np.mean(e ** 2)))

    assert err(fu) < min(err(gy), err(opt))
    assert abs(fu[30, 0] - exact[30, 0]) < 0.5
