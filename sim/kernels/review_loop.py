"""The expert-review event loop over arrays: the same semantics as the SimPy engine (see
:mod:`sim.engines.base`), one replication per call. Returns the number of reviews logged."""

from __future__ import annotations

import math

import numpy as np

from sim.kernels import kernel
from sim.kernels.review_queue import heap_push, ranked_entries
from sim.kernels.review_steps import (
    BUSY,
    DONE,
    FREE,
    advance_experts,
    chain_step,
    first_windows,
    fits_budgets,
    log_review,
    pop_eligible,
    review_cost,
    review_label,
)


@kernel(called_from_python=True)
def review_loop(
    keys: np.ndarray,
    group: np.ndarray,
    value_kind: np.ndarray,
    truth: np.ndarray,
    stratum: np.ndarray,
    review_key: np.uint64,
    s_lo: np.ndarray,
    s_hi: np.ndarray,
    s_ncat: np.ndarray,
    s_complexity: np.ndarray,
    median_minutes: float,
    sigma: float,
    profile: np.ndarray,
    specialty: np.ndarray,
    slowdown: float,
    usd_per_hour: np.ndarray,
    error_probability: np.ndarray,
    window_start: np.ndarray,
    window_end: np.ndarray,
    offsets: np.ndarray,
    budget_seconds: float,
    budget_usd: float,
    double_review: bool,
    rule: np.ndarray,
    log: np.ndarray,
    expert_label: np.ndarray,
    reviewed: np.ndarray,
) -> int:
    """Simulate reviews. ``log`` is float64 ``(3 q, 9)`` for ``q`` queued items, rows ``item,
    expert, stage (1-3), start, finish, work seconds, usd, label, segments``; ``expert_label``
    and ``reviewed`` ``(n,)`` are written in place."""
    n = keys.shape[0]
    E = usd_per_hour.shape[0]
    n_live = 0
    for i in range(n):
        if math.isfinite(keys[i]):
            n_live += 1
    if n_live == 0:
        return 0
    capacity = 3 * n_live + 8  # every queued item, plus at most two follow-ups each
    heap = np.empty((capacity, 5))
    size = int(np.int64(0))  # a typed zero, not a literal: one compiled signature per queue call
    seq = 0.0
    version = np.zeros(n)
    started = np.zeros(n, dtype=np.bool_)
    ranked_item = np.empty(n_live, dtype=np.int64)
    ranked_seq = np.empty(n_live, dtype=np.int64)
    n_ranked = ranked_entries(keys, ranked_item, ranked_seq)
    front = int(np.int64(0))
    if n_ranked < 0:
        n_ranked = 0
        for i in range(n):
            if math.isfinite(keys[i]):
                size = heap_push(heap, size, keys[i], seq, float(i), 0.0, 0.0)
                seq += 1.0
    seq = float(n_live)

    first_label = np.full(n, np.nan)
    reviewer = np.full((n, 3), -1, dtype=np.int64)
    state = np.empty(E, dtype=np.int64)
    timer = np.empty(E)
    window = offsets[:E].copy()
    n_retired = 0
    job_item = np.zeros(E, dtype=np.int64)
    job_stage = np.zeros(E, dtype=np.int64)
    job_label = np.zeros(E)
    completed = np.empty(E, dtype=np.int64)
    skipped = np.empty((capacity, 5))
    entry = np.empty(5)
    first_windows(state, timer, window, window_start, offsets)

    spent_seconds = 0.0
    spent_usd = 0.0
    running = 0
    n_log = 0
    while True:
        t = np.inf
        for e in range(E):
            if timer[e] < t:
                t = timer[e]
        if t == np.inf:
            break
        n_completed, dispatch = advance_experts(
            t, state, timer, window, window_start, window_end, offsets, completed
        )
        if not dispatch:
            continue

        # 1. record finished reviews in expert order
        for c in range(n_completed):
            e = completed[c]
            running -= 1
            item = job_item[e]
            stage = job_stage[e]
            final, verdict = chain_step(
                item, stage, job_label[e], first_label, double_review, value_kind, rule
            )
            if not final:
                size = heap_push(heap, size, -np.inf, seq, float(item), stage + 1.0, 0.0)
                seq += 1.0
                n_live += 1
                continue
            expert_label[item] = verdict
            reviewed[item] = True

        # 2. free experts take work in expert order, until the queue is empty
        for e in range(E):
            if size == 0 and front >= n_ranked:
                break
            if state[e] != FREE:
                continue
            size, front, found = pop_eligible(
                e,
                heap,
                size,
                ranked_item,
                ranked_seq,
                front,
                n_ranked,
                entry,
                skipped,
                version,
                started,
                reviewer,
            )
            if not found:
                continue
            item = int(entry[2])
            stage = int(entry[3])
            seconds, usd, finish, w_end, segments, error_u = review_cost(
                review_key,
                item,
                stage,
                e,
                stratum,
                group,
                s_complexity,
                median_minutes,
                sigma,
                specialty,
                slowdown,
                usd_per_hour,
                window_start,
                window_end,
                window[e],
                offsets[e + 1],
                t,
            )
            fits = fits_budgets(
                finish, seconds, usd, spent_seconds, spent_usd, budget_seconds, budget_usd
            )
            if not fits:
                size = heap_push(heap, size, entry[0], entry[1], entry[2], entry[3], entry[4])
                n_retired += 1
                state[e] = DONE
                timer[e] = np.inf
                continue
            started[item] = True
            n_live -= 1
            reviewer[item, stage] = e
            spent_seconds += seconds
            spent_usd += usd
            running += 1
            label = review_label(
                review_key,
                item,
                stage,
                error_u,
                error_probability[e],
                stratum,
                value_kind,
                truth,
                s_lo,
                s_hi,
                s_ncat,
                profile,
                rule,
            )
            log_review(log, n_log, item, e, stage, t, finish, seconds, usd, label, segments)
            n_log += 1
            state[e] = BUSY
            timer[e] = finish
            window[e] = w_end
            job_item[e] = item
            job_stage[e] = stage
            job_label[e] = label

        # 3. the run ends when nothing is queued or running, or every expert retired
        if running == 0 and (n_live == 0 or n_retired == E):
            break
    return n_log
