"""``random``: experts review items in uniformly random order; the rest keep their originals."""

from __future__ import annotations

from sim.kernels.policies import RANDOM
from sim.policies.base import KernelPolicy


class RandomReview(KernelPolicy):
    """Uniform random review order, no verifiers. Its reviews are a simple random sample, so
    the error rate they show is an unbiased estimate of the originals' error rate.

    Example: ``python -m sim policy=random``."""

    name = "random"
    kernel_id = RANDOM
