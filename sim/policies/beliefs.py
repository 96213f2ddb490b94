"""Beta-Binomial beliefs of a learning policy, per stratum and item class.

Item classes: ``CONTENTIOUS`` (a consensus recomputation contradicts the original),
``NO_CONSENSUS`` (the recomputation did not reach consensus) and ``AGREEING`` (it agrees). Per
stratum and class a Beta belief that the original is wrong; per stratum a Beta belief that a
contentious item's recomputed label is right. A stratum's prior is centred on the pooled rate of
the strata (partial pooling: what one stratum teaches moves the others' priors a little) with
``strength`` pseudo-verdicts; the pooled rate averages the observed strata's rates, one vote
each, with the configured prior as ``strength`` votes, so one busy stratum cannot set it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sim.kernels.beliefs import original_wrong_params, recompute_right_params
from sim.kernels.learning import AGREEING, CONTENTIOUS, NO_CONSENSUS, update_beliefs
from sim.policies.base import Evidence, FloatArray
from sim.policies.triage import contentious, disagreement_with_original

N_CLASSES = 3
__all__ = [
    "AGREEING",
    "CONTENTIOUS",
    "NO_CONSENSUS",
    "N_CLASSES",
    "Beliefs",
    "beta_mean_sd",
    "item_classes",
]


def item_classes(evidence: Evidence, threshold: float) -> NDArray[np.int8]:
    """Each item's class ``(n,)`` from the recomputation (``threshold`` as in the triage rule)."""
    d = disagreement_with_original(evidence)
    cls = np.full(evidence.n_items, AGREEING, dtype=np.int8)
    cls[np.isnan(d)] = NO_CONSENSUS
    cls[contentious(d, threshold)] = CONTENTIOUS
    return cls


@dataclass
class Beliefs:
    """Verdict counts per (stratum, class) and the priors they update."""

    n_strata: int
    prior_original_wrong: FloatArray
    """``(3,)`` prior means per class."""
    prior_recompute_right: float
    strength: float
    wrong: FloatArray = field(init=False)
    """``(S, 3)`` verdicts that contradicted the original."""
    seen: FloatArray = field(init=False)
    """``(S, 3)`` verdicts."""
    rc_right: FloatArray = field(init=False)
    """``(S,)`` contentious verdicts that agreed with the recomputed label."""
    rc_seen: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        self.wrong = np.zeros((self.n_strata, N_CLASSES))
        self.seen = np.zeros((self.n_strata, N_CLASSES))
        self.rc_right = np.zeros(self.n_strata)
        self.rc_seen = np.zeros(self.n_strata)

    def update(self, stratum: int, cls: int, original_wrong: bool, recompute_right: bool) -> None:
        """One verdict on an item of ``stratum`` and class ``cls``
        (:func:`sim.kernels.learning.update_beliefs`, which the policy's verdict kernel calls)."""
        update_beliefs(
            stratum,
            cls,
            original_wrong,
            recompute_right,
            self.wrong,
            self.seen,
            self.rc_right,
            self.rc_seen,
        )

    def original_wrong_params(self) -> tuple[FloatArray, FloatArray]:
        """Beta ``(a, b)`` per (stratum, class), each ``(S, 3)``."""
        return original_wrong_params(
            self.wrong, self.seen, self.prior_original_wrong, float(self.strength)
        )

    def recompute_right_params(self) -> tuple[FloatArray, FloatArray]:
        """Beta ``(a, b)`` per stratum, each ``(S,)``."""
        return recompute_right_params(
            self.rc_right, self.rc_seen, float(self.prior_recompute_right), float(self.strength)
        )


def beta_mean_sd(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    n = a + b
    return a / n, np.sqrt(a * b / (n * n * (n + 1.0)))
