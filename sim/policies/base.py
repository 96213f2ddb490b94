"""The policy protocol: which items experts see, in what order, and which label each item keeps.

A policy never sees the truth. It gets :class:`Evidence` (originals and whatever verifiers it
asked for) and returns arrays; engines call it, never the other way round.

Contract (checked for every registered policy by :mod:`sim.testing.policies`):

* :meth:`Policy.triage` returns one float64 queue key per item; lower keys are reviewed first,
  ``inf`` keeps an item out of the queue. Randomness comes only from the ``stream`` passed in:
  a uint64[4] kernel stream state (draw with :mod:`sim.kernels.random`, or seed a NumPy
  generator with ``np.random.default_rng(stream)``).
* :meth:`Policy.on_verdict` is told every completed expert verdict, in event order, and returns
  ``(items, keys)`` to (re-)queue; items already reviewed or under review are ignored by the
  engine. It must be deterministic given the calls it has seen.
* :meth:`Policy.finalize` gives every item exactly one final label and one :class:`Decision`.

Optional hooks (the defaults do nothing; ``learning`` uses them):

* :meth:`Policy.reserved_seconds`: expert seconds of the budget the current phase must leave;
  when the next review would eat into them, or when the queue runs dry, the engine calls
  :meth:`Policy.on_phase_end`, whose ``(items, keys)`` start the next phase.
* :meth:`Policy.rerun_strata`: strata to re-run with a rule an expert verdict corrected; the
  world's :class:`RerunResult` comes back to :meth:`Policy.finalize`.
* :meth:`Policy.estimates`: the policy's estimates of what remains wrong (metric names of
  :data:`sim.metrics.ESTIMATE_METRIC_DOCS`).
* :meth:`Policy.compiled_hooks`: the hooks' state as arrays for a compiled event loop.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from sim.config.schema import PolicyConfig
from sim.kernels import policies as kernels
from sim.model.agreement import AgreementRule

if TYPE_CHECKING:
    from sim.scenario import Scenario
from sim.model.benchmark import Benchmark
from sim.model.verifiers import AuditResult, RecomputeResult

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class Decision(IntEnum):
    """How an item's final label was decided; int8 codes in result arrays."""

    ORIGINAL = 0
    RECOMPUTED = 1
    EXPERT = 2
    DROPPED = 3
    PROPAGATED = 4
    """Amplification: a stratum's recomputed labels accepted, or a corrected re-run's label."""


DECISION_NAMES: tuple[str, ...] = tuple(d.name.lower() for d in Decision)

NOT_QUEUED = np.inf


@dataclass(frozen=True)
class Evidence:
    """What a policy may look at, shape ``(n,)`` per array. No truth here, by construction."""

    stratum: NDArray[np.int32]
    group: NDArray[np.int32]
    value_kind: NDArray[np.int8]
    original: FloatArray
    n_strata: int
    rule: AgreementRule
    audit: AuditResult | None = None
    recompute: RecomputeResult | None = None
    expected_review_minutes: FloatArray | None = None
    """Expected expert minutes of each item's verdict
    (:meth:`sim.model.experts.ExpertPool.expected_verdict_minutes`), known before anyone
    reviews."""
    expert_error_probability: float = 0.0
    """The probability that a verdict is wrong (:attr:`sim.scenario.Scenario.
    verdict_error_probability`)."""
    expert_hours_budget: float = float("inf")

    @property
    def n_items(self) -> int:
        return int(self.original.shape[0])

    @classmethod
    def of(
        cls,
        bench: Benchmark,
        n_strata: int,
        rule: AgreementRule,
        audit: AuditResult | None = None,
        recompute: RecomputeResult | None = None,
        expected_review_minutes: FloatArray | None = None,
        expert_error_probability: float = 0.0,
        expert_hours_budget: float = float("inf"),
    ) -> Evidence:
        """What a policy may see of ``bench`` (everything but the truth and error modes)."""
        return cls(
            stratum=bench.stratum,
            group=bench.group,
            value_kind=bench.value_kind,
            original=bench.original,
            n_strata=n_strata,
            rule=rule,
            audit=audit,
            recompute=recompute,
            expected_review_minutes=expected_review_minutes,
            expert_error_probability=expert_error_probability,
            expert_hours_budget=expert_hours_budget,
        )


@dataclass(frozen=True)
class RerunResult:
    """The pipeline re-run with corrected rules on some strata: a label ``(n,)`` for every item
    of a re-run stratum (``rerun``), reviewed or not."""

    label: FloatArray
    rerun: NDArray[np.bool_]
    usd: float
    llm_hours: float


@dataclass(frozen=True)
class ExpertVerdicts:
    """Expert labels ``(n,)`` (meaningful where ``reviewed``; NaN is an N/A verdict)."""

    label: FloatArray
    reviewed: NDArray[np.bool_]


class Policy(ABC):
    """Base of every policy; see the module docstring for the contract."""

    name: ClassVar[str]
    needs_audit: ClassVar[bool] = False
    needs_recompute: ClassVar[bool] = False
    needs_experts: ClassVar[bool] = True

    def __init__(self, config: PolicyConfig) -> None:
        self.config = config

    @abstractmethod
    def triage(self, evidence: Evidence, stream: NDArray[np.uint64]) -> FloatArray:
        """Queue keys ``(n,)``: lower first, :data:`NOT_QUEUED` for items experts never see.
        ``stream`` is this replication's policy stream (advanced in place)."""

    def on_verdict(self, item: int, label: float) -> tuple[IntArray, FloatArray]:
        """Learn from one verdict; return items to (re-)queue with their new keys."""
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)

    def reserved_seconds(self) -> float:
        """Expert seconds of the budget the current phase must leave for a later one."""
        return 0.0

    def on_phase_end(self, reason: str) -> tuple[IntArray, FloatArray]:
        """The current phase cannot go on (``reason``: ``"reserve"``, the next review would eat
        into :meth:`reserved_seconds`; ``"queue_empty"``); return the next phase's items and
        keys, or nothing to end the run."""
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)

    def rerun_strata(self) -> IntArray:
        """Strata whose pipeline should be re-run with a rule a verdict corrected."""
        return np.zeros(0, dtype=np.int64)

    def compiled_hooks(self) -> tuple[Any, ...] | None:
        """The policy's state and numbers for a compiled event loop that runs its hooks
        (``learning``: :func:`sim.kernels.learning_loop.learning_review_loop`), or None: the
        Numba engine then runs its reviews on the plain-Python loop."""
        return None

    @classmethod
    def compiled_replication(cls, sc: Scenario) -> tuple[Any, ...] | None:
        """The policy's numbers for a whole compiled replication of ``sc`` (``learning``:
        :mod:`sim.kernels.learning_replication`), or None: the Numba
        engine then runs its replications step by step (or as a :class:`KernelPolicy`)."""
        return None

    def release_compiled_hooks(self) -> None:
        """The compiled loop is over (finished or failed): drop what :meth:`compiled_hooks`
        set up (nothing by default)."""
        return None

    def after_compiled_loop(
        self, audit_items: IntArray, unreviewed_at_freeze: NDArray[np.bool_] | None
    ) -> None:
        """Take over what the compiled loop decided for the policy (see
        :meth:`compiled_hooks`)."""
        raise NotImplementedError(f"policy {self.name!r} has no compiled hooks")

    @abstractmethod
    def finalize(
        self, evidence: Evidence, verdicts: ExpertVerdicts, rerun: RerunResult | None = None
    ) -> tuple[FloatArray, NDArray[np.int8]]:
        """Final label ``(n,)`` and :class:`Decision` code ``(n,)`` of every item."""

    def estimates(
        self,
        evidence: Evidence,
        verdicts: ExpertVerdicts,
        final: FloatArray,
        decision: NDArray[np.int8],
    ) -> dict[str, float]:
        """Estimates of the maintained labels' residual error (none by default)."""
        return {}


def contentious_order_code(name: str) -> int:
    """The kernels' code of ``policy.contentious_order`` (checked by the config's validation)."""
    return kernels.CONTENTIOUS_ORDERS.index(name)


class KernelPolicy(Policy):
    """A policy whose triage and final-label rules are kernels of
    :mod:`sim.kernels.policies` (selected by ``kernel_id``), so the Numba engine can run whole
    replications of it in compiled code. Subclasses only declare their traits."""

    kernel_id: ClassVar[int]

    def _verifier_arrays(
        self, evidence: Evidence
    ) -> tuple[NDArray[np.bool_], NDArray[np.bool_], FloatArray]:
        n = evidence.n_items
        flagged = evidence.audit.flagged if evidence.audit else np.zeros(n, dtype=np.bool_)
        rc = evidence.recompute
        if rc is None and self.needs_recompute:
            raise ValueError(f"policy {self.name!r} needs the recomputation verifier's results")
        consensus = rc.consensus if rc else np.zeros(n, dtype=np.bool_)
        recomputed = rc.label if rc else np.full(n, np.nan)
        return flagged, consensus, recomputed

    def triage(self, evidence: Evidence, stream: NDArray[np.uint64]) -> FloatArray:
        flagged, consensus, recomputed = self._verifier_arrays(evidence)
        keys = np.empty(evidence.n_items)
        kernels.triage_keys(
            self.kernel_id,
            evidence.original,
            evidence.value_kind,
            flagged,
            consensus,
            recomputed,
            self.config.contentious_threshold,
            contentious_order_code(self.config.contentious_order),
            self.config.audit_first,
            self.config.review_rest,
            stream,
            keys,
        )
        return keys

    def finalize(
        self, evidence: Evidence, verdicts: ExpertVerdicts, rerun: RerunResult | None = None
    ) -> tuple[FloatArray, NDArray[np.int8]]:
        _, consensus, recomputed = self._verifier_arrays(evidence)
        n = evidence.n_items
        final = np.empty(n)
        decision = np.empty(n, dtype=np.int8)
        kernels.finalize(
            self.kernel_id,
            verdicts.reviewed,
            verdicts.label,
            evidence.original,
            consensus,
            recomputed,
            final,
            decision,
        )
        return final, decision
