"""Run folders read for a comparison: pairing by replication, what counts as common random
numbers, the settings listed as different, and folders that are not runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from sim.compare.runs import (
    RunError,
    compare,
    differing_settings,
    draw_sections,
    flatten,
    load_run,
    schema_defaults,
)

SETTINGS: dict[str, Any] = {
    "scenario": {"name": "tiny", "strata": [{"name": "s0", "size": 10}]},
    "experts": {"pool": [{"name": "A"}]},
    "verifier": {"recompute": {"runs_per_item": 5}},
    "downstream": {"leaderboard": {"models": []}},
    "policy": {"name": "phased"},
    "engine": {"name": "numba", "threads": 0},
    "budget": {"expert_hours": 40.0},
    "output": {"dir": "outputs"},
    "replications": 4,
    "seed": 0,
    "progress": True,
}


def write_run(folder: Path, replication: list[int], residual: list[float], **changes: Any) -> Path:
    """A run folder with the files a run writes (only what a comparison reads in them)."""
    config = json.loads(json.dumps(SETTINGS))
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        node = config
        for p in parents:
            node = node[p]
        node[leaf] = value
    folder.mkdir(parents=True)
    table = pa.table(
        {
            "replication": pa.array(replication, pa.int64()),
            "policy": pa.array([config["policy"]["name"]] * len(replication)),
            "residual_error_rate": pa.array(residual, pa.float64()),
            "errors_fixed": pa.array([10 * r for r in replication], pa.int64()),
        }
    )
    pq.write_table(table, folder / "replications.parquet")
    summary = {"policy": config["policy"]["name"], "seed": config["seed"]}
    (folder / "summary.json").write_text(json.dumps(summary))
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    return folder


def test_flatten() -> None:
    assert flatten({"a": {"b": 1, "c": {"d": [1, 2]}}, "e": "x"}) == {
        "a.b": 1,
        "a.c.d": [1, 2],
        "e": "x",
    }


def test_pairs_follow_the_replication_index_not_the_row_order(tmp_path: Path) -> None:
    base = load_run(write_run(tmp_path / "a", [0, 1, 2, 3], [0.4, 0.3, 0.2, 0.1]))
    other = load_run(
        write_run(tmp_path / "b", [2, 0, 1], [0.1, 0.3, 0.2], budget__expert_hours=80.0)
    )
    c = compare(base, other, ["residual_error_rate", "errors_fixed"])
    assert c.paired
    assert c.same_draws
    assert c.n_pairs == 3
    d = c.differences["residual_error_rate"]
    # pairs (0.4, 0.3), (0.3, 0.2), (0.2, 0.1): every difference -0.1
    assert np.isclose(d.mean, -0.1)
    assert np.isclose(d.low, -0.1)
    assert np.isclose(d.high, -0.1)
    assert d.better_share == 1.0
    assert c.differences["errors_fixed"].mean == 0.0
    assert c.differing == [("budget.expert_hours", 40.0, 80.0)]


def test_draw_settings_decide_common_random_numbers(tmp_path: Path) -> None:
    reps, values = [0, 1, 2], [0.3, 0.2, 0.25]
    base = load_run(write_run(tmp_path / "a", reps, values))

    def other(name: str, **changes: Any) -> Any:
        return compare(base, load_run(write_run(tmp_path / name, reps, values, **changes)), [])

    assert other("policy", policy__name="random").same_draws
    assert other("engine", engine__name="simpy").same_draws
    assert other("threads", engine__threads=2, output__dir="elsewhere").differing == []
    verifier = other("verifier", verifier__recompute={"runs_per_item": 3})
    assert verifier.paired
    assert not verifier.same_draws
    assert verifier.differing == [("verifier.recompute.runs_per_item", 5, 3)]
    assert not other("experts", experts={"pool": []}).same_draws
    # The calendar's length shapes its absence draws: every expert after the first shifts.
    calendar = other("calendar", budget={"expert_hours": 40.0, "calendar_days": 120})
    assert calendar.paired
    assert not calendar.same_draws
    assert other("hours", budget__expert_hours=10.0).same_draws
    models = other("models", downstream={"leaderboard": {"models": [1]}, "rl": {"seeds": 3}})
    assert not models.same_draws
    assert draw_sections(models.differing) == ["downstream.leaderboard"]
    assert other("rl", downstream={"leaderboard": {"models": []}, "rl": {"seeds": 3}}).same_draws
    seed = other("seed", seed=1)
    assert not seed.paired
    assert not seed.same_draws
    assert seed.n_pairs == 0


def test_unpaired_when_the_seeds_differ(tmp_path: Path) -> None:
    base = load_run(write_run(tmp_path / "a", [0, 1, 2, 3], [0.4, 0.3, 0.2, 0.1]))
    other = load_run(write_run(tmp_path / "b", [0, 1], [0.1, 0.2], seed=7))
    d = compare(base, other, ["residual_error_rate"]).differences["residual_error_rate"]
    assert not d.paired
    assert np.isclose(d.mean, 0.15 - 0.25)
    assert d.mean_a == pytest.approx(0.25)  # every replication of each run


def test_a_key_only_one_run_has_counts_as_its_default_in_the_other(tmp_path: Path) -> None:
    """A run from before a setting existed ran with its default, which is no difference."""
    base = load_run(write_run(tmp_path / "a", [0], [0.1]))
    other = load_run(
        write_run(
            tmp_path / "b",
            [0],
            [0.1],
            budget={"expert_hours": 40.0, "usd": 9.0},
            policy={"name": "phased", "contentious_order": "decreasing", "new_key": 1},
        )
    )
    assert differing_settings(base, other) == [
        ("budget.usd", schema_defaults()["budget.usd"], 9.0),
        ("policy.new_key", None, 1),
    ]
    assert not draw_sections(differing_settings(base, other))


def test_folders_that_are_not_runs_are_named(tmp_path: Path) -> None:
    with pytest.raises(RunError, match=r"'.*nowhere': no such folder; expected a run folder"):
        load_run(tmp_path / "nowhere")
    partial = write_run(tmp_path / "partial", [0], [0.1])
    (partial / "config.yaml").unlink()
    with pytest.raises(RunError, match=r"config.yaml missing; expected a run folder"):
        load_run(partial)
    (partial / "replications.parquet").unlink()
    with pytest.raises(RunError, match=r"replications.parquet missing; expected a run folder"):
        load_run(partial)
    broken = write_run(tmp_path / "broken", [0], [0.1])
    (broken / "replications.parquet").write_bytes(b"not parquet")
    with pytest.raises(RunError, match=r"'.*broken': cannot be read \("):
        load_run(broken)
    foreign = write_run(tmp_path / "foreign", [0], [0.1])
    pq.write_table(pa.table({"x": [1.0]}), foreign / "replications.parquet")
    with pytest.raises(RunError, match=r"not a stewardsim run's tables"):
        load_run(foreign)


def write_trial(sweep: Path, number: int, residual: list[float], **changes: Any) -> Path:
    """A sweep trial's folder: its table keeps the trial's settings in the metadata."""
    run = write_run(
        sweep / "scratch" / str(number), list(range(len(residual))), residual, **changes
    )
    config = (run / "config.yaml").read_text()
    folder = sweep / "trials" / "policy=phased" / f"trial={number}"
    folder.mkdir(parents=True)
    table = pq.read_table(run / "replications.parquet")
    n = table.num_rows
    table = table.append_column("param_budget_expert_hours", pa.array([40.0] * n))
    table = table.append_column("objective_0", pa.array([0.2] * n))
    table = table.replace_schema_metadata({b"stewardsim.config": config.encode()})
    pq.write_table(table, folder / "replications.parquet")
    return folder


def test_sweep_trials_by_folder_or_by_number(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    folder = write_trial(sweep, 3, [0.3, 0.2])
    write_trial(sweep, 12, [0.2, 0.2], budget__expert_hours=80.0)
    by_folder, by_number = load_run(folder), load_run(f"{sweep}:3")
    assert by_number.path == folder
    assert set(by_folder.metrics) == {"errors_fixed", "residual_error_rate"}
    c = compare(by_number, load_run(f"{sweep}:12"), ["residual_error_rate"])
    assert c.same_draws
    assert c.differing == [("budget.expert_hours", 40.0, 80.0)]
    assert np.isclose(c.differences["residual_error_rate"].mean, -0.05)
    with pytest.raises(RunError, match=r"sweep:4': .* has no trial 4; expected <sweep folder>:"):
        load_run(f"{sweep}:4")
