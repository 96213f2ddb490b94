"""The report of a comparison's or a study's folder: its Markdown tables and its figures."""

from __future__ import annotations

import re
from pathlib import Path

from sim.compare.__main__ import main as compare_main
from sim.report.__main__ import build
from sim.report.tables import markdown_blocks, results_kind
from tests.compare.test_runs import write_run


def test_markdown_blocks() -> None:
    text = "\n".join(
        [
            "| run | policy |",
            "| --- | --- |",
            "| A | phased |",
            "",
            "settings that differ: none",
            "B against A: 3 pairs",
            "| metric | A |",
            "|---|---|",
            "| residual | 0.2 |",
            "| fixed | 10 |",
        ]
    )
    assert markdown_blocks(text) == [
        ([], ["run", "policy"], [["A", "phased"]]),
        (
            ["settings that differ: none", "B against A: 3 pairs"],
            ["metric", "A"],
            [["residual", "0.2"], ["fixed", "10"]],
        ),
    ]


def test_report_of_a_comparison(tmp_path: Path) -> None:
    a = write_run(tmp_path / "a", [0, 1, 2], [0.3, 0.2, 0.25])
    b = write_run(tmp_path / "b", [0, 1, 2], [0.2, 0.2, 0.1], policy__name="learning")
    assert compare_main([str(a), str(b), "--out", str(tmp_path / "c")]) == 0
    (folder,) = (tmp_path / "c").iterdir()
    assert results_kind(folder) == ("Comparison", "python -m sim.compare")
    page = build(folder)
    html = page.read_text()
    assert re.findall(r"<h2>([^<]+)</h2>", html) == ["Runs compared", "B against A", "Differences"]
    assert "<td>residual error rate</td><td>0.250</td><td>0.167</td><td>-0.083</td>" in html
    assert (page.parent / "differences.png").is_file()
    assert "the tables and figures written by python -m sim.compare" in html
