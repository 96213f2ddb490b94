"""Writes one run's tables, summary and resolved config into a (temporary) run folder."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.downstream.rl import ARMS, RLResult
from sim.io.tables import (
    EVENT_SCHEMA,
    ITEM_SCHEMA,
    LEADERBOARD_SCHEMA,
    RL_SCHEMA,
    SCHEMA_VERSION,
    replication_schema,
    to_table,
    write_table,
)
from sim.metrics import METRICS
from sim.model.agreement import VALUE_KIND_NAMES
from sim.model.errors import ERROR_MODE_NAMES
from sim.policies.base import DECISION_NAMES
from sim.runner import RunResult
from sim.scenario import Scenario


def json_safe(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    return obj


def write_run(
    folder: Path,
    result: RunResult,
    sc: Scenario,
    summary: dict[str, Any],
    config_yaml: str,
    rl: RLResult | None = None,
) -> None:
    """``replications.parquet``, ``items.parquet``, ``events.parquet``,
    ``leaderboard.parquet``, ``rl.parquet`` (with an RL experiment), ``summary.json``,
    ``config.yaml`` into ``folder``."""
    R = len(next(iter(result.metrics.values())))
    reps = {
        "replication": np.arange(R, dtype=np.int32),
        "policy": np.array([sc.policy_class.name] * R, dtype=object),
    }
    reps.update(result.metrics)
    write_table(to_table([reps], replication_schema(METRICS)), folder / "replications.parquet")
    dictionaries = {
        "stratum": sc.strata.names,
        "group": sc.strata.group_names,
        "value_kind": VALUE_KIND_NAMES,
        "error_mode": ERROR_MODE_NAMES,
        "decision": DECISION_NAMES,
        "expert": sc.pool.names,
    }
    write_table(to_table(result.items, ITEM_SCHEMA, dictionaries), folder / "items.parquet")
    write_table(to_table(result.events, EVENT_SCHEMA, dictionaries), folder / "events.parquet")
    R_, M = result.board.shape[:2]
    board: dict[str, NDArray[np.generic]] = {
        "replication": np.repeat(np.arange(R_, dtype=np.int32), M),
        "model": np.tile(np.arange(M, dtype=np.int16), R_),
        "accuracy_original": result.board[:, :, 0].ravel(),
        "accuracy_maintained": result.board[:, :, 1].ravel(),
        "accuracy_truth": result.board[:, :, 2].ravel(),
    }
    write_table(
        to_table([board], LEADERBOARD_SCHEMA, {"model": sc.models.names}),
        folder / "leaderboard.parquet",
    )
    if rl is not None:
        write_table(to_table([rl_columns(rl)], RL_SCHEMA, {"arm": ARMS}), folder / "rl.parquet")
    body = {"schema_version": SCHEMA_VERSION, **summary}
    (folder / "summary.json").write_text(json.dumps(json_safe(body), indent=2) + "\n")
    (folder / "config.yaml").write_text(config_yaml)


def rl_columns(rl: RLResult) -> dict[str, NDArray[np.generic]]:
    """The RL experiment as columns: one row per label replication, seed and arm."""
    L, K, A = rl.heldout_items.shape
    grid = np.indices((L, K, A)).reshape(3, -1)
    return {
        "label_replication": grid[0].astype(np.int32),
        "seed": grid[1].astype(np.int32),
        "arm": grid[2].astype(np.int8),
        "accuracy_heldout_items": rl.heldout_items.ravel(),
        "accuracy_heldout_strata": rl.heldout_strata.ravel(),
    }
