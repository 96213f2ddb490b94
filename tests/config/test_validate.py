import math

import pytest

from sim.config.validate import ConfigError
from sim.scenario import build_scenario
from tests.conftest import small_config


def mutate(path: str, value: object):
    cfg = small_config()
    obj: object = cfg
    parts = path.split(".")
    for p in parts[:-1]:
        obj = obj[int(p)] if p.isdigit() else getattr(obj, p)  # type: ignore[index]
    last = parts[-1]
    if last.isdigit():
        obj[int(last)] = value  # type: ignore[index]
    else:
        setattr(obj, last, value)
    return cfg


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        ("budget.expert_hours", -1.0, "budget.expert_hours"),
        ("budget.calendar_days", 0, "budget.calendar_days"),
        ("experts.pool.0.error_probability", 1.5, "experts.pool[0].error_probability"),
        ("experts.pool.1.absence_probability", -0.1, "experts.pool[1].absence_probability"),
        ("verifier.audit.sensitivity", 2.0, "verifier.audit.sensitivity"),
        ("verifier.recompute.consensus_runs", 6, "verifier.recompute.consensus_runs"),
        ("policy.name", "nope", "policy.name"),
        ("policy.contentious_order", "upward", "policy.contentious_order"),
        ("engine.name", "warp", "engine.name"),
        ("engine.processes", -2, "engine.processes"),
        ("scenario.strata.0.value_kind", "colour", "scenario.strata[0].value_kind"),
        ("scenario.strata.2.size", 0, "scenario.strata[2].size"),
        ("experts.start_date", "2027-13-01", "experts.start_date"),
        ("replications", 0, "replications"),
        ("seed", -3, "seed"),
    ],
)
def test_bad_values_name_their_key(path: str, value: object, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        build_scenario(mutate(path, value))
    assert err.value.key == key
    assert str(err.value).startswith(f"{key}={value!r}: expected ")
    assert "\n" not in str(err.value)


def test_a_calendar_without_hours_stops_a_policy_that_needs_reviews() -> None:
    cfg = small_config("phased")
    for e in cfg.experts.pool:
        e.hours_per_weekday = [0.0] * 7
    with pytest.raises(ConfigError, match="some working hours"):
        build_scenario(cfg)
    cfg.policy.name = "none"
    build_scenario(cfg)  # no reviews needed, no hours needed


def test_a_window_past_midnight_is_refused() -> None:
    cfg = small_config()
    cfg.experts.pool[0].day_start_hour = 23.0
    with pytest.raises(ConfigError, match=r"hours_per_weekday\[0\]"):
        build_scenario(cfg)


def test_llm_cost_above_the_dollar_budget_is_refused() -> None:
    cfg = small_config("phased", expert_hours=5.0, usd=1.0)
    with pytest.raises(ConfigError, match="LLM verifier cost"):
        build_scenario(cfg)


def test_double_review_needs_three_experts() -> None:
    cfg = small_config()
    cfg.experts.double_review = True
    cfg.experts.pool = cfg.experts.pool[:2]
    with pytest.raises(ConfigError, match="adjudicate"):
        build_scenario(cfg)


def test_infinite_hours_and_dollars_are_allowed() -> None:
    build_scenario(small_config("random", expert_hours=math.inf, usd=math.inf))


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        (
            "downstream.leaderboard.models.0.accuracy",
            1.2,
            "downstream.leaderboard.models[0].accuracy",
        ),
        (
            "downstream.leaderboard.models.1.shared_blind_spot_probability",
            -0.1,
            "downstream.leaderboard.models[1].shared_blind_spot_probability",
        ),
        ("downstream.leaderboard.models.2.name", "strong", "downstream.leaderboard.models[2].name"),
        ("downstream.rl.seeds", 1, "downstream.rl.seeds"),
        ("downstream.rl.group_size", 1, "downstream.rl.group_size"),
        ("downstream.rl.learning_rate", 0.0, "downstream.rl.learning_rate"),
        ("downstream.rl.heldout_item_share", 0.0, "downstream.rl.heldout_item_share"),
        ("downstream.rl.heldout_strata_share", 1.0, "downstream.rl.heldout_strata_share"),
        ("downstream.rl.reward_wrong_answer", 1.0, "downstream.rl.reward_wrong_answer"),
        ("downstream.rl.initial_probabilities", [0.5, 0.5], "downstream.rl.initial_probabilities"),
    ],
)
def test_bad_downstream_values_name_their_key(path: str, value: object, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        build_scenario(mutate(path, value))
    assert err.value.key == key
    assert "\n" not in str(err.value)


def test_group_accuracy_must_name_a_group_of_the_scenario() -> None:
    cfg = small_config()
    cfg.downstream.leaderboard.models[0].group_accuracy = {"cardiology": 0.5}
    with pytest.raises(ConfigError, match="a group of the scenario: date, lab, risk"):
        build_scenario(cfg)


def test_rl_needs_as_many_replications_as_it_trains_on() -> None:
    cfg = small_config()
    cfg.downstream.rl.enabled = True
    cfg.downstream.rl.label_replications = 6
    with pytest.raises(ConfigError, match="at most the run's replications"):
        build_scenario(cfg)
