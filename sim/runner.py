"""Replications of a scenario, each from its own SeedSequence child, collected into columns.

Replication ``r`` always uses child ``r`` of ``SeedSequence(seed)``, so results do not depend on
how replications are split across threads, processes or chunks. With the numba engine and a
kernel policy, whole replications run compiled and in parallel; the first few are also run
step by step for their item and event detail, and must give the same metrics."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from sim import interrupt
from sim.engines.numba_engine import NumbaEngine
from sim.metrics import METRICS
from sim.processes import Detail, StepResult, processes_for, step, step_in_processes
from sim.records import Columns
from sim.replication import ReplicationResult
from sim.scenario import Scenario


@dataclass(frozen=True)
class RunResult:
    """Metrics by column ``(R,)``, plus the kept replications' item and event detail."""

    metrics: dict[str, NDArray[np.float64]]
    items: list[Columns]
    """Item records of the first ``item_replications`` replications, one chunk each."""
    events: list[Columns]
    """Review records of the first ``event_replications`` replications, one chunk each."""
    board: NDArray[np.float64]
    """Evaluated models' accuracy ``(R, M, 3)`` against [original, maintained, true] labels."""
    labels: list[ReplicationResult]
    """The first ``label_replications`` replications in full (for downstream experiments)."""


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    return np.random.SeedSequence(seed).spawn(replications)


def run_scenario(
    sc: Scenario,
    replications: int,
    seed: int,
    *,
    item_replications: int = 10,
    event_replications: int = 100,
    label_replications: int = 0,
    progress: bool = False,
    processes: int = 1,
) -> RunResult:
    """Run ``replications`` replications and keep the detail of the first few. Replications
    that run step by step in Python use up to ``processes`` worker processes
    (:mod:`sim.processes`); compiled ones use the engine's threads. ``label_replications``
    are kept for the RL experiment: when there are any, a cold start compiles its kernels
    too."""
    seeds = replication_seeds(seed, replications)
    table = np.empty((replications, len(METRICS)))
    board = np.empty((replications, sc.models.n_models, 3))
    labels: list[ReplicationResult] = []
    items: list[Columns] = []
    events: list[Columns] = []
    n_detail = min(replications, max(item_replications, event_replications, label_replications))
    bar = tqdm(
        total=replications,
        desc=f"{sc.name} · {sc.policy_class.name}",
        unit="rep",
        disable=not progress,
        file=sys.stderr,
        leave=False,
    )
    engine = sc.engine
    then_rl = label_replications > 0  # a cold start's helper compiles the experiment's kernels
    compiled = isinstance(engine, NumbaEngine) and engine.runs_whole(sc.policy_class)
    with bar:
        if compiled:
            assert isinstance(engine, NumbaEngine)
            chunk = max(4 * engine.threads, math.ceil(replications / 20))  # 20 progress steps
            for lo in range(0, replications, chunk):
                hi = min(replications, lo + chunk)
                table[lo:hi], board[lo:hi] = engine.run_replications(
                    sc, seeds[lo:hi], len(METRICS), then_rl=then_rl
                )
                bar.update(hi - lo)
                interrupt.check()
        if isinstance(engine, NumbaEngine) and not compiled:
            engine.prepare_step_by_step(sc.policy_class, then_rl=then_rl)
        detail = Detail(item_replications, event_replications, label_replications)
        n_step = replications if not compiled else n_detail
        rows = range(n_step)
        n_proc = 1 if compiled else processes_for(n_step, processes)
        if n_proc > 1:
            results: Iterable[StepResult] = step_in_processes(
                sc, rows, seeds[:n_step], detail, n_proc
            )
        else:
            results = (step(sc, r, seeds[r], detail) for r in rows)
        kept: dict[int, StepResult] = {}
        for res in results:
            interrupt.check()
            r = res.replication
            if compiled and not (
                np.array_equal(res.metrics, table[r], equal_nan=True)
                and np.array_equal(res.board, board[r], equal_nan=True)
            ):
                raise RuntimeError(f"replication {r}: compiled and step-by-step runs differ")
            table[r] = res.metrics
            board[r] = res.board
            if res.items is not None or res.events is not None or res.full is not None:
                kept[r] = res
            if not compiled:
                bar.update()
    for r in sorted(kept):  # in replication order, however the processes finished
        res = kept[r]
        if res.full is not None:
            labels.append(res.full)
        if res.items is not None:
            items.append(res.items)
        if res.events is not None:
            events.append(res.events)
    metrics = {name: table[:, j].copy() for j, name in enumerate(METRICS)}
    return RunResult(metrics=metrics, items=items, events=events, board=board, labels=labels)
