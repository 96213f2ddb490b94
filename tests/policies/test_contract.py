"""Every registered policy passes the shared contract suite."""

from sim.policies import (
    DisagreementTriage,
    LearningTriage,
    NoReview,
    PhasedStewardship,
    RandomReview,
)
from sim.testing.policies import PolicyContract


class TestNone(PolicyContract):
    policy_class = NoReview


class TestRandom(PolicyContract):
    policy_class = RandomReview


class TestDisagreement(PolicyContract):
    policy_class = DisagreementTriage


class TestPhased(PolicyContract):
    policy_class = PhasedStewardship


class TestLearning(PolicyContract):
    policy_class = LearningTriage
