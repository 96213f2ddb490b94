"""The end-of-sweep summary: best trials, and the runner-ups paired with the best."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import optuna
import pytest
import yaml
from optuna.distributions import FloatDistribution

from sim.sweep.dataset import trial_table, write_trial
from sim.sweep.summary import best_trials, results_yaml, runner_up_lines, runner_ups

CONFIG = "seed: 0\npolicy:\n  name: phased\nbudget:\n  expert_hours: 40.0\n"


def study_with(sweep: Path, residuals: dict[int, np.ndarray], infeasible: set[int]) -> optuna.Study:
    """Trials numbered 0.. with mean(residual_error_rate) as their value and their tables."""
    study = optuna.create_study(direction="minimize")
    for number, residual in residuals.items():
        study.add_trial(
            optuna.trial.create_trial(
                value=float(residual.mean()),
                params={"x": float(number)},
                distributions={"x": FloatDistribution(0.0, 100.0)},
                user_attrs={"feasible": number not in infeasible},
            )
        )
        table = trial_table(
            {"x": float(number)},
            {"residual_error_rate": residual},
            [float(residual.mean())],
            [],
            {"stewardsim.config": CONFIG},
        )
        write_trial(sweep, "phased", number, table)
    return study


def test_runner_ups_are_paired_with_the_best(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    world = rng.uniform(0.1, 0.3, 40)  # what every trial's replication r shares
    residuals = {
        0: world + 0.02,  # the best shifted by exactly 0.02: told apart
        1: world,  # the best
        2: rng.permutation(world) + 0.001,  # unpaired noise of the same size: not told apart
        3: world - 0.05,  # better, but infeasible
        4: world + 0.1,
        5: world + 0.2,  # the fifth feasible: past the three runner-ups
    }
    study = study_with(tmp_path, residuals, infeasible={3})
    assert best_trials(study)[0].number == 1
    ups = runner_ups(study, ["mean(residual_error_rate)"], tmp_path)
    assert [u.trial for u in ups] == [2, 0, 4]  # by value
    noisy, shifted = ups[0], ups[1]
    assert shifted.difference == pytest.approx(0.02)
    assert shifted.low == pytest.approx(0.02)
    assert shifted.high == pytest.approx(0.02)
    assert shifted.distinguishable
    assert noisy.pairs == 40
    assert noisy.low < 0 < noisy.high
    assert not noisy.distinguishable
    lines = runner_up_lines(1, "mean(residual_error_rate)", ups)
    assert lines[0] == "runner-ups, each paired with #1 replication by replication:"
    assert lines[1].endswith("40 pairs): not distinguishable from the best")
    value = f"{residuals[0].mean():.4f}"
    assert lines[2] == (
        f"  #0 [x=0]: mean(residual_error_rate)={value}, +0.0200 "
        "(95% CI +0.0200 to +0.0200, 40 pairs)"
    )
    assert "more replications" in lines[4]
    doc = yaml.safe_load(results_yaml(study, ups))
    assert [u["trial"] for u in doc["runner_ups"]] == [2, 0, 4]
    assert doc["best"][0]["trial"] == 1


def test_no_runner_ups_without_a_mean_objective_or_tables(tmp_path: Path) -> None:
    residuals = {0: np.array([0.2, 0.3]), 1: np.array([0.1, 0.2])}
    study = study_with(tmp_path / "sweep", residuals, infeasible=set())
    assert runner_ups(study, ["q90(residual_error_rate)"], tmp_path / "sweep") == []
    assert runner_ups(study, ["mean(residual_error_rate)"], tmp_path / "elsewhere") == []
    assert "runner_ups" not in yaml.safe_load(results_yaml(study))
    assert runner_up_lines(1, "mean(residual_error_rate)", []) == []
