"""Run folders read for a comparison, and the comparison of one run with another: which
settings differ, whether replications pair up on common random numbers, and each metric's
difference."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from numpy.typing import NDArray
from omegaconf import OmegaConf

from sim.compare.paired import Difference, paired_difference, unpaired_difference
from sim.config.schema import RootConfig
from sim.metrics import metric_direction

TABLE = "replications.parquet"
EXPECTED = (
    "expected a run folder (outputs/runs/<run>), a sweep trial's folder "
    "(<sweep>/trials/policy=<p>/trial=<n>) or <sweep>:<trial number>"
)
TRIAL_COLUMNS = ("param_", "objective_", "violation_")
"""A sweep trial's columns that are not metrics."""
DRAW_SETTINGS = (
    "seed",
    "scenario.",
    "verifier.",
    "experts.",
    "downstream.leaderboard.",
    "budget.calendar_days",
)
"""What a replication's draws depend on: with these equal, replication ``r`` of two runs drew
the same benchmark, verifier outputs, expert calendars and review times, whatever the policy,
the hours and dollars, or the engine (the calendar's length shapes its absence draws)."""
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


def load_run(where: str | Path) -> RunResults:
    """Read a run folder (``outputs/runs/<run>``), a sweep trial's folder
    (``<sweep>/trials/policy=<p>/trial=<n>``) or ``<sweep>:<n>`` for trial ``n``; a
    :class:`RunError` says what is wrong."""
    path = trial_folder(str(where)) or Path(where)
    if not path.is_dir():
        raise RunError(f"{str(where)!r}: no such folder; {EXPECTED}")
    if not (path / TABLE).is_file():
        raise RunError(f"{str(where)!r}: {TABLE} missing; {EXPECTED}")
    try:
        table = pq.read_table(path / TABLE)
        config = _config(path, table)
    except (OSError, yaml.YAMLError, pa.ArrowException) as err:
        raise RunError(f"{str(where)!r}: cannot be read ({err}); {EXPECTED}") from None
    if config is None:
        raise RunError(f"{str(where)!r}: config.yaml missing; {EXPECTED}")
    if (
        "replication" not in table.column_names
        or not isinstance(config, dict)
        or not isinstance(config.get("seed"), int)
    ):
        raise RunError(f"{str(where)!r}: not a stewardsim run's tables; {EXPECTED}")
    replication = table.column("replication").to_numpy().astype(np.int64)
    order = np.argsort(replication, kind="stable")
    metrics = {
        name: np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)[order]
        for name in table.column_names
        if name != "replication"
        and not name.startswith(TRIAL_COLUMNS)
        and (
            pa.types.is_integer(table.schema.field(name).type)
            or pa.types.is_floating(table.schema.field(name).type)
        )
    }
    return RunResults(
        path=path,
        policy=str((config.get("policy") or {}).get("name", "?")),
        seed=config["seed"],
        settings=flatten(config),
        replication=replication[order],
        metrics=metrics,
    )


def _config(path: Path, table: pa.Table) -> Any:
    """The run's settings: a sweep trial keeps them in its table's metadata, a run beside it;
    None when neither has them."""
    meta = table.schema.metadata or {}
    if b"stewardsim.config" in meta:
        return yaml.safe_load(meta[b"stewardsim.config"].decode())
    if (path / "config.yaml").is_file():
        return yaml.safe_load((path / "config.yaml").read_text())
    return None


def trial_folder(where: str) -> Path | None:
    """The folder of trial ``n`` for ``<sweep>:<n>``, when the sweep has that trial."""
    match = re.fullmatch(r"(.+):(\d+)", where)
    if match is None or Path(where).exists():
        return None
    sweep, number = Path(match[1]), int(match[2])
    found = sorted((sweep / "trials").glob(f"policy=*/trial={number}"))
    if not found:
        raise RunError(
            f"{where!r}: {sweep} has no trial {number}; expected <sweep folder>:<trial number> "
            "of a finished trial"
        )
    return found[0]


@functools.cache
def schema_defaults() -> dict[str, Any]:
    """Every setting's default in the config schema, flattened as :func:`flatten` does."""
    defaults = OmegaConf.to_container(OmegaConf.structured(RootConfig), enum_to_str=True)
    return flatten(defaults)


def differing_settings(a: RunResults, b: RunResults) -> list[tuple[str, Any, Any]]:
    """``(key, value in a, value in b)`` of every setting that differs, in key order. A run
    writes every setting of its version, so a key only one run has is a setting added later:
    the other run counts as having its default (new settings default to what ran before
    them), or ``None`` where the schema has no default for it."""
    keys = sorted(set(a.settings) | set(b.settings))
    defaults = schema_defaults()

    def value(run: RunResults, key: str) -> Any:
        return run.settings[key] if key in run.settings else defaults.get(key)

    return [
        (k, value(a, k), value(b, k))
        for k in keys
        if not k.startswith(IGNORED_SETTINGS) and value(a, k) != value(b, k)
    ]


def draw_sections(differing: list[tuple[str, Any, Any]]) -> list[str]:
    """The entries of :data:`DRAW_SETTINGS` (``scenario``, ``experts``, ...) that some
    differing setting falls under, the seed left out."""
    return [
        prefix.rstrip(".")
        for prefix in DRAW_SETTINGS[1:]
        if any(k.startswith(prefix) for k, _, _ in differing)
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
    pairs: NDArray[np.int64]
    """The replications both runs ran, when paired (else none)."""
    differences: dict[str, Difference]

    @property
    def n_pairs(self) -> int:
        return int(self.pairs.size)

    def paired_differences(self, metric: str) -> NDArray[np.float64]:
        """``other - base`` of ``metric`` in each pair (NaN where either lacks it)."""
        return self.other.column(metric, self.pairs) - self.base.column(metric, self.pairs)


def compare(base: RunResults, other: RunResults, metrics: list[str]) -> Comparison:
    """``other - base`` for each of ``metrics`` (present in both runs): paired over the
    replications both ran when their seeds agree, else unpaired."""
    differing = differing_settings(base, other)
    paired = base.seed == other.seed
    same_draws = paired and not draw_sections(differing)
    pairs = np.intersect1d(base.replication, other.replication) if paired else np.zeros(0, np.int64)
    differences: dict[str, Difference] = {}
    for m in metrics:
        if paired:
            differences[m] = paired_difference(
                base.column(m, pairs), other.column(m, pairs), metric_direction(m)
            )
        else:
            differences[m] = unpaired_difference(base.metrics[m], other.metrics[m])
    return Comparison(
        base=base,
        other=other,
        differing=differing,
        paired=paired,
        same_draws=same_draws,
        pairs=pairs,
        differences=differences,
    )
