"""Whole replications of the learning policy in compiled code: the steps of
:func:`sim.replication.run_replication` with :class:`sim.policies.learning.LearningTriage`'s
triage, reviews, re-run, final labels and estimates, from the same kernels, so the same numbers.
A replication is three calls, each releasing the GIL: :func:`prepare` (world, recomputation,
triage), the event loop with the policy's hooks
(:func:`sim.kernels.learning_loop.learning_review_loop`, the one the step-by-step path calls)
and :func:`conclude` (freeze, re-run, final labels, estimates, metrics). Three calls rather than
one kernel: one kernel would compile the loop again inside its own compile, after a cold start
had the second core compile it already, and re-optimize it with everything else (32 s against
about 20 s for a first run). The policy's NumPy generator is an argument (``thompson`` samples
with it; the audit's sample is drawn with it in object mode).

``learning`` is float64 ``[contentious_threshold, diversity, yield_window, expert_hours_budget,
rerun success_probability, rerun wrong_fix_probability, rerun usd_per_item, rerun
seconds_per_item]``; ``stratum_minutes`` ``(S,)`` the expected expert minutes of a verdict on an
item of each stratum; ``estimates`` receives :data:`ESTIMATES` (10 values)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.kernels import kernel
from sim.kernels.agreement import agrees_one, rule_values
from sim.kernels.beliefs import (
    fallback_wrong,
    original_wrong_params,
    pairwise_sum,
    recompute_right_params,
)
from sim.kernels.estimation import ppi_estimate, wilson_estimate
from sim.kernels.learning import (
    AGREEING,
    CONTENTIOUS,
    NO_CONSENSUS,
    P_EXPERT_ERROR,
    P_PRIOR_RECOMPUTE_RIGHT,
    P_STRENGTH,
    lead_each_stratum,
    strategy_keys,
)
from sim.kernels.metrics import PROPAGATED
from sim.kernels.policies import DROPPED, EXPERT, ORIGINAL, RECOMPUTED, disagreement
from sim.kernels.predictor import features, predicted_wrong, support_of
from sim.kernels.random import next_u64
from sim.kernels.replications import (
    CALENDAR,
    DOWNSTREAM,
    RECOMPUTE,
    REVIEWS,
    WORLD,
    expert_windows,
    recomputation,
    record_outcomes,
    world_items,
)
from sim.kernels.rerun import rerun_labels, revealed_strata

RERUN = 7
"""The re-run's stream: :data:`sim.replication.STREAMS` has eight, the kernel policies' seven."""
N_STREAMS = 8
ESTIMATES = (
    "residual_estimate_naive",
    "residual_estimate_naive_ci_low",
    "residual_estimate_naive_ci_high",
    "residual_estimate_audit",
    "residual_estimate_audit_ci_low",
    "residual_estimate_audit_ci_high",
    "residual_estimate_ppi",
    "residual_estimate_ppi_ci_low",
    "residual_estimate_ppi_ci_high",
    "audit_items_reviewed",
)
L_THRESHOLD, L_DIVERSITY, L_WINDOW, L_HOURS = 0, 1, 2, 3
L_RERUN_SUCCESS, L_RERUN_WRONG_FIX, L_RERUN_USD, L_RERUN_SECONDS = 4, 5, 6, 7
N_LEARNING = 8
FIRST_ROUND = 1.0e3


@kernel
def item_classes(
    original: np.ndarray,
    kind: np.ndarray,
    consensus: np.ndarray,
    recomputed: np.ndarray,
    threshold: float,
) -> np.ndarray:
    """Each item's class (:func:`sim.policies.beliefs.item_classes`): contentious when the
    consensus contradicts the original by more than ``threshold`` (an N/A or mismatched
    recomputation always does), no-consensus without consensus, else agreeing."""
    n = original.shape[0]
    d = np.empty(n)
    disagreement(original, kind, consensus, recomputed, d)
    cls = np.empty(n, dtype=np.int8)
    for i in range(n):
        if math.isnan(d[i]):
            cls[i] = CONTENTIOUS if threshold < 0.0 else NO_CONSENSUS
        elif d[i] > threshold:
            cls[i] = CONTENTIOUS
        else:
            cls[i] = AGREEING
    return cls


@kernel
def strata_listing(stratum: np.ndarray, n_strata: int) -> tuple[np.ndarray, np.ndarray]:
    """The items stratum by stratum in index order, and where each stratum starts (``S + 1``):
    NumPy's stable argsort of ``stratum`` and its ``searchsorted``."""
    start = np.zeros(n_strata + 1, dtype=np.int64)
    for i in range(stratum.shape[0]):
        start[stratum[i] + 1] += 1
    for s in range(n_strata):
        start[s + 1] += start[s]
    fill = start[:-1].copy()
    items = np.empty(stratum.shape[0], dtype=np.int64)
    for i in range(stratum.shape[0]):
        s = stratum[i]
        items[fill[s]] = i
        fill[s] += 1
    return items, start


@kernel(called_from_python=True)
def frozen_predictions(
    stratum: np.ndarray,
    kind: np.ndarray,
    original: np.ndarray,
    runs: np.ndarray,
    consensus: np.ndarray,
    recomputed: np.ndarray,
    cls: np.ndarray,
    contentious: np.ndarray,
    accepted: np.ndarray,
    triage_verdict: np.ndarray,
    verdict: np.ndarray,
    wrong: np.ndarray,
    seen: np.ndarray,
    rc_right: np.ndarray,
    rc_seen: np.ndarray,
    prior: np.ndarray,
    params: np.ndarray,
    rule: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """What the policy fixes when the audit starts (``LearningTriage._freeze``): which items
    keep their recomputed label (``adopt``), and each item's predicted probability that the
    label it keeps is wrong."""
    n = stratum.shape[0]
    strength = params[P_STRENGTH]
    a, b = original_wrong_params(wrong, seen, prior, strength)
    ra, rb = recompute_right_params(rc_right, rc_seen, params[P_PRIOR_RECOMPUTE_RIGHT], strength)
    p_ow = a / (a + b)
    p_rr = ra / (ra + rb)
    f_cell, adopt = fallback_wrong(np.arange(n), p_ow, p_rr, stratum, cls, contentious)
    kept = np.empty(n)
    for i in range(n):
        takes_recomputed = adopt[i] or (accepted[stratum[i]] and contentious[i])
        kept[i] = recomputed[i] if takes_recomputed else original[i]
    x = features(f_cell, support_of(runs, kept, kind, rule), cls)
    rule_t = rule_values(rule)
    y = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        if triage_verdict[i]:
            y[i] = not agrees_one(kept[i], verdict[i], kind[i], rule_t)
    return adopt, predicted_wrong(x, triage_verdict, y, f_cell)


@kernel(nogil=True)
def prepare(
    states: np.ndarray,
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
    recompute: np.ndarray,
    hours_per_weekday: np.ndarray,
    day_start_second: np.ndarray,
    absence_probability: np.ndarray,
    start_weekday: int,
    is_holiday: np.ndarray,
    stratum_minutes: np.ndarray,
    learning: np.ndarray,
    prior: np.ndarray,
    params: np.ndarray,
    rng: np.random.Generator,
    has_verdict: np.ndarray,
    wrong: np.ndarray,
    seen: np.ndarray,
    rc_right: np.ndarray,
    rc_seen: np.ndarray,
    accepted: np.ndarray,
) -> tuple[Any, ...]:
    """The world, the recomputation and the policy's triage of one replication, from its eight
    streams ``states`` (:data:`sim.replication.STREAMS`) and the policy's generator ``rng``
    (``thompson`` samples the beliefs, which start empty: the state arrays are fresh), and
    when anything is queued the experts' windows and the reviews' key. Returns ``stratum,
    group, kind, truth, original, mode, runs, consensus, recomputed, llm_usd, llm_hours, cls,
    contentious, minutes, keys, stratum_items, stratum_start, any_queued, window_start,
    window_end, offsets, review_key``."""
    stratum, group, kind, truth, original, mode, original_wrong = world_items(
        states[WORLD], size, s_group, s_kind, s_lo, s_hi, s_ncat, s_rate, s_under, profile, rule
    )
    n = stratum.shape[0]
    S = size.shape[0]
    runs, consensus, recomputed, llm_usd, llm_hours = recomputation(
        states[RECOMPUTE],
        stratum,
        kind,
        truth,
        original,
        original_wrong,
        s_lo,
        s_hi,
        s_ncat,
        recompute,
        profile,
        rule,
    )
    cls = item_classes(original, kind, consensus, recomputed, learning[L_THRESHOLD])
    contentious = cls == CONTENTIOUS
    minutes = np.empty(n)
    for i in range(n):
        minutes[i] = stratum_minutes[stratum[i]]
    stratum_items, stratum_start = strata_listing(stratum, S)
    keys = strategy_keys(
        np.arange(n),
        stratum,
        cls,
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
    )
    if learning[L_DIVERSITY] > 0:
        lead_each_stratum(keys, stratum_items, stratum_start, FIRST_ROUND)
    any_queued = False
    for i in range(n):
        if math.isfinite(keys[i]):
            any_queued = True
            break
    ws = np.zeros(0)
    we = np.zeros(0)
    offsets = np.zeros(hours_per_weekday.shape[0] + 1, dtype=np.int64)
    review_key = np.uint64(0)
    if any_queued:
        ws, we, offsets = expert_windows(
            states[CALENDAR],
            hours_per_weekday,
            day_start_second,
            absence_probability,
            start_weekday,
            is_holiday,
        )
        review_key = next_u64(states[REVIEWS])
    return (
        stratum,
        group,
        kind,
        truth,
        original,
        mode,
        runs,
        consensus,
        recomputed,
        llm_usd,
        llm_hours,
        cls,
        contentious,
        minutes,
        keys,
        stratum_items,
        stratum_start,
        any_queued,
        ws,
        we,
        offsets,
        review_key,
    )


@kernel(nogil=True)
def conclude(
    states: np.ndarray,
    size: np.ndarray,
    s_lo: np.ndarray,
    s_hi: np.ndarray,
    s_ncat: np.ndarray,
    profile: np.ndarray,
    rule: np.ndarray,
    budget: np.ndarray,
    model_accuracy: np.ndarray,
    model_blind_spot: np.ndarray,
    learning: np.ndarray,
    prior: np.ndarray,
    params: np.ndarray,
    stratum: np.ndarray,
    group: np.ndarray,
    kind: np.ndarray,
    truth: np.ndarray,
    original: np.ndarray,
    mode: np.ndarray,
    runs: np.ndarray,
    consensus: np.ndarray,
    recomputed: np.ndarray,
    llm_usd: float,
    llm_hours: float,
    cls: np.ndarray,
    contentious: np.ndarray,
    has_verdict: np.ndarray,
    verdict: np.ndarray,
    triage_verdict: np.ndarray,
    wrong: np.ndarray,
    seen: np.ndarray,
    rc_right: np.ndarray,
    rc_seen: np.ndarray,
    accepted: np.ndarray,
    rerun_requested: np.ndarray,
    log: np.ndarray,
    m: int,
    audit_items: np.ndarray,
    frozen: bool,
    unreviewed: np.ndarray,
    expert_label: np.ndarray,
    reviewed: np.ndarray,
    out: np.ndarray,
    board: np.ndarray,
    estimates: np.ndarray,
) -> None:
    """Everything after the reviews of one replication (:func:`prepare`'s outputs, the
    policy's state and the reviews' results): what the policy freezes, the re-run, final
    labels, the estimates into ``estimates``, the metrics into ``out`` and the evaluated
    models' accuracies into ``board``. ``unreviewed`` holds the items without a verdict when
    the loop froze (``frozen``); ``log[:m]`` the reviews."""
    n = stratum.shape[0]
    S = size.shape[0]
    if not frozen:
        for i in range(n):
            unreviewed[i] = not has_verdict[i]
    log = log[:m]
    adopt, predicted = frozen_predictions(
        stratum,
        kind,
        original,
        runs,
        consensus,
        recomputed,
        cls,
        contentious,
        accepted,
        triage_verdict,
        verdict,
        wrong,
        seen,
        rc_right,
        rc_seen,
        prior,
        params,
        rule,
    )

    # the re-run of strata whose verdicts revealed their systematic error
    rerun_label = np.empty(n)
    touched = np.zeros(n, dtype=np.bool_)
    if rerun_requested.any():
        revealed = np.zeros(S, dtype=np.bool_)
        revealed_strata(
            stratum, mode, truth, kind, expert_label, reviewed, rule, rerun_requested, revealed
        )
        usd_left = budget[1] - llm_usd - pairwise_sum(log[:, 6].copy())
        count = 0
        for s in range(S):
            if revealed[s]:
                if (count + size[s]) * learning[L_RERUN_USD] <= usd_left:
                    count += size[s]
                else:
                    revealed[s] = False
        rerun_labels(
            stratum,
            mode,
            truth,
            original,
            kind,
            s_lo,
            s_hi,
            s_ncat,
            revealed,
            learning[L_RERUN_SUCCESS],
            learning[L_RERUN_WRONG_FIX],
            profile,
            rule,
            states[RERUN],
            rerun_label,
            touched,
        )
        n_touched = 0
        for i in range(n):
            n_touched += touched[i]
        llm_usd += n_touched * learning[L_RERUN_USD]
        llm_hours += n_touched * learning[L_RERUN_SECONDS] / 3600.0

    # final labels: the likelier of original and recomputed, accepted strata's recomputed
    # labels, changed re-run labels, then the verdicts
    rule_t = rule_values(rule)
    final = np.empty(n)
    decision = np.empty(n, dtype=np.int8)
    fallback = np.empty(n)
    for i in range(n):
        final[i] = original[i]
        decision[i] = ORIGINAL
        if adopt[i]:
            final[i] = recomputed[i]
            decision[i] = RECOMPUTED
        if accepted[stratum[i]] and contentious[i]:
            final[i] = recomputed[i]
            decision[i] = PROPAGATED
        if touched[i] and not agrees_one(rerun_label[i], original[i], kind[i], rule_t):
            final[i] = rerun_label[i]
            decision[i] = PROPAGATED
        fallback[i] = final[i]
        if reviewed[i]:
            final[i] = expert_label[i]
            decision[i] = EXPERT

    # estimates of the residual error from the verdicts, the audit and the predictions
    audited = np.zeros(n, dtype=np.bool_)
    for k in range(audit_items.shape[0]):
        audited[audit_items[k]] = True
    counts = np.zeros(4, dtype=np.int64)
    n_reviewed = 0
    n_reviewed_contradicted = 0
    n_audit_contradicted = 0
    for i in range(n):
        audited[i] = audited[i] and reviewed[i]
        counts[0] += decision[i] != DROPPED
        counts[1] += triage_verdict[i]
        counts[2] += unreviewed[i]
        counts[3] += audited[i]
        if reviewed[i]:
            contradicted = not agrees_one(fallback[i], expert_label[i], kind[i], rule_t)
            n_reviewed += 1
            n_reviewed_contradicted += contradicted
            if audited[i]:
                n_audit_contradicted += contradicted
    y_audit = np.empty(counts[3], dtype=np.bool_)
    f_audit = np.empty(counts[3])
    f_open = np.empty(counts[2])
    a = 0
    u = 0
    for i in range(n):
        if audited[i]:
            y_audit[a] = not agrees_one(fallback[i], expert_label[i], kind[i], rule_t)
            f_audit[a] = predicted[i]
            a += 1
        if unreviewed[i]:
            f_open[u] = predicted[i]
            u += 1
    e = params[P_EXPERT_ERROR]
    estimates[0], estimates[1], estimates[2] = wilson_estimate(
        counts, e, n_reviewed_contradicted, n_reviewed
    )
    estimates[3], estimates[4], estimates[5] = wilson_estimate(
        counts, e, n_audit_contradicted, counts[3]
    )
    estimates[6], estimates[7], estimates[8] = ppi_estimate(counts, e, y_audit, f_audit, f_open)
    estimates[9] = counts[3]

    record_outcomes(
        truth,
        original,
        kind,
        group,
        final,
        decision,
        expert_label,
        reviewed,
        log,
        rule,
        llm_usd,
        llm_hours,
        model_accuracy,
        model_blind_spot,
        states[DOWNSTREAM],
        out,
        board,
    )
