import math

import pytest

from sim.metrics import summarize, wilson_interval


def test_wilson_interval_known_values() -> None:
    low, high = wilson_interval(37, 50)  # the audit's 74%, 95% CI 60-84%
    assert low == pytest.approx(0.60, abs=0.01)
    assert high == pytest.approx(0.84, abs=0.01)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_summary_interval_and_nan_handling() -> None:
    import numpy as np

    s = summarize({"x": np.array([1.0, 2.0, 3.0, np.nan])})["x"]
    assert s["n"] == 3
    assert s["mean"] == 2.0
    half = 4.302653 * 1.0 / math.sqrt(3)  # Student t with 2 degrees of freedom, sd 1
    assert s["mean_ci_low"] == pytest.approx(2.0 - half)
    assert s["mean_ci_high"] == pytest.approx(2.0 + half)
    one = summarize({"x": np.array([5.0])})["x"]
    assert one["mean"] == 5.0
    assert math.isnan(one["sd"])
    assert math.isnan(one["mean_ci_low"])
    assert math.isnan(one["mean_ci_high"])
