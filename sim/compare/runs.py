"""Run folders read for a comparison, and the comparison of one run with another: which
settings differ, whether replications pair up on common random numbers, and each metric's
difference."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from numpy.typing import NDArray

from sim.compare.paired import Difference, paired_difference, unpaired_difference
from sim.metrics import metric_direction

RUN_FILES = ("replications.parquet", "summary.json", "config.yaml")
DRAW_SETTINGS = ("seed", "scenario.", "verifier.", "experts.", "downstream.")
"""What a replication's draws depend on: with these equal, replication ``r`` of two runs drew
the same benchmark, verifier outputs, expert calendars and review times, whatever the policy,
budget or engine."""
IGNORED_SETTINGS = ("output.", "progress", "sweep.", "engine.threads", "engine.processes")
"""Settings that change neither a run's draws nor its outcomes."""


class RunError(ValueError):
    """A folder that is not a readable run folder; the message names it."""


@dataclass(frozen=True)
class RunResults:
    """One run folder's per-replication metrics and its settings (flattened keys)."""

    path: Path
    policy: str
    seed: int
    settings: dict[str, Any]
    replication: NDArray[np.int64]
    metrics: dict[str, NDArray[np.float64]]

    def column(self, metric: str, replications: NDArray[np.int64]) -> NDArray[np.float64]:
        """The metric's values at ``replications`` (replication indices this run has)."""
        where = np.searchsorted(self.replication, replications)
        return self.metrics[metric][where]


def flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a.b": value}`` for every leaf of nested mappings; lists are leaves."""
    if not isinstance(node, dict):
        return {prefix.rstrip("."): node}
    out: dict[str, Any] = {}
    for key, value in node.items():
        out.update(flatten(value, f"{prefix}{key}."))
    return out


def load_run(path: Path) -> RunResults:
    """Read a run folder (``outputs/runs/<run>``); a :class:`RunError` says what is wrong."""
    expected = f"expected a run folder (outputs/runs/<run>) holding {', '.join(RUN_FILES)}"
    if not path.is_dir():
        raise RunError(f"{str(path)!r}: no such folder; {expected}")
    missing = [f for f in RUN_FILES if not (path / f).is_file()]
    if missing:
        raise RunError(f"{str(path)!r}: {', '.join(missing)} missing; {expected}")
    try:
        summary = json.loads((path / "summary.json").read_text())
        config = yaml.safe_load((path / "config.yaml").read_text()) or {}
        table = pq.read_table(path / "replications.parquet")
    except (OSError, ValueError, yaml.YAMLError, pa.ArrowException) as err:
        raise RunError(f"{str(path)!r}: cannot be read ({err}); {expected}") from None
    if "replication" not in table.column_names or not isinstance(config, dict):
        raise RunError(f"{str(path)!r}: not a stewardsim run's tables; {expected}")
    replication = table.column("replication").to_numpy().astype(np.int64)
    order = np.argsort(replication, kind="stable")
    metrics = {
        name: np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)[order]
        for name in table.column_names
        if pa.types.is_integer(table.schema.field(name).type)
        or pa.types.is_floating(table.schema.field(name).type)
    }
    metrics.pop("replication")
    return RunResults(
        path=path,
        policy=str(summary.get("policy", "?")),
        seed=int(summary.get("seed", config.get("seed", -1))),
        settings=flatten(config),
        replication=replication[order],
        metrics=metrics,
    )


def differing_settings(a: RunResults, b: RunResults) -> list[tuple[str, Any, Any]]:
    """``(key, value in a, value in b)`` of every setting that differs, in key order; a key
    only one run has shows ``None`` for the other."""
    keys = sorted(set(a.settings) | set(b.settings))
    return [
        (k, a.settings.get(k), b.settings.get(k))
        for k in keys
        if not k.startswith(IGNORED_SETTINGS) and a.settings.get(k) != b.settings.get(k)
    ]


@dataclass(frozen=True)
class Comparison:
    """Run ``other`` against run ``base``: per metric, ``other - base``."""

    base: RunResults
    other: RunResults
    differing: list[tuple[str, Any, Any]]
    paired: bool
    """Same seed: replication ``r`` of both runs came from the same seed, so the runs are
    compared replication by replication."""
    same_draws: bool
    """Paired, and every setting the draws depend on is equal (common random numbers)."""
    n_pairs: int
    differences: dict[str, Difference]


def compare(base: RunResults, other: RunResults, metrics: list[str]) -> Comparison:
    """``other - base`` for each of ``metrics`` (present in both runs): paired over the
    replications both ran when their seeds agree, else unpaired."""
    differing = differing_settings(base, other)
    paired = base.seed == other.seed
    same_draws = paired and not any(k.startswith(DRAW_SETTINGS) for k, _, _ in differing)
    common = np.intersect1d(base.replication, other.replication)
    differences: dict[str, Difference] = {}
    for m in metrics:
        if paired:
            differences[m] = paired_difference(
                base.column(m, common), other.column(m, common), metric_direction(m)
            )
        else:
            differences[m] = unpaired_difference(base.metrics[m], other.metrics[m])
    return Comparison(
        base=base,
        other=other,
        differing=differing,
        paired=paired,
        same_draws=same_draws,
        n_pairs=int(common.size) if paired else 0,
        differences=differences,
    )
