"""``python -m sim.compare BASE OTHER [OTHER ...] [--metrics M ...] [--out DIR]``: each run (a
run or replay folder, or a sweep trial as ``<sweep folder>:<trial>``) against the first, metric
by metric: the difference with its 95% interval, paired replication by replication when the
runs share a seed (common random numbers), the share of replications in which the run does
better and worse, and how much narrower pairing made the interval. Prints the tables and writes
them (Markdown, JSON) with a figure to a new folder under ``DIR`` (``outputs/comparisons``),
which appears only when complete."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from sim import interrupt
from sim.cli.outputs import writable_or_said
from sim.compare.figures import plot_differences
from sim.compare.runs import RunError, RunResults, compare, load_run
from sim.compare.table import as_data, as_markdown, as_text
from sim.io.results import json_safe
from sim.io.run_dir import RunDirectory, new_run_name

DEFAULT_METRICS = (
    "residual_error_rate",
    "errors_fixed",
    "correct_changed_wrongly",
    "items_dropped",
    "items_reviewed",
    "expert_hours",
    "calendar_days",
    "total_usd",
    "errors_fixed_per_expert_hour",
    "leaderboard_abs_bias_maintained_points",
)


def chosen_metrics(runs: list[RunResults], asked: list[str] | None) -> list[str]:
    """The metrics to compare: those asked for (each must be a metric of every run), else the
    defaults that some run has a value of."""
    shared = set.intersection(*(set(r.metrics) for r in runs))
    if asked:
        unknown = [m for m in asked if m not in shared]
        if unknown:
            raise RunError(
                f"--metrics={unknown[0]}: expected a metric of every run, e.g. "
                f"{', '.join(DEFAULT_METRICS[:3])} (summary.json, metric_docs, lists them all)"
            )
        return list(dict.fromkeys(asked))
    return [
        m
        for m in DEFAULT_METRICS
        if m in shared and any(np.isfinite(r.metrics[m]).any() for r in runs)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.compare", description=__doc__)
    parser.add_argument(
        "base", help="the run the others are compared with: a folder, or <sweep folder>:<trial>"
    )
    parser.add_argument("others", nargs="+", help="runs to compare with it, given the same way")
    parser.add_argument("--metrics", nargs="+", help="metrics to compare (default: the headline)")
    parser.add_argument(
        "--out", type=Path, default=Path("outputs/comparisons"), help="default: %(default)s"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not writable_or_said(args.out, "--out"):
        return 2
    try:
        runs = [load_run(p) for p in [args.base, *args.others]]
        metrics = chosen_metrics(runs, args.metrics)
    except RunError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    comparisons = [compare(runs[0], other, metrics) for other in runs[1:]]
    text = as_text(comparisons)
    print(text)
    rd = RunDirectory(args.out, new_run_name("compare", "-".join(r.policy for r in runs)))
    with rd as tmp:
        (tmp / "comparison.md").write_text(as_markdown(comparisons) + "\n")
        (tmp / "comparison.json").write_text(
            json.dumps(json_safe(as_data(comparisons)), indent=2) + "\n"
        )
        plot_differences(comparisons, tmp / "differences.png")
    print(f"results: {rd.path}")
    return 0


if __name__ == "__main__":
    interrupt.exit_command(
        interrupt.run_command(main, "nothing of the unfinished comparison was written")
    )
