"""``phased``: the audit's three phases. An LLM audit flags suspects, an independent
recomputation relabels every item under m-of-k consensus, and physicians review the contentious
items (consensus that contradicts the original), audit-flagged first, then by decreasing
disagreement (``policy.contentious_order``: or increasing, or random). Final label: the
physician's where reviewed, else the recomputed one where there is consensus, else the item is
dropped."""

from __future__ import annotations

from sim.kernels.policies import PHASED
from sim.policies.base import KernelPolicy


class PhasedStewardship(KernelPolicy):
    """Audit, recomputation with consensus, physicians on the contentious items.

    Example: ``python -m sim policy=phased policy.audit_first=false``."""

    name = "phased"
    kernel_id = PHASED
    needs_audit = True
    needs_recompute = True
