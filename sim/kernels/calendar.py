"""Work across availability windows."""

from __future__ import annotations

import numpy as np

from sim.kernels import kernel


@kernel(called_from_python=True)
def finish_of_work(
    window_start: np.ndarray,
    window_end: np.ndarray,
    window: int,
    window_stop: int,
    now: float,
    work_seconds: float,
) -> tuple[float, int, int]:
    """When ``work_seconds`` of work started at ``now`` inside ``window`` ends, carrying over
    into later windows (indices below ``window_stop``).

    Returns ``(finish_second, window_of_finish, n_segments)``; ``finish_second`` is ``inf``
    when the windows run out first."""
    remaining = work_seconds
    t = now
    segments = 1
    w = window
    while remaining > window_end[w] - t:
        remaining -= window_end[w] - t
        w += 1
        if w >= window_stop:
            return np.inf, window_stop, segments
        t = window_start[w]
        segments += 1
    return t + remaining, w, segments
