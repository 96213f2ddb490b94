"""The learning policy end to end on small scenarios: phases, audit, stopping rules,
amplification and what it reports."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.config.schema import RootConfig
from sim.config.validate import ConfigError
from sim.policies import Decision
from sim.replication import ReplicationResult, run_replication
from sim.scenario import build_scenario
from tests.conftest import small_config


def learning_config(**budget: float) -> RootConfig:
    cfg = small_config("learning", **(budget or {"expert_hours": 8.0, "calendar_days": 120}))
    for s in cfg.scenario.strata:
        s.error_rate = 0.5
    return cfg


def run(cfg: RootConfig, seed: int = 0) -> ReplicationResult:
    return run_replication(build_scenario(cfg), np.random.SeedSequence(seed))


def test_the_audit_comes_last_and_samples_what_triage_left() -> None:
    cfg = learning_config()
    cfg.policy.estimation.audit_share = 0.4
    res = run(cfg)
    log, m = res.log, res.metrics
    audited = int(m["audit_items_reviewed"])
    assert audited >= 2
    # the last `audited` completed items are the audit's; every triage review started before
    assert log.work_seconds.sum() <= 8.0 * 3600
    assert log.n_reviews == m["items_reviewed"]
    triage_finish = log.finish_second[:-audited].max()
    assert log.start_second[-audited:].min() >= triage_finish
    # the audit spent about its share, triage the rest
    triage_hours = log.work_seconds[:-audited].sum() / 3600
    assert triage_hours <= 8.0 * (1 - 0.4) + 1e-9
    assert m["residual_estimate_audit_ci_low"] <= m["residual_estimate_audit"]
    assert m["residual_estimate_audit"] <= m["residual_estimate_audit_ci_high"]


def test_without_an_audit_there_is_no_design_valid_estimate() -> None:
    cfg = learning_config()
    cfg.policy.estimation.audit_share = 0.0
    res = run(cfg)
    assert res.metrics["audit_items_reviewed"] == 0
    assert math.isnan(res.metrics["residual_estimate_audit"])
    assert math.isnan(res.metrics["residual_estimate_ppi"])
    assert not math.isnan(res.metrics["residual_estimate_naive"])
    assert res.log.work_seconds.sum() > 7.0 * 3600  # triage spent the whole budget


def test_a_yield_floor_stops_triage_early() -> None:
    cfg = learning_config(expert_hours=30.0, calendar_days=365)
    cfg.policy.estimation.audit_share = 0.0
    full = run(cfg).metrics["expert_hours"]
    cfg.policy.stopping.min_errors_per_expert_hour = 1000.0
    cfg.policy.stopping.yield_window = 3
    stopped = run(cfg)
    assert stopped.metrics["expert_hours"] < full / 3
    assert stopped.metrics["items_reviewed"] <= 3 + len(cfg.experts.pool)


def test_a_reached_residual_target_stops_triage() -> None:
    cfg = learning_config(expert_hours=30.0, calendar_days=365)
    cfg.policy.estimation.audit_share = 0.0
    cfg.policy.stopping.residual_target = 0.99
    res = run(cfg)
    assert res.metrics["items_reviewed"] <= len(cfg.experts.pool)


def test_amplification_is_counted_apart() -> None:
    cfg = learning_config(expert_hours=20.0, calendar_days=365)
    cfg.scenario.error_profile.logic_weight = 1.0
    cfg.scenario.error_profile.extraction_weight = 0.0
    cfg.scenario.error_profile.underspecified_weight = 0.0
    cfg.verifier.rerun.success_probability = 1.0
    cfg.verifier.rerun.wrong_fix_probability = 0.0
    res = run(cfg, seed=3)
    m = res.metrics
    propagated = res.decision == Decision.PROPAGATED
    assert propagated.any()
    assert m["items_propagated"] == propagated.sum()
    assert m["errors_fixed_by_propagation"] > 0
    assert m["propagation_wrong_fixes"] == 0
    assert m["llm_usd"] > 0


def test_same_seed_same_run_whatever_the_engine() -> None:
    cfg = learning_config()
    a = run(cfg, seed=5)
    cfg.engine.name = "simpy"
    b = run(cfg, seed=5)
    np.testing.assert_array_equal(a.final_label, b.final_label)
    assert a.metrics.keys() == b.metrics.keys()
    for k in a.metrics:
        np.testing.assert_equal(a.metrics[k], b.metrics[k])


@pytest.mark.parametrize(
    ("setting", "value", "key", "fragment"),
    [
        ("amplification.accept_threshold", 1.0, "policy.amplification.accept_threshold", "(0, 1)"),
        ("amplification.accept_threshold", 0.0, "policy.amplification.accept_threshold", "(0, 1)"),
        ("stopping.confidence", 1.5, "policy.stopping.confidence", "(0, 1)"),
        ("learning.strategy", "softmax", "policy.learning.strategy", "thompson, ucb, greedy"),
        ("learning.prior_recompute_right", 1.0, "policy.learning.prior_recompute_right", "(0, 1)"),
        ("estimation.audit_share", 1.0, "policy.estimation.audit_share", "leaves triage no"),
        ("estimation.audit_share", 0.001, "policy.estimation.audit_share", "fewer than the 2"),
        ("estimation.audit_share", 0.97, "policy.estimation.audit_share", "less than one review"),
        ("stopping.residual_target", 0.02, "policy.stopping.residual_target", "experts' own"),
    ],
)
def test_bad_settings_name_the_key(setting: str, value: object, key: str, fragment: str) -> None:
    cfg = learning_config()
    group, name = setting.split(".")
    setattr(getattr(cfg.policy, group), name, value)
    with pytest.raises(ConfigError) as err:
        build_scenario(cfg)
    assert err.value.key == key
    assert fragment in str(err.value)


def test_an_audit_needs_a_finite_budget() -> None:
    cfg = learning_config(expert_hours=math.inf)
    with pytest.raises(ConfigError, match="unlimited"):
        build_scenario(cfg)


def test_residual_bound_with_nothing_left_unreviewed() -> None:
    # An empty bincount is int64: this used to fail with a casting error once every item had
    # its verdict.
    from sim.config.schema import PolicyConfig
    from sim.policies import LearningTriage
    from sim.testing.policies import contract_evidence, policy_stream

    evidence, _ = contract_evidence()
    policy = LearningTriage(PolicyConfig(name="learning"))
    policy.triage(evidence, policy_stream(1))
    policy.has_verdict[:] = True
    bound = policy._residual_upper_bound(0.9)
    assert bound == pytest.approx(evidence.expert_error_probability)
