"""Properties of every replication, over Hypothesis-generated small scenarios: no review outside
an expert's hours, no budget exceeded, time never goes back, every item ends with exactly one
final label, and the counts add up."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config.schema import (
    BudgetConfig,
    ExpertConfig,
    ExpertPoolConfig,
    PolicyConfig,
    RootConfig,
    ScenarioConfig,
    StratumConfig,
)
from sim.config.validate import ConfigError
from sim.kernels.policies import CONTENTIOUS_ORDERS
from sim.model.agreement import agrees
from sim.policies import Decision
from sim.replication import ReplicationResult, run_replication
from sim.scenario import build_scenario

GROUPS = ("lab", "risk", "date")
POLICIES = ("none", "random", "disagreement", "phased", "learning")
STRATEGIES = ("thompson", "ucb", "greedy")


@st.composite
def scenarios(
    draw: st.DrawFn,
    policies: tuple[str, ...] = POLICIES,
    strategies: tuple[str, ...] = STRATEGIES,
) -> RootConfig:
    """Small scenarios with any of ``policies`` (``learning`` with any of ``strategies``)."""
    n_strata = draw(st.integers(1, 4))
    strata = []
    for i in range(n_strata):
        kind = draw(st.sampled_from(["decimal", "integer", "date", "categorical"]))
        strata.append(
            StratumConfig(
                name=f"s{i}",
                size=draw(st.integers(1, 12)),
                group=GROUPS[i % 3],
                value_kind=kind,
                value_min=0.0,
                value_max=draw(st.sampled_from([5.0, 30.0, 400.0])),
                n_categories=3,
                error_rate=draw(st.sampled_from([None, 0.0, 0.5, 1.0])),
                complexity=draw(st.sampled_from([0.5, 1.0, 3.0])),
            )
        )
    policy = draw(st.sampled_from(policies))
    n_experts = draw(st.integers(1, 4))
    pool = []
    for e in range(n_experts):
        start = draw(st.sampled_from([0.0, 8.5, 18.0, 22.0]))
        hours = [draw(st.sampled_from([0.0, 0.25, 1.0, 2.0])) for _ in range(7)]
        hours = [min(h, 24.0 - start) for h in hours]
        pool.append(
            ExpertConfig(
                name=f"e{e}",
                specialties=[GROUPS[e % 3]],
                hours_per_weekday=hours,
                day_start_hour=start,
                absence_probability=draw(st.sampled_from([0.0, 0.3])),
                usd_per_hour=draw(st.sampled_from([0.0, 100.0, 300.0])),
                error_probability=draw(st.sampled_from([0.0, 0.2, 1.0])),
            )
        )
    if all(sum(e.hours_per_weekday) == 0 for e in pool):
        pool[0].hours_per_weekday[draw(st.integers(0, 6))] = 1.0
    double = n_experts >= 3 and draw(st.booleans())
    budget = BudgetConfig(
        expert_hours=draw(st.sampled_from([0.0, 0.2, 1.5, 6.0, math.inf])),
        usd=draw(st.sampled_from([500.0, 2000.0, math.inf])),
        calendar_days=draw(st.integers(1, 30)),
    )
    cfg = RootConfig(
        scenario=ScenarioConfig(name="h", strata=strata),
        experts=ExpertPoolConfig(
            pool=pool,
            double_review=double,
            holidays=draw(st.sampled_from([[], ["2027-01-05"]])),
            review_minutes_median=draw(st.sampled_from([3.0, 20.0, 90.0])),
        ),
        policy=PolicyConfig(name=policy),
        budget=budget,
        replications=1,
        progress=False,
    )
    if policy in ("disagreement", "phased"):
        cfg.policy.contentious_order = draw(st.sampled_from(CONTENTIOUS_ORDERS))
    if policy == "learning":
        p = cfg.policy
        p.learning.strategy = draw(st.sampled_from(strategies))
        p.learning.diversity = draw(st.booleans())
        p.amplification.accept_threshold = draw(st.sampled_from([0.5, 0.9]))
        p.amplification.accept_min_verdicts = draw(st.sampled_from([1, 3]))
        p.stopping.min_errors_per_expert_hour = draw(st.sampled_from([0.0, 2.0]))
        p.stopping.yield_window = draw(st.sampled_from([1, 5]))
        p.stopping.residual_target = draw(st.sampled_from([0.0, 0.5]))
        p.estimation.audit_share = draw(st.sampled_from([0.0, 0.3, 0.6]))
        try:
            build_scenario(cfg)
        except ConfigError:  # an audit share this budget cannot buy, a target below the floor
            p.estimation.audit_share = 0.0
            p.stopping.residual_target = 0.0
            build_scenario(cfg)
    return cfg


def check_invariants(cfg: RootConfig, res: ReplicationResult) -> None:
    log, b = res.log, res.bench
    n = b.n_items
    # every item ends with exactly one final label
    assert res.final_label.shape == (n,)
    assert res.decision.shape == (n,)
    assert set(np.unique(res.decision).tolist()) <= {int(d) for d in Decision}
    assert np.isnan(res.final_label[res.decision == Decision.DROPPED]).all()
    np.testing.assert_array_equal(res.decision == Decision.EXPERT, log.reviewed)
    m = res.metrics
    # budgets
    assert log.work_seconds.sum() <= cfg.budget.expert_hours * 3600.0
    assert m["total_usd"] <= cfg.budget.usd * (1 + 1e-12)
    assert (log.finish_second <= cfg.budget.calendar_days * 86400.0).all()
    assert (log.work_seconds == np.rint(log.work_seconds)).all(), "the clock ticks in seconds"
    # time never goes back: reviews are logged as they start
    assert (np.diff(log.start_second) >= 0).all()
    assert (log.finish_second > log.start_second).all()
    if log.n_reviews:
        cal = res.calendar
        assert cal is not None
        for r in range(log.n_reviews):
            lo, hi = cal.windows_of(int(log.expert[r]))
            ws, we = cal.window_start[lo:hi], cal.window_end[lo:hi]
            s, f = log.start_second[r], log.finish_second[r]
            assert ((ws <= s) & (s < we)).any(), "a review starts inside a window"
            assert ((ws < f) & (f <= we)).any(), "a review finishes inside a window"
            inside = np.clip(np.minimum(we, f) - np.maximum(ws, s), 0.0, None).sum()
            assert inside == log.work_seconds[r], "all work happens inside the expert's windows"
        for e in np.unique(log.expert):
            mine = log.expert == e
            assert (log.start_second[mine][1:] >= log.finish_second[mine][:-1]).all(), (
                "an expert does one review at a time"
            )
    # review chains: stages in order, distinct experts, adjudication only on disagreement
    for item in np.unique(log.item):
        rows = np.flatnonzero(log.item == item)
        stages = log.stage[rows].tolist()
        assert stages == list(range(1, len(stages) + 1))
        assert len(set(log.expert[rows].tolist())) == len(rows)
        if len(rows) == 3:
            k = int(b.value_kind[item])
            assert not bool(agrees(log.label[rows[1]], log.label[rows[0]], k, res_rule(cfg)))
        if not cfg.experts.double_review:
            assert len(rows) == 1
    # counts add up
    wrong = m["original_errors"]
    fixed, dropped = m["errors_fixed"], m["errors_dropped"]
    residual_on_wrong = m["residual_errors"] - m["correct_changed_wrongly"]
    assert fixed + dropped + residual_on_wrong == wrong
    by_route = (
        m["errors_fixed_by_review"]
        + m["errors_fixed_by_recompute"]
        + m["errors_fixed_by_propagation"]
    )
    assert by_route == fixed, "an error is fixed by review, recomputation or amplification"
    assert m["propagation_wrong_fixes"] <= m["correct_changed_wrongly"]
    assert m["items_propagated"] == (res.decision == Decision.PROPAGATED).sum()
    assert m["items_reviewed"] <= m["reviews"]
    assert m["reviews"] == log.n_reviews
    assert m["items_dropped"] == (res.decision == Decision.DROPPED).sum()


def res_rule(cfg: RootConfig):  # the rule the scenario was built with
    return build_scenario(cfg).rule


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_invariants_hold_for_any_small_scenario(cfg: RootConfig, seed: int) -> None:
    sc = build_scenario(cfg)
    res = run_replication(sc, np.random.SeedSequence(seed))
    check_invariants(cfg, res)


def test_no_budget_means_no_review() -> None:
    from tests.conftest import small_config

    cfg = small_config("random", expert_hours=0.0)
    res = run_replication(build_scenario(cfg), np.random.SeedSequence(1))
    assert res.log.n_reviews == 0
    assert (res.decision == Decision.ORIGINAL).all()


def test_double_review_adjudicates_disagreements() -> None:
    from tests.conftest import small_config

    cfg = small_config("random", expert_hours=math.inf, calendar_days=365)
    cfg.experts.double_review = True
    for e in cfg.experts.pool:
        e.error_probability = 0.5
    res = run_replication(build_scenario(cfg), np.random.SeedSequence(3))
    stages = np.bincount(res.log.stage, minlength=4)
    assert stages[1] == stages[2] == res.bench.n_items, "everything reviewed twice"
    assert 0 < stages[3] < stages[2], "some, not all, pairs disagreed"
    assert res.log.reviewed.all()
