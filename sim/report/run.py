"""The report of a run folder (``outputs/runs/<run>``): its tables and summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml

from sim.cli.summary import counted
from sim.report.curves import errors_found_over_time
from sim.report.figures import (
    plot_cost_breakdown,
    plot_errors_over_time,
    plot_metric_histograms,
    policy_color,
)
from sim.report.html import Section, fmt, fmt_range

HISTOGRAMS = ["residual_error_rate", "errors_fixed", "expert_hours", "calendar_days", "total_usd"]
SUMMARY_ROWS = [
    "original_error_rate",
    "residual_error_rate",
    "errors_fixed",
    "errors_fixed_by_review",
    "errors_fixed_by_recompute",
    "correct_changed_wrongly",
    "items_dropped",
    "expert_hours",
    "calendar_days",
    "expert_usd",
    "llm_usd",
    "total_usd",
    "errors_fixed_per_expert_hour",
    "estimated_error_rate",
    "leaderboard_abs_bias_original_points",
    "leaderboard_abs_bias_maintained_points",
]


def is_run_dir(folder: Path) -> bool:
    return (folder / "summary.json").is_file() and (folder / "replications.parquet").is_file()


def run_sections(run_dir: Path, out: Path) -> tuple[str, list[Section]]:
    """Write the figures into ``out``; return the page's subtitle and sections."""
    summary: dict[str, Any] = json.loads((run_dir / "summary.json").read_text())
    config = yaml.safe_load((run_dir / "config.yaml").read_text()) or {}
    reps = pq.read_table(run_dir / "replications.parquet")
    metrics = {n: reps.column(n).to_numpy() for n in HISTOGRAMS if n in reps.column_names}
    subtitle = (
        f"{summary['scenario']} · policy={summary['policy']} · engine={summary['engine']} · "
        f"{counted(summary['replications'], 'replication')} · seed {summary['seed']}"
    )
    stats = summary["metrics"]
    sections = [
        Section(
            "Outcomes",
            "Mean over replications, 95% interval of the mean, and the 2.5–97.5% range of "
            "replications.",
            header=["metric", "mean", "95% CI of the mean", "2.5–97.5% of replications"],
            rows=[
                [
                    name,
                    fmt(_num(stats[name]["mean"])),
                    fmt_range(_num(stats[name]["mean_ci_low"]), _num(stats[name]["mean_ci_high"])),
                    fmt_range(_num(stats[name]["p2_5"]), _num(stats[name]["p97_5"])),
                ]
                for name in SUMMARY_ROWS
                if name in stats
            ],
        )
    ]
    plot_metric_histograms(metrics, [n for n in HISTOGRAMS if n in metrics], out / "histograms.png")
    sections.append(
        Section("Distributions over replications", "The line is the mean.", "histograms.png")
    )
    plot_cost_breakdown(
        [
            (
                str(summary["policy"]),
                _num(stats["expert_usd"]["mean"]),
                _num(stats["llm_usd"]["mean"]),
            )
        ],
        out / "cost_breakdown.png",
    )
    sections.append(Section("Cost breakdown", "", "cost_breakdown.png"))
    events_path = run_dir / "events.parquet"
    n_event_reps = min(
        int(summary["replications"]),
        int(config.get("output", {}).get("event_replications", summary["replications"])),
    )
    if events_path.is_file() and n_event_reps > 0:
        ev = pq.read_table(events_path)
        cols = {c: ev.column(c).to_numpy(zero_copy_only=False) for c in _EVENT_COLUMNS}
        curve = errors_found_over_time(cols, n_event_reps)
        policy = str(summary["policy"])
        plot_errors_over_time(
            {policy: curve}, out / "errors_over_time.png", {policy: policy_color(policy)}
        )
        sections.append(
            Section(
                "Errors found over calendar time",
                f"Wrong originals an expert has labelled right, by day, over the "
                f"{n_event_reps} replications whose events the run kept.",
                "errors_over_time.png",
            )
        )
    coverage = summary.get("estimator_coverage") or {}
    if coverage:
        names = {"audit": "random audit", "ppi": "PPI++", "naive": "naive"}
        sections.append(
            Section(
                "Residual error estimates",
                "Each estimator's mean estimate, the mean width of its 95% interval, and the "
                "share of replications whose interval contained the true residual error rate "
                f"(mean {_num(coverage['audit']['mean_truth']):.3f}).",
                header=["estimator", "estimate", "95% CI width", "coverage", "replications"],
                rows=[
                    [
                        label,
                        fmt(_num(coverage[key]["mean_estimate"])),
                        fmt(_num(coverage[key]["mean_width"])),
                        fmt(100 * _num(coverage[key]["coverage"])) + "%",
                        str(int(coverage[key]["n"])),
                    ]
                    for key, label in names.items()
                ],
            )
        )
    board = summary.get("leaderboard") or []
    if board:
        sections.append(
            Section(
                "Leaderboard",
                "Evaluated models' accuracy (%) against each label set, and rank.",
                header=["model", "original", "maintained", "truth"],
                rows=[
                    [
                        str(r["model"]),
                        *(
                            f"{100 * _num(r[f'accuracy_{w}']):.1f} (#{int(r[f'rank_{w}'])})"
                            for w in ("original", "maintained", "truth")
                        ),
                    ]
                    for r in board
                ],
            )
        )
    return subtitle, sections


_EVENT_COLUMNS = ("replication", "item", "finish_minute", "original_wrong", "label_correct")


def _num(x: Any) -> float:
    return float("nan") if x is None else float(x)
