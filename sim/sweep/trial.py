"""One trial of a sweep: run the configured scenario, write its partition of the results
dataset, and return its objective values and constraint violations to the sweeper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from omegaconf import DictConfig, OmegaConf

from sim.config.schema import RootConfig
from sim.downstream.rl import run_on_replications, summarize
from sim.processes import process_count
from sim.runner import run_scenario
from sim.scenario import build_scenario
from sim.sweep.dataset import trial_table, write_trial
from sim.sweep.objectives import needs_rl, parse_all


def parse_value(text: str) -> Any:
    """An override's value as Hydra wrote it: a number where it is one, else the text."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if text in ("true", "false"):
        return text == "true"
    return text


def trial_params(task_overrides: list[str]) -> dict[str, Any]:
    """The trial's parameters from its overrides (without the sweeper's own ``sweep.trial``)."""
    params: dict[str, Any] = {}
    for ov in task_overrides:
        key, _, value = ov.lstrip("+~").partition("=")
        if key != "sweep.trial":
            params[key] = parse_value(value)
    return params


def run_trial(
    cfg: DictConfig, root: RootConfig, task_overrides: list[str], sweep_dir: Path
) -> dict[str, Any]:
    """Simulate ``root.replications`` replications from ``root.seed`` (the same seeds in every
    trial: common random numbers) and write the trial's rows; returns ``values`` (one per
    objective) and ``violations`` (one per constraint, > 0 when broken)."""
    objectives, constraints = parse_all(root.sweep.objectives, root.sweep.constraints, cfg)
    sc = build_scenario(root)
    rl_cfg = root.downstream.rl
    label_replications = rl_cfg.label_replications if needs_rl(objectives, constraints) else 0
    result = run_scenario(
        sc,
        root.replications,
        root.seed,
        item_replications=0,
        event_replications=0,
        label_replications=label_replications,
        processes=process_count(root.engine.processes),
    )
    rl = None
    if label_replications:
        rl = summarize(run_on_replications(result.labels, sc, rl_cfg, root.seed))
    values = [o.value(result.metrics, cfg, rl) for o in objectives]
    violations = [c.violation(result.metrics, cfg, rl) for c in constraints]
    params = trial_params(task_overrides)
    metadata = {
        "stewardsim.config": OmegaConf.to_yaml(cfg, resolve=True),
        "stewardsim.objectives": "\n".join(o.text for o in objectives),
        "stewardsim.constraints": "\n".join(c.text for c in constraints),
    }
    table = trial_table(params, result.metrics, values, violations, metadata)
    path = write_trial(sweep_dir, sc.policy_class.name, root.sweep.trial, table)
    return {
        "values": values,
        "violations": violations,
        "path": str(path),
        "outcome": outcome(result.metrics),
    }


def outcome(metrics: dict[str, NDArray[np.float64]]) -> dict[str, float]:
    """The figures a funder reads off a trial: residual error (mean, 90th percentile),
    expert-hours, calendar weeks (90th percentile) and dollars (mean)."""

    def stat(name: str, q: float | None = None) -> float:
        x = metrics[name][~np.isnan(metrics[name])]
        if x.size == 0:
            return float("nan")
        return float(np.quantile(x, q)) if q is not None else float(x.mean())

    return {
        "residual_error_rate_mean": stat("residual_error_rate"),
        "residual_error_rate_q90": stat("residual_error_rate", 0.9),
        "expert_hours_mean": stat("expert_hours"),
        "calendar_weeks_q90": stat("calendar_days", 0.9) / 7.0,
        "total_usd_mean": stat("total_usd"),
    }
