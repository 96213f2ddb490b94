"""``random``: experts review items in uniformly random order; the rest keep their originals."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.kernels.random import permutation
from sim.policies.base import Decision, Evidence, ExpertVerdicts, FloatArray, Policy, expert_else


class RandomReview(Policy):
    """Uniform random review order, no verifiers. Its reviews are a simple random sample, so
    the error rate they show is an unbiased estimate of the originals' error rate.

    Example: ``python -m sim policy=random``."""

    name = "random"

    def triage(self, evidence: Evidence, stream: NDArray[np.uint64]) -> FloatArray:
        return permutation(stream, evidence.n_items).astype(np.float64)

    def finalize(
        self, evidence: Evidence, verdicts: ExpertVerdicts
    ) -> tuple[FloatArray, NDArray[np.int8]]:
        return expert_else(verdicts, evidence.original, Decision.ORIGINAL)
