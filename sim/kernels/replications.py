"""Whole replications in compiled code: the same steps as :func:`sim.replication.run_replication`
with the same kernels. Replication ``r`` reads only its own streams and writes only ``out[r]``,
so the engine can share the replications out to threads in any split
(:mod:`sim.engines.threads`) and the results do not depend on it. The kernel releases the GIL."""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels import kernel, world
from sim.kernels.agreement import agrees_one, rule_values
from sim.kernels.leaderboard import N_LEADERBOARD_METRICS, leaderboard_metrics, model_accuracies
from sim.kernels.metrics import N_METRICS, replication_metrics
from sim.kernels.policies import finalize, triage_keys
from sim.kernels.random import next_u64, states_from_pool
from sim.kernels.review_loop import review_loop

WORLD, AUDIT, RECOMPUTE, REVIEWS, CALENDAR, POLICY, DOWNSTREAM = 0, 1, 2, 3, 4, 5, 6
N_STREAMS = 7


@njit(cache=True, inline="always")
def world_items(
    stream: np.ndarray,
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
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The benchmark's items from the world stream: ``stratum, group, kind, truth, original,
    error mode`` and whether the original is wrong."""
    n = int(size.sum())
    S = size.shape[0]
    stratum = np.empty(n, dtype=np.int32)
    group = np.empty(n, dtype=np.int32)
    kind = np.empty(n, dtype=np.int8)
    truth = np.empty(n)
    original = np.empty(n)
    mode = np.empty(n, dtype=np.int8)
    rate = np.empty(S)
    world.generate_benchmark(
        size,
        s_group,
        s_kind,
        s_lo,
        s_hi,
        s_ncat,
        s_rate,
        s_under,
        profile,
        rule,
        stream,
        stratum,
        group,
        kind,
        truth,
        original,
        mode,
        rate,
    )
    wrong = np.empty(n, dtype=np.bool_)
    rule_t = rule_values(rule)
    for i in range(n):
        wrong[i] = not agrees_one(original[i], truth[i], kind[i], rule_t)
    return stratum, group, kind, truth, original, mode, wrong


@njit(cache=True, inline="always")
def recomputation(
    stream: np.ndarray,
    stratum: np.ndarray,
    kind: np.ndarray,
    truth: np.ndarray,
    original: np.ndarray,
    wrong: np.ndarray,
    s_lo: np.ndarray,
    s_hi: np.ndarray,
    s_ncat: np.ndarray,
    recompute: np.ndarray,
    profile: np.ndarray,
    rule: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    """The recomputation verifier's runs ``(n, k)``, consensus, consensus label, dollars and
    LLM-hours (``recompute`` as in :func:`run_one`)."""
    n = stratum.shape[0]
    k = int(recompute[0])
    runs = np.empty((n, k))
    consensus = np.zeros(n, dtype=np.bool_)
    recomputed = np.full(n, np.nan)
    world.run_recompute(
        stratum,
        kind,
        truth,
        original,
        wrong,
        s_lo,
        s_hi,
        s_ncat,
        int(recompute[1]),
        recompute[2],
        recompute[3],
        recompute[4],
        recompute[5],
        recompute[8],
        profile,
        rule,
        stream,
        runs,
        consensus,
        recomputed,
    )
    n_runs = n * k
    return runs, consensus, recomputed, n_runs * recompute[6], n_runs * recompute[7] / 3600.0


@njit(cache=True, inline="always")
def expert_windows(
    stream: np.ndarray,
    hours_per_weekday: np.ndarray,
    day_start_second: np.ndarray,
    absence_probability: np.ndarray,
    start_weekday: int,
    is_holiday: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The experts' availability windows from the calendar stream: starts, ends and each
    expert's first window (``offsets``, ``E + 1``)."""
    E = hours_per_weekday.shape[0]
    D = is_holiday.shape[0]
    ws = np.empty(E * D)
    we = np.empty(E * D)
    offsets = np.zeros(E + 1, dtype=np.int64)
    w = world.build_windows(
        hours_per_weekday,
        day_start_second,
        absence_probability,
        start_weekday,
        is_holiday,
        stream,
        ws,
        we,
        offsets,
    )
    return ws[:w].copy(), we[:w].copy(), offsets


@njit(cache=True, inline="always")
def record_outcomes(
    truth: np.ndarray,
    original: np.ndarray,
    kind: np.ndarray,
    group: np.ndarray,
    final: np.ndarray,
    decision: np.ndarray,
    expert_label: np.ndarray,
    reviewed: np.ndarray,
    log: np.ndarray,
    rule: np.ndarray,
    llm_usd: float,
    llm_hours: float,
    model_accuracy: np.ndarray,
    model_blind_spot: np.ndarray,
    downstream: np.ndarray,
    out: np.ndarray,
    board: np.ndarray,
) -> None:
    """The replication's metrics into ``out[:N_METRICS]``, the evaluated models' accuracies
    into ``board`` (answers keyed by one number from the ``downstream`` stream) and the
    leaderboard's metrics after the others. ``log`` holds the reviews' rows."""
    replication_metrics(
        truth,
        original,
        kind,
        final,
        decision,
        expert_label,
        reviewed,
        log[:, 5].copy(),
        log[:, 6].copy(),
        log[:, 4].copy(),
        rule,
        llm_usd,
        llm_hours,
        out[:N_METRICS],
    )
    model_accuracies(
        truth,
        original,
        final,
        decision,
        kind,
        group,
        rule,
        model_accuracy,
        model_blind_spot,
        next_u64(downstream),
        board,
    )
    leaderboard_metrics(board, out[N_METRICS : N_METRICS + N_LEADERBOARD_METRICS])


@njit(cache=True, inline="always")
def run_one(
    states: np.ndarray,
    size: np.ndarray,
    s_group: np.ndarray,
    s_kind: np.ndarray,
    s_lo: np.ndarray,
    s_hi: np.ndarray,
    s_ncat: np.ndarray,
    s_rate: np.ndarray,
    s_under: np.ndarray,
    s_complexity: np.ndarray,
    profile: np.ndarray,
    rule: np.ndarray,
    policy: np.ndarray,
    audit: np.ndarray,
    recompute: np.ndarray,
    specialty: np.ndarray,
    pool: np.ndarray,
    usd_per_hour: np.ndarray,
    error_probability: np.ndarray,
    hours_per_weekday: np.ndarray,
    day_start_second: np.ndarray,
    absence_probability: np.ndarray,
    start_weekday: int,
    is_holiday: np.ndarray,
    budget: np.ndarray,
    model_accuracy: np.ndarray,
    model_blind_spot: np.ndarray,
    out: np.ndarray,
    board: np.ndarray,
) -> None:
    """One replication's metrics into ``out``. ``policy`` = [id, threshold, audit_first,
    needs_audit, needs_recompute, needs_experts, review_rest, contentious_order]; ``audit`` =
    [sensitivity, specificity, concentration, runs, usd_per_run, seconds_per_run];
    ``recompute`` = [runs, consensus_runs, accuracy, concentration, correlation, abstain,
    usd_per_run, seconds_per_run, systematic];
    ``pool`` = [median_minutes, sigma, slowdown, double_review]; ``budget`` = [expert_hours,
    usd]. ``board`` receives the evaluated models' accuracies ``(M, 3)``.

    Inlined into :func:`run_replications`: LLVM optimizes the whole tree of kernels once per
    enclosing compiled function, so one level less saves about 1.5 s of a cold start."""
    stratum, group, kind, truth, original, _mode, wrong = world_items(
        states[WORLD], size, s_group, s_kind, s_lo, s_hi, s_ncat, s_rate, s_under, profile, rule
    )
    n = stratum.shape[0]
    S = size.shape[0]
    flagged = np.zeros(n, dtype=np.bool_)
    audit_usd = 0.0
    audit_hours = 0.0
    if policy[3] > 0:
        world.run_audit(stratum, wrong, S, audit[0], audit[1], audit[2], states[AUDIT], flagged)
        runs = n * int(audit[3])
        audit_usd = runs * audit[4]
        audit_hours = runs * audit[5] / 3600.0
    consensus = np.zeros(n, dtype=np.bool_)
    recomputed = np.full(n, np.nan)
    recompute_usd = 0.0
    recompute_hours = 0.0
    if policy[4] > 0:
        _, consensus, recomputed, recompute_usd, recompute_hours = recomputation(
            states[RECOMPUTE],
            stratum,
            kind,
            truth,
            original,
            wrong,
            s_lo,
            s_hi,
            s_ncat,
            recompute,
            profile,
            rule,
        )
    llm_usd = audit_usd + recompute_usd
    llm_hours = audit_hours + recompute_hours

    keys = np.empty(n)
    policy_id = int(policy[0])
    triage_keys(
        policy_id,
        original,
        kind,
        flagged,
        consensus,
        recomputed,
        policy[1],
        int(policy[7]),
        policy[2] > 0,
        policy[6] > 0,
        states[POLICY],
        keys,
    )
    n_queued = 0
    for i in range(n):
        if np.isfinite(keys[i]):
            n_queued += 1
    expert_label = np.full(n, np.nan)
    reviewed = np.zeros(n, dtype=np.bool_)
    m = 0
    log = np.empty((0, 9))
    if policy[5] > 0 and n_queued > 0:
        ws, we, offsets = expert_windows(
            states[CALENDAR],
            hours_per_weekday,
            day_start_second,
            absence_probability,
            start_weekday,
            is_holiday,
        )
        review_key = next_u64(states[REVIEWS])
        log = np.empty((3 * n_queued, 9))
        m = review_loop(
            keys,
            group,
            kind,
            truth,
            stratum,
            review_key,
            s_lo,
            s_hi,
            s_ncat,
            s_complexity,
            pool[0],
            pool[1],
            profile,
            specialty,
            pool[2],
            usd_per_hour,
            error_probability,
            ws,
            we,
            offsets,
            budget[0] * 3600.0,
            budget[1] - llm_usd,
            pool[3] > 0,
            rule,
            log,
            expert_label,
            reviewed,
        )
    final = np.empty(n)
    decision = np.empty(n, dtype=np.int8)
    finalize(policy_id, reviewed, expert_label, original, consensus, recomputed, final, decision)
    record_outcomes(
        truth,
        original,
        kind,
        group,
        final,
        decision,
        expert_label,
        reviewed,
        log[:m],
        rule,
        llm_usd,
        llm_hours,
        model_accuracy,
        model_blind_spot,
        states[DOWNSTREAM],
        out,
        board,
    )


@kernel(nogil=True)
def run_replications(
    pools: np.ndarray,
    first: int,
    step: int,
    size: np.ndarray,
    s_group: np.ndarray,
    s_kind: np.ndarray,
    s_lo: np.ndarray,
    s_hi: np.ndarray,
    s_ncat: np.ndarray,
    s_rate: np.ndarray,
    s_under: np.ndarray,
    s_complexity: np.ndarray,
    profile: np.ndarray,
    rule: np.ndarray,
    policy: np.ndarray,
    audit: np.ndarray,
    recompute: np.ndarray,
    specialty: np.ndarray,
    pool: np.ndarray,
    usd_per_hour: np.ndarray,
    error_probability: np.ndarray,
    hours_per_weekday: np.ndarray,
    day_start_second: np.ndarray,
    absence_probability: np.ndarray,
    start_weekday: int,
    is_holiday: np.ndarray,
    budget: np.ndarray,
    model_accuracy: np.ndarray,
    model_blind_spot: np.ndarray,
    out: np.ndarray,
    board: np.ndarray,
) -> None:
    """``out[r]`` = metrics and ``board[r]`` = model accuracies of replication ``r`` from the
    seven streams of the ``SeedSequence`` whose entropy pool is ``pools[r]``, for the rows
    ``r = first, first + step, ...``."""
    st = np.empty((N_STREAMS, 4), dtype=np.uint64)
    for r in range(first, pools.shape[0], step):
        states_from_pool(pools[r], st)
        run_one(
            st,
            size,
            s_group,
            s_kind,
            s_lo,
            s_hi,
            s_ncat,
            s_rate,
            s_under,
            s_complexity,
            profile,
            rule,
            policy,
            audit,
            recompute,
            specialty,
            pool,
            usd_per_hour,
            error_probability,
            hours_per_weekday,
            day_start_second,
            absence_probability,
            start_weekday,
            is_holiday,
            budget,
            model_accuracy,
            model_blind_spot,
            out[r],
            board[r],
        )
