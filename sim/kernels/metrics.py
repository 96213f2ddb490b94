"""Per-replication outcomes as a kernel; ``out`` follows :data:`sim.metrics.METRICS` order."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.kernels.agreement import agrees_one

N_METRICS = 29
Z95 = 1.959963984540054
EXPERT, RECOMPUTED, DROPPED, PROPAGATED = 2, 1, 3, 4


@njit(cache=True)
def wilson(successes: float, trials: float, z: float) -> tuple[float, float]:
    """Wilson score interval; NaNs without trials."""
    if trials == 0:
        return np.nan, np.nan
    p = successes / trials
    denom = 1.0 + z * z / trials
    centre = (p + z * z / (2.0 * trials)) / denom
    half = z * math.sqrt(p * (1.0 - p) / trials + z * z / (4.0 * trials * trials)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@njit(cache=True)
def replication_metrics(
    truth: np.ndarray,
    original: np.ndarray,
    kind: np.ndarray,
    final: np.ndarray,
    decision: np.ndarray,
    expert_label: np.ndarray,
    reviewed: np.ndarray,
    work_seconds: np.ndarray,
    usd: np.ndarray,
    finish_second: np.ndarray,
    rule: np.ndarray,
    llm_usd: float,
    llm_hours: float,
    out: np.ndarray,
) -> None:
    """Every metric of one replication (log arrays cover its reviews only)."""
    n = truth.shape[0]
    wrong = 0.0
    residual = 0.0
    kept = 0.0
    fixed = 0.0
    fixed_review = 0.0
    fixed_recompute = 0.0
    fixed_propagation = 0.0
    propagation_wrong = 0.0
    propagated = 0.0
    changed_wrongly = 0.0
    dropped = 0.0
    errors_dropped = 0.0
    n_reviewed = 0.0
    contradicted = 0.0
    found = 0.0
    for i in range(n):
        w = not agrees_one(original[i], truth[i], kind[i], rule)
        is_kept = decision[i] != DROPPED
        final_wrong = is_kept and not agrees_one(final[i], truth[i], kind[i], rule)
        wrong += w
        kept += is_kept
        residual += final_wrong
        if w and is_kept and not final_wrong:
            fixed += 1.0
            fixed_review += decision[i] == EXPERT
            fixed_recompute += decision[i] == RECOMPUTED
            fixed_propagation += decision[i] == PROPAGATED
        changed_wrongly += (not w) and final_wrong
        propagated += decision[i] == PROPAGATED
        propagation_wrong += (not w) and final_wrong and decision[i] == PROPAGATED
        dropped += not is_kept
        errors_dropped += w and not is_kept
        if reviewed[i]:
            n_reviewed += 1.0
            if not agrees_one(expert_label[i], original[i], kind[i], rule):
                contradicted += 1.0
                found += w
    seconds = 0.0
    expert_usd = 0.0
    last = 0.0
    for r in range(work_seconds.shape[0]):
        seconds += work_seconds[r]
        expert_usd += usd[r]
        last = max(last, finish_second[r])
    hours = seconds / 3600.0
    low, high = wilson(contradicted, n_reviewed, Z95)
    out[0] = n
    out[1] = wrong
    out[2] = wrong / n
    out[3] = residual
    out[4] = residual / kept if kept > 0 else np.nan
    out[5] = fixed
    out[6] = fixed_review
    out[7] = fixed_recompute
    out[8] = changed_wrongly
    out[9] = dropped
    out[10] = errors_dropped
    out[11] = dropped - errors_dropped
    out[12] = work_seconds.shape[0]
    out[13] = n_reviewed
    out[14] = hours
    out[15] = expert_usd
    out[16] = llm_usd
    out[17] = llm_hours
    out[18] = expert_usd + llm_usd
    out[19] = last / 86400.0
    out[20] = found
    out[21] = found / hours if hours > 0 else np.nan
    out[22] = fixed_review / hours if hours > 0 else np.nan
    out[23] = contradicted / n_reviewed if n_reviewed > 0 else np.nan
    out[24] = low
    out[25] = high
    out[26] = fixed_propagation
    out[27] = propagation_wrong
    out[28] = propagated
