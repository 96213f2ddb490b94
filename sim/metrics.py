"""Outcomes: per-replication metrics from one replication's arrays, and their summary."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from sim.engines.base import ReviewLog
from sim.model.agreement import AgreementRule, agrees
from sim.model.benchmark import Benchmark
from sim.model.calendar import SECONDS_PER_DAY
from sim.policies.base import Decision

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
}
METRICS: tuple[str, ...] = tuple(METRIC_DOCS)


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion; NaNs when there are no trials."""
    if trials == 0:
        return math.nan, math.nan
    p = successes / trials
    denom = 1.0 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def replication_metrics(
    bench: Benchmark,
    final_label: NDArray[np.float64],
    decision: NDArray[np.int8],
    log: ReviewLog,
    rule: AgreementRule,
    llm_usd: float,
    llm_hours: float,
) -> dict[str, float]:
    """Every metric of :data:`METRIC_DOCS` for one replication."""
    kind = bench.value_kind
    wrong = ~agrees(bench.original, bench.truth, kind, rule)
    kept = decision != Decision.DROPPED
    final_wrong = kept & ~agrees(final_label, bench.truth, kind, rule)
    fixed = wrong & kept & ~final_wrong
    dropped = ~kept
    reviewed = log.reviewed
    contradicted = reviewed & ~agrees(log.expert_label, bench.original, kind, rule)
    expert_hours = float(log.work_seconds.sum()) / 3600.0
    expert_usd = float(log.usd.sum())
    n_reviewed = int(reviewed.sum())
    low, high = wilson_interval(int(contradicted.sum()), n_reviewed)

    def per_hour(count: int) -> float:
        return count / expert_hours if expert_hours > 0 else math.nan

    n = bench.n_items
    n_kept = int(kept.sum())
    out = {
        "n_items": float(n),
        "original_errors": float(wrong.sum()),
        "original_error_rate": float(wrong.sum()) / n,
        "residual_errors": float(final_wrong.sum()),
        "residual_error_rate": float(final_wrong.sum()) / n_kept if n_kept else math.nan,
        "errors_fixed": float(fixed.sum()),
        "errors_fixed_by_review": float((fixed & (decision == Decision.EXPERT)).sum()),
        "errors_fixed_by_recompute": float((fixed & (decision == Decision.RECOMPUTED)).sum()),
        "correct_changed_wrongly": float((~wrong & final_wrong).sum()),
        "items_dropped": float(dropped.sum()),
        "errors_dropped": float((wrong & dropped).sum()),
        "correct_dropped": float((~wrong & dropped).sum()),
        "reviews": float(log.n_reviews),
        "items_reviewed": float(n_reviewed),
        "expert_hours": expert_hours,
        "expert_usd": expert_usd,
        "llm_usd": llm_usd,
        "llm_hours": llm_hours,
        "total_usd": expert_usd + llm_usd,
        "calendar_days": float(log.finish_second.max()) / SECONDS_PER_DAY if log.n_reviews else 0.0,
        "errors_found": float((contradicted & wrong).sum()),
        "errors_found_per_expert_hour": per_hour(int((contradicted & wrong).sum())),
        "errors_fixed_per_expert_hour": per_hour(
            int((fixed & (decision == Decision.EXPERT)).sum())
        ),
        "estimated_error_rate": float(contradicted.sum()) / n_reviewed if n_reviewed else math.nan,
        "estimated_error_rate_ci_low": low,
        "estimated_error_rate_ci_high": high,
    }
    assert tuple(out) == METRICS
    return out


def summarize(columns: dict[str, NDArray[np.float64]]) -> dict[str, dict[str, float]]:
    """Per metric across replications: mean, sd, 95% interval of the mean (normal), and the
    2.5-97.5% range of replications. NaN replications (e.g. no hours spent) are left out and
    counted in ``n``."""
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
        sd = float(v.std(ddof=1)) if n > 1 else 0.0
        half = Z95 * sd / math.sqrt(n)
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
