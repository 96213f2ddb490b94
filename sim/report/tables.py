"""The report of a folder of Markdown tables and figures that a comparison or a study (budget,
hours, stress, downstream) writes: each table with the lines written above it, then each
figure."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from sim.report.html import Section

KINDS = {
    "comparison.json": ("Comparison", "python -m sim.compare"),
    "hours.json": ("Budget search", "python -m sim.study hours"),
    "stress.json": ("Stress test", "python -m sim.study stress"),
    "study.json": ("Budget study", "python -m sim.study budget"),
    "budget.json": ("Downstream study", "python -m sim.downstream budget"),
}
TITLES = {
    "comparison": "Runs compared",
    "outcomes": "Outcomes",
    "differences": "Paired differences from the first policy",
    "coverage": "Residual-error estimators",
    "hours": "The smallest expert-hours budget that meets the target",
    "stress": "Outcomes over the box of settings",
    "budget": "Leaderboard bias and RL gap against the budget",
}


def results_kind(folder: Path) -> tuple[str, str] | None:
    """What ``folder`` holds and the command that wrote it (``("Comparison", "python -m
    sim.compare")``, ...), or None."""
    return next((kind for name, kind in KINDS.items() if (folder / name).is_file()), None)


def markdown_blocks(text: str) -> list[tuple[list[str], list[str], list[list[str]]]]:
    """Each table of ``text``: the plain lines above it, its header and its rows."""
    blocks: list[tuple[list[str], list[str], list[list[str]]]] = []
    lines: list[str] = []
    table: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= {"-", " "} and c for c in cells):  # not the rule line
                table.append(cells)
            continue
        if table:
            blocks.append((lines, table[0], table[1:]))
            lines, table = [], []
        if line.strip():
            lines.append(line.strip())
    return blocks


def results_sections(folder: Path, out: Path, command: str) -> tuple[str, list[Section]]:
    """Copy the figures into ``out``; return the page's subtitle and sections."""
    sections = []
    for md in sorted(
        folder.glob("*.md"),
        key=lambda p: list(TITLES).index(p.stem) if p.stem in TITLES else len(TITLES),
    ):
        for i, (above, header, rows) in enumerate(markdown_blocks(md.read_text())):
            title = TITLES.get(md.stem, md.stem)
            if i and above:
                title = above[-1].split(":")[0]
            shown: list[Sequence[str]] = list(rows)
            sections.append(Section(title, " · ".join(above), header=header, rows=shown))
    for png in sorted(folder.glob("*.png")):
        shutil.copy(png, out / png.name)
        sections.append(Section(png.stem.replace("_", " ").capitalize(), image=png.name))
    return f"{folder}: the tables and figures written by {command}", sections
