"""The cold-start helper compiles exactly the kernels the whole-replication kernel calls."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numba
import numpy as np
import pytest

from sim.engines import warmup
from sim.engines.numba_engine import _scenario_arrays
from sim.kernels.leaderboard import leaderboard_metrics, model_accuracies
from sim.kernels.metrics import replication_metrics
from sim.kernels.policies import finalize
from sim.kernels.replications import run_replications
from sim.kernels.review_loop import review_loop
from sim.kernels.world import build_windows
from sim.metrics import METRICS
from sim.runner import replication_seeds
from sim.scenario import build_scenario
from tests.conftest import REPO, small_config


def _linked(kernel: Any) -> Any:
    """What a compiled caller links: a Kernel's twin, else the dispatcher itself."""
    return getattr(kernel, "compiled", kernel)


def test_the_helper_compiles_the_signatures_a_replication_uses() -> None:
    kernels = (
        review_loop,
        model_accuracies,
        replication_metrics,
        build_windows,
        finalize,
        leaderboard_metrics,
    )
    warmup.compile_helper_kernels()
    helper_made = {kernel.__name__: set(_linked(kernel).signatures) for kernel in kernels}
    # A fresh, uncached copy of the whole-replication kernel: typing it asks each kernel it
    # calls for the signature it needs, which a cached copy would not.
    fresh = numba.njit(nogil=True)(run_replications.py_func)
    sc = build_scenario(small_config("phased"))
    seeds = replication_seeds(0, 1)
    pools = np.array([s.pool for s in seeds], dtype=np.uint32).reshape(1, -1)
    out = np.full((1, len(METRICS)), np.nan)
    board = np.empty((1, sc.models.n_models, 3))
    fresh(pools, 0, 1, *_scenario_arrays(sc), out, board)
    for kernel in kernels:  # typing the replication kernel asked for nothing new
        assert helper_made[kernel.__name__], kernel.__name__
        assert set(_linked(kernel).signatures) == helper_made[kernel.__name__], kernel.__name__


def test_the_helper_compiles_the_signatures_the_rl_experiment_uses() -> None:
    from sim.config.schema import RLConfig
    from sim.downstream.rl import run_on_replications
    from sim.kernels import grpo
    from sim.kernels.random import permutation, uniforms
    from sim.replication import run_replication

    kernels = (permutation, uniforms, grpo.train, grpo.policy_probabilities)
    warmup.compile_downstream_kernels()
    helper_made = {kernel.__name__: set(kernel.signatures) for kernel in kernels}
    sc = build_scenario(small_config("phased"))
    labelled = [run_replication(sc, np.random.SeedSequence(0))]
    run_on_replications(labelled, sc, RLConfig(enabled=True, seeds=1, steps=5), 0)
    for kernel in kernels:  # the experiment asked for nothing new
        assert helper_made[kernel.__name__], kernel.__name__
        assert set(kernel.signatures) == helper_made[kernel.__name__], kernel.__name__


def _fake_helper(code: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, cwd=REPO)


def test_the_replications_wait_for_the_helper_s_line_and_the_rl_experiment_for_its_end() -> None:
    line = warmup.KERNELS_CACHED.decode()
    helper = _fake_helper(f"import time; print({line!r}, flush=True); time.sleep(1.5)")
    warmup.await_cached_kernels(helper)
    assert helper.poll() is None, "the replications waited for the whole helper"
    warmup.await_downstream_helper()
    assert helper.returncode == 0


def test_a_helper_still_compiling_when_the_process_is_done_is_stopped() -> None:
    line = warmup.KERNELS_CACHED.decode()
    helper = _fake_helper(f"import time; print({line!r}, flush=True); time.sleep(60)")
    warmup.await_cached_kernels(helper)
    warmup.stop_downstream_helper()  # what the exit hook calls
    assert helper.returncode is not None
    warmup.await_downstream_helper()  # nothing left to wait for


def test_threads_awaiting_the_learning_helper_wait_for_its_line_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    line = warmup.KERNELS_CACHED.decode()
    helper = _fake_helper(
        f"import time; time.sleep(0.5); print({line!r}, flush=True); time.sleep(1.5)"
    )
    monkeypatch.setattr(warmup, "_learning_helper", helper)
    waiters = [threading.Thread(target=warmup.await_learning_helper) for _ in range(2)]
    for waiter in waiters:
        waiter.start()
    for waiter in waiters:
        waiter.join()
    assert helper.poll() is None, "a thread waited for the whole helper"
    assert not warmup.learning_helper_running()
    warmup.await_downstream_helper()
    assert helper.returncode == 0


def test_a_helper_that_fails_before_its_line_is_waited_for_and_not_kept() -> None:
    helper = _fake_helper("raise SystemExit(3)")
    warmup.await_cached_kernels(helper)
    assert helper.returncode == 3
    assert warmup._downstream_helper is None


def test_no_helper_on_a_warm_cache_or_one_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warmup, "cache_is_warm", lambda: True)
    assert warmup.start_helper() is None
    monkeypatch.setattr(warmup, "cache_is_warm", lambda: False)
    monkeypatch.setattr(warmup, "available_cpus", lambda: 1)
    assert warmup.start_helper() is None
    warmup.finish_helper(None)


def test_a_cold_cache_starts_a_helper_that_finishes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warmup, "cache_is_warm", lambda: False)
    monkeypatch.setattr(warmup, "available_cpus", lambda: 2)
    helper = warmup.start_helper()
    assert helper is not None
    warmup.finish_helper(helper)
    assert helper.returncode == 0


def test_the_helper_goes_on_to_the_rl_kernels_only_when_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[list[str]] = []

    def record(command: list[str], **kwargs: object) -> None:
        started.append(command[command.index("sim.engines.warmup") + 1 :])

    monkeypatch.setattr(warmup, "cache_is_warm", lambda: False)
    monkeypatch.setattr(warmup, "learning_loop_is_cached", lambda: False)
    monkeypatch.setattr(warmup, "available_cpus", lambda: 2)
    monkeypatch.setattr(warmup.subprocess, "Popen", record)
    warmup.start_helper()
    warmup.start_helper(then_rl=True)
    warmup.start_helper(warmup.LEARNING)
    warmup.start_helper(warmup.LEARNING, then_rl=True)
    assert started == [[], [warmup.RL], [warmup.LEARNING], [warmup.LEARNING, warmup.RL]]


def test_a_run_tells_the_helper_whether_the_rl_experiment_follows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sim.engines import numba_engine
    from sim.runner import run_scenario

    told: list[bool] = []

    def record(target: str = "", then_rl: bool = False) -> None:
        told.append(then_rl)

    monkeypatch.setattr(numba_engine, "start_helper", record)
    sc = build_scenario(small_config("phased"))
    for label_replications in (0, 1):
        run_scenario(
            sc,
            2,
            0,
            item_replications=0,
            event_replications=0,
            label_replications=label_replications,
        )
    assert told == [False, True]


def test_no_helper_where_processes_cannot_start(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("fork refused")

    monkeypatch.setattr(warmup, "cache_is_warm", lambda: False)
    monkeypatch.setattr(warmup, "available_cpus", lambda: 2)
    monkeypatch.setattr(warmup.subprocess, "Popen", refuse)
    assert warmup.start_helper() is None


def test_a_helper_that_hangs_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warmup, "HELPER_SECONDS", 0.2)
    helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], cwd=REPO)
    warmup.finish_helper(helper)
    assert helper.returncode is not None


def test_the_learning_helper_compiles_the_signature_the_engine_uses() -> None:
    from sim.kernels.learning_loop import learning_review_loop
    from sim.replication import run_replication

    warmup.compile_learning_loop()
    helper_made = set(learning_review_loop.signatures)
    for strategy in ("ucb", "thompson"):
        cfg = small_config("learning", expert_hours=25.0)
        cfg.policy.learning.strategy = strategy
        run_replication(build_scenario(cfg), np.random.SeedSequence(0))
    assert set(learning_review_loop.signatures) == helper_made
    assert len(helper_made) == 1, "the helper's types are the engine's"


def test_the_learning_helper_compiles_the_keys_with_the_types_the_first_kernel_passes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Typing a fresh copy of the learning replication's first kernel on a replication's
    arguments asks the strategy's keys for no signature the helper did not make."""
    from numba.core import compiler
    from numba.core.registry import cpu_target

    from sim.engines.compiled_learning import LearningReplications
    from sim.kernels import learning_replication
    from sim.kernels.learning import strategy_keys
    from sim.metrics import N_COMPILED_METRICS

    warmup.compile_learning_keys()
    helper_made = set(strategy_keys.compiled.signatures)
    prepare = learning_replication.prepare
    passed: list[tuple[Any, ...]] = []

    def spy(*args: Any) -> Any:
        passed.append(args)
        return prepare(*args)

    monkeypatch.setattr(learning_replication, "prepare", spy)
    sc = build_scenario(small_config("learning", expert_hours=25.0))
    replications = LearningReplications(sc, _scenario_arrays(sc), N_COMPILED_METRICS)
    out = np.full(len(METRICS), np.nan)
    replications.run(replication_seeds(0, 1)[0], out, np.empty((sc.models.n_models, 3)))
    flags = compiler.Flags()
    flags.no_compile = True  # types only: what the kernel would link, without machine code
    flags.nrt = True
    argument_types = tuple(numba.typeof(a) for a in passed[0])
    compiler.compile_extra(
        cpu_target.typing_context,
        cpu_target.target_context,
        prepare.py_func,
        argument_types,
        None,
        flags,
        {},
    )
    assert len(helper_made) == 1
    assert set(strategy_keys.compiled.signatures) == helper_made


def test_a_learning_run_on_a_cold_cache_starts_its_helper_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[str] = []

    def fake_start(target: str = "", then_rl: bool = False) -> None:
        started.append(target)

    monkeypatch.setattr(warmup, "start_helper", fake_start)
    engine = build_scenario(small_config("learning", expert_hours=25.0)).engine
    engine.prepare_step_by_step(build_scenario(small_config("phased")).policy_class)
    assert started == []
    engine.prepare_step_by_step(build_scenario(small_config("learning")).policy_class)
    assert started == [warmup.LEARNING]
    warmup.await_learning_helper()


def test_the_learning_kernels_are_known_cached_once_compiled(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    """What the command line says before a first ``learning`` run depends on it."""
    sc = build_scenario(small_config("learning"))
    sc.engine.run_replications(sc, replication_seeds(0, 1), len(METRICS))  # type: ignore[attr-defined]
    assert warmup.learning_replication_is_cached()
    monkeypatch.setattr(warmup, "CACHE_DIR", tmp_path)
    monkeypatch.setattr(warmup, "_learning_loop_cached", False)
    assert not warmup.learning_replication_is_cached()


def test_a_failed_learning_run_stops_its_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.engines import numba_engine

    helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], cwd=REPO)
    monkeypatch.setattr(warmup, "_learning_helper", helper)

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(numba_engine, "run_learning_replications", interrupted)
    sc = build_scenario(small_config("learning"))
    with pytest.raises(KeyboardInterrupt):
        sc.engine.run_replications(sc, replication_seeds(0, 1), len(METRICS))  # type: ignore[attr-defined]
    assert helper.poll() is not None, "the helper was stopped"
    assert warmup._learning_helper is None
