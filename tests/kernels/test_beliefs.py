"""The learning policy's kernels give the numbers of the same formulas in NumPy, bit for bit,
and their keys order items as the policy documents."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.kernels.beliefs import (
    TIE,
    fallback_wrong,
    optimistic_probabilities,
    original_wrong_params,
    pairwise_sum,
    queue_keys,
    recompute_right_params,
)


@settings(max_examples=150, deadline=None)
@given(n=st.integers(0, 3000), seed=st.integers(0, 2**32 - 1))
def test_pairwise_sum_is_numpys_sum(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.random(n) * 10.0 ** rng.uniform(-8, 8, n)
    assert pairwise_sum(a) == a.sum()


def test_pairwise_sum_differs_from_a_running_sum() -> None:
    """The order matters: a running sum of these 200 values differs from NumPy's."""
    a = np.random.default_rng(0).random(200)
    running = 0.0
    for x in a:
        running += x
    assert running != a.sum()
    assert pairwise_sum(a) == a.sum()


def numpy_params(
    wrong: np.ndarray, seen: np.ndarray, prior: np.ndarray, k: float
) -> tuple[np.ndarray, np.ndarray]:
    """The pooled Beta parameters written with NumPy (the formula of the kernels' docstrings)."""
    observed = seen > 0
    rates = np.divide(wrong, seen, out=np.zeros_like(wrong), where=observed)
    pooled = (rates.sum(axis=0) + k * prior) / (observed.sum(axis=0) + k)
    return k * pooled + wrong, k * (1.0 - pooled) + seen - wrong


@settings(max_examples=100, deadline=None)
@given(n_strata=st.integers(1, 300), seed=st.integers(0, 2**32 - 1))
def test_params_equal_numpys_to_the_bit(n_strata: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    seen = rng.integers(0, 4, (n_strata, 3)).astype(np.float64)
    wrong = np.floor(seen * rng.random((n_strata, 3)))
    prior = rng.random(3)
    a, b = original_wrong_params(wrong, seen, prior, 4.0)
    ra, rb = numpy_params(wrong, seen, prior, 4.0)
    assert np.array_equal(a, ra)
    assert np.array_equal(b, rb)
    a1, b1 = recompute_right_params(wrong[:, 0].copy(), seen[:, 0].copy(), 0.7, 4.0)
    ra1, rb1 = numpy_params(wrong[:, 0], seen[:, 0], np.array(0.7), 4.0)
    assert np.array_equal(a1, ra1)
    assert np.array_equal(b1, rb1)


def test_optimism_raises_wrong_and_lowers_right_and_zero_width_gives_means() -> None:
    a, b = np.array([[2.0, 3.0, 1.0]]), np.array([[8.0, 1.0, 1.0]])
    ra, rb = np.array([6.0]), np.array([2.0])
    mean_ow, mean_rr = optimistic_probabilities(a, b, ra, rb, 0.0)
    assert np.array_equal(mean_ow, a / (a + b))
    assert np.array_equal(mean_rr, ra / (ra + rb))
    p_ow, p_rr = optimistic_probabilities(a, b, ra, rb, 1.0)
    assert (p_ow > mean_ow).all()
    assert (p_rr < mean_rr).all()
    wide_ow, wide_rr = optimistic_probabilities(a, b, ra, rb, 50.0)
    assert (wide_ow == 1.0).all()
    assert (wide_rr == 0.0).all()


def test_fallback_keeps_the_likelier_label() -> None:
    p_ow = np.array([[0.8, 0.0, 0.0], [0.8, 0.0, 0.0], [0.3, 0.0, 0.0]])
    p_rr = np.array([0.7, 0.1, 0.9])
    stratum = np.array([0, 1, 2])
    cls = np.zeros(3, dtype=np.int8)
    p_wrong, adopt = fallback_wrong(
        np.arange(3), p_ow, p_rr, stratum, cls, np.array([True, True, False])
    )
    assert adopt.tolist() == [True, False, False]
    np.testing.assert_allclose(p_wrong, [0.3, 0.8, 0.3])


def test_keys_rank_by_corrections_per_minute_and_leave_out_settled_items() -> None:
    p_ow = np.array([[0.5, 0.2, 0.1], [0.5, 0.2, 0.1]])
    p_rr = np.array([0.3, 0.3])
    stratum = np.array([0, 0, 1, 1, 0])
    cls = np.array([0, 2, 0, 1, 0], dtype=np.int8)
    contentious = cls == 0
    minutes = np.array([10.0, 1.0, 10.0, 2.0, 10.0])
    accepted = np.array([False, True])
    has_verdict = np.array([False, False, False, False, True])
    keys = queue_keys(
        np.arange(5), p_ow, p_rr, stratum, cls, contentious, minutes, accepted, has_verdict
    )
    assert keys[0] == -0.5 / 10.0
    assert keys[1] == -0.1 / 1.0 + TIE
    assert keys[2] == np.inf  # contentious in an accepted stratum
    assert keys[3] == -0.2 / 2.0 + 3 * TIE
    assert keys[4] == np.inf  # has a verdict
    assert keys[1] < keys[0]  # more corrections per minute first
    tied = queue_keys(
        np.array([0, 2]),
        p_ow,
        p_rr,
        stratum,
        cls,
        contentious,
        minutes,
        np.zeros(2, dtype=np.bool_),
        has_verdict,
    )
    assert tied[0] < tied[1]  # equal scores: the lower index first
