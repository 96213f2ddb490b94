"""``python -m sim.trace validate``: clean traces pass, every problem is named by row and
column, and nothing is written."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.trace.__main__ import validate
from sim.trace.format import fitting_mappings, load_mapping
from sim.trace.load import load_trace
from tests.conftest import REPO

MEDCALC_MAPPING = REPO / "conf" / "trace" / "medcalc_v1.yaml"


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def test_the_medcalc_trace_validates_from_the_command_line(trace_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.trace",
            "validate",
            str(trace_path),
            "--mapping",
            str(MEDCALC_MAPPING),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK — 1,047 items, 55 strata, 7 groups" in proc.stdout


def test_the_medcalc_trace_loads_its_labels(trace_path: Path) -> None:
    mapping, explicit = load_mapping(MEDCALC_MAPPING)
    trace, problems = load_trace(trace_path, mapping, explicit=explicit)
    assert problems == []
    assert trace is not None
    assert int(trace.present["label_expert"].sum()) == 50
    assert int(trace.flags["recompute_consensus"].sum()) == 887
    assert int(trace.present["label_truth"].sum()) == 887


def test_without_the_mapping_the_required_columns_are_missing_and_the_fitting_one_is_named(
    trace_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    assert validate(trace_path, None) == 1
    out = capsys.readouterr().out
    assert "column 'stratum': missing" in out
    assert out.count("add --mapping conf/trace/medcalc_v1.yaml") == 1


def test_only_mappings_whose_every_column_is_there_are_suggested(tmp_path: Path) -> None:
    folder = tmp_path / "mappings"
    folder.mkdir()
    (folder / "a.yaml").write_text("columns: {stratum: calc, item_id: id}\n")
    (folder / "b.yaml").write_text("columns: {stratum: calc, group: family}\n")
    (folder / "broken.yaml").write_text("columns: {not_a_column: x}\n")
    (folder / "empty.yaml").write_text("")
    assert fitting_mappings({"id", "calc", "label"}, folder) == [folder / "a.yaml"]
    assert fitting_mappings({"calc", "family", "id"}, folder) == [
        folder / "a.yaml",
        folder / "b.yaml",
    ]
    assert fitting_mappings({"calc"}, folder) == []


def test_no_suggestion_when_a_mapping_was_given_or_none_fits(tmp_path: Path) -> None:
    rows = [{"id": "1", "calculator_name": "x", "label_original": "1"}]
    trace = write_csv(tmp_path / "t.csv", rows)
    mapping, explicit = load_mapping(MEDCALC_MAPPING)
    _, problems = load_trace(trace, mapping, explicit=explicit)
    assert problems
    assert not any("--mapping" in p.message for p in problems)
    _, problems = load_trace(trace, load_mapping(None)[0])
    assert problems
    assert not any("--mapping" in p.message for p in problems)


def test_every_problem_is_reported_with_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = {
        "item_id": "",
        "stratum": "s",
        "value_kind": "integer",
        "label_original": "3",
        "audit_flag": "true",
        "verifier_confidence": "0.5",
        "votes": "",
        "n_votes": "",
    }
    rows = [
        {**base, "item_id": "a"},
        {**base, "item_id": "a"},  # duplicate id
        {**base, "item_id": "b", "label_original": "4.5"},  # not a whole number
        {**base, "item_id": "c", "value_kind": "decimal"},  # mixed kinds in stratum s
        {**base, "item_id": "d", "stratum": ""},  # empty stratum
        {**base, "item_id": "e", "votes": "3:2;4:2", "n_votes": "5"},  # votes do not add up
        {**base, "item_id": "f", "audit_flag": "maybe"},
        {**base, "item_id": "g", "verifier_confidence": "1.7"},
        {**base, "item_id": "h", "label_original": "__import__('os')"},  # parsed, not evaluated
        {**base, "item_id": "i", "label_original": ""},
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    before = sorted(tmp_path.iterdir())
    assert validate(path, None) == 1
    out = capsys.readouterr().out
    assert "9 problems" in out
    for expected in (
        "row 2, column 'item_id': duplicate id 'a' (first at row 1)",
        "row 3, column 'label_original': '4.5' is not a whole number",
        "row 4, column 'value_kind': 'decimal' in stratum 's', which is 'integer' at row 1",
        "row 5, column 'stratum': empty stratum",
        "row 6, column 'votes': votes add up to 4, but n_votes is 5",
        "row 7, column 'audit_flag': 'maybe' is not a boolean",
        "row 8, column 'verifier_confidence': 1.7 is outside [0, 1]",
        "row 9, column 'label_original': \"__import__('os')\" is not a number or N/A",
        "row 10, column 'label_original': empty (the original is required)",
    ):
        assert expected in out, expected
    assert sorted(tmp_path.iterdir()) == before, "validate writes nothing"


def test_long_lists_are_capped_with_a_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [{"item_id": str(i), "stratum": "s", "label_original": "x"} for i in range(80)]
    assert validate(write_csv(tmp_path / "t.csv", rows), None, max_shown=50) == 1
    out = capsys.readouterr().out
    assert out.count("is not a number") == 50
    assert "... and 30 more" in out


def test_an_image_benchmark_trace_in_parquet_validates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Class labels, a classifier's cross-validated label and confidence per item, and five
    crowd workers' votes on a flagged subset, under the user's own column names."""
    n = 30
    classes = ["cat", "dog", "fox"]
    table = pa.table(
        {
            "image": [f"img{i:03d}.png" for i in range(n)],
            "superclass": ["animal"] * n,
            "kind": ["categorical"] * n,
            "given_label": [classes[i % 3] for i in range(n)],
            "cv_label": [classes[(i + (i % 7 == 0)) % 3] for i in range(n)],
            "cv_confidence": [0.5 + (i % 5) / 10 for i in range(n)],
            "flagged": [i % 7 == 0 for i in range(n)],
            "crowd": ["cat:3;dog:2" if i % 7 == 0 else None for i in range(n)],
            "crowd_n": [5 if i % 7 == 0 else None for i in range(n)],
        }
    )
    path = tmp_path / "images.parquet"
    pq.write_table(table, path)
    mapping_file = tmp_path / "images.yaml"
    mapping_file.write_text(
        "columns:\n  item_id: image\n  stratum: superclass\n  value_kind: kind\n"
        "  label_original: given_label\n  label_verifier: cv_label\n"
        "  verifier_confidence: cv_confidence\n  audit_flag: flagged\n  votes: crowd\n"
        "  n_votes: crowd_n\n"
    )
    assert validate(path, mapping_file) == 0, capsys.readouterr().out
    mapping, explicit = load_mapping(mapping_file)
    trace, _ = load_trace(path, mapping, explicit=explicit)
    assert trace is not None
    assert set(trace.categories) == set(classes)
    assert int(trace.flags["audit_flag"].sum()) == 5


def test_a_bad_mapping_is_one_clear_error(
    tmp_path: Path, trace_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text("columns:\n  stratum_name: calculator_name\n")
    assert validate(trace_path, bad) == 2
    err = capsys.readouterr().err
    assert "'stratum_name' is not a trace column; expected one of item_id, stratum" in err
