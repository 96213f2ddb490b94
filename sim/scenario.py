"""A validated, array-form scenario: the one object the runner needs, built once from config."""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.schema import (
    BudgetConfig,
    ErrorProfileConfig,
    PolicyConfig,
    RootConfig,
    VerifierConfig,
)
from sim.config.validate import PolicyTraits, validate
from sim.engines import ENGINES, Engine
from sim.model.agreement import AgreementRule
from sim.model.benchmark import Strata
from sim.model.evaluated import EvaluatedModels
from sim.model.experts import ExpertPool
from sim.policies import REGISTRY, Policy


@dataclass(frozen=True)
class Scenario:
    """Benchmark strata, verifiers, expert pool, policy, budget and engine of a run."""

    name: str
    strata: Strata
    profile: ErrorProfileConfig
    rule: AgreementRule
    verifier: VerifierConfig
    pool: ExpertPool
    policy_class: type[Policy]
    policy_config: PolicyConfig
    budget: BudgetConfig
    engine: Engine
    models: EvaluatedModels
    """The models whose leaderboard the labels distort (none: leaderboard metrics are NaN)."""


def policy_traits() -> dict[str, PolicyTraits]:
    return {
        name: PolicyTraits(cls.needs_audit, cls.needs_recompute, cls.needs_experts)
        for name, cls in REGISTRY.items()
    }


def build_scenario(cfg: RootConfig) -> Scenario:
    """Validate ``cfg`` (raising :class:`sim.config.ConfigError`) and convert it to arrays."""
    validate(cfg, policies=policy_traits(), engines=set(ENGINES))
    strata = Strata.from_config(cfg.scenario)
    ag = cfg.scenario.agreement
    return Scenario(
        name=cfg.scenario.name,
        strata=strata,
        profile=cfg.scenario.error_profile,
        rule=AgreementRule(
            ordinal_tolerance=ag.ordinal_tolerance,
            ordinal_max_abs=ag.ordinal_max_abs,
            relative_tolerance=ag.relative_tolerance,
            zero_tolerance=ag.zero_tolerance,
            date_tolerance_days=ag.date_tolerance_days,
        ),
        verifier=cfg.verifier,
        pool=ExpertPool.from_config(cfg.experts, strata.group_names),
        policy_class=REGISTRY[cfg.policy.name],
        policy_config=cfg.policy,
        budget=cfg.budget,
        engine=ENGINES[cfg.engine.name](threads=cfg.engine.threads),
        models=EvaluatedModels.from_config(cfg.downstream.leaderboard, strata.group_names),
    )
