"""Queue keys that are not ranks take the array heap in the compiled event loop; keys that are
ranks wait in their ranked array. Any keys in the same order give the same reviews."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from numpy.typing import NDArray

from sim.config.schema import EngineConfig
from sim.policies.base import Evidence
from sim.policies.disagreement import DisagreementTriage
from sim.policies.phased import PhasedStewardship
from sim.replication import run_replication
from sim.scenario import build_scenario
from tests.conftest import small_config
from tests.engines.test_differential import assert_identical


def spread_keys(cls: type) -> type:
    """``cls`` with its ranks mapped to ``0.25 + 0.5 * rank``: the same order, not ranks."""

    class Spread(cls):  # type: ignore[misc, valid-type]
        def triage(self, evidence: Evidence, stream: NDArray[np.uint64]) -> NDArray[np.float64]:
            keys: NDArray[np.float64] = super().triage(evidence, stream)
            return np.where(np.isfinite(keys), 0.25 + 0.5 * keys, keys)

    return Spread


@pytest.mark.parametrize("cls", [DisagreementTriage, PhasedStewardship])
@pytest.mark.parametrize("double_review", [False, True])
def test_keys_off_the_ranks_give_the_same_reviews(cls: type, double_review: bool) -> None:
    cfg = small_config(cls.name, expert_hours=25.0, calendar_days=60)
    cfg.experts.double_review = double_review
    for seed in (0, 1, 2):
        ranked = build_scenario(dataclasses.replace(cfg, engine=EngineConfig(name="numba")))
        assert ranked.policy_class is cls
        results = [run_replication(ranked, np.random.SeedSequence(seed))]
        for engine in ("numba", "simpy"):
            sc = build_scenario(dataclasses.replace(cfg, engine=EngineConfig(name=engine)))
            sc = dataclasses.replace(sc, policy_class=spread_keys(cls))
            results.append(run_replication(sc, np.random.SeedSequence(seed)))
        assert results[0].log.item.size > 0
        for other in results[1:]:
            assert_identical(results[0], other)
