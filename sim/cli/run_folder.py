"""A run's summary and its folder under ``<output.dir>/runs/``: what ``python -m sim`` and
``python -m sim.trace replay`` keep of a run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.config.schema import RootConfig
from sim.downstream.leaderboard import leaderboard_summary
from sim.downstream.rl import RLResult
from sim.downstream.rl import summarize as summarize_rl
from sim.io.results import write_run
from sim.io.run_dir import RunDirectory, new_run_name
from sim.metrics import METRIC_DOCS, estimator_coverage, summarize
from sim.runner import RunResult
from sim.scenario import Scenario


class WriteError(RuntimeError):
    """The run was simulated but its folder could not be written (a full disk, say)."""


def run_summary(
    sc: Scenario, root: RootConfig, result: RunResult, rl: RLResult | None = None
) -> dict[str, Any]:
    """What ``summary.json`` holds: the run's identity, every metric's summary, the
    estimators' coverage, the leaderboard and the RL experiment."""
    return {
        "scenario": sc.name,
        "policy": sc.policy_class.name,
        "engine": sc.engine.name,
        "replications": root.replications,
        "seed": root.seed,
        "metrics": summarize(result.metrics),
        "estimator_coverage": estimator_coverage(result.metrics),
        "metric_docs": METRIC_DOCS,
        "leaderboard": leaderboard_summary(sc.models.names, result.board),
        "rl": summarize_rl(rl) if rl is not None else None,
    }


def save_run(
    root: RootConfig,
    sc: Scenario,
    result: RunResult,
    summary: dict[str, Any],
    config_yaml: str,
    rl: RLResult | None = None,
) -> Path:
    """Write the run's folder whole, or nothing (:class:`WriteError`); returns the folder."""
    runs = Path(root.output.dir) / "runs"
    rd = RunDirectory(runs, new_run_name(sc.name.replace(":", "-"), sc.policy_class.name))
    try:
        with rd as tmp:
            write_run(tmp, result, sc, summary, config_yaml, rl)
    except OSError as err:
        raise WriteError(
            f"writing the run under {runs} failed ({err.strerror or err}); nothing was kept"
        ) from None
    return rd.path
