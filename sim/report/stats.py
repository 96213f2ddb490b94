"""Per-trial statistics of a sweep's results dataset (means with 95% intervals of the mean)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from sim.stats import t_quantile_975


@dataclass(frozen=True)
class Mean:
    """Mean over replications with the 95% Student t interval of the mean (NaNs left out; no
    interval from one replication)."""

    mean: float
    low: float
    high: float
    n: int

    @staticmethod
    def of(values: NDArray[np.float64]) -> Mean:
        x = values[~np.isnan(values)]
        if x.size == 0:
            return Mean(math.nan, math.nan, math.nan, 0)
        m = float(x.mean())
        half = (
            t_quantile_975(x.size - 1) * float(x.std(ddof=1)) / math.sqrt(x.size)
            if x.size > 1
            else math.nan
        )
        return Mean(m, m - half, m + half, int(x.size))


@dataclass
class TrialStats:
    """One trial of a sweep: its partition's parameters, objective values and metric means."""

    number: int
    policy: str
    params: dict[str, Any]
    objectives: list[float]
    feasible: bool
    metrics: dict[str, Mean] = field(default_factory=dict)
    quantiles: dict[str, float] = field(default_factory=dict)


def trial_stats(table: pa.Table, metric_names: list[str]) -> list[TrialStats]:
    """Group the dataset's rows by trial (the table is sorted by trial, then replication)."""
    trial = table.column("trial").to_numpy()
    cols = {name: table.column(name).to_numpy(zero_copy_only=False) for name in metric_names}
    params = [c for c in table.column_names if c.startswith("param_")]
    objectives = sorted(
        (c for c in table.column_names if c.startswith("objective_")),
        key=lambda c: int(c.split("_")[1]),
    )
    policy = table.column("policy").to_pylist()
    feasible = table.column("feasible").to_pylist()
    out = []
    starts = np.flatnonzero(np.r_[True, trial[1:] != trial[:-1]])
    ends = np.r_[starts[1:], trial.size]
    for lo, hi in zip(starts, ends, strict=True):
        st = TrialStats(
            number=int(trial[lo]),
            policy=str(policy[lo]),
            params={c[len("param_") :]: table.column(c)[int(lo)].as_py() for c in params},
            objectives=[float(table.column(c)[int(lo)].as_py()) for c in objectives],
            feasible=bool(feasible[lo]),
        )
        for name, col in cols.items():
            values = np.asarray(col[lo:hi], dtype=np.float64)
            st.metrics[name] = Mean.of(values)
            finite = values[~np.isnan(values)]
            st.quantiles[name] = float(np.quantile(finite, 0.9)) if finite.size else math.nan
        out.append(st)
    return out
