"""A finished study in a few lines: the best feasible trial, or the feasible Pareto front; for a
mean objective, how far the runner-ups are from the best, paired replication by replication."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import yaml
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from sim.cli.summary import number
from sim.compare.runs import RunError, compare, load_run
from sim.sweep.objectives import parse_objective

RUNNER_UPS = 3


def feasible(trial: FrozenTrial) -> bool:
    return bool(trial.user_attrs.get("feasible", True))


def pareto_front(
    trials: Sequence[FrozenTrial], directions: Sequence[StudyDirection]
) -> list[FrozenTrial]:
    """Trials no other trial dominates (every objective at least as good, one strictly)."""
    sign = [1.0 if d == StudyDirection.MINIMIZE else -1.0 for d in directions]

    def key(t: FrozenTrial) -> list[float]:
        assert t.values is not None
        return [s * v for s, v in zip(sign, t.values, strict=True)]

    keyed = [(key(t), t) for t in trials]
    front = []
    for k, t in keyed:
        dominated = any(all(a <= b for a, b in zip(o, k, strict=True)) and o != k for o, _ in keyed)
        if not dominated:
            front.append(t)
    return sorted(front, key=lambda t: key(t))


def best_trials(study: optuna.Study) -> list[FrozenTrial]:
    """The feasible Pareto front (one trial for a single objective); ties keep the first."""
    done = [
        t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)) if feasible(t)
    ]
    front = pareto_front(done, study.directions)
    if len(study.directions) == 1:
        return sorted(front, key=lambda t: t.number)[:1]
    unique: dict[tuple[float, ...], FrozenTrial] = {}
    for t in front:
        assert t.values is not None
        unique.setdefault(tuple(t.values), t)
    return list(unique.values())


@dataclass(frozen=True)
class RunnerUp:
    """A feasible trial next to the best one: the mean objective's paired difference from it
    (``trial - best``) over the replications both ran, with its 95% interval."""

    trial: int
    value: float
    difference: float
    low: float
    high: float
    pairs: int
    changed: dict[str, Any]
    """The trial's parameters whose values differ from the best trial's."""

    @property
    def distinguishable(self) -> bool:
        return not (self.low <= 0.0 <= self.high) and not math.isnan(self.low)

    def shown(self) -> tuple[str, str, str, str]:
        """Value, difference and the interval's ends as text, all to the decimals that show
        the value to 4 significant digits (so a tiny difference reads as 0.0000, not 3e-05)."""
        digits = max(0, 3 - math.floor(math.log10(abs(self.value)))) if self.value else 4
        spec = f".{digits}f"
        return (
            number(self.value, spec),
            number(self.difference, spec, signed=True),
            number(self.low, spec, signed=True),
            number(self.high, spec, signed=True),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "trial": self.trial,
            "value": self.value,
            "difference_from_best": self.difference,
            "ci95": [self.low, self.high],
            "pairs": self.pairs,
            "params_unlike_best": self.changed,
        }


def runner_ups(study: optuna.Study, objectives: Sequence[str], sweep_dir: Path) -> list[RunnerUp]:
    """For one ``mean(METRIC)`` objective: the next :data:`RUNNER_UPS` feasible trials by
    value, each against the best on the metric with :func:`~sim.compare.runs.compare`
    (replication by replication, as every trial runs from the same seed); empty for other
    objectives, or when the best trial's replications are not in ``sweep_dir`` (a trial whose
    table is missing is left out)."""
    if len(objectives) != 1 or len(study.directions) != 1:
        return []
    objective = parse_objective("sweep.objectives", objectives[0])
    best = best_trials(study)
    if objective.statistic != "mean" or not best:
        return []
    sign = 1.0 if study.directions[0] == StudyDirection.MINIMIZE else -1.0
    trials = {t.number: t for t in study.get_trials(deepcopy=False)}
    ranked = sorted(
        (sign * t.values[0], t.number, t.values[0])
        for t in trials.values()
        if t.state == TrialState.COMPLETE
        and feasible(t)
        and t.number != best[0].number
        and t.values is not None
    )
    try:
        top = load_run(f"{sweep_dir}:{best[0].number}")
    except RunError:
        return []
    out = []
    for _, trial, value in ranked[:RUNNER_UPS]:
        try:
            other = load_run(f"{sweep_dir}:{trial}")
        except RunError:
            continue
        d = compare(top, other, [objective.metric]).differences[objective.metric]
        params = trials[trial].params
        changed = {k: v for k, v in params.items() if best[0].params.get(k) != v}
        out.append(RunnerUp(trial, value, d.mean, d.low, d.high, d.n, changed))
    return out


def runner_up_lines(best: int, objective: str, ups: Sequence[RunnerUp]) -> list[str]:
    """What the runner-ups' paired differences say about the best trial."""
    if not ups:
        return []
    lines = [f"runner-ups, each paired with #{best} replication by replication:"]
    for u in ups:
        verdict = "" if u.distinguishable else ": not distinguishable from the best"
        changed = " ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in u.changed.items()
        )
        value, difference, low, high = u.shown()
        lines.append(
            f"  #{u.trial} [{changed or 'the same parameters'}]: {objective}={value}, "
            f"{difference} (95% CI {low} to {high}, {u.pairs} pairs){verdict}"
        )
    if not all(u.distinguishable for u in ups):
        lines.append(
            f"  #{best} is not clearly better than the trials marked: more replications would "
            f"say whether it is (python -m sim.compare <sweep folder>:{best} <sweep folder>:N "
            "compares two trials on every metric)"
        )
    return lines


def results_yaml(study: optuna.Study, ups: Sequence[RunnerUp] = ()) -> str:
    states = [t.state for t in study.get_trials(deepcopy=False)]
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    doc = {
        "study": study.study_name,
        "trials": len(states),
        "complete": sum(s == TrialState.COMPLETE for s in states),
        "failed": sum(s == TrialState.FAIL for s in states),
        "infeasible": sum(not feasible(t) for t in complete),
        "best": [
            {"trial": t.number, "values": list(t.values or []), "params": dict(t.params)}
            for t in best_trials(study)
        ],
    }
    if ups:
        doc["runner_ups"] = [u.as_dict() for u in ups]
    return yaml.safe_dump(doc, sort_keys=False)


MAX_FRONT_LINES = 12


def front_lines(study: optuna.Study, objectives: Sequence[str]) -> list[str]:
    """Human-readable summary printed at the end of a sweep."""
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    n_infeasible = sum(not feasible(t) for t in complete)
    lines = [
        f"study {study.study_name}: {len(complete)} complete trials "
        f"({n_infeasible} infeasible), objectives: {', '.join(objectives)}"
    ]
    best = best_trials(study)
    if not best:
        lines.append("no feasible trial")
        return lines
    title = "best feasible trial" if len(best) == 1 else f"feasible Pareto front ({len(best)})"
    lines.append(f"{title}:")
    shown = best
    if len(best) > MAX_FRONT_LINES:  # an even spread; the whole front is in the results file
        step = (len(best) - 1) / (MAX_FRONT_LINES - 1)
        picks = sorted({round(i * step) for i in range(MAX_FRONT_LINES)})
        shown = [best[i] for i in picks]
    for t in shown:
        assert t.values is not None
        vals = ", ".join(f"{o}={v:.4g}" for o, v in zip(objectives, t.values, strict=True))
        params = " ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in t.params.items()
        )
        lines.append(f"  #{t.number}: {vals}  [{params}]")
        o = t.user_attrs.get("outcome")
        if o:
            lines.append(
                f"      residual error {o['residual_error_rate_mean']:.3f} mean, "
                f"{o['residual_error_rate_q90']:.3f} at the 90th percentile; "
                f"{o['expert_hours_mean']:.0f} expert-hours, "
                f"{o['calendar_weeks_q90']:.1f} weeks (90th percentile), "
                f"${o['total_usd_mean']:,.0f} (means over replications)"
            )
    if len(shown) < len(best):
        lines.append(f"  ... {len(best) - len(shown)} more in optimization_results.yaml")
    return lines
