"""The two engines give identical outcomes for the same scenario and seed: every review event,
every final label, every metric."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config.schema import EngineConfig, RootConfig
from sim.replication import ReplicationResult, run_replication
from sim.scenario import build_scenario
from tests.conftest import small_config
from tests.engines.test_invariants import check_invariants, scenarios


def both(cfg: RootConfig, seed: int) -> tuple[ReplicationResult, ReplicationResult]:
    out = []
    for engine in ("simpy", "numba"):
        c = dataclasses.replace(cfg, engine=EngineConfig(name=engine))
        out.append(run_replication(build_scenario(c), np.random.SeedSequence(seed)))
    return out[0], out[1]


def assert_identical(a: ReplicationResult, b: ReplicationResult) -> None:
    for f in dataclasses.fields(a.log):
        np.testing.assert_array_equal(
            getattr(a.log, f.name), getattr(b.log, f.name), err_msg=f.name, strict=True
        )
    np.testing.assert_array_equal(a.final_label, b.final_label, strict=True)
    np.testing.assert_array_equal(a.decision, b.decision, strict=True)
    assert a.metrics.keys() == b.metrics.keys()
    for k in a.metrics:
        np.testing.assert_array_equal(a.metrics[k], b.metrics[k], err_msg=k)


MATRIX = [
    (policy, variant)
    for policy in ("none", "random", "disagreement", "phased", "learning")
    for variant in (
        "default",
        "double_review",
        "tight_budget",
        "one_expert",
        "no_errors",
        "all_wrong",
        "long_reviews",
        "review_rest",
    )
] + [
    (policy, variant)
    for policy in ("disagreement", "phased")
    for variant in ("increasing_order", "random_order")
]


def variant_config(policy: str, variant: str) -> RootConfig:
    cfg = small_config(policy, expert_hours=25.0, calendar_days=60)
    if policy == "learning":
        cfg.policy.estimation.audit_share = 0.3
    if variant == "double_review":
        cfg.experts.double_review = True
        for e in cfg.experts.pool:
            e.error_probability = 0.3
    elif variant == "tight_budget":
        cfg.budget.expert_hours = 1.3
        cfg.budget.usd = 300.0
        cfg.policy.estimation.audit_share = 0.0
    elif variant == "one_expert":
        cfg.experts.pool = cfg.experts.pool[:1]
    elif variant == "no_errors":
        for s in cfg.scenario.strata:
            s.error_rate = 0.0
    elif variant == "all_wrong":
        for s in cfg.scenario.strata:
            s.error_rate = 1.0
    elif variant == "long_reviews":
        cfg.experts.review_minutes_median = 150.0
        cfg.budget.expert_hours = float("inf")
        cfg.policy.estimation.audit_share = 0.0
    elif variant == "review_rest":
        cfg.policy.review_rest = True
    elif variant == "increasing_order":
        cfg.policy.contentious_order = "increasing"
    elif variant == "random_order":
        cfg.policy.contentious_order = "random"
    return cfg


@pytest.mark.parametrize(("policy", "variant"), MATRIX)
def test_engines_agree_on_the_matrix(policy: str, variant: str) -> None:
    cfg = variant_config(policy, variant)
    for seed in (0, 1):
        a, b = both(cfg, seed)
        assert_identical(a, b)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_engines_agree_on_any_small_scenario(cfg: RootConfig, seed: int) -> None:
    a, b = both(cfg, seed)
    assert_identical(a, b)
    check_invariants(cfg, b)
