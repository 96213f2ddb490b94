"""``learning``: active-learning triage that learns from every verdict and amplifies it.

Beliefs (:mod:`sim.policies.beliefs`) per stratum and item class are updated on every verdict;
items are queued by expected corrections per expert-minute (the probability that the label the
item would keep unreviewed is wrong, over its expected review minutes), with the beliefs sampled
(``thompson``), optimistic (``ucb``) or at their means (``greedy``). Amplification: a stratum
whose recomputed labels prove reliable is accepted without further review, and a verdict that
contradicts the original asks for the stratum to be re-run with the corrected rule (which fixes
the items carrying a systematic error, when the verdict revealed one).

Phases: *triage* until the budget reaches the audit's share, a stopping rule fires, or the
queue runs dry; *draining* while started reviews finish; *audit*: the items triage left, in a
random order until the budget ends (a simple random sample of them), for design-valid estimates
of the residual error. What an
unreviewed item keeps is fixed when the audit starts (the beliefs of that moment), so the audit
measures exactly the labels the unaudited items keep."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from sim.config.schema import PolicyConfig
from sim.estimation import Counts, audit_estimate, naive_estimate, ppi_estimate
from sim.kernels import learning as kernel
from sim.kernels import learning_replication as replication_kernel
from sim.kernels.beliefs import optimistic_probabilities, queue_keys
from sim.model.agreement import agrees, rule_array
from sim.policies.base import (
    Decision,
    Evidence,
    ExpertVerdicts,
    FloatArray,
    IntArray,
    Policy,
    RerunResult,
)
from sim.policies.beliefs import CONTENTIOUS, Beliefs, item_classes

if TYPE_CHECKING:
    from sim.scenario import Scenario

TRIAGE, DRAINING, AUDIT, DONE = "triage", "draining", "audit", "done"
PHASES = {kernel.TRIAGE: TRIAGE, kernel.DRAINING: DRAINING, kernel.AUDIT: AUDIT, kernel.DONE: DONE}
FIRST_ROUND = replication_kernel.FIRST_ROUND
"""Key offset that puts each stratum's first item ahead of everything (diversity); keys are
minus corrections per minute, above -1e3 for any review of at least 0.001 minutes."""
Z_ONE_SIDED = {0.8: 0.8416, 0.9: 1.2816, 0.95: 1.6449, 0.975: 1.96, 0.99: 2.3263}


def z_one_sided(confidence: float) -> float:
    """The standard normal quantile at ``confidence`` (Acklam-free: bisection on erf)."""
    if confidence in Z_ONE_SIDED:
        return Z_ONE_SIDED[confidence]
    lo, hi = -10.0, 10.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if 0.5 * (1.0 + math.erf(mid / math.sqrt(2.0))) < confidence:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def verdict_params(
    c: PolicyConfig, expert_error: float, expert_hours_budget: float, z: float
) -> FloatArray:
    """The numbers the verdict kernels take (:mod:`sim.kernels.learning`, ``P_*``)."""
    params = np.zeros(kernel.N_PARAMS)
    params[kernel.P_STRENGTH] = c.learning.prior_strength
    params[kernel.P_PRIOR_RECOMPUTE_RIGHT] = c.learning.prior_recompute_right
    params[kernel.P_UCB_WIDTH] = c.learning.ucb_width if c.learning.strategy == "ucb" else 0.0
    params[kernel.P_ACCEPT_THRESHOLD] = c.amplification.accept_threshold
    params[kernel.P_ACCEPT_MIN_VERDICTS] = c.amplification.accept_min_verdicts
    params[kernel.P_RERUN_SYSTEMATIC] = float(c.amplification.rerun_systematic)
    params[kernel.P_MIN_ERRORS_PER_HOUR] = c.stopping.min_errors_per_expert_hour
    params[kernel.P_RESIDUAL_TARGET] = c.stopping.residual_target
    params[kernel.P_Z] = z
    params[kernel.P_EXPERT_ERROR] = expert_error
    share = c.estimation.audit_share
    params[kernel.P_AUDIT_SHARE] = share
    params[kernel.P_RESERVE_SECONDS] = share * expert_hours_budget * 3600.0
    params[kernel.P_THOMPSON] = float(c.learning.strategy == "thompson")
    return params


class LearningTriage(Policy):
    """Bayesian active-learning triage with amplification, stopping rules and a random audit.

    Example: ``python -m sim policy=learning policy.learning.strategy=ucb``."""

    name = "learning"
    needs_recompute = True

    # -- setup -------------------------------------------------------------------------------

    def triage(self, evidence: Evidence, stream: NDArray[np.uint64]) -> FloatArray:
        c = self.config
        self.ev = evidence
        self.rng = np.random.default_rng(stream)
        n, n_strata = evidence.n_items, evidence.n_strata
        self.cls = item_classes(evidence, c.contentious_threshold)
        self.contentious = self.cls == CONTENTIOUS
        minutes = evidence.expected_review_minutes
        self.minutes = np.ones(n) if minutes is None else np.asarray(minutes, dtype=np.float64)
        self.beliefs = Beliefs(
            n_strata,
            np.asarray(c.learning.prior_original_wrong, dtype=np.float64),
            c.learning.prior_recompute_right,
            c.learning.prior_strength,
        )
        rc = evidence.recompute
        assert rc is not None
        self.consensus, self.recomputed = rc.consensus, rc.label
        self._rule = rule_array(evidence.rule)
        self.has_verdict = np.zeros(n, dtype=bool)
        self.verdict = np.full(n, np.nan)
        self.triage_verdict = np.zeros(n, dtype=bool)
        self.accepted = np.zeros(n_strata, dtype=bool)
        self.rerun_requested = np.zeros(n_strata, dtype=bool)
        self.window_wrong = np.zeros(c.stopping.yield_window)
        self.window_minutes = np.zeros(c.stopping.yield_window)
        self.status = np.zeros(3, dtype=np.int64)  # phase, verdicts in the window, next slot
        self.params = self._params(evidence, z_one_sided(c.stopping.confidence))
        self.audit_items = np.zeros(0, dtype=np.int64)
        self.frozen: tuple[NDArray[np.bool_], FloatArray, NDArray[np.bool_]] | None = None
        self.stratum_items = np.argsort(evidence.stratum, kind="stable").astype(np.int64)
        self.stratum_start = np.searchsorted(
            evidence.stratum[self.stratum_items], np.arange(n_strata + 1)
        ).astype(np.int64)
        keys = self._keys(np.arange(n))
        if c.learning.diversity:
            kernel.lead_each_stratum(keys, self.stratum_items, self.stratum_start, FIRST_ROUND)
        return keys

    def _params(self, evidence: Evidence, z: float) -> FloatArray:
        """The numbers the verdict kernels take (:mod:`sim.kernels.learning`, ``P_*``)."""
        return verdict_params(
            self.config, evidence.expert_error_probability, evidence.expert_hours_budget, z
        )

    @classmethod
    def compiled_replication(cls, sc: Scenario) -> tuple[Any, ...]:
        """``stratum_minutes, learning, prior, params`` of the compiled replication
        (:mod:`sim.kernels.learning_replication`, :mod:`sim.engines.compiled_learning`): the
        numbers this policy's :meth:`triage` and :meth:`_params` derive from the scenario."""
        c = sc.policy_config
        st, pool = sc.strata, sc.pool
        has_experts = bool(pool.n_experts)
        stratum_minutes = (
            pool.expected_verdict_minutes(st.group, st.complexity)
            if has_experts
            else np.ones(st.n_strata)
        )
        error = sc.verdict_error_probability if has_experts else 0.0
        rerun = sc.verifier.rerun
        learning = np.zeros(replication_kernel.N_LEARNING)
        learning[replication_kernel.L_THRESHOLD] = c.contentious_threshold
        learning[replication_kernel.L_DIVERSITY] = float(c.learning.diversity)
        learning[replication_kernel.L_WINDOW] = c.stopping.yield_window
        learning[replication_kernel.L_HOURS] = sc.budget.expert_hours
        learning[replication_kernel.L_RERUN_SUCCESS] = rerun.success_probability
        learning[replication_kernel.L_RERUN_WRONG_FIX] = rerun.wrong_fix_probability
        learning[replication_kernel.L_RERUN_USD] = rerun.usd_per_item
        learning[replication_kernel.L_RERUN_SECONDS] = rerun.seconds_per_item
        return (
            np.ascontiguousarray(stratum_minutes, dtype=np.float64),
            learning,
            np.asarray(c.learning.prior_original_wrong, dtype=np.float64),
            verdict_params(c, error, sc.budget.expert_hours, z_one_sided(c.stopping.confidence)),
        )

    @property
    def phase(self) -> str:
        return PHASES[int(self.status[kernel.PHASE])]

    def _set_phase(self, phase: int) -> None:
        self.status[kernel.PHASE] = phase

    def _evidence_arrays(self) -> tuple[Any, ...]:
        ev = self.ev
        return (
            ev.stratum,
            self.cls,
            ev.value_kind,
            ev.original,
            self.consensus,
            self.recomputed,
            self.minutes,
            self.contentious,
            self._rule,
        )

    def _state_arrays(self) -> tuple[Any, ...]:
        b = self.beliefs
        return (
            self.has_verdict,
            self.verdict,
            self.triage_verdict,
            b.wrong,
            b.seen,
            b.rc_right,
            b.rc_seen,
            self.accepted,
            self.rerun_requested,
            self.window_wrong,
            self.window_minutes,
            self.status,
        )

    # -- beliefs -> keys -----------------------------------------------------------------------

    def _cell_probabilities(self) -> tuple[FloatArray, FloatArray]:
        """P(original wrong) ``(S, 3)`` and P(recomputed right) ``(S,)`` as the strategy uses
        them."""
        a, b = self.beliefs.original_wrong_params()
        ra, rb = self.beliefs.recompute_right_params()
        learning = self.config.learning
        if learning.strategy == "thompson":
            return self.rng.beta(a, b), self.rng.beta(ra, rb)
        width = learning.ucb_width if learning.strategy == "ucb" else 0.0
        return optimistic_probabilities(a, b, ra, rb, float(width))

    def _keys(self, items: IntArray) -> FloatArray:
        """Queue keys for ``items`` (:func:`~sim.kernels.beliefs.queue_keys`)."""
        p_ow, p_rr = self._cell_probabilities()
        return queue_keys(
            items,
            p_ow,
            p_rr,
            self.ev.stratum,
            self.cls,
            self.contentious,
            self.minutes,
            self.accepted,
            self.has_verdict,
        )

    # -- verdicts ------------------------------------------------------------------------------

    def on_verdict(self, item: int, label: float) -> tuple[IntArray, FloatArray]:
        record: Any = kernel.record_verdict  # unpacked arguments, which mypy cannot count
        action = record(
            item,
            float(label),
            *self._evidence_arrays(),
            *self._state_arrays(),
            self.beliefs.prior_original_wrong,
            self.params,
        )
        if action == kernel.STOP_TRIAGE:
            return self._stop_triage()
        if action == kernel.REQUEUE_STRATUM:
            s = int(self.ev.stratum[item])
            items = kernel.open_items_of_stratum(
                s, self.stratum_items, self.stratum_start, self.has_verdict
            )
            return items, self._keys(items)
        return np.zeros(0, dtype=np.int64), np.zeros(0)

    def _residual_upper_bound(self, confidence: float) -> float:
        """One-sided upper bound of the residual error rate the beliefs imply
        (:func:`sim.kernels.learning.residual_upper_bound`)."""
        params = self.params.copy()
        params[kernel.P_Z] = z_one_sided(confidence)
        ev, b = self.ev, self.beliefs
        return float(
            kernel.residual_upper_bound(
                ev.stratum,
                self.cls,
                self.contentious,
                self.has_verdict,
                b.wrong,
                b.seen,
                b.rc_right,
                b.rc_seen,
                b.prior_original_wrong,
                params,
            )
        )

    def _stop_triage(self) -> tuple[IntArray, FloatArray]:
        self._set_phase(kernel.DRAINING)
        items = np.flatnonzero(~self.has_verdict)
        return items, np.full(items.size, np.inf)

    # -- phases --------------------------------------------------------------------------------

    def reserved_seconds(self) -> float:
        share = self.config.estimation.audit_share
        if self.phase != TRIAGE or share == 0:
            return 0.0
        return share * self.ev.expert_hours_budget * 3600.0

    def on_phase_end(self, reason: str) -> tuple[IntArray, FloatArray]:
        nothing = np.zeros(0, dtype=np.int64), np.zeros(0)
        if self.phase == TRIAGE and reason == "reserve":
            return self._stop_triage()
        if self.phase in (TRIAGE, DRAINING):
            self._freeze()
            left = np.flatnonzero(~self.has_verdict)
            if self.config.estimation.audit_share == 0 or left.size == 0:
                self._set_phase(kernel.DONE)
                return nothing
            # The reviewed items of the audit are a simple random sample of those triage left.
            # After an early stop, the rest of the budget stays unspent.
            self._set_phase(kernel.AUDIT)
            share_minutes = self.config.estimation.audit_share * self.ev.expert_hours_budget * 60
            self.audit_items, keys = kernel.audit_sample(
                self.rng, left, self.minutes, share_minutes
            )
            return self.audit_items, keys
        self._set_phase(kernel.DONE)
        return nothing

    def compiled_hooks(self) -> tuple[Any, ...]:
        """The arguments of :func:`sim.kernels.learning_loop.learning_review_loop` after the
        review problem's; the policy's generator is registered for the audit's sample until
        :meth:`after_compiled_loop`."""
        token = kernel.register_generator(self.rng)
        return (
            self.cls,
            self.contentious,
            self.minutes,
            self.ev.original,
            self.consensus,
            self.recomputed,
            self.stratum_items,
            self.stratum_start,
            *self._state_arrays(),
            self.beliefs.prior_original_wrong,
            self.params,
            self.rng,
            token,
            float(self.ev.expert_hours_budget),
        )

    def release_compiled_hooks(self) -> None:
        kernel.release_generator(id(self.rng))

    def after_compiled_loop(
        self, audit_items: IntArray, unreviewed_at_freeze: NDArray[np.bool_] | None
    ) -> None:
        """Take what the compiled loop decided: the audit's items, and the items without a
        verdict when what unreviewed items keep was frozen (the beliefs have not changed
        since)."""
        self.audit_items = audit_items
        if unreviewed_at_freeze is not None:
            self._freeze(unreviewed_at_freeze)

    def _freeze(self, unreviewed: NDArray[np.bool_] | None = None) -> None:
        """Fix what every item without a verdict keeps: the recomputed label where the
        beliefs' means make it likelier right; and the predicted probability it is wrong
        (:func:`sim.kernels.learning_replication.frozen_predictions`, which a compiled
        replication calls too). ``unreviewed``: the items without a verdict at that moment
        (now, by default)."""
        if self.frozen is not None:
            return
        ev, b = self.ev, self.beliefs
        rc = ev.recompute
        assert rc is not None
        adopt, predicted = replication_kernel.frozen_predictions(
            ev.stratum,
            ev.value_kind,
            ev.original,
            np.ascontiguousarray(rc.runs),
            self.consensus,
            self.recomputed,
            self.cls,
            self.contentious,
            self.accepted,
            self.triage_verdict,
            self.verdict,
            b.wrong,
            b.seen,
            b.rc_right,
            b.rc_seen,
            b.prior_original_wrong,
            self.params,
            self._rule,
        )
        open_items = ~self.has_verdict if unreviewed is None else unreviewed
        self.frozen = (adopt, predicted, open_items)

    def rerun_strata(self) -> IntArray:
        return np.flatnonzero(self.rerun_requested)

    # -- final labels and estimates ------------------------------------------------------------

    def finalize(
        self, evidence: Evidence, verdicts: ExpertVerdicts, rerun: RerunResult | None = None
    ) -> tuple[FloatArray, NDArray[np.int8]]:
        self._freeze()
        assert self.frozen is not None
        adopt = self.frozen[0]
        n = evidence.n_items
        label = evidence.original.copy()
        decision = np.full(n, Decision.ORIGINAL, dtype=np.int8)
        label[adopt] = self.recomputed[adopt]
        decision[adopt] = Decision.RECOMPUTED
        accepted = self.accepted[evidence.stratum] & self.contentious
        label[accepted] = self.recomputed[accepted]
        decision[accepted] = Decision.PROPAGATED
        if rerun is not None:
            changed = rerun.rerun & ~agrees(
                rerun.label, evidence.original, evidence.value_kind, evidence.rule
            )
            label[changed] = rerun.label[changed]
            decision[changed] = Decision.PROPAGATED
        self.fallback = label.copy()
        reviewed = verdicts.reviewed
        label[reviewed] = verdicts.label[reviewed]
        decision[reviewed] = Decision.EXPERT
        return label, decision

    def estimates(
        self,
        evidence: Evidence,
        verdicts: ExpertVerdicts,
        final: FloatArray,
        decision: NDArray[np.int8],
    ) -> dict[str, float]:
        assert self.frozen is not None
        _, f, unreviewed = self.frozen
        audited = np.zeros(evidence.n_items, dtype=bool)
        audited[self.audit_items] = True
        audited &= verdicts.reviewed
        counts = Counts(
            n_kept=int((decision != Decision.DROPPED).sum()),
            reviewed=int(self.triage_verdict.sum()),
            unreviewed=int(unreviewed.sum()),
            audited=int(audited.sum()),
            expert_error=evidence.expert_error_probability,
        )

        disagree = ~agrees(self.fallback, verdicts.label, evidence.value_kind, evidence.rule)

        def contradicted(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
            return disagree[mask]

        y_audit = contradicted(audited)
        out: dict[str, float] = {"audit_items_reviewed": float(counts.audited)}
        for name, est in (
            ("naive", naive_estimate(counts, contradicted(verdicts.reviewed))),
            ("audit", audit_estimate(counts, y_audit)),
            ("ppi", ppi_estimate(counts, y_audit, f[audited], f[unreviewed])),
        ):
            out[f"residual_estimate_{name}"] = est.value
            out[f"residual_estimate_{name}_ci_low"] = est.low
            out[f"residual_estimate_{name}_ci_high"] = est.high
        return out
