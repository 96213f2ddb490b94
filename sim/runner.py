"""Replications of a scenario, each from its own SeedSequence child, collected into columns.

Replication ``r`` always uses child ``r`` of ``SeedSequence(seed)``, so results do not depend on
how replications are split across threads, processes or chunks."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

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
    """Review records of every replication, one chunk each."""


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    return np.random.SeedSequence(seed).spawn(replications)


def run_scenario(
    sc: Scenario,
    replications: int,
    seed: int,
    *,
    item_replications: int = 10,
    progress: bool = False,
    on_replication: Callable[[int, ReplicationResult], None] | None = None,
) -> RunResult:
    """Run ``replications`` replications; keep item detail for the first
    ``item_replications`` and every replication's review events."""
    columns = {name: np.empty(replications) for name in METRICS}
    items: list[Columns] = []
    events: list[Columns] = []
    bar = tqdm(
        total=replications,
        desc=f"{sc.name} · {sc.policy_class.name}",
        unit="rep",
        disable=not progress,
        file=sys.stderr,
        leave=False,
    )
    with bar:
        for r, ss in enumerate(replication_seeds(seed, replications)):
            res = run_replication(sc, ss)
            for name in METRICS:
                columns[name][r] = res.metrics[name]
            if r < item_replications:
                items.append(item_columns(r, res, sc.rule))
            if res.log.n_reviews:
                events.append(event_columns(r, res, sc.rule))
            if on_replication is not None:
                on_replication(r, res)
            bar.update()
    return RunResult(metrics=columns, items=items, events=events)
