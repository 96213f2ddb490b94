"""A comparison's figure: per metric, each run's difference from the base run, replication by
replication (dots) and its mean with the 95% interval (bar)."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from sim.compare.runs import Comparison
from sim.compare.table import LABELS, run_letter
from sim.metrics import metric_direction

COLUMNS = 4
SPREAD = 0.5
"""Width of a run's column of dots, in units of the gap between runs."""


def plot_differences(comparisons: list[Comparison], path: Path) -> None:
    metrics = list(comparisons[0].differences)
    n_rows = math.ceil(len(metrics) / COLUMNS)
    n_cols = min(COLUMNS, len(metrics))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(3.3 * n_cols, 2.9 * n_rows), squeeze=False)
    for ax in axes.flat[len(metrics) :]:
        ax.set_visible(False)
    for ax, metric in zip(axes.flat, metrics, strict=False):
        for i, c in enumerate(comparisons):
            if c.paired:
                d = c.paired_differences(metric)
                d = d[~np.isnan(d)]
                # A golden-ratio sequence spreads the dots evenly without drawing anything.
                offset = ((np.arange(d.size) * 0.6180339887) % 1.0 - 0.5) * SPREAD
                ax.scatter(i + offset, d, s=8, alpha=0.5, color="#1f77b4", linewidths=0)
            diff = c.differences[metric]
            if not math.isnan(diff.mean):
                low, high = diff.low, diff.high
                yerr = None if math.isnan(low) else [[diff.mean - low], [high - diff.mean]]
                ax.errorbar(i, diff.mean, yerr=yerr, fmt="o", color="black", ms=4, capsize=4)
        ax.axhline(0.0, color="#999", lw=0.8, zorder=0)
        ax.set_xticks(range(len(comparisons)))
        ax.set_xticklabels([f"{run_letter(i + 1)} − A" for i in range(len(comparisons))])
        ax.set_xlim(-0.6, len(comparisons) - 0.4)
        arrow = {1: " (↑ better)", -1: " (↓ better)"}.get(metric_direction(metric), "")
        ax.set_title(LABELS.get(metric, metric) + arrow, fontsize=9)
        ax.tick_params(labelsize=8)
    fig.suptitle("Difference from run A per replication (dots) and mean with 95% CI", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
