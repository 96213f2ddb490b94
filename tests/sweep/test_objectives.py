import math

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim.config.validate import ConfigError
from sim.sweep.objectives import needs_rl, parse_all, parse_constraint, parse_objective

METRICS = {
    "residual_error_rate": np.array([0.1, 0.2, np.nan, 0.4]),
    "total_usd": np.array([100.0, 200.0, 300.0, 400.0]),
}
CFG = OmegaConf.create({"budget": {"expert_hours": 40.0}, "policy": {"name": "phased"}})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mean(residual_error_rate)", (0.1 + 0.2 + 0.4) / 3),
        ("max(residual_error_rate)", 0.4),
        ("min(total_usd)", 100.0),
        ("median(total_usd)", 250.0),
        ("q90(total_usd)", float(np.quantile([100, 200, 300, 400], 0.9))),
        ("sd(total_usd)", float(np.std([100, 200, 300, 400], ddof=1))),
        ("config(budget.expert_hours)", 40.0),
    ],
)
def test_statistics_over_replications_ignore_nan(text: str, expected: float) -> None:
    assert parse_objective("k", text, CFG).value(METRICS, CFG) == pytest.approx(expected)


def test_constraint_violation_is_positive_only_when_broken() -> None:
    upper = parse_constraint("k", "q90(total_usd) <= 300")
    lower = parse_constraint("k", "min(total_usd) >= 150")
    assert upper.violation(METRICS, CFG) == pytest.approx(370.0 - 300.0)
    assert lower.violation(METRICS, CFG) == pytest.approx(50.0)
    assert parse_constraint("k", "max(total_usd) <= 400").violation(METRICS, CFG) <= 0
    empty = {"total_usd": np.array([np.nan])}
    assert math.isinf(upper.violation(empty, CFG))


@pytest.mark.parametrize(
    ("objectives", "constraints", "key", "fragment"),
    [
        ([], [], "sweep.objectives", "at least one objective"),
        (["mean(residual_eror_rate)"], [], "sweep.objectives[0]", "a metric, one of"),
        (["avg(total_usd)"], [], "sweep.objectives[0]", "STAT(METRIC)"),
        (["q100(total_usd)"], [], "sweep.objectives[0]", "1..99"),
        (["config(budget.nothing)"], [], "sweep.objectives[0]", "a number in the config"),
        (["mean(total_usd)"], ["mean(total_usd) < 3"], "sweep.constraints[0]", "<= NUMBER"),
    ],
)
def test_bad_objectives_name_the_key(
    objectives: list[str], constraints: list[str], key: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as err:
        parse_all(objectives, constraints, CFG)
    assert err.value.key == key
    assert fragment in str(err.value)


RL_SUMMARY = {"heldout_items.gap_truth_vs_maintained": {"mean": 1.5, "ci_low": 1.0, "ci_high": 2.0}}
RL_CFG = OmegaConf.create({"downstream": {"rl": {"enabled": True}}})


def test_rl_objective_reads_the_experiment_summary() -> None:
    objective = parse_objective("k", "rl(heldout_items.gap_truth_vs_maintained)", RL_CFG)
    assert objective.value(METRICS, RL_CFG, RL_SUMMARY) == 1.5
    constraint = parse_constraint("k", "rl(heldout_items.gap_truth_vs_maintained) <= 1.0", RL_CFG)
    assert constraint.violation(METRICS, RL_CFG, RL_SUMMARY) == pytest.approx(0.5)
    assert needs_rl([], [constraint])
    assert not needs_rl([parse_objective("k", "mean(total_usd)")], [])
    with pytest.raises(ValueError, match="no RL experiment"):
        objective.value(METRICS, RL_CFG)


@pytest.mark.parametrize(
    ("text", "cfg", "fragment"),
    [
        ("rl(heldout_items.gap)", RL_CFG, "rl(KEY) with KEY one of heldout_items.start_accuracy"),
        (
            "rl(heldout_strata.gap_truth_vs_original)",
            OmegaConf.create({"downstream": {"rl": {"enabled": False}}}),
            "downstream.rl.enabled=true",
        ),
    ],
)
def test_bad_rl_objective_names_the_key(text: str, cfg: object, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_objective("sweep.objectives[1]", text, cfg)  # type: ignore[arg-type]
    assert err.value.key == "sweep.objectives[1]"
    assert fragment in str(err.value)
