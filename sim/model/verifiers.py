"""LLM verifiers: the audit (flags suspect originals) and the independent recomputation
(k runs per item, m-of-k consensus). Each draws from its own stream (see
:mod:`sim.kernels.world`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.config.schema import AuditConfig, ErrorProfileConfig, RecomputeConfig
from sim.kernels import world
from sim.model.agreement import AgreementRule, rule_array
from sim.model.benchmark import Benchmark, Strata, profile_array

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class AuditResult:
    """Audit flags, shape ``(n,)``, and what the audit cost."""

    flagged: BoolArray
    usd: float
    llm_hours: float


@dataclass(frozen=True)
class RecomputeResult:
    """Recomputation runs ``(n, k)``, the consensus label ``(n,)`` (meaningful where
    ``consensus``; ``NaN`` is an N/A answer), and what it cost."""

    runs: FloatArray
    consensus: BoolArray
    label: FloatArray
    usd: float
    llm_hours: float


def run_audit(
    bench: Benchmark,
    original_wrong: BoolArray,
    n_strata: int,
    cfg: AuditConfig,
    stream: NDArray[np.uint64],
) -> AuditResult:
    """Flag each item: a wrong original with its stratum's sensitivity, a right one with
    1 - specificity (per-stratum values ~ Beta around the configured means)."""
    flagged = np.empty(bench.n_items, dtype=np.bool_)
    world.run_audit(
        bench.stratum,
        original_wrong,
        n_strata,
        cfg.sensitivity,
        cfg.specificity,
        cfg.stratum_concentration,
        stream,
        flagged,
    )
    runs = bench.n_items * cfg.runs_per_item
    return AuditResult(
        flagged=flagged,
        usd=runs * cfg.usd_per_run,
        llm_hours=runs * cfg.seconds_per_run / 3600.0,
    )


def consensus_of_runs(
    runs: FloatArray, kind: NDArray[np.int8], m: int, rule: AgreementRule
) -> tuple[BoolArray, FloatArray]:
    """m-of-k consensus per row of ``runs`` ``(n, k)``: the first run agreed with (as the
    reference) by the most runs wins if at least ``m`` runs agree with it."""
    consensus = np.empty(runs.shape[0], dtype=np.bool_)
    label = np.empty(runs.shape[0])
    world.consensus_rows(runs, kind, m, rule_array(rule), consensus, label)
    return consensus, label


def run_recompute(
    bench: Benchmark,
    original_wrong: BoolArray,
    strata: Strata,
    profile: ErrorProfileConfig,
    cfg: RecomputeConfig,
    rule: AgreementRule,
    stream: NDArray[np.uint64],
) -> RecomputeResult:
    """k independent runs per item; a run is right with its stratum's accuracy. On a shared
    blind spot (probability ``error_correlation`` for a wrong original) a "right" run returns
    the original's error; a wrong run abstains (N/A) or returns an independent wrong value."""
    n, k = bench.n_items, cfg.runs_per_item
    runs = np.empty((n, k))
    consensus = np.empty(n, dtype=np.bool_)
    label = np.empty(n)
    world.run_recompute(
        bench.stratum,
        bench.value_kind,
        bench.truth,
        bench.original,
        original_wrong,
        strata.value_min,
        strata.value_max,
        strata.n_categories,
        cfg.consensus_runs,
        cfg.run_accuracy,
        cfg.stratum_concentration,
        cfg.error_correlation,
        cfg.abstain_probability,
        cfg.systematic_error_probability,
        profile_array(profile),
        rule_array(rule),
        stream,
        runs,
        consensus,
        label,
    )
    n_runs = n * k
    return RecomputeResult(
        runs=runs,
        consensus=consensus,
        label=label,
        usd=n_runs * cfg.usd_per_run,
        llm_hours=n_runs * cfg.seconds_per_run / 3600.0,
    )
