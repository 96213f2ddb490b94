"""The learning policy's reaction to a verdict, over arrays: the belief update, the stopping
rules and the stratum's new queue keys. :class:`sim.policies.learning.LearningTriage` calls these
from Python (either engine), and :func:`sim.kernels.learning_loop.learning_review_loop` calls
them inside the compiled event loop, so the policy is written once.

State, mutated in place: ``has_verdict``, ``verdict``, ``triage_verdict`` ``(n,)``; the belief
counts ``wrong``, ``seen`` ``(S, 3)`` and ``rc_right``, ``rc_seen`` ``(S,)``
(:mod:`sim.kernels.beliefs`); ``accepted``, ``rerun_requested`` ``(S,)``; the last verdicts'
``window_wrong`` and ``window_minutes`` ``(W,)`` as a ring; ``status`` int64 ``[phase, verdicts
in the window, next ring slot]``. ``params`` is float64 (the ``P_*`` indices).
"""

from __future__ import annotations

import math

import numpy as np

from sim.kernels import kernel, njit_no_refcounts
from sim.kernels.agreement import agrees_one
from sim.kernels.beliefs import (
    fallback_wrong,
    item_key,
    optimistic_right,
    optimistic_wrong,
    original_wrong_params,
    pairwise_sum,
    pooled_beta,
    pooled_original_wrong,
    pooled_recompute_right,
    pooled_recompute_right_in,
    queue_keys,
    recompute_right_params,
)

TRIAGE, DRAINING, AUDIT, DONE = 0, 1, 2, 3
PHASE, WINDOW_COUNT, WINDOW_NEXT = 0, 1, 2
NOTHING, REQUEUE_STRATUM, STOP_TRIAGE = 0, 1, 2
CONTENTIOUS, NO_CONSENSUS, AGREEING = 0, 1, 2
"""Item classes (:func:`sim.policies.beliefs.item_classes`)."""

(
    P_STRENGTH,
    P_PRIOR_RECOMPUTE_RIGHT,
    P_UCB_WIDTH,
    P_ACCEPT_THRESHOLD,
    P_ACCEPT_MIN_VERDICTS,
    P_RERUN_SYSTEMATIC,
    P_MIN_ERRORS_PER_HOUR,
    P_RESIDUAL_TARGET,
    P_Z,
    P_EXPERT_ERROR,
    P_RESERVE_SECONDS,
    P_AUDIT_SHARE,
    P_THOMPSON,
) = range(13)
N_PARAMS = 13


@kernel(called_from_python=True)
def record_verdict(
    item: int,
    label: float,
    stratum: np.ndarray,
    item_class: np.ndarray,
    value_kind: np.ndarray,
    original: np.ndarray,
    consensus: np.ndarray,
    recomputed: np.ndarray,
    minutes: np.ndarray,
    contentious: np.ndarray,
    rule: np.ndarray,
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
) -> int:
    """Learn from the verdict ``label`` on ``item``; returns what the queue needs:
    ``REQUEUE_STRATUM`` (new keys for the item's stratum), ``STOP_TRIAGE`` (a stopping rule
    fired: call :func:`stop_triage`) or ``NOTHING`` (outside triage)."""
    has_verdict[item] = True
    verdict[item] = label
    phase = status[PHASE]
    if phase in (AUDIT, DONE):
        return NOTHING
    triage_verdict[item] = True
    kind = value_kind[item]
    s = stratum[item]
    c = item_class[item]
    original_wrong = not agrees_one(original[item], label, kind, rule)
    recompute_right = consensus[item] and agrees_one(recomputed[item], label, kind, rule)
    update_beliefs(s, c, original_wrong, recompute_right, wrong, seen, rc_right, rc_seen)
    size = window_wrong.shape[0]
    slot = status[WINDOW_NEXT]
    window_wrong[slot] = 1.0 if original_wrong else 0.0
    window_minutes[slot] = minutes[item]
    status[WINDOW_NEXT] = (slot + 1) % size
    status[WINDOW_COUNT] = min(status[WINDOW_COUNT] + 1, size)
    if original_wrong and params[P_RERUN_SYSTEMATIC] > 0:
        rerun_requested[s] = True
    if c == CONTENTIOUS and not accepted[s] and rc_seen[s] >= params[P_ACCEPT_MIN_VERDICTS]:
        strength = params[P_STRENGTH]
        pooled = pooled_recompute_right(
            rc_right, rc_seen, params[P_PRIOR_RECOMPUTE_RIGHT], strength
        )
        ra, rb = pooled_beta(pooled, rc_right[s], rc_seen[s], strength)
        if ra / (ra + rb) >= params[P_ACCEPT_THRESHOLD]:
            accepted[s] = True
    if phase == TRIAGE:
        if should_stop(
            stratum,
            item_class,
            contentious,
            has_verdict,
            wrong,
            seen,
            rc_right,
            rc_seen,
            window_wrong,
            window_minutes,
            status,
            prior,
            params,
        ):
            return STOP_TRIAGE
        return REQUEUE_STRATUM
    return NOTHING


@njit_no_refcounts
def update_beliefs(
    s: int,
    c: int,
    original_wrong: bool,
    recompute_right: bool,
    wrong: np.ndarray,
    seen: np.ndarray,
    rc_right: np.ndarray,
    rc_seen: np.ndarray,
) -> None:
    """One verdict on an item of stratum ``s`` and class ``c``: the counts of its cell, and on
    a contentious item those of the stratum's recomputation."""
    wrong[s, c] += 1.0 if original_wrong else 0.0
    seen[s, c] += 1.0
    if c == CONTENTIOUS:
        rc_right[s] += 1.0 if recompute_right else 0.0
        rc_seen[s] += 1.0


@kernel
def should_stop(
    stratum: np.ndarray,
    item_class: np.ndarray,
    contentious: np.ndarray,
    has_verdict: np.ndarray,
    wrong: np.ndarray,
    seen: np.ndarray,
    rc_right: np.ndarray,
    rc_seen: np.ndarray,
    window_wrong: np.ndarray,
    window_minutes: np.ndarray,
    status: np.ndarray,
    prior: np.ndarray,
    params: np.ndarray,
) -> bool:
    """Has a stopping rule fired: fewer errors per expected expert-hour than the minimum over
    a full window of verdicts (summed oldest first), or a residual upper bound below target?"""
    size = window_wrong.shape[0]
    if params[P_MIN_ERRORS_PER_HOUR] > 0 and status[WINDOW_COUNT] == size:
        found = 0
        total_minutes = 0.0
        oldest = status[WINDOW_NEXT]
        for k in range(size):
            slot = (oldest + k) % size
            found += int(window_wrong[slot])
            total_minutes += window_minutes[slot]
        if found / (total_minutes / 60.0) < params[P_MIN_ERRORS_PER_HOUR]:
            return True
    if params[P_RESIDUAL_TARGET] > 0:
        bound = residual_upper_bound(
            stratum,
            item_class,
            contentious,
            has_verdict,
            wrong,
            seen,
            rc_right,
            rc_seen,
            prior,
            params,
        )
        return bool(bound < params[P_RESIDUAL_TARGET])
    return False


@kernel
def open_items(has_verdict: np.ndarray) -> np.ndarray:
    """The items without a verdict, in index order."""
    return unreviewed_among(np.arange(has_verdict.shape[0]), has_verdict)


@kernel
def unreviewed_among(candidates: np.ndarray, has_verdict: np.ndarray) -> np.ndarray:
    """The ``candidates`` without a verdict, in their order (counted, then listed: plain
    loops compile faster than NumPy's ``flatnonzero``)."""
    m = 0
    for k in range(candidates.shape[0]):
        if not has_verdict[candidates[k]]:
            m += 1
    out = np.empty(m, dtype=np.int64)
    m = 0
    for k in range(candidates.shape[0]):
        if not has_verdict[candidates[k]]:
            out[m] = candidates[k]
            m += 1
    return out


@kernel
def residual_upper_bound(
    stratum: np.ndarray,
    item_class: np.ndarray,
    contentious: np.ndarray,
    has_verdict: np.ndarray,
    wrong: np.ndarray,
    seen: np.ndarray,
    rc_right: np.ndarray,
    rc_seen: np.ndarray,
    prior: np.ndarray,
    params: np.ndarray,
) -> float:
    """One-sided upper bound (``params[P_Z]`` standard deviations) of the residual error rate
    the beliefs imply: expected errors of the items without a verdict (their cells' posterior
    means) and of the verdicts, with the cells' posterior variance and the items' binomial
    variance. Sums in NumPy's order (per cell in item order, vectors pairwise)."""
    n = has_verdict.shape[0]
    S = rc_right.shape[0]
    a, b = original_wrong_params(wrong, seen, prior, params[P_STRENGTH])
    ra, rb = recompute_right_params(
        rc_right, rc_seen, params[P_PRIOR_RECOMPUTE_RIGHT], params[P_STRENGTH]
    )
    p_ow = np.empty_like(a)
    sd_ow = np.empty_like(a)
    for s in range(S):
        for c in range(a.shape[1]):
            total = a[s, c] + b[s, c]
            p_ow[s, c] = a[s, c] / total
            sd_ow[s, c] = math.sqrt(a[s, c] * b[s, c] / (total * total * (total + 1.0)))
    p_rr = np.empty(S)
    sd_rr = np.empty(S)
    for s in range(S):
        total = ra[s] + rb[s]
        p_rr[s] = ra[s] / total
        sd_rr[s] = math.sqrt(ra[s] * rb[s] / (total * total * (total + 1.0)))
    left = open_items(has_verdict)
    n_open = left.shape[0]
    p, adopt = fallback_wrong(left, p_ow, p_rr, stratum, item_class, contentious)
    n_cells = 4 * S
    per_cell = np.zeros(n_cells)
    count = np.zeros(n_cells)
    binomial = np.empty(n_open)
    for k in range(n_open):
        i = left[k]
        s = stratum[i]
        if adopt[k]:
            cell = s * 4 + 3
            per_cell[cell] += sd_rr[s]
        else:
            cell = s * 4 + item_class[i]
            per_cell[cell] += sd_ow[s, item_class[i]]
        count[cell] += 1.0
        binomial[k] = p[k] * (1.0 - p[k])
    cell_var = np.empty(n_cells)
    for cell in range(n_cells):
        cell_sd = per_cell[cell] / count[cell] if count[cell] > 0 else 0.0
        spread = count[cell] * cell_sd
        cell_var[cell] = spread * spread
    e = params[P_EXPERT_ERROR]
    reviewed = float(n - n_open)
    mean = pairwise_sum(p) + e * reviewed
    var = (pairwise_sum(cell_var) + pairwise_sum(binomial)) + e * (1.0 - e) * reviewed
    return float((mean + params[P_Z] * math.sqrt(var)) / n)


@kernel(called_from_python=True)
def lead_each_stratum(
    keys: np.ndarray, stratum_items: np.ndarray, stratum_start: np.ndarray, offset: float
) -> None:
    """Move each stratum's first item in queue order (the lowest key, the first on ties) ahead
    by ``offset``: ``keys`` ``(n,)`` in place, strata listed as in :func:`open_items_of_stratum`."""
    for s in range(stratum_start.shape[0] - 1):
        lo, hi = stratum_start[s], stratum_start[s + 1]
        if hi > lo:
            best = stratum_items[lo]
            for k in range(lo + 1, hi):
                if keys[stratum_items[k]] < keys[best]:
                    best = stratum_items[k]
            keys[best] -= offset


@kernel
def open_items_of_stratum(
    s: int, stratum_items: np.ndarray, stratum_start: np.ndarray, has_verdict: np.ndarray
) -> np.ndarray:
    """The items of stratum ``s`` without a verdict, in index order (``stratum_items`` lists
    the items stratum by stratum, from ``stratum_start[s]``)."""
    return unreviewed_among(stratum_items[stratum_start[s] : stratum_start[s + 1]], has_verdict)


@kernel
def strategy_keys(
    items: np.ndarray,
    stratum: np.ndarray,
    item_class: np.ndarray,
    contentious: np.ndarray,
    minutes: np.ndarray,
    has_verdict: np.ndarray,
    wrong: np.ndarray,
    seen: np.ndarray,
    rc_right: np.ndarray,
    rc_seen: np.ndarray,
    accepted: np.ndarray,
    prior: np.ndarray,
    params: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Queue keys of ``items`` from the beliefs as the strategy reads them: sampled with the
    policy's generator ``rng`` (``thompson``: every cell's original, then every stratum's
    recomputation, in C order, as ``rng.beta`` on the arrays draws them), else at
    ``params[P_UCB_WIDTH]`` standard deviations (``ucb``; 0 for ``greedy``)."""
    strength = params[P_STRENGTH]
    if params[P_THOMPSON] > 0:
        a, b = original_wrong_params(wrong, seen, prior, strength)
        ra, rb = recompute_right_params(
            rc_right, rc_seen, params[P_PRIOR_RECOMPUTE_RIGHT], strength
        )
        p_ow = np.empty_like(a)
        for s in range(a.shape[0]):
            for c in range(a.shape[1]):
                p_ow[s, c] = rng.beta(a[s, c], b[s, c])
        p_rr = np.empty_like(ra)
        for s in range(ra.shape[0]):
            p_rr[s] = rng.beta(ra[s], rb[s])
    else:
        # Only the strata of ``items`` are read: their cells alone are computed, from the
        # same pooled priors and formulas as the whole table.
        p_ow = np.empty(wrong.shape)
        p_rr = np.empty(rc_right.shape[0])
        pooled = np.empty(wrong.shape[1])
        for c in range(wrong.shape[1]):
            pooled[c] = pooled_original_wrong(wrong, seen, prior, strength, c)
        pooled_rr = pooled_recompute_right(
            rc_right, rc_seen, params[P_PRIOR_RECOMPUTE_RIGHT], strength
        )
        width = params[P_UCB_WIDTH]
        last = -1
        for k in range(items.shape[0]):
            s = stratum[items[k]]
            if s == last:
                continue
            last = s
            for c in range(wrong.shape[1]):
                a_sc, b_sc = pooled_beta(pooled[c], wrong[s, c], seen[s, c], strength)
                p_ow[s, c] = optimistic_wrong(a_sc, b_sc, width)
            ra_s, rb_s = pooled_beta(pooled_rr, rc_right[s], rc_seen[s], strength)
            p_rr[s] = optimistic_right(ra_s, rb_s, width)
    return queue_keys(
        items, p_ow, p_rr, stratum, item_class, contentious, minutes, accepted, has_verdict
    )


@kernel
def rekey_stratum(
    s: int,
    stratum_items: np.ndarray,
    stratum_start: np.ndarray,
    item_class: np.ndarray,
    contentious: np.ndarray,
    minutes: np.ndarray,
    has_verdict: np.ndarray,
    wrong: np.ndarray,
    seen: np.ndarray,
    rc_right: np.ndarray,
    rc_seen: np.ndarray,
    accepted: np.ndarray,
    prior: np.ndarray,
    params: np.ndarray,
    rng: np.random.Generator,
    pooled: np.ndarray,
    p_ow: np.ndarray,
    p_rr: np.ndarray,
    rates: np.ndarray,
    items: np.ndarray,
    keys: np.ndarray,
) -> int:
    """:func:`open_items_of_stratum` ``(s)`` and their :func:`strategy_keys` into ``items``
    and ``keys`` (``(n,)``); returns how many. Allocates nothing: ``pooled`` ``(3,)``, ``p_ow``
    ``(S, 3)``, ``p_rr`` and ``rates`` ``(S,)`` are scratch. ``thompson`` draws every cell in C
    order, as the policy does."""
    m = 0
    for k in range(stratum_start[s], stratum_start[s + 1]):
        i = stratum_items[k]
        if not has_verdict[i]:
            items[m] = i
            m += 1
    strength = params[P_STRENGTH]
    n_strata, n_classes = wrong.shape
    for c in range(n_classes):
        pooled[c] = pooled_original_wrong(wrong, seen, prior, strength, c)
    pooled_rr = pooled_recompute_right_in(
        rc_right, rc_seen, params[P_PRIOR_RECOMPUTE_RIGHT], strength, rates
    )
    if params[P_THOMPSON] > 0:  # every cell's original, then every stratum's recomputation
        for t in range(n_strata):
            for c in range(n_classes):
                a, b = pooled_beta(pooled[c], wrong[t, c], seen[t, c], strength)
                p_ow[t, c] = rng.beta(a, b)
        for t in range(n_strata):
            ra, rb = pooled_beta(pooled_rr, rc_right[t], rc_seen[t], strength)
            p_rr[t] = rng.beta(ra, rb)
    else:  # only stratum s is read
        width = params[P_UCB_WIDTH]
        for c in range(n_classes):
            a, b = pooled_beta(pooled[c], wrong[s, c], seen[s, c], strength)
            p_ow[s, c] = optimistic_wrong(a, b, width)
        ra, rb = pooled_beta(pooled_rr, rc_right[s], rc_seen[s], strength)
        p_rr[s] = optimistic_right(ra, rb, width)
    for k in range(m):
        i = items[k]
        keys[k] = item_key(
            i,
            p_ow[s, item_class[i]],
            p_rr[s],
            contentious[i],
            minutes[i],
            accepted[s],
            has_verdict[i],
        )
    return m


def audit_sample(
    rng: np.random.Generator, left: np.ndarray, minutes: np.ndarray, share_minutes: float
) -> tuple[np.ndarray, np.ndarray]:
    """The audit's items (sorted) and their queue keys (a random order): as many of the items
    ``left`` as the audit's share could buy, a quarter more, so the budget rather than the
    count usually ends it. Drawn with NumPy's generator, in Python."""
    k = min(left.size, math.ceil(1.25 * share_minutes / float(minutes[left].mean())))
    items = np.sort(rng.choice(left, size=k, replace=False)).astype(np.int64)
    return items, rng.permutation(k).astype(np.float64)


GENERATORS: dict[int, np.random.Generator] = {}
"""The generators of the policies whose reviews run in the compiled loop, by token: the loop
draws the audit's sample with its policy's generator in object mode, where only numbers and
arrays can be handed over."""


def register_generator(rng: np.random.Generator) -> int:
    """Register ``rng`` for the audit's sample in the compiled loop; returns its token."""
    token = id(rng)
    GENERATORS[token] = rng
    return token


def release_generator(token: int) -> None:
    """Forget the generator registered as ``token``."""
    GENERATORS.pop(token, None)


def audit_sample_of(
    token: int, left: np.ndarray, minutes: np.ndarray, share_minutes: float
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`audit_sample` with the generator registered as ``token`` in :data:`GENERATORS`.
    Called from the compiled loop in object mode."""
    return audit_sample(GENERATORS[token], left, minutes, share_minutes)
