"""A study's figure: residual error, net errors fixed and errors fixed by review against the
expert-hours spent, one line per policy variant (95% intervals of the mean)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

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
