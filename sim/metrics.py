"""Outcomes: per-replication metrics from one replication's arrays, and their summary."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from sim.engines.base import ReviewLog
from sim.kernels import leaderboard as kernel_leaderboard
from sim.kernels import metrics as kernel_metrics
from sim.kernels.leaderboard import N_LEADERBOARD_METRICS
from sim.model.agreement import AgreementRule, rule_array
from sim.model.benchmark import Benchmark
from sim.model.evaluated import EvaluatedModels
from sim.stats import t_quantile_975

Z95 = 1.959963984540054

METRIC_DOCS: dict[str, str] = {
    "n_items": "items in the benchmark",
    "original_errors": "original labels that disagree with the truth",
    "original_error_rate": "original_errors / n_items",
    "residual_errors": "kept final labels that disagree with the truth",
    "residual_error_rate": "residual_errors / items kept (not dropped)",
    "errors_fixed": "wrong originals whose kept final label agrees with the truth",
    "errors_fixed_by_review": "errors_fixed decided by an expert",
    "errors_fixed_by_recompute": "errors_fixed decided by the recomputation",
    "correct_changed_wrongly": "right originals whose kept final label is wrong",
    "items_dropped": "items left out of the maintained benchmark",
    "errors_dropped": "wrong originals dropped",
    "correct_dropped": "right originals dropped",
    "reviews": "expert reviews started and finished (all stages)",
    "items_reviewed": "items with a completed expert verdict",
    "expert_hours": "expert working hours spent on reviews",
    "expert_usd": "dollars paid to experts",
    "llm_usd": "dollars spent on LLM verifier runs",
    "llm_hours": "LLM run time, hours of model time",
    "total_usd": "expert_usd + llm_usd",
    "calendar_days": "days from the start to the last finished review",
    "errors_found": "reviewed wrong originals the expert contradicted",
    "errors_found_per_expert_hour": "errors_found / expert_hours",
    "errors_fixed_per_expert_hour": "errors_fixed_by_review / expert_hours",
    "estimated_error_rate": "naive estimate of original_error_rate: share of reviewed items "
    "whose original the expert contradicts (unbiased only for random reviews)",
    "estimated_error_rate_ci_low": "Wilson 95% interval, low end",
    "estimated_error_rate_ci_high": "Wilson 95% interval, high end",
    "errors_fixed_by_propagation": "errors_fixed decided by amplification: a stratum's "
    "recomputed labels accepted, or a re-run with a rule a verdict corrected",
    "propagation_wrong_fixes": "right originals that amplification made wrong",
    "items_propagated": "items whose final label amplification decided",
}
LEADERBOARD_METRIC_DOCS: dict[str, str] = {
    "leaderboard_bias_original_points": "evaluated models' accuracy against the original labels "
    "minus against the truth, in points, mean over models (negative: understated)",
    "leaderboard_abs_bias_original_points": "mean over models of |accuracy against the "
    "original labels - against the truth|, in points",
    "leaderboard_bias_maintained_points": "the same as leaderboard_bias_original_points "
    "against the maintained labels (dropped items left out)",
    "leaderboard_abs_bias_maintained_points": "mean over models of |accuracy against the "
    "maintained labels - against the truth|, in points",
    "leaderboard_kendall_tau_original": "Kendall tau-b between the original-label and the true "
    "leaderboard",
    "leaderboard_kendall_tau_maintained": "Kendall tau-b between the maintained-label and the "
    "true leaderboard",
}
ESTIMATE_METRIC_DOCS: dict[str, str] = {
    "residual_estimate_naive": "estimated residual_error_rate assuming unreviewed items are "
    "wrong as often as reviewed ones were (biased when triage chose them)",
    "residual_estimate_naive_ci_low": "its Wilson 95% interval, low end",
    "residual_estimate_naive_ci_high": "its Wilson 95% interval, high end",
    "residual_estimate_audit": "estimated residual_error_rate from a simple random audit of the "
    "items triage left (design-valid; corrected for the experts' error rate)",
    "residual_estimate_audit_ci_low": "its Wilson 95% interval, low end",
    "residual_estimate_audit_ci_high": "its Wilson 95% interval, high end",
    "residual_estimate_ppi": "estimated residual_error_rate by PPI++: the audit's expert labels "
    "combined with the policy's predictions on every unreviewed item",
    "residual_estimate_ppi_ci_low": "its 95% interval, low end",
    "residual_estimate_ppi_ci_high": "its 95% interval, high end",
    "audit_items_reviewed": "items of the random audit an expert reviewed",
}
"""Filled by policies that estimate what remains (NaN for the others)."""
assert len(METRIC_DOCS) == kernel_metrics.N_METRICS
assert len(LEADERBOARD_METRIC_DOCS) == N_LEADERBOARD_METRICS
METRIC_DOCS.update(LEADERBOARD_METRIC_DOCS)
METRIC_DOCS.update(ESTIMATE_METRIC_DOCS)
METRICS: tuple[str, ...] = tuple(METRIC_DOCS)
N_COMPILED_METRICS = kernel_metrics.N_METRICS + N_LEADERBOARD_METRICS
"""The metrics the compiled path computes; the rest are NaN there."""

HIGHER_IS_BETTER = frozenset(
    {
        "errors_fixed",
        "errors_fixed_by_review",
        "errors_fixed_by_recompute",
        "errors_fixed_by_propagation",
        "errors_found",
        "errors_found_per_expert_hour",
        "errors_fixed_per_expert_hour",
        "leaderboard_kendall_tau_maintained",
    }
)
LOWER_IS_BETTER = frozenset(
    {
        "residual_errors",
        "residual_error_rate",
        "correct_changed_wrongly",
        "propagation_wrong_fixes",
        "items_dropped",
        "errors_dropped",
        "correct_dropped",
        "expert_hours",
        "expert_usd",
        "llm_usd",
        "llm_hours",
        "total_usd",
        "calendar_days",
        "leaderboard_abs_bias_maintained_points",
    }
)
"""Outcomes of the stewardship that a policy should push one way; the others (the original
labels, counts of work done, estimates) have no better direction."""


def metric_direction(name: str) -> int:
    """+1 when more of the metric is better, -1 when less is, 0 when neither."""
    return 1 if name in HIGHER_IS_BETTER else -1 if name in LOWER_IS_BETTER else 0


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion; NaNs when there are no trials."""
    low, high = kernel_metrics.wilson(float(successes), float(trials), z)
    return float(low), float(high)


def replication_metrics(
    bench: Benchmark,
    final_label: NDArray[np.float64],
    decision: NDArray[np.int8],
    log: ReviewLog,
    rule: AgreementRule,
    llm_usd: float,
    llm_hours: float,
    board: NDArray[np.float64],
    estimates: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """Every metric of :data:`METRIC_DOCS` for one replication; ``board`` holds the evaluated
    models' accuracies (:func:`leaderboard`), ``estimates`` the policy's estimates (names of
    :data:`ESTIMATE_METRIC_DOCS`; missing ones are NaN)."""
    out = np.full(len(METRICS), np.nan)
    kernel_metrics.replication_metrics(
        bench.truth,
        bench.original,
        bench.value_kind,
        final_label,
        decision,
        log.expert_label,
        log.reviewed,
        log.work_seconds,
        log.usd,
        log.finish_second,
        rule_array(rule),
        llm_usd,
        llm_hours,
        out[: kernel_metrics.N_METRICS],
    )
    kernel_leaderboard.leaderboard_metrics(
        board, out[kernel_metrics.N_METRICS : N_COMPILED_METRICS]
    )
    row = dict(zip(METRICS, out.tolist(), strict=True))
    for name, value in (estimates or {}).items():
        if name not in ESTIMATE_METRIC_DOCS:
            raise KeyError(f"{name!r} is not an estimate metric")
        row[name] = float(value)
    return row


def leaderboard(
    bench: Benchmark,
    final_label: NDArray[np.float64],
    decision: NDArray[np.int8],
    rule: AgreementRule,
    models: EvaluatedModels,
    key: np.uint64,
) -> NDArray[np.float64]:
    """Accuracy ``(M, 3)`` of each evaluated model against [original, maintained, true] labels,
    its answers drawn counter-based from ``key``."""
    board = np.empty((models.n_models, 3))
    kernel_leaderboard.model_accuracies(
        bench.truth,
        bench.original,
        final_label,
        decision,
        bench.value_kind,
        bench.group,
        rule_array(rule),
        models.accuracy,
        models.blind_spot,
        np.uint64(key),
        board,
    )
    return board


def summarize(columns: dict[str, NDArray[np.float64]]) -> dict[str, dict[str, float]]:
    """Per metric across replications: mean, sd, 95% interval of the mean (Student t; NaN from
    a single replication, which says nothing of its spread), and the 2.5-97.5% range of
    replications. NaN replications (e.g. no hours spent) are left out and counted in ``n``."""
    out: dict[str, dict[str, float]] = {}
    for name, values in columns.items():
        v = values[~np.isnan(values)]
        n = int(v.shape[0])
        if n == 0:
            out[name] = {
                "n": 0,
                "mean": math.nan,
                "sd": math.nan,
                "mean_ci_low": math.nan,
                "mean_ci_high": math.nan,
                "p2_5": math.nan,
                "p97_5": math.nan,
            }
            continue
        mean = float(v.mean())
        sd = float(v.std(ddof=1)) if n > 1 else math.nan
        half = t_quantile_975(n - 1) * sd / math.sqrt(n) if n > 1 else math.nan
        out[name] = {
            "n": n,
            "mean": mean,
            "sd": sd,
            "mean_ci_low": mean - half,
            "mean_ci_high": mean + half,
            "p2_5": float(np.percentile(v, 2.5)),
            "p97_5": float(np.percentile(v, 97.5)),
        }
    return out


def estimator_coverage(columns: Mapping[str, NDArray[np.float64]]) -> dict[str, dict[str, float]]:
    """Per residual-error estimator (``naive``, ``audit``, ``ppi``): over the replications where
    it has an interval, the share whose interval contains the true residual error rate, the
    mean width and the mean estimate (and the mean true residual over every replication); empty
    when no replication has estimates."""
    truth = np.asarray(columns["residual_error_rate"])
    out: dict[str, dict[str, float]] = {}
    for name in ("naive", "audit", "ppi"):
        value = np.asarray(columns[f"residual_estimate_{name}"])
        low = np.asarray(columns[f"residual_estimate_{name}_ci_low"])
        high = np.asarray(columns[f"residual_estimate_{name}_ci_high"])
        ok = ~(np.isnan(value) | np.isnan(low) | np.isnan(high) | np.isnan(truth))
        n = int(ok.sum())
        covered = (low[ok] <= truth[ok] + 1e-12) & (truth[ok] <= high[ok] + 1e-12)
        out[name] = {
            "n": n,
            "coverage": float(covered.mean()) if n else math.nan,
            "mean_width": float((high[ok] - low[ok]).mean()) if n else math.nan,
            "mean_estimate": float(value[ok].mean()) if n else math.nan,
            "mean_truth": float(np.nanmean(truth)) if (~np.isnan(truth)).any() else math.nan,
        }
    if all(v["n"] == 0 for v in out.values()):
        return {}
    return out
