"""The report of a sweep folder: its study, its results dataset, and a few replications of the
best trials re-run for their review events (deterministic: same config and seed)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from omegaconf import OmegaConf
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from sim.config.schema import RootConfig
from sim.report.curves import FoundCurve, errors_found_over_time
from sim.report.figures import (
    plot_cost_breakdown,
    plot_errors_over_time,
    plot_importances,
    plot_objectives,
    plot_residual_against_budget,
    policy_color,
)
from sim.report.html import Section, fmt
from sim.report.stats import TrialStats, trial_stats
from sim.runner import run_scenario
from sim.scenario import build_scenario
from sim.sweep.dataset import read_trials, trial_metadata
from sim.sweep.storage import DEFAULT_FILE, open_storage
from sim.sweep.summary import RunnerUp, best_trials, runner_ups

STAT_METRICS = [
    "residual_error_rate",
    "errors_fixed",
    "expert_hours",
    "expert_usd",
    "llm_usd",
    "total_usd",
    "calendar_days",
]


class ReportError(RuntimeError):
    """The folder or storage cannot be reported on; the message says what was expected."""


def is_sweep_dir(folder: Path) -> bool:
    return (folder / "trials").is_dir() or (folder / DEFAULT_FILE).is_file()


def load_study(sweep_dir: Path, storage: str | None, study_name: str | None) -> optuna.Study:
    """The sweep's study: from ``storage`` (default: the folder's SQLite file)."""
    if storage is None:
        db = sweep_dir / DEFAULT_FILE
        if not db.is_file():
            raise ReportError(
                f"{sweep_dir}: no {DEFAULT_FILE}; expected a sweep folder, or --storage URL "
                "for a study kept elsewhere"
            )
        storage = f"sqlite:///{db.resolve()}"
    rdb = open_storage(storage, key="--storage")
    names = optuna.get_all_study_names(rdb)
    if study_name is None:
        cfg = sweep_dir / "sweep_config.yaml"
        if cfg.is_file():
            study_name = str(OmegaConf.load(cfg).sweep.name)
        elif len(names) == 1:
            study_name = names[0]
    if study_name not in names:
        raise ReportError(
            f"--study={study_name!r}: not in {storage}; expected one of {', '.join(names)}"
        )
    return optuna.load_study(study_name=study_name, storage=rdb)


def _replay_events(sweep_dir: Path, t: TrialStats, replications: int) -> FoundCurve:
    meta = trial_metadata(sweep_dir, t.policy, t.number)
    merged = OmegaConf.merge(
        OmegaConf.structured(RootConfig), OmegaConf.create(meta["stewardsim.config"])
    )
    root = OmegaConf.to_object(merged)
    assert isinstance(root, RootConfig)
    n = min(replications, root.replications)
    sc = build_scenario(root)
    result = run_scenario(sc, n, root.seed, item_replications=0, event_replications=n)
    columns = ("replication", "item", "finish_minute", "original_wrong", "label_correct")
    events = {
        c: np.concatenate([np.asarray(chunk[c]) for chunk in result.events])
        if result.events
        else np.zeros(0)
        for c in columns
    }
    return errors_found_over_time(events, n)


def _runner_up_row(u: RunnerUp) -> list[str]:
    value, difference, low, high = u.shown()
    changed = ", ".join(f"{k}={_short(v)}" for k, v in u.changed.items()) or "—"
    told = "yes" if u.distinguishable else "no"
    return [f"#{u.trial}", changed, value, f"{difference} ({low} to {high})", str(u.pairs), told]


def _describe(t: TrialStats) -> str:
    return f"#{t.number} {t.policy}"


def _showcase(trials: list[TrialStats], study: optuna.Study, front: list[int]) -> list[TrialStats]:
    """Up to four trials to re-run: the best feasible trial of each policy (single objective),
    or trials spread along the feasible Pareto front."""
    feasible = [t for t in trials if t.feasible and not any(math.isnan(v) for v in t.objectives)]
    if len(study.directions) == 1:
        sign = 1.0 if study.directions[0] == StudyDirection.MINIMIZE else -1.0
        best: dict[str, TrialStats] = {}
        for t in sorted(feasible, key=lambda t: sign * t.objectives[0]):
            best.setdefault(t.policy, t)
        return list(best.values())[:4]
    on_front = sorted((t for t in feasible if t.number in set(front)), key=lambda t: t.objectives)
    if len(on_front) <= 4:
        return on_front
    picks = {round(i * (len(on_front) - 1) / 3) for i in range(4)}
    return [on_front[i] for i in sorted(picks)]


def sweep_sections(
    sweep_dir: Path,
    out: Path,
    storage: str | None = None,
    study_name: str | None = None,
    replay_replications: int = 20,
) -> tuple[str, list[Section]]:
    """Write the figures into ``out``; return the page's subtitle and sections."""
    study = load_study(sweep_dir, storage, study_name)
    try:
        table = read_trials(sweep_dir)
    except FileNotFoundError as err:
        raise ReportError(str(err)) from None
    trials = trial_stats(table, [m for m in STAT_METRICS if m in table.column_names])
    objectives = [str(o) for o in study.user_attrs.get("objectives", [])] or [
        f"objective {i}" for i in range(len(study.directions))
    ]
    constraints = [str(c) for c in study.user_attrs.get("constraints", [])]
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    front = [t.number for t in best_trials(study)]
    n_feasible = sum(t.feasible for t in trials)
    subtitle = (
        f"study {study.study_name}: {len(complete)} complete trials, {len(trials)} in the "
        f"dataset, {n_feasible} feasible; objectives: {', '.join(objectives)}"
        + (f"; constraints: {', '.join(constraints)}" if constraints else "")
    )
    sections: list[Section] = []

    plot_objectives(trials, objectives, front, out / "objectives.png")
    best_rows: list[Sequence[str]] = []
    by_number = {t.number: t for t in trials}
    for n in front:
        t = by_number.get(n)
        if t is None:
            continue
        r = t.metrics["residual_error_rate"]
        best_rows.append(
            [
                _describe(t),
                ", ".join(f"{k}={_short(v)}" for k, v in t.params.items() if k != "policy"),
                *(fmt(v, 4) for v in t.objectives),
                f"{fmt(r.mean)} ({fmt(r.low)}–{fmt(r.high)})",
                fmt(t.metrics["expert_hours"].mean),
                fmt(t.quantiles["calendar_days"]),
                fmt(t.metrics["total_usd"].mean),
            ]
        )
    sections.append(
        Section(
            "Pareto front" if len(objectives) > 1 else "Objective per trial",
            "Filled markers are feasible trials, hollow ones break a constraint.",
            "objectives.png",
            [
                "trial",
                "parameters",
                *objectives,
                "residual error (95% CI)",
                "expert-hours",
                "q90 calendar days",
                "dollars",
            ],
            best_rows,
        )
    )

    ups = runner_ups(study, objectives, sweep_dir) if len(front) == 1 else []
    if ups:
        sections.append(
            Section(
                f"Runner-ups, paired with #{front[0]}",
                "The next feasible trials by objective value, each against the best replication "
                "by replication (every trial runs from the same seed).",
                header=[
                    "trial",
                    "parameters unlike the best",
                    objectives[0],
                    "difference from the best (95% CI)",
                    "pairs",
                    "told apart",
                ],
                rows=[_runner_up_row(u) for u in ups],
            )
        )

    plot_residual_against_budget(trials, out / "residual_against_budget.png")
    sections.append(
        Section(
            "Residual error against budget",
            "Each point is a trial; the line is each policy's lowest residual error for at most "
            "that many expert-hours.",
            "residual_against_budget.png",
        )
    )

    shown = _showcase(trials, study, front)
    if shown:
        plot_cost_breakdown(
            [
                (_describe(t), t.metrics["expert_usd"].mean, t.metrics["llm_usd"].mean)
                for t in shown
            ],
            out / "cost_breakdown.png",
        )
        sections.append(
            Section(
                "Cost breakdown",
                "Experts' and LLM verifiers' dollars of the trials shown below.",
                "cost_breakdown.png",
            )
        )
        curves = {_describe(t): _replay_events(sweep_dir, t, replay_replications) for t in shown}
        one_per_policy = len({t.policy for t in shown}) == len(shown)
        colors = {_describe(t): policy_color(t.policy) for t in shown} if one_per_policy else None
        plot_errors_over_time(curves, out / "errors_over_time.png", colors)
        sections.append(
            Section(
                "Errors found over calendar time",
                "Wrong originals an expert has labelled right, by day; the trials are re-run "
                f"from their stored configuration for their first {replay_replications} "
                "replications (same seeds, same results).",
                "errors_over_time.png",
            )
        )

    importances, note = _importances(study, objectives)
    if importances:
        plot_importances(importances, out / "importances.png")
        sections.append(
            Section(
                "Parameter importances",
                "Importance of each searched parameter for reaching good values of each "
                "objective (Optuna's default evaluator, PED-ANOVA).",
                "importances.png",
            )
        )
    else:
        sections.append(Section("Parameter importances", note))
    return subtitle, sections


def _importances(
    study: optuna.Study, objectives: list[str]
) -> tuple[dict[str, dict[str, float]], str]:
    """Optuna's default evaluator (PED-ANOVA in Optuna 5) rates what makes the target low, so a
    maximised objective is negated."""
    out: dict[str, dict[str, float]] = {}
    for i, (name, direction) in enumerate(zip(objectives, study.directions, strict=True)):
        sign = 1.0 if direction == StudyDirection.MINIMIZE else -1.0
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                out[name] = optuna.importance.get_param_importances(
                    study, target=_objective_target(i, sign)
                )
        except (RuntimeError, ValueError) as err:
            return {}, f"Not available: {str(err).splitlines()[0]}"
    return out, ""


def _objective_target(i: int, sign: float) -> Callable[[FrozenTrial], float]:
    def target(t: FrozenTrial) -> float:
        assert t.values is not None
        return sign * float(t.values[i])

    return target


def _short(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)
