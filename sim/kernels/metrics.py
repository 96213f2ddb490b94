"""Per-replication outcomes as a kernel; ``out`` follows :data:`sim.metrics.METRICS` order."""

from __future__ import annotations

import math

import numpy as np

from sim.kernels import kernel
from sim.kernels.agreement import agrees_one, rule_values

N_METRICS = 29
Z95 = 1.959963984540054
EXPERT, RECOMPUTED, DROPPED, PROPAGATED = 2, 1, 3, 4


@kernel
def wilson(successes: float, trials: float, z: float) -> tuple[float, float]:
    """Wilson score interval; NaNs without trials."""
    if trials == 0:
        return np.nan, np.nan
    p = successes / trials
    denom = 1.0 + z * z / trials
    centre = (p + z * z / (2.0 * trials)) / denom
    half = z * math.sqrt(p * (1.0 - p) / trials + z * z / (4.0 * trials * trials)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@kernel(called_from_python=True)
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
    rule_t = rule_values(rule)
    # integer counts, so the item loop's sums need no float reassociation to run in lanes
    wrong = 0
    residual = 0
    kept = 0
    fixed = 0
    fixed_review = 0
    fixed_recompute = 0
    fixed_propagation = 0
    propagation_wrong = 0
    propagated = 0
    changed_wrongly = 0
    dropped = 0
    errors_dropped = 0
    n_reviewed = 0
    contradicted = 0
    found = 0
    for i in range(n):  # arithmetic on flags, no branches: the loop runs in vector lanes
        w = not agrees_one(original[i], truth[i], kind[i], rule_t)
        is_kept = decision[i] != DROPPED
        final_wrong = is_kept & (not agrees_one(final[i], truth[i], kind[i], rule_t))
        is_fixed = w & is_kept & (not final_wrong)
        is_propagated = decision[i] == PROPAGATED
        wrong += w
        kept += is_kept
        residual += final_wrong
        fixed += is_fixed
        fixed_review += is_fixed & (decision[i] == EXPERT)
        fixed_recompute += is_fixed & (decision[i] == RECOMPUTED)
        fixed_propagation += is_fixed & is_propagated
        changed_wrongly += (not w) & final_wrong
        propagated += is_propagated
        propagation_wrong += (not w) & final_wrong & is_propagated
        dropped += not is_kept
        errors_dropped += w & (not is_kept)
        is_contradicted = reviewed[i] & (
            not agrees_one(expert_label[i], original[i], kind[i], rule_t)
        )
        n_reviewed += reviewed[i]
        contradicted += is_contradicted
        found += is_contradicted & w
    seconds = 0.0
    expert_usd = 0.0
    last = 0.0
    for r in range(work_seconds.shape[0]):
        seconds += work_seconds[r]
        expert_usd += usd[r]
        last = max(last, finish_second[r])
    hours = seconds / 3600.0
    low, high = wilson(float(contradicted), float(n_reviewed), Z95)
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
