"""The budget search of ``python -m sim.study hours``: the scan and bisection on known curves,
the target's parsing, and the command end to end."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.config.validate import ConfigError
from sim.study.hours import (
    GRID_POINTS,
    Point,
    bisection_steps,
    bootstrap_interval,
    firmly_meets,
    parse_target,
    resampling,
    search,
)
from sim.study.plan import Variant
from tests.study.cli import study_cli

VARIANT = Variant.parse("phased")


def curve(statistic: Callable[[float], float], bound: float) -> Callable[[float], Point]:
    """A budget's 'run' whose statistic is ``statistic(hours)``, meeting ``<= bound``."""
    return lambda h: Point(h, statistic(h), statistic(h) <= bound, {})


def test_bisection_finds_the_crossing_within_the_tolerance() -> None:
    found = search(VARIANT, curve(lambda h: 1.0 - h / 500.0, 0.3), 1000.0, 1.0)
    assert found.needed is not None
    assert 350.0 <= found.needed.expert_hours <= 351.0
    missed = [p.expert_hours for p in found.points if not p.meets]
    assert found.needed.expert_hours - max(missed) <= 1.0
    assert len(found.points) == GRID_POINTS + bisection_steps(1000.0, 1.0)
    assert found.upper_misses == []


def test_a_firm_budget_needs_the_whole_interval_to_meet_the_target() -> None:
    def with_interval(h: float) -> Point:
        value = 1.0 - h / 500.0
        return Point(h, value, value <= 0.3, {}, value - 0.05, value + 0.05)

    target = parse_target("mean(residual_error_rate) <= 0.3")
    found = search(VARIANT, with_interval, 1000.0, 1.0, firm=lambda p: firmly_meets(p, target))
    assert found.needed is not None
    assert found.firm is not None
    assert 350.0 <= found.needed.expert_hours <= 351.0
    assert 375.0 <= found.firm.expert_hours <= 376.0  # the interval's top, 0.05 above, meets it
    assert len(found.points) <= GRID_POINTS + 2 * bisection_steps(1000.0, 1.0)
    assert not firmly_meets(Point(1.0, 0.1, True, {}), target)  # no interval, not firm


def test_bootstrap_interval() -> None:
    rng = np.random.default_rng(0)
    resamples = resampling(200, rng)
    assert resamples.shape == (1000, 200)
    assert bootstrap_interval(np.full(200, 0.3), np.mean, resamples) == pytest.approx((0.3, 0.3))
    values = rng.normal(1.0, 1.0, 200)
    low, high = bootstrap_interval(values, np.mean, resamples)
    assert low < values.mean() < high
    assert high - low == pytest.approx(2 * 1.96 / np.sqrt(200), rel=0.25)


def test_met_without_experts_and_never_met() -> None:
    free = search(VARIANT, curve(lambda h: 0.01, 0.05), 1000.0, 1.0)
    assert free.needed is not None
    assert free.needed.expert_hours == 0.0
    assert len(free.points) == GRID_POINTS
    never = search(VARIANT, curve(lambda h: 0.1, 0.05), 1000.0, 1.0)
    assert never.needed is None
    assert [p.expert_hours for p in never.points] == [125.0 * i for i in range(GRID_POINTS)]


def test_a_statistic_that_rises_again_is_reported() -> None:
    def dip(h: float) -> float:
        return 0.0 if 200.0 <= h <= 600.0 else 1.0

    found = search(VARIANT, curve(dip, 0.5), 1000.0, 1.0)
    assert found.needed is not None
    assert 200.0 <= found.needed.expert_hours <= 201.0
    assert found.upper_misses == [625.0, 750.0, 875.0, 1000.0]


def test_bisection_steps() -> None:
    assert bisection_steps(1000.0, 1.0) == 7  # 125 h halved 7 times: under 1 h
    assert bisection_steps(8.0, 1.0) == 0


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("config(budget.expert_hours) <= 3", "with METRIC a metric of the runs"),
        ("q90(residual_error_rate) < 0.05", "OBJECTIVE <= NUMBER or OBJECTIVE >= NUMBER"),
        ("mean(residual) <= 0.05", "a metric, one of"),
    ],
)
def test_bad_targets_are_named(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match="--target") as err:
        parse_target(text)
    assert fragment in str(err.value)


def study(*args: str) -> subprocess.CompletedProcess[str]:
    return study_cli("hours", *args)


@pytest.mark.slow
def test_hours_end_to_end(tmp_path: Path) -> None:
    # disagreement levels off near 0.11 on tiny (0.110 over 400 replications at 40 h): 0.15
    # leaves room for the noise of 10 replications (met under seeds 0-3)
    proc = study(
        "--policies",
        "disagreement",
        "random",
        "--target",
        "mean(residual_error_rate) <= 0.15",
        "--max-hours",
        "40",
        "--tolerance-hours",
        "0.5",
        "scenario=tiny",
        "replications=10",
        "--out",
        str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    assert "smallest expert-hours budget with mean(residual_error_rate) <= 0.15" in proc.stdout
    (folder,) = tmp_path.iterdir()
    assert {p.name for p in folder.iterdir()} == {
        "hours.md",
        "hours.json",
        "target_against_hours.png",
    }
    doc = json.loads((folder / "hours.json").read_text())
    assert doc["target"] == "mean(residual_error_rate) <= 0.15"
    for s in doc["searches"]:
        needed = s["needed"]
        assert needed is not None, s["variant"]
        assert needed["statistic"] <= 0.15
        below = [p for p in s["points"] if p["expert_hours"] < needed["expert_hours"]]
        assert below
        assert all(not p["meets"] for p in below if p["expert_hours"] not in s["missed_again_at"])
        assert needed["expert_hours"] - max(p["expert_hours"] for p in below) <= 0.5
        # the dollars and the calendar are lifted: the budget is what is spent
        assert needed["outcomes"]["expert_hours"] <= needed["expert_hours"] + 1e-9
        assert needed["statistic_low"] <= needed["statistic"] <= needed["statistic_high"]
        firm = s["firm"]
        if firm is not None:
            assert firm["expert_hours"] >= needed["expert_hours"]
            assert firm["statistic_high"] <= 0.15
    assert f"| disagreement | {doc['searches'][0]['needed']['expert_hours']:.1f} |" in proc.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--max-hours", "0"], "--max-hours=0: expected a finite number of hours > 0"),
        (["--target", "config(seed) <= 3"], "error: --target="),
        (["--policies", "bogus"], "error: policy='bogus': expected one of"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path, args: list[str], fragment: str
) -> None:
    proc = study(*args, "--out", str(tmp_path / "out"), "replications=2")
    assert proc.returncode == 2
    (line,) = proc.stderr.splitlines()
    assert fragment in line
    assert not (tmp_path / "out").exists()


@given(
    threshold=st.floats(0.0, 1000.0, allow_nan=False),
    max_hours=st.floats(10.0, 2000.0, allow_nan=False),
    tolerance=st.floats(0.1, 20.0, allow_nan=False),
)
def test_the_search_brackets_any_threshold_within_the_tolerance(
    threshold: float, max_hours: float, tolerance: float
) -> None:
    """A statistic that meets the target exactly from ``threshold`` hours on: the budget found
    meets it, lies within the tolerance above the threshold, and none found when the
    threshold is past the largest budget."""
    found = search(
        VARIANT, curve(lambda h: 0.0 if h >= threshold else 1.0, 0.5), max_hours, tolerance
    )
    assert len(found.points) <= GRID_POINTS + bisection_steps(max_hours, tolerance)
    if threshold > max_hours:
        assert found.needed is None
        return
    assert found.needed is not None
    assert threshold <= found.needed.expert_hours <= threshold + tolerance
    assert found.upper_misses == []
