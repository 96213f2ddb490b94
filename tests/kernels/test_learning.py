"""The learning policy's verdict kernels: the residual bound gives NumPy's numbers to the bit,
and a verdict moves the beliefs, the window and the phase as the policy's docstring says."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.kernels import learning as kernel
from sim.kernels.beliefs import fallback_wrong, original_wrong_params, recompute_right_params


def numpy_bound(
    stratum: np.ndarray,
    cls: np.ndarray,
    contentious: np.ndarray,
    has_verdict: np.ndarray,
    wrong: np.ndarray,
    seen: np.ndarray,
    rc_right: np.ndarray,
    rc_seen: np.ndarray,
    prior: np.ndarray,
    params: np.ndarray,
) -> float:
    """The bound written with NumPy (bincount per cell, vector sums)."""
    strength = params[kernel.P_STRENGTH]
    a, b = original_wrong_params(wrong, seen, prior, strength)
    ra, rb = recompute_right_params(
        rc_right, rc_seen, params[kernel.P_PRIOR_RECOMPUTE_RIGHT], strength
    )

    def mean_sd(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = x + y
        return x / n, np.sqrt(x * y / (n * n * (n + 1.0)))

    p_ow, sd_ow = mean_sd(a, b)
    p_rr, sd_rr = mean_sd(ra, rb)
    open_items = np.flatnonzero(~has_verdict)
    p, adopt = fallback_wrong(open_items, p_ow, p_rr, stratum, cls, contentious)
    s, c = stratum[open_items], cls[open_items]
    sd = np.where(adopt, sd_rr[s], sd_ow[s, c])
    cell = np.where(adopt, s * 4 + 3, s * 4 + c)
    n_cells = 4 * rc_right.shape[0]
    per_cell = np.bincount(cell, weights=sd, minlength=n_cells).astype(np.float64)
    count = np.bincount(cell, minlength=n_cells).astype(np.float64)
    cell_sd = np.divide(per_cell, count, out=np.zeros(n_cells), where=count > 0)
    e = params[kernel.P_EXPERT_ERROR]
    reviewed = float(has_verdict.sum())
    mean = float(p.sum()) + e * reviewed
    var = float(((count * cell_sd) ** 2).sum() + (p * (1 - p)).sum()) + e * (1 - e) * reviewed
    return (mean + params[kernel.P_Z] * math.sqrt(var)) / has_verdict.shape[0]


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 400), n_strata=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_residual_bound_is_numpys(n: int, n_strata: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    stratum = rng.integers(0, n_strata, n).astype(np.int32)
    cls = rng.integers(0, 3, n).astype(np.int8)
    contentious = cls == 0
    has_verdict = rng.random(n) < rng.random()
    seen = rng.integers(0, 6, (n_strata, 3)).astype(np.float64)
    wrong = np.floor(seen * rng.random((n_strata, 3)))
    rc_seen = seen[:, 0].copy()
    rc_right = np.floor(rc_seen * rng.random(n_strata))
    prior = rng.random(3)
    params = np.zeros(kernel.N_PARAMS)
    params[kernel.P_STRENGTH] = rng.uniform(0.5, 8.0)
    params[kernel.P_PRIOR_RECOMPUTE_RIGHT] = rng.random()
    params[kernel.P_Z] = rng.uniform(0.0, 2.5)
    params[kernel.P_EXPERT_ERROR] = rng.uniform(0.0, 0.3)
    args = (stratum, cls, contentious, has_verdict, wrong, seen, rc_right, rc_seen, prior, params)
    assert kernel.residual_upper_bound(*args) == numpy_bound(*args)


def verdict_state(n: int, n_strata: int, window: int) -> dict[str, np.ndarray]:
    return {
        "has_verdict": np.zeros(n, dtype=bool),
        "verdict": np.full(n, np.nan),
        "triage_verdict": np.zeros(n, dtype=bool),
        "wrong": np.zeros((n_strata, 3)),
        "seen": np.zeros((n_strata, 3)),
        "rc_right": np.zeros(n_strata),
        "rc_seen": np.zeros(n_strata),
        "accepted": np.zeros(n_strata, dtype=bool),
        "rerun_requested": np.zeros(n_strata, dtype=bool),
        "window_wrong": np.zeros(window),
        "window_minutes": np.zeros(window),
        "status": np.zeros(3, dtype=np.int64),
    }


def record(item: int, label: float, state: dict[str, np.ndarray], params: np.ndarray) -> int:
    n = state["has_verdict"].shape[0]
    stratum = np.zeros(n, dtype=np.int32)
    cls = np.zeros(n, dtype=np.int8)  # every item contentious: original 1, recomputed 2
    evidence = (
        stratum,
        cls,
        np.zeros(n, dtype=np.int8),
        np.ones(n),
        np.ones(n, dtype=bool),
        np.full(n, 2.0),
        np.full(n, 30.0),
        cls == 0,
        np.array([0.0, 10.0, 0.0, 0.0, 0.0]),  # decimals agree only when equal
    )
    result: int = kernel.record_verdict(
        item, label, *evidence, *state.values(), np.array([0.75, 0.5, 0.1]), params
    )
    return result


def test_a_verdict_moves_beliefs_window_and_acceptance() -> None:
    state = verdict_state(n=6, n_strata=1, window=2)
    params = np.zeros(kernel.N_PARAMS)
    params[kernel.P_STRENGTH] = 4.0
    params[kernel.P_PRIOR_RECOMPUTE_RIGHT] = 0.7
    params[kernel.P_ACCEPT_THRESHOLD] = 0.8
    params[kernel.P_ACCEPT_MIN_VERDICTS] = 3
    params[kernel.P_RERUN_SYSTEMATIC] = 1.0
    for item in range(3):  # the recomputed label (2) is right three times
        assert record(item, 2.0, state, params) == kernel.REQUEUE_STRATUM
    assert state["wrong"][0, 0] == 3
    assert state["seen"][0, 0] == 3
    assert state["rc_right"][0] == 3
    assert state["rc_seen"][0] == 3
    assert state["rerun_requested"][0]
    # (4 * 0.7 + 3) / (4 + 3) = 0.83 >= 0.8 after the third verdict
    assert state["accepted"][0]
    assert state["status"][kernel.WINDOW_COUNT] == 2
    assert state["status"][kernel.WINDOW_NEXT] == 1
    assert state["triage_verdict"][:3].all()
    assert not state["triage_verdict"][3:].any()


def test_the_yield_rule_stops_triage_only_on_a_full_window() -> None:
    state = verdict_state(n=6, n_strata=1, window=3)
    params = np.zeros(kernel.N_PARAMS)
    params[kernel.P_STRENGTH] = 4.0
    params[kernel.P_ACCEPT_THRESHOLD] = 2.0  # never accept
    params[kernel.P_MIN_ERRORS_PER_HOUR] = 1.5  # the originals are right: no error found
    assert record(0, 1.0, state, params) == kernel.REQUEUE_STRATUM
    assert record(1, 1.0, state, params) == kernel.REQUEUE_STRATUM
    assert record(2, 1.0, state, params) == kernel.STOP_TRIAGE


def test_verdicts_after_triage_change_no_belief() -> None:
    state = verdict_state(n=4, n_strata=1, window=2)
    params = np.zeros(kernel.N_PARAMS)
    params[kernel.P_STRENGTH] = 4.0
    state["status"][kernel.PHASE] = kernel.AUDIT
    assert record(1, 5.0, state, params) == kernel.NOTHING
    assert state["has_verdict"][1]
    assert state["verdict"][1] == 5.0
    assert not state["triage_verdict"].any()
    assert state["seen"].sum() == 0
    state["status"][kernel.PHASE] = kernel.DRAINING
    assert record(2, 5.0, state, params) == kernel.NOTHING
    assert state["seen"].sum() == 1, "draining verdicts still teach the beliefs"


def belief_state(rng: np.random.Generator, n: int, n_strata: int, strategy: str) -> tuple:
    """Random items (stratum, class, contentious, minutes, verdicts) and beliefs (counts,
    acceptances, prior, params) of ``n`` items in ``n_strata`` strata."""
    stratum = rng.integers(0, n_strata, n).astype(np.int32)
    cls = rng.integers(0, 3, n).astype(np.int8)
    contentious = cls == 0
    minutes = rng.uniform(1.0, 30.0, n)
    has_verdict = rng.random(n) < 0.3
    seen = rng.integers(0, 6, (n_strata, 3)).astype(np.float64)
    wrong = np.floor(seen * rng.random((n_strata, 3)))
    rc_seen = seen[:, 0].copy()
    rc_right = np.floor(rc_seen * rng.random(n_strata))
    accepted = rng.random(n_strata) < 0.2
    prior = rng.random(3)
    params = np.zeros(kernel.N_PARAMS)
    params[kernel.P_STRENGTH] = rng.uniform(0.5, 8.0)
    params[kernel.P_PRIOR_RECOMPUTE_RIGHT] = rng.random()
    params[kernel.P_UCB_WIDTH] = rng.uniform(0.0, 2.5) if strategy == "ucb" else 0.0
    params[kernel.P_THOMPSON] = float(strategy == "thompson")
    items = (stratum, cls, contentious, minutes, has_verdict)
    return items, (wrong, seen, rc_right, rc_seen, accepted, prior, params)


@settings(max_examples=100, deadline=None)
@given(
    n=st.integers(1, 300),
    n_strata=st.integers(1, 8),
    strategy=st.sampled_from(["ucb", "greedy", "thompson"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_strategy_keys_are_the_whole_tables_keys(
    n: int, n_strata: int, strategy: str, seed: int
) -> None:
    """The keys computed from only the cells of the items' strata (``ucb``, ``greedy``), or
    from NumPy's generator drawn in the kernel (``thompson``), are those of the whole tables of
    probabilities as NumPy computes them."""
    from sim.kernels.beliefs import optimistic_probabilities, queue_keys

    rng = np.random.default_rng(seed)
    (stratum, cls, contentious, minutes, has_verdict), beliefs = belief_state(
        rng, n, n_strata, strategy
    )
    wrong, seen, rc_right, rc_seen, accepted, prior, params = beliefs
    items = rng.choice(n, size=rng.integers(1, n + 1), replace=False).astype(np.int64)
    if rng.random() < 0.5:
        items = np.flatnonzero(stratum == stratum[0]).astype(np.int64)  # one stratum, as re-keyed
    strength = params[kernel.P_STRENGTH]
    a, b = original_wrong_params(wrong, seen, prior, strength)
    ra, rb = recompute_right_params(
        rc_right, rc_seen, params[kernel.P_PRIOR_RECOMPUTE_RIGHT], strength
    )
    drawn = np.random.default_rng(seed + 1)
    if strategy == "thompson":
        p_ow, p_rr = drawn.beta(a, b), drawn.beta(ra, rb)
    else:
        p_ow, p_rr = optimistic_probabilities(a, b, ra, rb, params[kernel.P_UCB_WIDTH])
    want = queue_keys(items, p_ow, p_rr, stratum, cls, contentious, minutes, accepted, has_verdict)
    policy_rng = np.random.default_rng(seed + 1)
    got = kernel.strategy_keys(
        items,
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
        policy_rng,
    )
    np.testing.assert_array_equal(got, want)
    assert policy_rng.random() == drawn.random(), "the generator advanced as NumPy's does"


@settings(max_examples=100, deadline=None)
@given(n=st.integers(0, 200), n_strata=st.integers(1, 8), seed=st.integers(0, 2**32 - 1))
def test_each_strata_leader_is_its_first_lowest_key(n: int, n_strata: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    stratum = rng.integers(0, n_strata, n)
    keys = np.round(rng.normal(size=n), 1)  # ties
    keys[rng.random(n) < 0.2] = np.inf
    items = np.argsort(stratum, kind="stable").astype(np.int64)
    start = np.searchsorted(stratum[items], np.arange(n_strata + 1)).astype(np.int64)
    want = keys.copy()
    for s in range(n_strata):
        members = items[start[s] : start[s + 1]]
        if members.size:
            want[members[np.argmin(keys[members])]] -= 1e3
    kernel.lead_each_stratum(keys, items, start, 1e3)
    np.testing.assert_array_equal(keys, want)


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(1, 120),
    n_strata=st.integers(1, 6),
    strategy=st.sampled_from(["ucb", "greedy", "thompson"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_rekeying_a_stratum_in_place_gives_its_strategy_keys(
    n: int, n_strata: int, strategy: str, seed: int
) -> None:
    """The loop's allocation-free re-keying lists the stratum's open items and gives them the
    keys of :func:`strategy_keys`, drawing the same numbers from the policy's generator."""
    rng = np.random.default_rng(seed)
    (stratum, cls, contentious, minutes, has_verdict), beliefs = belief_state(
        rng, n, n_strata, strategy
    )
    stratum.sort()
    items_by_stratum = np.argsort(stratum, kind="stable").astype(np.int64)
    start = np.searchsorted(stratum[items_by_stratum], np.arange(n_strata + 1)).astype(np.int64)
    s = int(stratum[rng.integers(0, n)])
    want_items = kernel.open_items_of_stratum(s, items_by_stratum, start, has_verdict)
    want_rng = np.random.default_rng(seed + 1)
    want = kernel.strategy_keys(
        want_items, stratum, cls, contentious, minutes, has_verdict, *beliefs, want_rng
    )
    got_rng = np.random.default_rng(seed + 1)
    items, keys = np.full(n, -1, dtype=np.int64), np.full(n, np.nan)
    m = kernel.rekey_stratum(
        s,
        items_by_stratum,
        start,
        cls,
        contentious,
        minutes,
        has_verdict,
        *beliefs,
        got_rng,
        np.empty(3),
        np.full((n_strata, 3), np.nan),
        np.full(n_strata, np.nan),
        np.full(n_strata, np.nan),
        items,
        keys,
    )
    np.testing.assert_array_equal(items[:m], want_items)
    np.testing.assert_array_equal(keys[:m], want)
    assert got_rng.random() == want_rng.random(), "the generator advanced alike"
