"""``python -m sim.trace validate|calibrate PATH [--mapping FILE]``: real stewardship traces.

``validate`` prints every problem with its row and column (capped, with a count of the rest)
and exits 1, or prints what the trace holds and exits 0; it writes nothing. ``calibrate`` fits
a scenario's per-stratum error rates to the trace and prints (or atomically writes) its YAML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from sim.trace.format import load_mapping
from sim.trace.load import load_trace

MAX_SHOWN = 50


def validate(path: Path, mapping_file: Path | None, *, max_shown: int = MAX_SHOWN) -> int:
    try:
        mapping, explicit = load_mapping(mapping_file)
    except (OSError, ValueError, yaml.YAMLError) as err:
        print(f"error: --mapping: {err}", file=sys.stderr)
        return 2
    if not path.exists():
        print(f"error: {path}: no such file", file=sys.stderr)
        return 2
    trace, problems = load_trace(path, mapping, explicit=explicit)
    if problems:
        print(f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
        for p in problems[:max_shown]:
            print(f"  {p}")
        if len(problems) > max_shown:
            print(f"  ... and {len(problems) - max_shown} more")
        return 1
    assert trace is not None
    print(
        f"{path}: OK — {trace.n_items:,} items, {len(trace.strata)} strata, "
        f"{len(trace.groups)} groups; columns: {', '.join(trace.columns)}"
    )
    return 0


def calibrate(
    path: Path,
    mapping_file: Path | None,
    name: str,
    out: Path | None,
    absent_truth_is_underspecified: bool,
) -> int:
    from sim.io.run_dir import write_text_atomic
    from sim.model.agreement import AgreementRule
    from sim.trace.calibrate import calibrate_strata, scenario_yaml, verifier_diagnostics

    try:
        mapping, explicit = load_mapping(mapping_file)
    except (OSError, ValueError, yaml.YAMLError) as err:
        print(f"error: --mapping: {err}", file=sys.stderr)
        return 2
    trace, problems = load_trace(path, mapping, explicit=explicit)
    if trace is None:
        print(
            f"error: {path} does not validate ({len(problems)} problems; run "
            f"`python -m sim.trace validate`): {problems[0]}",
            file=sys.stderr,
        )
        return 1
    rule = AgreementRule()
    try:
        fit, strata = calibrate_strata(
            trace, rule, absent_truth_is_underspecified=absent_truth_is_underspecified
        )
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    note = (
        "Items without a truth label count as underspecified errors."
        if absent_truth_is_underspecified
        else "Items without a truth label are excluded."
    )
    text = scenario_yaml(name, trace, fit, strata, path.as_posix(), note)
    diagnostics = [
        f"prior: P(error-free stratum) {fit.zero_probability:.3f}, Beta({fit.beta_a:.3f}, "
        f"{fit.beta_b:.3f}); log-likelihood {fit.log_likelihood:.2f}; converged "
        f"{fit.converged} in {fit.iterations} iterations",
        *verifier_diagnostics(trace, rule),
    ]
    for line in diagnostics:
        print(line, file=sys.stderr)
    if out is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(out, text)
        print(f"wrote {out}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m sim.trace", description="Work with real stewardship traces."
    )
    sub = ap.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="check a trace; exit 1 when it has problems")
    v.add_argument("path", type=Path, help="CSV or Parquet trace")
    v.add_argument(
        "--mapping",
        type=Path,
        default=None,
        help="YAML of canonical: column names (e.g. conf/trace/medcalc_v1.yaml)",
    )
    c = sub.add_parser("calibrate", help="fit a scenario's error rates to a trace")
    c.add_argument("path", type=Path, help="CSV or Parquet trace")
    c.add_argument("--mapping", type=Path, default=None, help="YAML of canonical: column names")
    c.add_argument("--name", default="calibrated", help="the scenario's name")
    c.add_argument(
        "--out",
        type=Path,
        default=None,
        help="write the scenario YAML here (default: standard output)",
    )
    c.add_argument(
        "--absent-truth-is-underspecified",
        action="store_true",
        help="count items without a truth label as underspecified errors",
    )
    args = ap.parse_args(argv)
    if args.command == "calibrate":
        return calibrate(
            args.path, args.mapping, args.name, args.out, args.absent_truth_is_underspecified
        )
    return validate(args.path, args.mapping)


if __name__ == "__main__":
    raise SystemExit(main())
