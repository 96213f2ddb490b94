"""A validated, array-form scenario: the one object the runner needs, built once from config."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.schema import (
    BudgetConfig,
    ErrorProfileConfig,
    PolicyConfig,
    RootConfig,
    VerifierConfig,
)
from sim.config.validate import ConfigError, PolicyTraits, validate
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

    @property
    def verdict_error_probability(self) -> float:
        """The experts' error rate per verdict the estimators assume: as configured, else the
        pool's (its double-review equivalent with double review)."""
        configured = self.policy_config.estimation.expert_error_probability
        return self.pool.verdict_error_probability() if configured is None else configured


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
    sc = Scenario(
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
    if cfg.policy.name == "learning" and sc.pool.n_experts and cfg.budget.expert_hours > 0:
        _check_learning_budget(sc)
    return sc


def _check_learning_budget(sc: Scenario) -> None:
    """The learning policy's settings against the pool and the budget: a residual target the
    experts' own errors put out of reach, an audit share that buys fewer than 2 reviews or
    leaves triage less than one."""
    est, st = sc.policy_config.estimation, sc.policy_config.stopping
    error = sc.verdict_error_probability
    if 0 < st.residual_target <= error:
        raise ConfigError(
            "policy.stopping.residual_target",
            st.residual_target,
            f"a rate above {error:.4f}, the experts' own error rate per verdict: even a full "
            "review cannot go below it",
        )
    items = np.repeat(np.arange(sc.strata.n_strata), sc.strata.size)
    minutes = float(
        sc.pool.expected_verdict_minutes(sc.strata.group[items], sc.strata.complexity[items]).mean()
    )
    hours = sc.budget.expert_hours
    audit_hours = est.audit_share * hours
    if 0 < audit_hours * 60.0 < 2 * minutes:
        raise ConfigError(
            "policy.estimation.audit_share",
            est.audit_share,
            f"a larger share or budget: {audit_hours:.2f} expert-hours buy fewer than the 2 "
            f"audit reviews an interval needs (about {minutes:.0f} minutes each)",
        )
    if audit_hours > 0 and (hours - audit_hours) * 60.0 < minutes:
        raise ConfigError(
            "policy.estimation.audit_share",
            est.audit_share,
            f"a smaller share: it leaves triage {hours - audit_hours:.2f} expert-hours, less "
            f"than one review (about {minutes:.0f} minutes)",
        )
