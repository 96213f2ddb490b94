"""The fast engine: the same event semantics as the SimPy engine, as ``@njit`` kernels.

Two ways in. :meth:`NumbaEngine.review` runs one replication's event loop: the array loop for a
policy without hooks, the loop with the policy's hooks compiled in for one that has a compiled
form of them (``learning``), else the plain-Python loop. :meth:`NumbaEngine.run_replications`
runs whole replications of a :class:`~sim.policies.base.KernelPolicy` in compiled code, on
``threads`` threads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from sim.config.validate import ConfigError
from sim.engines.base import ReviewLog, ReviewProblem
from sim.engines.compiled_learning import run_learning_replications
from sim.engines.plain_loop import PlainLoopEngine
from sim.engines.threads import available_cpus, run_interleaved
from sim.engines.warmup import (
    await_cached_kernels,
    await_learning_helper,
    start_helper,
    start_learning_helper,
    stop_learning_helper,
)
from sim.kernels import learning_replication
from sim.kernels.learning_loop import learning_review_loop
from sim.kernels.replications import run_replications
from sim.kernels.review_loop import review_loop
from sim.model.agreement import rule_array
from sim.model.benchmark import profile_array
from sim.policies.base import KernelPolicy, Policy, contentious_order_code

if TYPE_CHECKING:
    from sim.scenario import Scenario


class NumbaEngine:
    """Array event loop (:func:`sim.kernels.review_loop.review_loop`) and whole compiled
    replications (:func:`sim.kernels.replications.run_replications`)."""

    name = "numba"

    def __init__(self, threads: int = 0) -> None:
        available = available_cpus()
        if not 0 <= threads <= available:
            raise ConfigError(
                "engine.threads",
                threads,
                f"0 (all) or a count up to {available} (the CPUs this process may use)",
            )
        self.threads = threads or available

    @staticmethod
    def runs_whole(policy_class: type[Policy]) -> bool:
        """Can whole replications of this policy run in compiled code?"""
        return NumbaEngine.runs_whole_kernel_policy(policy_class) or (
            NumbaEngine.has_compiled_replication(policy_class)
        )

    @staticmethod
    def has_compiled_replication(policy_class: type[Policy]) -> bool:
        """Does the policy have a compiled replication
        (:meth:`~sim.policies.base.Policy.compiled_replication`) that stands for all of it? A
        subclass that overrides any of the steps the kernel replaces runs step by step."""
        owner = next(c for c in policy_class.__mro__ if "compiled_replication" in vars(c))
        return owner is not Policy and all(
            getattr(policy_class, step) is getattr(owner, step) for step in _REPLICATION_STEPS
        )

    @staticmethod
    def runs_whole_kernel_policy(policy_class: type[Policy]) -> bool:
        """Is it a :class:`~sim.policies.base.KernelPolicy` whose replications
        :func:`~sim.kernels.replications.run_replications` runs?"""
        return (
            issubclass(policy_class, KernelPolicy)
            and not NumbaEngine.has_python_hooks(policy_class)
            and policy_class.rerun_strata is Policy.rerun_strata
            and policy_class.estimates is Policy.estimates
        )

    @staticmethod
    def has_python_hooks(policy_class: type[Policy]) -> bool:
        """Does the policy react to events in Python (verdicts, phases)? The loop kernel cannot
        call it back: its reviews run in the loop with its hooks compiled in when it has them
        (:meth:`~sim.policies.base.Policy.compiled_hooks`), else on the plain-Python loop
        (:mod:`sim.engines.plain_loop`: same semantics, same outcomes)."""
        return any(
            getattr(policy_class, hook) is not getattr(Policy, hook)
            for hook in ("on_verdict", "on_phase_end", "reserved_seconds")
        )

    def prepare_step_by_step(self, policy_class: type[Policy], then_rl: bool = False) -> None:
        """Before replications of ``policy_class`` run step by step: on a cold cache, a policy
        whose hooks have a compiled form gets its loop compiled on the second core (then the
        RL experiment's kernels, with ``then_rl``)."""
        if policy_class.compiled_hooks is not Policy.compiled_hooks:
            start_learning_helper(then_rl)

    def review(self, problem: ReviewProblem, policy: Policy) -> ReviewLog:
        if self.has_python_hooks(type(policy)):
            hooks = policy.compiled_hooks()
            if hooks is None:
                return PlainLoopEngine().review(problem, policy)
            return _review_with_compiled_hooks(problem, policy, hooks)
        n = problem.n_items
        log = np.empty((3 * int(np.isfinite(problem.keys).sum()), 9))
        expert_label = np.full(n, np.nan)
        reviewed = np.zeros(n, dtype=np.bool_)
        loop: Any = review_loop  # called with unpacked arguments, which mypy cannot count
        m = loop(*_problem_arrays(problem), log, expert_label, reviewed)
        return _log_of(log[:m], expert_label, reviewed)

    def run_replications(
        self,
        sc: Scenario,
        seeds: list[np.random.SeedSequence],
        n_metrics: int,
        then_rl: bool = False,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Metrics ``(len(seeds), n_metrics)`` and the evaluated models' accuracies
        ``(len(seeds), M, 3)`` of whole replications, one per seed. ``then_rl``: the run goes on
        to the RL experiment, so a cold-start helper compiles its kernels too."""
        out = np.full((len(seeds), n_metrics), np.nan)  # estimate metrics stay NaN
        board = np.empty((len(seeds), sc.models.n_models, 3))
        arrays = _scenario_arrays(sc)
        if not self.runs_whole_kernel_policy(sc.policy_class):
            return self._run_policy_replications(sc, seeds, arrays, out, board, then_rl)
        pools = np.array([s.pool for s in seeds], dtype=np.uint32).reshape(len(seeds), -1)
        kernel: Any = run_replications

        def run_share(first: int, step: int) -> None:
            kernel(pools, first, step, *arrays, out, board)

        helper = start_helper(then_rl=then_rl)  # a cold cache: the second core helps
        try:
            run_interleaved(run_share, len(seeds), self.threads)
        finally:
            await_cached_kernels(helper)
        return out, board

    def _run_policy_replications(
        self,
        sc: Scenario,
        seeds: list[np.random.SeedSequence],
        arrays: tuple[Any, ...],
        out: NDArray[np.float64],
        board: NDArray[np.float64],
        then_rl: bool,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Whole replications of a policy with a compiled replication
        (:meth:`~sim.policies.base.Policy.compiled_replication`: ``learning``), three kernel
        calls each with the policy's own generator (:mod:`sim.engines.compiled_learning`), on
        ``threads`` threads."""
        from sim.metrics import METRICS, N_COMPILED_METRICS  # sim.metrics imports this package

        assert not sc.policy_class.needs_audit
        if METRICS[N_COMPILED_METRICS:] != learning_replication.ESTIMATES:
            raise RuntimeError("the learning kernel's estimates are not the last metrics")
        start_learning_helper(then_rl)  # a cold cache: the second core compiles the loop
        try:
            run_learning_replications(
                sc, seeds, arrays, out, board, self.threads, N_COMPILED_METRICS
            )
        except BaseException:  # an interrupt, say: no compiling helper is left behind
            stop_learning_helper()
            raise
        await_learning_helper()  # still running when no replication queued anything
        return out, board


_REPLICATION_STEPS = (
    "triage",
    "on_verdict",
    "reserved_seconds",
    "on_phase_end",
    "compiled_hooks",
    "after_compiled_loop",
    "rerun_strata",
    "finalize",
    "estimates",
)
"""The policy's steps a compiled replication stands for."""
_POLICY_ARRAY = 11
"""Where the policy's and the audit's arrays sit in :func:`_scenario_arrays`."""


def _scenario_arrays(sc: Scenario) -> tuple[Any, ...]:
    """The scenario as the flat arrays :func:`run_replications` takes after ``states``."""
    st, pool, cls = sc.strata, sc.pool, sc.policy_class
    au, rc = sc.verifier.audit, sc.verifier.recompute
    days = sc.budget.calendar_days
    holiday_days = {(h - pool.start_date).days for h in pool.holidays}
    kernel_id = getattr(cls, "kernel_id", -1)
    return (
        st.size,
        st.group,
        st.value_kind,
        st.value_min,
        st.value_max,
        st.n_categories,
        st.error_rate,
        st.underspecified_share,
        st.complexity,
        profile_array(sc.profile),
        rule_array(sc.rule),
        np.array(
            [
                kernel_id,
                sc.policy_config.contentious_threshold,
                float(sc.policy_config.audit_first),
                float(cls.needs_audit),
                float(cls.needs_recompute),
                float(cls.needs_experts),
                float(sc.policy_config.review_rest),
                float(contentious_order_code(sc.policy_config.contentious_order)),
            ]
        ),
        np.array(
            [
                au.sensitivity,
                au.specificity,
                au.stratum_concentration,
                au.runs_per_item,
                au.usd_per_run,
                au.seconds_per_run,
            ]
        ),
        np.array(
            [
                rc.runs_per_item,
                rc.consensus_runs,
                rc.run_accuracy,
                rc.stratum_concentration,
                rc.error_correlation,
                rc.abstain_probability,
                rc.usd_per_run,
                rc.seconds_per_run,
                rc.systematic_error_probability,
            ]
        ),
        pool.specialty,
        np.array(
            [
                pool.review_minutes_median,
                pool.review_minutes_sigma,
                pool.outside_specialty_slowdown,
                float(pool.double_review),
            ]
        ),
        pool.usd_per_hour,
        pool.error_probability,
        np.ascontiguousarray(pool.hours_per_weekday, dtype=np.float64),
        np.rint(pool.day_start_hour * 3600.0),
        pool.absence_probability,
        pool.start_date.weekday(),
        np.array([d in holiday_days for d in range(days)], dtype=np.bool_),
        np.array([sc.budget.expert_hours, sc.budget.usd]),
        sc.models.accuracy,
        sc.models.blind_spot,
    )


def _problem_arrays(problem: ReviewProblem) -> tuple[Any, ...]:
    """The review problem as the leading arguments of the loop kernels."""
    pool, cal, draws = problem.pool, problem.calendar, problem.draws
    return (
        problem.keys,
        problem.group,
        problem.value_kind,
        problem.truth,
        draws.stratum,
        draws.key,
        draws.value_min,
        draws.value_max,
        draws.n_categories,
        draws.complexity,
        draws.median_minutes,
        draws.sigma,
        draws.profile,
        pool.specialty,
        float(pool.outside_specialty_slowdown),
        pool.usd_per_hour,
        pool.error_probability,
        cal.window_start,
        cal.window_end,
        cal.offsets,
        float(problem.budget_seconds),
        float(problem.budget_usd),
        bool(pool.double_review),
        rule_array(problem.rule),
    )


def _log_of(
    rows: NDArray[np.float64], expert_label: NDArray[np.float64], reviewed: NDArray[np.bool_]
) -> ReviewLog:
    return ReviewLog(
        item=rows[:, 0].astype(np.int64),
        expert=rows[:, 1].astype(np.int64),
        stage=rows[:, 2].astype(np.int8),
        start_second=rows[:, 3].copy(),
        finish_second=rows[:, 4].copy(),
        work_seconds=rows[:, 5].copy(),
        usd=rows[:, 6].copy(),
        label=rows[:, 7].copy(),
        n_segments=rows[:, 8].astype(np.int64),
        expert_label=expert_label,
        reviewed=reviewed,
    )


def _review_with_compiled_hooks(
    problem: ReviewProblem, policy: Policy, hooks: tuple[Any, ...]
) -> ReviewLog:
    """The reviews of a policy whose hooks have a compiled form
    (:meth:`~sim.policies.base.Policy.compiled_hooks`), in
    :func:`~sim.kernels.learning_loop.learning_review_loop`."""
    await_learning_helper()  # a cold cache: the second core may be compiling the loop
    n = problem.n_items
    log = np.empty((3 * n, 9))
    expert_label = np.full(n, np.nan)
    reviewed = np.zeros(n, dtype=np.bool_)
    unreviewed = np.zeros(n, dtype=np.bool_)
    loop: Any = learning_review_loop
    try:
        m, audit_items, frozen = loop(
            *_problem_arrays(problem), *hooks, unreviewed, log, expert_label, reviewed
        )
    finally:
        policy.release_compiled_hooks()
    policy.after_compiled_loop(audit_items, unreviewed if frozen else None)
    return _log_of(log[:m], expert_label, reviewed)
