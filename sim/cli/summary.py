"""The compact summary table printed after a run."""

from __future__ import annotations

import math

HEADLINE = (
    ("original_error_rate", "original error rate", "{:.3f}"),
    ("residual_error_rate", "residual error rate", "{:.3f}"),
    ("errors_fixed", "errors fixed", "{:.1f}"),
    ("errors_fixed_by_review", "  by expert review", "{:.1f}"),
    ("errors_fixed_by_recompute", "  by recomputation", "{:.1f}"),
    ("errors_fixed_by_propagation", "  by amplification", "{:.1f}"),
    ("correct_changed_wrongly", "correct labels wrongly changed", "{:.1f}"),
    ("propagation_wrong_fixes", "  by amplification", "{:.1f}"),
    ("items_dropped", "items dropped", "{:.1f}"),
    ("items_reviewed", "items reviewed", "{:.1f}"),
    ("expert_hours", "expert-hours", "{:.1f}"),
    ("calendar_days", "calendar days", "{:.1f}"),
    ("total_usd", "dollars (experts + LLM)", "{:,.0f}"),
    ("errors_fixed_per_expert_hour", "errors fixed per expert-hour", "{:.2f}"),
    ("estimated_error_rate", "reviewed originals found wrong", "{:.3f}"),
)


def counted(n: int, noun: str) -> str:
    """``n`` and ``noun``, in the plural unless ``n`` is 1: "1 replication", "3 problems"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def number(value: float, spec: str, signed: bool = False) -> str:
    """``value`` in the format ``spec`` (``.3f``, ``,.0f``): "—" for NaN, never "-0.0", and
    with "+" before a positive value that shows when ``signed``."""
    if math.isnan(value):
        return "—"
    text = format(value + 0.0, spec)
    if text.startswith("-") and not text.strip("-0.,"):
        text = text[1:]  # a small negative shown as zero
    return f"+{text}" if signed and value > 0 and text.strip("0.,") else text


OPTIONAL = {"errors_fixed_by_propagation", "propagation_wrong_fixes"}
"""Rows shown only when some replication has them (amplifying policies)."""


def format_summary(summary: dict[str, dict[str, float]], title: str) -> str:
    """Mean, 95% interval of the mean, and the 2.5-97.5% range of replications."""
    show_amplification = summary["items_propagated"]["mean"] > 0
    rows = [
        (label, summary[key], fmt)
        for key, label, fmt in HEADLINE
        if key not in OPTIONAL or show_amplification
    ]
    width = max(len(r[0]) for r in rows)

    def f(fmt: str, v: float) -> str:
        return "—" if math.isnan(v) else fmt.format(v + 0.0)  # + 0.0: no "-0.0"

    header = f"{'':{width}}  {'mean':>10}  {'95% CI of mean':>21}  {'2.5–97.5% of reps':>21}"
    lines = [title, header]

    def span(fmt: str, low: float, high: float) -> str:
        return "—" if math.isnan(low) or math.isnan(high) else f"{f(fmt, low)} – {f(fmt, high)}"

    for label, s, fmt in rows:
        ci = span(fmt, s["mean_ci_low"], s["mean_ci_high"])
        rng = span(fmt, s["p2_5"], s["p97_5"])
        lines.append(f"{label:{width}}  {f(fmt, s['mean']):>10}  {ci:>21}  {rng:>21}")
    return "\n".join(lines)


def format_leaderboard(rows: list[dict[str, float | str]]) -> str:
    """Evaluated models ranked by true accuracy: accuracy (%) and rank against each label set."""
    if not rows:
        return ""
    lines = [
        "leaderboard (accuracy %, rank)   original         maintained       truth",
    ]
    for r in rows:
        cells = []
        for which in ("original", "maintained", "truth"):
            acc = float(r[f"accuracy_{which}"])
            cells.append(f"{100 * acc:5.1f} (#{int(float(r[f'rank_{which}']))})")
        lines.append(f"  {r['model']!s:30} {cells[0]:16} {cells[1]:16} {cells[2]}")
    return "\n".join(lines)


RL_ROWS = (
    ("original_accuracy", "trained on original labels"),
    ("maintained_accuracy", "trained on maintained labels"),
    ("truth_accuracy", "trained on true labels"),
    ("gap_maintained_vs_original", "gap maintained - original"),
    ("gap_truth_vs_maintained", "gap truth - maintained"),
)


def format_rl(summary: dict[str, dict[str, float]]) -> str:
    """RL accuracy against the truth per arm and the paired gaps, in points with 95% CIs."""
    n = int(summary["heldout_items.gap_maintained_vs_original"]["n"])
    lines = [
        f"RL (GRPO) accuracy against the truth, points, 95% CI over {n} paired seeds",
        f"{'':32} {'held-out items':>22} {'untrained strata':>22}",
    ]
    for key, label in RL_ROWS:
        cells = []
        for where in ("heldout_items", "heldout_strata"):
            s = summary[f"{where}.{key}"]
            if math.isnan(s["mean"]):
                cells.append("—")
            else:
                cells.append(f"{s['mean']:.1f} ({s['ci_low']:.1f}–{s['ci_high']:.1f})")
        lines.append(f"  {label:30} {cells[0]:>22} {cells[1]:>22}")
    return "\n".join(lines)


ESTIMATORS = (
    ("audit", "random audit (design-valid)"),
    ("ppi", "PPI++ (audit + predictions)"),
    ("naive", "naive (every verdict)"),
)


def format_estimates(coverage: dict[str, dict[str, float]]) -> str:
    """Each residual-error estimator: mean estimate, mean interval width, and how often its 95%
    interval covered the true residual error rate."""
    if not coverage:
        return ""
    truth = coverage["audit"]["mean_truth"]
    lines = [
        f"residual error estimates (true residual {truth:.3f})   estimate   95% CI width   "
        "coverage",
    ]
    for key, label in ESTIMATORS:
        c = coverage[key]
        if c["n"] == 0:
            lines.append(f"  {label:40} {'—':>8}   {'—':>12}   —")
            continue
        lines.append(
            f"  {label:40} {c['mean_estimate']:8.3f}   {c['mean_width']:12.3f}   "
            f"{100 * c['coverage']:.0f}% of {int(c['n'])}"
        )
    return "\n".join(lines)
