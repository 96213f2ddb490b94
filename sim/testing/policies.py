"""The policy contract as a reusable pytest suite.

Subclass :class:`PolicyContract` in a test module and set ``policy_class``; every test here then
runs against it. Example::

    class TestMyPolicy(PolicyContract):
        policy_class = MyPolicy
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from sim.config.schema import PolicyConfig, RecomputeConfig, ScenarioConfig, StratumConfig
from sim.kernels.random import stream_states
from sim.model.agreement import AgreementRule
from sim.model.benchmark import Strata, generate_benchmark
from sim.model.verifiers import AuditResult, run_recompute
from sim.policies.base import Decision, Evidence, ExpertVerdicts, Policy


def contract_evidence(seed: int = 0) -> tuple[Evidence, np.ndarray]:
    """A small mixed-kind benchmark with every verifier's output, and its truth."""
    scenario = ScenarioConfig(
        name="contract",
        strata=[
            StratumConfig(
                name="a",
                size=30,
                group="g1",
                value_kind="decimal",
                value_min=1.0,
                value_max=100.0,
                error_rate=0.4,
            ),
            StratumConfig(
                name="b",
                size=30,
                group="g2",
                value_kind="integer",
                value_min=0,
                value_max=10,
                error_rate=0.6,
            ),
            StratumConfig(
                name="c",
                size=20,
                group="g2",
                value_kind="date",
                value_min=738000,
                value_max=738400,
                error_rate=0.0,
            ),
            StratumConfig(
                name="d",
                size=20,
                group="g1",
                value_kind="categorical",
                n_categories=3,
                error_rate=1.0,
            ),
        ],
    )
    streams = stream_states(np.random.SeedSequence(seed), 3)
    strata = Strata.from_config(scenario)
    rule = AgreementRule()
    bench = generate_benchmark(strata, scenario.error_profile, rule, streams[0])
    wrong = bench.original_wrong(rule)
    rc = run_recompute(
        bench, wrong, strata, scenario.error_profile, RecomputeConfig(), rule, streams[1]
    )
    flagged = np.random.default_rng(streams[2]).random(bench.n_items) < 0.5
    audit = AuditResult(flagged=flagged, usd=0.0, llm_hours=0.0)
    evidence = Evidence.of(bench, strata.n_strata, rule, audit, rc)
    return evidence, bench.truth


def policy_stream(seed: int) -> np.ndarray:
    """A fresh policy stream state."""
    state: np.ndarray = stream_states(np.random.SeedSequence(seed), 1)[0]
    return state


class PolicyContract:
    """What every :class:`~sim.policies.base.Policy` must do."""

    policy_class: ClassVar[type[Policy]]

    def make(self) -> Policy:
        return self.policy_class(PolicyConfig(name=self.policy_class.name))

    def test_has_a_registered_name(self) -> None:
        from sim.policies import REGISTRY

        assert REGISTRY[self.policy_class.name] is self.policy_class

    def test_triage_gives_one_key_per_item(self) -> None:
        evidence, _ = contract_evidence()
        keys = self.make().triage(evidence, policy_stream(1))
        assert keys.shape == (evidence.n_items,)
        assert keys.dtype == np.float64
        assert not np.isnan(keys).any()
        finite = keys[np.isfinite(keys)]
        assert np.unique(finite).shape == finite.shape, "queued keys must be distinct"

    def test_triage_is_deterministic_given_the_generator(self) -> None:
        evidence, _ = contract_evidence()
        a = self.make().triage(evidence, policy_stream(7))
        b = self.make().triage(evidence, policy_stream(7))
        np.testing.assert_array_equal(a, b)

    def test_experts_needed_iff_something_is_queued(self) -> None:
        evidence, _ = contract_evidence()
        keys = self.make().triage(evidence, policy_stream(1))
        if not self.policy_class.needs_experts:
            assert not np.isfinite(keys).any()

    def test_finalize_gives_every_item_exactly_one_label(self) -> None:
        evidence, truth = contract_evidence()
        n = evidence.n_items
        reviewed = np.zeros(n, dtype=bool)
        reviewed[::3] = True
        verdicts = ExpertVerdicts(label=np.where(reviewed, truth, np.nan), reviewed=reviewed)
        policy = self.make()
        policy.triage(evidence, policy_stream(1))
        final, decision = policy.finalize(evidence, verdicts)
        assert final.shape == (n,)
        assert decision.shape == (n,)
        assert set(np.unique(decision).tolist()) <= {int(d) for d in Decision}
        assert np.isnan(final[decision == Decision.DROPPED]).all()
        if self.policy_class.needs_experts:
            expert = decision == Decision.EXPERT
            np.testing.assert_array_equal(expert, reviewed)
            np.testing.assert_array_equal(final[expert], truth[expert])

    def test_on_verdict_returns_matching_arrays(self) -> None:
        evidence, _ = contract_evidence()
        policy = self.make()
        policy.triage(evidence, policy_stream(1))
        items, keys = policy.on_verdict(0, 1.0)
        assert items.shape == keys.shape
        assert items.dtype.kind == "i"
