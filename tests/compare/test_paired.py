"""Paired and unpaired differences: their arithmetic, and the paired interval's coverage."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.compare.paired import paired_difference, unpaired_difference, welch_half_width
from sim.stats import t_quantile_975


def test_paired_difference_by_hand() -> None:
    a = np.array([1.0, 2.0, 3.0, np.nan, 5.0])
    b = np.array([2.0, 2.0, 5.0, 9.0, 4.0])
    d = paired_difference(a, b, direction=1)
    diffs = np.array([1.0, 0.0, 2.0, -1.0])  # the NaN pair is left out
    half = t_quantile_975(3) * diffs.std(ddof=1) / 2.0
    assert d.n == 4
    assert d.paired
    assert d.mean == diffs.mean() == 0.5
    assert math.isclose(d.low, 0.5 - half)
    assert math.isclose(d.high, 0.5 + half)
    assert (d.mean_a, d.mean_b) == (11 / 4, 13 / 4)
    assert (d.better_share, d.worse_share) == (0.5, 0.25)
    lower = paired_difference(a, b, direction=-1)
    assert (lower.better_share, lower.worse_share) == (0.25, 0.5)
    assert math.isnan(paired_difference(a, b).better_share)


def test_welch_half_width_by_hand() -> None:
    a, b = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 4.0, 6.0, 8.0])
    va, vb = (5 / 3) / 4, (20 / 3) / 4
    df = (va + vb) ** 2 / (va**2 / 3 + vb**2 / 3)  # 4.41: 4 degrees of freedom
    assert int(df) == 4
    assert math.isclose(welch_half_width(a, b), t_quantile_975(4) * math.sqrt(va + vb))
    u = unpaired_difference(np.append(a, np.nan), b)
    assert u.mean == 2.5
    assert not u.paired
    assert math.isnan(u.narrowing)
    assert math.isclose(u.high - u.mean, welch_half_width(a, b))


def test_a_shift_is_found_exactly_and_pairing_removes_the_spread() -> None:
    a = np.linspace(0.0, 1.0, 30) ** 2
    d = paired_difference(a, a + 0.25, direction=1)
    assert math.isclose(d.low, 0.25)
    assert math.isclose(d.high, 0.25)
    assert d.unpaired_half_width > 0.1
    assert d.better_share == 1.0
    assert math.isnan(d.narrowing)


def test_paired_interval_covers_the_true_difference_95_percent() -> None:
    rng = np.random.default_rng(3)
    covered = 0
    trials = 2000
    for _ in range(trials):
        world = rng.normal(0.0, 5.0, 25)  # shared by both arms: common random numbers
        a = world + rng.normal(0.0, 1.0, 25)
        b = world + 0.4 + rng.normal(0.0, 1.0, 25)
        d = paired_difference(a, b)
        covered += d.low <= 0.4 <= d.high
        assert d.narrowing > 1.0
    assert 0.935 <= covered / trials <= 0.965


finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(
    arrays(np.float64, st.integers(2, 40), elements=finite),
    st.data(),
)
def test_paired_difference_invariants(a: np.ndarray, data: st.DataObject) -> None:
    b = data.draw(arrays(np.float64, a.shape, elements=finite))
    d = paired_difference(a, b, direction=-1)
    assert d.n == a.size
    assert math.isclose(d.mean, float(b.mean() - a.mean()), rel_tol=1e-9, abs_tol=1e-6)
    assert d.low <= d.mean + 1e-6
    assert d.mean <= d.high + 1e-6
    assert d.better_share + d.worse_share <= 1.0
    swapped = paired_difference(b, a, direction=-1)
    assert swapped.better_share == d.worse_share
    assert math.isclose(swapped.mean, -d.mean, rel_tol=1e-9, abs_tol=1e-6)


def test_variances_whose_squares_underflow() -> None:
    """Found by the invariants test: 1e-99 apart, the Welch degrees of freedom were 0 / 0."""
    a, b = np.zeros(3), np.array([0.0, 1.5e-99, 1.5e-99])
    half = welch_half_width(a, b)
    assert 0.0 < half < 1e-98


def test_nothing_to_compare_gives_nans() -> None:
    d = paired_difference(np.array([np.nan, 1.0]), np.array([2.0, np.nan]), direction=1)
    assert (d.mean_a, d.mean_b) == (1.0, 2.0)  # each side's own values still show
    assert d.n == 0
    assert math.isnan(d.mean)
    assert math.isnan(d.low)
    assert unpaired_difference(np.array([np.nan]), np.array([1.0])).n == 0
