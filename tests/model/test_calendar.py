import datetime as dt

import numpy as np
import pytest

from sim.model.calendar import build_calendar, finish_of_work
from tests.conftest import stream

MONDAY = dt.date(2027, 1, 4)


def calendar(hours: list[float], absence: float = 0.0, holidays=(), days: int = 14, start=18.0):
    return build_calendar(
        np.array([hours], dtype=float),
        np.array([start]),
        np.array([absence]),
        MONDAY,
        list(holidays),
        days,
        stream(0),
    )


def test_windows_follow_the_weekly_hours() -> None:
    cal = calendar([2, 0, 1.5, 0, 0, 0, 0])
    np.testing.assert_array_equal(cal.window_start / 86400, [0.75, 2.75, 7.75, 9.75])
    np.testing.assert_array_equal(cal.window_end - cal.window_start, [7200, 5400, 7200, 5400])
    assert cal.working_seconds(0) == 420 * 60


def test_holidays_and_certain_absence_remove_days() -> None:
    cal = calendar([2, 0, 2, 0, 0, 0, 0], holidays=[dt.date(2027, 1, 6)])
    assert (cal.window_start // 86400).tolist() == [0, 7, 9]
    assert calendar([2] * 7, absence=1.0).window_start.size == 0


def test_work_carries_over_into_the_next_window() -> None:
    cal = calendar([2, 0, 2, 0, 0, 0, 0])
    s, e = cal.window_start, cal.window_end
    finish, w, segments = finish_of_work(s, e, 0, len(s), s[0] + 6000, 3000)
    assert w == 1
    assert segments == 2
    assert finish == s[1] + 1800
    finish, w, segments = finish_of_work(s, e, 0, len(s), s[0], 7200)
    assert (finish, w, segments) == (e[0], 0, 1)


def test_work_beyond_the_last_window_never_finishes() -> None:
    cal = calendar([1, 0, 0, 0, 0, 0, 0], days=7)
    finish, _, _ = finish_of_work(cal.window_start, cal.window_end, 0, 1, cal.window_start[0], 3601)
    assert finish == pytest.approx(np.inf)
