"""Replications of a scenario, each from its own SeedSequence child, collected into columns.

Replication ``r`` always uses child ``r`` of ``SeedSequence(seed)``, so results do not depend on
how replications are split across threads, processes or chunks. With the numba engine and a
kernel policy, whole replications run compiled and in parallel; the first few are also run
step by step for their item and event detail, and must give the same metrics."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from sim.engines.numba_engine import NumbaEngine
from sim.metrics import METRICS
from sim.records import Columns, event_columns, item_columns
from sim.replication import ReplicationResult, run_replication
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
) -> RunResult:
    """Run ``replications`` replications and keep the detail of the first few."""
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
    compiled = isinstance(engine, NumbaEngine) and engine.runs_whole(sc.policy_class)
    with bar:
        if compiled:
            assert isinstance(engine, NumbaEngine)
            chunk = max(4 * engine.threads, math.ceil(replications / 20))  # 20 progress steps
            for lo in range(0, replications, chunk):
                hi = min(replications, lo + chunk)
                table[lo:hi], board[lo:hi] = engine.run_replications(sc, seeds[lo:hi], len(METRICS))
                bar.update(hi - lo)
        for r in range(replications if not compiled else n_detail):
            res = run_replication(sc, seeds[r])
            row = np.array([res.metrics[name] for name in METRICS])
            if compiled and not (
                np.array_equal(row, table[r], equal_nan=True)
                and np.array_equal(res.board, board[r], equal_nan=True)
            ):
                raise RuntimeError(f"replication {r}: compiled and step-by-step runs differ")
            table[r] = row
            board[r] = res.board
            if r < label_replications:
                labels.append(res)
            if r < item_replications:
                items.append(item_columns(r, res, sc.rule))
            if r < event_replications and res.log.n_reviews:
                events.append(event_columns(r, res, sc.rule))
            if not compiled:
                bar.update()
    metrics = {name: table[:, j].copy() for j, name in enumerate(METRICS)}
    return RunResult(metrics=metrics, items=items, events=events, board=board, labels=labels)
