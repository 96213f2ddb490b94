"""The kernels' stable argsort gives NumPy's stable order."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.kernels.order import stable_argsort


@settings(max_examples=400, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.sampled_from([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan]),
            st.floats(-5, 5, allow_nan=False),
        ),
        max_size=120,
    )
)
def test_the_order_of_numpys_stable_argsort(values: list[float]) -> None:
    x = np.array(values, dtype=np.float64)
    np.testing.assert_array_equal(stable_argsort(x), np.argsort(x, kind="stable"))


def test_long_arrays_with_ties() -> None:
    x = -np.random.default_rng(0).integers(0, 30, 5000).astype(np.float64)
    x[::7] = -np.inf
    np.testing.assert_array_equal(stable_argsort(x), np.argsort(x, kind="stable"))


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32), n=st.integers(0, 3000))
def test_long_arrays_of_every_kind_of_value(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n) * 10.0 ** rng.integers(-300, 300, n)
    special = rng.random(n) < 0.2
    x[special] = rng.choice([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324], special.sum())
    np.testing.assert_array_equal(stable_argsort(x), np.argsort(x, kind="stable"))


def test_nan_payloads_and_signs_sort_as_one_value_last() -> None:
    bits = np.array([0x7FF8000000000001, 0xFFF8000000000000, 0x7FF0000000000001], np.uint64)
    x = np.concatenate([bits.view(np.float64), [1.0, -np.inf]])
    np.testing.assert_array_equal(stable_argsort(x), [4, 3, 0, 1, 2])
