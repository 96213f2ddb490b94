"""The report's figures (PNG, drawn without a display). Each function takes plain data."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from sim.report.curves import FoundCurve
from sim.report.stats import TrialStats

TAB10 = [matplotlib.colors.to_hex(plt.get_cmap("tab10")(i)) for i in range(10)]
POLICY_COLORS = {
    "none": "#7f7f7f",
    "random": "#1f77b4",
    "disagreement": "#ff7f0e",
    "phased": "#2ca02c",
}


def policy_color(policy: str) -> str:
    if policy in POLICY_COLORS:
        return POLICY_COLORS[policy]
    return TAB10[(sum(map(ord, policy)) + 4) % len(TAB10)]


def _save(fig: Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_objectives(
    trials: Sequence[TrialStats],
    objective_texts: Sequence[str],
    front: Sequence[int],
    path: Path,
) -> None:
    """Two or more objectives: the first two against each other, the feasible Pareto front
    joined. One objective: its value per trial with the best feasible value so far."""
    fig, ax = plt.subplots(figsize=(7, 4.6))
    policies = sorted({t.policy for t in trials})
    if len(objective_texts) >= 2:
        for p in policies:
            for ok in (True, False):
                pts = [t for t in trials if t.policy == p and t.feasible == ok]
                if pts:
                    ax.scatter(
                        [t.objectives[0] for t in pts],
                        [t.objectives[1] for t in pts],
                        s=22,
                        color=policy_color(p),
                        facecolors=policy_color(p) if ok else "none",
                        label=p if ok else f"{p} (infeasible)",
                        alpha=0.85,
                    )
        on_front = sorted(
            (t for t in trials if t.number in set(front)), key=lambda t: t.objectives[0]
        )
        if on_front:
            ax.plot(
                [t.objectives[0] for t in on_front],
                [t.objectives[1] for t in on_front],
                color="black",
                lw=1.2,
                drawstyle="steps-post",
                label="Pareto front (feasible)",
            )
        ax.set_xlabel(objective_texts[0])
        ax.set_ylabel(objective_texts[1])
        ax.set_title("Trials and the Pareto front")
    else:
        for p in policies:
            for ok in (True, False):
                pts = [t for t in trials if t.policy == p and t.feasible == ok]
                if pts:
                    ax.scatter(
                        [t.number for t in pts],
                        [t.objectives[0] for t in pts],
                        s=22,
                        color=policy_color(p),
                        facecolors=policy_color(p) if ok else "none",
                        label=p if ok else f"{p} (infeasible)",
                    )
        ordered = sorted(trials, key=lambda t: t.number)
        best, xs, ys = math.inf, [], []
        for t in ordered:
            if t.feasible and not math.isnan(t.objectives[0]):
                best = min(best, t.objectives[0])
            if math.isfinite(best):
                xs.append(t.number)
                ys.append(best)
        if xs:
            ax.step(xs, ys, where="post", color="black", lw=1.2, label="best feasible so far")
        ax.set_xlabel("trial")
        ax.set_ylabel(objective_texts[0])
        ax.set_title("Objective per trial")
    ax.legend(frameon=False, fontsize=8)
    _save(fig, path)


def plot_residual_against_budget(trials: Sequence[TrialStats], path: Path) -> None:
    """Residual error rate (mean, 95% interval) against expert-hours spent, one colour per
    policy; the line is each policy's best residual for at most that many hours."""
    fig, ax = plt.subplots(figsize=(7, 4.6))
    for p in sorted({t.policy for t in trials}):
        pts = sorted(
            (t for t in trials if t.policy == p), key=lambda t: t.metrics["expert_hours"].mean
        )
        x = np.array([t.metrics["expert_hours"].mean for t in pts])
        r = [t.metrics["residual_error_rate"] for t in pts]
        y = np.array([m.mean for m in r])
        err = np.array([[m.mean - m.low for m in r], [m.high - m.mean for m in r]])
        ax.errorbar(x, y, yerr=err, fmt="o", ms=4, color=policy_color(p), alpha=0.6, label=p)
        ax.step(x, np.fmin.accumulate(y), where="post", color=policy_color(p), lw=1.2)
    ax.set_xlabel("expert-hours spent (mean over replications)")
    ax.set_ylabel("residual error rate")
    ax.set_title("Residual error against budget (95% intervals of the mean)")
    ax.legend(frameon=False, fontsize=8)
    _save(fig, path)


def plot_cost_breakdown(rows: Sequence[tuple[str, float, float]], path: Path) -> None:
    """Stacked bars of expert and LLM dollars (mean per replication), one bar per row label."""
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(rows) + 1.6))
    labels = [r[0] for r in rows]
    expert = np.array([r[1] for r in rows])
    llm = np.array([r[2] for r in rows])
    ax.barh(labels, expert, color="#4c72b0", label="experts")
    ax.barh(labels, llm, left=expert, color="#dd8452", label="LLM verifier runs")
    for i, (e, v) in enumerate(zip(expert, llm, strict=True)):
        ax.text(e + v, i, f"  ${e + v:,.0f}", va="center", fontsize=8)
    ax.set_xlabel("dollars per replication (mean)")
    ax.set_title("Cost breakdown")
    ax.invert_yaxis()
    ax.margins(x=0.2)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    _save(fig, path)


def plot_errors_over_time(
    curves: Mapping[str, FoundCurve], path: Path, colors: Mapping[str, str] | None = None
) -> None:
    """Cumulative wrong originals an expert labelled right, against calendar days."""
    fig, ax = plt.subplots(figsize=(7, 4.6))
    for i, (label, c) in enumerate(curves.items()):
        color = (colors or {}).get(label) or TAB10[i % 10]
        ax.plot(c.days, c.mean, color=color, label=f"{label} ({c.replications} replications)")
        ax.fill_between(c.days, c.low, c.high, color=color, alpha=0.2)
    ax.set_xlabel("calendar days from the start")
    ax.set_ylabel("errors found (cumulative)")
    ax.set_title("Errors found over calendar time (95% intervals of the mean)")
    ax.legend(frameon=False, fontsize=8)
    _save(fig, path)


def plot_importances(importances: Mapping[str, Mapping[str, float]], path: Path) -> None:
    """One panel per objective: each searched parameter's importance."""
    n = len(importances)
    fig, axes = plt.subplots(1, n, figsize=(5.5 * n, 0.45 * _longest(importances) + 1.8))
    axes_list = list(np.atleast_1d(axes))
    for ax, (objective, imp) in zip(axes_list, importances.items(), strict=True):
        names = list(imp)[::-1]
        ax.barh(names, [imp[k] for k in names], color="#55a868")
        ax.set_xlabel("importance")
        ax.set_title(objective, fontsize=9)
    _save(fig, path)


def _longest(importances: Mapping[str, Mapping[str, float]]) -> int:
    return max((len(v) for v in importances.values()), default=1)


def plot_metric_histograms(
    metrics: Mapping[str, NDArray[np.float64]], names: Sequence[str], path: Path
) -> None:
    """Histograms over replications of a run's headline metrics, with their means."""
    fig, axes = plt.subplots(1, len(names), figsize=(3.3 * len(names), 3.2))
    for ax, name in zip(np.atleast_1d(axes), names, strict=True):
        x = np.asarray(metrics[name], dtype=np.float64)
        x = x[~np.isnan(x)]
        if x.size:
            ax.hist(x, bins=min(30, max(5, x.size // 5)), color="#4c72b0", alpha=0.8)
            ax.axvline(float(x.mean()), color="black", lw=1)
        ax.set_title(name, fontsize=9)
        ax.set_yticks([])
    _save(fig, path)
