import dataclasses

import numpy as np
import pytest

from sim.config.schema import EngineConfig, RootConfig
from sim.runner import RunResult, run_scenario
from sim.scenario import build_scenario
from tests.conftest import small_config


def test_same_seed_same_results_other_seed_different() -> None:
    sc = build_scenario(small_config("phased"))
    a = run_scenario(sc, 4, seed=11)
    b = run_scenario(sc, 4, seed=11)
    c = run_scenario(sc, 4, seed=12)
    for name in a.metrics:
        np.testing.assert_array_equal(a.metrics[name], b.metrics[name])
    assert not np.array_equal(a.metrics["original_errors"], c.metrics["original_errors"])


def test_replication_r_does_not_depend_on_how_many_run() -> None:
    sc = build_scenario(small_config("random"))
    few = run_scenario(sc, 2, seed=3)
    many = run_scenario(sc, 6, seed=3)
    for name in few.metrics:
        np.testing.assert_array_equal(few.metrics[name], many.metrics[name][:2])


def test_policies_share_the_world_common_random_numbers() -> None:
    per_policy = {
        p: run_scenario(build_scenario(small_config(p)), 4, seed=9).metrics
        for p in ("none", "random", "disagreement", "phased")
    }
    base = per_policy["none"]["original_errors"]
    for m in per_policy.values():
        np.testing.assert_array_equal(m["original_errors"], base)


def compiled_equal_to_simpy(cfg: RootConfig) -> RunResult:
    """12 compiled replications of ``cfg`` (the Numba engine), checked metric by metric
    against the SimPy engine's."""
    fast = run_scenario(build_scenario(cfg), 12, seed=4, item_replications=0, event_replications=0)
    ref_cfg = dataclasses.replace(cfg, engine=EngineConfig(name="simpy"))
    ref = run_scenario(build_scenario(ref_cfg), 12, seed=4)
    for name in ref.metrics:
        np.testing.assert_array_equal(fast.metrics[name], ref.metrics[name], err_msg=name)
    return fast


def test_compiled_replications_equal_the_simpy_engine_for_every_policy() -> None:
    for policy in ("none", "random", "disagreement", "phased", "learning"):
        cfg = small_config(policy)
        cfg.experts.double_review = policy == "random"
        compiled_equal_to_simpy(cfg)


@pytest.mark.parametrize("order", ["increasing", "random"])
@pytest.mark.parametrize("policy", ["disagreement", "phased"])
def test_compiled_replications_equal_the_simpy_engine_in_every_contentious_order(
    policy: str, order: str
) -> None:
    cfg = small_config(policy)
    cfg.policy.contentious_order = order
    fast = compiled_equal_to_simpy(cfg)
    cfg.policy.contentious_order = "decreasing"
    default = run_scenario(build_scenario(cfg), 12, seed=4, item_replications=0)
    changed = [
        k for k in fast.metrics if not np.array_equal(fast.metrics[k], default.metrics[k], True)
    ]
    assert changed, f"contentious_order={order} left every compiled metric as decreasing"


@pytest.mark.parametrize("policy", ["phased", "learning"])
def test_results_do_not_depend_on_the_thread_count(policy: str) -> None:
    cfg = small_config(policy)
    runs = []
    for threads in (1, 2):
        cfg.engine.threads = threads
        runs.append(
            run_scenario(build_scenario(cfg), 13, seed=8, item_replications=0, event_replications=0)
        )
    for name in runs[0].metrics:
        np.testing.assert_array_equal(runs[0].metrics[name], runs[1].metrics[name])


def test_stream_states_are_pure_and_distinct() -> None:
    from sim.kernels.random import stream_states

    seeds = np.random.SeedSequence(3).spawn(2)
    first = stream_states(seeds[1], 6)
    np.testing.assert_array_equal(first, stream_states(seeds[1], 6))
    both = np.concatenate([stream_states(seeds[0], 6), first])
    assert np.unique(both, axis=0).shape[0] == 12, "every component of every replication differs"
