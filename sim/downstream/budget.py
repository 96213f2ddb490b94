"""Downstream outcomes against the stewardship budget: one run per policy and expert-hour
budget (common random numbers: the same seed everywhere), collected into rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from sim.cli.compose import compose_values
from sim.config.schema import RootConfig
from sim.scenario import build_scenario

COLUMNS = (
    ("residual_error_rate", "residual error"),
    ("leaderboard_bias_maintained_points", "leaderboard mean bias, points"),
    ("leaderboard_abs_bias_maintained_points", "mean |bias|, points"),
    ("leaderboard_kendall_tau_maintained", "Kendall tau vs truth"),
    ("total_usd", "dollars"),
)


def plan(
    policies: Sequence[str], expert_hours: Sequence[float], overrides: Sequence[str] = ()
) -> list[tuple[str, float, RootConfig]]:
    """The validated config of every run (raising :class:`ConfigError` or Hydra's error before
    anything runs). The ``none`` policy runs once, at budget 0."""
    runs = []
    for policy in policies:
        budgets = [0.0] if policy == "none" else list(expert_hours)
        values = [[f"budget.expert_hours={hours}"] for hours in budgets]
        roots = compose_values([*overrides, f"policy={policy}"], values)
        for hours, root in zip(budgets, roots, strict=True):
            root = dataclasses.replace(
                root, progress=False, output=dataclasses.replace(root.output, write=False)
            )
            build_scenario(root)
            runs.append((policy, float(hours), root))
    return runs


def budget_rows(
    runs: list[tuple[str, float, RootConfig]],
    *,
    on_run: Callable[[str, float], None] | None = None,
) -> list[dict[str, Any]]:
    """One row per planned run: its metric summaries (leaderboard bias among them) and RL gaps
    (``rl`` is None when the experiment is off)."""
    from sim.cli.app import run

    rows: list[dict[str, Any]] = []
    for policy, hours, root in runs:
        _, _, summary, _ = run(root, "")
        rows.append(
            {
                "policy": policy,
                "expert_hours": hours,
                "metrics": summary["metrics"],
                "rl": summary["rl"],
            }
        )
        if on_run is not None:
            on_run(policy, hours)
    return rows


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table: means with 95% intervals of the mean."""
    head = ["policy", "expert-h budget", *(label for _, label in COLUMNS)]
    if any(r["rl"] for r in rows):
        head += ["RL gap maintained − original, points", "RL gap truth − maintained, points"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in rows:
        cells = [r["policy"], f"{r['expert_hours']:g}"]
        for key, _ in COLUMNS:
            s = r["metrics"][key]
            fmt = (
                "{:,.0f}"
                if key == "total_usd"
                else "{:.3f}"
                if "rate" in key or "tau" in key
                else "{:.1f}"
            )
            low, high = fmt.format(s["mean_ci_low"]), fmt.format(s["mean_ci_high"])
            cells.append(f"{fmt.format(s['mean'])} ({low}–{high})")
        if r["rl"]:
            for key in (
                "heldout_items.gap_maintained_vs_original",
                "heldout_items.gap_truth_vs_maintained",
            ):
                g = r["rl"][key]
                cells.append(f"{g['mean']:.1f} ({g['ci_low']:.1f}–{g['ci_high']:.1f})")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
