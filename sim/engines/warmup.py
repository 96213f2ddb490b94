"""A cold start on two cores. Numba compiles one function at a time on one thread, so while the
calling process compiles the whole-replication kernel, a helper process compiles the largest
kernels it calls (the review loop, the leaderboard, the metrics, then three small ones the
caller reaches last) into the same cache, and the caller loads them from there instead of
compiling them. A run of ``learning`` has the helper compile the strategy's keys (which the
caller's first kernel reaches about halfway) and then the loop with the policy's hooks
(:func:`~sim.kernels.learning_loop.learning_review_loop`) while the caller compiles the rest of
its first replication (:mod:`sim.engines.compiled_learning`). After one line saying so, a
helper whose run goes on to the RL experiment compiles that experiment's kernels too.

The helper only fills the cache with the machine code the caller would have made: outcomes do
not depend on it, and a helper that fails or is late costs nothing but its CPU time."""

from __future__ import annotations

import atexit
import select
import subprocess
import sys
import threading
from typing import Any

import numpy as np
from numba import typeof

from sim import interrupt
from sim.engines.threads import available_cpus
from sim.kernels import CACHE_DIR, cache_is_warm, grpo
from sim.kernels.leaderboard import leaderboard_metrics, model_accuracies
from sim.kernels.learning import N_PARAMS, strategy_keys
from sim.kernels.learning_loop import learning_review_loop
from sim.kernels.metrics import N_METRICS, replication_metrics
from sim.kernels.policies import finalize
from sim.kernels.random import permutation, uniforms
from sim.kernels.review_loop import review_loop
from sim.kernels.world import build_windows

HELPER_SECONDS = 60.0  # how long the caller waits for a helper that is still compiling
LEARNING = "learning"
RL = "rl"  # the helper's argument: go on to the RL experiment's kernels after the line
KERNELS_CACHED = b"kernels cached"  # the helper's line before the RL experiment's kernels
_learning_helper: subprocess.Popen[bytes] | None = None
_learning_lock = threading.Lock()
_downstream_helper: subprocess.Popen[bytes] | None = None
_learning_loop_cached = False


def start_helper(target: str = "", then_rl: bool = False) -> subprocess.Popen[bytes] | None:
    """Start the helper when the kernel cache is cold and a second CPU is free, else None;
    ``target`` ``"learning"``: the loop with the learning policy's hooks, when it is not
    cached yet. With ``then_rl`` (the run goes on to the RL experiment) the helper then
    compiles the experiment's kernels; without, it ends after its line."""
    cold = not learning_loop_is_cached() if target == LEARNING else not cache_is_warm()
    if not cold or available_cpus() < 2 or not sys.executable:
        return None
    arguments = [*([target] if target else []), *([RL] if then_rl else [])]
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "sim.engines.warmup", *arguments],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
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
        _stop(helper)


def _stop(helper: subprocess.Popen[bytes] | None) -> None:
    """Kill the helper if it is still running, and reap it."""
    if helper is not None and helper.poll() is None:
        helper.kill()
        helper.wait()


def await_cached_kernels(helper: subprocess.Popen[bytes] | None) -> None:
    """Wait until the helper has cached the kernels it was started for (its one line) or
    ended, and stop it if neither happens in time. A helper still running then compiles the
    RL experiment's kernels (or is ending, when it was not told to): it is kept for
    :func:`await_downstream_helper` and stopped when this process exits, so the replications
    do not wait for it."""
    global _downstream_helper
    if helper is None or helper.stdout is None:
        finish_helper(helper)
        return
    ready, _, _ = select.select([helper.stdout], [], [], HELPER_SECONDS)
    line = helper.stdout.readline().strip() if ready else b""
    if line != KERNELS_CACHED or helper.poll() is not None:
        finish_helper(helper)  # ended (or failed), or too slow: wait briefly, then stop it
        return
    stop_downstream_helper()
    _downstream_helper = helper


def await_downstream_helper() -> None:
    """Wait for a helper still compiling the RL experiment's kernels, if any, so that the
    experiment loads them from the cache instead of compiling them again."""
    global _downstream_helper
    helper, _downstream_helper = _downstream_helper, None
    finish_helper(helper)


def stop_downstream_helper() -> None:
    """Stop a helper still compiling the RL experiment's kernels (this process is done, or
    a newer helper replaces it); the cache only misses what it was writing."""
    global _downstream_helper
    helper, _downstream_helper = _downstream_helper, None
    _stop(helper)


atexit.register(stop_downstream_helper)
interrupt.on_interrupted_exit(stop_downstream_helper)


def learning_loop_is_cached() -> bool:
    """Has the loop with the learning policy's hooks been compiled into the cache? Once it
    has, the answer is kept, so a study's many runs do not walk the cache again."""
    global _learning_loop_cached
    if not _learning_loop_cached:
        _learning_loop_cached = CACHE_DIR.is_dir() and any(
            CACHE_DIR.rglob("*learning_review_loop*.nbi")
        )
    return _learning_loop_cached


def learning_replication_is_cached() -> bool:
    """Have the learning policy's whole-replication kernels and its loop been compiled into the
    cache? (What a first ``learning`` run compiles beyond the other policies' kernels.)"""
    return learning_loop_is_cached() and any(CACHE_DIR.rglob("*learning_replication.conclude*.nbi"))


def start_learning_helper(then_rl: bool = False) -> None:
    """Start compiling the learning loop on the second core (see :func:`start_helper`); the
    engine waits for it before its first learning loop (:func:`await_learning_helper`)."""
    global _learning_helper
    if _learning_helper is None:
        _learning_helper = start_helper(LEARNING, then_rl)


def await_learning_helper() -> None:
    """Wait until a learning helper started in this process, if any, has cached the loop
    (from any thread: each waits until it has); then it goes on with the RL experiment's
    kernels, as in :func:`await_cached_kernels`."""
    global _learning_helper
    with _learning_lock:
        helper, _learning_helper = _learning_helper, None
        await_cached_kernels(helper)


def stop_learning_helper() -> None:
    """Stop a learning helper started in this process, at once (a run that failed or was
    interrupted leaves no compiling process behind; the cache only misses what it was
    writing)."""
    global _learning_helper
    helper, _learning_helper = _learning_helper, None
    _stop(helper)


interrupt.on_interrupted_exit(stop_learning_helper)


def learning_helper_running() -> bool:
    """Is a learning helper started in this process still compiling?"""
    return _learning_helper is not None and _learning_helper.poll() is None


def _problem_never_queued() -> tuple[Any, ...]:
    """A review problem's arguments (the loop kernels' leading ones) with one item that is
    never queued."""
    return (
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
    )


def compile_for_python_callers(kernel: Any, *args: Any) -> None:
    """Compile (or load) ``kernel`` with its wrappers, as a Python caller would for ``args``."""
    argument_types = tuple(typeof(a) for a in args)  # type: ignore[no-untyped-call]
    kernel.compile(argument_types)


def compile_for_compiled_callers(kernel: Any, *args: Any) -> None:
    """Compile (or load) ``kernel`` as a compiled caller links it (a
    :class:`~sim.kernels.Kernel`'s twin without wrappers, else the kernel itself) for the
    types of ``args``."""
    compile_for_python_callers(getattr(kernel, "compiled", kernel), *args)


def compile_helper_kernels() -> None:
    """Compile (or load) the helper's kernels for exactly the argument types
    :func:`sim.kernels.replications.run_one` passes them, as for empty inputs: one item that
    is never queued, no reviews."""
    nothing = np.zeros(1)
    compile_for_compiled_callers(
        review_loop,
        *_problem_never_queued(),
        np.zeros((0, 9)),  # log
        np.full(1, np.nan),  # expert labels
        np.zeros(1, np.bool_),  # reviewed
    )
    compile_for_compiled_callers(
        model_accuracies,
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
    compile_for_compiled_callers(
        replication_metrics,
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
    # Small kernels the caller reaches last, by when the helper is usually done with the above.
    compile_for_compiled_callers(
        build_windows,
        np.zeros((1, 7)),  # hours per weekday
        nothing,  # day start second
        nothing,  # absence probability
        0,  # start weekday
        np.zeros(1, np.bool_),  # holidays
        np.zeros(4, np.uint64),  # calendar stream
        nothing,  # window starts
        nothing,  # window ends
        np.zeros(2, np.int64),  # offsets
    )
    compile_for_compiled_callers(
        finalize,
        0,  # policy id
        np.zeros(1, np.bool_),  # reviewed
        nothing,  # expert labels
        nothing,  # originals
        np.zeros(1, np.bool_),  # consensus
        nothing,  # recomputed labels
        nothing,  # final labels
        np.zeros(1, np.int8),  # decisions
    )
    compile_for_compiled_callers(leaderboard_metrics, np.zeros((1, 3)), nothing)


def compile_downstream_kernels() -> None:
    """Compile (or load) the kernels :mod:`sim.downstream.rl` calls from Python, for the
    argument types it passes them, as for an empty problem."""
    stream = np.zeros(4, np.uint64)
    groups = np.zeros(1, np.int32)
    logits = np.zeros((1, grpo.N_ACTIONS))
    compile_for_python_callers(permutation, stream, 1)
    compile_for_python_callers(uniforms, stream, 1)
    compile_for_python_callers(
        grpo.train,
        logits,  # rewards per item and action
        groups,  # item strata
        groups,  # stratum groups
        np.zeros(1, np.int64),  # training items
        np.zeros(grpo.N_ACTIONS),  # initial logits
        1,  # steps
        1,  # group size
        1,  # prompts per step
        0.5,  # learning rate
        0.0,  # KL coefficient
        False,  # divide advantages by their sd
        stream,
        logits,  # group logits
        logits,  # stratum logits
    )
    compile_for_python_callers(grpo.policy_probabilities, logits, logits, groups)


def compile_learning_keys() -> None:
    """Compile (or load) :func:`~sim.kernels.learning.strategy_keys` as
    :func:`~sim.kernels.learning_replication.prepare` links it, for the argument types it
    passes, on one item."""
    one_f, one_b = np.zeros(1), np.zeros(1, np.bool_)
    compile_for_compiled_callers(
        strategy_keys,
        np.zeros(1, np.int64),  # items
        np.zeros(1, np.int32),  # stratum
        np.zeros(1, np.int8),  # item classes
        one_b,  # contentious
        one_f,  # expected minutes
        one_b,  # has verdict
        np.zeros((1, 3)),  # beliefs: wrong
        np.zeros((1, 3)),  # beliefs: seen
        one_f,  # recomputation right
        one_f,  # recomputation seen
        one_b,  # accepted strata
        np.zeros(3),  # prior
        np.zeros(N_PARAMS),  # params
        np.random.default_rng(0),  # the policy's generator
    )


def compile_learning_loop() -> None:
    """Compile (or load) :func:`~sim.kernels.learning_loop.learning_review_loop` for exactly
    the argument types the Numba engine passes it, on one item that is never queued."""
    one_f, one_b = np.zeros(1), np.zeros(1, np.bool_)
    loop: Any = learning_review_loop  # unpacked arguments, which mypy cannot count
    loop(
        *_problem_never_queued(),
        np.zeros(1, np.int8),  # item classes
        one_b,  # contentious
        np.ones(1),  # expected minutes
        one_f,  # originals
        one_b,  # consensus
        one_f,  # recomputed labels
        np.zeros(1, np.int64),  # items by stratum
        np.array([0, 1], np.int64),  # stratum starts
        np.zeros(1, np.bool_),  # has verdict
        np.full(1, np.nan),  # verdicts
        np.zeros(1, np.bool_),  # triage verdicts
        np.zeros((1, 3)),  # beliefs: wrong
        np.zeros((1, 3)),  # beliefs: seen
        np.zeros(1),  # recomputation right
        np.zeros(1),  # recomputation seen
        np.zeros(1, np.bool_),  # accepted strata
        np.zeros(1, np.bool_),  # re-runs requested
        np.zeros(1),  # window of verdicts: wrong
        np.zeros(1),  # window of verdicts: minutes
        np.zeros(3, np.int64),  # status
        np.zeros(3),  # prior
        np.zeros(N_PARAMS),  # params: no audit
        np.random.default_rng(0),  # the policy's generator
        0,  # its token
        0.0,  # expert-hours budget
        np.zeros(1, np.bool_),  # unreviewed when frozen
        np.zeros((3, 9)),  # log
        np.full(1, np.nan),  # expert labels
        np.zeros(1, np.bool_),  # reviewed
    )


if __name__ == "__main__":
    if LEARNING in sys.argv[1:]:
        compile_learning_keys()  # the caller reaches them about halfway through its first kernel
        compile_learning_loop()
    else:
        compile_helper_kernels()
    sys.stdout.buffer.write(KERNELS_CACHED + b"\n")
    sys.stdout.flush()
    if RL in sys.argv[1:]:
        compile_downstream_kernels()
