"""The audit's triage rule, shared by the policies that use the recomputation."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.model.agreement import relative_disagreement
from sim.policies.base import Evidence, FloatArray


def disagreement_with_original(evidence: Evidence) -> FloatArray:
    """Relative disagreement ``(n,)`` of the consensus recomputed label with the original
    (``inf`` for an N/A recomputation or a date/category mismatch; ``NaN`` without consensus)."""
    rc = evidence.recompute
    if rc is None:
        raise ValueError("this policy needs the recomputation verifier's results")
    d = relative_disagreement(rc.label, evidence.original, evidence.value_kind)
    return np.where(rc.consensus, d, np.nan)


def contentious(disagreement: FloatArray, threshold: float) -> NDArray[np.bool_]:
    """Items whose recomputation reached consensus and contradicts the original by more than
    ``threshold`` (an N/A recomputation always does)."""
    return np.nan_to_num(disagreement, nan=0.0) > threshold
