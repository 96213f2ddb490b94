import numpy as np
import pytest

from sim.report.curves import MINUTES_PER_DAY, errors_found_over_time


def events(rows: list[tuple[int, int, float, bool, bool]]) -> dict[str, np.ndarray]:
    cols = list(zip(*rows, strict=True)) if rows else [[]] * 5
    names = ("replication", "item", "finish_minute", "original_wrong", "label_correct")
    return {n: np.asarray(c) for n, c in zip(names, cols, strict=True)}


def test_counts_distinct_wrong_originals_labelled_right_by_their_first_finish() -> None:
    day = MINUTES_PER_DAY
    ev = events(
        [
            (0, 1, 1 * day, True, True),  # found on day 1
            (0, 1, 2 * day, True, True),  # the same item again: not counted twice
            (0, 2, 3 * day, True, False),  # wrong original, expert wrong too: not found
            (0, 3, 4 * day, False, True),  # original right: nothing to find
            (1, 5, 2 * day, True, True),  # replication 1: found on day 2
        ]
    )
    curve = errors_found_over_time(ev, replications=3, points=5)  # replication 2: no events
    np.testing.assert_allclose(curve.days, [0, 1, 2, 3, 4])
    np.testing.assert_allclose(curve.mean, np.array([0, 1, 2, 2, 2]) / 3)
    assert curve.replications == 3
    assert (curve.low <= curve.mean).all()
    assert (curve.mean <= curve.high).all()


def test_no_events_is_a_flat_zero_and_no_replications_is_an_error() -> None:
    curve = errors_found_over_time(events([]), replications=2, points=3)
    assert (curve.mean == 0).all()
    with pytest.raises(ValueError, match="replications=0"):
        errors_found_over_time(events([]), replications=0)
