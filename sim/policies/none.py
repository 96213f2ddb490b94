"""``none``: no review at all; every item keeps its original label (the baseline)."""

from __future__ import annotations

from sim.kernels.policies import NONE
from sim.policies.base import KernelPolicy


class NoReview(KernelPolicy):
    """Keep the originals.

    Example: ``python -m sim policy=none``."""

    name = "none"
    kernel_id = NONE
    needs_experts = False
