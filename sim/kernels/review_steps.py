"""The steps both compiled review loops share (:mod:`sim.kernels.review_loop`,
:mod:`sim.kernels.learning_loop`): the experts' timers at an instant, what a review would cost,
the label it gives and its row of the log. They allocate nothing and compile without the
runtime's reference counts (:func:`~sim.kernels.njit_no_refcounts`)."""

from __future__ import annotations

import math

import numpy as np

from sim.kernels import njit_no_refcounts
from sim.kernels.calendar import finish_of_work
from sim.kernels.world import review_draw, review_wrong_label

OFF, FREE, BUSY, DONE = 0, 1, 2, 3


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
    if window[e] < offsets[e + 1]:
        state[e] = OFF
        timer[e] = window_start[window[e]]
    else:
        state[e] = DONE
        timer[e] = np.inf


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
