import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config.schema import ErrorProfileConfig, ScenarioConfig, StratumConfig
from sim.model.agreement import AgreementRule, ValueKind
from sim.model.benchmark import Strata, generate_benchmark
from sim.model.errors import ErrorMode
from tests.conftest import stream

RULE = AgreementRule()


def strata_of(*specs: StratumConfig) -> Strata:
    return Strata.from_config(ScenarioConfig(name="t", strata=list(specs)))


@st.composite
def stratum_configs(draw: st.DrawFn, i: int) -> StratumConfig:
    kind = draw(st.sampled_from(["decimal", "integer", "date", "categorical"]))
    lo = draw(st.integers(-50, 300))
    width = draw(st.integers(3, 500))
    return StratumConfig(
        name=f"s{i}",
        size=draw(st.integers(1, 40)),
        group=f"g{i % 2}",
        value_kind=kind,
        value_min=float(lo),
        value_max=float(lo + width),
        n_categories=draw(st.integers(2, 6)),
        error_rate=draw(st.one_of(st.none(), st.floats(0, 1))),
        underspecified_share=draw(st.one_of(st.none(), st.floats(0, 1))),
    )


@settings(max_examples=60, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_every_error_disagrees_and_every_right_label_agrees(data: st.DataObject, seed: int) -> None:
    specs = [data.draw(stratum_configs(i)) for i in range(data.draw(st.integers(1, 5)))]
    strata = strata_of(*specs)
    b = generate_benchmark(strata, ErrorProfileConfig(), RULE, stream(seed))
    assert b.n_items == strata.n_items
    np.testing.assert_array_equal(b.original_wrong(RULE), b.error_mode != ErrorMode.NONE)
    under = b.error_mode == ErrorMode.UNDERSPECIFIED
    np.testing.assert_array_equal(np.isnan(b.truth), under)
    assert not np.isnan(b.original).any(), "originals always give a number"
    whole = b.value_kind != ValueKind.DECIMAL
    assert (np.floor(b.original[whole]) == b.original[whole]).all()


def test_ordinal_scores_stay_integers_in_range() -> None:
    s = strata_of(
        StratumConfig(
            name="gcs",
            size=2000,
            value_kind="integer",
            value_min=3,
            value_max=15,
            error_rate=1.0,
            underspecified_share=0.0,
        )
    )
    b = generate_benchmark(s, ErrorProfileConfig(), RULE, stream(0))
    assert b.original.min() >= 3
    assert b.original.max() <= 15
    assert (np.abs(b.original - b.truth) >= 2).all()


def test_logic_errors_share_one_shift_per_stratum() -> None:
    s = strata_of(
        StratumConfig(
            name="x",
            size=400,
            value_kind="date",
            value_min=738000,
            value_max=739000,
            error_rate=1.0,
            underspecified_share=0.0,
        ),
        StratumConfig(
            name="y",
            size=400,
            value_kind="decimal",
            value_min=50,
            value_max=60,
            error_rate=1.0,
            underspecified_share=0.0,
        ),
    )
    profile = ErrorProfileConfig(extraction_weight=0.0, logic_weight=1.0)
    b = generate_benchmark(s, profile, RULE, stream(3))
    assert (b.error_mode == ErrorMode.LOGIC).all()
    days = np.abs(b.original - b.truth)[b.stratum == 0]
    assert np.unique(days).size == 1, "a date stratum's logic error shifts every item equally"
    ratio = np.abs(b.original / b.truth - 1.0)[b.stratum == 1]
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9)


def test_errors_cluster_by_stratum_under_the_hierarchical_profile() -> None:
    s = strata_of(*[StratumConfig(name=f"s{i}", size=30) for i in range(400)])
    profile = ErrorProfileConfig(zero_error_probability=0.3)
    b = generate_benchmark(s, profile, RULE, stream(5))
    errors = np.bincount(b.stratum, weights=b.error_mode > 0)
    point_mass = b.stratum_error_rate == 0.0
    assert (errors[point_mass] == 0).all()
    assert 0.23 < point_mass.mean() < 0.37  # 0.3 +- 3 binomial sd over 400 strata
    share = errors / 30
    pooled = share.mean()
    binomial_var = pooled * (1 - pooled) / 30
    assert share.var() > 3 * binomial_var, "errors are overdispersed: they cluster by stratum"


def test_configured_rates_are_used() -> None:
    s = strata_of(
        StratumConfig(name="a", size=20000, error_rate=0.25),
        StratumConfig(name="b", size=10, error_rate=0.0),
    )
    b = generate_benchmark(s, ErrorProfileConfig(), RULE, stream(1))
    assert abs((b.error_mode[b.stratum == 0] > 0).mean() - 0.25) < 0.015
    assert (b.error_mode[b.stratum == 1] == 0).all()
