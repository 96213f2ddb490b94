"""Expert calendars as availability windows, and how work fits in them.

The event clock counts whole seconds since ``start_date`` 00:00, held in float64: integers are
exact there, so ``now + (finish - now) == finish`` in every engine and no two engines can drift
apart by rounding. A window is ``[start, end)`` in seconds. Windows of expert ``e`` are
``window_start[offsets[e]:offsets[e+1]]``, sorted and non-overlapping (one per working day)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.kernels import world
from sim.kernels.calendar import finish_of_work

FloatArray = NDArray[np.float64]

__all__ = ["SECONDS_PER_DAY", "Calendar", "build_calendar", "finish_of_work"]

SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True)
class Calendar:
    """All experts' availability windows in CSR layout."""

    window_start: FloatArray
    window_end: FloatArray
    offsets: NDArray[np.int64]

    def windows_of(self, expert: int) -> tuple[int, int]:
        """The half-open index range of ``expert``'s windows."""
        return int(self.offsets[expert]), int(self.offsets[expert + 1])

    def working_seconds(self, expert: int) -> float:
        lo, hi = self.windows_of(expert)
        return float((self.window_end[lo:hi] - self.window_start[lo:hi]).sum())


def build_calendar(
    hours_per_weekday: FloatArray,
    day_start_hour: FloatArray,
    absence_probability: FloatArray,
    start_date: dt.date,
    holidays: list[dt.date],
    horizon_days: int,
    stream: NDArray[np.uint64],
) -> Calendar:
    """Windows for ``E`` experts over ``horizon_days`` days from ``start_date``.

    ``hours_per_weekday`` is ``(E, 7)`` (Monday first); a day is skipped on a holiday or when
    the expert is absent (one uniform per expert and day, drawn whatever the calendar)."""
    E = hours_per_weekday.shape[0]
    holiday_days = {(h - start_date).days for h in holidays}
    is_holiday = np.array([d in holiday_days for d in range(horizon_days)], dtype=np.bool_)
    starts = np.empty(E * horizon_days)
    ends = np.empty(E * horizon_days)
    offsets = np.zeros(E + 1, dtype=np.int64)
    w = world.build_windows(
        np.ascontiguousarray(hours_per_weekday, dtype=np.float64),
        np.rint(np.asarray(day_start_hour, dtype=np.float64) * 3600.0),
        np.asarray(absence_probability, dtype=np.float64),
        start_date.weekday(),
        is_holiday,
        stream,
        starts,
        ends,
        offsets,
    )
    return Calendar(
        window_start=starts[:w].copy(),
        window_end=ends[:w].copy(),
        offsets=offsets,
    )
