"""One replication, end to end: world, verifiers, triage, expert review, final labels, metrics.

Each component draws from its own child of the replication's SeedSequence, so two policies run
with the same seed see the same benchmark, the same verifier runs and the same expert draws
(common random numbers), and skipping a component shifts no other component's numbers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.engines.base import ReviewLog, ReviewProblem
from sim.kernels.random import next_u64, stream_states
from sim.metrics import leaderboard, replication_metrics
from sim.model.benchmark import Benchmark, generate_benchmark
from sim.model.calendar import Calendar, build_calendar
from sim.model.experts import draw_reviews
from sim.model.rerun import rerun_corrected
from sim.model.verifiers import AuditResult, RecomputeResult, run_audit, run_recompute
from sim.policies.base import Evidence, ExpertVerdicts
from sim.scenario import Scenario

STREAMS = ("world", "audit", "recompute", "reviews", "calendar", "policy", "downstream", "rerun")


@dataclass(frozen=True)
class ReplicationResult:
    """Everything one replication produced, as arrays."""

    bench: Benchmark
    audit: AuditResult | None
    recompute: RecomputeResult | None
    log: ReviewLog
    calendar: Calendar | None
    """The experts' availability windows (None when no expert was needed)."""
    final_label: NDArray[np.float64]
    decision: NDArray[np.int8]
    board: NDArray[np.float64]
    """Evaluated models' accuracy ``(M, 3)`` against [original, maintained, true] labels."""
    metrics: dict[str, float]


def empty_log(n_items: int) -> ReviewLog:
    """The log of a replication where no expert reviewed anything."""
    f, i = np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.int64)
    return ReviewLog(
        item=i,
        expert=i,
        stage=np.zeros(0, dtype=np.int8),
        start_second=f,
        finish_second=f,
        work_seconds=f,
        usd=f,
        label=f,
        n_segments=i,
        expert_label=np.full(n_items, np.nan),
        reviewed=np.zeros(n_items, dtype=bool),
    )


def run_replication(sc: Scenario, seed: np.random.SeedSequence) -> ReplicationResult:
    """Simulate one replication of ``sc`` from ``seed``."""
    states = stream_states(seed, len(STREAMS))
    rng = {name: states[i] for i, name in enumerate(STREAMS)}
    bench = generate_benchmark(sc.strata, sc.profile, sc.rule, rng["world"])
    wrong = bench.original_wrong(sc.rule)
    cls = sc.policy_class
    audit = (
        run_audit(bench, wrong, sc.strata.n_strata, sc.verifier.audit, rng["audit"])
        if cls.needs_audit
        else None
    )
    recompute = (
        run_recompute(
            bench, wrong, sc.strata, sc.profile, sc.verifier.recompute, sc.rule, rng["recompute"]
        )
        if cls.needs_recompute
        else None
    )
    return finish_replication(sc, bench, audit, recompute, states)


def policy_evidence(
    sc: Scenario, bench: Benchmark, audit: AuditResult | None, recompute: RecomputeResult | None
) -> Evidence:
    """What the scenario's policy may see of ``bench`` and the verifiers' results, with the
    pool's expected minutes per verdict when the policy needs experts."""
    minutes, error = None, 0.0
    if sc.policy_class.needs_experts and sc.pool.n_experts:
        minutes = sc.pool.expected_verdict_minutes(bench.group, sc.strata.complexity[bench.stratum])
        error = sc.verdict_error_probability
    return Evidence.of(
        bench,
        sc.strata.n_strata,
        sc.rule,
        audit,
        recompute,
        minutes,
        error,
        sc.budget.expert_hours,
    )


def finish_replication(
    sc: Scenario,
    bench: Benchmark,
    audit: AuditResult | None,
    recompute: RecomputeResult | None,
    states: NDArray[np.uint64],
) -> ReplicationResult:
    """Everything after the world and the verifiers: triage, expert review, final labels and
    metrics, drawing from the replication's ``policy``, ``calendar`` and ``reviews`` streams.
    A replay passes a real trace's items and verifier outputs here."""
    rng = {name: states[i] for i, name in enumerate(STREAMS)}
    cls = sc.policy_class
    llm_usd = (audit.usd if audit else 0.0) + (recompute.usd if recompute else 0.0)
    llm_hours = (audit.llm_hours if audit else 0.0) + (recompute.llm_hours if recompute else 0.0)
    evidence = policy_evidence(sc, bench, audit, recompute)
    policy = cls(sc.policy_config)
    keys = policy.triage(evidence, rng["policy"])
    calendar: Calendar | None = None
    if cls.needs_experts and np.isfinite(keys).any():
        pool = sc.pool
        calendar = build_calendar(
            pool.hours_per_weekday,
            pool.day_start_hour,
            pool.absence_probability,
            pool.start_date,
            list(pool.holidays),
            sc.budget.calendar_days,
            rng["calendar"],
        )
        draws = draw_reviews(bench, sc.strata, pool, sc.profile, sc.rule, rng["reviews"])
        problem = ReviewProblem(
            keys=keys,
            group=bench.group,
            value_kind=bench.value_kind,
            truth=bench.truth,
            draws=draws,
            pool=pool,
            calendar=calendar,
            budget_seconds=sc.budget.expert_hours * 3600.0,
            budget_usd=sc.budget.usd - llm_usd,
            rule=sc.rule,
        )
        log = sc.engine.review(problem, policy)
    else:
        log = empty_log(bench.n_items)
    verdicts = ExpertVerdicts(log.expert_label, log.reviewed)
    rerun = None
    requested = policy.rerun_strata()
    if requested.size:
        rerun = rerun_corrected(
            bench,
            sc.strata,
            requested,
            log.expert_label,
            log.reviewed,
            sc.profile,
            sc.rule,
            sc.verifier.rerun,
            rng["rerun"],
            usd_left=sc.budget.usd - llm_usd - float(log.usd.sum()),
        )
        llm_usd += rerun.usd
        llm_hours += rerun.llm_hours
    final, decision = policy.finalize(evidence, verdicts, rerun)
    estimates = policy.estimates(evidence, verdicts, final, decision)
    key = np.uint64(next_u64(rng["downstream"]))
    board = leaderboard(bench, final, decision, sc.rule, sc.models, key)
    metrics = replication_metrics(
        bench, final, decision, log, sc.rule, llm_usd, llm_hours, board, estimates
    )
    return ReplicationResult(
        bench, audit, recompute, log, calendar, final, decision, board, metrics
    )
