"""``disagreement``: the audit's triage alone. Experts review the items whose recomputation
contradicts the original, largest relative disagreement first (``policy.contentious_order``
chooses another order); every other item keeps its original label."""

from __future__ import annotations

from sim.kernels.policies import DISAGREEMENT
from sim.policies.base import KernelPolicy


class DisagreementTriage(KernelPolicy):
    """Review contentious items by decreasing disagreement; unreviewed keep their originals.

    Example: ``python -m sim policy=disagreement policy.contentious_threshold=0.1``."""

    name = "disagreement"
    kernel_id = DISAGREEMENT
    needs_recompute = True
