"""End to end: ``python -m sim`` as a user runs it."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import REPO, ctrl_c_after

TABLES = (
    "replications.parquet",
    "items.parquet",
    "events.parquet",
    "leaderboard.parquet",
    "rl.parquet",
)


def run_sim(out: Path, *overrides: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", f"output.dir={out}", "progress=false", *overrides],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def only_run(out: Path) -> Path:
    runs = [p for p in (out / "runs").iterdir()]
    assert len(runs) == 1, runs
    return runs[0]


@pytest.mark.slow
def test_default_scenario_writes_a_complete_run(tmp_path: Path) -> None:
    proc = run_sim(
        tmp_path, "replications=4", "output.item_replications=2", "downstream.rl.seeds=3"
    )
    assert proc.returncode == 0, proc.stderr
    assert "residual error rate" in proc.stdout
    assert "leaderboard (accuracy %, rank)" in proc.stdout
    assert "RL (GRPO) accuracy against the truth, points, 95% CI over 3 paired seeds" in proc.stdout
    assert "medcalc · policy=phased · engine=numba · 4 replications" in proc.stdout
    run = only_run(tmp_path)
    assert run.name.endswith("_medcalc_phased")
    assert {p.name for p in run.iterdir()} == {*TABLES, "summary.json", "config.yaml"}
    for name in TABLES:
        meta = pq.read_schema(run / name).metadata
        assert meta[b"stewardsim.schema_version"] == b"1"
    reps = pq.read_table(run / "replications.parquet")
    assert reps.num_rows == 4
    items = pq.read_table(run / "items.parquet")
    assert items.num_rows == 2 * 1047
    assert set(items.column("decision").to_pylist()) <= {
        "original",
        "recomputed",
        "expert",
        "dropped",
    }
    events = pq.read_table(run / "events.parquet")
    assert events.num_rows == sum(reps.column("reviews").to_pylist())
    summary = json.loads((run / "summary.json").read_text())
    assert summary["policy"] == "phased"
    assert summary["metrics"]["expert_hours"]["mean"] <= 40.0
    board = pq.read_table(run / "leaderboard.parquet")
    assert board.num_rows == 4 * len(summary["leaderboard"])
    rl = pq.read_table(run / "rl.parquet")
    assert rl.num_rows == 1 * 3 * 3  # label replications x seeds x arms
    assert set(rl.column("arm").to_pylist()) == {"original", "maintained", "truth"}
    gap = summary["rl"]["heldout_items.gap_maintained_vs_original"]
    assert gap["n"] == 3
    assert gap["ci_low"] <= gap["mean"] <= gap["ci_high"]


@pytest.mark.slow
def test_same_seed_gives_byte_identical_tables(tmp_path: Path) -> None:
    """Also through Hydra's run mode: a command line that sets a Hydra setting is composed by
    Hydra again, the others go to the app from the checked composition."""
    runs = []
    commands = [("seed=5",), ("seed=5",), ("seed=6",), ("seed=5", "hydra.job.chdir=false")]
    for i, overrides in enumerate(commands):
        out = tmp_path / str(i)
        proc = run_sim(out, "replications=3", "policy=random", *overrides)
        assert proc.returncode == 0, proc.stderr
        runs.append(only_run(out))
    for name in TABLES:
        assert (runs[0] / name).read_bytes() == (runs[1] / name).read_bytes(), name
        assert (runs[0] / name).read_bytes() == (runs[3] / name).read_bytes(), name
    assert (runs[0] / "events.parquet").read_bytes() != (runs[2] / "events.parquet").read_bytes()
    configs = [
        (run / "config.yaml").read_text().replace(str(run.parents[1]), "OUT") for run in runs
    ]
    assert configs[0] == configs[3]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("budget.expert_hours=-5", "error: budget.expert_hours=-5.0: expected a number >= 0"),
        (
            "policy=bogus",
            "error: policy='bogus': expected one of disagreement, learning, none, phased, random",
        ),
        ("scenario=nowhere", "error: scenario='nowhere': expected one of"),
        ("verifier.recompute.consensus_runs=9", "error: verifier.recompute.consensus_runs=9"),
        ("experts.pool.0.error_probability=1.2", "error: experts.pool[0].error_probability=1.2"),
        ("budget.expert_hours=lots", "error: budget.expert_hours=lots: Value 'lots'"),
        ("budget.weeks=3", "error: budget.weeks=3: no such setting"),
        ("+budget.weeks=3", "error: budget.weeks=3: expected a setting of budget: one of"),
        ("+sweep=nope", "error: sweep='nope': expected one of cost_vs_error, downstream_per"),
        ("replications=", "error: replications=: Value '' of type 'str' could not be converted"),
        ("policy", "error: 'policy': missing EQUAL at '<EOF>'; expected key=value (quote a"),
        (
            "+sweep=residual_at_40h hydra.sweeper.sampler.seed=abc",
            "error: hydra.sweeper.sampler.seed=abc: Value 'abc' of type 'str' could not be",
        ),
        (
            "+sweep=residual_at_40h x=interval(0.5)",
            "error: 'x=interval(0.5)': TypeError while evaluating 'interval(0.5)': missing a",
        ),
        ("-m policy=random,bogus", "error: policy='bogus': expected one of disagreement,"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path, override: str, message: str
) -> None:
    proc = run_sim(tmp_path, "replications=2", *override.split())
    assert proc.returncode == 2
    assert proc.stderr.startswith(message), proc.stderr
    assert proc.stderr.count("\n") == 1
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def run_downstream(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim.downstream", "budget", "--out", str(out), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_downstream_budget_study_writes_table_and_figure(tmp_path: Path) -> None:
    proc = run_downstream(
        tmp_path,
        "--policies",
        "none",
        "phased",
        "--expert-hours",
        "0",
        "20",
        "replications=6",
        "downstream.rl.seeds=3",
        "downstream.rl.steps=100",
    )
    assert proc.returncode == 0, proc.stderr
    (folder,) = list(tmp_path.iterdir())
    assert {p.name for p in folder.iterdir()} == {
        "budget.md",
        "budget.json",
        "bias_against_budget.png",
    }
    rows = json.loads((folder / "budget.json").read_text())
    assert [(r["policy"], r["expert_hours"]) for r in rows] == [
        ("none", 0.0),
        ("phased", 0.0),
        ("phased", 20.0),
    ]
    none = rows[0]["metrics"]
    # no stewardship: the maintained labels are the originals
    assert (
        none["leaderboard_bias_maintained_points"]["mean"]
        == none["leaderboard_bias_original_points"]["mean"]
    )
    assert rows[0]["rl"]["heldout_items.gap_maintained_vs_original"]["mean"] == 0.0
    assert (folder / "bias_against_budget.png").read_bytes()[:4] == b"\x89PNG"
    assert "| phased | 20 |" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("downstream.rl.seeds=1",), "error: downstream.rl.seeds=1: expected an integer >= 2"),
        (("--expert-hours", "-3"), "error: --expert-hours=-3: expected hours >= 0"),
        (("nosuchkey=1",), "error: nosuchkey=1: no such setting (check the spelling; see conf/)"),
        (("--policies", "bogus"), "error: policy='bogus': expected one of disagreement, learning,"),
    ],
)
def test_downstream_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    proc = run_downstream(tmp_path / "out", "--policies", "none", *args)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith(message)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    "overrides",
    [("engine=simpy", "engine.processes=1"), ("policy=learning", "engine.processes=2")],
)
def test_ctrl_c_stops_a_run_with_one_line_and_writes_nothing(
    tmp_path: Path, overrides: tuple[str, ...]
) -> None:
    status, err, pgid = ctrl_c_after(
        [
            "sim",
            f"output.dir={tmp_path}",
            "replications=100000",
            "downstream.rl.enabled=false",
            *overrides,
        ],
        started=b"rep/s",  # the progress bar
        seconds=1.0,  # replications are running
    )
    assert status == 130, err
    assert err.strip().endswith("interrupted: nothing of the unfinished run was written")
    assert "Traceback" not in err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
    assert process_group(pgid) == []  # no worker process left behind


def process_group(pgid: int) -> list[int]:
    """The live processes of group ``pgid`` (from /proc)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue
        if int(group) == pgid and state != "Z":
            members.append(int(stat.parent.name))
    return members


def test_help_says_what_the_tool_does_lists_the_groups_and_stays_short() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("stewardsim: simulate a label-stewardship programme")
    assert "policy: disagreement, learning, none, phased, random" in out
    assert "python -m sim +sweep=cost_vs_error" in out
    assert "Creatinine Clearance" not in out  # the scenario's strata are for --cfg job
    assert len(out.splitlines()) < 40


def test_an_output_dir_that_cannot_hold_runs_stops_the_run_before_it_simulates(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    proc = run_sim(tmp_path, "replications=2", f"output.dir={blocker / 'below'}")
    assert proc.returncode == 2
    assert proc.stderr == (
        f"error: output.dir='{blocker / 'below'}': expected a writable folder "
        f"({blocker} is a file)\n"
    )
    assert proc.stdout == ""  # nothing simulated, no summary
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_a_run_whose_folder_cannot_be_written_says_so_and_keeps_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses
    import errno

    from sim.cli import app, run_folder
    from tests.conftest import small_config

    def full_disk(tmp: Path, *args: object) -> None:
        (tmp / "replications.parquet").write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(run_folder, "write_run", full_disk)
    cfg = small_config("random")
    root = dataclasses.replace(
        cfg,
        replications=2,
        output=dataclasses.replace(cfg.output, dir=str(tmp_path)),
        downstream=dataclasses.replace(
            cfg.downstream, rl=dataclasses.replace(cfg.downstream.rl, enabled=False)
        ),
    )
    with pytest.raises(app.WriteError, match=r"\(No space left on device\); nothing was kept"):
        app.run(root, "")
    assert list((tmp_path / "runs").iterdir()) == []


def test_a_downstream_out_folder_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    proc = run_downstream(blocker / "x", "--policies", "none", "replications=2")
    assert proc.returncode == 2
    assert (
        proc.stderr
        == f"error: --out='{blocker / 'x'}': expected a writable folder ({blocker} is a file)\n"
    )


def test_a_run_out_of_memory_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    """A billion replications under a 1.3 GB address-space limit: the seeds alone exhaust it."""
    limit = 1_300_000_000
    args = [f"output.dir={tmp_path}", "progress=false", "replications=1000000000"]
    proc = subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)),
    )
    assert proc.returncode == 1
    # Out of memory, the interpreter itself may first note a finalizer it could not report.
    assert proc.stderr.endswith(
        "error: out of memory with replications=1000000000 (and output.item_replications=10); "
        "run fewer, nothing was written\n"
    )
    assert "Traceback" not in proc.stderr
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
