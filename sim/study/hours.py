"""The smallest expert-hours budget that meets a target, per policy variant: a scan over a grid
of budgets, then bisection between the last budget that misses the target and the first that
meets it. Every budget runs the same replications from the same seed (common random numbers),
so the target's statistic moves with the budget alone."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from omegaconf import OmegaConf

from sim.config.schema import RootConfig
from sim.config.validate import ConfigError
from sim.scenario import build_scenario
from sim.study.plan import Variant, metrics_of, with_expert_hours
from sim.sweep.objectives import Constraint, parse_constraint

GRID_POINTS = 9
"""Budgets scanned before bisecting: 0 and eight even steps up to the largest budget."""


def parse_target(text: str) -> Constraint:
    """``STAT(METRIC) <= NUMBER`` or ``>= NUMBER`` over a run's replications; a
    :class:`ConfigError` names ``--target`` otherwise."""
    target = parse_constraint("--target", text)
    if target.objective.statistic in ("config", "rl"):
        raise ConfigError(
            "--target", text, "STAT(METRIC) <= or >= NUMBER with METRIC a metric of the runs"
        )
    return target


@dataclass(frozen=True)
class Point:
    """One budget's run: the target's statistic there with its 95% bootstrap interval over
    replications, and a few outcomes (means)."""

    expert_hours: float
    statistic: float
    meets: bool
    outcomes: dict[str, float]
    statistic_low: float = math.nan
    statistic_high: float = math.nan


@dataclass
class Search:
    """A variant's search: every budget run, in the order they ran, and what it found."""

    variant: Variant
    points: list[Point] = field(default_factory=list)
    needed: Point | None = None
    """The smallest budget found that meets the target; None when the largest does not."""
    upper_misses: list[float] = field(default_factory=list)
    """Budgets above :attr:`needed` that miss the target (the statistic is not monotone)."""
    firm: Point | None = None
    """The smallest budget found whose whole bootstrap interval meets the target."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "variant": self.variant.label,
            "needed": dataclasses.asdict(self.needed) if self.needed else None,
            "missed_again_at": self.upper_misses,
            "firm": dataclasses.asdict(self.firm) if self.firm else None,
            "points": [dataclasses.asdict(p) for p in self.points],
        }


OUTCOMES = ("residual_error_rate", "expert_hours", "total_usd", "calendar_days", "errors_fixed")


BOOTSTRAP_RESAMPLES = 1000


def resampling(replications: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """Replication indices ``(BOOTSTRAP_RESAMPLES, replications)``, drawn with replacement:
    one set per search, so every budget is resampled alike."""
    return rng.integers(0, replications, size=(BOOTSTRAP_RESAMPLES, replications))


def bootstrap_interval(
    values: NDArray[np.float64],
    statistic: Callable[[NDArray[np.float64]], float],
    resamples: NDArray[np.int64],
) -> tuple[float, float]:
    """The 2.5 and 97.5 percentiles of ``statistic`` over the ``resamples`` of ``values``."""
    stats = np.array([statistic(values[idx]) for idx in resamples])
    stats = stats[~np.isnan(stats)]
    if stats.size == 0:
        return math.nan, math.nan
    low, high = np.percentile(stats, [2.5, 97.5])
    return float(low), float(high)


def evaluate(
    root: RootConfig,
    hours: float,
    target: Constraint,
    resamples: NDArray[np.int64] | None = None,
) -> Point:
    """Run ``root`` with ``hours`` expert-hours (:func:`~sim.study.plan.with_expert_hours`); with
    ``resamples`` (:func:`resampling`), the statistic's bootstrap interval too."""
    root = with_expert_hours(root, hours)
    metrics = metrics_of(build_scenario(root), root)
    empty = OmegaConf.create({})  # the config a config(...) statistic reads; targets have none
    statistic = target.objective.value(metrics, empty)
    outcomes = {m: float(np.nanmean(metrics[m])) for m in OUTCOMES}
    if "calendar_days" in metrics:
        outcomes["calendar_days_q90"] = float(np.nanquantile(metrics["calendar_days"], 0.9))
    meets = not target.violation(metrics, empty) > 0
    low = high = math.nan
    if resamples is not None:
        metric = target.objective.metric
        low, high = bootstrap_interval(
            metrics[metric], lambda x: target.objective.value({metric: x}, empty), resamples
        )
    return Point(hours, statistic, meets, outcomes, low, high)


def firmly_meets(p: Point, target: Constraint) -> bool:
    """The whole bootstrap interval of ``p``'s statistic meets the target, not only the
    estimate (False without an interval)."""
    if target.upper:
        return p.statistic_high <= target.bound
    return p.statistic_low >= target.bound


def search(
    variant: Variant,
    measure: Callable[[float], Point],
    max_hours: float,
    tolerance_hours: float,
    on_point: Callable[[Point], None] | None = None,
    firm: Callable[[Point], bool] | None = None,
) -> Search:
    """Scan :data:`GRID_POINTS` budgets from 0 to ``max_hours`` with ``measure`` (a budget's
    run, :func:`evaluate`); bisect between the last that misses the target and the first that
    meets it, to ``tolerance_hours``. With ``firm`` (:func:`firmly_meets`), bisect again for
    the smallest budget that meets it firmly."""
    found = Search(variant)

    def run(hours: float) -> Point:
        p = measure(hours)
        found.points.append(p)
        if on_point is not None:
            on_point(p)
        return p

    grid = [run(float(h)) for h in np.linspace(0.0, max_hours, GRID_POINTS)]
    found.needed = _smallest(lambda p: p.meets, grid, found.points, run, tolerance_hours)
    if found.needed is None:
        return found
    found.upper_misses = [
        p.expert_hours for p in grid if p.expert_hours > found.needed.expert_hours and not p.meets
    ]
    if firm is not None:
        found.firm = _smallest(firm, grid, found.points, run, tolerance_hours)
    return found


def _smallest(
    criterion: Callable[[Point], bool],
    grid: list[Point],
    evaluated: list[Point],
    run: Callable[[float], Point],
    tolerance_hours: float,
) -> Point | None:
    """The smallest budget meeting ``criterion``: below the first grid budget that meets it,
    bisect from the largest budget run so far that does not, to ``tolerance_hours``."""
    first = next((p for p in grid if criterion(p)), None)
    if first is None:
        return None
    misses = [
        p.expert_hours
        for p in evaluated
        if p.expert_hours < first.expert_hours and not criterion(p)
    ]
    if not misses:
        return first
    low = max(misses)
    high = min(
        (p for p in evaluated if p.expert_hours > low and criterion(p)),
        key=lambda p: p.expert_hours,
    )
    while high.expert_hours - low > tolerance_hours:
        mid = run(0.5 * (low + high.expert_hours))
        if criterion(mid):
            high = mid
        else:
            low = mid.expert_hours
    return high


def bisection_steps(max_hours: float, tolerance_hours: float) -> int:
    """Runs one bisection needs after the grid, at most."""
    step = max_hours / (GRID_POINTS - 1)
    return max(0, math.ceil(math.log2(step / tolerance_hours))) if step > tolerance_hours else 0


def hours_table(searches: list[Search], target: Constraint, max_hours: float) -> str:
    """Per variant: the budget needed, the target's statistic there, and what that budget
    buys (means over replications; calendar days at the 90th percentile)."""
    head = [
        "policy",
        "expert-hours needed",
        target.objective.text,
        "95% CI (bootstrap)",
        "firm: the whole CI meets it",
        "residual error",
        "errors fixed",
        "expert-h spent",
        "dollars",
        "q90 calendar days",
        "runs",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for f in searches:
        p = f.needed
        if p is None:
            top = max(f.points, key=lambda q: q.expert_hours)
            cells = [f"not met with {max_hours:g} h", f"{top.statistic:.4g} at {max_hours:g} h"]
            cells += [_interval(top)] + ["—"] * 6
        else:
            o = p.outcomes
            cells = [
                f"{p.expert_hours:.1f}",
                f"{p.statistic:.4g}",
                _interval(p),
                f"{f.firm.expert_hours:.1f} h" if f.firm else f"not within {max_hours:g} h",
                f"{o['residual_error_rate']:.3f}",
                f"{o['errors_fixed']:.1f}",
                f"{o['expert_hours']:.1f}",
                f"{o['total_usd']:,.0f}",
                f"{o.get('calendar_days_q90', math.nan):.0f}",
            ]
        lines.append("| " + " | ".join([f.variant.label, *cells, str(len(f.points))]) + " |")
    return "\n".join(lines)


def _interval(p: Point) -> str:
    if math.isnan(p.statistic_low):
        return "—"
    return f"{p.statistic_low:.4g}–{p.statistic_high:.4g}"
