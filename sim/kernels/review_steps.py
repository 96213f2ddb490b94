"""The steps both compiled review loops share (:mod:`sim.kernels.review_loop`,
:mod:`sim.kernels.learning_loop`): the experts' timers at an instant, a finished review's step
in its item's chain, the queue entry a free expert takes, what a review would cost, the label it
gives and its row of the log. They allocate nothing and compile without the
runtime's reference counts (:func:`~sim.kernels.njit_no_refcounts`)."""

from __future__ import annotations

import math

import numpy as np

from sim.kernels import njit_no_refcounts
from sim.kernels.agreement import agrees_one
from sim.kernels.calendar import finish_of_work
from sim.kernels.review_queue import heap_push, pop_next
from sim.kernels.world import review_draw, review_wrong_label

OFF, FREE, BUSY, DONE = 0, 1, 2, 3


@njit_no_refcounts
def _at_window(
    e: int,
    state: np.ndarray,
    timer: np.ndarray,
    window: np.ndarray,
    window_start: np.ndarray,
    offsets: np.ndarray,
) -> None:
    """Expert ``e`` off until window ``window[e]`` opens, or done past their last window."""
    if window[e] < offsets[e + 1]:
        state[e] = OFF
        timer[e] = window_start[window[e]]
    else:
        state[e] = DONE
        timer[e] = np.inf


@njit_no_refcounts
def _next_window(
    e: int,
    state: np.ndarray,
    timer: np.ndarray,
    window: np.ndarray,
    window_start: np.ndarray,
    offsets: np.ndarray,
) -> None:
    window[e] += 1
    _at_window(e, state, timer, window, window_start, offsets)


@njit_no_refcounts
def first_windows(
    state: np.ndarray,
    timer: np.ndarray,
    window: np.ndarray,
    window_start: np.ndarray,
    offsets: np.ndarray,
) -> None:
    """Every expert off until their first window opens (``window`` holds its index), or done
    when they have none."""
    for e in range(state.shape[0]):
        _at_window(e, state, timer, window, window_start, offsets)


@njit_no_refcounts
def advance_experts(
    t: float,
    state: np.ndarray,
    timer: np.ndarray,
    window: np.ndarray,
    window_start: np.ndarray,
    window_end: np.ndarray,
    offsets: np.ndarray,
    completed: np.ndarray,
) -> tuple[int, bool]:
    """Every expert whose timer is ``t`` moves on: a finished review frees its expert (into
    ``completed``, in expert order), an opening window makes its expert free, a closing one
    sends its expert to the next window. Returns how many reviews finished and whether any
    expert became free (a dispatch)."""
    n_completed = 0
    dispatch = False
    for e in range(state.shape[0]):
        if timer[e] != t:
            continue
        s = state[e]
        if s == BUSY:
            completed[n_completed] = e
            n_completed += 1
            dispatch = True
            if t >= window_end[window[e]]:
                _next_window(e, state, timer, window, window_start, offsets)
            else:
                state[e] = FREE
                timer[e] = window_end[window[e]]
        elif s == OFF:
            state[e] = FREE
            timer[e] = window_end[window[e]]
            dispatch = True
        elif s == FREE:
            _next_window(e, state, timer, window, window_start, offsets)
    return n_completed, dispatch


@njit_no_refcounts
def chain_step(
    item: int,
    stage: int,
    label: float,
    first_label: np.ndarray,
    double_review: bool,
    value_kind: np.ndarray,
    rule: np.ndarray,
) -> tuple[bool, float]:
    """A review of ``item`` at ``stage`` finished with ``label``: is the item's chain complete
    (single review; two agreeing reviews; an adjudication), and its verdict if so (the first
    review's label when the second agrees). Keeps the first review's label."""
    if stage == 0:
        first_label[item] = label
        return not double_review, label
    if stage == 1:
        return agrees_one(label, first_label[item], value_kind[item], rule), first_label[item]
    return True, label


@njit_no_refcounts
def pop_eligible(
    e: int,
    heap: np.ndarray,
    size: int,
    ranked_item: np.ndarray,
    ranked_seq: np.ndarray,
    front: int,
    n_ranked: int,
    entry: np.ndarray,
    skipped: np.ndarray,
    version: np.ndarray,
    started: np.ndarray,
    reviewer: np.ndarray,
) -> tuple[int, int, bool]:
    """:meth:`sim.engines.queue.ReviewQueue.pop_eligible`: take into ``entry`` the first live
    entry (:func:`~sim.kernels.review_queue.pop_next` order) of a stage expert ``e`` did not
    review an earlier stage of; the entries skipped for that go back. Returns the heap's size,
    the ranked array's front and whether an entry was found."""
    n_skipped = 0
    found = False
    while size > 0 or front < n_ranked:
        size, front = pop_next(heap, size, ranked_item, ranked_seq, front, n_ranked, entry)
        item = int(entry[2])
        stage = int(entry[3])
        if stage == 0 and (entry[4] != version[item] or started[item]):
            continue
        mine = False
        for r in range(stage):
            if reviewer[item, r] == e:
                mine = True
        if mine:
            for c in range(5):
                skipped[n_skipped, c] = entry[c]
            n_skipped += 1
            continue
        found = True
        break
    for k in range(n_skipped):
        size = heap_push(
            heap, size, skipped[k, 0], skipped[k, 1], skipped[k, 2], skipped[k, 3], skipped[k, 4]
        )
    return size, front, found


@njit_no_refcounts
def review_cost(
    review_key: np.uint64,
    item: int,
    stage: int,
    e: int,
    stratum: np.ndarray,
    group: np.ndarray,
    s_complexity: np.ndarray,
    median_minutes: float,
    sigma: float,
    specialty: np.ndarray,
    slowdown: float,
    usd_per_hour: np.ndarray,
    window_start: np.ndarray,
    window_end: np.ndarray,
    window: int,
    window_stop: int,
    now: float,
) -> tuple[float, float, float, int, int, float]:
    """What review ``(item, stage)`` by expert ``e``, started at ``now`` in ``window``, takes:
    ``(seconds, usd, finish second, window of the finish, segments, error uniform)``; the
    finish is ``inf`` when the expert's windows run out first."""
    minutes, error_u = review_draw(
        review_key, item, stage, stratum[item], s_complexity, median_minutes, sigma
    )
    if not specialty[e, group[item]]:
        minutes *= slowdown
    seconds = max(1.0, np.rint(minutes * 60.0))
    usd = seconds / 3600.0 * usd_per_hour[e]
    finish, w_end, segments = finish_of_work(
        window_start, window_end, window, window_stop, now, seconds
    )
    return seconds, usd, finish, w_end, segments, error_u


@njit_no_refcounts
def fits_budgets(
    finish: float,
    seconds: float,
    usd: float,
    spent_seconds: float,
    spent_usd: float,
    budget_seconds: float,
    budget_usd: float,
) -> bool:
    """Does a review finish inside the windows and within both budgets?"""
    return (
        math.isfinite(finish)
        and spent_seconds + seconds <= budget_seconds
        and spent_usd + usd <= budget_usd
    )


@njit_no_refcounts
def review_label(
    review_key: np.uint64,
    item: int,
    stage: int,
    error_u: float,
    error_probability: float,
    stratum: np.ndarray,
    value_kind: np.ndarray,
    truth: np.ndarray,
    s_lo: np.ndarray,
    s_hi: np.ndarray,
    s_ncat: np.ndarray,
    profile: np.ndarray,
    rule: np.ndarray,
) -> float:
    """The label of review ``(item, stage)``: the truth, or a wrong label when the expert
    errs (``error_u`` below their error probability)."""
    if error_u < error_probability:
        return review_wrong_label(
            review_key,
            item,
            stage,
            stratum[item],
            value_kind[item],
            truth[item],
            s_lo,
            s_hi,
            s_ncat,
            profile,
            rule,
        )
    return float(truth[item])


@njit_no_refcounts
def log_review(
    log: np.ndarray,
    row: int,
    item: int,
    e: int,
    stage: int,
    now: float,
    finish: float,
    seconds: float,
    usd: float,
    label: float,
    segments: int,
) -> None:
    """Write a started review to row ``row`` of the log (columns of
    :func:`sim.kernels.review_loop.review_loop`)."""
    log[row, 0] = item
    log[row, 1] = e
    log[row, 2] = stage + 1
    log[row, 3] = now
    log[row, 4] = finish
    log[row, 5] = seconds
    log[row, 6] = usd
    log[row, 7] = label
    log[row, 8] = segments
