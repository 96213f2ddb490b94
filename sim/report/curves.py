"""Errors found over calendar time, from review events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.stats import t_quantile_975

MINUTES_PER_DAY = 1440.0


@dataclass(frozen=True)
class FoundCurve:
    """Mean over replications of wrong originals an expert has labelled right by each day."""

    days: NDArray[np.float64]
    mean: NDArray[np.float64]
    low: NDArray[np.float64]
    high: NDArray[np.float64]
    replications: int


def errors_found_over_time(
    events: Mapping[str, NDArray[np.generic]], replications: int, points: int = 200
) -> FoundCurve:
    """Per replication, the count of distinct items whose original is wrong and that an expert
    labelled right, by the finish of that review; averaged over ``replications`` (replications
    without events count as zero). ``events`` holds the review-event columns ``replication``,
    ``item``, ``finish_minute``, ``original_wrong`` and ``label_correct``."""
    if replications < 1:
        raise ValueError(f"replications={replications}: expected >= 1")
    rep = np.asarray(events["replication"])
    item = np.asarray(events["item"])
    day = np.asarray(events["finish_minute"], dtype=np.float64) / MINUTES_PER_DAY
    found = np.asarray(events["original_wrong"], dtype=bool) & np.asarray(
        events["label_correct"], dtype=bool
    )
    horizon = float(day.max()) if day.size else 1.0
    days = np.linspace(0.0, max(horizon, 1.0), points)
    counts = np.zeros((replications, points))
    for r in range(replications):
        mine = (rep == r) & found
        if not mine.any():
            continue
        first: dict[int, float] = {}
        for i, d in zip(item[mine], day[mine], strict=True):
            first[int(i)] = min(first.get(int(i), np.inf), float(d))
        when = np.sort(np.fromiter(first.values(), dtype=np.float64))
        counts[r] = np.searchsorted(when, days, side="right")
    mean = counts.mean(axis=0)
    half = (
        t_quantile_975(replications - 1) * counts.std(axis=0, ddof=1) / np.sqrt(replications)
        if replications > 1
        else np.full(points, np.nan)
    )
    return FoundCurve(days, mean, mean - half, mean + half, replications)
