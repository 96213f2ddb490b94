"""The shipped medcalc_shape scenario is exactly what the real trace says, and the agreement rule
reproduces the audit's published figures on it."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import yaml

from sim.model.agreement import AgreementRule, ValueKind, agrees, relative_disagreement
from sim.trace.labels import parse_label
from sim.trace.shape import scenario_yaml, stratum_shapes
from tests.conftest import REPO

RULE = AgreementRule()


def test_the_shipped_scenario_is_derived_from_the_trace(trace_path: Path) -> None:
    shipped = yaml.safe_load((REPO / "conf" / "scenario" / "medcalc_shape.yaml").read_text())
    derived = yaml.safe_load(scenario_yaml(stratum_shapes(trace_path), "x"))
    assert shipped == derived
    assert len(shipped["strata"]) == 55
    assert sum(s["size"] for s in shipped["strata"]) == 1047


def test_errors_cluster_as_in_the_trace(trace_path: Path) -> None:
    shapes = stratum_shapes(trace_path)
    kept_errors = {s.name: s.errors - _dropped(trace_path, s.name) for s in shapes}
    numeric = [s for s in shapes if s.value_kind != "date"]
    assert len(numeric) == 53
    assert sum(kept_errors[s.name] == 0 for s in numeric) == 17
    assert sum(s.error_rate == 1.0 for s in shapes) == 5


def _dropped(path: Path, calculator: str) -> int:
    with path.open() as f:
        return sum(
            1
            for r in csv.DictReader(f)
            if r["calculator_name"] == calculator and r["label_final"] == ""
        )


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as f:
        return list(csv.DictReader(f))


def test_agreement_with_physicians_matches_the_audit(trace_path: Path) -> None:
    rows = [r for r in _rows(trace_path) if r["label_physician"] != ""]
    assert len(rows) == 50
    original = recomputed = 0
    for r in rows:
        kind = ValueKind.parse(r["value_kind"])
        md = parse_label(r["label_physician"], kind)
        o = parse_label(r["label_original"], kind)
        c = parse_label(r["label_recomputed"], kind)
        original += bool(agrees(o, md, kind, RULE))
        recomputed += c is not None and bool(agrees(c, md, kind, RULE))
    assert (original, recomputed) == (10, 37)  # 20% and 74%


def test_the_triage_flags_286_items(trace_path: Path) -> None:
    rows = [r for r in _rows(trace_path) if r["recompute_consensus"] == "true"]
    kinds = np.array([ValueKind.parse(r["value_kind"]) for r in rows], dtype=np.int8)
    o = np.array(
        [parse_label(r["label_original"], ValueKind(k)) for r, k in zip(rows, kinds, strict=True)]
    )
    c = np.array(
        [parse_label(r["label_recomputed"], ValueKind(k)) for r, k in zip(rows, kinds, strict=True)]
    )
    d = relative_disagreement(c, o, kinds)
    assert np.isnan(c).sum() == 66
    assert ((d > 0.05) & ~np.isnan(c)).sum() == 220
    assert (d > 0.05).sum() == 286
