import numpy as np

from sim.runner import run_scenario
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
