"""Dataclass schemas of every configurable quantity; units live in the field names.

These are plain dataclasses (stdlib only). The Hydra app registers them as structured configs and
converts the composed config to :class:`RootConfig` once, at the entry point.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MISSING_STR = "???"  # OmegaConf's marker for a required value


@dataclass
class StratumConfig:
    """One stratum (e.g. a calculator): its size, group, label kind and error profile."""

    name: str = MISSING_STR
    size: int = 20
    group: str = "default"
    value_kind: str = "decimal"
    value_min: float = 0.0
    value_max: float = 100.0
    n_categories: int = 0
    error_rate: float | None = None
    """Probability an original label is wrong; ``None`` draws it from the error profile."""
    underspecified_share: float | None = None
    """Share of the errors whose truth is N/A; ``None`` uses the profile's mode weights."""
    complexity: float = 1.0
    """Multiplies the median review time of the stratum's items."""


@dataclass
class ErrorProfileConfig:
    """Per-stratum error probability (a point mass at 0 plus a Beta) and the error modes."""

    zero_error_probability: float = 0.3
    beta_a: float = 1.0
    beta_b: float = 2.5
    extraction_weight: float = 0.5
    logic_weight: float = 0.3
    underspecified_weight: float = 0.2
    extraction_relative_scale: float = 0.15
    """Mean relative error of a wrong decimal beyond the agreement tolerance."""
    logic_relative_scale: float = 0.3
    """Mean relative size of a stratum's systematic shift beyond the tolerance."""
    ordinal_extra_steps_mean: float = 1.0
    """Mean extra integer steps of an ordinal error beyond the tolerance."""
    date_shift_days_mean: float = 7.0


@dataclass
class AgreementConfig:
    """The agreement rule (DESIGN.md): see :class:`sim.model.agreement.AgreementRule`."""

    ordinal_tolerance: float = 1.0
    ordinal_max_abs: float = 20.0
    relative_tolerance: float = 0.05
    zero_tolerance: float = 0.05
    date_tolerance_days: float = 0.0


@dataclass
class ScenarioConfig:
    """A benchmark to simulate: its strata, error profile and agreement rule."""

    name: str = MISSING_STR
    strata: list[StratumConfig] = field(default_factory=list)
    error_profile: ErrorProfileConfig = field(default_factory=ErrorProfileConfig)
    agreement: AgreementConfig = field(default_factory=AgreementConfig)


@dataclass
class AuditConfig:
    """The LLM audit: flags suspect originals with per-stratum sensitivity and specificity."""

    sensitivity: float = 0.85
    specificity: float = 0.85
    stratum_concentration: float = 40.0
    """Beta concentration of per-stratum values around the means; 0 means every stratum equal."""
    runs_per_item: int = 5
    usd_per_run: float = 0.03
    seconds_per_run: float = 40.0


@dataclass
class RecomputeConfig:
    """Independent LLM recomputation: k runs per item, m-of-k consensus."""

    runs_per_item: int = 5
    consensus_runs: int = 4
    run_accuracy: float = 0.88
    stratum_concentration: float = 15.0
    """Beta concentration of per-stratum run accuracy around ``run_accuracy``; 0 means equal."""
    error_correlation: float = 0.2
    """Probability that an item the original labeller got wrong is a shared blind spot, where
    the recomputation's runs fall into the same error instead of finding the truth."""
    abstain_probability: float = 0.25
    """Probability that a wrong run answers N/A rather than a wrong number."""
    systematic_error_probability: float = 0.0
    """Probability that the pipeline consistently misreads an item (outside shared blind spots):
    its runs then agree on a wrong value of their own, so consensus forms on it."""
    usd_per_run: float = 0.06
    seconds_per_run: float = 90.0


@dataclass
class RerunConfig:
    """Re-running the pipeline on a stratum with a rule an expert verdict corrected
    (amplification): LLM cost, no expert time."""

    success_probability: float = 0.8
    """Probability that the corrected rule fixes an item carrying the revealed systematic error."""
    wrong_fix_probability: float = 0.02
    """Probability that the re-run changes an item without that error into a wrong label."""
    usd_per_item: float = 0.06
    seconds_per_item: float = 90.0


@dataclass
class VerifierConfig:
    """The LLM verifiers a policy may run before experts are involved."""

    audit: AuditConfig = field(default_factory=AuditConfig)
    recompute: RecomputeConfig = field(default_factory=RecomputeConfig)
    rerun: RerunConfig = field(default_factory=RerunConfig)


@dataclass
class ExpertConfig:
    """One physician: specialties, weekly calendar, accuracy and cost."""

    name: str = MISSING_STR
    specialties: list[str] = field(default_factory=list)
    hours_per_weekday: list[float] = field(default_factory=lambda: [0.0] * 7)
    """Working hours on Monday..Sunday, one window a day starting at ``day_start_hour``."""
    day_start_hour: float = 18.0
    absence_probability: float = 0.05
    """Probability of missing any given working day (drawn per day)."""
    usd_per_hour: float = 150.0
    error_probability: float = 0.05
    """Probability that the expert's own label is wrong."""


@dataclass
class ExpertPoolConfig:
    """The pool sharing one review queue, and how long reviews take."""

    pool: list[ExpertConfig] = field(default_factory=list)
    start_date: str = "2027-01-04"
    holidays: list[str] = field(default_factory=list)
    review_minutes_median: float = 12.0
    review_minutes_sigma: float = 0.5
    outside_specialty_slowdown: float = 1.5
    double_review: bool = False
    """Every item is reviewed by two experts; a third adjudicates when they disagree."""


@dataclass
class LearningConfig:
    """``learning``: per-stratum Beta-Binomial beliefs updated on every verdict, and how items
    are chosen from them."""

    strategy: str = "ucb"
    """``thompson`` (sample the beliefs), ``ucb`` (mean + ``ucb_width`` sd) or ``greedy``."""
    ucb_width: float = 1.0
    prior_strength: float = 4.0
    """Pseudo-verdicts behind each stratum's prior, whose mean is pooled over all strata."""
    prior_original_wrong: list[float] = field(default_factory=lambda: [0.75, 0.5, 0.1])
    """Prior probability that the original is wrong on [contentious, no-consensus, agreeing]
    items (contentious: a consensus recomputation contradicts the original)."""
    prior_recompute_right: float = 0.7
    """Prior probability that a contentious item's recomputed label is right."""
    diversity: bool = True
    """Review the most promising item of every stratum first, to discover systematic modes."""


@dataclass
class AmplificationConfig:
    """``learning``: how one verdict reaches many items."""

    accept_threshold: float = 0.9
    """Accept a stratum's recomputed labels without further review once the posterior mean that
    they are right on its contentious items reaches this (after ``accept_min_verdicts``)."""
    accept_min_verdicts: int = 3
    rerun_systematic: bool = True
    """Re-run the pipeline with the corrected rule on a stratum where a verdict contradicted the
    original (the re-run fixes only items carrying a systematic error the verdict revealed)."""


@dataclass
class StoppingConfig:
    """``learning``: when expert triage stops before the budget does (0 switches a rule off)."""

    min_errors_per_expert_hour: float = 0.0
    """Stop when the last ``yield_window`` verdicts found fewer errors per expected hour."""
    yield_window: int = 20
    residual_target: float = 0.0
    """Stop when the estimated residual error rate is below this with ``confidence``."""
    confidence: float = 0.9


@dataclass
class EstimationConfig:
    """``learning``: a random audit of the items triage left, for a design-valid estimate of the
    residual error rate (and PPI++ with the verifier labels)."""

    audit_share: float = 0.2
    """Share of the expert-hour budget kept for the audit: triage stops when it would eat into
    it, then the items triage left are reviewed in a random order until the budget ends (a
    simple random sample of them). 0: no audit."""
    expert_error_probability: float | None = None
    """The experts' error rate the estimators correct for; ``None``: the pool's mean (its
    double-review equivalent with ``experts.double_review``)."""


@dataclass
class PolicyConfig:
    """Which items experts see and in what order, and which label each item keeps."""

    name: str = "phased"
    contentious_threshold: float = 0.05
    """Relative disagreement above which a recomputed label contradicts the original."""
    contentious_order: str = "decreasing"
    """``phased``, ``disagreement``: the order in which experts see the contentious items:
    ``decreasing`` disagreement (the audit's triage), ``increasing``, or ``random`` (as the
    audit's physicians sampled theirs)."""
    audit_first: bool = True
    """``phased``: review audit-flagged contentious items before the others."""
    review_rest: bool = False
    """``phased``, ``disagreement``: after the contentious items, experts go on to the rest (items
    without consensus first), until the budget or the calendar runs out."""
    learning: LearningConfig = field(default_factory=LearningConfig)
    amplification: AmplificationConfig = field(default_factory=AmplificationConfig)
    stopping: StoppingConfig = field(default_factory=StoppingConfig)
    estimation: EstimationConfig = field(default_factory=EstimationConfig)


@dataclass
class EngineConfig:
    """Which engine runs the expert-review event loop."""

    name: str = "numba"
    threads: int = 0
    """Threads for replications (numba engine); 0 uses every core. Results do not depend on it."""
    processes: int = 0
    """Processes for replications that run step by step in Python (the simpy engine, the
    ``learning`` policy); 0 uses every core. Results do not depend on it."""


@dataclass
class BudgetConfig:
    """Limits no run may exceed; ``.inf`` lifts the hour or dollar limit."""

    expert_hours: float = 40.0
    usd: float = 20000.0
    """Covers LLM verifier runs and expert time together."""
    calendar_days: int = 90


@dataclass
class OutputConfig:
    """Where results go and how much per-item detail is kept."""

    dir: str = "outputs"
    item_replications: int = 10
    """``items.parquet`` holds the first this-many replications (all items each)."""
    event_replications: int = 100
    """``events.parquet`` holds the reviews of the first this-many replications."""
    write: bool = True


@dataclass
class EvaluatedModelConfig:
    """One model evaluated on the benchmark: how often it is right, and how often it repeats
    the original labeller's error on an item whose original label is wrong."""

    name: str = MISSING_STR
    accuracy: float = 0.8
    """Probability of the true answer, on any item the model does not answer like the labeller."""
    group_accuracy: dict[str, float] = field(default_factory=dict)
    """Per-group overrides of ``accuracy`` (group name -> probability)."""
    shared_blind_spot_probability: float = 0.1
    """On an item whose original is wrong, probability that the model gives the original's
    answer (it shares the blind spot of the LLM that made the labels)."""


@dataclass
class LeaderboardConfig:
    """The evaluated models whose leaderboard the remaining label errors distort."""

    models: list[EvaluatedModelConfig] = field(default_factory=list)


@dataclass
class RLConfig:
    """The reward-noise RL experiment: per stratum a softmax policy over solution procedures
    (correct, one per error mode, abstain), trained by group-relative policy optimisation with
    rewards against the original, the maintained or the true labels."""

    enabled: bool = False
    seeds: int = 30
    """Training seeds per arm; arms share seeds, so their differences are paired."""
    label_replications: int = 1
    """The experiment runs on the labels of the first this-many replications."""
    steps: int = 1000
    group_size: int = 8
    """Samples per prompt (G); the advantage is the reward minus the group's mean."""
    prompts_per_step: int = 8
    learning_rate: float = 0.5
    """Step size on the logits, per step (the gradient is averaged over the step's samples)."""
    divide_advantage_by_std: bool = False
    kl_coefficient: float = 0.0
    """Weight of the KL(policy || starting policy) penalty; 0 turns it off."""
    reward_match: float = 1.0
    """Answer within the agreement rule's tolerance of the label, or a matching N/A."""
    reward_wrong_answer: float = 0.1
    """A well-formed (numeric) answer that does not match; anything else earns 0."""
    initial_probabilities: list[float] = field(default_factory=lambda: [0.4, 0.2, 0.2, 0.1, 0.1])
    """Starting policy over [correct, extraction error, logic error, answer anyway
    (ignore missing information), abstain]."""
    heldout_item_share: float = 0.2
    """Share of each trained stratum's items kept for evaluation."""
    heldout_strata_share: float = 0.2
    """Share of each group's strata never trained on (at least one stratum stays trained)."""


@dataclass
class DownstreamConfig:
    """What the remaining label errors do downstream: leaderboards and RL training."""

    leaderboard: LeaderboardConfig = field(default_factory=LeaderboardConfig)
    rl: RLConfig = field(default_factory=RLConfig)


@dataclass
class SweepConfig:
    """What a sweep's trial returns to the optimiser (``conf/sweep/``, ``sim/sweep/``)."""

    name: str = "sweep"
    """Names the study and its folder ``<output.dir>/sweeps/<name>``."""
    objectives: list[str] = field(default_factory=lambda: ["mean(residual_error_rate)"])
    """One statistic of a metric over the replications per direction, e.g. ``mean(total_usd)``,
    ``q90(residual_error_rate)``, ``max(calendar_days)``, or ``config(budget.expert_hours)``."""
    constraints: list[str] = field(default_factory=list)
    """``<statistic> <= <number>`` (or ``>=``); trials that break one are kept, marked
    infeasible."""
    trial: int = -1
    """Set by the sweeper: the study's trial number (-1 outside a sweep)."""


@dataclass
class RootConfig:
    """A whole scenario run: benchmark, verifiers, experts, policy, budget, replications, seed."""

    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    experts: ExpertPoolConfig = field(default_factory=ExpertPoolConfig)
    verifier: VerifierConfig = field(default_factory=VerifierConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    budget: BudgetConfig = field(default_factory=BudgetConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    downstream: DownstreamConfig = field(default_factory=DownstreamConfig)
    sweep: SweepConfig = field(default_factory=SweepConfig)
    replications: int = 100
    seed: int = 0
    progress: bool = True
