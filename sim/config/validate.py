"""Start-up validation: every bad value is reported as one line naming the key, the value and what
is allowed, before anything runs or is written."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

from sim.config.schema import DownstreamConfig, ExpertConfig, RootConfig, StratumConfig
from sim.kernels.policies import CONTENTIOUS_ORDERS

VALUE_KINDS = ("decimal", "integer", "date", "categorical")


class ConfigError(ValueError):
    """A config value outside what is allowed."""

    def __init__(self, key: str, value: object, expected: str) -> None:
        self.key = key
        self.value = value
        self.expected = expected
        super().__init__(f"{key}={value!r}: expected {expected}")


@dataclass(frozen=True)
class PolicyTraits:
    """What a policy needs from the world, for checks that span config groups."""

    needs_audit: bool
    needs_recompute: bool
    needs_experts: bool


def _probability(key: str, value: float) -> None:
    if not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
        raise ConfigError(key, value, "a probability in [0, 1]")


def _at_least(key: str, value: float, low: float, *, finite: bool = True) -> None:
    if not isinstance(value, int | float) or math.isnan(value) or value < low:
        raise ConfigError(key, value, f"a number >= {low:g}")
    if finite and math.isinf(value):
        raise ConfigError(key, value, f"a finite number >= {low:g}")


def _positive(key: str, value: float, *, finite: bool = True) -> None:
    if not isinstance(value, int | float) or math.isnan(value) or value <= 0:
        raise ConfigError(key, value, "a number > 0")
    if finite and math.isinf(value):
        raise ConfigError(key, value, "a finite number > 0")


def _iso_date(key: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ConfigError(key, value, "an ISO date YYYY-MM-DD") from None


def _stratum(key: str, s: StratumConfig) -> None:
    if not s.name or s.name == "???":
        raise ConfigError(f"{key}.name", s.name, "a non-empty name")
    if not isinstance(s.size, int) or s.size < 1:
        raise ConfigError(f"{key}.size", s.size, "an integer >= 1")
    if s.value_kind not in VALUE_KINDS:
        raise ConfigError(f"{key}.value_kind", s.value_kind, f"one of {', '.join(VALUE_KINDS)}")
    if s.value_kind == "categorical":
        if s.n_categories < 2:
            raise ConfigError(f"{key}.n_categories", s.n_categories, "an integer >= 2")
    else:
        for name in ("value_min", "value_max"):
            v = getattr(s, name)
            if not math.isfinite(v):
                raise ConfigError(f"{key}.{name}", v, "a finite number")
        if s.value_max < s.value_min:
            raise ConfigError(f"{key}.value_max", s.value_max, f">= value_min ({s.value_min:g})")
    if s.error_rate is not None:
        _probability(f"{key}.error_rate", s.error_rate)
    if s.underspecified_share is not None:
        _probability(f"{key}.underspecified_share", s.underspecified_share)
    _positive(f"{key}.complexity", s.complexity)


def _expert(key: str, e: ExpertConfig) -> None:
    if not e.name or e.name == "???":
        raise ConfigError(f"{key}.name", e.name, "a non-empty name")
    if len(e.hours_per_weekday) != 7:
        raise ConfigError(
            f"{key}.hours_per_weekday", list(e.hours_per_weekday), "7 numbers, Monday..Sunday"
        )
    for d, h in enumerate(e.hours_per_weekday):
        _at_least(f"{key}.hours_per_weekday[{d}]", h, 0.0)
        if e.day_start_hour + h > 24.0:
            raise ConfigError(
                f"{key}.hours_per_weekday[{d}]",
                h,
                f"<= {24.0 - e.day_start_hour:g} (a window must end by midnight;"
                f" day_start_hour={e.day_start_hour:g})",
            )
    if not 0.0 <= e.day_start_hour < 24.0:
        raise ConfigError(f"{key}.day_start_hour", e.day_start_hour, "an hour in [0, 24)")
    _probability(f"{key}.absence_probability", e.absence_probability)
    _at_least(f"{key}.usd_per_hour", e.usd_per_hour, 0.0)
    _probability(f"{key}.error_probability", e.error_probability)


def validate(cfg: RootConfig, *, policies: Mapping[str, PolicyTraits], engines: set[str]) -> None:
    """Raise :class:`ConfigError` at the first value outside what is allowed."""
    sc = cfg.scenario
    if not sc.strata:
        raise ConfigError("scenario.strata", [], "at least one stratum")
    seen: set[str] = set()
    for i, s in enumerate(sc.strata):
        _stratum(f"scenario.strata[{i}]", s)
        if s.name in seen:
            raise ConfigError(f"scenario.strata[{i}].name", s.name, "a name not used before")
        seen.add(s.name)

    ep = sc.error_profile
    _probability("scenario.error_profile.zero_error_probability", ep.zero_error_probability)
    _positive("scenario.error_profile.beta_a", ep.beta_a)
    _positive("scenario.error_profile.beta_b", ep.beta_b)
    weights = ("extraction_weight", "logic_weight", "underspecified_weight")
    for w in weights:
        _at_least(f"scenario.error_profile.{w}", getattr(ep, w), 0.0)
    if sum(getattr(ep, w) for w in weights) <= 0:
        raise ConfigError(
            "scenario.error_profile.extraction_weight",
            ep.extraction_weight,
            "error-mode weights that sum to more than 0",
        )
    for w in (
        "extraction_relative_scale",
        "logic_relative_scale",
        "ordinal_extra_steps_mean",
        "date_shift_days_mean",
    ):
        _at_least(f"scenario.error_profile.{w}", getattr(ep, w), 0.0)

    ag = sc.agreement
    for w in (
        "ordinal_tolerance",
        "ordinal_max_abs",
        "relative_tolerance",
        "zero_tolerance",
        "date_tolerance_days",
    ):
        _at_least(f"scenario.agreement.{w}", getattr(ag, w), 0.0)

    au = cfg.verifier.audit
    _probability("verifier.audit.sensitivity", au.sensitivity)
    _probability("verifier.audit.specificity", au.specificity)
    _at_least("verifier.audit.stratum_concentration", au.stratum_concentration, 0.0)
    if not isinstance(au.runs_per_item, int) or au.runs_per_item < 1:
        raise ConfigError("verifier.audit.runs_per_item", au.runs_per_item, "an integer >= 1")
    _at_least("verifier.audit.usd_per_run", au.usd_per_run, 0.0)
    _at_least("verifier.audit.seconds_per_run", au.seconds_per_run, 0.0)

    rc = cfg.verifier.recompute
    if not isinstance(rc.runs_per_item, int) or rc.runs_per_item < 1:
        raise ConfigError("verifier.recompute.runs_per_item", rc.runs_per_item, "an integer >= 1")
    if not isinstance(rc.consensus_runs, int) or not 1 <= rc.consensus_runs <= rc.runs_per_item:
        raise ConfigError(
            "verifier.recompute.consensus_runs",
            rc.consensus_runs,
            f"an integer m with 1 <= m <= runs_per_item ({rc.runs_per_item})",
        )
    _probability("verifier.recompute.run_accuracy", rc.run_accuracy)
    _at_least("verifier.recompute.stratum_concentration", rc.stratum_concentration, 0.0)
    _probability("verifier.recompute.error_correlation", rc.error_correlation)
    _probability("verifier.recompute.abstain_probability", rc.abstain_probability)
    _probability("verifier.recompute.systematic_error_probability", rc.systematic_error_probability)
    _at_least("verifier.recompute.usd_per_run", rc.usd_per_run, 0.0)
    _at_least("verifier.recompute.seconds_per_run", rc.seconds_per_run, 0.0)

    ex = cfg.experts
    _iso_date("experts.start_date", ex.start_date)
    for i, h in enumerate(ex.holidays):
        _iso_date(f"experts.holidays[{i}]", h)
    _positive("experts.review_minutes_median", ex.review_minutes_median)
    _at_least("experts.review_minutes_sigma", ex.review_minutes_sigma, 0.0)
    _positive("experts.outside_specialty_slowdown", ex.outside_specialty_slowdown)
    names: set[str] = set()
    groups = {s.group for s in sc.strata}
    for i, e in enumerate(ex.pool):
        _expert(f"experts.pool[{i}]", e)
        if e.name in names:
            raise ConfigError(f"experts.pool[{i}].name", e.name, "a name not used before")
        names.add(e.name)
    named = {g for e in ex.pool for g in e.specialties}
    if named and not named & groups:
        raise ConfigError(
            "experts.pool[*].specialties",
            sorted(named),
            f"at least one group of the scenario: {', '.join(sorted(groups))}",
        )

    if cfg.policy.name not in policies:
        raise ConfigError("policy.name", cfg.policy.name, f"one of {', '.join(sorted(policies))}")
    _positive("policy.contentious_threshold", cfg.policy.contentious_threshold)
    if cfg.policy.contentious_order not in CONTENTIOUS_ORDERS:
        raise ConfigError(
            "policy.contentious_order",
            cfg.policy.contentious_order,
            f"one of {', '.join(CONTENTIOUS_ORDERS)}",
        )
    _learning_policy(cfg)
    _rerun(cfg)
    if cfg.engine.name not in engines:
        raise ConfigError("engine.name", cfg.engine.name, f"one of {', '.join(sorted(engines))}")

    b = cfg.budget
    _at_least("budget.expert_hours", b.expert_hours, 0.0, finite=False)
    _at_least("budget.usd", b.usd, 0.0, finite=False)
    if not isinstance(b.calendar_days, int) or b.calendar_days < 1:
        raise ConfigError("budget.calendar_days", b.calendar_days, "an integer >= 1")

    if not isinstance(cfg.replications, int) or cfg.replications < 1:
        raise ConfigError("replications", cfg.replications, "an integer >= 1")
    _downstream(cfg.downstream, groups, cfg.replications)
    if not isinstance(cfg.seed, int) or cfg.seed < 0:
        raise ConfigError("seed", cfg.seed, "an integer >= 0")
    if not isinstance(cfg.engine.threads, int) or cfg.engine.threads < 0:
        raise ConfigError("engine.threads", cfg.engine.threads, "an integer >= 0 (0: all cores)")
    if not isinstance(cfg.engine.processes, int) or cfg.engine.processes < 0:
        raise ConfigError(
            "engine.processes", cfg.engine.processes, "an integer >= 0 (0: all cores)"
        )
    if not isinstance(cfg.output.event_replications, int) or cfg.output.event_replications < 0:
        raise ConfigError(
            "output.event_replications", cfg.output.event_replications, "an integer >= 0"
        )
    if not isinstance(cfg.output.item_replications, int) or cfg.output.item_replications < 0:
        raise ConfigError(
            "output.item_replications", cfg.output.item_replications, "an integer >= 0"
        )

    traits = policies[cfg.policy.name]
    if traits.needs_experts:
        if not ex.pool:
            raise ConfigError(
                "experts.pool",
                [],
                f"at least one expert (policy {cfg.policy.name!r} sends items to experts)",
            )
        if all(sum(e.hours_per_weekday) == 0 for e in ex.pool):
            raise ConfigError(
                "experts.pool[*].hours_per_weekday",
                [0.0] * 7,
                f"some working hours: policy {cfg.policy.name!r} sends items to experts",
            )
        if ex.double_review and len(ex.pool) < 3:
            raise ConfigError(
                "experts.double_review",
                True,
                f"a pool of >= 3 experts to adjudicate (it has {len(ex.pool)})",
            )
    n_items = sum(s.size for s in sc.strata)
    llm_usd = 0.0
    if traits.needs_audit:
        llm_usd += n_items * au.runs_per_item * au.usd_per_run
    if traits.needs_recompute:
        llm_usd += n_items * rc.runs_per_item * rc.usd_per_run
    if llm_usd > b.usd:
        raise ConfigError(
            "budget.usd",
            b.usd,
            f">= {llm_usd:.2f}, the LLM verifier cost policy "
            f"{cfg.policy.name!r} spends before any expert review",
        )


def _open_unit(key: str, value: float) -> None:
    if not (isinstance(value, int | float) and 0.0 < value < 1.0):
        raise ConfigError(key, value, "a number in (0, 1)")


def _rerun(cfg: RootConfig) -> None:
    r = cfg.verifier.rerun
    _probability("verifier.rerun.success_probability", r.success_probability)
    _probability("verifier.rerun.wrong_fix_probability", r.wrong_fix_probability)
    _at_least("verifier.rerun.usd_per_item", r.usd_per_item, 0.0)
    _at_least("verifier.rerun.seconds_per_item", r.seconds_per_item, 0.0)


def _learning_policy(cfg: RootConfig) -> None:
    """The learning policy's settings. The checks that need the expert pool's arrays (an audit
    too small or too large for the budget, a target below the experts' own error rate) are in
    :func:`sim.scenario.build_scenario`."""
    p = cfg.policy
    le, amp, st, est = p.learning, p.amplification, p.stopping, p.estimation
    strategies = ("thompson", "ucb", "greedy")
    if le.strategy not in strategies:
        raise ConfigError(
            "policy.learning.strategy", le.strategy, f"one of {', '.join(strategies)}"
        )
    _at_least("policy.learning.ucb_width", le.ucb_width, 0.0)
    _positive("policy.learning.prior_strength", le.prior_strength)
    if len(le.prior_original_wrong) != 3:
        raise ConfigError(
            "policy.learning.prior_original_wrong",
            list(le.prior_original_wrong),
            "3 probabilities: [contentious, no consensus, agreeing]",
        )
    for i, v in enumerate(le.prior_original_wrong):
        _open_unit(f"policy.learning.prior_original_wrong[{i}]", v)
    _open_unit("policy.learning.prior_recompute_right", le.prior_recompute_right)
    _open_unit("policy.amplification.accept_threshold", amp.accept_threshold)
    _int_at_least("policy.amplification.accept_min_verdicts", amp.accept_min_verdicts, 1)
    _at_least("policy.stopping.min_errors_per_expert_hour", st.min_errors_per_expert_hour, 0.0)
    _int_at_least("policy.stopping.yield_window", st.yield_window, 1)
    if not (isinstance(st.residual_target, int | float) and 0.0 <= st.residual_target < 1.0):
        raise ConfigError(
            "policy.stopping.residual_target", st.residual_target, "a rate in [0, 1) (0: off)"
        )
    _open_unit("policy.stopping.confidence", st.confidence)
    if not (isinstance(est.audit_share, int | float) and 0.0 <= est.audit_share < 1.0):
        raise ConfigError(
            "policy.estimation.audit_share",
            est.audit_share,
            "a share of the expert-hour budget in [0, 1) (0: no audit; 1 leaves triage no reviews)",
        )
    if est.expert_error_probability is not None and not (
        isinstance(est.expert_error_probability, int | float)
        and 0.0 <= est.expert_error_probability < 1.0
    ):
        raise ConfigError(
            "policy.estimation.expert_error_probability",
            est.expert_error_probability,
            "a probability in [0, 1), or null for the pool's",
        )
    if (
        p.name == "learning"
        and est.audit_share > 0
        and cfg.experts.pool
        and math.isinf(cfg.budget.expert_hours)
    ):
        raise ConfigError(
            "policy.estimation.audit_share",
            est.audit_share,
            "0 when budget.expert_hours is unlimited (a share of it is kept for the audit)",
        )


def _int_at_least(key: str, value: object, low: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ConfigError(key, value, f"an integer >= {low}")


def _open_share(key: str, value: float) -> None:
    if not (isinstance(value, int | float) and 0.0 <= value < 1.0):
        raise ConfigError(key, value, "a share in [0, 1)")


def _downstream(ds: DownstreamConfig, groups: set[str], replications: int) -> None:
    names: set[str] = set()
    for i, m in enumerate(ds.leaderboard.models):
        key = f"downstream.leaderboard.models[{i}]"
        if not m.name or m.name == "???":
            raise ConfigError(f"{key}.name", m.name, "a non-empty name")
        if m.name in names:
            raise ConfigError(f"{key}.name", m.name, "a name not used before")
        names.add(m.name)
        _probability(f"{key}.accuracy", m.accuracy)
        _probability(f"{key}.shared_blind_spot_probability", m.shared_blind_spot_probability)
        for g, acc in m.group_accuracy.items():
            if g not in groups:
                raise ConfigError(
                    f"{key}.group_accuracy",
                    g,
                    f"a group of the scenario: {', '.join(sorted(groups))}",
                )
            _probability(f"{key}.group_accuracy.{g}", acc)
    rl = ds.rl
    _int_at_least("downstream.rl.seeds", rl.seeds, 2)
    _int_at_least("downstream.rl.label_replications", rl.label_replications, 1)
    if rl.enabled and rl.label_replications > replications:
        raise ConfigError(
            "downstream.rl.label_replications",
            rl.label_replications,
            f"at most the run's replications ({replications})",
        )
    _int_at_least("downstream.rl.steps", rl.steps, 1)
    _int_at_least("downstream.rl.group_size", rl.group_size, 2)
    _int_at_least("downstream.rl.prompts_per_step", rl.prompts_per_step, 1)
    _positive("downstream.rl.learning_rate", rl.learning_rate)
    _at_least("downstream.rl.kl_coefficient", rl.kl_coefficient, 0.0)
    _at_least("downstream.rl.reward_match", rl.reward_match, 0.0)
    _at_least("downstream.rl.reward_wrong_answer", rl.reward_wrong_answer, 0.0)
    if rl.reward_wrong_answer >= rl.reward_match:
        raise ConfigError(
            "downstream.rl.reward_wrong_answer",
            rl.reward_wrong_answer,
            f"less than reward_match ({rl.reward_match:g})",
        )
    p = rl.initial_probabilities
    if (
        len(p) != 5
        or any(not isinstance(x, int | float) or not x > 0.0 for x in p)
        or abs(sum(p) - 1.0) > 1e-6
    ):
        raise ConfigError(
            "downstream.rl.initial_probabilities",
            list(p),
            "5 probabilities > 0 summing to 1 (correct, extraction, logic, answer anyway, abstain)",
        )
    h = rl.heldout_item_share
    if not (isinstance(h, int | float) and 0.0 < h < 1.0):
        raise ConfigError("downstream.rl.heldout_item_share", h, "a share in (0, 1)")
    _open_share("downstream.rl.heldout_strata_share", rl.heldout_strata_share)
