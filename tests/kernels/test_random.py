"""The kernels' random streams: the compiled seed hash equals NumPy's, a held state draws what
the array state draws, and integer thresholds decide exactly as the uniforms they replace."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from sim.kernels.random import (
    beta,
    bits_at,
    bits_below,
    bits_held,
    held,
    release,
    states_from_pool,
    stream_states,
    uniform,
    uniform_at,
    uniform_held,
)


@settings(max_examples=200, deadline=None)
@given(
    entropy=st.integers(0, 2**256),
    spawn_key=st.lists(st.integers(0, 2**40), max_size=3),
    pool_size=st.sampled_from([4, 8]),
    n_streams=st.integers(1, 9),
)
def test_states_from_the_pool_equal_numpys_generate_state(
    entropy: int, spawn_key: list[int], pool_size: int, n_streams: int
) -> None:
    seed = np.random.SeedSequence(entropy, spawn_key=tuple(spawn_key), pool_size=pool_size)
    out = np.empty((n_streams, 4), dtype=np.uint64)
    states_from_pool(seed.pool, out)
    np.testing.assert_array_equal(out, stream_states(seed, n_streams))


def test_states_from_the_pool_of_spawned_replications() -> None:
    seeds = np.random.SeedSequence(0).spawn(50)
    out = np.empty((7, 4), dtype=np.uint64)
    for seed in seeds:
        states_from_pool(seed.pool, out)
        np.testing.assert_array_equal(out, stream_states(seed, 7))


@njit
def _held_draws(s: np.ndarray, n: int) -> np.ndarray:
    out = np.empty(n)
    state = held(s)
    for i in range(n):
        out[i], state = uniform_held(state)
    release(s, state)
    return out


@njit
def _array_draws(s: np.ndarray, n: int) -> np.ndarray:
    out = np.empty(n)
    for i in range(n):
        out[i] = uniform(s)
    return out


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**63), n=st.integers(0, 300))
def test_a_held_state_draws_the_same_numbers_and_ends_in_the_same_state(seed: int, n: int) -> None:
    a = stream_states(np.random.SeedSequence(seed), 1)[0]
    b = a.copy()
    np.testing.assert_array_equal(_held_draws(a, n), _array_draws(b, n))
    np.testing.assert_array_equal(a, b)


@njit
def _held_decisions(s: np.ndarray, p: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``uniform < p`` drawn n times from a held state, as integer bits and as floats."""
    by_bits = np.empty(n, dtype=np.bool_)
    by_floats = np.empty(n, dtype=np.bool_)
    below = bits_below(p)
    state = held(s)
    for i in range(n):
        bits, _ = bits_held(state)
        by_bits[i] = bits < below
        u, state = uniform_held(state)
        by_floats[i] = u < p
    return by_bits, by_floats


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 2**63),
    p=st.one_of(st.floats(-0.5, 1.5, allow_nan=False), st.sampled_from([0.0, 1.0, 2.0**-53])),
)
def test_held_bits_decide_as_held_uniforms(seed: int, p: float) -> None:
    s = stream_states(np.random.SeedSequence(seed), 1)[0]
    by_bits, by_floats = _held_decisions(s, p, 500)
    np.testing.assert_array_equal(by_bits, by_floats)


@settings(max_examples=300, deadline=None)
@given(
    p=st.one_of(
        st.floats(-1.0, 2.0, allow_nan=False),
        st.sampled_from([0.0, 1.0, 5e-324, 2.0**-53, 3 * 2.0**-53, 1 - 2.0**-53, 0.5]),
    ),
    key=st.integers(0, 2**64 - 1),
    index=st.integers(0, 10**6),
)
def test_integer_thresholds_decide_as_the_uniforms(p: float, key: int, index: int) -> None:
    k = np.uint64(key)
    t = int(bits_below(p))
    assert (bits_at(k, index) < t) == (uniform_at(k, index) < p)
    for b in (t - 1, t):  # the integers on either side of the threshold
        if 0 <= b < 2**53:
            assert (b < t) == (b * 2.0**-53 < p)


def test_no_nan_threshold_passes() -> None:
    assert int(bits_below(float("nan"))) == 0


@njit(cache=True)
def _betas(s: np.ndarray, a: float, b: float, n: int) -> np.ndarray:
    out = np.empty(n)
    for i in range(n):
        out[i] = beta(s, a, b)
    return out


def _ks_two_sample(x: np.ndarray, y: np.ndarray) -> float:
    grid = np.sort(np.concatenate([x, y]))
    fx = np.searchsorted(np.sort(x), grid, side="right") / x.size
    fy = np.searchsorted(np.sort(y), grid, side="right") / y.size
    return float(np.abs(fx - fy).max())


# the stratum draws of the medcalc scenario: error rates, audit and recomputation accuracy
@pytest.mark.parametrize(("a", "b"), [(0.461, 0.735), (34.0, 6.0), (12.9, 2.1), (0.3, 5.0)])
def test_beta_draws_follow_the_beta_distribution(a: float, b: float) -> None:
    n = 100_000
    drawn = _betas(stream_states(np.random.SeedSequence(7), 1)[0], a, b, n)
    mean = a / (a + b)
    var = a * b / ((a + b) ** 2 * (a + b + 1.0))
    assert abs(drawn.mean() - mean) < 4.0 * np.sqrt(var / n)
    assert abs(drawn.var() / var - 1.0) < 0.03
    reference = np.random.default_rng(7).beta(a, b, n)
    assert _ks_two_sample(drawn, reference) < 1.95 * np.sqrt(2.0 / n)  # 0.1% level
