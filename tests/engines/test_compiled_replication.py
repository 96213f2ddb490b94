"""Whole compiled replications of the learning policy
(:mod:`sim.kernels.learning_replication`, what ``engine=numba`` runs
for replications without item or event detail) give the SimPy engine's metrics and
leaderboards, replication for replication, for every strategy."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config.schema import EngineConfig, RootConfig
from sim.engines.numba_engine import NumbaEngine
from sim.kernels import learning as learning_kernel
from sim.metrics import METRICS
from sim.policies.learning import LearningTriage
from sim.replication import run_replication
from sim.scenario import build_scenario
from tests.engines.test_compiled_hooks import LEARNING
from tests.engines.test_differential import variant_config
from tests.engines.test_invariants import scenarios


def assert_compiled_equals_simpy(cfg: RootConfig, seeds: list[np.random.SeedSequence]) -> None:
    compiled = build_scenario(dataclasses.replace(cfg, engine=EngineConfig(name="numba")))
    engine = compiled.engine
    assert isinstance(engine, NumbaEngine)
    assert engine.runs_whole(compiled.policy_class)
    table, board = engine.run_replications(compiled, seeds, len(METRICS))
    reference = build_scenario(dataclasses.replace(cfg, engine=EngineConfig(name="simpy")))
    for r, seed in enumerate(seeds):
        want = run_replication(reference, seed)
        got = dict(zip(METRICS, table[r].tolist(), strict=True))
        for name in METRICS:
            np.testing.assert_array_equal(got[name], want.metrics[name], err_msg=name)
        np.testing.assert_array_equal(board[r], want.board)
    assert not learning_kernel.GENERATORS, "every generator is released after its replication"


@pytest.mark.parametrize("strategy", ["ucb", "greedy", "thompson"])
@pytest.mark.parametrize("variant", LEARNING)
def test_compiled_replications_agree_with_simpy_on_the_matrix(variant: str, strategy: str) -> None:
    cfg = variant_config("learning", variant)
    cfg.policy.learning.strategy = strategy
    assert_compiled_equals_simpy(cfg, np.random.SeedSequence(4).spawn(3))


def test_stopping_rules_reruns_and_acceptance_agree_with_simpy() -> None:
    cfg = variant_config("learning", "default")
    cfg.policy.stopping.min_errors_per_expert_hour = 1.0
    cfg.policy.stopping.yield_window = 5
    cfg.policy.amplification.accept_min_verdicts = 1
    cfg.policy.amplification.accept_threshold = 0.3
    cfg.verifier.recompute.systematic_error_probability = 0.3
    assert_compiled_equals_simpy(cfg, np.random.SeedSequence(5).spawn(4))
    cfg.policy.stopping.min_errors_per_expert_hour = 0.0
    cfg.policy.stopping.residual_target = 0.5
    assert_compiled_equals_simpy(cfg, np.random.SeedSequence(6).spawn(4))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=scenarios(policies=("learning",)), seed=st.integers(0, 2**32 - 1))
def test_compiled_replications_agree_with_simpy_on_any_small_scenario(
    cfg: RootConfig, seed: int
) -> None:
    assert_compiled_equals_simpy(cfg, np.random.SeedSequence(seed).spawn(2))


def test_a_policy_that_changes_a_step_runs_step_by_step() -> None:
    class LearningWithOwnVerdicts(LearningTriage):
        def on_verdict(self, item: int, label: float) -> tuple[np.ndarray, np.ndarray]:
            return super().on_verdict(item, label)

    assert NumbaEngine.runs_whole(LearningTriage)
    assert not NumbaEngine.runs_whole(LearningWithOwnVerdicts)


@settings(max_examples=100, deadline=None)
@given(
    threshold=st.sampled_from([-0.1, 0.0, 0.05, 0.1, 1.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_item_classes_are_the_policys(threshold: float, seed: int) -> None:
    """The kernel's classes equal the policy's, disagreements exactly at the threshold, N/A
    recomputations and missing consensus included."""
    from types import SimpleNamespace
    from typing import Any

    from sim.kernels.learning_replication import item_classes as kernel_classes
    from sim.policies.beliefs import item_classes

    rng = np.random.default_rng(seed)
    n = 60
    original = rng.choice([20.0, 10.0, 0.0, 3.0, np.nan], n)
    kind = rng.integers(0, 4, n).astype(np.int8)
    # 19.0 against 20.0 and 9.5 against 10.0 disagree by exactly 0.05
    recomputed = original * rng.choice([1.0, 0.95, 0.9, 2.0], n)
    recomputed[rng.random(n) < 0.1] = np.nan
    consensus = rng.random(n) < 0.8
    evidence: Any = SimpleNamespace(
        n_items=n,
        original=original,
        value_kind=kind,
        recompute=SimpleNamespace(consensus=consensus, label=recomputed),
    )
    np.testing.assert_array_equal(
        kernel_classes(original, kind, consensus, recomputed, threshold),
        item_classes(evidence, threshold),
    )


def test_compiling_the_conclusion_first_changes_no_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a cold cache the first replication's conclusion runs once on a throwaway copy of its
    state, to compile it while the loop compiles elsewhere: the results are those without."""
    from sim.engines import compiled_learning

    cfg = variant_config("learning", "default")
    sc = build_scenario(dataclasses.replace(cfg, engine=EngineConfig(name="numba")))
    engine = sc.engine
    assert isinstance(engine, NumbaEngine)
    seeds = np.random.SeedSequence(9).spawn(3)
    plain = engine.run_replications(sc, seeds, len(METRICS))
    calls: list[int] = []
    conclude = compiled_learning.LearningReplications._conclude

    def counted(self: object, *args: object) -> None:
        calls.append(len(args))
        conclude(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(compiled_learning, "learning_helper_running", lambda: True)
    monkeypatch.setattr(compiled_learning.LearningReplications, "_conclude", counted)
    warmed = engine.run_replications(sc, seeds, len(METRICS))
    assert len(calls) == 2 * len(seeds), "every replication compiled its conclusion first"
    for a, b in zip(plain, warmed, strict=True):
        np.testing.assert_array_equal(a, b)
