"""Writes one run's tables, summary and resolved config into a (temporary) run folder."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from sim.io.tables import (
    EVENT_SCHEMA,
    ITEM_SCHEMA,
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


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    return obj


def write_run(
    folder: Path,
    result: RunResult,
    sc: Scenario,
    summary: dict[str, Any],
    config_yaml: str,
) -> None:
    """``replications.parquet``, ``items.parquet``, ``events.parquet``, ``summary.json``,
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
    body = {"schema_version": SCHEMA_VERSION, **summary}
    (folder / "summary.json").write_text(json.dumps(_json_safe(body), indent=2) + "\n")
    (folder / "config.yaml").write_text(config_yaml)
