"""One replication's world, drawn in kernels: benchmark items, the audit, the recomputation,
expert review draws and calendars. Each function draws from one stream in a fixed order.

``profile`` is float64[10]: zero_error_probability, beta_a, beta_b, extraction_weight,
logic_weight, underspecified_weight, extraction_relative_scale, logic_relative_scale,
ordinal_extra_steps_mean, date_shift_days_mean. Error modes: 0 none, 1 extraction, 2 logic,
3 underspecified.

The per-review and per-stratum draws allocate nothing and compile without reference counts
(:func:`~sim.kernels.njit_no_refcounts`)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.kernels import njit_no_refcounts
from sim.kernels.agreement import agrees_one
from sim.kernels.labels import (
    extra_magnitude,
    independent_error,
    shifted_value,
    value_from_uniform,
)
from sim.kernels.random import beta, uniform, uniform_at


@njit_no_refcounts
def stratum_probability(s: np.ndarray, mean: float, concentration: float) -> float:
    """A stratum's probability ~ Beta(mean, concentration); exactly ``mean`` when the
    concentration is 0 or the mean is 0 or 1."""
    if concentration <= 0.0 or mean == 0.0 or mean == 1.0:
        return mean
    return beta(s, mean * concentration, (1.0 - mean) * concentration)


@njit(cache=True)
def generate_benchmark(
    size: np.ndarray,
    s_group: np.ndarray,
    s_kind: np.ndarray,
    s_lo: np.ndarray,
    s_hi: np.ndarray,
    s_ncat: np.ndarray,
    s_rate: np.ndarray,
    s_under: np.ndarray,
    profile: np.ndarray,
    rule: np.ndarray,
    s: np.ndarray,
    stratum: np.ndarray,
    group: np.ndarray,
    kind: np.ndarray,
    truth: np.ndarray,
    original: np.ndarray,
    mode: np.ndarray,
    rate: np.ndarray,
) -> None:
    """Fill the item arrays ``(n,)`` and per-stratum ``rate`` ``(S,)``; NaN in ``s_rate`` or
    ``s_under`` means draw it from the profile."""
    S = size.shape[0]
    logic_sign = np.empty(S)
    logic_u = np.empty(S)
    for j in range(S):
        zero = uniform(s) < profile[0]
        drawn = 0.0 if zero else beta(s, profile[1], profile[2])
        rate[j] = drawn if math.isnan(s_rate[j]) else s_rate[j]
        logic_sign[j] = uniform(s)
        logic_u[j] = uniform(s)
    w_total = profile[3] + profile[4] + profile[5]
    numeric_w = profile[3] + profile[4]
    extraction_ratio = profile[3] / numeric_w if numeric_w > 0.0 else 1.0
    i = 0
    for j in range(S):
        k = s_kind[j]
        lo, hi, ncat = s_lo[j], s_hi[j], s_ncat[j]
        share = profile[5] / w_total if math.isnan(s_under[j]) else s_under[j]
        for _ in range(size[j]):
            u_truth, u_wrong, u_mode = uniform(s), uniform(s), uniform(s)
            u_fab, u_sign, u_extra = uniform(s), uniform(s), uniform(s)
            stratum[i] = j
            group[i] = s_group[j]
            kind[i] = k
            t = value_from_uniform(u_truth, k, lo, hi, ncat)
            m = 0
            o = t
            if u_wrong < rate[j]:
                if u_mode < share:
                    m = 3
                    o = value_from_uniform(u_fab, k, lo, hi, ncat)
                    t = np.nan
                elif share >= 1.0 or (u_mode - share) / (1.0 - share) < extraction_ratio:
                    m = 1
                    o = independent_error(t, k, lo, hi, ncat, u_fab, u_sign, u_extra, profile, rule)
                else:
                    m = 2
                    extra = extra_magnitude(
                        logic_u[j], k, t, profile[7], profile[8], profile[9], rule
                    )
                    o = shifted_value(t, k, lo, hi, ncat, logic_sign[j], extra, rule)
            truth[i] = t
            original[i] = o
            mode[i] = m
            i += 1


@njit(cache=True)
def run_audit(
    stratum: np.ndarray,
    wrong: np.ndarray,
    n_strata: int,
    sensitivity: float,
    specificity: float,
    concentration: float,
    s: np.ndarray,
    flagged: np.ndarray,
) -> None:
    """Flag a wrong original with its stratum's sensitivity, a right one with 1 - specificity."""
    sens = np.empty(n_strata)
    spec = np.empty(n_strata)
    for j in range(n_strata):
        sens[j] = stratum_probability(s, sensitivity, concentration)
        spec[j] = stratum_probability(s, specificity, concentration)
    for i in range(stratum.shape[0]):
        u = uniform(s)
        j = stratum[i]
        flagged[i] = u < sens[j] if wrong[i] else u < 1.0 - spec[j]


@njit(cache=True)
def run_recompute(
    stratum: np.ndarray,
    kind: np.ndarray,
    truth: np.ndarray,
    original: np.ndarray,
    wrong: np.ndarray,
    s_lo: np.ndarray,
    s_hi: np.ndarray,
    s_ncat: np.ndarray,
    consensus_runs: int,
    run_accuracy: float,
    concentration: float,
    error_correlation: float,
    abstain_probability: float,
    systematic_error_probability: float,
    profile: np.ndarray,
    rule: np.ndarray,
    s: np.ndarray,
    runs: np.ndarray,
    consensus: np.ndarray,
    label: np.ndarray,
) -> None:
    """k runs per item (``runs`` is ``(n, k)``) and m-of-k consensus: the run agreed with by
    the most runs (first on ties) wins if at least m runs agree with it. A run that is "right"
    returns the item's target: the original's error on a shared blind spot, else a wrong value
    of the pipeline's own with ``systematic_error_probability``, else the truth."""
    n, k = runs.shape
    S = s_lo.shape[0]
    acc = np.empty(S)
    for j in range(S):
        acc[j] = stratum_probability(s, run_accuracy, concentration)
    for i in range(n):
        j = stratum[i]
        blind = wrong[i] and uniform(s) < error_correlation
        target = original[i] if blind else truth[i]
        if not blind and uniform(s) < systematic_error_probability:
            u_value, u_sign, u_extra = uniform(s), uniform(s), uniform(s)
            target = independent_error(
                truth[i],
                kind[i],
                s_lo[j],
                s_hi[j],
                s_ncat[j],
                u_value,
                u_sign,
                u_extra,
                profile,
                rule,
            )
        for r in range(k):
            if uniform(s) < acc[j]:
                runs[i, r] = target
            elif uniform(s) < abstain_probability:
                runs[i, r] = np.nan
            else:
                u_value, u_sign, u_extra = uniform(s), uniform(s), uniform(s)
                runs[i, r] = independent_error(
                    truth[i],
                    kind[i],
                    s_lo[j],
                    s_hi[j],
                    s_ncat[j],
                    u_value,
                    u_sign,
                    u_extra,
                    profile,
                    rule,
                )
    consensus_rows(runs, kind, consensus_runs, rule, consensus, label)


@njit(cache=True)
def consensus_rows(
    runs: np.ndarray,
    kind: np.ndarray,
    consensus_runs: int,
    rule: np.ndarray,
    consensus: np.ndarray,
    label: np.ndarray,
) -> None:
    """m-of-k consensus of each row of ``runs`` ``(n, k)``."""
    n, k = runs.shape
    for i in range(n):
        first = runs[i, 0]
        same = True
        for r in range(1, k):
            v = runs[i, r]
            if not (v == first or (math.isnan(v) and math.isnan(first))):
                same = False
                break
        if same:  # every run supports every run: the first wins, as in the general case
            consensus[i] = k >= consensus_runs
            label[i] = first if consensus[i] else np.nan
            continue
        best = 0
        best_support = -1
        for ref in range(k):
            support = 0
            for r in range(k):
                if agrees_one(runs[i, r], runs[i, ref], kind[i], rule):
                    support += 1
            if support > best_support:
                best_support = support
                best = ref
        consensus[i] = best_support >= consensus_runs
        label[i] = runs[i, best] if consensus[i] else np.nan


DRAWS_PER_REVIEW = 8


@njit_no_refcounts
def review_draw(
    key: np.uint64,
    item: int,
    stage: int,
    j: int,
    kind: int,
    truth: float,
    s_lo: np.ndarray,
    s_hi: np.ndarray,
    s_ncat: np.ndarray,
    s_complexity: np.ndarray,
    median_minutes: float,
    sigma: float,
    profile: np.ndarray,
    rule: np.ndarray,
) -> tuple[float, float, float]:
    """The draws of review ``(item, stage)`` of an item in stratum ``j``: a specialist's
    minutes, the uniform that decides an expert error, and the label a wrong expert gives.
    Counter-based on ``key``, so it is the same whenever and wherever it is asked for."""
    c = (item * 3 + stage) * DRAWS_PER_REVIEW
    u1 = 1.0 - uniform_at(key, c)
    u2 = uniform_at(key, c + 1)
    z = math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
    error_u = uniform_at(key, c + 2)
    wrong = independent_error(
        truth,
        kind,
        s_lo[j],
        s_hi[j],
        s_ncat[j],
        uniform_at(key, c + 3),
        uniform_at(key, c + 4),
        uniform_at(key, c + 5),
        profile,
        rule,
    )
    return median_minutes * s_complexity[j] * math.exp(sigma * z), error_u, wrong


@njit(cache=True)
def build_windows(
    hours_per_weekday: np.ndarray,
    day_start_second: np.ndarray,
    absence_probability: np.ndarray,
    start_weekday: int,
    is_holiday: np.ndarray,
    s: np.ndarray,
    window_start: np.ndarray,
    window_end: np.ndarray,
    offsets: np.ndarray,
) -> int:
    """Availability windows of ``E`` experts over ``D = len(is_holiday)`` days into buffers of
    ``E * D``; one absence uniform per expert and day, expert-major. Returns the count."""
    E = hours_per_weekday.shape[0]
    D = is_holiday.shape[0]
    w = 0
    offsets[0] = 0
    for e in range(E):
        for d in range(D):
            absent = uniform(s) < absence_probability[e]
            hours = hours_per_weekday[e, (start_weekday + d) % 7]
            if hours > 0.0 and not is_holiday[d] and not absent:
                start = d * 86400.0 + day_start_second[e]
                window_start[w] = start
                window_end[w] = start + np.rint(hours * 3600.0)
                w += 1
        offsets[e + 1] = w
    return w
