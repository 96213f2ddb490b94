"""The compiled loop with the learning policy's hooks (what ``engine=numba`` runs for every
strategy) takes the SimPy engine's decisions: identical review logs, final labels,
metrics, and the same policy state afterwards (beliefs, acceptances, re-runs, the audit)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config.schema import EngineConfig, RootConfig
from sim.engines import numba_engine
from sim.engines.base import ReviewLog, ReviewProblem
from sim.kernels import learning as learning_kernel
from sim.policies.base import Policy
from sim.policies.learning import LearningTriage
from sim.replication import ReplicationResult, run_replication
from sim.scenario import build_scenario
from tests.engines.test_differential import MATRIX, assert_identical, variant_config
from tests.engines.test_invariants import check_invariants, scenarios

STATE = ("has_verdict", "verdict", "triage_verdict", "accepted", "rerun_requested", "audit_items")


class Recorder:
    """Wraps an engine and keeps the policy it reviewed for."""

    def __init__(self, engine: object) -> None:
        self.engine = engine
        self.name = getattr(engine, "name", "engine")
        self.policy: Policy | None = None

    def review(self, problem: ReviewProblem, policy: Policy) -> ReviewLog:
        self.policy = policy
        log: ReviewLog = self.engine.review(problem, policy)  # type: ignore[attr-defined]
        return log


def simpy_and_compiled(
    cfg: RootConfig, seed: int
) -> tuple[ReplicationResult, ReplicationResult, Policy | None, Policy | None]:
    out, policies = [], []
    for engine in ("simpy", "numba"):
        sc = build_scenario(dataclasses.replace(cfg, engine=EngineConfig(name=engine)))
        recorder = Recorder(sc.engine)
        out.append(
            run_replication(dataclasses.replace(sc, engine=recorder), np.random.SeedSequence(seed))
        )
        policies.append(recorder.policy)
    return out[0], out[1], policies[0], policies[1]


def assert_same_policy_state(a: Policy | None, b: Policy | None) -> None:
    assert (a is None) == (b is None)
    if a is None or b is None:
        return
    assert isinstance(a, LearningTriage)
    assert isinstance(b, LearningTriage)
    for name in STATE:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for name in ("wrong", "seen", "rc_right", "rc_seen"):
        np.testing.assert_array_equal(
            getattr(a.beliefs, name), getattr(b.beliefs, name), err_msg=name
        )
    assert a.phase == b.phase
    assert (a.frozen is None) == (b.frozen is None)
    if a.frozen is not None and b.frozen is not None:
        for x, y in zip(a.frozen, b.frozen, strict=True):
            np.testing.assert_array_equal(x, y)


LEARNING = [variant for policy, variant in MATRIX if policy == "learning"]


@pytest.mark.parametrize("strategy", ["ucb", "greedy", "thompson"])
@pytest.mark.parametrize("variant", LEARNING)
def test_compiled_hooks_agree_with_simpy_on_the_matrix(variant: str, strategy: str) -> None:
    cfg = variant_config("learning", variant)
    cfg.policy.learning.strategy = strategy
    a, b, pa, pb = simpy_and_compiled(cfg, seed=4)
    assert_identical(a, b)
    assert_same_policy_state(pa, pb)


class LearningWithoutCompiledHooks(LearningTriage):
    """A policy whose Python hooks have no compiled form."""

    def compiled_hooks(self) -> None:
        return None


def test_the_numba_engine_compiles_every_strategy_and_falls_back_to_the_plain_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    compiled = numba_engine._review_with_compiled_hooks
    plain = numba_engine.PlainLoopEngine.review

    def spy_compiled(*args: object) -> ReviewLog:
        calls.append("compiled")
        return compiled(*args)  # type: ignore[arg-type]

    def spy_plain(self: object, *args: object) -> ReviewLog:
        calls.append("plain")
        return plain(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(numba_engine, "_review_with_compiled_hooks", spy_compiled)
    monkeypatch.setattr(numba_engine.PlainLoopEngine, "review", spy_plain)
    results = []
    for strategy in ("ucb", "greedy", "thompson", "thompson"):
        cfg = variant_config("learning", "default")
        cfg.policy.learning.strategy = strategy
        sc = build_scenario(dataclasses.replace(cfg, engine=EngineConfig(name="numba")))
        if len(results) == 3:
            sc = dataclasses.replace(sc, policy_class=LearningWithoutCompiledHooks)
        results.append(run_replication(sc, np.random.SeedSequence(0)))
    assert calls == ["compiled", "compiled", "compiled", "plain"]
    assert_identical(results[2], results[3])
    assert not learning_kernel.GENERATORS, "every generator is released after its loop"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cfg=scenarios(policies=("learning",)),
    seed=st.integers(0, 2**32 - 1),
)
def test_compiled_hooks_agree_with_simpy_on_any_small_scenario(cfg: RootConfig, seed: int) -> None:
    a, b, pa, pb = simpy_and_compiled(cfg, seed)
    assert_identical(a, b)
    assert_same_policy_state(pa, pb)
    check_invariants(cfg, b)
