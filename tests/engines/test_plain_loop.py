"""The plain-Python loop takes the SimPy engine's decisions at the same instants, for every
policy (the Numba engine runs it for policies with Python hooks; the differential tests cover
those through ``engine=numba``): identical review logs, final labels and metrics."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config.schema import EngineConfig, RootConfig
from sim.engines.plain_loop import PlainLoopEngine
from sim.replication import ReplicationResult, run_replication
from sim.scenario import build_scenario
from tests.engines.test_differential import MATRIX, assert_identical, variant_config
from tests.engines.test_invariants import scenarios


def simpy_and_plain(cfg: RootConfig, seed: int) -> tuple[ReplicationResult, ReplicationResult]:
    sc = build_scenario(dataclasses.replace(cfg, engine=EngineConfig(name="simpy")))
    plain = dataclasses.replace(sc, engine=PlainLoopEngine())
    return (
        run_replication(sc, np.random.SeedSequence(seed)),
        run_replication(plain, np.random.SeedSequence(seed)),
    )


@pytest.mark.parametrize(("policy", "variant"), MATRIX)
def test_plain_loop_agrees_with_simpy_on_the_matrix(policy: str, variant: str) -> None:
    a, b = simpy_and_plain(variant_config(policy, variant), seed=2)
    assert_identical(a, b)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_plain_loop_agrees_with_simpy_on_any_small_scenario(cfg: RootConfig, seed: int) -> None:
    a, b = simpy_and_plain(cfg, seed)
    assert_identical(a, b)
