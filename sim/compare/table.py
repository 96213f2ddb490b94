"""A comparison as text (printed), Markdown (written) and JSON-ready data."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from sim.cli.summary import HEADLINE, counted, number
from sim.compare.paired import Difference
from sim.compare.runs import Comparison, draw_sections

LABELS = {
    **{key: label.strip() for key, label, _ in HEADLINE},
    "errors_fixed_by_review": "errors fixed by expert review",
    "errors_fixed_by_recompute": "errors fixed by recomputation",
    "errors_fixed_by_propagation": "errors fixed by amplification",
    "propagation_wrong_fixes": "wrong fixes by amplification",
    "leaderboard_abs_bias_maintained_points": "leaderboard |bias|, points",
}
"""Row names: the run summary's, made to stand alone."""
FORMATS = {
    **{key: fmt for key, _, fmt in HEADLINE},
    "leaderboard_abs_bias_maintained_points": "{:.2f}",
}
HEADER = ("", "A", "B", "B − A", "95% CI of B − A", "B better / worse in", "paired vs unpaired")


def run_letter(index: int) -> str:
    return chr(ord("A") + index) if index < 26 else f"R{index}"


def _fmt(metric: str, value: float, signed: bool = False) -> str:
    return number(value, FORMATS.get(metric, "{:.4g}")[2:-1], signed)


def _value(v: Any) -> str:
    text = repr(v) if isinstance(v, str) else f"{v:.4g}" if isinstance(v, float) else str(v)
    if len(text) <= 40:
        return text
    return f"(list of {len(v)})" if isinstance(v, list) else "(long)"


def describe(c: Comparison, letter: str) -> list[str]:
    """What is compared and how: the settings that differ and the pairing."""
    changes = "; ".join(f"{k} {_value(a)} → {_value(b)}" for k, a, b in c.differing[:12])
    if len(c.differing) > 12:
        changes += f"; and {len(c.differing) - 12} more"
    lines = [f"settings that differ: {changes or 'none'}"]
    if c.same_draws:
        how = (
            f"{counted(c.n_pairs, 'paired replication')} on common random numbers (seed "
            f"{c.base.seed}: each pair drew the same benchmark, verifier outputs, calendars and "
            "review times)"
        )
    elif c.paired:
        how = (
            f"{counted(c.n_pairs, 'paired replication')} from the same seeds ({c.base.seed}), "
            f"but their {', '.join(draw_sections(c.differing))} settings differ, so the pairs "
            "share only the draws those settings do not shape"
        )
    else:
        how = (
            f"unpaired: the seeds differ ({c.base.seed}, {c.other.seed}), so no replication "
            "has a partner; Welch intervals"
        )
    lines.append(f"{letter} against A: {how}")
    return lines


def rows(c: Comparison) -> list[tuple[str, ...]]:
    """One row per metric, the cells of :data:`HEADER`."""
    out: list[tuple[str, ...]] = []
    for metric, d in c.differences.items():
        ci = "—" if math.isnan(d.low) else f"{_fmt(metric, d.low)} – {_fmt(metric, d.high)}"
        better = (
            "—"
            if math.isnan(d.better_share)
            else f"{100 * d.better_share:.0f}% / {100 * d.worse_share:.0f}%"
        )
        narrow = d.narrowing
        if not c.paired:
            contrast = "—"
        elif math.isnan(narrow):
            contrast = "identical" if d.n and d.low == d.high else "—"
        else:
            contrast = f"{narrow:.1f}× narrower" if narrow >= 1 else f"{1 / narrow:.1f}× wider"
        out.append(
            (
                LABELS.get(metric, metric),
                _fmt(metric, d.mean_a),
                _fmt(metric, d.mean_b),
                _fmt(metric, d.mean, signed=True),
                ci,
                better,
                contrast,
            )
        )
    return out


def legend(comparisons: list[Comparison]) -> list[tuple[str, str, str]]:
    """``(letter, policy, folder)`` of the base run and every other run."""
    runs = [comparisons[0].base, *(c.other for c in comparisons)]
    return [(run_letter(i), r.policy, str(r.path)) for i, r in enumerate(runs)]


def as_text(comparisons: list[Comparison]) -> str:
    lines = [f"{letter}  {policy:14} {path}" for letter, policy, path in legend(comparisons)]
    for i, c in enumerate(comparisons):
        letter = run_letter(i + 1)
        header = tuple(h.replace("B", letter) for h in HEADER)
        table = [header, *rows(c)]
        widths = [max(len(r[j]) for r in table) for j in range(len(HEADER))]
        lines += ["", *describe(c, letter)]
        for r in table:
            cells = [r[0].ljust(widths[0])] + [r[j].rjust(widths[j]) for j in range(1, len(r))]
            lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def as_markdown(comparisons: list[Comparison]) -> str:
    lines = ["| run | policy | folder |", "| --- | --- | --- |"]
    lines += [f"| {a} | {b} | `{c}` |" for a, b, c in legend(comparisons)]
    for i, c in enumerate(comparisons):
        letter = run_letter(i + 1)
        header = [h.replace("B", letter) for h in HEADER]
        header[0] = "metric"
        lines += ["", *describe(c, letter), ""]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("| " + " | ".join("---" for _ in header) + " |")
        lines += ["| " + " | ".join(r) + " |" for r in rows(c)]
    return "\n".join(lines)


def as_data(comparisons: list[Comparison]) -> dict[str, Any]:
    """Everything the tables show, with full precision."""

    def difference(d: Difference) -> dict[str, Any]:
        return {**dataclasses.asdict(d), "narrowing": d.narrowing}

    return {
        "runs": [{"letter": a, "policy": b, "folder": c} for a, b, c in legend(comparisons)],
        "comparisons": [
            {
                "base": str(c.base.path),
                "other": str(c.other.path),
                "paired": c.paired,
                "common_random_numbers": c.same_draws,
                "pairs": c.n_pairs,
                "settings_that_differ": [
                    {"key": k, "base": a, "other": b} for k, a, b in c.differing
                ],
                "metrics": {m: difference(d) for m, d in c.differences.items()},
            }
            for c in comparisons
        ],
    }
