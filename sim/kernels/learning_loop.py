"""The expert-review event loop with the learning policy's hooks compiled in: the same instants
and decisions as the plain-Python loop over the shared desk (:mod:`sim.engines.plain_loop`,
:class:`sim.engines.desk.ReviewDesk`), so the same outcomes as the SimPy engine, with the
policy's verdict hook (:mod:`sim.kernels.learning`) called in compiled code. ``thompson`` samples
the beliefs with the policy's own NumPy generator, whose Numba methods draw what NumPy's do;
only the audit's random sample is drawn in Python (object mode, once a replication), with that
same generator.

Queue entries are ``key, seq, item, stage, version`` rows of a growing heap
(:mod:`sim.kernels.review_queue`); an item's first-stage entry is live while its version is
current and the item has not started, as in :class:`sim.engines.queue.ReviewQueue`."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, objmode

from sim.kernels import kernel
from sim.kernels.learning import (
    AUDIT,
    DONE,
    DRAINING,
    P_AUDIT_SHARE,
    P_RESERVE_SECONDS,
    PHASE,
    REQUEUE_STRATUM,
    STOP_TRIAGE,
    TRIAGE,
    audit_sample_of,
    open_items,
    record_verdict,
    rekey_stratum,
)
from sim.kernels.review_queue import heap_push
from sim.kernels.review_steps import (
    BUSY,
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
from sim.kernels.review_steps import DONE as RETIRED


@kernel
def _room(heap: np.ndarray, size: int, more: int) -> np.ndarray:
    """``heap``, or a copy with at least twice the room, when ``more`` entries would not fit."""
    if size + more <= heap.shape[0]:
        return heap
    grown = np.empty((max(2 * heap.shape[0], size + more), 5))
    for i in range(size):  # a loop compiles faster than a slice copy's shape checks
        for c in range(5):
            grown[i, c] = heap[i, c]
    return grown


@kernel
def _push(
    heap: np.ndarray,
    size: int,
    key: float,
    seq: float,
    item: int,
    stage: int,
    version: float,
) -> tuple[np.ndarray, int]:
    """:func:`heap_push`, first growing the heap when it is full."""
    heap = _room(heap, size, 1)
    return heap, heap_push(heap, size, key, seq, float(item), float(stage), version)


@kernel
def _requeue(
    items: np.ndarray,
    keys: np.ndarray,
    heap: np.ndarray,
    size: int,
    seq: float,
    n_live: int,
    started: np.ndarray,
    queued: np.ndarray,
    key_of: np.ndarray,
    version: np.ndarray,
) -> tuple[np.ndarray, int, float, int]:
    """:meth:`sim.engines.queue.ReviewQueue.requeue`: each not-yet-started item gets its new
    key in turn (``inf`` takes it out of the queue); a queued item whose key is unchanged
    keeps its entry. Returns the heap, its size, the next sequence number and the live count."""
    heap = _room(heap, size, items.shape[0])
    for k in range(items.shape[0]):
        item = items[k]
        key = keys[k]
        if started[item] or (queued[item] and key_of[item] == key):
            continue
        version[item] += 1.0
        if queued[item]:
            n_live -= 1
        queued[item] = math.isfinite(key)
        if queued[item]:
            n_live += 1
            key_of[item] = key
            size = heap_push(heap, size, key, seq, float(item), 0.0, version[item])
            seq += 1.0
    return heap, size, seq, n_live


@kernel
def _stop_triage(
    status: np.ndarray,
    has_verdict: np.ndarray,
    heap: np.ndarray,
    size: int,
    seq: float,
    n_live: int,
    started: np.ndarray,
    queued: np.ndarray,
    key_of: np.ndarray,
    version: np.ndarray,
) -> tuple[np.ndarray, int, float, int]:
    """Triage stops (the policy's ``_stop_triage``): draining, and every item without a
    verdict leaves the queue."""
    status[PHASE] = DRAINING
    left = open_items(has_verdict)
    return _requeue(
        left,
        np.full(left.shape[0], np.inf),
        heap,
        size,
        seq,
        n_live,
        started,
        queued,
        key_of,
        version,
    )


@njit(cache=True)  # objmode needs the Python wrappers
def _next_phase(
    status: np.ndarray,
    has_verdict: np.ndarray,
    minutes: np.ndarray,
    params: np.ndarray,
    rng_token: int,
    expert_hours_budget: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The policy's ``on_phase_end("queue_empty")``: after triage (or its draining) the audit
    starts, with the items left in a random order as many as its share buys, unless there is
    no audit or nothing left; after the audit, done. Returns the items and keys to queue."""
    items = np.zeros(0, dtype=np.int64)
    keys = np.zeros(0)
    if status[PHASE] not in (TRIAGE, DRAINING):
        status[PHASE] = DONE
        return items, keys
    left = open_items(has_verdict)
    if params[P_AUDIT_SHARE] == 0 or left.shape[0] == 0:
        status[PHASE] = DONE
        return items, keys
    status[PHASE] = AUDIT
    share_minutes = params[P_AUDIT_SHARE] * expert_hours_budget * 60
    with objmode(items="int64[::1]", keys="float64[::1]"):
        items, keys = audit_sample_of(rng_token, left, minutes, share_minutes)
    return items, keys


@kernel(nogil=True)
def learning_review_loop(
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
    item_class: np.ndarray,
    contentious: np.ndarray,
    minutes: np.ndarray,
    original: np.ndarray,
    consensus: np.ndarray,
    recomputed: np.ndarray,
    stratum_items: np.ndarray,
    stratum_start: np.ndarray,
    has_verdict: np.ndarray,
    verdict: np.ndarray,
    triage_verdict: np.ndarray,
    wrong: np.ndarray,
    seen: np.ndarray,
    rc_right: np.ndarray,
    rc_seen: np.ndarray,
    accepted: np.ndarray,
    rerun_requested: np.ndarray,
    window_wrong: np.ndarray,
    window_minutes: np.ndarray,
    status: np.ndarray,
    prior: np.ndarray,
    params: np.ndarray,
    rng: np.random.Generator,
    rng_token: int,
    expert_hours_budget: float,
    unreviewed_at_freeze: np.ndarray,
    log: np.ndarray,
    expert_label: np.ndarray,
    reviewed: np.ndarray,
) -> tuple[int, np.ndarray, bool]:
    """Simulate the reviews of a learning policy whose state arrays
    (:mod:`sim.kernels.learning`) are updated in place; ``rng`` is the policy's generator,
    registered as ``rng_token`` in :data:`~sim.kernels.learning.GENERATORS` for the audit's
    sample. ``log`` is float64 ``(3 n, 9)``, rows as in
    :func:`sim.kernels.review_loop.review_loop`. Returns the number of reviews, the audit's
    items and whether the policy froze what unreviewed items keep (then
    ``unreviewed_at_freeze`` holds the items without a verdict at that moment)."""
    n = keys.shape[0]
    E = usd_per_hour.shape[0]
    audit_items = np.zeros(0, dtype=np.int64)
    frozen = False

    heap = np.empty((n + 16, 5))
    size = 0
    seq = 0.0
    n_live = 0
    version = np.zeros(n)
    queued = np.zeros(n, dtype=np.bool_)
    started = np.zeros(n, dtype=np.bool_)
    key_of = np.full(n, np.inf)
    for i in range(n):
        if math.isfinite(keys[i]):
            heap, size = _push(heap, size, keys[i], seq, i, 0, 0.0)
            seq += 1.0
            queued[i] = True
            key_of[i] = keys[i]
            n_live += 1

    items_scratch = np.empty(n, dtype=np.int64)  # a re-keyed stratum's open items
    keys_scratch = np.empty(n)
    pooled_scratch = np.empty(wrong.shape[1])
    p_ow_scratch = np.empty(wrong.shape)
    p_rr_scratch = np.empty(rc_right.shape[0])
    rates_scratch = np.empty(rc_right.shape[0])
    first_label = np.full(n, np.nan)
    reviewer = np.full((n, 3), -1, dtype=np.int64)
    retired = np.zeros(E, dtype=np.bool_)
    skipped = np.empty((3 * n + 8, 5))
    no_ranked = np.zeros(0, dtype=np.int64)  # every entry waits in the heap
    entry = np.empty(5)
    state = np.empty(E, dtype=np.int64)
    timer = np.empty(E)
    window = offsets[:E].copy()
    job_item = np.zeros(E, dtype=np.int64)
    job_stage = np.zeros(E, dtype=np.int64)
    job_label = np.zeros(E)
    completed = np.empty(E, dtype=np.int64)
    spent_seconds = 0.0
    spent_usd = 0.0
    running = 0
    n_log = 0
    finished = False
    now = 0.0
    # passes: 0 = refill before the first instant; otherwise one dispatch per instant
    first_pass = True
    while True:
        n_completed = 0
        if not first_pass:
            t = np.inf
            for e in range(E):
                if timer[e] < t:
                    t = timer[e]
            if t == np.inf:
                break
            now = t
            n_completed, dispatch = advance_experts(
                t, state, timer, window, window_start, window_end, offsets, completed
            )
            if not dispatch:
                continue

        # finished reviews in expert order: advance the chain, tell the policy a verdict
        for c in range(n_completed):
            e = completed[c]
            running -= 1
            item = job_item[e]
            stage = job_stage[e]
            final, v = chain_step(
                item, stage, job_label[e], first_label, double_review, value_kind, rule
            )
            if not final:
                heap, size = _push(heap, size, -np.inf, seq, item, stage + 1, version[item])
                seq += 1.0
                n_live += 1
                continue
            expert_label[item] = v
            reviewed[item] = True
            action = record_verdict(
                item,
                v,
                stratum,
                item_class,
                value_kind,
                original,
                consensus,
                recomputed,
                minutes,
                contentious,
                rule,
                has_verdict,
                verdict,
                triage_verdict,
                wrong,
                seen,
                rc_right,
                rc_seen,
                accepted,
                rerun_requested,
                window_wrong,
                window_minutes,
                status,
                prior,
                params,
            )
            if action == STOP_TRIAGE:
                heap, size, seq, n_live = _stop_triage(
                    status, has_verdict, heap, size, seq, n_live, started, queued, key_of, version
                )
            elif action == REQUEUE_STRATUM:
                n_items = rekey_stratum(
                    stratum[item],
                    stratum_items,
                    stratum_start,
                    item_class,
                    contentious,
                    minutes,
                    has_verdict,
                    wrong,
                    seen,
                    rc_right,
                    rc_seen,
                    accepted,
                    prior,
                    params,
                    rng,
                    pooled_scratch,
                    p_ow_scratch,
                    p_rr_scratch,
                    rates_scratch,
                    items_scratch,
                    keys_scratch,
                )
                heap, size, seq, n_live = _requeue(
                    items_scratch[:n_items],
                    keys_scratch[:n_items],
                    heap,
                    size,
                    seq,
                    n_live,
                    started,
                    queued,
                    key_of,
                    version,
                )

        # free experts take work in expert order; when nothing is queued or running, the
        # policy's next phase is asked for, and the free experts try again
        for attempt in range(2):
            if attempt == 1:
                if n_live > 0 or running > 0 or finished:
                    break
                triage_over = status[PHASE] in (TRIAGE, DRAINING)
                if triage_over and not frozen:
                    for i in range(n):
                        unreviewed_at_freeze[i] = not has_verdict[i]
                    frozen = True
                items, new_keys = _next_phase(
                    status, has_verdict, minutes, params, rng_token, expert_hours_budget
                )
                if triage_over and status[PHASE] == AUDIT:
                    audit_items = items
                heap, size, seq, n_live = _requeue(
                    items, new_keys, heap, size, seq, n_live, started, queued, key_of, version
                )
                if n_live == 0:
                    break
                if first_pass:
                    break
            for e in range(E):
                if first_pass or state[e] != FREE:
                    continue
                while True:
                    size, _, found = pop_eligible(
                        e,
                        heap,
                        size,
                        no_ranked,
                        no_ranked,
                        0,
                        0,
                        entry,
                        skipped,
                        version,
                        started,
                        reviewer,
                    )
                    if not found:
                        break
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
                        now,
                    )
                    fits = fits_budgets(
                        finish, seconds, usd, spent_seconds, spent_usd, budget_seconds, budget_usd
                    )
                    reserve = 0.0
                    if status[PHASE] == TRIAGE and params[P_AUDIT_SHARE] != 0:
                        reserve = params[P_RESERVE_SECONDS]
                    if fits and reserve > 0 and spent_seconds + seconds > budget_seconds - reserve:
                        # triage would eat into the audit's share: it stops, and the expert
                        # takes the first entry of what is left
                        heap, size = _push(heap, size, entry[0], entry[1], item, stage, entry[4])
                        heap, size, seq, n_live = _stop_triage(
                            status,
                            has_verdict,
                            heap,
                            size,
                            seq,
                            n_live,
                            started,
                            queued,
                            key_of,
                            version,
                        )
                        continue
                    if not fits:
                        heap, size = _push(heap, size, entry[0], entry[1], item, stage, entry[4])
                        retired[e] = True
                        state[e] = RETIRED
                        timer[e] = np.inf
                        break
                    started[item] = True
                    queued[item] = False
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
                    log_review(
                        log, n_log, item, e, stage, now, finish, seconds, usd, label, segments
                    )
                    n_log += 1
                    state[e] = BUSY
                    timer[e] = finish
                    window[e] = w_end
                    job_item[e] = item
                    job_stage[e] = stage
                    job_label[e] = label
                    break

        # the run ends once nothing is queued or running, or every expert retired
        if (n_live == 0 and running == 0) or (running == 0 and retired.all()):
            finished = True
        if first_pass:
            first_pass = False
            if finished:
                break
            first_windows(state, timer, window, window_start, offsets)
            continue
        if finished:
            break
    return n_log, audit_items, frozen
