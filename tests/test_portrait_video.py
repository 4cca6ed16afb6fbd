"""brightroom.portrait.video: temporal mask smoothing, PyAV in/out, atomic output."""

from __future__ import annotations

import av
import numpy as np
import pytest

from brightroom.errors import CorruptFileError, InputError, OutputExistsError, ParameterError
from brightroom.portrait.video import MaskSmoother, VideoParams, read_frames, render_video
from conftest import segmentation_model


def _write(path, frames, fps=30):
    out = av.open(str(path), "w")
    st = out.add_stream("libx264", rate=fps)
    st.width, st.height, st.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
    for f in frames:
        for p in st.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
            out.mux(p)
    for p in st.encode(None):
        out.mux(p)
    out.close()


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    from brightroom.lab.portrait_scenes import portrait_scene

    sc = portrait_scene(size=128)
    base = (sc.display * 255).astype(np.uint8)
    frames = [np.roll(base, i, axis=1) for i in range(6)]
    p = tmp_path_factory.mktemp("v") / "in.mp4"
    _write(p, frames)
    return p


def test_smoother_removes_flicker_and_follows_motion(rng):
    s = MaskSmoother(ema=0.6, motion_threshold=0.08)
    grey = np.full((20, 20), 0.5, np.float32)
    truth = np.zeros((20, 20), np.float32)
    truth[5:15, 5:15] = 1
    outs = []
    for _ in range(30):
        noisy = np.clip(truth + rng.normal(0, 0.2, truth.shape), 0, 1).astype(np.float32)
        outs.append(s.update(noisy, grey))
    flicker_in = 0.2
    flicker_out = np.std(np.array(outs[10:]), axis=0).mean()
    assert flicker_out < 0.6 * flicker_in
    moved = grey.copy()
    moved[:, :10] = 0.9  # the left half changes: its mask resets at once
    new = np.ones((20, 20), np.float32)
    out = s.update(new, moved)
    assert np.all(out[:, :8] == 1.0) and out[:, 14:].mean() < 0.9


def test_scene_cut_resets():
    s = MaskSmoother()
    s.update(np.zeros((8, 8), np.float32), np.zeros((8, 8), np.float32))
    out = s.update(np.ones((8, 8), np.float32), np.ones((8, 8), np.float32))
    assert np.all(out == 1)


def test_render_video(clip, tmp_path):
    segmentation_model()
    out = tmp_path / "out.mp4"
    stats = render_video(clip, out, video=VideoParams.light())
    assert stats.frames == 6 and out.is_file() and stats.no_person == 0
    frames, fps, _ = read_frames(out)
    got = list(frames)
    assert len(got) == 6 and got[0].shape == (128, 128, 3) and fps == pytest.approx(30)
    assert not list(tmp_path.glob(".out*tmp-*"))
    with pytest.raises(OutputExistsError):
        render_video(clip, out)


def test_empty_video(tmp_path):
    p = tmp_path / "empty.mp4"
    o = av.open(str(p), "w")
    st = o.add_stream("libx264", rate=30)
    st.width, st.height, st.pix_fmt = 64, 64, "yuv420p"
    o.close()
    out = tmp_path / "o.mp4"
    with pytest.raises((InputError, CorruptFileError)):
        render_video(p, out)
    assert not out.exists() and not list(tmp_path.glob(".o*tmp-*"))


def test_no_frames_is_input_error(tmp_path, monkeypatch):
    # a stream that opens but yields no frames: the pipeline reports "no frames"
    from brightroom.portrait import video as mod

    p = tmp_path / "in.mp4"
    _write(p, [np.zeros((16, 16, 3), np.uint8)])
    monkeypatch.setattr(mod, "_read_frames", lambda path, threads: (iter(()), 30.0, 0))
    out = tmp_path / "o.mp4"
    with pytest.raises(InputError, match="no frames"):
        render_video(p, out)
    assert not out.exists() and not list(tmp_path.glob(".o*tmp-*")) and _no_threads_left()


def test_garbage_and_missing(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all")
    with pytest.raises((CorruptFileError, InputError)):
        render_video(bad, tmp_path / "o.mp4")
    assert not (tmp_path / "o.mp4").exists()
    with pytest.raises(InputError, match="no such file"):
        read_frames(tmp_path / "missing.mp4")


def test_params():
    with pytest.raises(ParameterError):
        VideoParams(ema=1.0)
    assert VideoParams.light().model == "landscape"


# --- the pipelined render_video: order, count, errors, no half-written output -------------

def _no_threads_left():
    import threading

    return not [t for t in threading.enumerate() if t.name.startswith("brightroom-video")]


def test_pipeline_preserves_order_and_count(tmp_path):
    # 23 flat frames (no person: rendered unchanged), more than the queues hold, each with its
    # own grey level: the output must have the same levels in the same order
    levels = [20 + 9 * i for i in range(23)]
    src = tmp_path / "grey.mp4"
    _write(src, [np.full((64, 96, 3), v, np.uint8) for v in levels])
    out = tmp_path / "o.mp4"
    segmentation_model()
    stats = render_video(src, out, video=VideoParams.light())
    assert stats.frames == 23 and stats.no_person == 23
    assert 0 <= stats.dropped <= 23 and stats.fps > 0 and stats.source_fps == pytest.approx(30)
    got = [float(f.mean()) * 255 for f in read_frames(out)[0]]
    assert len(got) == 23
    np.testing.assert_allclose(got, levels, atol=3)  # two 8-bit YUV round trips; steps are 9
    assert _no_threads_left()


def test_pipeline_matches_serial_render(clip, tmp_path):
    # each output frame is the serially rendered frame of the same index (up to x264 loss)
    from brightroom.portrait.video import render_frames

    vp = VideoParams.light()
    segmentation_model()
    ref = [f for f, _ in render_frames(read_frames(clip)[0], video=vp)]
    out = tmp_path / "o.mp4"
    render_video(clip, out, video=vp)
    got = list(read_frames(out)[0])
    assert len(got) == len(ref) == 6
    for i, g in enumerate(got):
        err = [float(np.abs(g - r).mean()) for r in ref]
        assert int(np.argmin(err)) == i and err[i] < 0.02


@pytest.mark.slow
def test_unit_range_path_is_identical(clip):
    # render_video's fast path (frames known in [0, 1], reduced in the decode thread) gives
    # the same pixels as render_frames
    from brightroom.portrait.video import _prepare, _render_frames, render_frames

    segmentation_model()
    frames = list(read_frames(clip)[0])
    for vp in (VideoParams.light(), VideoParams(), VideoParams(two_plane=False)):
        ref = list(render_frames(iter(frames), video=vp))
        got = list(_render_frames(iter([_prepare(f, vp) for f in frames]), params=None,
                                  video=vp, focus="auto"))
        assert len(got) == len(ref)
        for (g, gf), (r, rf) in zip(got, ref, strict=True):
            assert gf == rf
            np.testing.assert_array_equal(g, r)


def test_decode_error_propagates(clip, tmp_path, monkeypatch):
    from brightroom.portrait import video as mod

    segmentation_model()  # render_video needs the model before the first frame
    real = mod._read_frames

    def broken(path, threads):
        frames, fps, count = real(path, threads)

        def gen():
            for i, f in enumerate(frames):
                if i == 3:
                    raise CorruptFileError("decoding failed at frame 3")
                yield f
        return gen(), fps, count

    monkeypatch.setattr(mod, "_read_frames", broken)
    out = tmp_path / "o.mp4"
    with pytest.raises(CorruptFileError, match="frame 3"):
        render_video(clip, out, video=VideoParams.light())
    assert not out.exists() and not list(tmp_path.glob(".o*tmp-*")) and _no_threads_left()


def test_encode_error_propagates(clip, tmp_path, monkeypatch):
    from brightroom.portrait import video as mod

    segmentation_model()  # render_video needs the model before the first frame
    calls = []

    def broken(frame, h, w, buf):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("encoder exploded")
        return np.zeros((h, w, 3), np.uint8)

    monkeypatch.setattr(mod, "_to_uint8", broken)
    out = tmp_path / "o.mp4"
    with pytest.raises(RuntimeError, match="encoder exploded"):
        render_video(clip, out, video=VideoParams.light())
    assert not out.exists() and not list(tmp_path.glob(".o*tmp-*")) and _no_threads_left()


def test_render_error_propagates(clip, tmp_path, monkeypatch):
    from brightroom.portrait import video as mod

    segmentation_model()  # render_video needs the model before the first frame

    def broken(frames, **kw):
        for i, f in enumerate(frames):
            if i == 4:
                raise ValueError("render failed")
            yield f.rgb, True

    monkeypatch.setattr(mod, "_render_frames", broken)
    out = tmp_path / "o.mp4"
    with pytest.raises(ValueError, match="render failed"):
        render_video(clip, out)
    assert not out.exists() and not list(tmp_path.glob(".o*tmp-*")) and _no_threads_left()


def test_to_uint8_matches_reference(rng):
    from brightroom.portrait.video import _to_uint8

    f = rng.uniform(-0.2, 1.2, (10, 13, 3)).astype(np.float32)
    f[0, 0] = np.float32(0.5 / 255)  # a half code: rounds up as before
    ref = (np.clip(f, 0, 1) * 255 + 0.5).astype(np.uint8)[:10, :12]
    buf = np.empty((10, 12, 3), np.float32)
    np.testing.assert_array_equal(_to_uint8(f, 10, 12, buf), ref)


def test_preset():
    assert VideoParams.light().preset == "ultrafast" and VideoParams().preset == "veryfast"
    with pytest.raises(ParameterError, match="preset"):
        VideoParams(preset="warp")
