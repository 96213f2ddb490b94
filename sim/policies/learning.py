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
from collections import deque

import numpy as np
from numpy.typing import NDArray

from sim.estimation import Counts, audit_estimate, naive_estimate, ppi_estimate
from sim.kernels.agreement import agrees_one
from sim.kernels.beliefs import fallback_wrong, optimistic_probabilities, queue_keys
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
from sim.policies.beliefs import CONTENTIOUS, Beliefs, beta_mean_sd, item_classes
from sim.policies.predictor import features, predicted_wrong

TRIAGE, DRAINING, AUDIT, DONE = "triage", "draining", "audit", "done"
FIRST_ROUND = 1.0e3
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
        self.window: deque[tuple[bool, float]] = deque(maxlen=c.stopping.yield_window)
        self.phase = TRIAGE
        self.audit_items = np.zeros(0, dtype=np.int64)
        self.frozen: tuple[NDArray[np.bool_], FloatArray, NDArray[np.bool_]] | None = None
        self.by_stratum = [np.flatnonzero(evidence.stratum == s) for s in range(n_strata)]
        keys = self._keys(np.arange(n))
        if c.learning.diversity:
            for items in self.by_stratum:
                if items.size:
                    first = items[np.argmin(keys[items])]
                    keys[first] -= FIRST_ROUND
        return keys

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

    def _fallback(
        self, items: IntArray, p_ow: FloatArray, p_rr: FloatArray
    ) -> tuple[FloatArray, NDArray[np.bool_]]:
        return fallback_wrong(items, p_ow, p_rr, self.ev.stratum, self.cls, self.contentious)

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
        self.has_verdict[item] = True
        self.verdict[item] = label
        if self.phase in (AUDIT, DONE):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        self.triage_verdict[item] = True
        kind = int(self.ev.value_kind[item])
        s, cls = int(self.ev.stratum[item]), int(self.cls[item])
        original_wrong = not agrees_one(float(self.ev.original[item]), label, kind, self._rule)
        recompute_right = bool(self.consensus[item]) and agrees_one(
            float(self.recomputed[item]), label, kind, self._rule
        )
        self.beliefs.update(s, cls, original_wrong, recompute_right)
        self.window.append((original_wrong, float(self.minutes[item])))
        amp = self.config.amplification
        if original_wrong and amp.rerun_systematic:
            self.rerun_requested[s] = True
        if cls == CONTENTIOUS and not self.accepted[s]:
            ra, rb = self.beliefs.recompute_right_params()
            if (
                self.beliefs.rc_seen[s] >= amp.accept_min_verdicts
                and ra[s] / (ra[s] + rb[s]) >= amp.accept_threshold
            ):
                self.accepted[s] = True
        if self.phase == TRIAGE and self._should_stop():
            return self._stop_triage()
        if self.phase != TRIAGE:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        items = self.by_stratum[s][~self.has_verdict[self.by_stratum[s]]]
        return items, self._keys(items)

    def _should_stop(self) -> bool:
        st = self.config.stopping
        if st.min_errors_per_expert_hour > 0 and len(self.window) == self.window.maxlen:
            found = sum(w for w, _ in self.window)
            hours = sum(m for _, m in self.window) / 60.0
            if found / hours < st.min_errors_per_expert_hour:
                return True
        if st.residual_target > 0:
            return self._residual_upper_bound(st.confidence) < st.residual_target
        return False

    def _residual_upper_bound(self, confidence: float) -> float:
        """One-sided upper bound of the residual error rate implied by the beliefs: expected
        errors of unreviewed items (their cells' posterior means) and of verdicts, with the
        cells' posterior variance and the items' binomial variance."""
        a, b = self.beliefs.original_wrong_params()
        ra, rb = self.beliefs.recompute_right_params()
        p_ow, sd_ow = beta_mean_sd(a, b)
        p_rr, sd_rr = beta_mean_sd(ra, rb)
        open_items = np.flatnonzero(~self.has_verdict)
        p, adopt = self._fallback(open_items, p_ow, p_rr)
        s, cls = self.ev.stratum[open_items], self.cls[open_items]
        sd = np.where(adopt, sd_rr[s], sd_ow[s, cls])
        cell = np.where(adopt, s * 4 + 3, s * 4 + cls)
        n_cells = 4 * self.ev.n_strata
        per_cell = np.bincount(cell, weights=sd, minlength=n_cells).astype(np.float64)
        count = np.bincount(cell, minlength=n_cells).astype(np.float64)
        cell_sd = np.divide(per_cell, count, out=np.zeros(n_cells), where=count > 0)
        e = self.ev.expert_error_probability
        reviewed = float(self.has_verdict.sum())
        mean = float(p.sum()) + e * reviewed
        var = float(((count * cell_sd) ** 2).sum() + (p * (1 - p)).sum()) + e * (1 - e) * reviewed
        return (mean + z_one_sided(confidence) * math.sqrt(var)) / self.ev.n_items

    def _stop_triage(self) -> tuple[IntArray, FloatArray]:
        self.phase = DRAINING
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
                self.phase = DONE
                return nothing
            # The items left in a random order, as many as the audit's share could buy (a
            # quarter more, so the budget rather than the count usually ends it): the reviewed
            # ones are a simple random sample of them. After an early stop, the rest of the
            # budget stays unspent.
            self.phase = AUDIT
            share_minutes = self.config.estimation.audit_share * self.ev.expert_hours_budget * 60
            k = min(left.size, math.ceil(1.25 * share_minutes / float(self.minutes[left].mean())))
            self.audit_items = np.sort(self.rng.choice(left, size=k, replace=False))
            return self.audit_items, self.rng.permutation(k).astype(np.float64)
        self.phase = DONE
        return nothing

    def _freeze(self) -> None:
        """Fix what every item without a verdict keeps: the recomputed label where the
        beliefs' means make it likelier right; and the predicted probability it is wrong."""
        if self.frozen is not None:
            return
        a, b = self.beliefs.original_wrong_params()
        ra, rb = self.beliefs.recompute_right_params()
        p_ow, _ = beta_mean_sd(a, b)
        p_rr, _ = beta_mean_sd(ra, rb)
        f_cell, adopt = self._fallback(np.arange(self.ev.n_items), p_ow, p_rr)
        kept = np.where(
            adopt | (self.accepted[self.ev.stratum] & self.contentious),
            self.recomputed,
            self.ev.original,
        )
        self.frozen = (adopt, self._predict(kept, f_cell), ~self.has_verdict)

    def _predict(self, kept: FloatArray, f_cell: FloatArray) -> FloatArray:
        """Item-level P(the kept label is wrong) for PPI++, learnt from triage's verdicts."""
        ev = self.ev
        rc = ev.recompute
        assert rc is not None
        runs = rc.runs
        kinds = np.repeat(ev.value_kind[:, None], runs.shape[1], axis=1)
        support = agrees(runs, kept[:, None], kinds, ev.rule).mean(axis=1)
        x = features(f_cell, support, self.cls)
        trained = self.triage_verdict
        y = np.zeros(ev.n_items, dtype=bool)
        y[trained] = ~agrees(kept[trained], self.verdict[trained], ev.value_kind[trained], ev.rule)
        return predicted_wrong(x, trained, y, f_cell)

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

        def contradicted(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
            return ~agrees(
                self.fallback[mask], verdicts.label[mask], evidence.value_kind[mask], evidence.rule
            )

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
