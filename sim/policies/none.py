"""``none``: no review at all; every item keeps its original label (the baseline)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.policies.base import NOT_QUEUED, Decision, Evidence, ExpertVerdicts, FloatArray, Policy


class NoReview(Policy):
    """Keep the originals.

    Example: ``python -m sim policy=none``."""

    name = "none"
    needs_experts = False

    def triage(self, evidence: Evidence, stream: NDArray[np.uint64]) -> FloatArray:
        return np.full(evidence.n_items, NOT_QUEUED)

    def finalize(
        self, evidence: Evidence, verdicts: ExpertVerdicts
    ) -> tuple[FloatArray, NDArray[np.int8]]:
        return evidence.original.copy(), np.full(evidence.n_items, Decision.ORIGINAL, np.int8)
