"""A sweep's results as one hive-partitioned Parquet dataset:
``<sweep dir>/trials/policy=<policy>/trial=<number>/replications.parquet``, one row per
replication with the trial's parameters (``param_*``), every metric, its objective values
(``objective_*``), constraint violations (``violation_*``) and ``feasible``. Each file appears
whole or not at all; its schema metadata keeps the trial's full configuration."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
from numpy.typing import NDArray

TRIALS_DIR = "trials"
FILE_NAME = "replications.parquet"


def column_name(param: str) -> str:
    """``policy.contentious_threshold`` -> ``param_policy_contentious_threshold``."""
    return "param_" + re.sub(r"[^0-9A-Za-z]+", "_", param).strip("_")


def _param_column(value: Any, rows: int) -> pa.Array:
    if isinstance(value, bool):
        return pa.array([value] * rows, pa.bool_())
    if isinstance(value, int | float):
        return pa.array([float(value)] * rows, pa.float64())
    return pa.array([str(value)] * rows, pa.string())


def trial_table(
    params: Mapping[str, Any],
    metrics: Mapping[str, NDArray[np.float64]],
    objectives: Sequence[float],
    violations: Sequence[float],
    metadata: Mapping[str, str],
) -> pa.Table:
    """One trial's rows: a row per replication."""
    rows = len(next(iter(metrics.values())))
    cols: dict[str, pa.Array] = {"replication": pa.array(np.arange(rows, dtype=np.int32))}
    for key, value in params.items():
        cols[column_name(key)] = _param_column(value, rows)
    for name, values in metrics.items():
        cols[name] = pa.array(np.asarray(values, dtype=np.float64))
    for i, v in enumerate(objectives):
        cols[f"objective_{i}"] = pa.array(np.full(rows, v, dtype=np.float64))
    for i, v in enumerate(violations):
        cols[f"violation_{i}"] = pa.array(np.full(rows, v, dtype=np.float64))
    cols["feasible"] = pa.array(np.full(rows, all(v <= 0 for v in violations)))
    meta = {k.encode(): v.encode() for k, v in metadata.items()}
    meta[b"stewardsim.params"] = json.dumps(dict(params), default=str).encode()
    return pa.table(cols).replace_schema_metadata(meta)


def partition_path(sweep_dir: Path, policy: str, trial: int) -> Path:
    return sweep_dir / TRIALS_DIR / f"policy={policy}" / f"trial={trial}" / FILE_NAME


def write_trial(sweep_dir: Path, policy: str, trial: int, table: pa.Table) -> Path:
    """Write the trial's partition through a temporary sibling renamed into place."""
    path = partition_path(sweep_dir, policy, trial)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def remove_trials(sweep_dir: Path, trials: list[int]) -> None:
    """Delete the partitions of ``trials``: a trial killed after its job wrote its partition but
    before the study recorded it leaves one, and its parameters run again under a new number."""
    for trial in trials:
        for path in (sweep_dir / TRIALS_DIR).glob(f"policy=*/trial={trial}/{FILE_NAME}"):
            path.unlink()


def read_trials(sweep_dir: Path) -> pa.Table:
    """Every finished trial's rows, with ``policy`` and ``trial`` from the partition names."""
    root = sweep_dir / TRIALS_DIR
    files = sorted(root.glob(f"policy=*/trial=*/{FILE_NAME}"))
    if not files:
        raise FileNotFoundError(f"{root}: no finished trials (is {sweep_dir} a sweep folder?)")
    keys = pa.schema([("policy", pa.string()), ("trial", pa.int64())])
    # Trials of a resumed or widened search may differ in columns: take their union.
    schema = pa.unify_schemas([pq.read_schema(f).remove_metadata() for f in files] + [keys])
    ds = pads.dataset(
        [str(f) for f in files],
        schema=schema,
        format="parquet",
        partitioning=pads.partitioning(keys, flavor="hive"),
        partition_base_dir=str(root),
    )
    return ds.to_table().sort_by([("trial", "ascending"), ("replication", "ascending")])


def trial_metadata(sweep_dir: Path, policy: str, trial: int) -> dict[str, str]:
    """The schema metadata of one trial's file (its configuration YAML among them)."""
    meta = pq.read_schema(partition_path(sweep_dir, policy, trial)).metadata or {}
    return {k.decode(): v.decode() for k, v in meta.items()}
