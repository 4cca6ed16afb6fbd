"""brightroom.video.stabilize: file to file on clips with known motion (brightroom.lab)."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.errors import InputError, OutputExistsError, ParameterError
from brightroom.io.video import probe_video, read_frames_uint8, write_video
from brightroom.lab.video_scenes import (
    intended_points,
    output_points,
    render_clip,
    residual_shake,
    shake,
)
from brightroom.video.stabilize import stabilize_video, warp_yuv420p

SIZE = (320, 180)


@pytest.fixture(scope="module")
def shaky(tmp_path_factory):
    n = 45
    it = np.zeros((n, 4))
    it[:, 0] = 1.5 * np.arange(n)  # a slow pan
    true = it + shake(n, amp_px=3.0, roll_deg=0.4, seed=2)
    clip = render_clip(true, SIZE, objects=0, intended=it)
    path = tmp_path_factory.mktemp("stab") / "shaky.mp4"
    write_video(clip.frames, path, fps=30, crf=14)
    return clip, path


@pytest.mark.slow
def test_stabilised_output_is_steady_and_complete(shaky, tmp_path):
    clip, src = shaky
    res = stabilize_video(src, tmp_path / "out.mp4")
    assert res.frames == 45 and not res.passed_through
    assert res.area >= 0.85
    info = probe_video(res.output)
    assert (info.width, info.height, info.frames) == (*SIZE, 45)
    # exact truth: the rendered camera composed with the warps applied
    pts0 = np.array([[0.0, 0.0], [-1, -1], [1, -1], [1, 1], [-1, 1]]) * [144, 81]
    before = residual_shake(intended_points(clip.true, pts0), trim=5)
    after = residual_shake(output_points(clip.true, res.warps, *SIZE), trim=5)
    assert after < 0.15 * before and after < 0.2
    # frame t of the output is frame t of the input (no delay): the first output frame matches
    # the first input frame warped by the first warp better than it matches the second
    import cv2

    frames = list(read_frames_uint8(res.output)[0])
    w0 = cv2.warpAffine(clip.frames[0], res.warps[0], SIZE, flags=cv2.INTER_LINEAR
                        | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
    w1 = cv2.warpAffine(clip.frames[1], res.warps[1], SIZE, flags=cv2.INTER_LINEAR
                        | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
    e0 = np.abs(frames[0].astype(int) - w0).mean()
    e1 = np.abs(frames[0].astype(int) - w1).mean()
    assert e0 < 4 and e0 < 0.7 * e1


@pytest.mark.slow
def test_fill_keeps_the_whole_frame(shaky, tmp_path):
    _, src = shaky
    res = stabilize_video(src, tmp_path / "fill.mp4", fill=True)
    assert res.crop == 1.0 and res.frames == 45


def test_too_short_is_passed_through(tmp_path):
    frames = [np.full((64, 96, 3), v, np.uint8) for v in (50, 60)]
    src = write_video(frames, tmp_path / "two.mp4", fps=30)
    res = stabilize_video(src, tmp_path / "o.mp4")
    assert res.passed_through and "too short" in res.notes[0] and res.frames == 2


def test_featureless_is_passed_through(tmp_path):
    frames = [np.full((64, 96, 3), 90, np.uint8)] * 6
    src = write_video(frames, tmp_path / "flat.mp4", fps=30)
    res = stabilize_video(src, tmp_path / "o.mp4")
    assert res.passed_through and "featureless" in res.notes[0]
    assert probe_video(res.output).frames == 6


def test_bad_input(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        stabilize_video(tmp_path / "missing.mp4", tmp_path / "o.mp4")
    (tmp_path / "junk.mp4").write_bytes(b"not a video at all")
    with pytest.raises(InputError):
        stabilize_video(tmp_path / "junk.mp4", tmp_path / "o.mp4")
    src = write_video([np.zeros((32, 32, 3), np.uint8)] * 3, tmp_path / "s.mp4", fps=30)
    with pytest.raises(OutputExistsError):
        stabilize_video(src, src)
    with pytest.raises(ParameterError, match="percentage"):
        stabilize_video(src, tmp_path / "o.mp4", crop="wide")
    with pytest.raises(InputError, match="no such file"):
        stabilize_video(src, tmp_path / "o.mp4", gyro=tmp_path / "g.csv")
    (tmp_path / "g.csv").write_text("time;rate\nsoon;fast\n")
    with pytest.raises(ParameterError, match="g.csv"):
        stabilize_video(src, tmp_path / "o.mp4", gyro=tmp_path / "g.csv")
    with pytest.raises(ParameterError, match="longer than a frame"):
        stabilize_video(src, tmp_path / "o.mp4", rolling_shutter=50)
    assert not (tmp_path / "o.mp4").exists()


def test_warp_yuv420p_moves_every_plane():
    rng = np.random.default_rng(0)
    planes = rng.integers(0, 255, (48 * 3 // 2, 64), dtype=np.uint8)
    ident = np.array([[1.0, 0, 0], [0, 1.0, 0]])
    np.testing.assert_array_equal(warp_yuv420p(planes, ident, 64, 48), planes)
    shift = np.array([[1.0, 0, 2.0], [0, 1.0, 0]])  # output x samples input x + 2
    out = warp_yuv420p(planes, shift, 64, 48)
    np.testing.assert_array_equal(out[:48, :60], planes[:48, 2:62])
    u_in = planes[48:60].reshape(24, 32)
    u_out = out[48:60].reshape(24, 32)
    np.testing.assert_array_equal(u_out[:, :30], u_in[:, 1:31])  # one chroma pixel


@pytest.mark.slow
def test_gyro_log_is_synchronised_and_at_least_as_good(shaky, tmp_path):
    from brightroom.lab.video_scenes import gyro_log
    from brightroom.video.gyro import write_gcsv

    clip, src = shaky
    log = gyro_log(clip.true, offset_s=0.146, focal_px=400.0, seed=3)
    g = write_gcsv(log, tmp_path / "g.gcsv")
    opt = stabilize_video(src, tmp_path / "opt.mp4")
    gyr = stabilize_video(src, tmp_path / "gyro.mp4", gyro=g)
    assert gyr.gyro_offset_s == pytest.approx(0.146, abs=2e-3)
    assert "synchronised at +146" in gyr.notes[0]
    sh_o = residual_shake(output_points(clip.true, opt.warps, *SIZE), trim=5)
    sh_g = residual_shake(output_points(clip.true, gyr.warps, *SIZE), trim=5)
    assert sh_g <= 1.05 * sh_o + 0.01 and gyr.area >= 0.85
    # a log that ends before the clip does: one clear error, nothing written
    short = gyro_log(clip.true[:20], pad_s=0.05)
    with pytest.raises(ParameterError, match="covers"):
        stabilize_video(src, tmp_path / "s.mp4", gyro=write_gcsv(short, tmp_path / "s.gcsv"))
    assert not (tmp_path / "s.mp4").exists()


@pytest.mark.slow
def test_rolling_shutter_is_corrected_row_by_row(tmp_path):
    import cv2

    n = 30
    it = np.zeros((n, 4))
    it[:, 0] = 6.0 * np.arange(n)  # a fast pan: the rows of a rolling shutter skew
    true = it + shake(n, amp_px=3.0, roll_deg=0.3, seed=4)
    rs = render_clip(true, SIZE, objects=0, intended=it, readout=0.8)
    gs = render_clip(true, SIZE, objects=0, intended=it)
    src = write_video(rs.frames, tmp_path / "rs.mp4", fps=30, crf=12)
    plain = stabilize_video(src, tmp_path / "a.mp4", crop=90)
    fixed = stabilize_video(src, tmp_path / "b.mp4", crop=90, rolling_shutter=0.8 / 30 * 1000)
    assert fixed.readout_ms == pytest.approx(26.667, abs=1e-3) and plain.readout_ms is None

    def err(res):
        # against the global-shutter render warped by the same warps: what a sensor without
        # rolling shutter would have given
        out = list(read_frames_uint8(res.output)[0])
        e = []
        for t in range(3, n - 3, 4):
            ref = cv2.warpAffine(gs.frames[t], res.warps[t], SIZE, flags=cv2.INTER_LINEAR
                                 | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
            e.append(np.abs(out[t][8:-8, 8:-8].astype(int) - ref[8:-8, 8:-8]).mean())
        return float(np.mean(e))

    assert err(fixed) < 0.6 * err(plain)
