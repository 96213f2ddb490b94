"""The learning policy's arithmetic over arrays: Beta-Binomial beliefs per stratum and item class,
the probabilities a strategy scores with, and queue keys. Sums follow NumPy's order (sequential
down a column, pairwise along a vector), so these give the same numbers to the last bit as the
same formulas written with NumPy.

Counts: ``wrong`` and ``seen`` ``(S, 3)`` per stratum and class; ``rc_right`` and ``rc_seen``
``(S,)`` for contentious verdicts on the recomputed label."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.kernels import kernel, njit_no_refcounts

TIE = 1.0e-12
"""Per item index, so that equal scores still give distinct keys (lower index first)."""
_PAIRWISE_BLOCK = 128


@kernel
def _block_sum(a: np.ndarray, start: int, n: int) -> float:
    """NumPy's sum of at most 128 values: in order below 8, else eight interleaved
    accumulators added as a tree, then the rest in order."""
    if n < 8:
        total = 0.0
        for i in range(start, start + n):
            total += a[i]
        return total
    r0, r1, r2, r3 = a[start], a[start + 1], a[start + 2], a[start + 3]
    r4, r5, r6, r7 = a[start + 4], a[start + 5], a[start + 6], a[start + 7]
    i = 8
    while i < n - n % 8:
        j = start + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += a[start + i]
        i += 1
    return float(total)


@kernel
def pairwise_sum(a: np.ndarray) -> float:
    """The sum of vector ``a`` in NumPy's pairwise order, which is what ``np.sum`` returns:
    blocks of up to 128 (:func:`_block_sum`), and above that the sum of two halves (the first
    a multiple of 8), walked with an explicit stack (a recursive kernel cannot be cached)."""
    n = a.shape[0]
    if n <= _PAIRWISE_BLOCK:
        return _block_sum(a, 0, n)
    depth = 2 * (int(math.log2(n)) + 2)
    frame_start = np.empty(depth, dtype=np.int64)
    frame_n = np.empty(depth, dtype=np.int64)
    frame_step = np.zeros(depth, dtype=np.int8)  # 0: first half next, 1: second, 2: add
    frame_left = np.empty(depth)
    frame_start[0], frame_n[0], frame_step[0] = 0, n, 0
    top = 1
    returned = 0.0
    while top > 0:
        f = top - 1
        start, m = frame_start[f], frame_n[f]
        half = m // 2 - (m // 2) % 8
        if m <= _PAIRWISE_BLOCK:
            returned = _block_sum(a, start, m)
            top -= 1
        elif frame_step[f] == 0:
            frame_step[f] = 1
            frame_start[top], frame_n[top], frame_step[top] = start, half, 0
            top += 1
        elif frame_step[f] == 1:
            frame_left[f] = returned
            frame_step[f] = 2
            frame_start[top], frame_n[top], frame_step[top] = start + half, m - half, 0
            top += 1
        else:
            returned = frame_left[f] + returned
            top -= 1
    return returned


@kernel(called_from_python=True)
def original_wrong_params(
    wrong: np.ndarray, seen: np.ndarray, prior: np.ndarray, strength: float
) -> tuple[np.ndarray, np.ndarray]:
    """Beta ``(a, b)`` ``(S, 3)`` that the original is wrong, per stratum and class: each
    class's prior is centred on the pooled rate, the mean of the observed strata's rates with
    ``prior`` ``(3,)`` as ``strength`` observations."""
    S, C = wrong.shape
    a = np.empty((S, C))
    b = np.empty((S, C))
    for c in range(C):
        pooled = pooled_original_wrong(wrong, seen, prior, strength, c)
        for s in range(S):
            a[s, c], b[s, c] = pooled_beta(pooled, wrong[s, c], seen[s, c], strength)
    return a, b


@njit(cache=True, inline="always")
def pooled_beta(
    pooled: float, successes: float, trials: float, strength: float
) -> tuple[float, float]:
    """One cell's Beta ``(a, b)``: its prior, ``strength`` observations at the ``pooled``
    mean, updated with ``successes`` of ``trials``."""
    return strength * pooled + successes, strength * (1.0 - pooled) + trials - successes


@njit_no_refcounts
def pooled_original_wrong(
    wrong: np.ndarray, seen: np.ndarray, prior: np.ndarray, strength: float, c: int
) -> float:
    """The prior mean of class ``c`` that every stratum's belief is centred on: the observed
    strata's rates (summed in stratum order) and ``prior[c]`` as ``strength`` observations."""
    rate_sum = 0.0
    observed = 0
    for s in range(wrong.shape[0]):
        if seen[s, c] > 0:
            rate_sum += wrong[s, c] / seen[s, c]
            observed += 1
    return float((rate_sum + strength * prior[c]) / (float(observed) + strength))


@kernel(called_from_python=True)
def recompute_right_params(
    rc_right: np.ndarray, rc_seen: np.ndarray, prior: float, strength: float
) -> tuple[np.ndarray, np.ndarray]:
    """Beta ``(a, b)`` ``(S,)`` that a contentious item's recomputed label is right, pooled
    like :func:`original_wrong_params`."""
    S = rc_right.shape[0]
    pooled = pooled_recompute_right(rc_right, rc_seen, prior, strength)
    a = np.empty(S)
    b = np.empty(S)
    for s in range(S):
        a[s], b[s] = pooled_beta(pooled, rc_right[s], rc_seen[s], strength)
    return a, b


@kernel
def pooled_recompute_right(
    rc_right: np.ndarray, rc_seen: np.ndarray, prior: float, strength: float
) -> float:
    """The prior mean every stratum's recomputation belief is centred on, pooled like
    :func:`pooled_original_wrong` (the rates summed in NumPy's pairwise order)."""
    return pooled_recompute_right_in(
        rc_right, rc_seen, prior, strength, np.empty(rc_right.shape[0])
    )


@kernel
def pooled_recompute_right_in(
    rc_right: np.ndarray, rc_seen: np.ndarray, prior: float, strength: float, rates: np.ndarray
) -> float:
    """:func:`pooled_recompute_right` with ``rates`` ``(S,)`` as scratch."""
    observed = 0
    for s in range(rc_right.shape[0]):
        rates[s] = 0.0
        if rc_seen[s] > 0:
            rates[s] = rc_right[s] / rc_seen[s]
            observed += 1
    return float((pairwise_sum(rates) + strength * prior) / (float(observed) + strength))


@njit(cache=True, inline="always")
def _beta_mean(a: float, b: float) -> float:
    return a / (a + b)


@njit(cache=True, inline="always")
def _beta_sd(a: float, b: float) -> float:
    n = a + b
    return math.sqrt(a * b / (n * n * (n + 1.0)))


@kernel
def optimistic_probabilities(
    a: np.ndarray, b: np.ndarray, ra: np.ndarray, rb: np.ndarray, width: float
) -> tuple[np.ndarray, np.ndarray]:
    """P(original wrong) ``(S, 3)`` and P(recomputed right) ``(S,)`` at ``width`` standard
    deviations on the side that favours review (up for wrong, down for right), clipped to
    [0, 1]. ``width = 0`` gives the means exactly (adding ``0 * sd`` changes no bit)."""
    S, C = a.shape
    p_ow = np.empty((S, C))
    p_rr = np.empty(S)
    for s in range(S):
        for c in range(C):
            p_ow[s, c] = optimistic_wrong(a[s, c], b[s, c], width)
        p_rr[s] = optimistic_right(ra[s], rb[s], width)
    return p_ow, p_rr


@njit(cache=True, inline="always")
def optimistic_wrong(a: float, b: float, width: float) -> float:
    """:func:`optimistic_probabilities` of one cell's original."""
    return min(max(_beta_mean(a, b) + width * _beta_sd(a, b), 0.0), 1.0)


@njit(cache=True, inline="always")
def optimistic_right(a: float, b: float, width: float) -> float:
    """:func:`optimistic_probabilities` of one stratum's recomputation."""
    return min(max(_beta_mean(a, b) - width * _beta_sd(a, b), 0.0), 1.0)


@njit(cache=True, inline="always")
def _fallback_one(
    p_original_wrong: float, p_recompute_right: float, contentious: bool
) -> tuple[float, bool]:
    """One item's :func:`fallback_wrong`."""
    adopt = contentious and p_recompute_right > 1.0 - p_original_wrong
    return (1.0 - p_recompute_right if adopt else p_original_wrong), adopt


@kernel
def fallback_wrong(
    items: np.ndarray,
    p_ow: np.ndarray,
    p_rr: np.ndarray,
    stratum: np.ndarray,
    item_class: np.ndarray,
    contentious: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """For ``items``: the probability that the label an unreviewed item keeps is wrong when
    the policy keeps the likelier label, and whether that is the recomputed one (a contentious
    item whose recomputation is likelier right than its original)."""
    m = items.shape[0]
    wrong = np.empty(m)
    adopt = np.empty(m, dtype=np.bool_)
    for k in range(m):
        i = items[k]
        s = stratum[i]
        wrong[k], adopt[k] = _fallback_one(p_ow[s, item_class[i]], p_rr[s], contentious[i])
    return wrong, adopt


@kernel(called_from_python=True)
def queue_keys(
    items: np.ndarray,
    p_ow: np.ndarray,
    p_rr: np.ndarray,
    stratum: np.ndarray,
    item_class: np.ndarray,
    contentious: np.ndarray,
    minutes: np.ndarray,
    accepted: np.ndarray,
    has_verdict: np.ndarray,
) -> np.ndarray:
    """Queue keys of ``items``: minus the expected corrections per expert-minute, plus
    ``TIE`` per item index; ``inf`` (not queued) for items with a verdict and for contentious
    items of a stratum whose recomputation was accepted."""
    keys = np.empty(items.shape[0])
    for k in range(items.shape[0]):
        i = items[k]
        s = stratum[i]
        keys[k] = item_key(
            i,
            p_ow[s, item_class[i]],
            p_rr[s],
            contentious[i],
            minutes[i],
            accepted[s],
            has_verdict[i],
        )
    return keys


@njit(cache=True, inline="always")
def item_key(
    i: int,
    p_original_wrong: float,
    p_recompute_right: float,
    contentious: bool,
    minutes: float,
    accepted: bool,
    has_verdict: bool,
) -> float:
    """One item's :func:`queue_keys` from its cell's probabilities."""
    if has_verdict or (accepted and contentious):
        return np.inf
    value, _ = _fallback_one(p_original_wrong, p_recompute_right, contentious)
    return -value / minutes + TIE * float(i)
