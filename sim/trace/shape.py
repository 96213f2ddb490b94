"""Derive a scenario's *shape* from a MedCalc-style trace: strata with their real sizes,
groups, value kinds and ranges, and per-stratum error rates (original vs ``label_final`` under
the agreement rule; items without a final label count as underspecified errors).

``python -m sim.trace.shape TRACE.csv > conf/scenario/medcalc_shape.yaml`` regenerates the
scenario. Review-time complexity is an assumption, not data: rule-based scores (categories risk,
severity, diagnosis) take 1.5x an equation's median review time."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.model.agreement import AgreementRule, ValueKind, agrees
from sim.trace.labels import parse_label

RULE_BASED = frozenset({"risk", "severity", "diagnosis"})
RULE_BASED_COMPLEXITY = 1.5


@dataclass(frozen=True)
class StratumShape:
    """What the trace says about one stratum."""

    name: str
    size: int
    group: str
    value_kind: str
    value_min: float
    value_max: float
    errors: int
    underspecified: int

    @property
    def error_rate(self) -> float:
        return self.errors / self.size

    @property
    def underspecified_share(self) -> float | None:
        return self.underspecified / self.errors if self.errors else None


def stratum_shapes(path: Path, rule: AgreementRule | None = None) -> list[StratumShape]:
    """Per calculator, in order of first appearance in the trace."""
    rule = rule or AgreementRule()
    rows: dict[str, list[dict[str, str]]] = {}
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            rows.setdefault(row["calculator_name"], []).append(row)
    shapes = []
    for name, items in rows.items():
        kind = ValueKind.parse(items[0]["value_kind"])
        values: list[float] = []
        errors = under = 0
        for row in items:
            original = parse_label(row["label_original"], kind)
            final = parse_label(row["label_final"], kind)
            for v in (original, final):
                if v is not None and not np.isnan(v):
                    values.append(v)
            if final is None:
                errors += 1
                under += 1
            elif original is None or not bool(agrees(original, final, int(kind), rule)):
                errors += 1
                under += int(np.isnan(final))
        shapes.append(
            StratumShape(
                name=name,
                size=len(items),
                group=items[0]["category"],
                value_kind=kind.name.lower(),
                value_min=min(values),
                value_max=max(values),
                errors=errors,
                underspecified=under,
            )
        )
    return shapes


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(round(float(v), 6))


def scenario_yaml(shapes: list[StratumShape], source: str) -> str:
    """The ``scenario/`` group file for ``shapes`` (Hydra YAML)."""
    lines = [
        f"# Derived from {source} by `python -m sim.trace.shape`; do not edit by hand.",
        "# Dates are day ordinals (1 = 0001-01-01). Error rates: original vs label_final under",
        "# the agreement rule; items the audit dropped count as underspecified errors.",
        "name: medcalc_shape",
        "strata:",
    ]
    for s in shapes:
        complexity = RULE_BASED_COMPLEXITY if s.group in RULE_BASED else 1.0
        share = s.underspecified_share
        lines += [
            f"  - name: {json.dumps(s.name)}",
            f"    size: {s.size}",
            f"    group: {s.group}",
            f"    value_kind: {s.value_kind}",
            f"    value_min: {_num(s.value_min)}",
            f"    value_max: {_num(s.value_max)}",
            f"    error_rate: {_num(round(s.error_rate, 6))}",
            f"    underspecified_share: {'null' if share is None else _num(round(share, 6))}",
            f"    complexity: {_num(complexity)}",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(
            "usage: python -m sim.trace.shape TRACE.csv > conf/scenario/NAME.yaml", file=sys.stderr
        )
        return 2
    path = Path(args[0])
    sys.stdout.write(scenario_yaml(stratum_shapes(path), path.as_posix()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
