"""Figures of downstream outcomes (PNG, rendered without a display)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def plot_bias_against_budget(rows: list[dict[str, Any]], path: Path) -> None:
    """Leaderboard bias (maintained labels, mean absolute over models) and, when present, the RL gap
    (truth − maintained) against the expert-hour budget, one line per policy, with 95%
    intervals of the mean; the original labels' bias as a dashed reference."""
    has_rl = any(r["rl"] for r in rows)
    fig, axes = plt.subplots(1, 2 if has_rl else 1, figsize=(11 if has_rl else 6, 4.2))
    axes = list(axes) if has_rl else [axes]
    policies = sorted({r["policy"] for r in rows if r["policy"] != "none"})
    baseline = rows[0]["metrics"]["leaderboard_abs_bias_original_points"]["mean"]
    ax = axes[0]
    ax.axhline(baseline, color="grey", ls="--", lw=1, label="original labels")
    for policy in policies:
        pts = sorted((r for r in rows if r["policy"] == policy), key=lambda r: r["expert_hours"])
        x = [r["expert_hours"] for r in pts]
        s = [r["metrics"]["leaderboard_abs_bias_maintained_points"] for r in pts]
        ax.plot(x, [v["mean"] for v in s], marker="o", label=policy)
        ax.fill_between(x, [v["mean_ci_low"] for v in s], [v["mean_ci_high"] for v in s], alpha=0.2)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xlabel("expert-hour budget")
    ax.set_ylabel("|accuracy vs labels − vs truth| (points)")
    ax.set_title("Leaderboard bias, mean |bias| over evaluated models")
    ax.legend(frameon=False)
    if has_rl:
        ax = axes[1]
        for policy in policies:
            pts = sorted(
                (r for r in rows if r["policy"] == policy and r["rl"]),
                key=lambda r: r["expert_hours"],
            )
            x = [r["expert_hours"] for r in pts]
            g = [r["rl"]["heldout_items.gap_truth_vs_maintained"] for r in pts]
            ax.errorbar(
                x,
                [v["mean"] for v in g],
                yerr=[
                    [v["mean"] - v["ci_low"] for v in g],
                    [v["ci_high"] - v["mean"] for v in g],
                ],
                marker="o",
                capsize=3,
                label=policy,
            )
        none = [r for r in rows if r["policy"] == "none" and r["rl"]]
        if none:
            gap = none[0]["rl"]["heldout_items.gap_truth_vs_maintained"]["mean"]
            ax.axhline(gap, color="grey", ls="--", lw=1, label="no stewardship")
        ax.axhline(0, color="black", lw=0.6)
        ax.set_xlabel("expert-hour budget")
        ax.set_ylabel("accuracy gap (points, 95% CI over seeds)")
        ax.set_title("RL: trained on truth − on maintained labels")
        ax.legend(frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
