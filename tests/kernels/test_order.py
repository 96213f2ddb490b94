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
