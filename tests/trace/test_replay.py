"""Replaying policies on the real MedCalc trace."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

from sim.cli.compose import compose_config
from sim.config.schema import PolicyConfig, RootConfig
from sim.kernels.random import stream_states
from sim.policies.base import Evidence
from sim.trace.format import load_mapping
from sim.trace.load import Trace, load_trace
from sim.trace.replay import replay, replay_scenario
from tests.conftest import REPO, small_config
from tests.trace.test_validate import MEDCALC_MAPPING, write_csv


def medcalc_root(policy: str) -> RootConfig:
    return compose_config([f"policy={policy}"])


def test_phased_triage_on_the_trace_is_the_audits_rule(trace: Trace) -> None:
    sc, bench, audit, recompute = replay_scenario(trace, medcalc_root("phased"))
    evidence = Evidence.of(bench, sc.strata.n_strata, sc.rule, audit, recompute)
    policy = sc.policy_class(PolicyConfig(name="phased"))
    keys = policy.triage(evidence, stream_states(np.random.SeedSequence(0), 1)[0])
    assert int(np.isfinite(keys).sum()) == 286  # the paper's "at least 27%" of 1,047


def test_replay_reports_simulation_outcomes(trace: Trace) -> None:
    metrics, first = replay(trace, medcalc_root("phased"), replications=3, seed=0)
    assert first.bench.n_items == 1047
    assert (metrics["items_dropped"] == 160).all()  # no consensus, as in the real audit
    assert (metrics["expert_hours"] <= 40.0).all()
    assert (metrics["errors_fixed_by_review"] > 0).all()


def test_the_replay_command_writes_a_run_folder(trace_path: Path, tmp_path: Path) -> None:
    def replay_cli(*overrides: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "sim.trace",
                "replay",
                str(trace_path),
                "--mapping",
                str(MEDCALC_MAPPING),
                "--replications",
                "3",
                "--seed",
                "5",
                "policy=disagreement",
                "budget.expert_hours=10",
                f"output.dir={tmp_path}",
                *overrides,
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )

    proc = replay_cli("output.item_replications=1")
    assert proc.returncode == 0, proc.stderr
    assert "replay of trace.csv · policy=disagreement" in proc.stdout
    assert "errors fixed per expert-hour" in proc.stdout
    (folder,) = (tmp_path / "runs").iterdir()
    assert folder.name.endswith("_replay-medcalc_disagreement")
    assert f"results: {folder}" in proc.stdout
    summary = json.loads((folder / "summary.json").read_text())
    assert (summary["replications"], summary["seed"]) == (3, 5)
    assert summary["trace"]["path"] == str(trace_path)
    config = yaml.safe_load((folder / "config.yaml").read_text())
    assert (config["replications"], config["seed"]) == (3, 5)  # the flags, not the defaults
    reps = pq.read_table(folder / "replications.parquet")
    assert reps.num_rows == 3
    assert pq.read_table(folder / "items.parquet").num_rows == 1047  # one replay's items
    assert summary["metrics"]["expert_hours"]["mean"] == pytest.approx(
        float(np.mean(reps.column("expert_hours").to_numpy()))
    )
    assert replay_cli("output.write=false").returncode == 0
    assert len(list((tmp_path / "runs").iterdir())) == 1


def test_a_policy_needing_the_recomputation_says_so(tmp_path: Path) -> None:
    rows = [
        {
            "item_id": str(i),
            "stratum": "s0",
            "group": "lab",
            "label_original": "1",
            "label_truth": "2",
        }
        for i in range(5)
    ]
    mapping, explicit = load_mapping(None)
    t, _ = load_trace(write_csv(tmp_path / "t.csv", rows), mapping, explicit=explicit)
    assert t is not None
    with pytest.raises(ValueError, match="needs the recomputation's labels"):
        replay(t, small_config("disagreement"), replications=1, seed=0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--replications", "0"], "error: --replications=0: expected an integer >= 1"),
        (["--seed", "-1"], "error: --seed=-1: expected an integer >= 0"),
        (["replications=3"], "error: replications=3: a replay takes --replications instead"),
        (["policy=bogus"], "error: policy='bogus': expected one of disagreement, learning,"),
        (["+budget.x=1"], "error: budget.x=1: expected a setting of budget: one of"),
    ],
)
def test_bad_replay_arguments_are_one_line(
    trace_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from sim.trace.__main__ import main

    code = main(["replay", str(trace_path), "--mapping", str(MEDCALC_MAPPING), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(message)
    assert err.count("\n") == 1
