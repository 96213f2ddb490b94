"""Means with their 95% intervals for the sweep report."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.report.stats import Mean


def test_the_interval_is_students_t_and_undefined_for_one_replication() -> None:
    m = Mean.of(np.array([1.0, 2.0, 3.0, np.nan]))
    assert (m.mean, m.n) == (2.0, 3)
    half = 4.302653 / math.sqrt(3)  # t with 2 degrees of freedom, sd 1
    assert m.low == pytest.approx(2.0 - half)
    assert m.high == pytest.approx(2.0 + half)
    one = Mean.of(np.array([4.0]))
    assert one.mean == 4.0
    assert math.isnan(one.low)
    assert math.isnan(one.high)
    assert Mean.of(np.array([np.nan])).n == 0
