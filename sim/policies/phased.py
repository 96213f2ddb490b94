"""``phased``: the audit's three phases. An LLM audit flags suspects, an independent
recomputation relabels every item under m-of-k consensus, and physicians review the contentious
items (consensus that contradicts the original), audit-flagged first, then by decreasing
disagreement. Final label: the physician's where reviewed, else the recomputed one where there is
consensus, else the item is dropped."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.policies.base import (
    Decision,
    Evidence,
    ExpertVerdicts,
    FloatArray,
    Policy,
    order_keys,
)
from sim.policies.triage import contentious, disagreement_with_original


class PhasedStewardship(Policy):
    """Audit, recomputation with consensus, physicians on the contentious items.

    Example: ``python -m sim policy=phased policy.audit_first=false``."""

    name = "phased"
    needs_audit = True
    needs_recompute = True

    def triage(self, evidence: Evidence, stream: NDArray[np.uint64]) -> FloatArray:
        d = disagreement_with_original(evidence)
        queued = contentious(d, self.config.contentious_threshold)
        by_disagreement = -np.nan_to_num(d, nan=0.0)
        if self.config.audit_first and evidence.audit is not None:
            return order_keys(~evidence.audit.flagged, by_disagreement, queued=queued)
        return order_keys(by_disagreement, queued=queued)

    def finalize(
        self, evidence: Evidence, verdicts: ExpertVerdicts
    ) -> tuple[FloatArray, NDArray[np.int8]]:
        rc = evidence.recompute
        assert rc is not None
        final = np.where(verdicts.reviewed, verdicts.label, rc.label)
        decision = np.where(
            verdicts.reviewed,
            Decision.EXPERT,
            np.where(rc.consensus, Decision.RECOMPUTED, Decision.DROPPED),
        ).astype(np.int8)
        final = np.where(decision == Decision.DROPPED, np.nan, final)
        return final, decision
