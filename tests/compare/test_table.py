"""The comparison's text and Markdown tables."""

from __future__ import annotations

from pathlib import Path

from sim.compare.runs import compare, load_run
from sim.compare.table import _fmt, _value, as_markdown, as_text
from tests.compare.test_runs import write_run


def test_numbers_keep_their_metric_format_and_no_negative_zero() -> None:
    assert _fmt("total_usd", 12345.6) == "12,346"
    assert _fmt("expert_hours", -0.03, signed=True) == "0.0"
    assert _fmt("expert_hours", 0.03, signed=True) == "0.0"
    assert _fmt("expert_hours", 2.0, signed=True) == "+2.0"
    assert _fmt("residual_error_rate", float("nan")) == "—"
    assert _value(0.0199070147457596) == "0.01991"
    assert _value([{"name": str(i)} for i in range(9)]) == "(list of 9)"
    assert _value("phased") == "'phased'"


def test_tables_name_runs_settings_and_pairing(tmp_path: Path) -> None:
    base = load_run(write_run(tmp_path / "a", [0, 1, 2], [0.3, 0.2, 0.25]))
    other = load_run(write_run(tmp_path / "b", [0, 1, 2], [0.2, 0.2, 0.1], policy__name="learning"))
    c = compare(base, other, ["residual_error_rate"])
    text = as_text([c]).splitlines()
    assert text[0].split() == ["A", "phased", str(tmp_path / "a")]
    assert text[1].split() == ["B", "learning", str(tmp_path / "b")]
    assert text[3] == "settings that differ: policy.name 'phased' → 'learning'"
    assert text[4].startswith("B against A: 3 paired replications on common random numbers")
    moved = load_run(write_run(tmp_path / "c", [0, 1, 2], [0.3, 0.2, 0.2], scenario={"name": "x"}))
    assert as_text([compare(base, moved, [])]).splitlines()[4] == (
        "B against A: 3 paired replications from the same seeds (0), but their scenario "
        "settings differ, so the pairs share only the draws those settings do not shape"
    )
    row = text[6].split()
    assert row[:3] == ["residual", "error", "rate"]
    assert row[3:6] == ["0.250", "0.167", "-0.083"]
    assert row[9:12] == ["67%", "/", "0%"]
    md = as_markdown([c])
    assert "| metric | A | B | B − A | 95% CI of B − A | B better / worse in |" in md
    assert "| residual error rate | 0.250 | 0.167 | -0.083 |" in md
