"""brightroom.batch.recording: each thread records its own warnings; the process's state returns."""

from __future__ import annotations

import threading
import warnings

from brightroom.batch.recording import recorded_warnings


def test_threads_record_only_their_own_warnings_and_repeats() -> None:
    barrier = threading.Barrier(2)
    got: dict[int, list[str]] = {}

    def work(k: int) -> None:
        with recorded_warnings() as caught:
            for _ in range(3):
                barrier.wait()
                warnings.warn(f"thread {k}", UserWarning, stacklevel=1)  # the same line 3 times
        got[k] = [str(w.message) for w in caught]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == {0: ["thread 0"] * 3, 1: ["thread 1"] * 3}


def test_state_is_restored_and_nesting_hands_warnings_outwards() -> None:
    filters, show = list(warnings.filters), warnings.showwarning
    with recorded_warnings() as outer:
        with recorded_warnings() as inner:
            warnings.warn("inner", UserWarning, stacklevel=1)
        warnings.warn("outer", UserWarning, stacklevel=1)
    assert [str(w.message) for w in inner] == ["inner"]
    assert [str(w.message) for w in outer] == ["inner", "outer"]
    assert warnings.filters == filters and warnings.showwarning is show


def test_a_thread_that_is_not_recording_shows_its_warnings_as_before() -> None:
    import brightroom.batch.recording as rec

    inside, started, finished = threading.Event(), threading.Event(), threading.Event()
    before = warnings.showwarning

    def recorder() -> None:
        with recorded_warnings():
            started.set()
            inside.wait(10)
        finished.set()

    t = threading.Thread(target=recorder)
    t.start()
    started.wait(10)
    shown = []
    saved = rec._previous_show
    try:
        # what the process showed before: the hook passes the warning on to it
        assert warnings.showwarning is rec._show
        rec._previous_show = lambda message, *a, **k: shown.append(str(message))
        warnings.warn("from the main thread", UserWarning, stacklevel=1)
    finally:
        rec._previous_show = saved
        inside.set()
        t.join()
    assert finished.is_set() and shown == ["from the main thread"]
    assert warnings.showwarning is before


def test_ignored_warnings_stay_ignored() -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="port .* in use")
        with recorded_warnings() as caught:
            warnings.warn("port 8787 in use", UserWarning, stacklevel=1)
            warnings.warn("unclosed file", ResourceWarning, stacklevel=1)
            warnings.warn("a real one", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["a real one"]
