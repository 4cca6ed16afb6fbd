"""brightroom.io.video: probing, decoding, the atomic writer and the pipeline queue (PyAV)."""

from __future__ import annotations

import threading
import time
from fractions import Fraction

import av
import numpy as np
import pytest

from brightroom.errors import CorruptFileError, InputError, OutputExistsError, ParameterError
from brightroom.io.video import (
    FrameQueue,
    VideoInfo,
    VideoWriter,
    probe_video,
    read_frames,
    to_uint8,
    write_video,
)

LEVELS = [30, 80, 130, 180, 230]


def grey_frames(h=48, w=64, levels=LEVELS):
    """uint8 frames, each one grey level with a horizontal ramp (so the encoder has detail)."""
    ramp = np.linspace(-20, 20, w)[None, :, None]
    return [np.clip(v + ramp + np.zeros((h, w, 3)), 0, 255).astype(np.uint8) for v in levels]


def no_temporaries(folder):
    return not [p for p in folder.iterdir() if "tmp-" in p.name]


def test_write_then_read_round_trip(tmp_path):
    frames = grey_frames()
    path = write_video(frames, tmp_path / "clip.mp4", fps=25, crf=10)
    assert path == tmp_path / "clip.mp4" and no_temporaries(tmp_path)
    got, fps, count = read_frames(path)
    got = list(got)
    assert fps == pytest.approx(25) and count == len(frames) == len(got)
    for g, f in zip(got, frames, strict=True):  # same order, same pixels up to YUV 4:2:0 + x264
        assert g.dtype == np.float32 and g.shape == (48, 64, 3)
        assert 0 <= g.min() and g.max() <= 1
        assert float(np.abs(g * 255 - f).mean()) < 2.0


def test_float_frames_encode_like_their_uint8_codes(tmp_path):
    codes = grey_frames(levels=LEVELS[:3])
    as_float = [(c / np.float32(255)).astype(np.float32) for c in codes]
    a = write_video(codes, tmp_path / "u8.mp4", fps=30)
    b = write_video(as_float, tmp_path / "f32.mp4", fps=30)
    assert a.read_bytes() == b.read_bytes()


def test_probe(tmp_path):
    path = write_video(grey_frames(), tmp_path / "p.mp4", fps=Fraction(30000, 1001))
    info = probe_video(path)
    assert isinstance(info, VideoInfo)
    assert (info.width, info.height, info.frames, info.rotation) == (64, 48, 5, 0)
    assert info.fps == pytest.approx(30000 / 1001) and info.codec == "h264"
    assert info.duration == pytest.approx(5 * 1001 / 30000, rel=0.05)
    assert read_frames(path)[1] == info.fps  # the same frame rate as read_frames reports


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_is_stored_and_reported_not_applied(tmp_path, rotation):
    path = write_video(grey_frames(levels=LEVELS[:2]), tmp_path / "r.mp4", fps=30,
                       rotation=rotation)
    assert probe_video(path).rotation == rotation
    assert [f.shape for f in read_frames(path)[0]] == [(48, 64, 3)] * 2


def test_odd_sizes_lose_their_last_row_and_column(tmp_path):
    frames = grey_frames(h=21, w=33, levels=LEVELS[:2])
    with VideoWriter(tmp_path / "odd.mp4", fps=30) as video:
        video.write(frames[0])
        assert video.size == (32, 20)
        video.write(frames[1])
    assert [f.shape for f in read_frames(tmp_path / "odd.mp4")[0]] == [(20, 32, 3)] * 2


def test_failure_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError, match="renderer crashed"):
        with VideoWriter(tmp_path / "x.mp4", fps=30) as video:
            video.write(grey_frames()[0])
            raise RuntimeError("renderer crashed")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ParameterError, match="no frames"):
        write_video([], tmp_path / "empty.mp4", fps=30)
    with pytest.raises(ParameterError, match="a frame of 32 x 24 in a video of 64 x 48"):
        write_video([grey_frames()[0], grey_frames(24, 32)[0]], tmp_path / "sizes.mp4", fps=30)
    with pytest.raises(ParameterError, match="H x W x 3"):
        write_video([np.zeros((8, 8), np.uint8)], tmp_path / "grey.mp4", fps=30)
    assert list(tmp_path.iterdir()) == []


def test_never_over_an_existing_file_or_an_input(tmp_path):
    path = write_video(grey_frames(), tmp_path / "a.mp4", fps=30)
    before = path.read_bytes()
    with pytest.raises(OutputExistsError, match=r"a\.mp4 exists; pass overwrite=True"):
        write_video(grey_frames(levels=[0, 255]), path, fps=30)
    with pytest.raises(OutputExistsError, match="input"):
        write_video(grey_frames(), path, fps=30, inputs=[path])
    assert path.read_bytes() == before and no_temporaries(tmp_path)
    write_video(grey_frames(levels=[0, 255]), path, fps=30, overwrite=True)
    assert path.read_bytes() != before and len(list(read_frames(path)[0])) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4"]


@pytest.mark.parametrize("kw,match", [({"fps": 0}, "fps"), ({"fps": float("nan")}, "fps"),
                                      ({"crf": 52}, "crf"), ({"preset": "warp"}, "preset"),
                                      ({"rotation": 45}, "rotation")])
def test_bad_parameters(tmp_path, kw, match):
    with pytest.raises(ParameterError, match=match):
        VideoWriter(tmp_path / "x.mp4", **{"fps": 30, **kw})
    assert list(tmp_path.iterdir()) == []


def test_read_errors(tmp_path):
    with pytest.raises(InputError, match=r"missing\.mp4: no such file"):
        read_frames(tmp_path / "missing.mp4")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all")
    with pytest.raises(CorruptFileError, match=r"bad\.mp4: cannot open as video"):
        probe_video(bad)
    # sound only: opens, but there is no picture
    sound = tmp_path / "sound.wav"
    out = av.open(str(sound), "w")
    st = out.add_stream("pcm_s16le", rate=8000)
    frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16", layout="mono")
    frame.rate = 8000
    for packet in [*st.encode(frame), *st.encode(None)]:
        out.mux(packet)
    out.close()
    with pytest.raises(InputError, match=r"sound\.wav: has no video stream"):
        read_frames(sound)
    # a clip cut in half: named corrupt, whether FFmpeg notices on opening or while decoding
    clip = write_video(grey_frames(), tmp_path / "cut.mp4", fps=30)
    data = clip.read_bytes()
    clip.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFileError, match=r"cut\.mp4"):
        list(read_frames(clip)[0])


def test_to_uint8_matches_reference(rng):
    f = rng.uniform(-0.2, 1.2, (10, 13, 3)).astype(np.float32)
    f[0, 0] = np.float32(0.5 / 255)  # a half code rounds up
    ref = (np.clip(f, 0, 1) * 255 + 0.5).astype(np.uint8)[:10, :12]
    np.testing.assert_array_equal(to_uint8(f, 10, 12), ref)
    scratch = np.empty((10, 12, 3), np.float32)
    np.testing.assert_array_equal(to_uint8(f, 10, 12, scratch), ref)
    assert f[0, 0, 0] == np.float32(0.5 / 255)  # the input is left alone


def test_frame_queue_keeps_order_across_threads():
    stop = threading.Event()
    q = FrameQueue(2, stop)

    def produce():
        for i in range(50):
            assert q.put(i)
        q.close()

    t = threading.Thread(target=produce)
    t.start()
    assert list(q) == list(range(50))
    t.join()


def test_frame_queue_carries_the_producer_error():
    stop = threading.Event()
    q = FrameQueue(4, stop)
    q.put("first")
    q.fail(ValueError("decoder broke"))
    it = iter(q)
    assert next(it) == "first"
    with pytest.raises(ValueError, match="decoder broke"):
        next(it)


def test_frame_queue_stop_releases_waiting_threads():
    stop = threading.Event()
    full, empty = FrameQueue(1, stop), FrameQueue(1, stop)
    assert full.put("a")
    results = {}

    def blocked_put():
        results["put"] = full.put("b")

    def blocked_get():
        results["get"] = empty.get()

    threads = [threading.Thread(target=blocked_put), threading.Thread(target=blocked_get)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    assert not results  # both are still waiting
    stop.set()
    for t in threads:
        t.join(timeout=5)
    assert results == {"put": False, "get": FrameQueue.END}
    assert list(empty) == [] and not full.close()


def test_audio_is_copied_and_yuv_frames_round_trip(tmp_path):
    import subprocess

    from brightroom.io.video import frame_times, read_frames_uint8

    src = tmp_path / "a.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=size=64x48:rate=25", "-f", "lavfi", "-i", "sine=frequency=300",
                    "-t", "0.4", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
                    "-shortest", str(src)], check=True)
    frames = list(read_frames_uint8(src, format="yuv420p")[0])
    assert frames[0].shape == (72, 64) and frames[0].dtype == np.uint8
    out = tmp_path / "b.mp4"
    with VideoWriter(out, fps=25, crf=0, audio_from=src) as v:
        for f in frames:
            v.write_yuv420p(f)
    info = probe_video(out)
    assert info.audio == "aac" and info.frames == len(frames) == 10
    again = list(read_frames_uint8(out, format="yuv420p")[0])
    assert np.abs(again[3].astype(int) - frames[3]).max() <= 1  # crf 0: lossless luma
    np.testing.assert_allclose(frame_times(out), np.arange(10) / 25, atol=1e-3)
    gray = list(read_frames_uint8(out, format="gray", size=(32, 24))[0])
    assert gray[0].shape == (24, 32)
    with pytest.raises(ParameterError, match="format"):
        read_frames_uint8(out, format="bgr")
