"""``python -m sim.trace validate PATH [--mapping FILE]``: check a stewardship trace.

Prints every problem with its row and column (capped, with a count of the rest) and exits 1,
or prints what the trace holds and exits 0. Nothing is written."""

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
    args = ap.parse_args(argv)
    return validate(args.path, args.mapping)


if __name__ == "__main__":
    raise SystemExit(main())
