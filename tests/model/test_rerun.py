"""Re-running a stratum's pipeline with a corrected rule."""

from __future__ import annotations

import math

import numpy as np

from sim.config.schema import ErrorProfileConfig, RerunConfig, ScenarioConfig, StratumConfig
from sim.model.agreement import AgreementRule, agrees
from sim.model.benchmark import Strata, generate_benchmark
from sim.model.errors import ErrorMode
from sim.model.rerun import rerun_corrected
from tests.conftest import stream


def world() -> tuple[Strata, object]:
    scenario = ScenarioConfig(
        name="r",
        strata=[
            StratumConfig(name=f"s{i}", size=40, value_min=1.0, value_max=100.0, error_rate=0.6)
            for i in range(3)
        ],
        error_profile=ErrorProfileConfig(
            extraction_weight=0.3, logic_weight=0.6, underspecified_weight=0.1
        ),
    )
    strata = Strata.from_config(scenario)
    bench = generate_benchmark(strata, scenario.error_profile, AgreementRule(), stream(4))
    return strata, bench


def run(bench, strata, requested, reviewed, cfg, usd_left=math.inf):  # type: ignore[no-untyped-def]
    return rerun_corrected(
        bench,
        strata,
        np.asarray(requested, dtype=np.int64),
        np.where(reviewed, bench.truth, np.nan),
        reviewed,
        ErrorProfileConfig(),
        AgreementRule(),
        cfg,
        stream(9),
        usd_left=usd_left,
    )


def test_a_revealed_logic_error_fixes_the_stratum_and_nothing_else() -> None:
    strata, bench = world()
    logic = bench.error_mode == ErrorMode.LOGIC
    first = int(np.flatnonzero(logic & (bench.stratum == 0))[0])
    reviewed = np.zeros(bench.n_items, dtype=bool)
    reviewed[first] = True
    cfg = RerunConfig(success_probability=1.0, wrong_fix_probability=0.0, usd_per_item=0.5)
    res = run(bench, strata, [0, 1], reviewed, cfg)
    np.testing.assert_array_equal(res.rerun, bench.stratum == 0)  # stratum 1: nothing revealed
    mine = res.rerun & logic
    assert agrees(res.label[mine], bench.truth[mine], bench.value_kind[mine], AgreementRule()).all()
    others = res.rerun & ~logic
    np.testing.assert_array_equal(res.label[others], bench.original[others])
    assert res.usd == 0.5 * 40


def test_an_item_specific_error_reveals_nothing() -> None:
    strata, bench = world()
    extraction = np.flatnonzero(bench.error_mode == ErrorMode.EXTRACTION)
    reviewed = np.zeros(bench.n_items, dtype=bool)
    reviewed[extraction] = True
    reviewed[bench.error_mode == ErrorMode.LOGIC] = False
    res = run(bench, strata, [0, 1, 2], reviewed, RerunConfig())
    assert not res.rerun.any()
    assert res.usd == 0.0


def test_failures_and_wrong_fixes_happen_at_their_rates() -> None:
    strata, bench = world()
    reviewed = bench.error_mode == ErrorMode.LOGIC  # every stratum revealed
    cfg = RerunConfig(success_probability=0.5, wrong_fix_probability=0.5)
    res = run(bench, strata, [0, 1, 2], reviewed, cfg)
    rule = AgreementRule()
    logic = bench.error_mode == ErrorMode.LOGIC
    fixed = agrees(res.label[logic], bench.truth[logic], bench.value_kind[logic], rule)
    assert 0.2 < fixed.mean() < 0.8
    right = ~bench.original_wrong(rule)
    broken = ~agrees(res.label[right], bench.truth[right], bench.value_kind[right], rule)
    assert 0.2 < broken.mean() < 0.8


def test_a_rerun_goes_ahead_only_for_the_strata_the_dollars_left_pay_for() -> None:
    strata, bench = world()
    logic = bench.error_mode == ErrorMode.LOGIC
    reviewed = np.zeros(bench.n_items, dtype=bool)
    for s in range(3):
        reviewed[int(np.flatnonzero(logic & (bench.stratum == s))[0])] = True
    cfg = RerunConfig(usd_per_item=0.5)  # 20 dollars a stratum of 40 items
    for usd_left, strata_rerun in (
        (math.inf, [0, 1, 2]),
        (59.9, [0, 1]),
        (40.0, [0, 1]),
        (19.0, []),
    ):
        res = run(bench, strata, [0, 1, 2], reviewed, cfg, usd_left)
        np.testing.assert_array_equal(res.rerun, np.isin(bench.stratum, strata_rerun))
        assert res.usd == 20.0 * len(strata_rerun)
        assert res.usd <= usd_left
