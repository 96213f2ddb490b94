"""The fast engine: the same event semantics as the SimPy engine, as one ``@njit`` kernel."""

from __future__ import annotations

import numpy as np

from sim.engines.base import ReviewLog, ReviewProblem
from sim.kernels.review_loop import review_loop
from sim.model.agreement import rule_array
from sim.policies.base import Policy


class NumbaEngine:
    """Array event loop (:func:`sim.kernels.review_loop.review_loop`). Policies that re-key the
    queue on verdicts need their ``on_verdict`` as a kernel and run on ``simpy`` until then."""

    name = "numba"

    def review(self, problem: ReviewProblem, policy: Policy) -> ReviewLog:
        n = problem.n_items
        log = np.empty((3 * n, 9))
        expert_label = np.full(n, np.nan)
        reviewed = np.zeros(n, dtype=np.bool_)
        pool, cal, draws = problem.pool, problem.calendar, problem.draws
        m = review_loop(
            problem.keys,
            problem.group,
            problem.value_kind,
            problem.truth,
            draws.base_minutes,
            draws.error_u,
            draws.wrong_label,
            pool.specialty,
            float(pool.outside_specialty_slowdown),
            pool.usd_per_hour,
            pool.error_probability,
            cal.window_start,
            cal.window_end,
            cal.offsets,
            float(problem.budget_seconds),
            float(problem.budget_usd),
            bool(pool.double_review),
            rule_array(problem.rule),
            log,
            expert_label,
            reviewed,
        )
        rows = log[:m]
        return ReviewLog(
            item=rows[:, 0].astype(np.int64),
            expert=rows[:, 1].astype(np.int64),
            stage=rows[:, 2].astype(np.int8),
            start_second=rows[:, 3].copy(),
            finish_second=rows[:, 4].copy(),
            work_seconds=rows[:, 5].copy(),
            usd=rows[:, 6].copy(),
            label=rows[:, 7].copy(),
            n_segments=rows[:, 8].astype(np.int64),
            expert_label=expert_label,
            reviewed=reviewed,
        )
