"""Engine-independent bookkeeping of one replication's reviews: the queue, budgets, review
chains (single, or double with adjudication) and the log. The engines own only *when* things
happen; this class decides *what* happens at a dispatch, so every engine shares it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engines.base import ReviewLog, ReviewProblem
from sim.engines.queue import ReviewQueue
from sim.kernels.agreement import agrees_one
from sim.model.agreement import rule_array
from sim.model.calendar import finish_of_work
from sim.policies.base import Policy


@dataclass(frozen=True)
class Job:
    """A started review."""

    item: int
    stage: int
    expert: int
    start: float
    finish: float
    window: int
    """Index of the window in which the review finishes."""
    label: float


class ReviewDesk:
    """Decides, at each dispatch, which reviews are recorded and which start."""

    def __init__(self, problem: ReviewProblem, policy: Policy) -> None:
        self.p = problem
        self.policy = policy
        self.queue = ReviewQueue(problem.keys)
        n = problem.n_items
        self.first_label = np.full(n, np.nan)
        self.second_label = np.full(n, np.nan)
        self.expert_label = np.full(n, np.nan)
        self.reviewed = np.zeros(n, dtype=bool)
        self.done_by: set[tuple[int, int]] = set()
        self.spent_seconds = 0.0
        self.spent_usd = 0.0
        self.running = 0
        self.retired = np.zeros(problem.pool.n_experts, dtype=bool)
        self.finished = False
        self._rule = rule_array(problem.rule)
        self._rows: list[tuple[int, int, int, float, float, float, float, float, int]] = []

    def record(self, job: Job) -> None:
        """A review finished: advance the item's chain and tell the policy a final verdict."""
        self.running -= 1
        item, stage = job.item, job.stage
        final = not self.p.pool.double_review
        if stage == 0:
            self.first_label[item] = job.label
        elif stage == 1:
            self.second_label[item] = job.label
            final = agrees_one(
                job.label, self.first_label[item], int(self.p.value_kind[item]), self._rule
            )
        else:
            final = True
        if not final:
            self.queue.push_follow_up(item, stage + 1)
            return
        verdict = self.first_label[item] if stage == 1 else job.label
        self.expert_label[item] = verdict
        self.reviewed[item] = True
        self._requeue(*self.policy.on_verdict(item, float(verdict)))

    def _requeue(self, items: np.ndarray, keys: np.ndarray) -> None:
        self.queue.requeue(items.tolist(), keys.tolist())

    def assign(self, expert: int, window: int, now: float) -> Job | None:
        """The review ``expert`` (free at ``now`` in ``window``) starts, or None: nothing it
        may take (it waits), or the first entry does not fit a budget (it retires)."""
        entry = self.queue.pop_eligible(self.done_by, expert)
        if entry is None:
            return None
        item, stage = entry[2], entry[3]
        seconds = self.p.review_seconds(item, stage, expert)
        usd = seconds / 3600.0 * float(self.p.pool.usd_per_hour[expert])
        _, stop = self.p.calendar.windows_of(expert)
        finish, w_end, segments = finish_of_work(
            self.p.calendar.window_start, self.p.calendar.window_end, window, stop, now, seconds
        )
        fits = (
            np.isfinite(finish)
            and self.spent_seconds + seconds <= self.p.budget_seconds
            and self.spent_usd + usd <= self.p.budget_usd
        )
        reserve = self.policy.reserved_seconds()
        if fits and reserve > 0 and self.spent_seconds + seconds > self.p.budget_seconds - reserve:
            # The phase would eat into the time kept for the next one: that phase starts now.
            self.queue.put_back(entry)
            self._requeue(*self.policy.on_phase_end("reserve"))
            if self.policy.reserved_seconds() >= reserve:
                raise RuntimeError(
                    f"policy {self.policy.name!r}: on_phase_end must lower reserved_seconds"
                )
            return self.assign(expert, window, now)
        if not fits:
            self.queue.put_back(entry)
            self.retired[expert] = True
            return None
        self.queue.take(entry)
        self.done_by.add((item, expert))
        self.spent_seconds += seconds
        self.spent_usd += usd
        self.running += 1
        label = self.p.verdict(item, stage, expert)
        self._rows.append((item, expert, stage + 1, now, finish, seconds, usd, label, segments))
        return Job(item, stage, expert, now, finish, w_end, label)

    def refill(self) -> bool:
        """When nothing is queued and nothing runs, ask the policy for its next phase; True if
        it queued anything."""
        if self.queue.n_live or self.running or self.finished:
            return False
        self._requeue(*self.policy.on_phase_end("queue_empty"))
        return self.queue.n_live > 0

    def check_finished(self) -> bool:
        """True once nothing is queued and nothing runs, or every expert has retired."""
        if (self.queue.n_live == 0 and self.running == 0) or (
            self.running == 0 and bool(self.retired.all())
        ):
            self.finished = True
        return self.finished

    def log(self) -> ReviewLog:
        rows = self._rows
        col = list(zip(*rows, strict=True)) if rows else [()] * 9
        return ReviewLog(
            item=np.array(col[0], dtype=np.int64),
            expert=np.array(col[1], dtype=np.int64),
            stage=np.array(col[2], dtype=np.int8),
            start_second=np.array(col[3], dtype=np.float64),
            finish_second=np.array(col[4], dtype=np.float64),
            work_seconds=np.array(col[5], dtype=np.float64),
            usd=np.array(col[6], dtype=np.float64),
            label=np.array(col[7], dtype=np.float64),
            n_segments=np.array(col[8], dtype=np.int64),
            expert_label=self.expert_label,
            reviewed=self.reviewed,
        )
