"""The calibrated simulator predicts what the real audit saw: figures that need no truth proxy
(consensus, contentious items and who was right on them) and the replayed triage's yield."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO

sys.path.insert(0, str(REPO))
from benchmarks.sim_to_real import contentious_composition, table


def test_contentious_items_match_the_real_audit(trace_path: Path) -> None:
    rows = {name: (lo, hi) for name, _, lo, hi, _ in contentious_composition(100)}
    real = {
        "items reaching consensus": 887,
        "contentious items": 286,
        "recomputed label right on contentious items": 37 / 50,
        "original right on contentious items": 10 / 50,
    }
    for name, value in real.items():
        lo, hi = rows[name]
        assert lo <= value <= hi, f"{name}: real {value} outside the simulator's [{lo}, {hi}]"


@pytest.mark.slow
def test_replayed_yield_per_expert_hour_is_inside_the_simulators_interval(
    trace_path: Path,
) -> None:
    rows = table(replications=100, replays=5)
    yield_rows = [r for r in rows if r["metric"] == "errors_fixed_per_expert_hour"]
    assert len(yield_rows) == 9
    assert all(r["inside"] for r in yield_rows), [r for r in yield_rows if not r["inside"]]
    # the same origin for both: identical original error rates
    rates = [r for r in rows if r["metric"] == "original_error_rate"]
    assert all(np.isclose(r["sim_mean"], r["replay"], atol=0.02) for r in rates)
