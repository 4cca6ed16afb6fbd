"""The live engine: counts and statistics, drops of a live source, the adaptive segmentation
rate, sources that cannot be opened or vanish mid-stream (the MP4 is still closed and playable).

The person model is replaced by a colour key on the synthetic source (its person is skin and a
blue shirt over a textured background) so that the engine's own behaviour is what is tested;
one test runs the real model."""

from __future__ import annotations

import json
import time

import av
import numpy as np
import pytest

from brightroom.errors import InputError, OutputExistsError, ParameterError
from brightroom.io.video import write_video
from brightroom.live.engine import (
    LiveParams,
    LiveSession,
    Source,
    SourceError,
    open_source,
    stream_to_file,
    synthetic_source,
)
from conftest import segmentation_model


def key_segmenter(rgb: np.ndarray) -> np.ndarray:
    """The synthetic person: skin (red > blue by far) or the blue shirt (blue high, red low)."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    skin = (r > 0.75) & (r - b > 0.2)
    shirt = (b > 0.65) & (r < 0.2) & (g < 0.3)
    return (skin | shirt).astype(np.float32)


def slow(seconds: float):
    def seg(rgb: np.ndarray) -> np.ndarray:
        time.sleep(seconds)
        return key_segmenter(rgb)
    return seg


def _count(path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


def test_file_like_source_loses_nothing_and_blurs_only_the_background():
    src = synthetic_source((160, 96), 30, 12)
    frames0 = list(synthetic_source((160, 96), 30, 12))
    session = LiveSession(src, LiveParams(effect="blur", blur_sigma=20), segmenter=key_segmenter)
    out = list(session)
    st = session.stats
    assert (st.frames_in, st.frames_out, st.dropped, st.segmented) == (12, 12, 0, 12)
    assert st.fps > 0 and st.latency_ms_p95 >= st.latency_ms_p50 > 0 and st.error is None
    assert out[0].dtype == np.uint8 and out[0].shape == (96, 160, 3)
    a, b = frames0[5].astype(int), out[5].astype(int)
    person = key_segmenter(frames0[5] / 255.0) > 0
    inner = np.zeros_like(person)
    inner[30:60, 70:90] = True  # the face, well inside the matte
    assert np.abs(a - b)[inner & person].mean() < 3
    assert np.abs(a - b)[~person].mean() > 3  # the textured background is blurred


def test_effect_none_passes_frames_through():
    frames0 = list(synthetic_source((64, 48), 30, 5))
    session = LiveSession(synthetic_source((64, 48), 30, 5), LiveParams(effect="none"),
                          segmenter=key_segmenter)
    out = list(session)
    assert all(np.array_equal(a, b) for a, b in zip(out, frames0))
    assert session.stats.segmented == 0  # nothing needs the matte


def test_segment_every_n_propagates_the_matte():
    session = LiveSession(synthetic_source((96, 64), 30, 12),
                          LiveParams(segment_every=3, adaptive=False), segmenter=key_segmenter)
    assert sum(1 for _ in session) == 12
    assert session.stats.segmented == 4


def test_live_source_drops_frames_it_cannot_keep_up_with():
    src = synthetic_source((96, 64), 200, 60, realtime=True)  # 200 fps, 5 ms a frame
    session = LiveSession(src, LiveParams(adaptive=False, queue=1), segmenter=slow(0.03))
    n = sum(1 for _ in session)
    st = session.stats
    assert st.frames_in == 60 and n == st.frames_out
    assert st.dropped > 20 and st.frames_out + st.dropped == st.frames_in


def test_adaptive_rate_lowers_segmentation_when_behind():
    def run(adaptive: bool):
        src = synthetic_source((96, 64), 60, 45, realtime=True)
        s = LiveSession(src, LiveParams(adaptive=adaptive, max_segment_every=4),
                        segmenter=slow(0.03))
        sum(1 for _ in s)
        return s.stats

    fixed, adaptive = run(False), run(True)
    assert fixed.segmented == fixed.frames_out and fixed.segment_every == 1
    # behind, the adaptive engine segments only some frames (the matte propagated between);
    # whether that saves drops depends on the machine's load: bench_live measures it
    # (the rate in force at the end may be back at 1 once the engine caught up: the count of
    # segmented frames is what shows the rate was lowered)
    assert adaptive.segmented < adaptive.frames_out


def test_stream_to_file_writes_mp4_and_stats(tmp_path):
    out, stats = tmp_path / "o.mp4", tmp_path / "s.json"
    session = LiveSession(synthetic_source((128, 72), 30, 10), LiveParams(beauty=0.5,
                          look="vibrant"), segmenter=key_segmenter)
    st = stream_to_file(session, out, stats_path=stats)
    assert _count(out) == 10 == st.frames_out
    d = json.loads(stats.read_text())
    assert {"frames_in", "frames_out", "dropped", "fps", "latency_ms_p50",
            "latency_ms_p95"} <= set(d) and d["frames_out"] == 10
    with pytest.raises(OutputExistsError):
        stream_to_file(LiveSession(synthetic_source((64, 48), 30, 2), segmenter=key_segmenter),
                       out)


def _vanishing(n_ok: int, w: int = 128, h: int = 72) -> Source:
    """A webcam unplugged after ``n_ok`` frames."""
    base = synthetic_source((w, h), 30, n_ok + 5)

    def gen():
        for i, f in enumerate(base):
            if i == n_ok:
                raise SourceError("/dev/video9: the source stopped at frame 7 (No such device)")
            yield f

    return Source(gen, 30, True, "/dev/video9")


def test_source_vanishing_mid_stream_leaves_a_playable_file(tmp_path):
    out = tmp_path / "cut.mp4"
    session = LiveSession(_vanishing(7), LiveParams(queue=8), segmenter=key_segmenter)
    st = stream_to_file(session, out)
    assert st.error and "stopped" in st.error
    assert _count(out) == st.frames_out == 7


def test_source_vanishing_before_any_frame_raises_and_writes_nothing(tmp_path):
    out = tmp_path / "none.mp4"
    with pytest.raises(SourceError, match="stopped"):
        stream_to_file(LiveSession(_vanishing(0), segmenter=key_segmenter), out)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_unopenable_sources(tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        open_source(tmp_path / "missing.mp4")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all" * 10)
    with pytest.raises(SourceError, match="cannot open"):
        open_source(bad)


def test_file_source_resized_and_played_at_its_own_rate(tmp_path):
    clip = tmp_path / "c.mp4"
    write_video(list(synthetic_source((96, 64), 30, 9)), clip, fps=30)
    src = open_source(clip, size=(64, 48), realtime=True)
    assert src.live and src.fps == pytest.approx(30)
    t = time.perf_counter()
    frames = list(src)
    assert time.perf_counter() - t >= 8 / 30 * 0.9
    assert len(frames) == 9 and frames[0].shape == (48, 64, 3)


def test_bad_parameters():
    with pytest.raises(ParameterError, match="background"):
        LiveParams(effect="replace")
    with pytest.raises(ParameterError, match="effect"):
        LiveParams(effect="sparkle")
    with pytest.raises(ParameterError, match="segment_every"):
        LiveParams(segment_every=9)
    with pytest.raises(ParameterError, match="size"):
        synthetic_source((8, 8))


@pytest.mark.slow
def test_the_real_model_finds_the_synthetic_person():
    segmentation_model()
    session = LiveSession(synthetic_source((320, 180), 30, 3), LiveParams(effect="blur"))
    out = list(session)
    assert len(out) == 3 and session.stats.segmented == 3


def test_alpha_smoother_cuts_noise_flicker_and_follows_motion(rng):
    from brightroom.live.engine import AlphaSmoother

    h, w = 64, 96
    grey = np.full((h, w), 0.5, np.float32)
    grey[:, 40:] = 0.2
    sm = AlphaSmoother(0.6)
    base = np.zeros((h, w), np.float32)
    base[:, :40] = 1
    outs = [sm.update(np.clip(base + rng.normal(0, 0.05, base.shape).astype(np.float32), 0, 1),
                      grey) for _ in range(20)]
    raw_flicker = 0.05 * np.sqrt(2) * 0.8  # about the mean |difference| of two noisy mattes
    flicker = np.mean([np.abs(a - b).mean() for a, b in zip(outs[5:], outs[6:])])
    assert flicker < 0.6 * raw_flicker
    # the subject moves: where the frame changed the new matte is taken at once
    moved = np.zeros((h, w), np.float32)
    moved[:, :60] = 1
    g2 = grey.copy()
    g2[:, 40:60] = 0.5
    out = sm.update(moved, g2)
    assert np.allclose(out[:, 44:56], 1)
    with pytest.raises(ParameterError):
        AlphaSmoother(1.0)


def test_numpy_and_numba_schedules_agree():
    kw = dict(beauty=0.5, look="vibrant", adaptive=False)
    a = list(LiveSession(synthetic_source((160, 96), 30, 4), LiveParams(schedule="numpy", **kw),
                         segmenter=key_segmenter))
    b = list(LiveSession(synthetic_source((160, 96), 30, 4), LiveParams(schedule="numba", **kw),
                         segmenter=key_segmenter))
    for x, y in zip(a, b):
        d = np.abs(x.astype(int) - y)
        assert (d > 1).mean() < 0.005 and d.max() <= 12


def test_encoded_colours_match_the_rendered_frames(tmp_path):
    """The encoder's own RGB -> I420 conversion keeps colours within a few codes."""
    frames = list(synthetic_source((128, 72), 30, 3))
    session = LiveSession(synthetic_source((128, 72), 30, 3), LiveParams(effect="none"),
                          segmenter=key_segmenter)
    stream_to_file(session, tmp_path / "c.mp4", crf=0)
    with av.open(str(tmp_path / "c.mp4")) as c:
        got = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    for a, b in zip(frames, got):
        # flat areas (chroma is subsampled 2x2, edges differ more)
        d = np.abs(a.astype(int) - b)[8:-8, 8:-8]
        assert np.median(d) <= 2


def test_a_source_changing_size_ends_the_stream_with_a_clear_error(tmp_path):
    from brightroom.live.engine import sized_frames

    small, big = np.zeros((48, 64, 3), np.uint8), np.zeros((60, 80, 3), np.uint8)
    assert [f.shape for f in sized_frames(iter([small, big]), "cam", (64, 48))] == \
        [(48, 64, 3)] * 2
    gen = sized_frames(iter([small, small, big]), "/dev/video3")
    assert next(gen).shape == next(gen).shape == (48, 64, 3)
    with pytest.raises(SourceError, match="changed size from 64x48 to 80x60 at frame 2"):
        next(gen)
    # in the engine: the file keeps the frames before the change
    frames = [small] * 4 + [big]
    src = Source(lambda: sized_frames(iter(frames), "/dev/video3"), 30, True, "/dev/video3")
    st = stream_to_file(LiveSession(src, LiveParams(effect="none", queue=8),
                                    segmenter=key_segmenter), tmp_path / "s.mp4")
    assert "changed size" in st.error and _count(tmp_path / "s.mp4") == st.frames_out == 4


def test_steady_exposure_in_the_engine():
    from brightroom.live.engine import array_source

    frames = [np.full((48, 64, 3), v, np.uint8) for v in (100, 100, 100, 130, 130, 130)] * 6
    out = list(LiveSession(array_source(frames, 30), LiveParams(effect="none",
                                                                 steady_exposure=True)))
    means = [float(f.mean()) for f in out[12:]]
    assert len(out) == 36 and np.ptp(means) < 0.6 * 30


def test_replacement_by_a_looping_video(tmp_path):
    bgs = []
    for v in (40, 200):  # a two-frame background video: dark, then bright
        f = np.zeros((36, 64, 3), np.uint8)
        f[..., 1] = v
        bgs.append(f)
    clip = tmp_path / "bg.mp4"
    write_video(bgs * 2, clip, fps=30, crf=0)
    session = LiveSession(synthetic_source((128, 72), 30, 8),
                          LiveParams(effect="replace", background=str(clip)),
                          segmenter=key_segmenter)
    out = list(session)
    corner = [int(f[2:10, 2:10, 1].mean()) for f in out]  # background only
    assert len(out) == 8 and min(corner) < 60 and max(corner) > 180  # the video plays
    assert all(np.abs(f[2:10, 2:10, 0].astype(int)).max() < 20 for f in out)
    with pytest.raises(InputError):
        LiveSession(synthetic_source((64, 48), 30, 2),
                    LiveParams(effect="replace", background=str(tmp_path / "none.mp4")))
