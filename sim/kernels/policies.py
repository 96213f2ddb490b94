"""The built-in policies' triage and final-label rules as kernels (ids: 0 none, 1 random,
2 disagreement, 3 phased). Decisions: 0 original, 1 recomputed, 2 expert, 3 dropped. Orders
of the contentious items: 0 decreasing disagreement, 1 increasing, 2 random."""

from __future__ import annotations

import math

import numpy as np

from sim.kernels import kernel
from sim.kernels.agreement import relative_disagreement_one
from sim.kernels.order import stable_argsort
from sim.kernels.random import permutation

NONE, RANDOM, DISAGREEMENT, PHASED = 0, 1, 2, 3
ORIGINAL, RECOMPUTED, EXPERT, DROPPED = 0, 1, 2, 3
DECREASING, INCREASING, RANDOM_ORDER = 0, 1, 2
CONTENTIOUS_ORDERS = ("decreasing", "increasing", "random")  # names of the orders, by code


@kernel(called_from_python=True)
def disagreement(
    original: np.ndarray,
    kind: np.ndarray,
    consensus: np.ndarray,
    recomputed: np.ndarray,
    out: np.ndarray,
) -> None:
    """Relative disagreement of the consensus recomputed label with the original (NaN
    without consensus)."""
    for i in range(original.shape[0]):
        out[i] = (
            relative_disagreement_one(recomputed[i], original[i], kind[i])
            if consensus[i]
            else np.nan
        )


@kernel(called_from_python=True)
def triage_keys(
    policy: int,
    original: np.ndarray,
    kind: np.ndarray,
    flagged: np.ndarray,
    consensus: np.ndarray,
    recomputed: np.ndarray,
    threshold: float,
    contentious_order: int,
    audit_first: bool,
    review_rest: bool,
    stream: np.ndarray,
    keys: np.ndarray,
) -> None:
    """Queue keys: lower first, inf for items experts never see. Contentious items (consensus
    that contradicts the original by more than ``threshold``) are ranked by
    ``contentious_order``: decreasing or increasing disagreement (ties by item index), or a
    random permutation drawn from ``stream``; audit-flagged first for phased when
    ``audit_first``. With ``review_rest`` the other items follow: those without consensus
    first, then the rest by decreasing disagreement."""
    n = original.shape[0]
    keys[:] = np.inf
    if policy == NONE:
        return
    if policy == RANDOM:
        perm = permutation(stream, n)
        for i in range(n):
            keys[i] = perm[i]
        return
    d = np.empty(n)
    disagreement(original, kind, consensus, recomputed, d)
    queued = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        if not math.isnan(d[i]) and d[i] > threshold:
            queued[m] = i
            m += 1
    queued = queued[:m]
    rank = np.empty(m)
    if contentious_order == RANDOM_ORDER:
        drawn = permutation(stream, m)
        for q in range(m):
            rank[q] = drawn[q]
    else:
        sign = 1.0 if contentious_order == INCREASING else -1.0
        for q in range(m):
            rank[q] = sign * d[queued[q]]
    order = queued[stable_argsort(rank)]
    if policy == PHASED and audit_first:
        first = np.empty(m, dtype=np.int64)
        f = 0
        for q in range(m):
            if flagged[order[q]]:
                first[f] = order[q]
                f += 1
        for q in range(m):
            if not flagged[order[q]]:
                first[f] = order[q]
                f += 1
        order = first
    for q in range(m):
        keys[order[q]] = q
    if not review_rest:
        return
    nxt = m
    rest = np.empty(n - m, dtype=np.int64)
    r = 0
    for i in range(n):
        if math.isnan(d[i]):
            keys[i] = nxt
            nxt += 1
        elif not d[i] > threshold:
            rest[r] = i
            r += 1
    rest = rest[:r]
    neg_rest = np.empty(r)
    for q in range(r):
        neg_rest[q] = -d[rest[q]]
    rest = rest[stable_argsort(neg_rest)]
    for q in range(r):
        keys[rest[q]] = nxt + q


@kernel(called_from_python=True)
def finalize(
    policy: int,
    reviewed: np.ndarray,
    expert_label: np.ndarray,
    original: np.ndarray,
    consensus: np.ndarray,
    recomputed: np.ndarray,
    final: np.ndarray,
    decision: np.ndarray,
) -> None:
    """Every item's final label and decision: the expert's where reviewed; otherwise the
    original, except for phased: the recomputed label where there is consensus, else dropped."""
    for i in range(original.shape[0]):
        if reviewed[i]:
            final[i] = expert_label[i]
            decision[i] = EXPERT
        elif policy == PHASED:
            if consensus[i]:
                final[i] = recomputed[i]
                decision[i] = RECOMPUTED
            else:
                final[i] = np.nan
                decision[i] = DROPPED
        else:
            final[i] = original[i]
            decision[i] = ORIGINAL
