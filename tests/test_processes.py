"""Step-by-step replications in worker processes give what one process gives, row for row."""

from __future__ import annotations

import dataclasses
import multiprocessing

import numpy as np
import pytest

from sim.config.schema import EngineConfig
from sim.processes import MIN_REPLICATIONS_PER_PROCESS, Detail, processes_for, step_in_processes
from sim.runner import RunResult, replication_seeds, run_scenario
from sim.scenario import build_scenario
from tests.conftest import small_config

REPLICATIONS = 3 * MIN_REPLICATIONS_PER_PROCESS


def _run(policy: str, engine: str, processes: int) -> RunResult:
    cfg = small_config(policy)
    cfg = dataclasses.replace(cfg, engine=EngineConfig(name=engine))
    return run_scenario(
        build_scenario(cfg),
        REPLICATIONS,
        seed=5,
        item_replications=4,
        event_replications=REPLICATIONS,
        label_replications=3,
        processes=processes,
    )


def _assert_same(a: RunResult, b: RunResult) -> None:
    for name in a.metrics:
        np.testing.assert_array_equal(a.metrics[name], b.metrics[name], err_msg=name)
    np.testing.assert_array_equal(a.board, b.board)
    for kept_a, kept_b in ((a.items, b.items), (a.events, b.events)):
        assert len(kept_a) == len(kept_b)
        for cols_a, cols_b in zip(kept_a, kept_b, strict=True):
            assert cols_a.keys() == cols_b.keys()
            for key in cols_a:
                np.testing.assert_array_equal(cols_a[key], cols_b[key], err_msg=key)
    assert len(a.labels) == len(b.labels) == 3
    for res_a, res_b in zip(a.labels, b.labels, strict=True):
        np.testing.assert_array_equal(res_a.final_label, res_b.final_label)
        np.testing.assert_array_equal(res_a.log.start_second, res_b.log.start_second)


@pytest.mark.parametrize(("policy", "engine"), [("learning", "simpy"), ("phased", "simpy")])
def test_results_do_not_depend_on_the_number_of_processes(policy: str, engine: str) -> None:
    one = _run(policy, engine, 1)
    assert one.events  # the comparison covers reviews
    for processes in (2, 3):
        _assert_same(one, _run(policy, engine, processes))


def test_results_arrive_from_every_chunk_once() -> None:
    sc = build_scenario(small_config("random"))
    rows = list(range(REPLICATIONS))
    results = list(step_in_processes(sc, rows, replication_seeds(1, REPLICATIONS), Detail(), 2))
    assert sorted(r.replication for r in results) == rows
    assert all(r.items is None and r.events is None and r.full is None for r in results)


def test_few_replications_or_a_daemonic_process_stay_in_one_process() -> None:
    per = MIN_REPLICATIONS_PER_PROCESS
    assert processes_for(per - 1, 8) == 1
    assert processes_for(2 * per, 8) == 2
    assert processes_for(100 * per, 3) == 3
    with multiprocessing.get_context("fork").Pool(1) as pool:  # its workers are daemonic
        assert pool.apply(processes_for, (100 * per, 4)) == 1


def test_an_error_in_a_worker_reaches_the_caller() -> None:
    sc = build_scenario(small_config("random"))
    bad_seeds = [None] * REPLICATIONS  # not a SeedSequence: the worker's replication fails
    with pytest.raises(AttributeError, match="generate_state"):
        list(step_in_processes(sc, range(REPLICATIONS), bad_seeds, Detail(), 2))  # type: ignore[arg-type]


def test_a_worker_that_dies_is_reported_and_no_worker_is_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    from sim import processes

    real_step = processes.step

    def dies_on_row_5(sc, r, seed, detail):  # type: ignore[no-untyped-def]
        if r == 5:
            os._exit(3)
        return real_step(sc, r, seed, detail)

    monkeypatch.setattr(processes, "step", dies_on_row_5)  # the forked workers inherit it
    sc = build_scenario(small_config("random"))
    seeds = replication_seeds(1, REPLICATIONS)
    with pytest.raises(RuntimeError, match=r"a worker process died \(exit code 3\)"):
        list(step_in_processes(sc, range(REPLICATIONS), seeds, Detail(), 2))
    assert multiprocessing.active_children() == []


def test_a_caller_that_stops_early_leaves_no_worker() -> None:
    sc = build_scenario(small_config("random"))
    results = step_in_processes(
        sc, range(REPLICATIONS), replication_seeds(1, REPLICATIONS), Detail(), 2
    )
    next(results)  # the first replication, run in this process
    next(results)  # one from a worker
    results.close()  # as an interrupt in the caller's loop does
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("n_rows", [1, 2, REPLICATIONS])
def test_the_first_replication_runs_here_so_the_workers_inherit_its_kernels(
    n_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from sim import processes

    real_step = processes.step
    ran_here: list[int] = []

    def step_noting_this_process(sc, r, seed, detail):  # type: ignore[no-untyped-def]
        if os.getpid() == parent:
            ran_here.append(r)
        return real_step(sc, r, seed, detail)

    parent = os.getpid()
    monkeypatch.setattr(processes, "step", step_noting_this_process)
    sc = build_scenario(small_config("random"))
    rows = list(range(10, 10 + n_rows))
    results = list(step_in_processes(sc, rows, replication_seeds(1, n_rows), Detail(), 2))
    assert [r.replication for r in results][:1] == [10]
    assert sorted(r.replication for r in results) == rows
    assert ran_here == [10]  # the others ran in the workers
    assert multiprocessing.active_children() == []
