"""Which runs a policy-by-budget study makes: one per policy variant and budget, plus each
variant at zero expert-hours (what it achieves without experts), all from the same seed (common
random numbers)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.cli.compose import compose_config
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


def variant_root(variant: Variant, overrides: list[str]) -> RootConfig:
    """The variant's composed config, for a study's runs: no progress bar, no run folder."""
    root = compose_config([*overrides, f"policy={variant.policy}", *variant.overrides])
    return quiet(root)


def quiet(root: RootConfig) -> RootConfig:
    """``root`` without a progress bar or a run folder (a study reports its runs itself)."""
    return dataclasses.replace(
        root, progress=False, output=dataclasses.replace(root.output, write=False)
    )


def with_expert_hours(root: RootConfig, hours: float) -> RootConfig:
    """``root`` with ``hours`` expert-hours; zero hours also switches off a learning policy's
    audit, which has nothing to audit with."""
    policy = root.policy
    if hours == 0:
        policy = dataclasses.replace(
            policy, estimation=dataclasses.replace(policy.estimation, audit_share=0.0)
        )
    return dataclasses.replace(
        root, policy=policy, budget=dataclasses.replace(root.budget, expert_hours=hours)
    )


def plan(variants: list[Variant], expert_hours: list[float], overrides: list[str]) -> list[Run]:
    """Every run's validated config, each variant composed once and every budget and zero
    hours applied to it (a bad one raises before anything runs)."""
    runs = []
    for v in variants:
        root = variant_root(v, overrides)
        for hours in sorted({0.0, *expert_hours}):
            at_hours = with_expert_hours(root, hours)
            runs.append(Run(v, hours, at_hours, build_scenario(at_hours)))
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
