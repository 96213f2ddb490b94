"""``python -m sim.compare`` end to end on two runs of the tiny scenario that differ in budget."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def command(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("runs")
    for hours in ("5", "10"):
        proc = command(
            "sim",
            f"output.dir={out}",
            "progress=false",
            "scenario=tiny",
            "replications=20",
            f"budget.expert_hours={hours}",
        )
        assert proc.returncode == 0, proc.stderr
    return sorted((out / "runs").iterdir())


@pytest.mark.slow
def test_compare_pairs_two_budgets_on_common_random_numbers(
    two_runs: list[Path], tmp_path: Path
) -> None:
    proc = command(
        "sim.compare",
        *map(str, two_runs),
        "--metrics",
        "original_error_rate",
        "residual_error_rate",
        "expert_hours",
        "--out",
        str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    assert "settings that differ: budget.expert_hours 5 → 10" in proc.stdout
    assert "B against A: 20 paired replications on common random numbers" in proc.stdout
    (folder,) = tmp_path.iterdir()
    assert folder.name.endswith("_compare_phased-phased")
    assert {p.name for p in folder.iterdir()} == {
        "comparison.md",
        "comparison.json",
        "differences.png",
    }
    data = json.loads((folder / "comparison.json").read_text())
    (c,) = data["comparisons"]
    assert c["paired"]
    assert c["common_random_numbers"]
    assert c["pairs"] == 20
    m = c["metrics"]
    # The same benchmark in every pair: its original labels' errors are equal pair by pair.
    assert m["original_error_rate"]["low"] == m["original_error_rate"]["high"] == 0.0
    # Twice the hours: the same reviews in the same order, then more, so no replication
    # spends less; some spend the same (their queue or calendar ran out before 5 hours).
    assert m["expert_hours"]["mean"] > 0
    assert m["expert_hours"]["better_share"] == 0.0
    assert 0.0 < m["expert_hours"]["worse_share"] < 1.0
    assert m["residual_error_rate"]["mean"] < 0
    assert m["residual_error_rate"]["worse_share"] == 0.0
    assert "| residual error rate |" in (folder / "comparison.md").read_text()


@pytest.mark.slow
def test_bad_input_is_one_line_and_writes_nothing(two_runs: list[Path], tmp_path: Path) -> None:
    for args, expected in (
        ([str(two_runs[0]), str(tmp_path / "nope")], "no such folder; expected a run folder"),
        ([*map(str, two_runs), "--metrics", "residual"], "--metrics=residual: expected a metric"),
    ):
        proc = command("sim.compare", *args, "--out", str(tmp_path / "out"))
        assert proc.returncode == 2
        (line,) = proc.stderr.splitlines()
        assert line.startswith("error: ")
        assert expected in line
        assert not (tmp_path / "out").exists()
