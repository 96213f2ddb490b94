"""End to end: ``python -m sim.report`` on a run folder and on a sweep folder, and bad input."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=600
    )


def images_of(page: Path) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', page.read_text())


@pytest.mark.slow
@pytest.mark.parametrize("policy", ["phased", "learning"])
def test_report_of_a_run(tmp_path: Path, policy: str) -> None:
    sim = run(
        "sim",
        f"policy={policy}",
        "replications=12",
        "downstream.rl.enabled=false",
        f"output.dir={tmp_path}",
    )
    assert sim.returncode == 0, sim.stderr
    (folder,) = (tmp_path / "runs").iterdir()
    proc = run("sim.report", str(folder))
    assert proc.returncode == 0, proc.stderr
    page = folder / "report" / "index.html"
    assert proc.stdout.strip() == f"report: {page}"
    images = images_of(page)
    assert set(images) == {"histograms.png", "cost_breakdown.png", "errors_over_time.png"}
    for name in images:
        assert (folder / "report" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = page.read_text()
    assert text.index("original_error_rate") < text.index("residual_error_rate")
    assert "frontier_a" in text
    assert ("Residual error estimates" in text) == (policy == "learning")
    again = run("sim.report", str(folder))  # a second report replaces the first whole
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []


@pytest.mark.slow
def test_report_of_a_sweep(tmp_path: Path) -> None:
    sweep = run(
        "sim",
        "+sweep=cost_vs_error",
        "hydra.sweeper.n_trials=6",
        "replications=10",
        "progress=false",
        "downstream.rl.enabled=false",
        f"output.dir={tmp_path}",
    )
    assert sweep.returncode == 0, sweep.stderr
    folder = tmp_path / "sweeps" / "cost_vs_error"
    proc = run("sim.report", str(folder), "--replay-replications", "3")
    assert proc.returncode == 0, proc.stderr
    page = folder / "report" / "index.html"
    assert set(images_of(page)) == {
        "objectives.png",
        "residual_against_budget.png",
        "cost_breakdown.png",
        "errors_over_time.png",
        "importances.png",
    }
    text = page.read_text()
    assert "6 complete trials" in text
    assert "Pareto front" in text


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda p: p / "missing", "no such folder"),
        (lambda p: p, "neither a run folder"),
    ],
)
def test_bad_folder_is_one_line_and_writes_nothing(tmp_path: Path, make, fragment: str) -> None:  # type: ignore[no-untyped-def]
    target = make(tmp_path)
    proc = run("sim.report", str(target))
    assert proc.returncode == 2
    assert fragment in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_unreachable_storage_is_one_line(tmp_path: Path) -> None:
    proc = run(
        "sim.report", str(tmp_path), "--storage", "postgresql+psycopg://nobody@127.0.0.1:9/none"
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(
        "error: --storage='postgresql+psycopg://nobody@127.0.0.1:9/none': cannot be opened"
    )
    assert proc.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
