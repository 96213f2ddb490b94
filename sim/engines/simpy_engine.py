"""The reference engine: expert review as a SimPy discrete-event simulation.

Each expert is a SimPy process walking its calendar windows; the review queue is a heap (a
``PriorityResource`` goes quadratic with thousands of waiting requests). All decisions at an
instant are taken by one dispatch event scheduled *after* every ordinary event at that instant,
so the outcome never depends on the order in which SimPy wakes processes up. This is the place
to extend the model: add a process, a calendar rule or a new kind of event here first."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy
from simpy.events import EventPriority

from sim.engines.base import ReviewLog, ReviewProblem
from sim.engines.desk import Job, ReviewDesk
from sim.policies.base import Policy

# SimPy orders events at one instant by (priority, insertion); NORMAL is 1. A larger number runs
# after every NORMAL event at that instant, including ones scheduled later.
_AFTER_NORMAL = EventPriority(2)


class _Dispatch(simpy.Event):
    """An event that fires at the current instant after all ordinary events."""

    def __init__(self, env: simpy.Environment) -> None:
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, _AFTER_NORMAL)


class _Coordinator:
    """Collects free experts and finished reviews, and hands out work at each dispatch."""

    def __init__(self, env: simpy.Environment, desk: ReviewDesk) -> None:
        self.env = env
        self.desk = desk
        self.free: dict[int, tuple[int, simpy.Event]] = {}
        self.finished_jobs: list[Job] = []
        self.pending = False

    def _request_dispatch(self) -> None:
        if not self.pending:
            self.pending = True
            _Dispatch(self.env).callbacks.append(self._dispatch)

    def offer(self, expert: int, window: int) -> simpy.Event:
        """``expert`` is free inside ``window``; the returned event carries its Job (or None:
        retire or stop)."""
        ev = self.env.event()
        self.free[expert] = (window, ev)
        self._request_dispatch()
        return ev

    def withdraw(self, expert: int) -> None:
        self.free.pop(expert, None)

    def complete(self, job: Job) -> None:
        self.finished_jobs.append(job)
        self._request_dispatch()

    def _assign_free(self, now: float) -> None:
        for expert in sorted(self.free):
            window, ev = self.free[expert]
            job = self.desk.assign(expert, window, now)
            if job is not None or self.desk.retired[expert]:
                del self.free[expert]
                ev.succeed(job)

    def _dispatch(self, event: simpy.Event) -> None:
        self.pending = False
        now = self.env.now
        for done in sorted(self.finished_jobs, key=lambda j: j.expert):
            self.desk.record(done)
        self.finished_jobs.clear()
        self._assign_free(now)
        if self.desk.refill():
            self._assign_free(now)
        if self.desk.check_finished():
            for _, ev in self.free.values():
                ev.succeed(None)
            self.free.clear()


def _expert(
    env: simpy.Environment, expert: int, coord: _Coordinator, problem: ReviewProblem
) -> Generator[simpy.Event, Any, None]:
    cal = problem.calendar
    w, stop = cal.windows_of(expert)
    while w < stop and not coord.desk.finished:
        start, end = float(cal.window_start[w]), float(cal.window_end[w])
        if env.now >= end:
            w += 1
            continue
        if env.now < start:
            yield env.timeout(start - env.now)
            if coord.desk.finished:
                return
        assignment = coord.offer(expert, w)
        yield assignment | env.timeout(end - env.now)
        if not assignment.triggered:
            coord.withdraw(expert)
            w += 1
            continue
        job: Job | None = assignment.value
        if job is None:
            return
        yield env.timeout(job.finish - env.now)
        coord.complete(job)
        w = job.window


class SimpyEngine:
    """Discrete-event reference engine (readable, extensible; slower)."""

    name = "simpy"

    def __init__(self, threads: int = 0) -> None:
        self.threads = 1  # SimPy runs one replication at a time

    def review(self, problem: ReviewProblem, policy: Policy) -> ReviewLog:
        env = simpy.Environment()
        desk = ReviewDesk(problem, policy)
        coord = _Coordinator(env, desk)
        desk.refill()
        if desk.check_finished():
            return desk.log()
        for expert in range(problem.pool.n_experts):
            env.process(_expert(env, expert, coord, problem))
        env.run()
        return desk.log()
