"""A finished study in a few lines: the best feasible trial, or the feasible Pareto front."""

from __future__ import annotations

from collections.abc import Sequence

import optuna
import yaml
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState


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


def results_yaml(study: optuna.Study) -> str:
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
