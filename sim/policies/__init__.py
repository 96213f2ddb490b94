"""Review policies, one module each, registered by name."""

from sim.policies.base import (
    DECISION_NAMES,
    NOT_QUEUED,
    Decision,
    Evidence,
    ExpertVerdicts,
    KernelPolicy,
    Policy,
    RerunResult,
)
from sim.policies.disagreement import DisagreementTriage
from sim.policies.learning import LearningTriage
from sim.policies.none import NoReview
from sim.policies.phased import PhasedStewardship
from sim.policies.random import RandomReview

REGISTRY: dict[str, type[Policy]] = {
    cls.name: cls
    for cls in (NoReview, RandomReview, DisagreementTriage, PhasedStewardship, LearningTriage)
}


def policy_class(name: str) -> type[Policy]:
    """The policy registered as ``name``; KeyError lists the known names."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(
            f"unknown policy {name!r}; expected one of {', '.join(sorted(REGISTRY))}"
        ) from None


__all__ = [
    "DECISION_NAMES",
    "NOT_QUEUED",
    "REGISTRY",
    "Decision",
    "DisagreementTriage",
    "Evidence",
    "ExpertVerdicts",
    "KernelPolicy",
    "LearningTriage",
    "NoReview",
    "PhasedStewardship",
    "Policy",
    "RandomReview",
    "RerunResult",
    "policy_class",
]
