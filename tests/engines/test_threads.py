"""Slices of replications over threads: every row exactly once, errors not lost."""

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engines.threads import run_sliced, slices


@given(n_rows=st.integers(0, 5000), threads=st.integers(1, 8), smallest=st.integers(1, 64))
@settings(max_examples=300, deadline=None)
def test_slices_cover_every_row_once_in_order(n_rows: int, threads: int, smallest: int) -> None:
    parts = slices(n_rows, threads, smallest)
    covered = [r for start, stop in parts for r in range(start, stop)]
    assert covered == list(range(n_rows))
    assert all(stop > start for start, stop in parts)
    sizes = [stop - start for start, stop in parts]
    assert all(size >= smallest for size in sizes[:-1])
    assert sizes == sorted(sizes, reverse=True), "slices shrink as the rows run out"


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_run_sliced_writes_every_row_once_from_several_threads(threads: int) -> None:
    n_rows = 1000
    hits = np.zeros(n_rows, dtype=np.int64)
    names: set[str] = set()
    names_lock = threading.Lock()

    def run_slice(start: int, stop: int) -> None:
        with names_lock:
            names.add(threading.current_thread().name)
        hits[start:stop] += 1

    run_sliced(run_slice, n_rows, threads)
    np.testing.assert_array_equal(hits, np.ones(n_rows, dtype=np.int64))
    if threads == 1:
        assert names == {threading.current_thread().name}


def test_an_error_in_a_slice_is_raised_after_the_threads_stop() -> None:
    def run_slice(start: int, stop: int) -> None:
        if start <= 500 < stop:
            raise ValueError(f"row 500 in slice {start}:{stop}")

    with pytest.raises(ValueError, match="row 500"):
        run_sliced(run_slice, 1000, 2)


def test_more_threads_than_cpus_is_a_config_error_naming_the_key() -> None:
    from sim.config.validate import ConfigError
    from sim.engines.numba_engine import NumbaEngine

    with pytest.raises(ConfigError, match=r"engine\.threads"):
        NumbaEngine(threads=100_000)
    assert NumbaEngine(threads=0).threads >= 1
