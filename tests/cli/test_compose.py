"""Composing a config once for several sets of plain values gives what composing each does."""

from __future__ import annotations

import pytest

from sim.cli.compose import compose_config, compose_values
from sim.config.validate import ConfigError


@pytest.mark.parametrize(
    ("overrides", "values"),
    [
        (["policy=phased"], [["budget.expert_hours=0.0"], ["budget.expert_hours=40"]]),
        (
            ["scenario=tiny", "policy=learning", "policy.learning.strategy=thompson"],
            [
                ["budget.expert_hours=0.0", "policy.estimation.audit_share=0"],
                ["budget.expert_hours=12.5", "experts.double_review=true"],
            ],
        ),
        # a value set earlier among the overrides: the later one wins, as when composing
        (["budget.expert_hours=7", "experts=panel"], [["budget.expert_hours=80"], []]),
    ],
)
def test_values_applied_to_one_composition_equal_composing_each(
    overrides: list[str], values: list[list[str]]
) -> None:
    roots = compose_values(overrides, values)
    assert roots == [compose_config([*overrides, *v]) for v in values]
    assert len({r.budget.expert_hours for r in roots}) == len(roots)


@pytest.mark.parametrize("value", ["policy=random", "experts=panel", "hydra.job.chdir=true"])
def test_a_group_choice_among_the_values_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="not a plain value"):
        compose_values([], [[value]])


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "+budget.expert_hour=80",
            "budget.expert_hour=80: expected a setting of budget: one of calendar_days, "
            "expert_hours, usd",
        ),
        ("+extra=1", "extra=1: expected a top-level setting: one of budget, downstream,"),
        (
            "+experts.pool.1.speed=2",
            "experts.pool[1].speed=2: expected a setting of experts.pool[1]",
        ),
        (
            "+downstream.leaderboard.models.0.accuracy_pct=80",
            "downstream.leaderboard.models[0].accuracy_pct=80: expected a setting of",
        ),
    ],
)
def test_a_setting_added_with_plus_that_the_schema_lacks_is_refused(
    override: str, message: str
) -> None:
    """Hydra adds such a key; turned into dataclasses it would be dropped without a word."""
    with pytest.raises(ConfigError) as err:
        compose_config([override])
    assert str(err.value).startswith(message)


def test_keys_of_a_free_mapping_are_settings() -> None:
    root = compose_config(["+downstream.leaderboard.models.0.group_accuracy.date=0.5"])
    assert root.downstream.leaderboard.models[0].group_accuracy == {"date": 0.5}
