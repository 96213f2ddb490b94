"""``python -m sim.downstream budget [--policies ...] [--expert-hours ...] [OVERRIDES]``:
leaderboard bias and the RL gap against the stewardship budget, as a Markdown table, a JSON file
and a figure in a new folder under ``<output.dir>/downstream/`` (``outputs/downstream/`` by
default; written atomically)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from sim import interrupt
from sim.cli.oneline import or_one_line_error
from sim.cli.outputs import output_folder, writable_or_said
from sim.downstream.budget import budget_rows, markdown_table, plan
from sim.downstream.figures import plot_bias_against_budget
from sim.io.results import json_safe
from sim.io.run_dir import RunDirectory, new_run_name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.downstream", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("budget", help="leaderboard bias and RL gap against the budget")
    b.add_argument("--policies", nargs="+", default=["none", "disagreement", "phased"])
    b.add_argument("--expert-hours", nargs="+", type=float, default=[0, 10, 20, 40, 80])
    b.add_argument("--out", type=Path, default=None, help="default: <output.dir>/downstream")
    b.add_argument(
        "overrides", nargs="*", help="Hydra overrides anywhere on the line, e.g. replications=200"
    )
    argv = sys.argv[1:] if argv is None else argv
    overrides = [a for a in argv if "=" in a and not a.startswith("-")]
    args = parser.parse_args([a for a in argv if a not in overrides])
    args.overrides = overrides
    if args.out is None:
        args.out = output_folder(overrides, "downstream")
    bad = [h for h in args.expert_hours if h < 0]
    if bad:
        print(f"error: --expert-hours={bad[0]:g}: expected hours >= 0", file=sys.stderr)
        return 2
    if not writable_or_said(args.out, "--out"):
        return 2
    runs = or_one_line_error(lambda: plan(args.policies, args.expert_hours, args.overrides))
    if runs is None:
        return 2
    with tqdm(total=len(runs), unit="run", file=sys.stderr) as bar:

        def advance(policy: str, hours: float) -> None:
            bar.set_postfix_str(f"{policy} {hours:g} h")
            bar.update()

        rows = budget_rows(runs, on_run=advance)
    table = markdown_table(rows)
    print(table)
    rd = RunDirectory(args.out, new_run_name("budget", "-".join(args.policies)))
    with rd as tmp:
        (tmp / "budget.md").write_text(table + "\n")
        (tmp / "budget.json").write_text(json.dumps(json_safe(rows), indent=2) + "\n")
        plot_bias_against_budget(rows, tmp / "bias_against_budget.png")
    print(f"results: {rd.path}")
    return 0


if __name__ == "__main__":
    interrupt.exit_command(
        interrupt.run_command(main, "nothing of the unfinished study was written")
    )
