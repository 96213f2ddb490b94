"""Which runs a policy-by-budget study makes: one per policy variant and budget, plus each
variant at zero expert-hours (what it achieves without experts), all from the same seed (common
random numbers)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.cli.compose import compose_values
from sim.config.schema import RootConfig
from sim.processes import process_count
from sim.runner import RunResult, run_scenario
from sim.scenario import Scenario, build_scenario


@dataclass(frozen=True)
class Variant:
    """A policy with its own overrides, e.g. ``learning:policy.learning.strategy=greedy``."""

    label: str
    policy: str
    overrides: tuple[str, ...]

    @staticmethod
    def parse(text: str) -> Variant:
        policy, _, rest = text.partition(":")
        overrides = tuple(o for o in rest.split(",") if o)
        return Variant(text, policy, overrides)


@dataclass(frozen=True)
class Run:
    variant: Variant
    expert_hours: float
    root: RootConfig
    scenario: Scenario


def plan(variants: list[Variant], expert_hours: list[float], overrides: list[str]) -> list[Run]:
    """Every run's validated config (a bad one raises before anything runs). Zero hours also
    switches off a learning policy's audit, which has nothing to audit with."""
    runs = []
    for v in variants:
        budgets = sorted({0.0, *expert_hours})
        values = [
            [f"budget.expert_hours={hours}"]
            + (["policy.estimation.audit_share=0"] if hours == 0 else [])
            for hours in budgets
        ]
        roots = compose_values([*overrides, f"policy={v.policy}", *v.overrides], values)
        for hours, root in zip(budgets, roots, strict=True):
            root = dataclasses.replace(
                root, progress=False, output=dataclasses.replace(root.output, write=False)
            )
            runs.append(Run(v, hours, root, build_scenario(root)))
    return runs


def metrics_of(sc: Scenario, root: RootConfig) -> dict[str, NDArray[np.float64]]:
    """Every metric of ``root.replications`` replications from ``root.seed``, without item or
    event detail; step-by-step replications spread over ``engine.processes``."""
    result: RunResult = run_scenario(
        sc,
        root.replications,
        root.seed,
        item_replications=0,
        event_replications=0,
        processes=process_count(root.engine.processes),
    )
    return result.metrics
