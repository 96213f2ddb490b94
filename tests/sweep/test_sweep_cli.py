"""End to end: ``python -m sim +sweep=...`` as a user runs it: the study, the dataset, resuming,
two workers on one study, the joblib launcher, PostgreSQL storage and bad input."""

from __future__ import annotations

import math
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import duckdb
import optuna
import pyarrow.parquet as pq
import pytest
import yaml
from optuna.trial import TrialState

from sim.sweep.dataset import read_trials
from sim.sweep.summary import best_trials
from tests.conftest import REPO
from tests.sweep.test_storage import journal_mode

SWEEP = "residual_at_40h"
POSTGRES_ENV = "STEWARDSIM_TEST_POSTGRES_URL"


def sweep_cmd(out: Path, *overrides: str, sweep: str = SWEEP) -> list[str]:
    return [
        sys.executable,
        "-m",
        "sim",
        f"+sweep={sweep}",
        f"output.dir={out}",
        "progress=false",
        "replications=10",
        *overrides,
    ]


def run_sweep(out: Path, *overrides: str, sweep: str = SWEEP) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        sweep_cmd(out, *overrides, sweep=sweep),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )


def load(out: Path, name: str = SWEEP, url: str | None = None) -> optuna.Study:
    url = url or f"sqlite:///{out / 'sweeps' / name / 'study.db'}"
    return optuna.load_study(study_name=name, storage=url)


def partitions(out: Path, name: str = SWEEP) -> dict[int, Path]:
    files = (out / "sweeps" / name / "trials").glob("policy=*/trial=*/replications.parquet")
    return {int(f.parent.name.split("=")[1]): f for f in files}


@pytest.mark.slow
def test_sweep_writes_study_and_dataset_queried_with_duckdb(tmp_path: Path) -> None:
    proc = run_sweep(tmp_path, "hydra.sweeper.n_trials=6")
    assert proc.returncode == 0, proc.stderr
    assert "best feasible trial:" in proc.stdout
    sweep_dir = tmp_path / "sweeps" / SWEEP
    # The study logged ahead while the sweep ran and is left as one plain file.
    assert journal_mode(sweep_dir / "study.db") == "delete"
    assert not (sweep_dir / "study.db-wal").exists()
    study = load(tmp_path)
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    assert len(complete) == 6
    assert set(partitions(tmp_path)) == {t.number for t in complete}

    glob = f"{sweep_dir}/trials/**/*.parquet"
    rows = duckdb.sql(
        f"""select trial, policy, count(*) as n, avg(residual_error_rate) as mean_residual,
                   any_value(objective_0) as objective, bool_and(feasible) as feasible,
                   quantile_cont(calendar_days, 0.9) as q90_days,
                   any_value(param_policy) as param_policy
            from read_parquet('{glob}', hive_partitioning = true)
            group by trial, policy order by trial"""
    ).fetchall()
    assert [r[0] for r in rows] == sorted(t.number for t in complete)
    for (number, policy, n, mean_residual, objective, ok, q90_days, param_policy), t in zip(
        rows, sorted(complete, key=lambda t: t.number), strict=True
    ):
        assert number == t.number
        assert n == 10
        assert policy == param_policy == t.params["policy"]
        # The objective the study received is the dataset's own statistic of its rows.
        assert objective == pytest.approx(mean_residual, rel=1e-12)
        assert t.values == [pytest.approx(objective, rel=1e-12)]
        assert ok == (q90_days <= 42.0 + 1e-9) == t.user_attrs["feasible"]

    # Common random numbers: every trial simulates the same benchmarks, replication by
    # replication, whatever its policy, pool or verifier settings.
    table = read_trials(sweep_dir)
    originals = {}
    for trial, rep, errors in zip(
        table.column("trial").to_pylist(),
        table.column("replication").to_pylist(),
        table.column("original_errors").to_pylist(),
        strict=True,
    ):
        originals.setdefault(rep, set()).add(errors)
        assert trial in partitions(tmp_path)
    assert all(len(v) == 1 for v in originals.values())
    assert len({v.pop() for v in originals.values()}) > 1  # replications do differ
    meta = pq.read_schema(partitions(tmp_path)[0]).metadata
    assert b"policy:" in meta[b"stewardsim.config"]

    # The runner-ups, paired with the best: with every replication in both, the paired mean
    # difference is the difference of the two trials' objectives.
    results = yaml.safe_load((sweep_dir / "optimization_results.yaml").read_text())
    (best,) = results["best"]
    ups = results["runner_ups"]
    assert f"runner-ups, each paired with #{best['trial']} replication by replication:" in (
        proc.stdout
    )
    values = {t.number: t.values[0] for t in complete}
    assert [u["trial"] for u in ups] == sorted(
        (n for n in values if n != best["trial"] and study.trials[n].user_attrs["feasible"]),
        key=lambda n: (values[n], n),
    )[:3]
    for u in ups:
        assert u["pairs"] == 10
        assert u["difference_from_best"] == pytest.approx(
            values[u["trial"]] - values[best["trial"]]
        )
    report = subprocess.run(
        [sys.executable, "-m", "sim.report", str(sweep_dir), "--replay-replications", "2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert report.returncode == 0, report.stderr
    page = (sweep_dir / "report" / "index.html").read_text()
    assert f"Runner-ups, paired with #{best['trial']}" in page


@pytest.mark.slow
def test_multi_objective_sweep_with_an_rl_constraint(tmp_path: Path) -> None:
    name = "downstream_per_dollar"
    proc = run_sweep(
        tmp_path,
        "hydra.sweeper.n_trials=4",
        "downstream.rl.seeds=3",
        "downstream.rl.steps=100",
        sweep=name,
    )
    assert proc.returncode == 0, proc.stderr
    study = load(tmp_path, name)
    assert len(study.directions) == 2
    front = best_trials(study)  # the summary names the study's own front
    if not front:
        assert "no feasible trial" in proc.stdout
    elif len(front) == 1:
        assert "best feasible trial:" in proc.stdout
    else:
        assert f"feasible Pareto front ({len(front)}):" in proc.stdout
    for t in front:
        assert f"  #{t.number}: mean(total_usd)=" in proc.stdout
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    assert len(complete) == 4
    for t in complete:
        violation = t.system_attrs["constraints:rl(heldout_items.gap_truth_vs_maintained) <= 2.0"]
        assert math.isfinite(violation)
        assert t.user_attrs["feasible"] == (violation <= 0)
    table = read_trials(tmp_path / "sweeps" / name)
    usd = table.column("objective_0").to_numpy()
    assert (usd > 0).all()


@pytest.mark.slow
def test_a_grid_sweep_ends_when_every_point_has_run(tmp_path: Path) -> None:
    configs = Path(__file__).parent / "configs"
    proc = run_sweep(
        tmp_path,
        f"hydra.searchpath=[file://{configs}]",
        "downstream.rl.enabled=false",
        sweep="grid_policies",
    )
    assert proc.returncode == 0, proc.stderr
    assert "every point of the grid has run (4 trials)" in proc.stderr
    assert "n_trials=6" in proc.stderr
    study = load(tmp_path, "grid_policies")
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    assert len(study.trials) == len(complete) == 4
    points = {(t.params["policy"], t.params["budget.expert_hours"]) for t in complete}
    assert points == {(p, h) for p in ("phased", "random") for h in (10.0, 20.0)}
    assert set(partitions(tmp_path, "grid_policies")) == {t.number for t in complete}
    again = run_sweep(  # resuming a finished grid runs nothing more
        tmp_path,
        f"hydra.searchpath=[file://{configs}]",
        "downstream.rl.enabled=false",
        sweep="grid_policies",
    )
    assert again.returncode == 0, again.stderr
    assert len(load(tmp_path, "grid_policies").trials) == 4


@pytest.mark.slow
def test_same_sweep_and_seed_give_the_same_trials(tmp_path: Path) -> None:
    """Also when the trials go through Hydra's own ``run_job`` (which a saved ``.hydra``
    folder asks for) instead of running uncopied."""
    studies = []
    for out, extra in (
        (tmp_path / "a", ()),
        (tmp_path / "b", ()),
        (tmp_path / "c", ("hydra.output_subdir=.hydra",)),
    ):
        proc = run_sweep(out, "hydra.sweeper.n_trials=4", *extra)
        assert proc.returncode == 0, proc.stderr
        studies.append(
            [
                (t.params, t.values, {k: v for k, v in t.user_attrs.items() if k != "worker"})
                for t in load(out).trials
            ]
        )
    assert studies[0] == studies[1] == studies[2]
    assert (tmp_path / "c" / "sweeps" / SWEEP / ".hydra").is_dir()
    assert not (tmp_path / "a" / "sweeps" / SWEEP / ".hydra").exists()


@pytest.mark.slow
def test_a_killed_sweep_loses_no_finished_trial_and_resumes(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        sweep_cmd(tmp_path, "hydra.sweeper.n_trials=200", "replications=200"),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while len(partitions(tmp_path)) < 3 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.05)
    time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(partitions(tmp_path)) >= 3

    before = {t.number: t for t in load(tmp_path).trials}
    finished = {n: t.values for n, t in before.items() if t.state == TrialState.COMPLETE}
    running = [n for n, t in before.items() if t.state == TrialState.RUNNING]
    assert len(running) <= 1
    # a trial writes its partition before the study records it, so the kill may fall between
    written = set(partitions(tmp_path))
    assert set(finished) <= written <= set(finished) | set(running)
    for n in running:  # as if the kill had fallen there: resuming must remove the partition
        if n not in written:
            dst = tmp_path / "sweeps" / SWEEP / "trials" / "policy=x" / f"trial={n}"
            dst.mkdir(parents=True)
            shutil.copy(next(iter(partitions(tmp_path).values())), dst / "replications.parquet")
    target = len(finished) + 3

    resumed = run_sweep(tmp_path, f"hydra.sweeper.n_trials={target}", "replications=200")
    assert resumed.returncode == 0, resumed.stderr
    after = {t.number: t for t in load(tmp_path).trials}
    for n, values in finished.items():  # every finished trial kept as it was
        assert after[n].state == TrialState.COMPLETE
        assert after[n].values == values
    complete = [t for t in after.values() if t.state == TrialState.COMPLETE]
    assert len(complete) == target
    assert set(partitions(tmp_path)) == {t.number for t in complete}
    for n in running:  # the interrupted trial is marked, and its parameters run again
        assert after[n].state == TrialState.FAIL
        assert after[n].user_attrs["interrupted"] is True
        assert f"trials [{n}] were interrupted" in resumed.stderr
        retries = [t for t in complete if t.user_attrs.get("retry_of") == n]
        assert len(retries) == 1
        assert retries[0].params == after[n].params


@pytest.mark.slow
def test_two_workers_share_one_study(tmp_path: Path) -> None:
    cmd = sweep_cmd(tmp_path, "hydra.sweeper.n_trials=10")
    procs = [
        subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    trials = load(tmp_path).trials
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    # n_trials is the study's total; both workers may ask for the last one at the same moment.
    assert 10 <= len(complete) <= 11
    assert len(complete) == len(trials)
    workers = {t.user_attrs["worker"] for t in complete}
    assert len(workers) == 2
    assert set(partitions(tmp_path)) == {t.number for t in complete}


@pytest.mark.slow
def test_joblib_launcher_runs_trials_in_parallel_processes(tmp_path: Path) -> None:
    proc = run_sweep(
        tmp_path, "hydra/launcher=joblib", "hydra.sweeper.n_jobs=2", "hydra.sweeper.n_trials=4"
    )
    assert proc.returncode == 0, proc.stderr
    complete = load(tmp_path).get_trials(states=(TrialState.COMPLETE,))
    assert len(complete) == 4
    assert set(partitions(tmp_path)) == {t.number for t in complete}


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(
            f"no PostgreSQL server: set {POSTGRES_ENV} to a SQLAlchemy URL "
            "(.ci/run installs Debian's postgresql, starts it on 127.0.0.1 and sets it)"
        )
    return url


@pytest.mark.slow
def test_sweep_on_a_postgresql_study(tmp_path: Path) -> None:
    url = postgres_url()
    name = f"pg_{uuid.uuid4().hex[:8]}"
    proc = run_sweep(
        tmp_path,
        f"sweep.name={name}",
        f"hydra.sweeper.storage={url}",
        "hydra.sweeper.n_trials=3",
    )
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "sweeps" / name / "study.db").exists()
    try:
        study = load(tmp_path, name, url)
        assert len(study.get_trials(states=(TrialState.COMPLETE,))) == 3
        resumed = run_sweep(
            tmp_path,
            f"sweep.name={name}",
            f"hydra.sweeper.storage={url}",
            "hydra.sweeper.n_trials=5",
        )
        assert resumed.returncode == 0, resumed.stderr
        study = load(tmp_path, name, url)
        assert len(study.get_trials(states=(TrialState.COMPLETE,))) == 5
        assert set(partitions(tmp_path, name)) == {t.number for t in study.trials}
    finally:
        optuna.delete_study(study_name=name, storage=url)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        (
            ["policy.contentious_treshold=interval(0.1, 0.2)"],
            "policy.contentious_treshold: no such setting",
        ),
        (["budget.expert_hours=interval(50.0, 10.0)"], "budget.expert_hours=interval(50.0, 10.0)"),
        (
            ["verifier.recompute.consensus_runs=range(4, 4)"],
            "verifier.recompute.consensus_runs=range(4, 4)",
        ),
        (
            ["verifier.recompute.consensus_runs=range(3, 8)"],
            "verifier.recompute.consensus_runs can take 7, which is invalid",
        ),
        (
            ["experts=choice(trio, quartet)"],
            "experts='quartet': expected one of panel, trio",
        ),
        (
            ["hydra.sweeper.storage=postgresql+psycopg://nobody@127.0.0.1:9/none"],
            "storage='postgresql+psycopg://nobody@127.0.0.1:9/none': cannot be opened",
        ),
        (
            ['sweep.objectives=["mean(residual_error_rate)","mean(total_usd)"]'],
            "2 objectives for 1 directions",
        ),
    ],
)
def test_bad_search_space_or_storage_stops_before_any_trial(
    tmp_path: Path, overrides: list[str], fragment: str
) -> None:
    proc = run_sweep(tmp_path, *overrides)
    assert proc.returncode == 2, proc.stderr
    assert fragment in proc.stderr, proc.stderr
    assert proc.stderr.count("error:") == 1
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "sweeps").exists() or not any((tmp_path / "sweeps").iterdir())


def test_an_output_dir_that_cannot_hold_the_sweep_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    proc = run_sweep(tmp_path, f"output.dir={blocker / 'x'}")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().endswith(
        f"expected a writable folder ({blocker} is a file); it follows output.dir"
    )
    assert proc.stderr.count("error:") == 1
    assert "Traceback" not in proc.stderr
