"""Whole replications of the learning policy on the Numba engine: per replication, the three
GIL-free calls of :mod:`sim.kernels.learning_replication` (prepare, the event loop with the
policy's hooks, conclude), with the policy's state in fresh arrays and its generator created
from the replication's ``policy`` stream, as :meth:`LearningTriage.triage
<sim.policies.learning.LearningTriage.triage>` creates it. Replication ``r`` writes only row
``r``, so the rows do not depend on the thread count.

On a cold cache the second core compiles the loop (:func:`~sim.engines.warmup.
start_learning_helper`) while this process compiles the two other kernels: the first
replication's conclusion is compiled on a throwaway copy of its state before the loop runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from sim.engines.threads import run_interleaved
from sim.engines.warmup import await_learning_helper, learning_helper_running
from sim.kernels import learning_replication as kernel
from sim.kernels.learning import register_generator, release_generator
from sim.kernels.learning_loop import learning_review_loop
from sim.kernels.random import stream_states
from sim.kernels.replications import POLICY

if TYPE_CHECKING:
    from sim.scenario import Scenario


class LearningReplications:
    """The scenario's arrays unpacked once, and one replication at a time from a seed."""

    def __init__(self, sc: Scenario, arrays: tuple[Any, ...], estimates_at: int) -> None:
        extra = sc.policy_class.compiled_replication(sc)
        assert extra is not None
        self.stratum_minutes, self.learning, self.prior, self.params = extra
        (
            self.size,
            self.s_group,
            self.s_kind,
            self.s_lo,
            self.s_hi,
            self.s_ncat,
            self.s_rate,
            self.s_under,
            self.s_complexity,
            self.profile,
            self.rule,
            _,  # the kernel policies' flags
            _,  # the audit's numbers (learning runs no audit)
            self.recompute,
            self.specialty,
            self.pool,
            self.usd_per_hour,
            self.error_probability,
            self.hours_per_weekday,
            self.day_start_second,
            self.absence_probability,
            self.start_weekday,
            self.is_holiday,
            self.budget,
            self.model_accuracy,
            self.model_blind_spot,
        ) = arrays
        self.n_items = int(self.size.sum())
        self.n_strata = int(self.size.shape[0])
        self.estimates_at = estimates_at

    def fresh_state(self) -> tuple[NDArray[Any], ...]:
        """The policy's state before triage (:meth:`LearningTriage._state_arrays` order)."""
        n, S, C = self.n_items, self.n_strata, self.prior.shape[0]
        window = int(self.learning[kernel.L_WINDOW])
        return (
            np.zeros(n, dtype=np.bool_),  # has_verdict
            np.full(n, np.nan),  # verdict
            np.zeros(n, dtype=np.bool_),  # triage_verdict
            np.zeros((S, C)),  # beliefs: wrong
            np.zeros((S, C)),  # beliefs: seen
            np.zeros(S),  # recomputation right
            np.zeros(S),  # recomputation seen
            np.zeros(S, dtype=np.bool_),  # accepted
            np.zeros(S, dtype=np.bool_),  # rerun_requested
            np.zeros(window),  # window_wrong
            np.zeros(window),  # window_minutes
            np.zeros(3, dtype=np.int64),  # status
        )

    def run(
        self, seed: np.random.SeedSequence, out: NDArray[np.float64], board: NDArray[Any]
    ) -> None:
        """One replication from ``seed``: metrics into ``out``, accuracies into ``board``."""
        states = stream_states(seed, kernel.N_STREAMS)
        rng = np.random.default_rng(states[POLICY])
        state = self.fresh_state()
        has_verdict, _, _, wrong, seen, rc_right, rc_seen, accepted = state[:8]
        prepared = kernel.prepare(
            states,
            self.size,
            self.s_group,
            self.s_kind,
            self.s_lo,
            self.s_hi,
            self.s_ncat,
            self.s_rate,
            self.s_under,
            self.profile,
            self.rule,
            self.recompute,
            self.hours_per_weekday,
            self.day_start_second,
            self.absence_probability,
            self.start_weekday,
            self.is_holiday,
            self.stratum_minutes,
            self.learning,
            self.prior,
            self.params,
            rng,
            has_verdict,
            wrong,
            seen,
            rc_right,
            rc_seen,
            accepted,
        )
        (
            stratum,
            group,
            kind,
            truth,
            original,
            _mode,
            _runs,
            consensus,
            recomputed,
            llm_usd,
            _llm_hours,
            cls,
            contentious,
            minutes,
            keys,
            stratum_items,
            stratum_start,
            any_queued,
            window_start,
            window_end,
            offsets,
            review_key,
        ) = prepared
        n = self.n_items
        unreviewed = np.zeros(n, dtype=np.bool_)
        expert_label = np.full(n, np.nan)
        reviewed = np.zeros(n, dtype=np.bool_)
        log = np.empty((3 * n if any_queued else 0, 9))
        reviews: tuple[int, NDArray[np.int64], bool] = (0, np.zeros(0, dtype=np.int64), False)
        head = (states, *prepared[:11], cls, contentious)
        if any_queued:
            if learning_helper_running():  # compile the conclusion while the loop compiles
                self._conclude((states.copy(), *head[1:]), self.fresh_state(), log[:0], *reviews)
            await_learning_helper()
            token = register_generator(rng)
            try:
                loop: Any = learning_review_loop  # unpacked arguments, which mypy cannot count
                reviews = loop(
                    keys,
                    group,
                    kind,
                    truth,
                    stratum,
                    np.uint64(review_key),
                    self.s_lo,
                    self.s_hi,
                    self.s_ncat,
                    self.s_complexity,
                    float(self.pool[0]),
                    float(self.pool[1]),
                    self.profile,
                    self.specialty,
                    float(self.pool[2]),
                    self.usd_per_hour,
                    self.error_probability,
                    window_start,
                    window_end,
                    offsets,
                    float(self.budget[0]) * 3600.0,
                    float(self.budget[1]) - llm_usd,
                    bool(self.pool[3] > 0),
                    self.rule,
                    cls,
                    contentious,
                    minutes,
                    original,
                    consensus,
                    recomputed,
                    stratum_items,
                    stratum_start,
                    *state,
                    self.prior,
                    self.params,
                    rng,
                    token,
                    float(self.learning[kernel.L_HOURS]),
                    unreviewed,
                    log,
                    expert_label,
                    reviewed,
                )
            finally:
                release_generator(token)
        self._conclude(head, state, log, *reviews, unreviewed, expert_label, reviewed, out, board)

    def _conclude(
        self,
        head: tuple[Any, ...],
        state: tuple[NDArray[Any], ...],
        log: NDArray[np.float64],
        m: int,
        audit_items: NDArray[np.int64],
        frozen: bool,
        unreviewed: NDArray[np.bool_] | None = None,
        expert_label: NDArray[np.float64] | None = None,
        reviewed: NDArray[np.bool_] | None = None,
        out: NDArray[np.float64] | None = None,
        board: NDArray[Any] | None = None,
    ) -> None:
        """:func:`~sim.kernels.learning_replication.conclude`; without the reviews' arrays and
        the outputs, on throwaway ones (to compile it)."""
        n = self.n_items
        if unreviewed is None or expert_label is None or reviewed is None:
            unreviewed = np.zeros(n, dtype=np.bool_)
            expert_label = np.full(n, np.nan)
            reviewed = np.zeros(n, dtype=np.bool_)
        if out is None or board is None:
            out = np.full(self.estimates_at + len(kernel.ESTIMATES), np.nan)
            board = np.empty((self.model_accuracy.shape[0], 3))
        conclude: Any = kernel.conclude  # unpacked arguments, which mypy cannot count
        states, *prepared, cls, contentious = head
        has_verdict, verdict, triage_verdict, wrong, seen, rc_right, rc_seen, accepted = state[:8]
        conclude(
            states,
            self.size,
            self.s_lo,
            self.s_hi,
            self.s_ncat,
            self.profile,
            self.rule,
            self.budget,
            self.model_accuracy,
            self.model_blind_spot,
            self.learning,
            self.prior,
            self.params,
            *prepared,
            cls,
            contentious,
            has_verdict,
            verdict,
            triage_verdict,
            wrong,
            seen,
            rc_right,
            rc_seen,
            accepted,
            state[8],  # rerun_requested
            log,
            m,
            audit_items,
            frozen,
            unreviewed,
            expert_label,
            reviewed,
            out,
            board,
            out[self.estimates_at :],
        )


def run_learning_replications(
    sc: Scenario,
    seeds: list[np.random.SeedSequence],
    arrays: tuple[Any, ...],
    out: NDArray[np.float64],
    board: NDArray[np.float64],
    threads: int,
    estimates_at: int,
) -> None:
    """Replication ``r`` of ``seeds`` into ``out[r]`` and ``board[r]``, on ``threads``
    threads; the estimates go to ``out[r, estimates_at:]``."""
    replications = LearningReplications(sc, arrays, estimates_at)
    start = 0
    conclude: Any = kernel.conclude  # a Kernel: typed as the function it compiles
    if seeds and not conclude.signatures:  # kernels to compile or load: one thread
        replications.run(seeds[0], out[0], board[0])
        start = 1

    def run_share(first: int, step: int) -> None:
        for r in range(start + first, len(seeds), step):
            replications.run(seeds[r], out[r], board[r])

    run_interleaved(run_share, len(seeds) - start, threads)
