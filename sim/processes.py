"""Step-by-step replications spread over worker processes: what runs in Python (the SimPy
engine's event loop, the ``learning`` policy's reactions to verdicts) cannot share the cores
through threads. Replication ``r`` still draws only from its own seed and lands in row ``r``,
so the results do not depend on how many processes ran them or in which order they finished."""

from __future__ import annotations

import multiprocessing
import pickle
import signal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import cast

import numpy as np
from numpy.typing import NDArray

from sim.engines.threads import available_cpus
from sim.metrics import METRICS
from sim.records import Columns, event_columns, item_columns
from sim.replication import ReplicationResult, run_replication
from sim.scenario import Scenario

MIN_REPLICATIONS_PER_PROCESS = 8
"""Fewer step-by-step replications than this per process run in the calling process: a worker
costs more to start than a few replications take."""
CHUNKS_PER_PROCESS = 6
"""Each process gets its replications in at least this many chunks, for balance when
replications' costs differ."""
MAX_CHUNK = 32
"""Replications per chunk at most, so that the progress bar moves on long runs."""
IN_FLIGHT = 2
"""Chunks sent to a worker ahead of its results, so that it starts the next one at once."""


@dataclass(frozen=True)
class Detail:
    """How many of the first replications keep their item rows, event rows and full result."""

    item_replications: int = 0
    event_replications: int = 0
    label_replications: int = 0


@dataclass(frozen=True)
class StepResult:
    """What the runner keeps of one step-by-step replication."""

    replication: int
    metrics: NDArray[np.float64]
    """The row of :data:`~sim.metrics.METRICS`."""
    board: NDArray[np.float64]
    items: Columns | None
    events: Columns | None
    full: ReplicationResult | None


def step(sc: Scenario, r: int, seed: np.random.SeedSequence, detail: Detail) -> StepResult:
    """Run replication ``r`` step by step and keep what ``detail`` asks for."""
    return kept_of(sc, r, run_replication(sc, seed), detail)


def kept_of(sc: Scenario, r: int, res: ReplicationResult, detail: Detail) -> StepResult:
    """What ``detail`` asks to keep of replication ``r``'s result ``res``."""
    return StepResult(
        replication=r,
        metrics=np.array([res.metrics[name] for name in METRICS]),
        board=res.board,
        items=item_columns(r, res, sc.rule) if r < detail.item_replications else None,
        events=(
            event_columns(r, res, sc.rule)
            if r < detail.event_replications and res.log.n_reviews
            else None
        ),
        full=res if r < detail.label_replications else None,
    )


def process_count(processes: int) -> int:
    """``engine.processes`` as a count: 0 means every CPU this process may use."""
    return processes or available_cpus()


def processes_for(n_replications: int, processes: int) -> int:
    """How many processes to use for ``n_replications`` when ``processes`` may be used: 1 in a
    daemonic process (it may not start children) or when too few replications would each get."""
    if multiprocessing.current_process().daemon:
        return 1
    return max(1, min(processes, n_replications // MIN_REPLICATIONS_PER_PROCESS))


def _serve(conn: Connection, sc: Scenario) -> None:
    """A worker: run the chunks ``conn`` sends until it sends None; Ctrl-C is the caller's,
    which stops the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while (task := conn.recv()) is not None:
        rows, seeds, detail = task
        try:
            results = [step(sc, r, seed, detail) for r, seed in zip(rows, seeds, strict=True)]
        except Exception as err:
            conn.send(("error", _picklable(err)))
            return
        conn.send(("done", results))


def _picklable(err: Exception) -> Exception:
    try:
        pickle.dumps(err)
    except Exception:
        return RuntimeError(f"{type(err).__name__}: {err}")
    return err


def _died(worker: multiprocessing.process.BaseProcess) -> RuntimeError:
    worker.join(timeout=5)
    return RuntimeError(f"a worker process died (exit code {worker.exitcode})")


def _context() -> multiprocessing.context.ForkContext | multiprocessing.context.SpawnContext:
    """Fork where it exists: the worker starts with the scenario and the loaded kernels."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def step_in_processes(
    sc: Scenario,
    rows: Sequence[int],
    seeds: Sequence[np.random.SeedSequence],
    detail: Detail,
    processes: int,
) -> Iterator[StepResult]:
    """The step-by-step results of replications ``rows`` (seeds ``seeds``) from ``processes``
    worker processes (after the first, which runs in this process when workers are forked), in
    the order they finish, a chunk at a time. An
    error in a worker, or an interrupt, stops every worker and reaches the caller.

    Each worker has a pipe of its own, so stopping one (killing it) can leave no lock held
    that another process waits on, as a shared task queue could."""
    context = _context()
    if rows and context.get_start_method() == "fork":
        # The first replication runs here, so the workers forked after it start with every
        # kernel it loaded; otherwise each worker of each call loads them from the cache again
        # (about 0.4 s of a sweep trial of 100 learning replications on 2 workers).
        yield step(sc, rows[0], seeds[0], detail)
        rows, seeds = rows[1:], seeds[1:]
        if not rows:
            return
    size = max(1, min(MAX_CHUNK, -(-len(rows) // (processes * CHUNKS_PER_PROCESS))))
    chunks = iter(
        [(rows[i : i + size], seeds[i : i + size], detail) for i in range(0, len(rows), size)]
    )
    workers: dict[Connection, multiprocessing.process.BaseProcess] = {}
    in_flight: dict[Connection, int] = {}
    finished = False

    def feed(conn: Connection) -> None:
        """Send ``conn`` the next chunk, or None (stop) once it has nothing left to do."""
        chunk = next(chunks, None)
        if chunk is not None:
            conn.send(chunk)
            in_flight[conn] += 1
        elif in_flight[conn] == 0:
            conn.send(None)
            del in_flight[conn]

    try:
        for _ in range(processes):
            mine, theirs = context.Pipe()
            worker = context.Process(target=_serve, args=(theirs, sc), daemon=True)
            worker.start()
            theirs.close()
            workers[mine] = worker
            in_flight[mine] = 0
        for _ in range(IN_FLIGHT):
            for conn in list(in_flight):
                feed(conn)
        while in_flight:
            for conn in cast(list[Connection], wait(list(in_flight))):
                try:
                    status, payload = conn.recv()
                except (EOFError, OSError):
                    raise _died(workers[conn]) from None
                if status == "error":
                    raise payload
                in_flight[conn] -= 1
                try:
                    feed(conn)  # before the caller sees the results: the worker never waits
                except OSError:
                    raise _died(workers[conn]) from None
                yield from payload
        finished = True
    finally:
        for conn, process in workers.items():
            if not finished:
                process.kill()
            process.join()
            conn.close()
