"""Step-by-step replications spread over worker processes: what runs in Python (the SimPy
engine's event loop, the ``learning`` policy's reactions to verdicts) cannot share the cores
through threads. Replication ``r`` still draws only from its own seed and lands in row ``r``,
so the results do not depend on how many processes ran them or in which order they finished."""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

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
    res = run_replication(sc, seed)
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


_scenario: Scenario | None = None


def _adopt(sc: Scenario) -> None:
    """A worker's start: keep the scenario, and leave Ctrl-C to the caller, which stops the
    workers (a worker interrupted inside a queue operation could hang the others)."""
    global _scenario
    _scenario = sc
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_chunk(
    chunk: tuple[Sequence[int], Sequence[np.random.SeedSequence], Detail],
) -> list[StepResult]:
    assert _scenario is not None, "the worker was started without its scenario"
    rows, seeds, detail = chunk
    return [step(_scenario, r, seed, detail) for r, seed in zip(rows, seeds, strict=True)]


def _context() -> multiprocessing.context.BaseContext:
    """Fork where it exists: the worker starts with the scenario and the loaded kernels."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def step_in_processes(
    sc: Scenario,
    rows: Sequence[int],
    seeds: Sequence[np.random.SeedSequence],
    detail: Detail,
    processes: int,
    on_done: Callable[[int], None] = lambda n: None,
) -> Iterator[StepResult]:
    """The step-by-step results of replications ``rows`` (seeds ``seeds``) from ``processes``
    worker processes, in the order they finish; ``on_done(n)`` after each chunk of ``n``. An
    error in a worker, or an interrupt, stops every worker and reaches the caller."""
    size = max(1, min(MAX_CHUNK, -(-len(rows) // (processes * CHUNKS_PER_PROCESS))))
    chunks = [(rows[i : i + size], seeds[i : i + size], detail) for i in range(0, len(rows), size)]
    pool = _context().Pool(processes, initializer=_adopt, initargs=(sc,))
    try:
        for results in pool.imap_unordered(_run_chunk, chunks):
            yield from results
            on_done(len(results))
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
