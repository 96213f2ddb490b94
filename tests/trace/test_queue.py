"""``python -m sim.trace queue``: the review queue a policy hands to experts on a live trace."""

from __future__ import annotations

import csv
import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.trace.load import Trace
from sim.trace.queue import review_queue
from tests.conftest import REPO
from tests.trace.test_replay import medcalc_root
from tests.trace.test_validate import MEDCALC_MAPPING, write_csv


def without(t: Trace, column: str) -> Trace:
    return dataclasses.replace(
        t,
        labels={k: v for k, v in t.labels.items() if k != column},
        present={k: v for k, v in t.present.items() if k != column},
    )


def test_disagreement_queues_the_contentious_items_experts_have_not_labelled(
    trace: Trace,
) -> None:
    q = review_queue(trace, medcalc_root("disagreement"), seed=0)
    labelled = trace.present["label_expert"]
    assert q.verdicts_seen == int(labelled.sum()) == 50
    assert not labelled[q.item].any()
    assert len(q.item) == 286 - 50  # the audit's contentious items, the labelled ones left out
    assert (np.diff(q.key) >= 0).all()
    assert (np.diff(q.cumulative_hours) > 0).all()
    assert q.reserved_hours == 0.0


def test_learning_learns_from_the_labels_already_in_the_trace(trace: Trace) -> None:
    root = medcalc_root("learning")
    learnt = review_queue(trace, root, seed=0)
    blind = review_queue(without(trace, "label_expert"), root, seed=0)
    assert learnt.verdicts_seen == 50
    assert blind.verdicts_seen == 0
    assert len(blind.item) == trace.n_items
    # The 50 verdicts move the beliefs, and with them the order of the items left.
    shared = np.isin(blind.item, learnt.item)
    assert not np.array_equal(blind.item[shared][:100], learnt.item[:100])
    assert learnt.reserved_hours == pytest.approx(0.2 * root.budget.expert_hours)


def test_a_live_trace_needs_no_truth(tmp_path: Path) -> None:
    rows = [
        {
            "item_id": f"i{i}",
            "stratum": f"s{i % 3}",
            "label_original": str(10 + i),
            "label_recomputed": str(10 + i + (i % 4 == 0)),
            "recompute_consensus": "true" if i % 5 else "false",
        }
        for i in range(30)
    ]
    path = write_csv(tmp_path / "live.csv", rows)
    out = tmp_path / "q.csv"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.trace",
            "queue",
            str(path),
            "--out",
            str(out),
            "policy=disagreement",
            "budget.expert_hours=1",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"queue: {out}" in proc.stdout
    with out.open() as f:
        table = list(csv.DictReader(f))
    # disagreement's rule: a consensus that contradicts the original by more than 5%
    contentious = {
        r["item_id"]
        for r in rows
        if r["recompute_consensus"] == "true"
        and abs(float(r["label_recomputed"]) - float(r["label_original"]))
        > 0.05 * float(r["label_recomputed"])
    }
    assert contentious == {"i4", "i8"}
    assert [r["item_id"] for r in table] == ["i4", "i8"]  # the larger disagreement first
    assert [int(r["rank"]) for r in table] == list(range(1, len(table) + 1))
    hours = [float(r["cumulative_expert_hours"]) for r in table]
    assert hours == sorted(hours)
    within = sum(h <= 1.0 for h in hours)
    assert f"budget.expert_hours=1 covers the first {within} " in proc.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["seed=3"], "error: seed=3: a queue takes --seed instead"),
        (["--seed", "-1"], "error: --seed=-1: expected an integer >= 0"),
        (["policy=bogus"], "error: policy='bogus': expected one of"),
    ],
)
def test_bad_queue_arguments_are_one_line(
    trace_path: Path, tmp_path: Path, args: list[str], fragment: str
) -> None:
    from sim.trace.__main__ import main

    code = main(
        [
            "queue",
            str(trace_path),
            "--mapping",
            str(MEDCALC_MAPPING),
            "--out",
            str(tmp_path / "q.csv"),
            *args,
        ]
    )
    assert code == 2
    assert not (tmp_path / "q.csv").exists()
