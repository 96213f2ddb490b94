"""Studies of policy variants against expert-hour budgets on one scenario, every run from the
same seed (common random numbers). Each writes a new folder under ``<output.dir>/studies/``
(``outputs/studies/`` by default), whole or not at all.

``python -m sim.study budget [--policies ...] [--expert-hours ...] [OVERRIDES]``: the outcome
table, each variant's paired differences from the first one at the same budget, the estimator
coverage table (when a policy estimates, as ``learning`` does), a JSON file of every summary,
and a figure against expert-hours.

``python -m sim.study hours [--policies ...] [--target ...] [OVERRIDES]``: per variant, the
smallest expert-hours budget that meets a target, by a scan over budgets and bisection, with
the dollars and the calendar lifted unless set; a table, a JSON file of every run, and a figure
of the target's statistic against expert-hours.

``python -m sim.study stress --vary KEY=LOW:HIGH ... [--inside N] [--policies ...] [OVERRIDES]``:
every variant at the centre and at every corner of a box of settings (what is not known about
the verifiers or the experts, say), and at N points of a Latin hypercube inside it; per variant
the residual error at the centre and over the other points, its worst point, and at how many
points it is the best of the variants; a table, a JSON file and a figure.

A policy may carry its own overrides: ``learning:policy.learning.strategy=greedy``."""

from __future__ import annotations

import argparse
import json
import math
import sys
from functools import partial
from pathlib import Path

import numpy as np
from tqdm import tqdm

from sim import interrupt
from sim.cli.oneline import or_one_line_error
from sim.cli.outputs import output_folder, writable_or_said
from sim.io.results import json_safe
from sim.io.run_dir import RunDirectory, new_run_name
from sim.study.figures import plot_against_hours, plot_stress, plot_target_against_hours
from sim.study.hours import (
    GRID_POINTS,
    bisection_steps,
    evaluate,
    firmly_meets,
    hours_table,
    parse_target,
    resampling,
    search,
)
from sim.study.plan import Run, Variant, plan, variant_root
from sim.study.rows import coverage_table, difference_table, outcome_table, simulate
from sim.study.stress import (
    Range,
    StressRun,
    plan_stress,
    residual_matrix,
    simulate_stress,
    stress_table,
)
from sim.study.stress import as_data as as_stress_data

NO_RL = "downstream.rl.enabled=false"
"""Every study leaves out the RL experiment, which none of its tables reads."""
HOURS_BASE = ["budget.usd=inf", "budget.calendar_days=1095"]
"""What ``hours`` lifts unless the command line sets it: the dollars and the calendar, so that
the expert-hours alone decide (as in ``+sweep=funders``)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.study", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("budget", help="policies against expert-hour budgets")
    b.add_argument("--policies", nargs="+", default=["disagreement", "phased", "learning"])
    b.add_argument("--expert-hours", nargs="+", type=float, default=[10, 20, 40, 80])
    h = sub.add_parser("hours", help="the smallest expert-hours budget that meets a target")
    h.add_argument("--policies", nargs="+", default=["disagreement", "phased", "learning"])
    h.add_argument(
        "--target",
        default="q90(residual_error_rate) <= 0.05",
        help="STAT(METRIC) <= or >= NUMBER over the replications (default: %(default)s)",
    )
    h.add_argument("--max-hours", type=float, default=1000.0, help="default: %(default)s")
    h.add_argument("--tolerance-hours", type=float, default=1.0, help="default: %(default)s")
    st = sub.add_parser("stress", help="policies at every corner of a box of settings (and inside)")
    st.add_argument("--policies", nargs="+", default=["disagreement", "phased", "learning"])
    st.add_argument(
        "--vary",
        nargs="+",
        required=True,
        help="KEY=LOW:HIGH, e.g. verifier.recompute.run_accuracy=0.83:0.86 (1 to 6 keys)",
    )
    st.add_argument(
        "--inside",
        type=int,
        default=0,
        help="also this many points inside the box, a Latin hypercube (default: %(default)s)",
    )
    st.add_argument(
        "--inside-seed", type=int, default=0, help="seed of those points (default: %(default)s)"
    )
    for p in (b, h, st):
        p.add_argument(
            "--out", type=Path, default=None, help="default: <output.dir>/studies (outputs/studies)"
        )
        p.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. replications=200")
    argv = sys.argv[1:] if argv is None else argv
    overrides = [a for a in argv if is_override(a)]
    args = parser.parse_args([a for a in argv if a not in overrides])
    if args.out is None:
        args.out = output_folder(overrides, "studies")
    variants = [Variant.parse(p) for p in args.policies]
    if args.command == "hours":
        return hours_command(args, variants, overrides)
    if args.command == "stress":
        return stress_command(args, variants, overrides)
    bad = [h for h in args.expert_hours if not h > 0]
    if bad:
        print(f"error: --expert-hours={bad[0]:g}: expected hours > 0", file=sys.stderr)
        return 2
    if not writable_or_said(args.out, "--out"):
        return 2
    runs = or_one_line_error(lambda: plan(variants, args.expert_hours, [NO_RL, *overrides]))
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


def is_override(arg: str) -> bool:
    """A Hydra override (``key=value``), not a flag, a policy variant (``policy:key=value``)
    or a target (``q90(m) <= 0.05``)."""
    return (
        "=" in arg
        and not arg.startswith("-")
        and ":" not in arg
        and "<=" not in arg
        and ">=" not in arg
    )


def stress_command(args: argparse.Namespace, variants: list[Variant], overrides: list[str]) -> int:
    """Every variant at the centre and every corner of the ``--vary`` box."""
    if not writable_or_said(args.out, "--out"):
        return 2

    def planned() -> tuple[list[Range], list[str], list[StressRun]]:
        ranges = [Range.parse(t) for t in args.vary]
        labels, runs = plan_stress(
            variants, ranges, [NO_RL, *overrides], args.inside, args.inside_seed
        )
        return ranges, labels, runs

    made = or_one_line_error(planned)
    if made is None:
        return 2
    ranges, labels, runs = made
    with tqdm(total=len(runs), unit="run", file=sys.stderr) as bar:

        def advance(run: StressRun) -> None:
            bar.set_postfix_str(f"{run.variant.label} {labels[run.point]}")
            bar.update()

        outcomes = simulate_stress(runs, on_run=advance)
    table = stress_table(outcomes, labels)
    root = runs[0].root
    inside = f", {args.inside} points inside" if args.inside else ""
    print(
        f"{2 ** len(ranges)} corners{inside} and the centre of "
        f"{', '.join(r.key for r in ranges)} ({root.replications} replications each, "
        f"seed {root.seed}):"
    )
    print(table)
    rd = RunDirectory(args.out, new_run_name("stress", "-".join(v.policy for v in variants)))
    with rd as tmp:
        (tmp / "stress.md").write_text(table + "\n")
        doc = as_stress_data(labels, ranges, outcomes)
        (tmp / "stress.json").write_text(json.dumps(json_safe(doc), indent=2) + "\n")
        plot_stress(residual_matrix(outcomes, len(labels)), labels, tmp / "stress.png")
    print(f"results: {rd.path}")
    return 0


def hours_command(args: argparse.Namespace, variants: list[Variant], overrides: list[str]) -> int:
    """Per variant, the smallest expert-hours budget that meets ``--target``."""
    for flag, value in (
        ("--max-hours", args.max_hours),
        ("--tolerance-hours", args.tolerance_hours),
    ):
        if not (value > 0 and math.isfinite(value)):
            print(
                f"error: {flag}={value:g}: expected a finite number of hours > 0", file=sys.stderr
            )
            return 2
    target = or_one_line_error(lambda: parse_target(args.target))
    if target is None or not writable_or_said(args.out, "--out"):
        return 2
    base = [*HOURS_BASE, NO_RL, *overrides]
    roots = or_one_line_error(lambda: [variant_root(v, base) for v in variants])
    if roots is None:
        return 2
    most = GRID_POINTS + 2 * bisection_steps(args.max_hours, args.tolerance_hours)
    searches = []
    with tqdm(total=len(variants) * most, unit="run", file=sys.stderr) as bar:
        for variant, root in zip(variants, roots, strict=True):
            bar.set_postfix_str(variant.label)
            resamples = resampling(root.replications, np.random.default_rng(root.seed))
            found = search(
                variant,
                partial(evaluate, root, target=target, resamples=resamples),
                args.max_hours,
                args.tolerance_hours,
                on_point=lambda p: bar.update(),
                firm=partial(firmly_meets, target=target),
            )
            searches.append(found)
            bar.total -= most - len(found.points)  # a search that needed fewer runs
            bar.refresh()
    table = hours_table(searches, target, args.max_hours)
    print(
        f"smallest expert-hours budget with {target.text} ({roots[0].replications} "
        f"replications, seed {roots[0].seed}):"
    )
    print(table)
    for found in searches:
        if found.upper_misses:
            print(
                f"note: {found.variant.label} misses the target again at "
                f"{', '.join(f'{h:g}' for h in found.upper_misses)} h: the statistic is not "
                "monotone in the budget, and a smaller budget may also meet it"
            )
    rd = RunDirectory(args.out, new_run_name("hours", "-".join(v.policy for v in variants)))
    with rd as tmp:
        (tmp / "hours.md").write_text(table + "\n")
        doc = {"target": target.text, "searches": [f.as_dict() for f in searches]}
        (tmp / "hours.json").write_text(json.dumps(json_safe(doc), indent=2) + "\n")
        plot_target_against_hours(searches, target, tmp / "target_against_hours.png")
    print(f"results: {rd.path}")
    return 0


if __name__ == "__main__":
    interrupt.exit_command(
        interrupt.run_command(main, "nothing of the unfinished study was written")
    )
