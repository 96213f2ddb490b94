"""A study's figures: residual error, net errors fixed and errors fixed by review against the
expert-hours spent, one line per policy variant (95% intervals of the mean); and a target's
statistic against the expert-hours budget, with the budget each variant needs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

if TYPE_CHECKING:
    from sim.study.hours import Search
    from sim.sweep.objectives import Constraint

PANELS = (
    ("residual_error_rate", "residual error rate"),
    ("errors_fixed", "errors fixed (all routes)"),
    ("errors_fixed_by_review", "errors fixed by expert review"),
)


def plot_against_hours(rows: list[dict[str, Any]], path: Path) -> None:
    fig, axes = plt.subplots(1, len(PANELS), figsize=(5.2 * len(PANELS), 4.2))
    for variant in dict.fromkeys(r["variant"] for r in rows):
        pts = sorted((r for r in rows if r["variant"] == variant), key=lambda r: r["expert_hours"])
        x = [r["metrics"]["expert_hours"]["mean"] for r in pts]
        for ax, (key, _) in zip(axes, PANELS, strict=True):
            s = [r["metrics"][key] for r in pts]
            (line,) = ax.plot(x, [v["mean"] for v in s], marker="o", ms=4, label=variant)
            ax.fill_between(
                x,
                [v["mean_ci_low"] for v in s],
                [v["mean_ci_high"] for v in s],
                color=line.get_color(),
                alpha=0.2,
            )
    for ax, (_, title) in zip(axes, PANELS, strict=True):
        ax.set_xlabel("expert-hours spent (mean)")
        ax.set_title(title)
    axes[0].legend(frameon=False, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_target_against_hours(searches: list[Search], target: Constraint, path: Path) -> None:
    """Every budget run, per variant, with the target's bound and each variant's budget."""
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    for f in searches:
        pts = sorted(f.points, key=lambda p: p.expert_hours)
        (line,) = ax.plot(
            [p.expert_hours for p in pts],
            [p.statistic for p in pts],
            marker="o",
            ms=3,
            label=f.variant.label
            + (f": {f.needed.expert_hours:.0f} h" if f.needed else ": not met"),
        )
        if f.needed is not None:
            ax.axvline(f.needed.expert_hours, color=line.get_color(), ls=":", lw=1)
    ax.axhline(target.bound, color="black", lw=0.8, ls="--")
    ax.set_xlabel("expert-hours budget")
    ax.set_ylabel(target.objective.text)
    ax.set_title(f"{target.text}: the smallest budget per policy", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_stress(residual: dict[str, Any], labels: list[str], path: Path) -> None:
    """Each variant's mean residual error at the centre and at every corner and point inside,
    in the order of the first variant's residual error."""
    order = sorted(range(1, len(labels)), key=lambda i: next(iter(residual.values()))[i])
    fig, ax = plt.subplots(figsize=(max(7.0, 0.35 * len(labels) + 3), 4.6))
    x = list(range(len(order)))
    for variant, values in residual.items():
        (line,) = ax.plot(x, [values[i] for i in order], marker="o", ms=3, label=variant)
        ax.axhline(values[0], color=line.get_color(), ls=":", lw=1)
    keys = [part.split("=")[0].split(".")[-1] for part in labels[1].split()]
    codes = [
        f"·{labels[i].split(':')[0].split()[-1]}"
        if labels[i].startswith("inside ")
        else "".join("+" if p.endswith("=high") else "−" for p in labels[i].split())
        for i in order
    ]
    ax.set_xticks(x)
    ax.set_xticklabels(codes, fontsize=8, family="monospace")
    ax.set_xlabel(
        f"corner: {', '.join(keys)}\neach low (−) or high (+); ·k: point k inside the box "
        "(stress.json); dotted lines: the centre",
        fontsize=9,
    )
    ax.set_ylabel("residual error rate (mean)")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
