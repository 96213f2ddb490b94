"""The review loop in plain Python: the Numba kernel's state machine (each expert off, free, busy
or done, with one timer) over the shared desk (:class:`~sim.engines.desk.ReviewDesk`), no SimPy.

It takes the desk's decisions at the instants the SimPy engine does, in the same order (finished
reviews by expert, then free experts by expert, then the policy's next phase when the queue ran
dry), so for any policy, hooks included, it gives the SimPy engine's outcomes event by event
(``tests/engines/test_plain_loop.py``). The Numba engine runs it for policies that react in
Python and whose hooks have no compiled form (a user's policy; ``learning``'s are compiled,
:mod:`sim.kernels.learning_loop`)."""

from __future__ import annotations

import math

from sim.engines.base import ReviewLog, ReviewProblem
from sim.engines.desk import Job, ReviewDesk
from sim.policies.base import Policy

OFF, FREE, BUSY, DONE = 0, 1, 2, 3


class PlainLoopEngine:
    """Expert review as a loop over expert timers in plain Python."""

    name = "heapq"  # its queue is the desk's heapq queue

    def review(self, problem: ReviewProblem, policy: Policy) -> ReviewLog:
        desk = ReviewDesk(problem, policy)
        desk.refill()
        if desk.check_finished():
            return desk.log()
        cal = problem.calendar
        ws, we, off = cal.window_start.tolist(), cal.window_end.tolist(), cal.offsets.tolist()
        E = problem.pool.n_experts
        window = off[:E]
        state = [OFF if window[e] < off[e + 1] else DONE for e in range(E)]
        timer = [ws[window[e]] if state[e] == OFF else math.inf for e in range(E)]
        jobs: list[Job | None] = [None] * E

        def next_window(e: int) -> None:
            window[e] += 1
            if window[e] < off[e + 1]:
                state[e], timer[e] = OFF, ws[window[e]]
            else:
                state[e], timer[e] = DONE, math.inf

        def assign_free(now: float) -> None:
            for e in range(E):
                if state[e] != FREE:
                    continue
                job = desk.assign(e, window[e], now)
                if job is not None:
                    jobs[e] = job
                    state[e], timer[e], window[e] = BUSY, job.finish, job.window
                elif desk.retired[e]:
                    state[e], timer[e] = DONE, math.inf

        while True:
            t = min(timer)
            if t == math.inf:
                break
            dispatch = False
            completed = []
            for e in range(E):
                if timer[e] != t:
                    continue
                s = state[e]
                if s == BUSY:
                    completed.append(jobs[e])
                    dispatch = True
                    if t >= we[window[e]]:
                        next_window(e)
                    else:
                        state[e], timer[e] = FREE, we[window[e]]
                elif s == OFF:
                    state[e], timer[e] = FREE, we[window[e]]
                    dispatch = True
                elif s == FREE:
                    next_window(e)
            if not dispatch:
                continue
            for job in completed:
                assert job is not None
                desk.record(job)
            assign_free(t)
            if desk.refill():
                assign_free(t)
            if desk.check_finished():
                break
        return desk.log()
