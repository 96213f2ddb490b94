"""A cold start on two cores. Numba compiles one function at a time on one thread, so while the
calling process compiles the whole-replication kernel, a helper process compiles the largest
kernels it calls (the review loop, the leaderboard, the metrics) into the same cache, and the
caller loads them from there instead of compiling them.

The helper only fills the cache with the machine code the caller would have made: outcomes do
not depend on it, and a helper that fails or is late costs nothing but its CPU time."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from sim.engines.threads import available_cpus
from sim.kernels import cache_is_warm
from sim.kernels.leaderboard import model_accuracies
from sim.kernels.metrics import N_METRICS, replication_metrics
from sim.kernels.review_loop import review_loop

HELPER_SECONDS = 60.0  # how long the caller waits for a helper that is still compiling


def start_helper() -> subprocess.Popen[bytes] | None:
    """Start the helper when the kernel cache is cold and a second CPU is free, else None."""
    if cache_is_warm() or available_cpus() < 2 or not sys.executable:
        return None
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "sim.engines.warmup"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:  # no new processes here: the caller compiles everything itself
        return None


def finish_helper(helper: subprocess.Popen[bytes] | None) -> None:
    """Wait for the helper to finish writing the cache, and stop it if it takes too long."""
    if helper is None:
        return
    try:
        helper.wait(timeout=HELPER_SECONDS)
    except subprocess.TimeoutExpired:
        helper.kill()
        helper.wait()


def compile_helper_kernels() -> None:
    """Compile (or load) the helper's kernels for exactly the argument types
    :func:`sim.kernels.replications.run_one` passes them, by calling them on empty inputs:
    one item that is never queued, no reviews."""
    nothing = np.zeros(1)
    review_loop(
        np.full(1, np.inf),  # keys: never queued
        np.zeros(1, np.int32),  # group
        np.zeros(1, np.int8),  # value kind
        np.zeros(1),  # truth
        np.zeros(1, np.int32),  # stratum
        np.uint64(1),  # review draws' key
        np.zeros(1),  # value_min
        np.ones(1),  # value_max
        np.zeros(1, np.int64),  # n_categories
        np.ones(1),  # complexity
        1.0,  # median minutes
        0.0,  # sigma
        np.zeros(10),  # error profile
        np.zeros((1, 1), np.bool_),  # specialty
        1.0,  # outside-specialty slowdown
        np.zeros(1),  # usd_per_hour
        np.zeros(1),  # error probability
        np.zeros(0),  # window starts
        np.zeros(0),  # window ends
        np.zeros(2, np.int64),  # window offsets
        0.0,  # budget seconds
        0.0,  # budget usd
        False,  # double review
        np.zeros(5),  # agreement rule
        np.zeros((0, 9)),  # log
        np.full(1, np.nan),  # expert labels
        np.zeros(1, np.bool_),  # reviewed
    )
    model_accuracies(
        nothing,
        nothing,
        nothing,
        np.zeros(1, np.int8),  # decision
        np.zeros(1, np.int8),  # value kind
        np.zeros(1, np.int32),  # group
        np.zeros(5),  # agreement rule
        np.zeros((1, 1)),  # accuracy per model and group
        np.zeros(1),  # blind spots
        np.uint64(1),
        np.zeros((1, 3)),  # board
    )
    replication_metrics(
        nothing,
        nothing,
        np.zeros(1, np.int8),  # value kind
        nothing,
        np.zeros(1, np.int8),  # decision
        np.full(1, np.nan),  # expert labels
        np.zeros(1, np.bool_),  # reviewed
        np.zeros(0),  # work seconds
        np.zeros(0),  # usd
        np.zeros(0),  # finish seconds
        np.zeros(5),  # agreement rule
        0.0,
        0.0,
        np.zeros(N_METRICS),
    )


if __name__ == "__main__":
    compile_helper_kernels()
