"""The audit's triage rule as array helpers (the kernels in :mod:`sim.kernels.policies` apply
it inside policies)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.kernels.policies import disagreement
from sim.policies.base import Evidence, FloatArray


def disagreement_with_original(evidence: Evidence) -> FloatArray:
    """Relative disagreement ``(n,)`` of the consensus recomputed label with the original
    (``inf`` for an N/A recomputation or a date/category mismatch; ``NaN`` without consensus)."""
    rc = evidence.recompute
    if rc is None:
        raise ValueError("this needs the recomputation verifier's results")
    out = np.empty(evidence.n_items)
    disagreement(evidence.original, evidence.value_kind, rc.consensus, rc.label, out)
    return out


def contentious(disagreement: FloatArray, threshold: float) -> NDArray[np.bool_]:
    """Items whose recomputation reached consensus and contradicts the original by more than
    ``threshold`` (an N/A recomputation always does)."""
    return np.nan_to_num(disagreement, nan=0.0) > threshold
