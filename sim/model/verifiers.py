"""LLM verifiers: the audit (flags suspect originals) and the independent recomputation
(k runs per item, m-of-k consensus). Each takes its own generator and draws a fixed layout."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.config.schema import AuditConfig, ErrorProfileConfig, RecomputeConfig
from sim.model.agreement import AgreementRule, agrees
from sim.model.benchmark import Benchmark, Strata
from sim.model.errors import independent_errors

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


def stratum_probabilities(
    mean: float, concentration: float, n_strata: int, rng: np.random.Generator
) -> FloatArray:
    """Per-stratum probabilities ~ Beta with the given mean and concentration (0: all = mean)."""
    if concentration <= 0.0 or mean in (0.0, 1.0):
        return np.full(n_strata, mean)
    return rng.beta(mean * concentration, (1.0 - mean) * concentration, size=n_strata)


def run_audit(
    bench: Benchmark,
    original_wrong: BoolArray,
    n_strata: int,
    cfg: AuditConfig,
    rng: np.random.Generator,
) -> AuditResult:
    """Flag each item: a wrong original with the stratum's sensitivity, a right one with
    1 - specificity."""
    sens = stratum_probabilities(cfg.sensitivity, cfg.stratum_concentration, n_strata, rng)
    spec = stratum_probabilities(cfg.specificity, cfg.stratum_concentration, n_strata, rng)
    u = rng.random(bench.n_items)
    s = bench.stratum
    flagged = np.where(original_wrong, u < sens[s], u < 1.0 - spec[s])
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
    agree = agrees(runs[:, :, None], runs[:, None, :], kind[:, None, None], rule)
    support = agree.sum(axis=1)  # support[i, j]: runs agreeing with run j as reference
    best = np.argmax(support, axis=1)
    rows = np.arange(runs.shape[0])
    consensus = support[rows, best] >= m
    label = np.where(consensus, runs[rows, best], np.nan)
    return consensus, label


def run_recompute(
    bench: Benchmark,
    original_wrong: BoolArray,
    strata: Strata,
    profile: ErrorProfileConfig,
    cfg: RecomputeConfig,
    rule: AgreementRule,
    rng: np.random.Generator,
) -> RecomputeResult:
    """k independent runs per item; a run is right with its stratum's accuracy. On a shared
    blind spot (probability ``error_correlation`` for a wrong original) a "right" run returns
    the original's error; a wrong run abstains (N/A) or returns an independent wrong value."""
    n, k = bench.n_items, cfg.runs_per_item
    s = bench.stratum
    acc = stratum_probabilities(cfg.run_accuracy, cfg.stratum_concentration, strata.n_strata, rng)
    blind = original_wrong & (rng.random(n) < cfg.error_correlation)
    u_right = rng.random((n, k))
    u_abstain = rng.random((n, k))
    u_value, u_sign, u_extra = rng.random((n, k)), rng.random((n, k)), rng.random((n, k))

    independent = independent_errors(
        bench.truth[:, None],
        bench.value_kind[:, None],
        strata.value_min[s][:, None],
        strata.value_max[s][:, None],
        strata.n_categories[s][:, None],
        u_value,
        u_sign,
        u_extra,
        profile.extraction_relative_scale,
        profile.ordinal_extra_steps_mean,
        profile.date_shift_days_mean,
        rule,
    )
    wrong_answer = np.where(u_abstain < cfg.abstain_probability, np.nan, independent)
    target = np.where(blind, bench.original, bench.truth)[:, None]
    runs = np.where(u_right < acc[s][:, None], target, wrong_answer)
    consensus, label = consensus_of_runs(runs, bench.value_kind, cfg.consensus_runs, rule)
    n_runs = n * k
    return RecomputeResult(
        runs=runs,
        consensus=consensus,
        label=label,
        usd=n_runs * cfg.usd_per_run,
        llm_hours=n_runs * cfg.seconds_per_run / 3600.0,
    )
