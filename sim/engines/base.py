"""What every engine takes and returns: a review problem in arrays, a review log in arrays.

Event semantics (identical in every engine; docs/ARCHITECTURE.md has the full statement):
time is in whole seconds from ``start_date`` 00:00. At each instant where a window opens or a review
finishes there is one *dispatch*: finished reviews are recorded in expert order, then every free
expert (inside a window, not reviewing, not retired) in expert order takes the queue's first
entry it may review. A review starts only if it fits every budget (expert time, dollars, and
finishing inside the expert's windows before the horizon); if it does not, the entry goes back
and that expert retires. The run ends when the queue is empty and no review is running.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from sim.model.agreement import AgreementRule
from sim.model.calendar import Calendar
from sim.model.experts import ExpertPool, ReviewDraws
from sim.policies.base import Policy

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ReviewProblem:
    """Everything the event loop needs; arrays are indexed by item ``(n,)`` unless noted."""

    keys: FloatArray
    group: NDArray[np.int32]
    value_kind: NDArray[np.int8]
    truth: FloatArray
    draws: ReviewDraws
    pool: ExpertPool
    calendar: Calendar
    budget_seconds: float
    budget_usd: float
    rule: AgreementRule

    @property
    def n_items(self) -> int:
        return int(self.keys.shape[0])

    def review_seconds(self, item: int, stage: int, expert: int) -> float:
        """Whole working seconds (at least 1) ``expert`` needs for ``item`` at ``stage``."""
        minutes = self.draws.draw(item, stage)[0]
        if not self.pool.specialty[expert, self.group[item]]:
            minutes *= self.pool.outside_specialty_slowdown
        return max(1.0, float(np.rint(minutes * 60.0)))

    def verdict(self, item: int, stage: int, expert: int) -> float:
        """The label ``expert`` gives ``item`` at ``stage``."""
        _, error_u, wrong_label = self.draws.draw(item, stage)
        if error_u < self.pool.error_probability[expert]:
            return wrong_label
        return float(self.truth[item])


@dataclass(frozen=True)
class ReviewLog:
    """One row per review (in start order), plus each item's final expert verdict."""

    item: NDArray[np.int64]
    expert: NDArray[np.int64]
    stage: NDArray[np.int8]
    start_second: FloatArray
    finish_second: FloatArray
    work_seconds: FloatArray
    usd: FloatArray
    label: FloatArray
    n_segments: NDArray[np.int64]
    expert_label: FloatArray
    """``(n,)``: the item's final expert verdict, NaN (N/A) or a label where ``reviewed``."""
    reviewed: NDArray[np.bool_]
    """``(n,)``: the item's review chain completed (two agreeing or adjudicated, if double)."""

    @property
    def n_reviews(self) -> int:
        return int(self.item.shape[0])


class Engine(Protocol):
    """Runs the expert-review event loop of one replication."""

    name: str

    def review(self, problem: ReviewProblem, policy: Policy) -> ReviewLog:
        """Simulate reviews until the queue empties or a budget stops every expert."""
        ...
