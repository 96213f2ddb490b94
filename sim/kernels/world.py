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

from sim.kernels import kernel, njit_no_refcounts
from sim.kernels.agreement import RuleValues, rule_values, tolerance
from sim.kernels.labels import (
    extra_magnitude,
    independent_error,
    log_range,
    shifted_value,
    value_in_range,
)
from sim.kernels.random import (
    beta,
    bits_below,
    bits_held,
    held,
    release,
    uniform,
    uniform_at,
    uniform_held,
)


@njit_no_refcounts
def stratum_probability(s: np.ndarray, mean: float, concentration: float) -> float:
    """A stratum's probability ~ Beta(mean, concentration); exactly ``mean`` when the
    concentration is 0 or the mean is 0 or 1."""
    if concentration <= 0.0 or mean == 0.0 or mean == 1.0:
        return mean
    return beta(s, mean * concentration, (1.0 - mean) * concentration)


@kernel(called_from_python=True)
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
    st = held(s)
    for j in range(S):
        k = s_kind[j]
        lo, hi, ncat = s_lo[j], s_hi[j], s_ncat[j]
        log_lo, log_width = log_range(k, lo, hi)
        wrong_below = bits_below(rate[j])
        share = profile[5] / w_total if math.isnan(s_under[j]) else s_under[j]
        for _ in range(size[j]):
            u_truth, st = uniform_held(st)
            wrong_bits, st = bits_held(st)
            u_mode, st = uniform_held(st)
            u_fab, st = uniform_held(st)
            u_sign, st = uniform_held(st)
            u_extra, st = uniform_held(st)
            stratum[i] = j
            group[i] = s_group[j]
            kind[i] = k
            t = value_in_range(u_truth, k, lo, hi, ncat, log_lo, log_width)
            m = 0
            o = t
            if wrong_bits < wrong_below:
                if u_mode < share:
                    m = 3
                    o = value_in_range(u_fab, k, lo, hi, ncat, log_lo, log_width)
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
    release(s, st)


@kernel(called_from_python=True)
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
    flag_wrong_below = np.empty(n_strata, dtype=np.uint64)
    flag_right_below = np.empty(n_strata, dtype=np.uint64)
    for j in range(n_strata):
        flag_wrong_below[j] = bits_below(stratum_probability(s, sensitivity, concentration))
        specificity_j = stratum_probability(s, specificity, concentration)
        flag_right_below[j] = bits_below(1.0 - specificity_j)
    st = held(s)
    for i in range(stratum.shape[0]):
        bits, st = bits_held(st)
        j = stratum[i]
        flagged[i] = bits < (flag_wrong_below[j] if wrong[i] else flag_right_below[j])
    release(s, st)


@kernel(called_from_python=True)
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
    """k runs per item (``runs`` is ``(n, k)``), item by item, then their m-of-k consensus
    (:func:`consensus_rows`). A run that
    is "right" returns the item's target: the original's error on a shared blind spot, else a
    wrong value of the pipeline's own with ``systematic_error_probability``, else the truth.

    Each ``uniform < p`` is drawn as the uniform's integer bits against
    :func:`~sim.kernels.random.bits_below` ``(p)``: the same outcome without a float.

    An item whose runs are all the target or N/A is settled as it is drawn: the target runs
    support each other only, as do the N/A runs (all of them when the target is N/A), so the
    larger group wins, the one of the first run on a tie. Only items with a wrong value among
    their runs go through the pairwise comparison of :func:`consensus_of_rows`."""
    n, k = runs.shape
    S = s_lo.shape[0]
    run_right_below = np.empty(S, dtype=np.uint64)
    for j in range(S):
        run_right_below[j] = bits_below(stratum_probability(s, run_accuracy, concentration))
    blind_below = bits_below(error_correlation)
    systematic_below = bits_below(systematic_error_probability)
    abstain_below = bits_below(abstain_probability)
    mixed = np.empty(n, dtype=np.int64)
    n_mixed = 0
    st = held(s)
    for i in range(n):
        j = stratum[i]
        blind = False
        if wrong[i]:
            bits, st = bits_held(st)
            blind = bool(bits < blind_below)
        target = original[i] if blind else truth[i]
        systematic = False
        if not blind:
            bits, st = bits_held(st)
            systematic = bool(bits < systematic_below)
        if systematic:
            target, st = drawn_error(
                st, truth[i], kind[i], s_lo[j], s_hi[j], s_ncat[j], profile, rule
            )
        n_right = 0
        n_abstain = 0
        first_right = k
        for r in range(k):
            bits, st = bits_held(st)
            if bits < run_right_below[j]:
                v = target
                first_right = min(first_right, r)
                n_right += 1
            else:
                bits, st = bits_held(st)
                if bits < abstain_below:
                    v = np.nan
                    n_abstain += 1
                else:
                    v, st = drawn_error(
                        st, truth[i], kind[i], s_lo[j], s_hi[j], s_ncat[j], profile, rule
                    )
            runs[i, r] = v
        if n_right + n_abstain < k:
            mixed[n_mixed] = i
            n_mixed += 1
            continue
        if math.isnan(target):
            support, winner = k, np.nan
        elif n_right > n_abstain or (n_right == n_abstain and first_right == 0):
            support, winner = n_right, target
        else:
            support, winner = n_abstain, np.nan
        consensus[i] = support >= consensus_runs
        label[i] = winner if support >= consensus_runs else np.nan
    release(s, st)
    consensus_of_rows(
        runs, kind, consensus_runs, rule_values(rule), mixed[:n_mixed], consensus, label
    )


@njit_no_refcounts
def drawn_error(
    state: tuple[np.uint64, np.uint64, np.uint64, np.uint64],
    truth: float,
    kind: int,
    lo: float,
    hi: float,
    n_categories: int,
    profile: np.ndarray,
    rule: np.ndarray,
) -> tuple[float, tuple[np.uint64, np.uint64, np.uint64, np.uint64]]:
    """:func:`~sim.kernels.labels.independent_error` from the next three uniforms of a held
    state (value, sign, extra), and the advanced state. Not inlined: an inlined copy counted
    references to ``profile`` and ``rule`` at every wrong run, 4 atomic operations each."""
    u_value, state = uniform_held(state)
    u_sign, state = uniform_held(state)
    u_extra, state = uniform_held(state)
    value = independent_error(
        truth, kind, lo, hi, n_categories, u_value, u_sign, u_extra, profile, rule
    )
    return value, state


CONSENSUS_BLOCK = 2048  # items whose runs are compared together


@kernel
def consensus_rows(
    runs: np.ndarray,
    kind: np.ndarray,
    consensus_runs: int,
    rule: np.ndarray,
    consensus: np.ndarray,
    label: np.ndarray,
) -> None:
    """m-of-k consensus of each row of ``runs`` ``(n, k)`` and its label (NaN without
    consensus): the run agreed with by the most runs (the first on ties) wins if at least m
    runs agree with it. A run supports a reference run when it agrees with it (N/A agrees with
    N/A only), so equal runs have equal support, and the first run among the best is the first
    of the best values to appear.

    A row whose runs are all equal (or all N/A) is settled at once: every run supports every
    other, so the first wins with k. The other rows are gathered into blocks, where every
    (reference, run) pair is compared for all rows at once, rows in the innermost loop: no
    branch on the runs' values, so the loops run in vector lanes, and a block's scratch stays
    in the cache."""
    n, k = runs.shape
    unanimous_ok = k >= consensus_runs
    mixed = np.empty(n, dtype=np.int64)
    n_mixed = 0
    for i in range(n):
        first = runs[i, 0]
        first_na = math.isnan(first)
        same = True
        for r in range(1, k):
            v = runs[i, r]
            same &= (v == first) | (math.isnan(v) & first_na)
        if same:
            consensus[i] = unanimous_ok
            label[i] = first if unanimous_ok else np.nan
        else:
            mixed[n_mixed] = i
            n_mixed += 1
    consensus_of_rows(
        runs, kind, consensus_runs, rule_values(rule), mixed[:n_mixed], consensus, label
    )


@kernel
def consensus_of_rows(
    runs: np.ndarray,
    kind: np.ndarray,
    consensus_runs: int,
    rule: RuleValues,
    rows: np.ndarray,
    consensus: np.ndarray,
    label: np.ndarray,
) -> None:
    """:func:`consensus_rows` of the rows listed in ``rows``, gathered into blocks of
    :data:`CONSENSUS_BLOCK`."""
    k = runs.shape[1]
    n_rows = rows.shape[0]
    width = min(n_rows, CONSENSUS_BLOCK)
    by_run = np.empty((k, width))
    tol = np.empty((k, width))
    block_kind = np.empty(width, dtype=kind.dtype)
    best = np.empty(width, dtype=np.int64)
    best_support = np.empty(width, dtype=np.int64)
    support = np.empty(width, dtype=np.int64)
    block_ok = np.empty(width, dtype=np.bool_)
    block_label = np.empty(width)
    for start in range(0, n_rows, CONSENSUS_BLOCK):
        count = min(n_rows, start + CONSENSUS_BLOCK) - start
        for q in range(count):
            block_kind[q] = kind[rows[start + q]]
        for r in range(k):
            for q in range(count):
                by_run[r, q] = runs[rows[start + q], r]
        consensus_block(
            by_run,
            count,
            block_kind,
            consensus_runs,
            rule,
            tol,
            best,
            best_support,
            support,
            block_ok,
            block_label,
        )
        for q in range(count):
            consensus[rows[start + q]] = block_ok[q]
            label[rows[start + q]] = block_label[q]


@kernel
def consensus_block(
    by_run: np.ndarray,
    rows: int,
    kind: np.ndarray,
    consensus_runs: int,
    rule: RuleValues,
    tol: np.ndarray,
    best: np.ndarray,
    best_support: np.ndarray,
    support: np.ndarray,
    consensus: np.ndarray,
    label: np.ndarray,
) -> None:
    """:func:`consensus_rows` of the first ``rows`` columns of ``by_run`` ``(k, width)`` (run
    ``r`` of row ``i`` at ``[r, i]``); the other arrays are scratch or outputs of at least
    ``rows`` entries, ``tol`` ``(k, width)``."""
    k = by_run.shape[0]
    n = rows
    for r in range(k):
        for i in range(n):
            tol[r, i] = tolerance(by_run[r, i], kind[i], rule)
    for i in range(n):
        best_support[i] = -1
    for r in range(k):
        for i in range(n):
            support[i] = 0
        for q in range(k):
            for i in range(n):
                reference = by_run[r, i]
                v = by_run[q, i]
                agrees = (abs(v - reference) <= tol[r, i]) | (math.isnan(v) & math.isnan(reference))
                support[i] += agrees
        for i in range(n):
            better = support[i] > best_support[i]
            best[i] = r if better else best[i]
            best_support[i] = support[i] if better else best_support[i]
    for i in range(n):
        ok = best_support[i] >= consensus_runs
        consensus[i] = ok
        label[i] = by_run[best[i], i] if ok else np.nan


DRAWS_PER_REVIEW = 8


@njit_no_refcounts
def review_draw(
    key: np.uint64,
    item: int,
    stage: int,
    j: int,
    s_complexity: np.ndarray,
    median_minutes: float,
    sigma: float,
) -> tuple[float, float]:
    """The draws of review ``(item, stage)`` of an item in stratum ``j``: a specialist's
    minutes and the uniform that decides an expert error. Counter-based on ``key``, so it is
    the same whenever and wherever it is asked for."""
    c = (item * 3 + stage) * DRAWS_PER_REVIEW
    u1 = 1.0 - uniform_at(key, c)
    u2 = uniform_at(key, c + 1)
    z = math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
    return median_minutes * s_complexity[j] * math.exp(sigma * z), uniform_at(key, c + 2)


@njit_no_refcounts
def review_wrong_label(
    key: np.uint64,
    item: int,
    stage: int,
    j: int,
    kind: int,
    truth: float,
    s_lo: np.ndarray,
    s_hi: np.ndarray,
    s_ncat: np.ndarray,
    profile: np.ndarray,
    rule: np.ndarray,
) -> float:
    """The label a wrong expert gives at review ``(item, stage)``, from the same counters as
    :func:`review_draw`; only drawn when the expert errs."""
    c = (item * 3 + stage) * DRAWS_PER_REVIEW
    return independent_error(
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


@njit_no_refcounts
def review_draws_with_label(
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
    """:func:`review_draw` and :func:`review_wrong_label` in one call, for callers outside
    compiled code."""
    minutes, error_u = review_draw(key, item, stage, j, s_complexity, median_minutes, sigma)
    wrong = review_wrong_label(key, item, stage, j, kind, truth, s_lo, s_hi, s_ncat, profile, rule)
    return minutes, error_u, wrong


@kernel(called_from_python=True)
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
