"""Objectives and constraints of a sweep: statistics over a trial's replications.

An objective is ``STAT(METRIC)``, STAT one of mean, median, sd, min, max or ``qNN`` (the NN-th
percentile), METRIC any name in :data:`sim.metrics.METRICS`; ``config(KEY)``, a number from the
trial's configuration (e.g. the budget it was given); or ``rl(KEY)``, the mean over seeds of an
RL experiment figure in points (e.g. ``rl(heldout_items.gap_truth_vs_maintained)``).
A constraint is ``OBJECTIVE <= NUMBER`` or ``OBJECTIVE >= NUMBER``; its violation is positive
when broken, zero or negative when met (the convention of Optuna's ``constraints_func``)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from omegaconf import DictConfig, OmegaConf

from sim.config.validate import ConfigError
from sim.downstream.rl import SUMMARY_KEYS as RL_KEYS
from sim.metrics import METRICS

STATISTICS = ("mean", "median", "sd", "min", "max", "qNN")


def needs_rl(objectives: Sequence[Objective], constraints: Sequence[Constraint]) -> bool:
    """Whether a trial must run the RL experiment to evaluate these."""
    return any(o.statistic == "rl" for o in [*objectives, *(c.objective for c in constraints)])


_CALL = re.compile(r"^\s*([a-z]+|q\d+)\s*\(\s*([A-Za-z0-9_.]+)\s*\)\s*$")
_CONSTRAINT = re.compile(r"^(.*?)(<=|>=)\s*([-+0-9.eE]+|inf)\s*$")


@dataclass(frozen=True)
class Objective:
    """``statistic(metric)``, ``config(key)`` or ``rl(key)``, parsed."""

    text: str
    statistic: str
    metric: str

    def value(
        self,
        metrics: Mapping[str, NDArray[np.float64]],
        config: DictConfig,
        rl: Mapping[str, Mapping[str, float]] | None = None,
    ) -> float:
        """The statistic over replications (NaN replications ignored), the config value, or the
        RL summary's mean (``rl`` must then be given)."""
        if self.statistic == "config":
            return float(OmegaConf.select(config, self.metric))
        if self.statistic == "rl":
            if rl is None:
                raise ValueError(f"{self.text}: the trial ran no RL experiment")
            return float(rl[self.metric]["mean"])
        x = np.asarray(metrics[self.metric], dtype=np.float64)
        x = x[~np.isnan(x)]
        if x.size == 0:
            return math.nan
        if self.statistic == "mean":
            return float(x.mean())
        if self.statistic == "median":
            return float(np.median(x))
        if self.statistic == "sd":
            return float(x.std(ddof=1)) if x.size > 1 else 0.0
        if self.statistic == "min":
            return float(x.min())
        if self.statistic == "max":
            return float(x.max())
        return float(np.quantile(x, int(self.statistic[1:]) / 100.0))


@dataclass(frozen=True)
class Constraint:
    """``objective <= bound`` or ``objective >= bound``."""

    text: str
    objective: Objective
    upper: bool
    bound: float

    def violation(
        self,
        metrics: Mapping[str, NDArray[np.float64]],
        config: DictConfig,
        rl: Mapping[str, Mapping[str, float]] | None = None,
    ) -> float:
        """Positive by how much the constraint is broken; <= 0 when it holds (NaN counts as
        broken)."""
        v = self.objective.value(metrics, config, rl)
        if math.isnan(v):
            return math.inf
        return v - self.bound if self.upper else self.bound - v


def parse_objective(key: str, text: str, config: DictConfig | None = None) -> Objective:
    """Parse ``text`` (found at config ``key``); a :class:`ConfigError` names what is wrong."""
    m = _CALL.match(text)
    expected = (
        f"STAT(METRIC) with STAT one of {', '.join(STATISTICS)} (e.g. mean(residual_error_rate), "
        "q90(expert_hours)), config(KEY) or rl(KEY)"
    )
    if m is None:
        raise ConfigError(key, text, expected)
    statistic, name = m.group(1), m.group(2)
    if statistic == "config":
        if config is not None:
            value = OmegaConf.select(config, name, default=None)
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ConfigError(
                    key, text, f"config(KEY) with KEY a number in the config ({name})"
                )
        return Objective(text.strip(), "config", name)
    if statistic == "rl":
        if name not in RL_KEYS:
            raise ConfigError(key, text, f"rl(KEY) with KEY one of {', '.join(RL_KEYS)}")
        if config is not None and not OmegaConf.select(config, "downstream.rl.enabled"):
            raise ConfigError(key, text, "downstream.rl.enabled=true for an rl(...) objective")
        return Objective(text.strip(), "rl", name)
    if statistic.startswith("q"):
        if not 1 <= int(statistic[1:]) <= 99:
            raise ConfigError(key, text, "a percentile qNN with NN in 1..99")
    elif statistic not in STATISTICS:
        raise ConfigError(key, text, expected)
    if name not in METRICS:
        raise ConfigError(key, text, f"a metric, one of {', '.join(METRICS)}")
    return Objective(text.strip(), statistic, name)


def parse_constraint(key: str, text: str, config: DictConfig | None = None) -> Constraint:
    """Parse ``OBJECTIVE <= NUMBER`` or ``OBJECTIVE >= NUMBER``."""
    m = _CONSTRAINT.match(text)
    if m is None:
        raise ConfigError(key, text, "OBJECTIVE <= NUMBER or OBJECTIVE >= NUMBER")
    try:
        bound = float(m.group(3))
    except ValueError:
        raise ConfigError(key, text, "a number after <= or >=") from None
    return Constraint(
        text.strip(), parse_objective(key, m.group(1), config), m.group(2) == "<=", bound
    )


def parse_all(
    objectives: Sequence[str], constraints: Sequence[str], config: DictConfig | None = None
) -> tuple[list[Objective], list[Constraint]]:
    """Every objective and constraint of ``sweep``, checked."""
    if not objectives:
        raise ConfigError("sweep.objectives", [], "at least one objective")
    return (
        [parse_objective(f"sweep.objectives[{i}]", t, config) for i, t in enumerate(objectives)],
        [parse_constraint(f"sweep.constraints[{i}]", t, config) for i, t in enumerate(constraints)],
    )
