

def test_find_faces_from_several_threads_at_once():
    """An OpenCV DNN net is not thread-safe: each thread gets its own (the studio renders
    previews in threads)."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from brightroom.develop.faces import find_faces

    rng = np.random.default_rng(0)
    pics = [rng.random((96, 128, 3)).astype(np.float32) for _ in range(8)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(find_faces, pics))
    assert results == [find_faces(p) for p in pics]
