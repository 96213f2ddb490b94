import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config.schema import (
    AuditConfig,
    ErrorProfileConfig,
    RecomputeConfig,
    ScenarioConfig,
    StratumConfig,
)
from sim.kernels.world import CONSENSUS_BLOCK
from sim.model.agreement import AgreementRule, agrees
from sim.model.benchmark import Strata, generate_benchmark
from sim.model.verifiers import consensus_of_runs, run_audit, run_recompute
from tests.conftest import stream

RULE = AgreementRule()


def world(n: int = 4000, rate: float = 0.4, seed: int = 0):
    sc = ScenarioConfig(
        name="t",
        strata=[
            StratumConfig(
                name="a",
                size=n // 2,
                value_kind="decimal",
                value_min=10,
                value_max=90,
                error_rate=rate,
            ),
            StratumConfig(
                name="b",
                size=n // 2,
                value_kind="integer",
                value_min=0,
                value_max=10,
                error_rate=rate,
            ),
        ],
    )
    strata = Strata.from_config(sc)
    b = generate_benchmark(strata, ErrorProfileConfig(), RULE, stream(seed))
    return strata, b, b.original_wrong(RULE)


def test_consensus_needs_m_agreeing_runs() -> None:
    runs = np.array(
        [
            [10.0, 10.2, 10.1, 30.0, 50.0],  # three agree within 5%
            [10.0, 20.0, 30.0, 40.0, 50.0],  # none agree
            [np.nan, np.nan, np.nan, 3.0, 4.0],  # N/A is an answer too
        ]
    )
    kind = np.zeros(3, dtype=np.int8)
    ok3, label3 = consensus_of_runs(runs, kind, 3, RULE)
    np.testing.assert_array_equal(ok3, [True, False, True])
    assert label3[0] == 10.0
    assert np.isnan(label3[2])
    ok4, _ = consensus_of_runs(runs, kind, 4, RULE)
    assert not ok4.any()


def test_audit_flags_with_its_sensitivity_and_specificity() -> None:
    strata, b, wrong = world()
    cfg = AuditConfig(
        sensitivity=0.9,
        specificity=0.7,
        stratum_concentration=0.0,
        runs_per_item=5,
        usd_per_run=0.01,
        seconds_per_run=36,
    )
    res = run_audit(b, wrong, strata.n_strata, cfg, stream(1))
    assert abs(res.flagged[wrong].mean() - 0.9) < 0.03
    assert abs(res.flagged[~wrong].mean() - 0.3) < 0.03
    assert res.usd == b.n_items * 5 * 0.01
    assert res.llm_hours == b.n_items * 5 * 36 / 3600


def test_perfect_recomputation_finds_the_truth() -> None:
    strata, b, wrong = world()
    cfg = RecomputeConfig(run_accuracy=1.0, error_correlation=0.0)
    rc = run_recompute(b, wrong, strata, ErrorProfileConfig(), cfg, RULE, stream(2))
    assert rc.consensus.all()
    assert agrees(rc.label, b.truth, b.value_kind, RULE).all()


def test_shared_blind_spots_reproduce_the_original_error() -> None:
    strata, b, wrong = world()
    cfg = RecomputeConfig(run_accuracy=1.0, error_correlation=1.0)
    rc = run_recompute(b, wrong, strata, ErrorProfileConfig(), cfg, RULE, stream(2))
    np.testing.assert_array_equal(rc.label[wrong], b.original[wrong])
    # correlation in between: the share of errors the recomputation repeats tracks rho
    cfg = RecomputeConfig(run_accuracy=1.0, error_correlation=0.3)
    rc = run_recompute(b, wrong, strata, ErrorProfileConfig(), cfg, RULE, stream(2))
    repeated = agrees(rc.label[wrong], b.original[wrong], b.value_kind[wrong], RULE).mean()
    assert abs(repeated - 0.3) < 0.04


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    accuracy=st.floats(0.0, 1.0),
    abstain=st.floats(0.0, 1.0),
    m=st.integers(1, 6),
    k=st.integers(1, 6),
)
def test_the_recomputation_keeps_the_consensus_of_its_own_runs(
    seed: int, accuracy: float, abstain: float, m: int, k: int
) -> None:
    strata, b, wrong = world(n=400, seed=seed % 7)
    cfg = RecomputeConfig(
        runs_per_item=k,
        consensus_runs=m,
        run_accuracy=accuracy,
        abstain_probability=abstain,
        systematic_error_probability=0.2,
    )
    rc = run_recompute(b, wrong, strata, ErrorProfileConfig(), cfg, RULE, stream(seed))
    ok, label = consensus_of_runs(rc.runs, b.value_kind, m, RULE)
    np.testing.assert_array_equal(rc.consensus, ok)
    np.testing.assert_array_equal(rc.label, label)


def test_noisy_runs_lose_consensus_more_often_with_a_stricter_rule() -> None:
    strata, b, wrong = world()
    prof = ErrorProfileConfig()
    loose = run_recompute(
        b, wrong, strata, prof, RecomputeConfig(consensus_runs=3), RULE, stream(3)
    )
    strict = run_recompute(
        b, wrong, strata, prof, RecomputeConfig(consensus_runs=5), RULE, stream(3)
    )
    assert strict.consensus.mean() < loose.consensus.mean()
    assert (strict.consensus <= loose.consensus).all()


def _consensus_by_definition(row: np.ndarray, kind: int, m: int) -> tuple[bool, float]:
    support = [sum(bool(agrees(a, ref, kind, RULE)) for a in row) for ref in row]
    best = int(np.argmax(support))  # first maximum
    return support[best] >= m, row[best]


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(
        st.sampled_from([np.nan, 0.0, -0.0, 3.0, 4.0, 5.0, 100.0, 104.0, 110.0]),
        min_size=1,
        max_size=7,
    ),
    kind=st.sampled_from([0, 1, 2, 3]),
    m=st.integers(1, 7),
)
def test_consensus_matches_its_definition(values: list[float], kind: int, m: int) -> None:
    runs = np.array([values])
    ok, label = consensus_of_runs(runs, np.array([kind], dtype=np.int8), m, RULE)
    want_ok, want_label = _consensus_by_definition(runs[0], kind, m)
    assert bool(ok[0]) == want_ok
    if want_ok:  # the winning run itself, to the sign of a zero
        np.testing.assert_array_equal(label[0], want_label)
        assert np.signbit(label[0]) == np.signbit(want_label)


def test_consensus_over_more_rows_than_one_block_matches_its_definition() -> None:
    rng = np.random.default_rng(5)
    n, k, m = 2 * CONSENSUS_BLOCK + 37, 5, 3
    values = np.array([np.nan, 0.0, 3.0, 4.0, 100.0, 104.0, 110.0])
    runs = values[rng.integers(0, len(values), size=(n, k))]
    kind = rng.integers(0, 4, size=n).astype(np.int8)
    ok, label = consensus_of_runs(runs, kind, m, RULE)
    for i in range(n):
        want_ok, want_label = _consensus_by_definition(runs[i], int(kind[i]), m)
        assert bool(ok[i]) == want_ok, i
        np.testing.assert_array_equal(label[i], want_label if want_ok else np.nan)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(1, 7),
    m_share=st.floats(0.0, 1.0),
    run_accuracy=st.sampled_from([0.0, 0.3, 0.86, 1.0]),
    abstain=st.sampled_from([0.0, 0.25, 0.5, 1.0]),
    correlation=st.sampled_from([0.0, 0.3, 1.0]),
    systematic=st.sampled_from([0.0, 0.1, 1.0]),
)
def test_the_consensus_settled_while_drawing_is_the_consensus_of_the_runs(
    seed: int,
    k: int,
    m_share: float,
    run_accuracy: float,
    abstain: float,
    correlation: float,
    systematic: float,
) -> None:
    """Items whose runs hold no wrong value are settled in the draw loop; every item must
    get what the pairwise consensus of its runs gives, ties and N/A targets included."""
    strata, b, wrong = world(n=300, seed=seed % 1000)
    cfg = RecomputeConfig(
        runs_per_item=k,
        consensus_runs=max(1, round(m_share * k)),
        run_accuracy=run_accuracy,
        abstain_probability=abstain,
        error_correlation=correlation,
        systematic_error_probability=systematic,
    )
    rc = run_recompute(b, wrong, strata, ErrorProfileConfig(), cfg, RULE, stream(seed))
    ok, label = consensus_of_runs(rc.runs, b.value_kind, cfg.consensus_runs, RULE)
    np.testing.assert_array_equal(rc.consensus, ok)
    np.testing.assert_array_equal(rc.label, label)
    assert (np.signbit(rc.label) == np.signbit(label)).all()
