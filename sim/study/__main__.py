"""``python -m sim.study budget [--policies ...] [--expert-hours ...] [OVERRIDES]``: policies
against expert-hour budgets on one scenario, with common random numbers. Prints and writes (to a
new folder under ``<output.dir>/studies/``, ``outputs/studies/`` by default, atomically) the
outcome table, each policy's paired differences from the first one at the same budget, the
estimator coverage table (when a policy estimates, as ``learning`` does), a JSON file of every
summary, and a figure against expert-hours.

A policy may carry its own overrides: ``learning:policy.learning.strategy=greedy``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from sim import interrupt
from sim.cli.oneline import or_one_line_error
from sim.cli.outputs import output_folder, writable_or_said
from sim.io.results import json_safe
from sim.io.run_dir import RunDirectory, new_run_name
from sim.study.figures import plot_against_hours
from sim.study.plan import Run, Variant, plan
from sim.study.rows import coverage_table, difference_table, outcome_table, simulate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.study", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("budget", help="policies against expert-hour budgets")
    b.add_argument("--policies", nargs="+", default=["disagreement", "phased", "learning"])
    b.add_argument("--expert-hours", nargs="+", type=float, default=[10, 20, 40, 80])
    b.add_argument(
        "--out", type=Path, default=None, help="default: <output.dir>/studies (outputs/studies)"
    )
    b.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. replications=200")
    argv = sys.argv[1:] if argv is None else argv
    overrides = [a for a in argv if "=" in a and not a.startswith("-") and ":" not in a]
    args = parser.parse_args([a for a in argv if a not in overrides])
    if args.out is None:
        args.out = output_folder(overrides, "studies")
    bad = [h for h in args.expert_hours if not h > 0]
    if bad:
        print(f"error: --expert-hours={bad[0]:g}: expected hours > 0", file=sys.stderr)
        return 2
    variants = [Variant.parse(p) for p in args.policies]
    if not writable_or_said(args.out, "--out"):
        return 2
    runs = or_one_line_error(
        lambda: plan(variants, args.expert_hours, ["downstream.rl.enabled=false", *overrides])
    )
    if runs is None:
        return 2
    with tqdm(total=len(runs), unit="run", file=sys.stderr) as bar:

        def advance(run: Run) -> None:
            bar.set_postfix_str(f"{run.variant.label} {run.expert_hours:g} h")
            bar.update()

        rows = simulate(runs, on_run=advance)
    outcomes, coverage = outcome_table(rows), coverage_table(rows)
    differences = difference_table(rows)
    print(outcomes)
    if differences:
        print()
        print(f"paired differences from {rows[0]['variant']} at the same budget:")
        print(differences)
    if coverage:
        print()
        print(coverage)
    rd = RunDirectory(args.out, new_run_name("budget", "-".join(v.policy for v in variants)))
    with rd as tmp:
        (tmp / "outcomes.md").write_text(outcomes + "\n")
        if differences:
            (tmp / "differences.md").write_text(differences + "\n")
        if coverage:
            (tmp / "coverage.md").write_text(coverage + "\n")
        (tmp / "study.json").write_text(json.dumps(json_safe(rows), indent=2) + "\n")
        plot_against_hours(rows, tmp / "against_expert_hours.png")
    print(f"results: {rd.path}")
    return 0


if __name__ == "__main__":
    sys.exit(interrupt.run_command(main, "nothing of the unfinished study was written"))
