"""Replications spread over threads: a kernel that releases the GIL runs one share of the rows on
each thread, share ``k`` of ``T`` being rows ``k, k + T, k + 2T, ...``. Interleaved shares
balance replications whose cost drifts along the rows. The calling thread runs share 0; the
others go to worker threads that wait for work between calls, so a short call (the runner's
progress chunks) does not pay for starting threads. A forked child starts its own workers."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable

Share = Callable[[int, int], None]
_Task = tuple[Share, int, int, "queue.SimpleQueue[BaseException | None]"]

_workers: list[queue.SimpleQueue[_Task]] = []
_workers_lock = threading.Lock()


def available_cpus() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _work(tasks: queue.SimpleQueue[_Task]) -> None:
    while True:
        run_share, first, step, done = tasks.get()
        try:
            run_share(first, step)
        except BaseException as error:  # handed to the calling thread
            done.put(error)
        else:
            done.put(None)


def _worker_queues(n: int) -> list[queue.SimpleQueue[_Task]]:
    """The task queues of ``n`` waiting worker threads, starting any that are missing."""
    with _workers_lock:
        while len(_workers) < n:
            tasks: queue.SimpleQueue[_Task] = queue.SimpleQueue()
            threading.Thread(target=_work, args=(tasks,), daemon=True).start()
            _workers.append(tasks)
        return _workers[:n]


def _forget_workers() -> None:
    """In a forked child: the worker threads did not survive the fork, and the lock may have
    been held by a thread that did not either."""
    global _workers_lock
    _workers.clear()
    _workers_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_workers)


def run_interleaved(run_share: Share, n_rows: int, threads: int) -> None:
    """Call ``run_share(first, step)`` for ``first`` in ``0..T-1`` with ``step = T``, where
    ``T = min(threads, n_rows)``; the calling thread runs share 0.

    ``run_share`` must write only its own rows, so the split cannot change the results. An
    error raised by any share is raised here, after every share has stopped; so is a Ctrl-C
    that lands while the calling thread waits for the others (raised at once, it would let the
    caller drop arrays and generators that compiled shares are still using)."""
    shares = max(1, min(threads, n_rows))
    done: queue.SimpleQueue[BaseException | None] = queue.SimpleQueue()
    for k, tasks in enumerate(_worker_queues(shares - 1), start=1):
        tasks.put((run_share, k, shares, done))
    errors = []
    try:
        run_share(0, shares)
    except BaseException as error:
        errors.append(error)
    waiting = shares - 1
    while waiting:
        try:
            outcome = done.get()
        except BaseException as error:  # Ctrl-C while the other shares still write their rows
            errors.append(error)
            continue
        waiting -= 1
        if outcome is not None:
            errors.append(outcome)
    if errors:
        raise errors[0]
