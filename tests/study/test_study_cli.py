"""``python -m sim.study budget`` end to end, and the learning policy's results on the medcalc
scenario that the README quotes (directions, not digits)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from sim.cli.compose import compose_config
from sim.metrics import estimator_coverage, summarize
from sim.runner import run_scenario
from sim.scenario import build_scenario
from tests.conftest import ctrl_c_after
from tests.study.cli import study_cli


def study(*args: str) -> subprocess.CompletedProcess[str]:
    return study_cli("budget", *args)


@pytest.mark.slow
def test_study_writes_tables_json_and_figure(tmp_path: Path) -> None:
    proc = study(
        "--policies",
        "disagreement",
        "learning:policy.learning.strategy=greedy",
        "--expert-hours",
        "10",
        "20",
        "--out",
        str(tmp_path),
        "replications=6",
    )
    assert proc.returncode == 0, proc.stderr
    (folder,) = tmp_path.iterdir()
    assert {p.name for p in folder.iterdir()} == {
        "outcomes.md",
        "differences.md",
        "coverage.md",
        "study.json",
        "against_expert_hours.png",
    }
    rows = json.loads((folder / "study.json").read_text())
    assert [(r["variant"], r["expert_hours"]) for r in rows] == [
        ("disagreement", 0.0),
        ("disagreement", 10.0),
        ("disagreement", 20.0),
        ("learning:policy.learning.strategy=greedy", 0.0),
        ("learning:policy.learning.strategy=greedy", 10.0),
        ("learning:policy.learning.strategy=greedy", 20.0),
    ]
    assert rows[0]["metrics"]["expert_hours"]["mean"] == 0
    coverage = (folder / "coverage.md").read_text()
    assert "learning:policy.learning.strategy=greedy | 10 |" in coverage
    assert "disagreement" not in coverage  # no estimates, no row
    assert "| disagreement | 20 |" in proc.stdout
    assert "paired differences from disagreement at the same budget:" in proc.stdout
    differences = (folder / "differences.md").read_text()
    assert "| learning:policy.learning.strategy=greedy | 20 |" in differences
    assert "of 6 |" in differences  # six pairs
    assert all(("against_first" in r) == (r["policy"] == "learning") for r in rows)
    # Each learning row is paired with the disagreement row of its own budget.
    d = rows[5]["against_first"]["expert_hours"]
    assert d["n"] == 6
    assert d["mean_a"] == pytest.approx(rows[2]["metrics"]["expert_hours"]["mean"])
    assert d["mean_b"] == pytest.approx(rows[5]["metrics"]["expert_hours"]["mean"])


@pytest.mark.slow
def test_a_study_goes_under_output_dir_and_has_no_coverage_without_estimates(
    tmp_path: Path,
) -> None:
    proc = study(
        "--policies",
        "random",
        "--expert-hours",
        "5",
        f"output.dir={tmp_path}",
        "replications=3",
    )
    assert proc.returncode == 0, proc.stderr
    (folder,) = (tmp_path / "studies").iterdir()
    assert {p.name for p in folder.iterdir()} == {
        "outcomes.md",
        "study.json",
        "against_expert_hours.png",
    }
    assert "| random | 5 |" in proc.stdout
    assert "coverage" not in proc.stdout
    assert f"results: {folder}" in proc.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--expert-hours", "0"], "--expert-hours=0: expected hours > 0"),
        (
            ["--policies", "bogus"],
            "error: policy='bogus': expected one of disagreement, learning, none, phased, random",
        ),
        (["--policies", "learning:policy.estimation.audit_share=2"], "audit_share=2"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path, args: list[str], fragment: str
) -> None:
    proc = study(*args, "--out", str(tmp_path), "replications=2")
    assert proc.returncode == 2
    assert fragment in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


@pytest.mark.slow
def test_learning_on_medcalc_at_40_hours() -> None:
    """Lower residual error than the audit's triage rules for the same 40 expert-hours, more
    errors fixed per expert-hour by every route, and valid intervals where the naive one is
    not (100 replications, seed 0)."""
    out = {}
    for policy in ("disagreement", "phased", "learning"):
        root = compose_config([f"policy={policy}", "downstream=none", "progress=false"])
        sc = build_scenario(root)
        res = run_scenario(sc, 100, 0, item_replications=0, event_replications=0)
        out[policy] = (summarize(res.metrics), estimator_coverage(res.metrics))
    residual = {p: s["residual_error_rate"]["mean_ci_high"] for p, (s, _) in out.items()}
    learning = out["learning"][0]
    assert learning["residual_error_rate"]["mean_ci_high"] < residual["phased"]
    assert residual["phased"] < out["disagreement"][0]["residual_error_rate"]["mean_ci_low"]
    per_hour = {
        p: s["errors_fixed"]["mean"] / s["expert_hours"]["mean"] for p, (s, _) in out.items()
    }
    assert per_hour["learning"] > per_hour["disagreement"]
    cov = out["learning"][1]
    assert cov["audit"]["coverage"] >= 0.93
    assert cov["ppi"]["coverage"] >= 0.93
    assert cov["naive"]["coverage"] < 0.8


def test_an_out_folder_that_cannot_be_written_stops_before_simulating(tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    proc = study("--policies", "random", f"output.dir={blocker / 'x'}", "replications=2")
    assert proc.returncode == 2
    assert proc.stderr == (
        f"error: --out='{blocker / 'x' / 'studies'}': expected a writable folder "
        f"({blocker} is a file)\n"
    )


@pytest.mark.slow
def test_ctrl_c_stops_a_study_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    status, err, _ = ctrl_c_after(
        [
            "sim.study",
            "budget",
            "--policies",
            "learning",
            "--expert-hours",
            "40",
            "--out",
            str(tmp_path),
            "replications=100000",
        ],
        started=b"run",  # the progress bar
        seconds=2.0,  # replications are running
    )
    assert status == 130, err
    assert err.strip().endswith("interrupted: nothing of the unfinished study was written")
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
