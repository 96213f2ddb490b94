"""Replay a policy against a real trace: the trace's items, originals, truth (or its proxy) and
verifier outputs; expert time and verdicts simulated from the pool config. Reports the same
outcomes as a simulation."""

from __future__ import annotations

import dataclasses

import numpy as np

from sim import interrupt
from sim.config.schema import RecomputeConfig, RootConfig
from sim.kernels.random import stream_states
from sim.metrics import METRICS
from sim.model.agreement import AgreementRule, agrees
from sim.model.benchmark import Benchmark, Strata
from sim.model.errors import ErrorMode
from sim.model.experts import ExpertPool
from sim.model.verifiers import AuditResult, RecomputeResult
from sim.processes import Detail, kept_of
from sim.replication import STREAMS, ReplicationResult, finish_replication
from sim.runner import RunResult, replication_seeds
from sim.scenario import Scenario, build_scenario
from sim.trace.calibrate import value_ranges
from sim.trace.load import Trace


def trace_world(
    trace: Trace,
    rule: AgreementRule,
    recompute_cfg: RecomputeConfig,
    audit_usd_per_item: float,
    require_truth: bool = True,
) -> tuple[Strata, Benchmark, AuditResult | None, RecomputeResult | None]:
    """The trace as the model's arrays. Truth is ``label_truth``; items without one (e.g.
    dropped by the real audit) count as underspecified: their truth is N/A. Without
    ``require_truth`` a trace may lack the column (every truth N/A), for what only a policy
    sees, which never includes the truth."""
    n, S = trace.n_items, len(trace.strata)
    if "label_truth" in trace.labels:
        truth = np.where(trace.present["label_truth"], trace.labels["label_truth"], np.nan)
    elif require_truth:
        raise ValueError("replay needs a truth column (label_truth, or a proxy mapped to it)")
    else:
        truth = np.full(n, np.nan)
    original = trace.labels["label_original"]
    wrong = ~agrees(original, truth, trace.value_kind, rule)
    mode = np.where(
        wrong,
        np.where(np.isnan(truth), ErrorMode.UNDERSPECIFIED, ErrorMode.EXTRACTION),
        ErrorMode.NONE,
    ).astype(np.int8)
    size = np.bincount(trace.stratum, minlength=S)
    ranges = value_ranges(trace)
    first = np.array([np.flatnonzero(trace.stratum == j)[0] for j in range(S)])
    strata = Strata(
        names=trace.strata,
        group_names=trace.groups,
        size=size.astype(np.int64),
        group=trace.group[first].astype(np.int32),
        value_kind=trace.value_kind[first],
        value_min=np.array([r[0] for r in ranges]),
        value_max=np.array([r[1] for r in ranges]),
        n_categories=np.array([max(r[2], 2) for r in ranges], dtype=np.int64),
        error_rate=np.bincount(trace.stratum, weights=wrong, minlength=S) / size,
        underspecified_share=np.full(S, np.nan),
        complexity=np.ones(S),
    )
    bench = Benchmark(
        stratum=trace.stratum,
        group=trace.group,
        value_kind=trace.value_kind,
        truth=truth,
        original=original,
        error_mode=mode,
        stratum_error_rate=strata.error_rate,
    )
    audit = None
    if "audit_flag" in trace.flags:
        audit = AuditResult(
            flagged=trace.flags["audit_flag"], usd=n * audit_usd_per_item, llm_hours=0.0
        )
    recompute = None
    if "label_recomputed" in trace.labels:
        has = trace.present["label_recomputed"]
        consensus = trace.flags.get("recompute_consensus", has) & has
        label = np.where(consensus, trace.labels["label_recomputed"], np.nan)
        runs = n * recompute_cfg.runs_per_item
        recompute = RecomputeResult(
            runs=label[:, None],
            consensus=consensus,
            label=label,
            usd=runs * recompute_cfg.usd_per_run,
            llm_hours=runs * recompute_cfg.seconds_per_run / 3600.0,
        )
    return strata, bench, audit, recompute


def replay_scenario(
    trace: Trace, root: RootConfig, require_truth: bool = True
) -> tuple[Scenario, Benchmark, AuditResult | None, RecomputeResult | None]:
    """The configured policy, pool, budget and engine over the trace's world."""
    sc = build_scenario(root)
    au = root.verifier.audit
    strata, bench, audit, recompute = trace_world(
        trace, sc.rule, root.verifier.recompute, au.runs_per_item * au.usd_per_run, require_truth
    )
    cls = sc.policy_class
    if cls.needs_recompute and recompute is None:
        raise ValueError(
            f"policy {cls.name!r} needs the recomputation's labels; the trace has "
            "no label_recomputed column"
        )
    sc = dataclasses.replace(
        sc,
        name=f"replay:{sc.name}",
        strata=strata,
        pool=ExpertPool.from_config(root.experts, strata.group_names),
    )
    return (
        sc,
        bench,
        audit if cls.needs_audit else None,
        recompute if cls.needs_recompute else None,
    )


def replay_run(
    trace: Trace,
    root: RootConfig,
    replications: int,
    seed: int,
    item_replications: int = 0,
    event_replications: int = 0,
) -> tuple[Scenario, RunResult, ReplicationResult]:
    """``replications`` replays (only expert draws and calendars vary) as a run's result, with
    the item and event records of the first few, and the first replay in full."""
    sc, bench, audit, recompute = replay_scenario(trace, root)
    detail = Detail(item_replications, event_replications, label_replications=1)
    steps = []
    for r, ss in enumerate(replication_seeds(seed, replications)):
        interrupt.check()
        res = finish_replication(sc, bench, audit, recompute, stream_states(ss, len(STREAMS)))
        steps.append(kept_of(sc, r, res, detail))
    table = np.array([s.metrics for s in steps])
    metrics = {m: table[:, j].copy() for j, m in enumerate(METRICS)}
    result = RunResult(
        metrics,
        [s.items for s in steps if s.items is not None],
        [s.events for s in steps if s.events is not None],
        np.array([s.board for s in steps]),
        labels=[],
    )
    first = steps[0].full
    assert first is not None
    return sc, result, first


def replay(
    trace: Trace, root: RootConfig, replications: int, seed: int
) -> tuple[dict[str, np.ndarray], ReplicationResult]:
    """Metrics by column over ``replications`` replays, and the first replay's full result."""
    _, result, first = replay_run(trace, root, replications, seed)
    return result.metrics, first
