"""A study's runs simulated and summarised, and its tables: outcomes, paired differences from
the first policy at each budget, estimator coverage."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

from sim.cli.summary import number
from sim.compare.paired import paired_difference
from sim.metrics import estimator_coverage, metric_direction, summarize
from sim.study.plan import Run, metrics_of


def simulate(runs: list[Run], on_run: Callable[[Run], None] | None = None) -> list[dict[str, Any]]:
    """One row per run: metric summaries and estimator coverage; then each row gets the net
    errors fixed (fixed minus correct labels wrongly changed) per expert-hour beyond what the
    same variant achieves at zero hours, and, past the first variant, its paired differences
    from the first variant at the same budget (``against_first``; the runs share the seed, so
    replication ``r`` of each drew the same world)."""
    rows: list[dict[str, Any]] = []
    compared: list[dict[str, Any]] = []
    for run in runs:
        metrics = metrics_of(run.scenario, run.root)
        rows.append(
            {
                "variant": run.variant.label,
                "policy": run.variant.policy,
                "expert_hours": run.expert_hours,
                "metrics": summarize(metrics),
                "coverage": estimator_coverage(metrics),
            }
        )
        compared.append({m: metrics[m] for m, _, _ in COMPARED})
        if on_run is not None:
            on_run(run)
    first = {
        r["expert_hours"]: c
        for r, c in zip(rows, compared, strict=True)
        if r["variant"] == rows[0]["variant"]
    }
    for r, c in zip(rows, compared, strict=True):
        if r["variant"] != rows[0]["variant"] and r["expert_hours"] in first:
            base = first[r["expert_hours"]]
            r["against_first"] = {
                m: dataclasses.asdict(paired_difference(base[m], c[m], metric_direction(m)))
                for m, _, _ in COMPARED
            }
    base = {r["variant"]: _net(r) for r in rows if r["expert_hours"] == 0}
    for r in rows:
        hours = r["metrics"]["expert_hours"]["mean"]
        r["net_fixed_per_expert_hour_beyond_zero"] = (
            (_net(r) - base[r["variant"]]) / hours if hours > 0 else math.nan
        )
    return rows


def _net(row: dict[str, Any]) -> float:
    m = row["metrics"]
    return float(m["errors_fixed"]["mean"] - m["correct_changed_wrongly"]["mean"])


def _f(x: float, fmt: str) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt.format(x)


COMPARED = (
    ("residual_error_rate", "residual error", ".3f"),
    ("errors_fixed", "errors fixed", ".1f"),
    ("correct_changed_wrongly", "wrong fixes", ".1f"),
    ("expert_hours", "expert-h", ".1f"),
)
"""The metrics whose paired differences from the first variant a study reports: name, label
and format."""

OUTCOMES = (
    ("errors_fixed", "errors fixed", "{:.1f}"),
    ("errors_fixed_by_review", "by review", "{:.1f}"),
    ("errors_fixed_by_propagation", "by amplification", "{:.1f}"),
    ("errors_fixed_by_recompute", "by recomputation", "{:.1f}"),
    ("correct_changed_wrongly", "wrong fixes", "{:.1f}"),
    ("propagation_wrong_fixes", "of them by amplification", "{:.1f}"),
    ("expert_hours", "expert-h spent", "{:.1f}"),
    ("errors_fixed_per_expert_hour", "fixed by review per expert-h", "{:.2f}"),
)


def outcome_table(rows: list[dict[str, Any]]) -> str:
    """Policy x budget: residual error with its 95% interval of the mean, errors fixed by
    route, wrong fixes, hours, yields, and the audit interval's mean width."""
    head = [
        "policy",
        "budget h",
        "residual error (95% CI)",
        *(label for _, label, _ in OUTCOMES),
        "net fixed per expert-h beyond 0 h",
        "audit 95% CI width",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in rows:
        if r["expert_hours"] == 0:
            continue
        m = r["metrics"]["residual_error_rate"]
        cells = [
            r["variant"],
            f"{r['expert_hours']:g}",
            f"{m['mean']:.3f} ({m['mean_ci_low']:.3f}–{m['mean_ci_high']:.3f})",
        ]
        cells += [_f(r["metrics"][k]["mean"], fmt) for k, _, fmt in OUTCOMES]
        cells.append(_f(r["net_fixed_per_expert_hour_beyond_zero"], "{:.2f}"))
        cov = r["coverage"].get("audit")
        cells.append(_f(cov["mean_width"], "{:.3f}") if cov else "—")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def coverage_table(rows: list[dict[str, Any]]) -> str:
    """Per policy with estimates and budget: the true residual error and, per estimator, the
    mean estimate, the mean width of its 95% interval and how often it covered the truth; ""
    when no policy estimates (only ``learning`` does)."""
    head = ["policy", "budget h", "true residual", "audit items"]
    for name in ("audit", "PPI++", "naive"):
        head += [f"{name}: estimate", f"{name}: width", f"{name}: coverage"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in rows:
        cov = r["coverage"]
        if not cov or r["expert_hours"] == 0:
            continue
        cells = [
            r["variant"],
            f"{r['expert_hours']:g}",
            f"{cov['audit']['mean_truth']:.3f}",
            f"{r['metrics']['audit_items_reviewed']['mean']:.1f}",
        ]
        for key in ("audit", "ppi", "naive"):
            c = cov[key]
            cells += [
                _f(c["mean_estimate"], "{:.3f}"),
                _f(c["mean_width"], "{:.3f}"),
                _f(100 * c["coverage"], "{:.1f}%") + f" of {int(c['n'])}",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) if len(lines) > 2 else ""


def difference_table(rows: list[dict[str, Any]]) -> str:
    """Each variant past the first against the first at the same budget, replication by
    replication: the mean difference of each :data:`COMPARED` metric with its 95% interval,
    and the share of replications in which the variant leaves fewer wrong labels (and more);
    "" with one variant."""
    against = [r for r in rows if "against_first" in r and r["expert_hours"] > 0]
    if not against:
        return ""
    first = rows[0]["variant"]
    head = ["policy", "budget h"]
    head += [f"{label} − {first} (95% CI)" for _, label, _ in COMPARED]
    head.append("fewer / more wrong labels in")
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in against:
        cells = [r["variant"], f"{r['expert_hours']:g}"]
        for m, _, spec in COMPARED:
            d = r["against_first"][m]
            low, high = number(d["low"], spec), number(d["high"], spec)
            ci = "" if math.isnan(d["low"]) else f" ({low} – {high})"
            cells.append(number(d["mean"], spec, signed=True) + ci)
        residual = r["against_first"]["residual_error_rate"]
        cells.append(
            f"{_f(100 * residual['better_share'], '{:.0f}%')} / "
            f"{_f(100 * residual['worse_share'], '{:.0f}%')} of {residual['n']}"
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
