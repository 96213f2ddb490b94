"""The compact summary table printed after a run."""

from __future__ import annotations

import math

HEADLINE = (
    ("residual_error_rate", "residual error rate", "{:.3f}"),
    ("errors_fixed", "errors fixed", "{:.1f}"),
    ("errors_fixed_by_review", "  by expert review", "{:.1f}"),
    ("errors_fixed_by_recompute", "  by recomputation", "{:.1f}"),
    ("correct_changed_wrongly", "correct labels wrongly changed", "{:.1f}"),
    ("items_dropped", "items dropped", "{:.1f}"),
    ("items_reviewed", "items reviewed", "{:.1f}"),
    ("expert_hours", "expert-hours", "{:.1f}"),
    ("calendar_days", "calendar days", "{:.1f}"),
    ("total_usd", "dollars (experts + LLM)", "{:,.0f}"),
    ("errors_fixed_per_expert_hour", "errors fixed per expert-hour", "{:.2f}"),
    ("estimated_error_rate", "estimated original error rate", "{:.3f}"),
)


def format_summary(summary: dict[str, dict[str, float]], title: str) -> str:
    """Mean, 95% interval of the mean, and the 2.5-97.5% range of replications."""
    rows = [(label, summary[key], fmt) for key, label, fmt in HEADLINE]
    width = max(len(r[0]) for r in rows)

    def f(fmt: str, v: float) -> str:
        return "—" if math.isnan(v) else fmt.format(v)

    header = f"{'':{width}}  {'mean':>10}  {'95% CI of mean':>21}  {'2.5–97.5% of reps':>21}"
    lines = [title, header]
    for label, s, fmt in rows:
        ci = f"{f(fmt, s['mean_ci_low'])} – {f(fmt, s['mean_ci_high'])}"
        rng = f"{f(fmt, s['p2_5'])} – {f(fmt, s['p97_5'])}"
        lines.append(f"{label:{width}}  {f(fmt, s['mean']):>10}  {ci:>21}  {rng:>21}")
    return "\n".join(lines)
