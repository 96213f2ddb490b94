"""``disagreement``: the audit's triage alone. Experts review the items whose recomputation
contradicts the original, largest relative disagreement first; every other item keeps its
original label."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.policies.base import (
    Decision,
    Evidence,
    ExpertVerdicts,
    FloatArray,
    Policy,
    expert_else,
    order_keys,
)
from sim.policies.triage import contentious, disagreement_with_original


class DisagreementTriage(Policy):
    """Review contentious items by decreasing disagreement; unreviewed keep their originals.

    Example: ``python -m sim policy=disagreement policy.contentious_threshold=0.1``."""

    name = "disagreement"
    needs_recompute = True

    def triage(self, evidence: Evidence, stream: NDArray[np.uint64]) -> FloatArray:
        d = disagreement_with_original(evidence)
        return order_keys(
            -np.nan_to_num(d, nan=0.0), queued=contentious(d, self.config.contentious_threshold)
        )

    def finalize(
        self, evidence: Evidence, verdicts: ExpertVerdicts
    ) -> tuple[FloatArray, NDArray[np.int8]]:
        return expert_else(verdicts, evidence.original, Decision.ORIGINAL)
