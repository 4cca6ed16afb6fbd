"""brightroom.portrait.video: temporal mask smoothing, PyAV in/out, atomic output."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.errors import CorruptFileError, InputError, OutputExistsError, ParameterError
from brightroom.portrait.video import MaskSmoother, VideoParams, read_frames, render_video

av = pytest.importorskip("av", reason="PyAV (av) is not installed")


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
    out = tmp_path / "out.mp4"
    try:
        stats = render_video(clip, out, video=VideoParams.light())
    except InputError as e:  # the segmentation model is not installed
        pytest.skip(str(e))
    assert stats.frames == 6 and out.is_file() and stats.no_person == 0
    frames, fps, _ = read_frames(out)
    got = list(frames)
    assert len(got) == 6 and got[0].shape == (128, 128, 3) and fps == pytest.approx(30)
    assert not list(tmp_path.glob(".out.tmp-*"))
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
    assert not out.exists() and not list(tmp_path.glob(".o.tmp-*"))


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
