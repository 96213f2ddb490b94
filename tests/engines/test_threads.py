"""Replications shared out over threads: every row exactly once, errors not lost."""

import os
import signal
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engines.threads import run_interleaved


@given(n_rows=st.integers(0, 300), threads=st.integers(1, 6))
@settings(max_examples=200, deadline=None)
def test_every_row_runs_once_on_at_most_threads_threads(n_rows: int, threads: int) -> None:
    hits = np.zeros(n_rows, dtype=np.int64)
    names: set[str] = set()
    lock = threading.Lock()

    def run_share(first: int, step: int) -> None:
        with lock:
            names.add(threading.current_thread().name)
        hits[first:n_rows:step] += 1

    run_interleaved(run_share, n_rows, threads)
    np.testing.assert_array_equal(hits, np.ones(n_rows, dtype=np.int64))
    assert len(names) == max(1, min(threads, n_rows))
    assert threading.current_thread().name in names, "the calling thread runs a share"


def test_an_error_in_a_share_is_raised_after_the_threads_stop() -> None:
    finished: list[int] = []

    def run_share(first: int, step: int) -> None:
        if first == 1:
            raise ValueError(f"share {first} of {step}")
        finished.append(first)

    with pytest.raises(ValueError, match="share 1 of 3"):
        run_interleaved(run_share, 100, 3)
    assert sorted(finished) == [0, 2]


def test_more_threads_than_cpus_is_a_config_error_naming_the_key() -> None:
    from sim.config.validate import ConfigError
    from sim.engines.numba_engine import NumbaEngine

    with pytest.raises(ConfigError, match=r"engine\.threads"):
        NumbaEngine(threads=100_000)
    assert NumbaEngine(threads=0).threads >= 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_starts_its_own_workers() -> None:
    hits = np.zeros(40, dtype=np.int64)

    def run_share(first: int, step: int) -> None:
        hits[first::step] += 1

    run_interleaved(run_share, 40, 2)  # the parent has a worker now
    pid = os.fork()
    if pid == 0:  # the child: its copy of hits, its own worker
        signal.alarm(20)  # a share handed to the parent's worker would never come back
        hits[:] = 0
        run_interleaved(run_share, 40, 2)
        os._exit(0 if (hits == 1).all() else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_ctrl_c_while_waiting_for_the_other_shares_is_raised_after_they_stop() -> None:
    import time

    main = threading.get_ident()
    finished: list[int] = []

    def run_share(first: int, step: int) -> None:
        if first == 1:
            time.sleep(0.2)  # the calling thread is waiting for this share by now
            signal.pthread_kill(main, signal.SIGINT)
            time.sleep(0.3)
            finished.append(first)

    with pytest.raises(KeyboardInterrupt):
        run_interleaved(run_share, 2, 2)
    assert finished == [1], "the interrupt was raised while a share was still running"
